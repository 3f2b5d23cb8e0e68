"""openapi-core as an independent oracle for the runtime's request validation.

The generated gateways of `specs/features/request-validators.yaml` and `specs/petstore.yaml` are
built into a temporary folder and imported in-process; each request of a generated table goes
through the runtime's method-request validation step (the pipeline's own `_validate`: required
parameters, then the draft-4 body model, reference §1.5) and through openapi-core's request
validation of the source spec. The two must agree (400 vs pass) wherever API Gateway's rules and
OpenAPI's coincide.

Where they do not coincide, the case is not compared: a documented rule (`DIVERGENCES`, chosen by
what the case breaks and by the route's validator, never by test name) says which side rejects,
and the test asserts exactly that split, so a rule cannot hide a disagreement it does not
describe. Security requirements are not request validation (the gateway's security gate answers
before validation), so openapi-core's security errors are left out on its side.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import yaml
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest
from openapi_core.validation.request.exceptions import SecurityValidationError

from tests.runtime_server import build_spec

ROOT = Path(__file__).resolve().parent.parent
SPECS = {
    "validators": ROOT / "specs" / "features" / "request-validators.yaml",
    "petstore": ROOT / "specs" / "petstore.yaml",
}
HOST = "http://127.0.0.1"
# Keywords API Gateway does not honour (§1.5 known issues, and `format` altogether), on a model
# that is otherwise plain draft 4; written into a temporary folder by the fixtures.
IGNORED_SPEC = """\
openapi: 3.0.1
info: {title: Ignored, version: "1.0"}
x-amazon-apigateway-request-validators: {all: {validateRequestBody: true, validateRequestParameters: true}}
x-amazon-apigateway-request-validator: all
paths:
  /events:
    post:
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: "#/components/schemas/Event"}}}
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses: {default: {statusCode: "200"}}
components:
  schemas:
    Event:
      type: object
      required: [day, count]
      properties:
        day: {type: string, format: date}
        count: {type: integer, minimum: 0, exclusiveMinimum: true}
        tags: {type: array, items: {type: string}, minItems: 1, maxItems: 2}
"""

# What a case deliberately breaks.
MISSING = "required parameter missing"
BLANK_QUERY = "required query parameter blank"
BLANK_HEADER = "required header blank"
PARAM_TYPE = "parameter value of the wrong type"
BODY = "body violates the model"
NOT_JSON = "body is not JSON"
IGNORED = "body breaks only keywords API Gateway ignores"


@dataclass(frozen=True)
class Case:
    spec: str
    method: str
    path: str
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    breaks: frozenset[str] = frozenset()

    def __str__(self) -> str:
        query = "?" + urlencode(dict(self.query)) if self.query else ""
        what = ", ".join(sorted(self.breaks)) or "valid"
        return f"{self.spec} {self.method} {self.path}{query} [{what}] {self.body[:40]!r}"


@dataclass(frozen=True)
class Divergence:
    """A documented difference between API Gateway's validation and OpenAPI's."""

    name: str
    why: str
    applies: Callable[[Case, Mapping[str, Any]], bool]
    runtime_rejects: bool
    oracle_rejects: bool


def _only(case: Case, kinds: set[str]) -> bool:
    return bool(case.breaks) and case.breaks <= kinds


DIVERGENCES = (
    Divergence(
        "validator scope",
        "API Gateway validates only what the method's validator enables (validateRequestBody, "
        "validateRequestParameters); OpenAPI validates the whole request.",
        lambda case, validation: (
            (_only(case, {BODY, NOT_JSON}) and not validation.get("body"))
            or (
                _only(case, {MISSING, BLANK_QUERY, BLANK_HEADER, PARAM_TYPE})
                and not validation.get("parameters")
            )
        ),
        runtime_rejects=False,
        oracle_rejects=True,
    ),
    Divergence(
        "parameter schemas",
        "API Gateway checks required request parameters for presence (and non-blankness) only, "
        "never against their schema (§1.5); OpenAPI validates each value.",
        lambda case, validation: _only(case, {PARAM_TYPE}),
        runtime_rejects=False,
        oracle_rejects=True,
    ),
    Divergence(
        "ignored keywords",
        "API Gateway ignores `format` and does not honour exclusiveMinimum, minItems and "
        "maxItems in models (§1.5 known issues); OpenAPI validates them.",
        lambda case, validation: _only(case, {IGNORED}) and bool(validation.get("body")),
        runtime_rejects=False,
        oracle_rejects=True,
    ),
    Divergence(
        "blank required headers",
        "API Gateway rejects a required parameter that is present but blank (§1.5). For a query "
        "parameter OpenAPI agrees (an empty value needs allowEmptyValue), but an empty header "
        "value is a valid string for a string schema.",
        lambda case, validation: _only(case, {BLANK_HEADER}) and bool(validation.get("parameters")),
        runtime_rejects=True,
        oracle_rejects=False,
    ),
)


# ---------------------------------------------------------------------------------------------
# The request table
# ---------------------------------------------------------------------------------------------

ADDRESS = {"street": "1 Main St", "city": "Paris", "country": "FR"}
ORDER = {"shippingAddress": ADDRESS, "items": [{"sku": "ABC-1234", "quantity": 2}]}
BAD_ORDERS = [
    {"items": []},  # shippingAddress missing
    {**ORDER, "extra": 1},  # additionalProperties: false
    {**ORDER, "items": [{"sku": "abc", "quantity": 2}]},  # pattern
    {**ORDER, "items": [{"sku": "ABC-1234", "quantity": 0}]},  # minimum
    {**ORDER, "items": [{"sku": "ABC-1234", "quantity": 100}]},  # maximum
    {**ORDER, "items": [{"sku": "ABC-1234", "quantity": 1.5}]},  # integer
    {**ORDER, "shippingAddress": {**ADDRESS, "country": "XX"}},  # enum
    {**ORDER, "shippingAddress": {**ADDRESS, "city": ""}},  # minLength
    {**ORDER, "note": "n" * 201},  # maxLength
    {**ORDER, "items": {"sku": "ABC-1234"}},  # type array
    [ORDER],  # type object
]
GOOD_ORDERS = [
    ORDER,
    {**ORDER, "billingAddress": {**ADDRESS, "postcode": "75001"}, "note": "ring twice"},
    {**ORDER, "items": [{"sku": "XYZ-0001", "quantity": 99, "unitPrice": 0}]},
]
NEW_PET = {"name": "Rex", "type": "dog"}
BAD_PETS = [
    {"name": "Rex"},
    {"name": "", "type": "dog"},
    {"name": "Rex", "type": "horse"},
    {"name": "Rex", "type": "dog", "price": -1},
    {"name": "Rex", "type": "dog", "price": "12"},
    {"name": "Rex", "type": "dog", "tag": "t" * 33},
    {"name": 7, "type": "dog"},
    "Rex",
]
GOOD_PETS = [NEW_PET, {"name": "Tom", "type": "cat", "price": 100000, "tag": "grey"}]


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


def _search_cases() -> Iterator[Case]:
    """GET /search: q (query) and X-Client-Id (header) required; page optional (params-only)."""
    base = {"q": "cats"}, {"X-Client-Id": "c-1"}
    yield Case("validators", "GET", "/search", *base)
    yield Case("validators", "GET", "/search", {"q": "cats", "page": "2"}, base[1])
    yield Case("validators", "GET", "/search", {}, base[1], breaks=frozenset({MISSING}))
    yield Case("validators", "GET", "/search", base[0], {}, breaks=frozenset({MISSING}))
    yield Case("validators", "GET", "/search", breaks=frozenset({MISSING}))
    yield Case("validators", "GET", "/search", {"q": ""}, base[1], breaks=frozenset({BLANK_QUERY}))
    blank_header = {"X-Client-Id": ""}
    yield Case(
        "validators", "GET", "/search", base[0], blank_header, breaks=frozenset({BLANK_HEADER})
    )
    # A body on a params-only route is not looked at by either side.
    yield Case("validators", "GET", "/search", *base, body=b"not json")


def _order_cases() -> Iterator[Case]:
    """POST (validator "all") and PUT (validator "body-only") of /customers/{id}/orders."""
    path = "/customers/c42/orders"
    key = {"Idempotency-Key": "k-1", "Content-Type": "application/json"}
    plain = {"Content-Type": "application/json"}
    for order in GOOD_ORDERS:
        yield Case("validators", "POST", path, {}, key, _json(order))
        yield Case("validators", "PUT", path, {}, key, _json([order]))
    for order in BAD_ORDERS:
        yield Case("validators", "POST", path, {}, key, _json(order), frozenset({BODY}))
        yield Case("validators", "PUT", path, {}, key, _json([order]), frozenset({BODY}))
    yield Case("validators", "POST", path, {}, key, b"{not json", frozenset({NOT_JSON}))
    yield Case("validators", "PUT", path, {}, key, b"[1, 2", frozenset({NOT_JSON}))
    good = _json(ORDER)
    yield Case("validators", "POST", path, {}, plain, good, frozenset({MISSING}))
    yield Case("validators", "PUT", path, {}, plain, _json([ORDER]), frozenset({MISSING}))
    both = frozenset({MISSING, BODY})
    yield Case("validators", "POST", path, {}, plain, _json(BAD_ORDERS[0]), both)


def _petstore_cases() -> Iterator[Case]:
    """GET /pets (params-only, optional query), POST /pets (validator "all", NewPet), GET and
    DELETE /pets/{petId}."""
    key = {"Content-Type": "application/json", "x-api-key": "k"}
    yield Case("petstore", "GET", "/pets")
    yield Case("petstore", "GET", "/pets", {"type": "dog", "limit": "10"})
    yield Case("petstore", "GET", "/pets", {"limit": "ten"}, breaks=frozenset({PARAM_TYPE}))
    yield Case("petstore", "GET", "/pets/7")
    for pet in GOOD_PETS:
        yield Case("petstore", "POST", "/pets", {}, key, _json(pet))
    for pet in BAD_PETS:
        yield Case("petstore", "POST", "/pets", {}, key, _json(pet), frozenset({BODY}))
    yield Case("petstore", "POST", "/pets", {}, key, b'{"name": ', frozenset({NOT_JSON}))
    auth = {"Authorization": "Bearer t"}
    yield Case("petstore", "DELETE", "/pets/7", {}, auth)


def _ignored_cases() -> Iterator[Case]:
    """POST /events: a model whose format and array-size keywords API Gateway ignores."""
    json_type = {"Content-Type": "application/json"}
    event = {"day": "2024-02-29", "count": 3, "tags": ["a"]}
    yield Case("ignored", "POST", "/events", {}, json_type, _json(event))
    for broken in ({"day": "29/02/2024"}, {"count": 0}, {"tags": []}, {"tags": ["a", "b", "c"]}):
        body = _json({**event, **broken})
        yield Case("ignored", "POST", "/events", {}, json_type, body, frozenset({IGNORED}))
    for broken in ({"count": -1}, {"day": 20240229}, {"tags": [1]}):
        body = _json({**event, **broken})
        yield Case("ignored", "POST", "/events", {}, json_type, body, frozenset({BODY}))


CASES = [*_search_cases(), *_order_cases(), *_petstore_cases(), *_ignored_cases()]


# ---------------------------------------------------------------------------------------------
# The two judges
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def specs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    ignored = tmp_path_factory.mktemp("oracle-spec") / "ignored.yaml"
    ignored.write_text(IGNORED_SPEC, encoding="utf-8")
    return {**SPECS, "ignored": ignored}


@pytest.fixture(scope="module")
def gateways(
    tmp_path_factory: pytest.TempPathFactory, specs: dict[str, Path]
) -> Iterator[dict[str, Any]]:
    """Each spec's generated gateway, imported in this process."""
    loaded: dict[str, Any] = {}
    added: list[tuple[str, str]] = []
    for name, spec in specs.items():
        out = tmp_path_factory.mktemp(f"oracle-{name}")
        package = build_spec(spec, out)
        runtime = str(out / "runtime")
        _forget(package)  # another test's build of the same slug must not answer for this one
        sys.path.insert(0, runtime)
        added.append((runtime, package))
        loaded[name] = importlib.import_module(f"{package}.app").app
    yield loaded
    for runtime, package in added:
        sys.path.remove(runtime)
        _forget(package)


def _forget(package: str) -> None:
    for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
        del sys.modules[name]


@pytest.fixture(scope="module")
def oracles(specs: dict[str, Path]) -> dict[str, OpenAPI]:
    found = {}
    for name, spec in specs.items():
        document = yaml.safe_load(spec.read_text(encoding="utf-8"))
        document["servers"] = [{"url": HOST}]
        found[name] = OpenAPI.from_dict(document)
    return found


def runtime_rejects(gateway: Any, case: Case) -> tuple[bool, Mapping[str, Any]]:
    """(400 from the runtime's validation step, the route's validation settings)."""
    from_runtime = sys.modules[type(gateway).__module__]
    runtime = from_runtime.__name__.rsplit(".", 2)[0]  # <pkg>._runtime
    context = importlib.import_module(runtime + ".pipeline.context")
    errors = importlib.import_module(runtime + ".responses.gateway_responses")
    match = gateway.router.match(case.method, case.path)
    assert match is not None, str(case)
    request = context.Request(
        method=case.method,
        raw_path=case.path,
        query_string=urlencode(dict(case.query)),
        headers=[(k.lower(), v) for k, v in case.headers.items()],
        body=case.body,
        source_ip="127.0.0.1",
    )
    # The route's validation step as the gateway compiles it (a route without a validator
    # has none).
    method_request = importlib.import_module(runtime + ".validation.method_request")
    step = method_request.compile(match.route.entry, gateway.deployment)
    validation = match.route.route.get("validation") or {}
    try:
        if step is not None:
            step.check(request, match, gateway.stage)
    except errors.GatewayError as error:
        assert error.response_type in ("BAD_REQUEST_PARAMETERS", "BAD_REQUEST_BODY"), str(case)
        return True, validation
    return False, validation


def oracle_rejects(oracle: OpenAPI, case: Case) -> bool:
    request = MockRequest(
        HOST,
        case.method,
        case.path,
        args=dict(case.query),
        headers=dict(case.headers),
        data=case.body or None,
        content_type=case.headers.get("Content-Type", "application/json"),
    )
    errors = [
        error
        for error in oracle.iter_request_errors(request)
        if not isinstance(error, SecurityValidationError)
    ]
    return bool(errors)


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 40
    assert {c.spec for c in CASES} == {*SPECS, "ignored"}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_runtime_and_openapi_core_agree(
    gateways: dict[str, Any], oracles: dict[str, OpenAPI], case: Case
) -> None:
    runtime, validation = runtime_rejects(gateways[case.spec], case)
    oracle = oracle_rejects(oracles[case.spec], case)
    rules = [rule for rule in DIVERGENCES if rule.applies(case, validation)]
    assert len(rules) <= 1, [r.name for r in rules]
    if rules:
        rule = rules[0]
        assert (runtime, oracle) == (rule.runtime_rejects, rule.oracle_rejects), rule.name
        return
    assert runtime == oracle, f"runtime rejects: {runtime}, openapi-core rejects: {oracle}"
    assert runtime == bool(case.breaks), "the case's own expectation"


def test_every_divergence_rule_is_exercised(gateways: dict[str, Any]) -> None:
    used = {
        rule.name
        for case in CASES
        for rule in DIVERGENCES
        if rule.applies(case, runtime_rejects(gateways[case.spec], case)[1])
    }
    assert used == {rule.name for rule in DIVERGENCES}
    compared = [
        case
        for case in CASES
        if not any(
            r.applies(case, runtime_rejects(gateways[case.spec], case)[1]) for r in DIVERGENCES
        )
    ]
    assert len(compared) >= 30  # the rules leave most of the table compared
