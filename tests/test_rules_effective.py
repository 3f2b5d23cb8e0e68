"""One answer for what a method's integration URI, security and request validator are
(lowering.effective), shared by validation and the runtime data: AGW306 for a URI only
CloudFormation resolves, the effective security of HTTP API routes protected by the root-level
`security`, the operation's validator overriding the API's default one, and a `selectionPattern`
read as Java reads it by both `validate` (AGW424) and the gateway."""

from __future__ import annotations

from pathlib import Path

import pytest
from apigwc.diagnostics import Sink
from apigwc.emitters.runtime_data import route_data
from apigwc.loader import load_text
from apigwc.lowering import lower
from apigwc.runtime.integrations import mock
from apigwc.runtime.responses.gateway_responses import GatewayError

from tests.rules_cases import HEAD, HTTP_HEAD, LAMBDA, MOCK, OK, findings, rest_op
from tests.runtime_server import serve_spec

GETATT = "{type: http_proxy, httpMethod: GET, uri: {'Fn::GetAtt': [Backend, Url]}}"
SUB_ATTR = "{type: http, httpMethod: GET, uri: {'Fn::Sub': 'https://${Backend.DomainName}/b'}, responses: {default: {statusCode: '200'}}}"
SUB_PSEUDO = (
    "{type: http_proxy, httpMethod: GET, uri: {'Fn::Sub': 'https://example.${AWS::URLSuffix}/c'}}"
)
PLAIN = "{type: http_proxy, httpMethod: GET, uri: 'https://example.com/d'}"


@pytest.mark.parametrize(
    ("integration", "warned"),
    [(GETATT, True), (SUB_ATTR, True), (SUB_PSEUDO, False), (PLAIN, False)],
    ids=["getatt", "sub-of-attribute", "sub-of-pseudo", "plain"],
)
def test_an_unresolvable_uri_is_reported(integration: str, warned: bool) -> None:
    found = findings(rest_op(integration))
    assert (("AGW306", "warning") in found) is warned, found


def _routes(text: str) -> list[dict]:  # type: ignore[type-arg]
    sink = Sink()
    doc = load_text(text, "case.yaml", sink)
    assert doc is not None
    api = lower(doc, sink)
    assert api is not None
    return [route_data(api, m, "case.yaml")["data"] for m in api.methods]


@pytest.mark.parametrize(
    ("integration", "uri"),
    [
        (GETATT, ""),
        (SUB_ATTR, ""),
        (SUB_PSEUDO, "https://example.amazonaws.com/c"),
        (PLAIN, "https://example.com/d"),
    ],
)
def test_runtime_data_never_holds_none_for_a_uri(integration: str, uri: str) -> None:
    (route,) = _routes(rest_op(integration))
    assert route["integration"]["uri"] == uri


def test_a_route_whose_uri_cannot_be_resolved_answers_500(tmp_path: Path) -> None:
    spec = tmp_path / "uri.yaml"
    spec.write_text(rest_op(GETATT))
    with serve_spec(spec, tmp_path / "out") as gateway:
        reply = gateway.fetch("GET", "/pets/1")
    assert reply.status == 500
    assert reply.body == b'{"message": "Internal server error"}'


ROOT_JWT = (
    "security: [{jwt: []}]\n"
    "components: {securitySchemes: {jwt: {type: oauth2, flows: {}, x-amazon-apigateway-authorizer: "
    "{type: jwt, identitySource: $request.header.Authorization, "
    "jwtConfiguration: {issuer: 'https://issuer.example.com', audience: [a]}}}}}\n"
)
LAMBDA_PROXY = (
    f"{{type: aws_proxy, httpMethod: POST, payloadFormatVersion: '2.0', uri: '{LAMBDA}'}}"
)


def _http(security: str = "") -> str:
    return (
        HTTP_HEAD
        + ROOT_JWT
        + "paths:\n  /pets:\n    get:\n"
        + security
        + f"      responses: {OK}\n      x-amazon-apigateway-integration: {LAMBDA_PROXY}\n"
    )


def test_root_security_of_an_http_api_protects_its_routes_everywhere() -> None:
    # validation (what serve cannot enforce) and the runtime data agree with each other
    found = findings(_http())
    assert ("AGW475", "warning") in found, found
    assert ("AGW476", "warning") in found, found
    (route,) = _routes(_http())
    assert route["security"] == ["AUTHORIZER"]


def test_an_empty_operation_security_turns_the_root_requirement_off() -> None:
    found = findings(_http("      security: []\n"))
    assert "AGW476" not in {code for code, _ in found}, found
    (route,) = _routes(_http("      security: []\n"))
    assert route["security"] == []


def _validated(root: str, method: str) -> str:
    """A REST POST with an array body bounded by `maxItems` (AGW453 when bodies are validated),
    the root default validator `root` and the operation's own `method` (blank: none)."""
    own = f"      x-amazon-apigateway-request-validator: {method}\n" if method else ""
    return (
        HEAD
        + "x-amazon-apigateway-request-validators: {body: {validateRequestBody: true}, "
        + "params: {validateRequestParameters: true}}\n"
        + f"x-amazon-apigateway-request-validator: {root}\n"
        + "paths:\n  /pets:\n    post:\n"
        + own
        + "      requestBody: {content: {application/json: {schema: {type: array, maxItems: 3}}}}\n"
        + f"      responses: {OK}\n      x-amazon-apigateway-integration: {MOCK}\n"
    )


@pytest.mark.parametrize(
    ("root", "method", "validates_body"),
    [("body", "", True), ("body", "params", False), ("params", "body", True)],
    ids=["root-default-applies", "operation-overrides-to-params", "operation-overrides-to-body"],
)
def test_the_operation_validator_overrides_the_default_everywhere(
    root: str, method: str, validates_body: bool
) -> None:
    # §1.5: the operation's validator wins over the API's; the rules and the build agree
    text = _validated(root, method)
    assert (("AGW453", "info") in findings(text)) is validates_body
    (route,) = _routes(text)
    assert route["validation"]["body"] is validates_body
    assert route["validation"]["parameters"] is not validates_body


@pytest.mark.parametrize(
    ("pattern", "selected"),
    [
        ("2\\d{2}", True),
        ("\\p{Digit}{3}", True),  # Java's POSIX class, ASCII digits
        ("\\p{Alpha}{3}", False),  # letters only: a 200 is not selected
        ("(?<code>2)00", True),  # Java's named group
        ("20", False),  # the whole status must match (§1.7)
    ],
)
def test_selection_patterns_read_alike_by_validate_and_the_gateway(
    pattern: str, selected: bool
) -> None:
    """A MOCK that always answers 200: AGW424 warns exactly when the built gateway would find no
    integration response for it (one reading of a Java `selectionPattern`, `java_regex`)."""
    responses = "{'" + pattern + "': {statusCode: '200'}}"
    text = rest_op(
        "{type: mock, requestTemplates: {application/json: '{\"statusCode\": 200}'}, "
        f"responses: {responses}}}"
    )
    assert (("AGW424", "warning") not in findings(text)) is selected
    (route,) = _routes(text)
    if selected:
        assert mock.select_response(route["integration"]["responses"], "200")["statusCode"] == "200"
    else:
        with pytest.raises(GatewayError):
            mock.select_response(route["integration"]["responses"], "200")
