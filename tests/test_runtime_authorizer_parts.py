"""The parts of REST Lambda authorizers, one table each: the result cache (`runtime/state/`),
the output checks and policy judgement, the build's authorizer records and what `validate` says.
The end-to-end behaviour through a served gateway is `test_runtime_authorizers.py`."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from apigwc.diagnostics import Sink
from apigwc.emitters import EmitContext
from apigwc.emitters.runtime_data import api_settings, route_entry
from apigwc.loader import load_text
from apigwc.lowering import lower
from apigwc.runtime.pipeline.gateway import Gateway
from apigwc.runtime.pipeline.plan import ApiSettings, RouteEntry
from apigwc.runtime.responses.gateway_responses import GatewayError
from apigwc.runtime.security.api_key import ApiKeyCheck
from apigwc.runtime.security.iam_authorizer import IamAuthorizer
from apigwc.runtime.security.lambda_authorizer import LambdaAuthorizer, validated
from apigwc.runtime.security.resource_policy import identity_verdict
from apigwc.runtime.security.security_gate import SecurityGate
from apigwc.runtime.state.authorizer_cache import MemoryAuthorizerCache

from tests.rules_cases import HEAD, HTTP_HEAD, MOCK, OK, diagnostics


# -- the cache --------------------------------------------------------------------------------
class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_cache_keeps_a_result_for_its_ttl() -> None:
    clock = Clock()
    cache = MemoryAuthorizerCache(clock=clock)
    asyncio.run(cache.set("k", {"principalId": "p"}, 300))
    clock.now += 299.9
    assert asyncio.run(cache.get("k")) == {"principalId": "p"}
    clock.now += 0.1
    assert asyncio.run(cache.get("k")) is None
    assert len(cache) == 0  # an expired entry is dropped when met


def test_cache_ttl_zero_keeps_nothing() -> None:
    cache = MemoryAuthorizerCache()
    asyncio.run(cache.set("k", {"principalId": "p"}, 0))
    assert asyncio.run(cache.get("k")) is None and len(cache) == 0


def test_cache_is_bounded_least_recently_used_first_out() -> None:
    cache = MemoryAuthorizerCache(max_entries=2)

    async def scenario() -> list[Any]:
        await cache.set("a", {"n": 1}, 60)
        await cache.set("b", {"n": 2}, 60)
        await cache.get("a")  # a is now the most recently used
        await cache.set("c", {"n": 3}, 60)
        return [await cache.get(k) for k in ("a", "b", "c")]

    assert asyncio.run(scenario()) == [{"n": 1}, None, {"n": 3}]
    assert len(cache) == 2


# -- the authorizer's output (reference §2.7) ------------------------------------------------
ALLOW = {"Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}]}


def _refuse(why: str) -> GatewayError:
    return GatewayError("AUTHORIZER_CONFIGURATION_ERROR", reason=why)


@pytest.mark.parametrize(
    ("output", "why"),
    [
        ([], "not a JSON object"),
        ({"policyDocument": ALLOW}, "principalId"),
        ({"principalId": 7, "policyDocument": ALLOW}, "principalId"),
        ({"principalId": "p"}, "Statement"),
        ({"principalId": "p", "policyDocument": {"Statement": []}}, "Statement"),
        ({"principalId": "p", "policyDocument": {"Statement": ["x"]}}, "not an object"),
        (
            {"principalId": "p", "policyDocument": {"Statement": [{"Effect": "allow"}]}},
            "Effect",
        ),
        (
            {
                "principalId": "p",
                "policyDocument": {"Statement": [{"Effect": "Allow", "Resource": "*"}]},
            },
            "Action",
        ),
        (
            {
                "principalId": "p",
                "policyDocument": {"Statement": [{"Effect": "Allow", "Action": "*"}]},
            },
            "Resource",
        ),
        ({"principalId": "p", "policyDocument": ALLOW, "context": "x"}, "context"),
        ({"principalId": "p", "policyDocument": ALLOW, "context": {"o": {}}}, "object"),
        ({"principalId": "p", "policyDocument": ALLOW, "context": {"a": [1]}}, "array"),
    ],
)
def test_malformed_output_is_a_configuration_error(output: Any, why: str) -> None:
    with pytest.raises(GatewayError) as raised:
        validated(output, _refuse)
    assert raised.value.response_type == "AUTHORIZER_CONFIGURATION_ERROR"
    assert why in raised.value.reason


def test_output_is_kept_with_its_context_as_strings() -> None:
    output = {
        "principalId": "p",
        "policyDocument": {"Version": "2012-10-17", "Statement": ALLOW["Statement"][0]},
        "context": {"s": "x", "i": 1, "f": 2.5, "b": False, "n": None},
        "usageIdentifierKey": "key-1",
    }
    assert validated(output, _refuse) == {
        "principalId": "p",
        "policyDocument": {"Statement": ALLOW["Statement"]},
        "context": {"s": "x", "i": "1", "f": "2.5", "b": "false", "n": None},
        "usageIdentifierKey": "key-1",
    }


ARN = "arn:aws:execute-api:us-east-1:123456789012:api1/dev/GET/pets/7"


def _statement(effect: str, resource: Any, action: Any = "execute-api:Invoke") -> dict[str, Any]:
    return {"Effect": effect, "Action": action, "Resource": resource}


@pytest.mark.parametrize(
    ("statements", "verdict"),
    [
        ([_statement("Allow", ARN)], "Allow"),
        ([_statement("Allow", "*")], "Allow"),
        ([_statement("Allow", "arn:aws:execute-api:us-east-1:123456789012:api1/dev/*")], "Allow"),
        ([_statement("Allow", "arn:aws:execute-api:*:*:api1/*/GET/pets/?")], "Allow"),
        ([_statement("Allow", "arn:aws:execute-api:*:*:api1/*/GET/pets/??")], None),
        ([_statement("Allow", "arn:aws:execute-api:*:*:api1/dev/POST/*")], None),
        ([_statement("Allow", [ARN + "x", ARN])], "Allow"),
        ([_statement("Allow", "*", "execute-api:*")], "Allow"),
        ([_statement("Allow", "*", "*")], "Allow"),
        ([_statement("Allow", "*", "EXECUTE-API:invoke")], "Allow"),  # actions ignore case
        ([_statement("Allow", "*", "s3:GetObject")], None),
        ([_statement("Allow", "*"), _statement("Deny", ARN)], "Deny"),
        ([_statement("Deny", "*"), _statement("Allow", ARN)], "Deny"),
        ([_statement("Deny", "arn:aws:execute-api:*:*:api1/dev/POST/*")], None),
    ],
)
def test_policy_is_judged_with_iam_rules(
    statements: list[dict[str, Any]], verdict: str | None
) -> None:
    assert identity_verdict({"Statement": statements}, ARN, {}) == verdict


# -- the build's records and the plan ------------------------------------------------------
_URI = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:123456789012:function:{name}/invocations"
)


def _spec(security: str, *, ttl: str = "", function: str = "Auth", head: str = HEAD) -> str:
    return (
        head
        + f"paths:\n  /pets:\n    get:\n      security: {security}\n      responses: {OK}\n"
        + f"      x-amazon-apigateway-integration: {MOCK}\n"
        + "components:\n  securitySchemes:\n"
        + "    key: {type: apiKey, name: x-api-key, in: header}\n"
        + "    sigv4: {type: apiKey, name: Authorization, in: header,"
        + " x-amazon-apigateway-authtype: awsSigv4}\n"
        + "    auth:\n      type: apiKey\n      name: Authorization\n      in: header\n"
        + "      x-amazon-apigateway-authorizer:\n        type: token\n"
        + f"        authorizerUri: {_URI.format(name=function)}\n"
        + ttl
        + "x-apigwc:\n  functions:\n    Auth: {handler: auth:handler, codeUri: .}\n"
    )


def _built(text: str) -> tuple[ApiSettings, list[RouteEntry]]:
    sink = Sink()
    doc = load_text(text, "case.yaml", sink)
    assert doc is not None
    api = lower(doc, sink)
    assert api is not None
    settings = api_settings(api, EmitContext(Path("case.yaml"), "0" * 64), {})
    return settings, [route_entry(api, m) for m in api.methods]


def test_build_writes_the_authorizer_and_names_it_on_the_route() -> None:
    settings, (route,) = _built(_spec("[{auth: []}]"))
    config = settings.authorizers["auth"]
    assert (config.type, config.function, config.result_ttl) == ("TOKEN", "Auth", 300)
    assert config.identity_sources == ("method.request.header.Authorization",)
    assert route.authorizer == "auth" and route.security == ("AUTHORIZER",)


@pytest.mark.parametrize(
    ("ttl", "expected"),
    [("0", 0), ("3600", 3600), ("7200", 3600)],
)
def test_build_keeps_the_ttl_within_api_gateways_bounds(ttl: str, expected: int) -> None:
    settings, _ = _built(
        _spec("[{auth: []}]", ttl=f"        authorizerResultTtlInSeconds: {ttl}\n")
    )
    assert settings.authorizers["auth"].result_ttl == expected


def test_function_without_local_handler_is_written_as_none() -> None:
    settings, (route,) = _built(_spec("[{auth: []}]", function="Elsewhere"))
    assert settings.authorizers["auth"].function is None
    assert route.authorizer == "auth"


@pytest.mark.parametrize(
    "security",
    ["[{auth: [], sigv4: []}]", "[{auth: []}, {sigv4: []}]"],
    ids=["with IAM", "or IAM"],
)
def test_a_method_with_another_authorization_beside_it_runs_no_authorizer(security: str) -> None:
    _, (route,) = _built(_spec(security))
    assert route.authorizer is None and "AUTHORIZER" in route.security


def test_an_http_api_has_no_token_authorizer() -> None:
    """HTTP APIs have only REQUEST Lambda authorizers: a TOKEN one is not built."""
    settings, (route,) = _built(
        _spec("[{auth: []}]", head=HTTP_HEAD + "x-apigwc: {protocol: HTTP}\n")
    )
    assert settings.authorizers == {} and route.authorizer is None


def _check_types(text: str) -> list[type]:
    settings, routes = _built(text)
    gateway = Gateway(settings, tuple(routes), Path("."))
    found = gateway.router.match("GET", "/pets")
    assert found is not None
    return [type(check.__self__) for check in found.route.checks]  # type: ignore[attr-defined]


def test_plan_runs_the_lambda_authorizer_only_where_it_can() -> None:
    assert _check_types(_spec("[{auth: []}]")) == [LambdaAuthorizer]
    assert _check_types(_spec("[{auth: [], key: []}]")) == [LambdaAuthorizer]
    assert _check_types(_spec("[{auth: [], sigv4: []}]")) == [SecurityGate]
    assert _check_types(_spec("[{sigv4: []}]")) == [IamAuthorizer]
    assert _check_types(_spec("[{sigv4: [], key: []}]")) == [IamAuthorizer]
    assert _check_types(_spec("[{key: []}]")) == [ApiKeyCheck]


# -- what `validate` says (AGW476) -----------------------------------------------------------
def _enforcement(text: str) -> list[str]:
    return [d.message for d in diagnostics(text) if d.code == "AGW476"]


def test_validate_is_quiet_about_a_lambda_authorizer_that_runs_locally() -> None:
    assert _enforcement(_spec("[{auth: []}]")) == []


def test_validate_says_what_an_authorizer_without_local_handler_answers() -> None:
    (message,) = _enforcement(_spec("[{auth: []}]", function="Elsewhere"))
    assert "no local handler" in message
    assert message.endswith("answer 500 AUTHORIZER_CONFIGURATION_ERROR")


def test_validate_is_quiet_about_api_keys_and_iam() -> None:
    # API keys are checked locally (issue 12 point 6), and so are IAM signatures (point 5).
    assert _enforcement(_spec("[{key: []}]")) == []
    assert _enforcement(_spec("[{auth: [], key: []}]")) == []
    assert _enforcement(_spec("[{sigv4: []}]")) == []


# -- what `validate` says about IAM routes no local identity can sign for (AGW466) ------------
_IAM_IDENTITY = (
    "  identities:\n    iamCredentials:\n      ci: {accessKeyId: AKIDLOCAL, secretAccessKey: s}\n"
)


def test_validate_says_what_an_iam_route_answers_without_local_identities() -> None:
    (message,) = [d.message for d in diagnostics(_spec("[{sigv4: []}]")) if d.code == "AGW466"]
    assert "the 1 route(s) using 'sigv4' require a SigV4 signature" in message
    assert message.endswith(
        "403 Missing Authentication Token when unsigned, 403 `The security "
        "token included in the request is invalid.` when signed"
    )
    quiet = diagnostics(_spec("[{sigv4: []}]") + _IAM_IDENTITY)
    assert "AGW466" not in {d.code for d in quiet}


# -- what `validate` says about API keys a local run cannot accept (AGW479) -----------------
_KEYS = "  stages: {dev: {}, prod: {}}\n  apiKeys:\n    k: %s\n  usagePlans:\n    p: %s\n"


def _unusable(key: str, plan: str, security: str = "[{key: []}]") -> list[str]:
    text = _spec(security) + _KEYS % (key, plan)
    return [d.message for d in diagnostics(text) if d.code == "AGW479"]


@pytest.mark.parametrize(
    ("key", "plan", "stages"),
    [
        ("{value: kkkkkkkkkkkkkkkkkkkkkkkk}", "{stages: [dev, prod], apiKeys: [k]}", None),
        ("{value: kkkkkkkkkkkkkkkkkkkkkkkk}", "{stages: [dev], apiKeys: [k]}", "'prod'"),
        ("{value: kkkkkkkkkkkkkkkkkkkkkkkk}", "{stages: [dev, prod]}", "'dev', 'prod'"),
        (
            "{value: kkkkkkkkkkkkkkkkkkkkkkkk, enabled: false}",
            "{stages: [dev, prod], apiKeys: [k]}",
            "'dev', 'prod'",
        ),
        ("{}", "{stages: [dev, prod], apiKeys: [k]}", "'dev', 'prod'"),
    ],
    ids=["usable everywhere", "one stage uncovered", "key in no plan", "disabled", "no value"],
)
def test_validate_says_where_no_api_key_can_be_presented(
    key: str, plan: str, stages: str | None
) -> None:
    messages = _unusable(key, plan)
    if stages is None:
        assert messages == []
    else:
        (message,) = messages
        assert f"stage(s) {stages}:" in message and message.endswith("403 Forbidden there")


def test_validate_is_quiet_about_keys_when_no_route_requires_one() -> None:
    assert _unusable("{}", "{stages: [dev]}", "[{auth: []}]") == []
