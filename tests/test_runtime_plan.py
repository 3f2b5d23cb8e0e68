"""The build's contract with the runtime (`runtime/pipeline/plan.py`), the options of a process
(`options.py`) and each route's plan of steps (`steps.py`), in process."""

from __future__ import annotations

import ast
import asyncio
import dataclasses
import inspect
from pathlib import Path
from typing import Any

import pytest
from apigwc.emitters import EmitContext
from apigwc.emitters.runtime import literal
from apigwc.emitters.runtime_data import api_settings, functions_folders, route_entry
from apigwc.pipeline import compile_spec
from apigwc.runtime.integrations.aws_step import AwsServiceStep
from apigwc.runtime.integrations.integration_step import HttpProxyStep, MockStep
from apigwc.runtime.integrations.lambda_step import LambdaProxyStep
from apigwc.runtime.pipeline import wire
from apigwc.runtime.pipeline.gateway import Gateway
from apigwc.runtime.pipeline.options import GatewayOptions
from apigwc.runtime.pipeline.plan import (
    ApiSettings,
    AuthorizerConfig,
    MethodValidation,
    PlanError,
    RouteEntry,
    load_routes,
)
from apigwc.runtime.pipeline.steps import STEP_TYPES, IntegrationType, RoutePlan
from apigwc.runtime.responses.gateway_responses import Response
from apigwc.runtime.security.api_key import ApiKeyCheck
from apigwc.runtime.security.policy_step import PolicyStep
from apigwc.runtime.validation.method_request import MethodRequestStep

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(
    [ROOT / "specs" / "petstore.yaml"]
    + [p for p in (ROOT / "specs" / "features").iterdir() if p.suffix in (".yaml", ".json")]
)


@pytest.mark.parametrize("spec", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_route_the_build_writes_reads_back_as_the_same_record(spec: Path) -> None:
    """The emitter builds `RouteEntry` records; the literal it renders, evaluated as the
    generated `app.py` evaluates it, loads back to an equal record."""
    api = compile_spec(spec).api
    assert api is not None
    for method in api.methods:
        entry = route_entry(api, method)
        rendered = ast.literal_eval(literal(entry.to_data()))
        assert RouteEntry.from_data(rendered) == entry


@pytest.mark.parametrize("spec", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_the_api_settings_the_build_writes_read_back_as_the_same_record(spec: Path) -> None:
    api = compile_spec(spec).api
    assert api is not None
    settings = api_settings(api, EmitContext(spec, "0" * 64), functions_folders(api, spec.parent))
    rendered = ast.literal_eval(literal(settings.to_data()))
    assert ApiSettings.from_data(rendered) == settings
    assert ApiSettings.from_data(rendered).to_data() == rendered


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"routeKey": None}, "routeKey"),
        ({"security": "AUTHORIZER"}, "security"),
        ({"integration": ["MOCK"]}, "integration"),
        ({"validation": {"parameters": "yes", "body": False}}, "parameters"),
        ({"operationName": 7}, "operationName"),
    ],
    ids=["no route key", "security not a list", "integration not a mapping", "flag", "name"],
)
def test_an_entry_of_another_shape_is_refused_at_start_up(
    change: dict[str, Any], message: str
) -> None:
    data = _entry("GET", "/a").to_data() | change
    with pytest.raises(PlanError, match=message):
        load_routes((data,))


@pytest.mark.parametrize(
    "options",
    [
        GatewayOptions(),
        GatewayOptions(stage="prod", all_stages=True, access_log=True, validate_responses=True),
        GatewayOptions(stage="dev", access_log=True),
        GatewayOptions(state="redis://127.0.0.1:6379/2"),
        GatewayOptions(websocket_idle_timeout_s=1.5, websocket_max_duration_s=4.0),
    ],
)
def test_options_reach_every_worker_unchanged(options: GatewayOptions) -> None:
    assert GatewayOptions.from_environment(options.environment()) == options


def test_step_types_keep_api_gateways_order() -> None:
    """Reference §1.1: policy (4), authorizer and API key (5, 6), usage plan and stage throttling
    (6, 7), validation (8), integration behind the stage cache (9: a hit skips the integration)."""
    names = [step_type.name for step_type in STEP_TYPES]
    assert names == [
        "resource policy",
        "authorizer and API key",
        "throttling and quotas",
        "request validation",
        "integration",
        "stage cache",
        "response contract",
    ]
    assert sum(isinstance(t, IntegrationType) for t in STEP_TYPES) == 1


API: dict[str, Any] = {
    "protocol": "REST",
    "title": "t",
    "apiId": "a1",
    "deploymentId": "d1",
    "region": "us-east-1",
    "account": "123456789012",
    "defaultStage": "dev",
    "stages": {"dev": {"variables": {}}},
    "functions": {},
}
POLICY = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke"}]}


def _entry(
    method: str,
    path: str,
    integration: dict[str, Any] | None = None,
    security: tuple[str, ...] = (),
    validation: MethodValidation | None = None,
) -> RouteEntry:
    return RouteEntry(
        route_key=f"{method} {path}",
        resource_path=path,
        http_method=method,
        resource_id="r1",
        operation_name=None,
        security=security,
        integration=integration or {"type": "MOCK", "requestTemplates": {}, "responses": []},
        validation=validation,
    )


def _plans(api: dict[str, Any], *routes: RouteEntry) -> dict[str, RoutePlan]:
    gateway = Gateway(ApiSettings.from_data(api), routes, Path("."))
    plans = {}
    for route in routes:
        found = gateway.router.match(route.http_method, route.resource_path)
        assert found is not None
        plans[route.route_key] = found.route
    return plans


def _check_types(plan: RoutePlan) -> list[type]:
    return [type(check.__self__) for check in plan.checks]


def test_a_route_carries_only_the_steps_it_needs() -> None:
    plans = _plans(
        API | {"resourcePolicy": POLICY},
        _entry("GET", "/open"),
        _entry("GET", "/checked", validation=MethodValidation(True, False, ("x",))),
        _entry("GET", "/keyed", security=("API_KEY",)),
        _entry("GET", "/lambda", {"type": "AWS_PROXY", "function": "F", "httpMethod": "POST"}),
        _entry("GET", "/proxy", {"type": "HTTP_PROXY", "uri": "http://127.0.0.1:18100/"}),
        _entry("GET", "/service", {"type": "AWS", "function": None}),
    )
    assert _check_types(plans["GET /open"]) == [PolicyStep]
    assert _check_types(plans["GET /checked"]) == [PolicyStep, MethodRequestStep]
    assert _check_types(plans["GET /keyed"]) == [PolicyStep, ApiKeyCheck]
    integrations = {key: type(plan.integration) for key, plan in plans.items()}
    assert integrations == {
        "GET /open": MockStep,
        "GET /checked": MockStep,
        "GET /keyed": MockStep,
        "GET /lambda": LambdaProxyStep,
        "GET /proxy": HttpProxyStep,
        "GET /service": AwsServiceStep,  # called at its endpoint (500 when none: aws_endpoints)
    }
    assert all(plan.responds == () for plan in plans.values())


def test_an_api_without_a_policy_has_no_policy_step() -> None:
    plan = _plans(API, _entry("GET", "/open"))["GET /open"]
    assert plan.checks == ()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"apiKeySource": "QUERY"}, "apiKeySource"),
        ({"apiKeys": {"k": {"id": "abc", "enabled": True, "stages": ["dev"]}}}, "value"),
        (
            {"apiKeys": {"k": {"id": "abc", "value": "v", "enabled": "yes", "stages": []}}},
            "enabled",
        ),
        (
            {"apiKeys": {"k": {"id": "abc", "value": "v", "enabled": True, "stages": "dev"}}},
            "stages",
        ),
    ],
    ids=["key source", "key without value", "enabled flag", "stages not a list"],
)
def test_api_keys_of_another_shape_are_refused_at_start_up(
    change: dict[str, Any], message: str
) -> None:
    spec = ROOT / "specs" / "petstore.yaml"
    api = compile_spec(spec).api
    assert api is not None
    settings = api_settings(api, EmitContext(spec, "0" * 64), functions_folders(api, spec.parent))
    with pytest.raises(PlanError, match=message):
        ApiSettings.from_data(settings.to_data() | change)


def test_the_build_keeps_the_keys_a_caller_can_present(tmp_path: Path) -> None:
    """Keys with a value, their enabled flag, and the stages of every plan they are in; a key
    without a value (AWS would generate it) cannot be presented locally and is left out."""
    spec = tmp_path / "api.yaml"
    spec.write_text(
        "openapi: 3.0.1\ninfo: {title: Keys, version: '1'}\npaths: {}\n"
        "x-apigwc:\n  stages: {dev: {}, test: {}, prod: {}}\n"
        "  apiKeys:\n"
        "    a: {value: aaaaaaaaaaaaaaaaaaaaaaaa}\n"
        "    b: {value: bbbbbbbbbbbbbbbbbbbbbbbb, enabled: false}\n"
        "    generated: {}\n"
        "  usagePlans:\n"
        "    p1: {stages: [prod], apiKeys: [a, b]}\n"
        "    p2: {stages: [dev], apiKeys: [a]}\n",
        encoding="utf-8",
    )
    api = compile_spec(spec).api
    assert api is not None
    keys = api_settings(api, EmitContext(spec, "0" * 64), {}).api_keys
    assert sorted(keys) == ["a", "b"]
    assert (keys["a"].enabled, keys["a"].stages) == (True, ("dev", "prod"))
    assert (keys["b"].enabled, keys["b"].stages) == (False, ("prod",))
    assert keys["a"].key_id != keys["b"].key_id and len(keys["a"].key_id) == 10
    assert "aaaa" not in repr(keys["a"])  # the value stays out of reprs, hence out of logs


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("2.5", 2.5), ("0", 600.0), ("-3", 600.0), ("7200", 600.0), ("soon", 600.0), ("", 600.0)],
)
def test_the_websocket_idle_timeout_only_goes_down(value: str, seconds: float) -> None:
    """API Gateway's 10 minutes (reference §10.1) can be shortened for tests, never raised."""
    environ = {"APIGWC_WEBSOCKET_IDLE_TIMEOUT": value}
    assert GatewayOptions.from_environment(environ).websocket_idle_timeout_s == seconds


ALLOW = """
def allow(event, context):
    return {"principalId": "p", "context": {}, "policyDocument": {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}]}}
"""


def _authorized_gateway(tmp_path: Path, handler: str, function: str) -> Gateway:
    """A gateway with one MOCK route behind a TOKEN authorizer (result TTL 300 s) whose
    function is `function` of the module text `handler`."""
    (tmp_path / "auth.py").write_text(handler, encoding="utf-8")
    config = AuthorizerConfig(
        "Auth", "TOKEN", "az1", "Auth", ("method.request.header.Authorization",), None, 300
    )
    api = API | {
        "functions": {"Auth": {"handler": f"auth:{function}", "codeDir": ".", "timeout": 3}},
        "authorizers": {"Auth": config.to_data()},
    }
    mock = {
        "type": "MOCK",
        "requestTemplates": {"application/json": '{"statusCode": 200}'},
        "passthroughBehavior": None,
        "responses": [
            {"selectionPattern": None, "statusCode": "200", "responseTemplates": {}}
            | {"responseParameters": {}}
        ],
    }
    entry = _entry("GET", "/a", mock, security=("AUTHORIZER",))
    route = dataclasses.replace(entry, authorizer="Auth")
    return Gateway(ApiSettings.from_data(api), (route,), tmp_path)


def _status(answer: Any) -> int:
    found = answer if isinstance(answer, Response) else asyncio.run(_await(answer))
    return found.status


def test_a_cached_authorizer_result_answers_a_mock_route_without_a_coroutine(
    tmp_path: Path,
) -> None:
    """A TOKEN authorizer's cached result (the memory cache) is judged at once: the MOCK route
    behind it then answers with no coroutine, as an open one does; the first request, which
    invokes the function, waits."""
    gateway = _authorized_gateway(tmp_path, ALLOW, "allow")
    scope = {"method": "GET", "path": "/a", "headers": [(b"authorization", b"t1")]}
    first = gateway.answer(wire.request(scope))
    assert inspect.isawaitable(first)
    assert _status(first) == 200
    second = gateway.answer(wire.request(scope))
    assert isinstance(second, Response) and second.status == 200
    other = gateway.answer(wire.request(scope | {"headers": [(b"authorization", b"t2")]}))
    assert inspect.isawaitable(other)  # another token is not cached: the function runs
    assert _status(other) == 200


FROM_TEN = """
def from_ten(event, context):
    statement = {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*",
                 "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}
    return {"principalId": "p", "context": {},
            "policyDocument": {"Version": "2012-10-17", "Statement": [statement]}}
"""


def test_a_cached_policy_with_a_condition_is_judged_for_each_request(tmp_path: Path) -> None:
    """Verdicts of a cached policy are remembered per method ARN only when no statement has a
    Condition: the same cached result allows the caller its condition names and denies
    another, whichever came first."""
    gateway = _authorized_gateway(tmp_path, FROM_TEN, "from_ten")
    scope = {"method": "GET", "path": "/a", "headers": [(b"authorization", b"t1")]}
    inside, outside = scope | {"client": ("10.1.2.3", 1)}, scope | {"client": ("192.0.2.9", 1)}
    assert _status(gateway.answer(wire.request(inside))) == 200
    assert _status(gateway.answer(wire.request(outside))) == 403
    assert _status(gateway.answer(wire.request(inside))) == 200


async def _await(pending: Any) -> Response:
    found = await pending
    assert isinstance(found, Response)
    return found
