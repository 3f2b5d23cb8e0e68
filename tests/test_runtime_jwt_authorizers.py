"""End to end: HTTP API JWT authorizers (reference §1.10, §2.3, §2.4, §2.8).

One generated HTTP API gateway per module (`runtime_specs/jwt_http.yaml`) under uvicorn on
127.0.0.1, its issuer's JWKS a file made by the test from real RSA and EC keys, tokens minted
with PyJWT. The backend records every call (`handlers/recorder.py`), so each hostile row proves
the refused token never reached the integration.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.jwt_tokens import Keys, claims
from tests.runtime_server import Gateway, Reply, logged_events, serve_spec, write_spec

ISSUER = "https://issuer.example/tenant"
UNAUTHORIZED = b'{"message":"Unauthorized"}'
FORBIDDEN = b'{"message":"Forbidden"}'
INTERNAL = b'{"message":"Internal Server Error"}'
_subjects = itertools.count(1)


def challenge(description: str, scopes: str = "") -> str:
    return f'Bearer scope="{scopes}" error="invalid_token" error_description="{description}"'


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys.make()


@pytest.fixture(scope="module")
def calls(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("jwt-calls") / "calls.log"


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory, keys: Keys, calls: Path) -> Iterator[Gateway]:
    tmp = tmp_path_factory.mktemp("jwt-http")
    spec = write_spec(tmp, "jwt_http.yaml", {"CALL_LOG": str(calls)})
    keys.write_jwks(tmp / "keys" / "issuer.jwks.json")
    with serve_spec(spec, tmp / "out") as gateway:
        yield gateway


def subject() -> str:
    return f"user-{next(_subjects)}"


def good(sub: str, **extra: Any) -> dict[str, Any]:
    return claims(ISSUER, sub=sub, aud="api-client", **extra)


def get(gw: Gateway, path: str, token: str | None, scheme: str = "Bearer ") -> Reply:
    headers = {} if token is None else {"Authorization": scheme + token}
    return gw.fetch("GET", path, headers)


# -- accepted tokens and what the backend sees ------------------------------------------------
def test_valid_token_reaches_the_backend_with_claims(gw: Gateway, keys: Keys, calls: Path) -> None:
    sub = subject()
    token = keys.sign(good(sub, scope="items/read openid", email_verified=True, groups=["a", "b"]))
    reply = get(gw, "/items", token)
    assert reply.status == 200, reply.body
    (event,) = logged_events(calls, sub)
    authorizer = event["requestContext"]["authorizer"]
    assert list(authorizer) == ["jwt"]
    jwt_context = authorizer["jwt"]
    assert jwt_context["scopes"] == ["items/read", "openid"]
    found = jwt_context["claims"]
    assert found["sub"] == sub and found["iss"] == ISSUER and found["aud"] == "api-client"
    # Every claim is a string: numbers as digits, booleans, lists in brackets.
    assert found["exp"].isdigit() and found["email_verified"] == "true"
    assert found["groups"] == "[a b]"


def test_bare_token_without_bearer_is_accepted(gw: Gateway, keys: Keys, calls: Path) -> None:
    """The identity source holds "only the token, or the token prefixed with Bearer" (DG)."""
    sub = subject()
    assert get(gw, "/plain", keys.sign(good(sub)), scheme="").status == 200
    assert len(logged_events(calls, sub)) == 1


def test_client_id_stands_for_aud(gw: Gateway, keys: Keys) -> None:
    token = keys.sign(claims(ISSUER, sub=subject(), client_id="other-client"))
    assert get(gw, "/plain", token).status == 200


def test_payload_1_event_has_claims_and_scopes(gw: Gateway, keys: Keys, calls: Path) -> None:
    sub = subject()
    assert get(gw, "/v1", keys.sign(good(sub))).status == 200
    (event,) = logged_events(calls, sub)
    authorizer = event["requestContext"]["authorizer"]
    assert authorizer["claims"]["sub"] == sub
    assert authorizer["scopes"] is None


def test_token_from_a_query_string_identity_source(gw: Gateway, keys: Keys) -> None:
    token = keys.sign(good(subject()))
    assert gw.fetch("GET", f"/query?access_token={token}").status == 200
    assert gw.fetch("GET", "/query", {"Authorization": f"Bearer {token}"}).status == 401


def test_same_token_is_served_again(gw: Gateway, keys: Keys, calls: Path) -> None:
    sub = subject()
    token = keys.sign(good(sub))
    assert [get(gw, "/plain", token).status for _ in range(3)] == [200, 200, 200]
    assert len(logged_events(calls, sub)) == 3


# -- refusals -----------------------------------------------------------------------------------
def _hostile(keys: Keys, sub: str, case: str) -> str:
    now = int(time.time())
    makers = {
        "alg none": lambda: keys.alg_none(good(sub)),
        "HS256 keyed with the RSA public key": lambda: keys.hs256_with_public_key(good(sub)),
        "ES256 (EC key, published)": lambda: keys.sign(good(sub), alg="ES256", kid=keys.ec_kid),
        "unknown kid": lambda: keys.sign(good(sub), kid="no-such-key"),
        "kid with a path": lambda: keys.sign(good(sub), kid="../../../../etc/passwd"),
        "kid with SQL": lambda: keys.sign(good(sub), kid="' OR '1'='1' --"),
        "forged signature": lambda: keys.forged(good(sub)),
        "expired": lambda: keys.sign(good(sub, iat=now - 7200, exp=now - 3600)),
        "not yet valid (nbf)": lambda: keys.sign(good(sub, nbf=now + 600)),
        "issued in the future (iat)": lambda: keys.sign(good(sub, iat=now + 600)),
        "wrong issuer": lambda: keys.sign(
            claims("https://evil.example/", sub=sub, aud="api-client")
        ),
        "wrong audience": lambda: keys.sign(claims(ISSUER, sub=sub, aud="someone-else")),
        "no audience": lambda: keys.sign(claims(ISSUER, sub=sub)),
        "no exp": lambda: keys.sign(good(sub, exp=None)),
        "malformed base64": lambda: "eyJ@@@.e30!!.sig",
        "too many segments": lambda: keys.sign(good(sub)) + ".extra",
        "two segments": lambda: keys.sign(good(sub)).rsplit(".", 1)[0],
        "large garbage": lambda: "a." + "b" * 9000 + ".c",
    }
    return makers[case]()


HOSTILE = [
    ("alg none", "the token is not signed with an RSA algorithm"),
    ("HS256 keyed with the RSA public key", "the token is not signed with an RSA algorithm"),
    ("ES256 (EC key, published)", "the token is not signed with an RSA algorithm"),
    ("unknown kid", "the token's kid does not match a key of the issuer"),
    ("kid with a path", "the token's kid does not match a key of the issuer"),
    ("kid with SQL", "the token's kid does not match a key of the issuer"),
    ("forged signature", "the token's signature is invalid"),
    ("expired", "the token has expired"),
    ("not yet valid (nbf)", "the token is not valid yet"),
    ("issued in the future (iat)", "the token is not valid yet"),
    ("wrong issuer", "the token does not have a valid issuer"),
    ("wrong audience", "the token does not have a valid audience"),
    ("no audience", "the token does not have a valid audience"),
    ("no exp", "the token is malformed"),
    ("malformed base64", "the token is malformed"),
    ("too many segments", "token contains an invalid number of segments"),
    ("two segments", "token contains an invalid number of segments"),
    ("large garbage", "the token is malformed"),
]


@pytest.mark.parametrize(("case", "description"), HOSTILE, ids=[c for c, _ in HOSTILE])
def test_hostile_token_is_refused_before_the_backend(
    gw: Gateway, keys: Keys, calls: Path, case: str, description: str
) -> None:
    sub = subject()
    reply = get(gw, "/plain", _hostile(keys, sub, case))
    assert (reply.status, reply.body) == (401, UNAUTHORIZED)
    assert reply.header("www-authenticate") == challenge(description)
    assert reply.header("Content-Type") == "application/json"
    assert logged_events(calls, sub) == []


@pytest.mark.parametrize("value", [None, "", "Bearer", "Bearer ", "bearer    "])
def test_missing_token(gw: Gateway, value: str | None) -> None:
    headers = {} if value is None else {"Authorization": value}
    reply = gw.fetch("GET", "/plain", headers)
    assert (reply.status, reply.body) == (401, UNAUTHORIZED)
    # No value: the bare challenge ([3P] transcript). "Bearer" and a prefix followed only by
    # spaces (which the server strips from the end of a header value) are read as a token of
    # one segment.
    expected = challenge("token contains an invalid number of segments")
    assert reply.header("www-authenticate") == ("Bearer" if not value else expected)


def test_token_over_the_header_limit_never_reaches_the_backend(
    gw: Gateway, keys: Keys, calls: Path
) -> None:
    sub = subject()
    token = keys.sign(good(sub, padding="x" * 12000))
    reply = get(gw, "/plain", token)
    assert reply.status in (401, 413, 431), reply.status
    assert logged_events(calls, sub) == []


def test_refused_scope_is_forbidden(gw: Gateway, keys: Keys, calls: Path) -> None:
    sub = subject()
    reply = get(gw, "/items", keys.sign(good(sub, scope="items/write")))
    assert (reply.status, reply.body) == (403, FORBIDDEN)
    assert reply.header("www-authenticate") == (
        'Bearer scope="items/read items/admin" error="insufficient_scope" '
        'error_description="the token does not have a scope this route requires"'
    )
    assert logged_events(calls, sub) == []
    # `scp` (a list) counts as the scopes too.
    assert get(gw, "/items", keys.sign(good(subject(), scp=["items/admin"]))).status == 200


def test_route_scopes_are_named_in_a_refusal(gw: Gateway, keys: Keys) -> None:
    reply = get(gw, "/items", keys.sign(claims(ISSUER, sub=subject(), aud="nobody")))
    assert reply.status == 401
    assert reply.header("www-authenticate") == challenge(
        "the token does not have a valid audience", "items/read items/admin"
    )


def test_issuer_without_local_keys_fails_closed(gw: Gateway, keys: Keys, calls: Path) -> None:
    """No JWKS in x-apigwc.identities and no --allow-remote-jwks: 500, never open."""
    sub = subject()
    token = keys.sign(claims("https://elsewhere.example/", sub=sub, aud="api-client"))
    reply = get(gw, "/remote", token)
    assert (reply.status, reply.body) == (500, INTERNAL)
    assert logged_events(calls, sub) == []
