"""End to end: REST Cognito user pool authorizers (reference §1.4, §2.8, §4).

One generated REST gateway per module (`runtime_specs/cognito.yaml`) under uvicorn on
127.0.0.1; the pool's JWKS is a file the test writes from real keys, tokens are minted with
PyJWT. The backend records every call (`handlers/recorder.py`): a refused token never reaches
it.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.jwt_tokens import Keys, claims
from tests.runtime_server import Gateway, Reply, logged_events, serve_spec, write_spec

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Local1"
UNAUTHORIZED = b'{"message":"Unauthorized"}'
EXPIRED = b'{"message":"The incoming token has expired"}'
_subjects = itertools.count(1)


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys.make()


@pytest.fixture(scope="module")
def calls(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cognito-calls") / "calls.log"


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory, keys: Keys, calls: Path) -> Iterator[Gateway]:
    tmp = tmp_path_factory.mktemp("cognito")
    spec = write_spec(tmp, "cognito.yaml", {"CALL_LOG": str(calls)})
    keys.write_jwks(tmp / "keys" / "pool.jwks.json")
    with serve_spec(spec, tmp / "out") as gateway:
        yield gateway


def subject() -> str:
    return f"user-{next(_subjects)}"


def id_token(sub: str, **extra: Any) -> dict[str, Any]:
    return claims(ISSUER, **{"sub": sub, "aud": "web-client", "token_use": "id", **extra})


def access_token(sub: str, scope: str, **extra: Any) -> dict[str, Any]:
    base = {"sub": sub, "client_id": "web-client", "token_use": "access", "scope": scope}
    return claims(ISSUER, **{**base, **extra})


def get(gw: Gateway, path: str, token: str | None, header: str = "Authorization") -> Reply:
    return gw.fetch("GET", path, {} if token is None else {header: token})


# -- accepted tokens ------------------------------------------------------------------------------
def test_id_token_claims_reach_the_proxy_event(gw: Gateway, keys: Keys, calls: Path) -> None:
    sub = subject()
    exp = 1_900_000_000  # Tue Mar 17 17:46:40 UTC 2030
    token = keys.sign(
        id_token(
            sub,
            exp=exp,
            iat=1_700_000_000,
            auth_time=1_700_000_000,
            email_verified=True,
            **{"cognito:groups": ["admin", "staff"]},
        )
    )
    reply = get(gw, "/me", token)
    assert reply.status == 200, reply.body
    (event,) = logged_events(calls, sub)
    found = event["requestContext"]["authorizer"]["claims"]
    assert found["sub"] == sub and found["token_use"] == "id" and found["aud"] == "web-client"
    # As API Gateway's REST events show them: Java dates for exp/iat, strings for the rest.
    assert found["exp"] == "Sun Mar 17 17:46:40 UTC 2030"
    assert found["iat"] == "Tue Nov 14 22:13:20 UTC 2023"
    assert found["auth_time"] == "1700000000"
    assert found["email_verified"] == "true"
    assert found["cognito:groups"] == "admin,staff"
    # The token reaches the backend in its header, like any header.
    assert event["headers"]["Authorization"] == token


def test_claims_in_mapping_templates(gw: Gateway, keys: Keys) -> None:
    sub = subject()
    reply = get(gw, "/mapped", keys.sign(id_token(sub)))
    assert reply.status == 200, reply.body
    assert json.loads(reply.body)["sub"] == sub


def test_access_token_with_one_of_the_scopes(gw: Gateway, keys: Keys, calls: Path) -> None:
    sub = subject()
    reply = get(gw, "/orders", keys.sign(access_token(sub, "openid orders/admin")))
    assert reply.status == 200, reply.body
    assert len(logged_events(calls, sub)) == 1


def test_identity_validation_expression_applies_to_aud(gw: Gateway, keys: Keys) -> None:
    ok = keys.sign(id_token(subject(), aud="web-other"))
    assert get(gw, "/checked", ok, header="X-Id-Token").status == 200
    refused = keys.sign(claims(ISSUER, sub=subject(), aud="mobile-client", token_use="id"))
    reply = get(gw, "/checked", refused, header="X-Id-Token")
    assert (reply.status, reply.body) == (401, UNAUTHORIZED)


def test_api_key_is_checked_after_the_authorizer(gw: Gateway, keys: Keys) -> None:
    token = keys.sign(id_token(subject()))
    key = {"x-api-key": "partnerKey0123456789abcdef"}
    assert gw.fetch("GET", "/keyed", {"Authorization": token}).status == 403
    assert gw.fetch("GET", "/keyed", {"Authorization": token, **key}).status == 200
    # A bad token is answered 401 before the key is looked at (§1.1 steps 5 then 6).
    assert gw.fetch("GET", "/keyed", {"Authorization": "x.y.z", **key}).status == 401


# -- refusals -----------------------------------------------------------------------------------
def _hostile(keys: Keys, sub: str, case: str) -> tuple[str, str]:
    """(path, token) of a refused case."""
    now = int(time.time())
    me: dict[str, Any] = {
        "alg none": lambda: keys.alg_none(id_token(sub)),
        "HS256 keyed with the RSA public key": lambda: keys.hs256_with_public_key(id_token(sub)),
        "RS384 (Cognito signs RS256)": lambda: keys.sign(id_token(sub), alg="RS384"),
        "ES256 (EC key, published)": lambda: keys.sign(id_token(sub), alg="ES256", kid=keys.ec_kid),
        "unknown kid": lambda: keys.sign(id_token(sub), kid="no-such-key"),
        "kid with a path": lambda: keys.sign(id_token(sub), kid="../../etc/passwd"),
        "kid with SQL": lambda: keys.sign(id_token(sub), kid="1; DROP TABLE keys; --"),
        "forged signature": lambda: keys.forged(id_token(sub)),
        "not yet valid (nbf)": lambda: keys.sign(id_token(sub, nbf=now + 600)),
        "wrong issuer": lambda: keys.sign(
            claims("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other", sub=sub)
        ),
        "app client not of the pool": lambda: keys.sign(id_token(sub, aud="someone-else")),
        "access token where an ID token is due": lambda: keys.sign(
            access_token(sub, "orders/read")
        ),
        "no token_use": lambda: keys.sign(id_token(sub, token_use=None)),
        "Bearer prefix": lambda: "Bearer " + keys.sign(id_token(sub)),
        "malformed base64": lambda: "eyJ@@@.e30!!.sig",
        "too many segments": lambda: keys.sign(id_token(sub)) + ".extra",
        "large garbage": lambda: "a." + "b" * 9000 + ".c",
    }
    orders: dict[str, Any] = {
        "ID token where an access token is due": lambda: keys.sign(id_token(sub)),
        "access token without the method's scopes": lambda: keys.sign(
            access_token(sub, "orders/write openid")
        ),
        "access token without scopes": lambda: keys.sign(access_token(sub, "")),
    }
    if case in orders:
        return "/orders", orders[case]()
    return "/me", me[case]()


HOSTILE = [
    "alg none",
    "HS256 keyed with the RSA public key",
    "RS384 (Cognito signs RS256)",
    "ES256 (EC key, published)",
    "unknown kid",
    "kid with a path",
    "kid with SQL",
    "forged signature",
    "not yet valid (nbf)",
    "wrong issuer",
    "app client not of the pool",
    "access token where an ID token is due",
    "no token_use",
    "Bearer prefix",
    "malformed base64",
    "too many segments",
    "large garbage",
    "ID token where an access token is due",
    "access token without the method's scopes",
    "access token without scopes",
]


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_token_is_refused_before_the_backend(
    gw: Gateway, keys: Keys, calls: Path, case: str
) -> None:
    sub = subject()
    path, token = _hostile(keys, sub, case)
    reply = get(gw, path, token)
    assert (reply.status, reply.body) == (401, UNAUTHORIZED)
    assert reply.header("x-amzn-ErrorType") == "UnauthorizedException"
    assert logged_events(calls, sub) == []


def test_expired_token_has_its_own_message(gw: Gateway, keys: Keys, calls: Path) -> None:
    sub = subject()
    now = int(time.time())
    reply = get(gw, "/me", keys.sign(id_token(sub, iat=now - 7200, exp=now - 60)))
    assert (reply.status, reply.body) == (401, EXPIRED)
    assert reply.header("x-amzn-ErrorType") == "UnauthorizedException"
    assert logged_events(calls, sub) == []


@pytest.mark.parametrize("headers", [{}, {"Authorization": ""}])
def test_missing_token(gw: Gateway, headers: dict[str, str]) -> None:
    reply = gw.fetch("GET", "/me", headers)
    assert (reply.status, reply.body) == (401, UNAUTHORIZED)


def test_method_arn_over_1600_bytes_is_414(gw: Gateway, keys: Keys, calls: Path) -> None:
    sub = subject()
    token = keys.sign(id_token(sub))
    assert get(gw, "/files/short", token).status == 200
    reply = get(gw, "/files/" + "a" * 1600, token)
    assert (reply.status, reply.body) == (414, b'{"message":"Request URI too long"}')
    assert len(logged_events(calls, sub)) == 1


def test_pool_without_local_keys_fails_closed(gw: Gateway, keys: Keys, calls: Path) -> None:
    """No JWKS in x-apigwc.identities and no --allow-remote-jwks: 500, never open."""
    sub = subject()
    issuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Nowhere"
    reply = get(gw, "/remote", keys.sign(claims(issuer, sub=sub, token_use="id")))
    assert (reply.status, reply.body) == (500, b'{"message": null}')
    assert reply.header("x-amzn-ErrorType") == "AuthorizerConfigurationException"
    assert logged_events(calls, sub) == []
