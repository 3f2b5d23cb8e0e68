"""End to end: HTTP API Lambda authorizers (reference §1.10, §2.6, §2.8).

One generated HTTP API gateway per module (`runtime_specs/http_authorizers.yaml`) under
uvicorn, with a real in-process authorizer function (`runtime_specs/handlers/http_authorizers.py`)
that logs every event it receives, so each row can say how often the function ran. The `X-User`
header carries a nonce (`yes:<n>`) so that a row never meets another row's cached result.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.runtime_server import Gateway, Reply, logged_events, serve_spec, write_spec

UNAUTHORIZED = b'{"message":"Unauthorized"}'
FORBIDDEN = b'{"message":"Forbidden"}'
INTERNAL = b'{"message":"Internal Server Error"}'
CONTEXT = {"role": "admin", "level": 3, "beta": True, "tags": ["a", "b"], "org": {"id": 7}}
_nonces = itertools.count(1)


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("http-auth-log") / "auth.log"


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory, log: Path) -> Iterator[Gateway]:
    tmp = tmp_path_factory.mktemp("http-authorizers")
    spec = write_spec(tmp, "http_authorizers.yaml", {"AUTH_LOG": str(log)})
    with serve_spec(spec, tmp / "out") as gateway:
        yield gateway


def user(kind: str) -> str:
    return f"{kind}:{next(_nonces)}"


def body(reply: Reply) -> dict[str, Any]:
    data = reply.json()
    assert isinstance(data, dict), reply.body
    return data


# -- outcomes: simple responses, policies, failures ------------------------------------------
@pytest.mark.parametrize(
    ("path", "kind", "status", "expected"),
    [
        ("/simple/1?tenant=t", "yes", 200, None),
        ("/simple/1?tenant=t", "no", 403, FORBIDDEN),
        ("/simple/1?tenant=t", "not-boolean", 500, INTERNAL),
        ("/simple/1?tenant=t", "boom", 500, INTERNAL),
        # `claims` is reserved for JWT authorizers (reference §2.6): the context is refused.
        ("/simple/1?tenant=t", "claims", 500, INTERNAL),
        ("/policy", "allow", 200, None),
        ("/policy", "deny", 403, FORBIDDEN),
        ("/policy", "silent", 403, FORBIDDEN),
        ("/policy", "yes", 500, INTERNAL),  # not simple: a policy is required
        ("/v1/1?tenant=t", "allow", 200, None),
        ("/v1/1?tenant=t", "deny", 403, FORBIDDEN),
    ],
)
def test_outcome(gw: Gateway, path: str, kind: str, status: int, expected: bytes | None) -> None:
    reply = gw.fetch("GET", path, {"X-User": user(kind)})
    assert reply.status == status, reply.body
    if expected is not None:
        assert reply.body == expected
        assert reply.header("Content-Type") == "application/json"


def test_route_without_authorizer_is_untouched(gw: Gateway) -> None:
    assert gw.fetch("GET", "/open").status == 200


# -- the events the function receives ---------------------------------------------------------
def test_payload_2_event(gw: Gateway, log: Path) -> None:
    who = user("yes")
    reply = gw.fetch("GET", "/simple/7?tenant=t1", {"X-User": who, "Cookie": "a=1; b=2"})
    assert reply.status == 200, reply.body
    (event,) = logged_events(log, who)
    assert list(event)[:5] == ["version", "type", "routeArn", "identitySource", "routeKey"]
    assert (event["version"], event["type"]) == ("2.0", "REQUEST")
    assert event["routeArn"].endswith("/dev/GET/simple/7")
    assert event["identitySource"] == [who, "t1", "pets", "GET /simple/{id}"]
    assert event["routeKey"] == "GET /simple/{id}"
    assert (event["rawPath"], event["rawQueryString"]) == ("/dev/simple/7", "tenant=t1")
    assert event["cookies"] == ["a=1", "b=2"]
    assert event["headers"]["x-user"] == who
    assert event["queryStringParameters"] == {"tenant": "t1"}
    assert event["pathParameters"] == {"id": "7"}
    assert event["stageVariables"] == {"realm": "pets"}
    assert event["requestContext"]["http"]["method"] == "GET"
    assert "body" not in event and "isBase64Encoded" not in event


def test_payload_1_event(gw: Gateway, log: Path) -> None:
    who = user("allow")
    assert gw.fetch("GET", "/v1/3?tenant=t2", {"X-User": who}).status == 200
    (event,) = logged_events(log, who)
    assert list(event)[:5] == [
        "version",
        "type",
        "methodArn",
        "identitySource",
        "authorizationToken",
    ]
    assert (event["version"], event["type"]) == ("1.0", "REQUEST")
    assert event["methodArn"].endswith("/dev/GET/v1/3")
    assert event["identitySource"] == event["authorizationToken"] == f"{who},t2"
    assert event["resource"] == "/v1/{id}"
    assert event["httpMethod"] == "GET"
    assert event["headers"]["X-User"] == who
    assert event["queryStringParameters"] == {"tenant": "t2"}
    assert event["pathParameters"] == {"id": "3"}
    assert "body" not in event and "isBase64Encoded" not in event


# -- what the backend sees (§2.8) -------------------------------------------------------------
def test_context_in_the_2_0_proxy_event(gw: Gateway) -> None:
    reply = gw.fetch("GET", "/simple/1?tenant=t", {"X-User": user("yes")})
    authorizer = body(reply)["event"]["requestContext"]["authorizer"]
    assert authorizer == {"lambda": CONTEXT}  # JSON values kept as they are


def test_policy_context_in_the_2_0_proxy_event(gw: Gateway) -> None:
    reply = gw.fetch("GET", "/policy", {"X-User": user("allow")})
    authorizer = body(reply)["event"]["requestContext"]["authorizer"]
    assert authorizer == {"lambda": {"role": "admin", "level": 3, "beta": True}}


def test_context_in_the_1_0_proxy_event(gw: Gateway) -> None:
    reply = gw.fetch("GET", "/v1/1?tenant=t", {"X-User": user("allow")})
    authorizer = body(reply)["event"]["requestContext"]["authorizer"]
    assert authorizer["role"] == "admin" and authorizer["level"] == "3"
    assert authorizer["beta"] == "true" and authorizer["principalId"] == "user-1"


def test_simple_context_in_a_1_0_proxy_event(gw: Gateway) -> None:
    reply = gw.fetch("GET", "/simple-v1?tenant=t", {"X-User": user("yes")})
    authorizer = body(reply)["event"]["requestContext"]["authorizer"]
    assert authorizer == CONTEXT


# -- identity sources and the cache ------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/simple/1?tenant=t", {}),
        ("/simple/1", {"X-User": "yes:1"}),
        ("/simple/1?tenant=", {"X-User": "yes:1"}),
        ("/v1/1", {"X-User": "allow:1"}),
        ("/policy", {}),
    ],
    ids=["no header", "no query", "empty query", "1.0 no query", "policy no header"],
)
def test_missing_identity_source_is_401_without_invoking(
    gw: Gateway, log: Path, path: str, headers: dict[str, str]
) -> None:
    before = len(logged_events(log, "REQUEST"))
    reply = gw.fetch("GET", path, headers)
    assert (reply.status, reply.body) == (401, UNAUTHORIZED)
    assert len(logged_events(log, "REQUEST")) == before


def test_cache_hit_invokes_once(gw: Gateway, log: Path) -> None:
    who = user("yes")
    for _ in range(3):
        assert gw.fetch("GET", "/simple/1?tenant=t", {"X-User": who}).status == 200
    assert len(logged_events(log, who)) == 1


def test_cache_key_is_every_identity_source(gw: Gateway, log: Path) -> None:
    who = user("yes")
    for tenant in ("t1", "t1", "t2"):
        assert gw.fetch("GET", f"/simple/1?tenant={tenant}", {"X-User": who}).status == 200
    assert len(logged_events(log, who)) == 2


def test_cached_denial_is_reused(gw: Gateway, log: Path) -> None:
    who = user("no")
    for _ in range(2):
        assert gw.fetch("GET", "/simple/1?tenant=t", {"X-User": who}).status == 403
    assert len(logged_events(log, who)) == 1


def test_failures_are_not_cached(gw: Gateway, log: Path) -> None:
    who = user("boom")
    for _ in range(2):
        assert gw.fetch("GET", "/simple/1?tenant=t", {"X-User": who}).status == 500
    assert len(logged_events(log, who)) == 2


def test_ttl_zero_invokes_every_time(gw: Gateway, log: Path) -> None:
    who = user("yes")
    for _ in range(2):
        assert gw.fetch("GET", "/nocache", {"X-User": who}).status == 200
    assert len(logged_events(log, who)) == 2


def test_ttl_zero_invokes_without_identity(gw: Gateway, log: Path) -> None:
    before = len(logged_events(log, "/nocache"))
    reply = gw.fetch("GET", "/nocache")
    assert (reply.status, reply.body) == (403, FORBIDDEN)  # invoked: without X-User it denies
    assert len(logged_events(log, "/nocache")) == before + 1
