"""End to end: REST Lambda authorizers (TOKEN, REQUEST) and their result cache (reference §1.4).

One generated gateway per module (`runtime_specs/authorizers.yaml`) under uvicorn, with real
in-process authorizer functions (`runtime_specs/handlers/authorizers.py`) that log every event
they receive to a file, so each row can say how often the function ran. Tokens carry a nonce
(`allow:<n>`) so that a row never meets another row's cached result.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.runtime_server import Gateway, Reply, logged_events, serve_spec, write_spec

UNAUTHORIZED = b'{"message":"Unauthorized"}'
EXPLICIT_DENY = (
    b'{"Message":"User is not authorized to access this resource with an explicit deny"}'
)
IMPLICIT_DENY = b'{"Message":"User is not authorized to access this resource"}'
CONFIGURATION_ERROR = b'{"message": null}'
FORBIDDEN = b'{"message":"Forbidden"}'
_nonces = itertools.count(1)


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("auth-log") / "auth.log"


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory, log: Path) -> Iterator[Gateway]:
    tmp = tmp_path_factory.mktemp("authorizers")
    spec = write_spec(tmp, "authorizers.yaml", {"AUTH_LOG": str(log)})
    with serve_spec(spec, tmp / "out") as gateway:
        yield gateway


def token(kind: str) -> str:
    return f"{kind}:{next(_nonces)}"


def assert_refused(reply: Reply, status: int, body: bytes, error_type: str) -> None:
    assert (reply.status, reply.body) == (status, body)
    assert reply.header("x-amzn-ErrorType") == error_type
    assert reply.header("Content-Type") == "application/json"


# -- the outcome table (reference §1.4) -----------------------------------------------------
OUTCOMES = [
    ("allow", 200, None, None),
    ("explicit deny wins over allow", 403, EXPLICIT_DENY, "AccessDeniedException"),
    ("implicit deny", 403, IMPLICIT_DENY, "AccessDeniedException"),
    ("another action only", 403, IMPLICIT_DENY, "AccessDeniedException"),
    ("Unauthorized error", 401, UNAUTHORIZED, "UnauthorizedException"),
    ("other error", 500, CONFIGURATION_ERROR, "AuthorizerConfigurationException"),
    ("timeout", 500, CONFIGURATION_ERROR, "AuthorizerConfigurationException"),
    ("not an object", 500, CONFIGURATION_ERROR, "AuthorizerConfigurationException"),
    ("no principalId", 500, CONFIGURATION_ERROR, "AuthorizerConfigurationException"),
    ("no policyDocument", 500, CONFIGURATION_ERROR, "AuthorizerConfigurationException"),
    ("empty Statement", 500, CONFIGURATION_ERROR, "AuthorizerConfigurationException"),
    ("invalid Effect", 500, CONFIGURATION_ERROR, "AuthorizerConfigurationException"),
    ("object in context", 500, CONFIGURATION_ERROR, "AuthorizerConfigurationException"),
    ("array in context", 500, CONFIGURATION_ERROR, "AuthorizerConfigurationException"),
    ("resource over 512 characters", 500, CONFIGURATION_ERROR, "AuthorizerConfigurationException"),
]
KINDS = {
    "allow": "allow",
    "explicit deny wins over allow": "deny",
    "implicit deny": "silent",
    "another action only": "other-action",
    "Unauthorized error": "unauthorized",
    "other error": "boom",
    "timeout": "slow",
    "not an object": "malformed",
    "no principalId": "no-principal",
    "no policyDocument": "no-policy",
    "empty Statement": "empty-statement",
    "invalid Effect": "bad-effect",
    "object in context": "object-context",
    "array in context": "array-context",
    "resource over 512 characters": "long-resource",
}


@pytest.mark.parametrize(
    ("case", "status", "body", "error_type"), OUTCOMES, ids=[o[0] for o in OUTCOMES]
)
def test_token_outcome(
    gw: Gateway, log: Path, case: str, status: int, body: bytes | None, error_type: str | None
) -> None:
    value = token(KINDS[case])
    reply = gw.fetch("GET", "/a", {"Authorization": value})
    if body is None:
        assert reply.status == status, reply.body
    else:
        assert_refused(reply, status, body, error_type or "")
    # The function ran once, with the TOKEN event's three keys (§2.5).
    (event,) = logged_events(log, value)
    assert event == {
        "type": "TOKEN",
        "authorizationToken": value,
        "methodArn": event["methodArn"],
    }
    assert event["methodArn"].endswith("/dev/GET/a")
    assert event["methodArn"].startswith("arn:aws:execute-api:us-east-1:")


def test_wildcard_question_mark_matches_one_character(gw: Gateway) -> None:
    assert gw.fetch("GET", "/a", {"Authorization": token("wildcard")}).status == 200


# -- refused without invoking ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/a", {}),
        ("/a", {"Authorization": ""}),
        ("/validated", {}),
        ("/validated", {"X-Token": "Bearer allow:x"}),  # not [0-9]+ after the colon
        ("/validated", {"X-Token": "bearer allow:1"}),  # case matters
        ("/validated", {"X-Token": "Bearer allow:1 trailing"}),  # the whole token must match
    ],
)
def test_missing_or_invalid_token_is_401_without_invoking(
    gw: Gateway, log: Path, path: str, headers: dict[str, str]
) -> None:
    before = len(logged_events(log, "TOKEN"))
    assert_refused(gw.fetch("GET", path, headers), 401, UNAUTHORIZED, "UnauthorizedException")
    assert len(logged_events(log, "TOKEN")) == before


def test_method_arn_over_1600_bytes_is_414_without_invoking(gw: Gateway, log: Path) -> None:
    """A method ARN over 1600 bytes is refused before the authorizer runs (reference §1.4); a
    path just under the limit is authorized as usual."""
    value = token("allow")
    long_id = "x" * 1600
    reply = gw.fetch("GET", f"/proxy/{long_id}", {"Authorization": value})
    assert (reply.status, reply.body) == (414, b'{"message":"Request URI too long"}')
    assert reply.header("x-amzn-ErrorType") is None
    assert logged_events(log, value) == []
    assert gw.fetch("GET", "/proxy/" + "x" * 1400, {"Authorization": value}).status == 200


def test_token_matching_the_validation_expression_is_invoked(gw: Gateway, log: Path) -> None:
    value = f"Bearer allow:{next(_nonces)}"
    reply = gw.fetch("GET", "/validated", {"X-Token": value})
    assert reply.status == 200, reply.body
    assert len(logged_events(log, value)) == 1


def test_authorizer_without_local_handler_is_a_configuration_error(gw: Gateway) -> None:
    reply = gw.fetch("GET", "/no-handler", {"Authorization": token("allow")})
    assert_refused(reply, 500, CONFIGURATION_ERROR, "AuthorizerConfigurationException")


def test_route_without_authorizer_is_untouched(gw: Gateway) -> None:
    reply = gw.fetch("GET", "/open")
    assert reply.status == 200
    assert reply.json() == {"principal": "", "role": "", "level": "", "beta": "", "ratio": ""}


# -- what the backend sees (§2.8) -----------------------------------------------------------
def test_context_in_mock_template(gw: Gateway) -> None:
    reply = gw.fetch("GET", "/a", {"Authorization": token("allow")})
    assert reply.status == 200
    # Values stringified as `$context.authorizer.<key>` reads them.
    assert reply.json() == {
        "principal": "user-1",
        "role": "admin",
        "level": "3",
        "beta": "true",
        "ratio": "1.5",
    }


def test_context_in_lambda_proxy_event(gw: Gateway) -> None:
    reply = gw.fetch("GET", "/proxy/42", {"Authorization": token("allow")})
    assert reply.status == 200, reply.body
    event = reply.json()["event"]  # type: ignore[index]
    authorizer = event["requestContext"]["authorizer"]
    assert isinstance(authorizer.pop("integrationLatency"), int)
    assert authorizer == {
        "role": "admin",
        "level": "3",
        "beta": "true",
        "ratio": "1.5",
        "principalId": "user-1",
    }


def test_null_context_value_stays_null(gw: Gateway) -> None:
    """DefinitelyTyped/DefinitelyTyped#69823 (an AWS answer as a user recorded it): strings,
    `null` kept, then principalId and integrationLatency."""
    reply = gw.fetch("GET", "/proxy/1", {"Authorization": token("null-context")})
    authorizer = reply.json()["event"]["requestContext"]["authorizer"]  # type: ignore[index]
    assert list(authorizer) == ["gone", "n", "f", "principalId", "integrationLatency"]
    assert (authorizer["gone"], authorizer["n"], authorizer["f"]) == (None, "0", "false")


def test_no_context_gives_the_principal_only(gw: Gateway) -> None:
    reply = gw.fetch("GET", "/proxy/1", {"Authorization": token("allow-no-context")})
    authorizer = reply.json()["event"]["requestContext"]["authorizer"]  # type: ignore[index]
    assert set(authorizer) == {"principalId", "integrationLatency"}
    assert authorizer["principalId"] == "user-2"


# -- the cache (§1.4) -----------------------------------------------------------------------
def test_cache_hit_invokes_once(gw: Gateway, log: Path) -> None:
    value = token("allow")
    for _ in range(3):
        assert gw.fetch("GET", "/a", {"Authorization": value}).status == 200
    assert len(logged_events(log, value)) == 1


def test_cached_deny_is_reused(gw: Gateway, log: Path) -> None:
    value = token("deny")
    for _ in range(2):
        assert_refused(
            gw.fetch("GET", "/a", {"Authorization": value}),
            403,
            EXPLICIT_DENY,
            "AccessDeniedException",
        )
    assert len(logged_events(log, value)) == 1


def test_failures_are_not_cached(gw: Gateway, log: Path) -> None:
    value = token("boom")
    for _ in range(2):
        assert gw.fetch("GET", "/a", {"Authorization": value}).status == 500
    assert len(logged_events(log, value)) == 2


def test_ttl_zero_invokes_every_time(gw: Gateway, log: Path) -> None:
    value = token("allow")
    for _ in range(3):
        assert gw.fetch("GET", "/nocache", {"Authorization": value}).status == 200
    assert len(logged_events(log, value)) == 3


def test_cached_policy_is_judged_against_another_method(gw: Gateway, log: Path) -> None:
    """API-wide: the policy cached for GET /a (scoped to it) is reused for POST /b, which it
    does not cover: 403 without invoking again (serverless/serverless#6176)."""
    value = token("scoped")
    assert gw.fetch("GET", "/a", {"Authorization": value}).status == 200
    reply = gw.fetch("POST", "/b", {"Authorization": value})
    assert_refused(reply, 403, IMPLICIT_DENY, "AccessDeniedException")
    assert len(logged_events(log, value)) == 1


def test_stage_wide_policy_is_reused_for_another_method(gw: Gateway, log: Path) -> None:
    value = token("allow")
    assert gw.fetch("GET", "/a", {"Authorization": value}).status == 200
    assert gw.fetch("POST", "/b", {"Authorization": value}).status == 200
    assert gw.fetch("GET", "/proxy/9", {"Authorization": value}).status == 200
    assert len(logged_events(log, value)) == 1


# -- REQUEST authorizers ---------------------------------------------------------------------
def test_request_event_and_identity_sources(gw: Gateway, log: Path) -> None:
    user = token("allow")
    reply = gw.fetch("GET", "/request/7?tenant=t1", {"X-User": user})
    assert reply.status == 200, reply.body
    (event,) = logged_events(log, user)
    assert event["type"] == "REQUEST"
    assert event["methodArn"].endswith("/dev/GET/request/7")
    assert "body" not in event and "isBase64Encoded" not in event
    assert event["resource"] == "/request/{id}"
    assert event["path"] == "/request/7"
    assert event["httpMethod"] == "GET"
    assert event["headers"]["X-User"] == user
    assert event["queryStringParameters"] == {"tenant": "t1"}
    assert event["pathParameters"] == {"id": "7"}
    assert event["stageVariables"] == {"realm": "pets"}
    assert event["requestContext"]["resourcePath"] == "/request/{id}"
    assert list(event)[:2] == ["type", "methodArn"]
    # The authorizer's context reaches the integration.
    authorizer = reply.json()["event"]["requestContext"]["authorizer"]  # type: ignore[index]
    assert (authorizer["tenant"], authorizer["user"]) == ("t1", user)


def test_request_cache_key_is_every_identity_source(gw: Gateway, log: Path) -> None:
    user = token("allow")
    for tenant in ("t1", "t1", "t2"):
        assert gw.fetch("GET", f"/request/1?tenant={tenant}", {"X-User": user}).status == 200
    assert len(logged_events(log, user)) == 2  # t1 once (then cached), t2 once


@pytest.mark.parametrize(
    ("query", "headers"),
    [("?tenant=t1", {}), ("", {"X-User": "allow:1"}), ("?tenant=", {"X-User": "allow:1"})],
    ids=["no header", "no query", "empty query"],
)
def test_request_missing_identity_source_is_401_without_invoking(
    gw: Gateway, log: Path, query: str, headers: dict[str, str]
) -> None:
    before = len(logged_events(log, "REQUEST"))
    reply = gw.fetch("GET", f"/request/1{query}", headers)
    assert_refused(reply, 401, UNAUTHORIZED, "UnauthorizedException")
    assert len(logged_events(log, "REQUEST")) == before


def test_request_missing_stage_variable_is_401_without_invoking(gw: Gateway, log: Path) -> None:
    user = token("allow")
    reply = gw.fetch("GET", "/request-stage", {"X-User": user})
    assert_refused(reply, 401, UNAUTHORIZED, "UnauthorizedException")
    assert logged_events(log, user) == []


def test_resource_policy_deny_comes_before_the_authorizer(gw: Gateway, log: Path) -> None:
    """§1.1 step 4: with a Lambda authorizer the resource policy is checked for an explicit
    Deny before the authorizer runs."""
    value = token("allow")
    reply = gw.fetch("GET", "/denied", {"Authorization": value})
    assert reply.status == 403 and reply.header("x-amzn-ErrorType") == "AccessDeniedException"
    message = reply.json()["Message"]  # type: ignore[index]
    assert message.startswith("User: anonymous is not authorized to perform: execute-api:Invoke")
    assert message.endswith("/dev/GET/denied with an explicit deny")
    assert logged_events(log, value) == []


def test_request_without_caching_invokes_without_identity(gw: Gateway, log: Path) -> None:
    """TTL 0: identity sources are optional, and the function runs for every request."""
    before = len(logged_events(log, "/request-nocache"))
    for _ in range(2):
        reply = gw.fetch("GET", "/request-nocache")
        assert reply.status == 200, reply.body
    assert len(logged_events(log, "/request-nocache")) == before + 2


def test_request_refusal_outcome(gw: Gateway) -> None:
    reply = gw.fetch("GET", "/request/1?tenant=t", {"X-User": token("unauthorized")})
    assert_refused(reply, 401, UNAUTHORIZED, "UnauthorizedException")
    reply = gw.fetch("GET", "/request/1?tenant=t", {"X-User": token("deny")})
    assert_refused(reply, 403, EXPLICIT_DENY, "AccessDeniedException")


# -- with an API key as well -------------------------------------------------------------------
def test_authorizer_runs_before_the_api_key(gw: Gateway, log: Path) -> None:
    assert_refused(gw.fetch("GET", "/keyed"), 401, UNAUTHORIZED, "UnauthorizedException")
    value = token("allow")
    reply = gw.fetch("GET", "/keyed", {"Authorization": value, "x-api-key": "k"})
    # Allowed, then the key is checked (step 6): `k` is no key of the API.
    assert_refused(reply, 403, FORBIDDEN, "ForbiddenException")
    assert len(logged_events(log, value)) == 1


# -- gateway responses read the denying authorizer's context ----------------------------------
DENIED_TEMPLATE = """
x-amazon-apigateway-gateway-responses:
  ACCESS_DENIED:
    responseTemplates:
      application/json: '{"message":"$context.authorizer.principalId may not"}'
"""


def test_access_denied_gateway_response_reads_the_authorizer_context(
    tmp_path: Path, log: Path
) -> None:
    # A customized ACCESS_DENIED reads `$context.authorizer.*` of the authorizer that denied
    # (the documented way to tell a client why); the default body has nothing to read.
    spec = write_spec(tmp_path, "authorizers.yaml", {"AUTH_LOG": str(log)})
    spec.write_text(spec.read_text(encoding="utf-8") + DENIED_TEMPLATE, encoding="utf-8")
    with serve_spec(spec, tmp_path / "out") as gateway:
        reply = gateway.fetch("GET", "/a", {"Authorization": token("deny")})
    assert (reply.status, reply.body) == (403, b'{"message":"user-5 may not"}')
