"""Cognito and JWT authorizers, part by part: what `validate` says (AGW476), what the build
writes (`plan.JwtAuthorizerConfig`, route scopes, the embedded JWKS), the per-token validation
cache and the claims as each flavour passes them on. The served behaviour is in
test_runtime_cognito_authorizers.py and test_runtime_jwt_authorizers.py."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from apigwc.diagnostics import Sink
from apigwc.emitters import EmitContext
from apigwc.emitters.runtime_data import api_settings, route_entry
from apigwc.loader import load_text
from apigwc.lowering import lower
from apigwc.runtime.pipeline.plan import ApiSettings, JwtAuthorizerConfig
from apigwc.runtime.security.jwt_claims import http_claims, rest_claims
from apigwc.runtime.security.jwt_keys import public_jwks
from apigwc.runtime.security.jwt_verify import JWT_ALGORITHMS, TokenIssuers, TokenRejected
from apigwc.runtime.state.authorizer_cache import MemoryAuthorizerCache
from jwt.algorithms import RSAAlgorithm

from tests.jwt_tokens import Keys, claims
from tests.rules_cases import HEAD, HTTP_HEAD, MOCK, OK, diagnostics

POOL_ARN = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Pool1"
POOL_ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool1"


def _rest(identities: str = "", security: str = "[{pool: [orders/read]}]") -> str:
    return (
        HEAD
        + f"paths:\n  /orders:\n    get:\n      security: {security}\n"
        + f"      responses: {OK}\n      x-amazon-apigateway-integration: {MOCK}\n"
        + "components:\n  securitySchemes:\n    pool:\n"
        + "      {type: apiKey, name: Authorization, in: header, "
        + f"x-amazon-apigateway-authorizer: {{type: cognito_user_pools, providerARNs: ['{POOL_ARN}']}}}}\n"
        + identities
    )


def _http(identities: str = "") -> str:
    return (
        HTTP_HEAD
        + "paths:\n  /items:\n    get:\n      security: [{jwt: [items/read]}]\n"
        + f"      responses: {OK}\n"
        + "      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, "
        + "uri: 'https://example.com', payloadFormatVersion: '1.0'}\n"
        + "components:\n  securitySchemes:\n    jwt:\n"
        + "      {type: oauth2, flows: {}, x-amazon-apigateway-authorizer: {type: jwt, "
        + "jwtConfiguration: {issuer: 'https://issuer.example/', audience: [a, b]}}}\n"
        + identities
    )


LOCAL_POOL = (
    "x-apigwc:\n  identities:\n    cognitoUserPools:\n"
    f"      p: {{issuer: '{POOL_ISSUER}', jwks: keys.json, arn: '{POOL_ARN}', audience: [web]}}\n"
)
LOCAL_ISSUER = (
    "x-apigwc:\n  identities:\n    cognitoUserPools:\n"
    "      p: {issuer: 'https://issuer.example/', jwks: keys.json}\n"
)
REMOTE_POOL = LOCAL_POOL.replace("jwks: keys.json", "jwks: 'https://keys.example/jwks.json'")


# -- what `validate` says -----------------------------------------------------------------------
def _unenforced(text: str) -> list[str]:
    return [d.message for d in diagnostics(text) if d.code == "AGW476"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (_rest(LOCAL_POOL), None),
        (_rest(), "answer 500 AUTHORIZER_CONFIGURATION_ERROR"),
        (_rest(REMOTE_POOL), "answer 500 AUTHORIZER_CONFIGURATION_ERROR"),
        (_http(LOCAL_ISSUER), None),
        (_http(), "answer 500 Internal Server Error"),
    ],
    ids=["rest local jwks", "rest none", "rest url", "http local jwks", "http none"],
)
def test_validate_says_when_a_token_authorizer_has_no_local_keys(
    text: str, expected: str | None
) -> None:
    messages = _unenforced(text)
    if expected is None:
        assert messages == []
    else:
        (message,) = messages
        assert "no local JWKS" in message and message.endswith(expected), message


# -- what the build writes ----------------------------------------------------------------------
def _settings(text: str, tmp: Path) -> tuple[ApiSettings, Any]:
    spec = tmp / "api.yaml"
    spec.write_text(text, encoding="utf-8")
    sink = Sink()
    api = lower(load_text(text, str(spec), sink), sink)
    assert api is not None
    settings = api_settings(api, EmitContext(spec_path=spec, spec_sha256=""), {})
    return settings, route_entry(api, api.methods[0])


def test_build_embeds_only_public_rsa_keys(tmp_path: Path) -> None:
    keys = Keys.make()
    document = keys.jwks()
    private = json.loads(RSAAlgorithm.to_jwk(keys.rsa))  # a private JWK written by mistake
    private["kid"] = "private-one"
    document["keys"].append(private)
    (tmp_path / "keys.json").write_text(json.dumps(document), encoding="utf-8")
    settings, route = _settings(_rest(LOCAL_POOL), tmp_path)
    config = settings.jwt_authorizers["pool"]
    assert isinstance(config, JwtAuthorizerConfig) and config.type == "COGNITO_USER_POOLS"
    assert config.identity_source == "method.request.header.Authorization"
    (issuer,) = config.issuers
    assert (issuer.issuer, issuer.audience) == (POOL_ISSUER, ("web",))
    assert issuer.jwks is not None
    kids = [k["kid"] for k in issuer.jwks["keys"]]
    assert kids == [keys.kid, "private-one"]  # the EC key is not RSA: left out
    assert all(set(k) <= {"kty", "kid", "use", "alg", "n", "e"} for k in issuer.jwks["keys"])
    assert route.authorizer == "pool" and route.authorization_scopes == ("orders/read",)
    assert ApiSettings.from_data(settings.to_data()) == settings


def test_build_points_an_unknown_issuer_at_its_own_url(tmp_path: Path) -> None:
    settings, _route = _settings(_http(), tmp_path)
    config = settings.jwt_authorizers["jwt"]
    (issuer,) = config.issuers
    assert issuer.keys_url == "https://issuer.example/.well-known/openid-configuration"
    assert issuer.discovery and issuer.jwks is None
    assert config.audience == ("a", "b")
    assert config.identity_source == "method.request.header.Authorization"


def test_public_jwks_refuses_what_is_not_a_key_set() -> None:
    assert public_jwks([1, 2]) is None
    assert public_jwks({"keys": "x"}) is None
    assert public_jwks({"keys": [{"kty": "oct", "kid": "h", "k": "c2VjcmV0"}]}) == {"keys": []}


# -- the validation cache ------------------------------------------------------------------------
class _CountingKeys:
    def __init__(self, key: Any) -> None:
        self.key_object, self.reads = key, 0

    async def key(self, kid: str) -> Any | None:
        self.reads += 1
        return self.key_object if kid == "rsa-key-1" else None


def test_a_verified_token_is_cached_and_a_refused_one_is_not() -> None:
    keys = Keys.make()
    source = _CountingKeys(keys.rsa.public_key())
    issuers = TokenIssuers("a1", {"https://i/": source}, JWT_ALGORITHMS, MemoryAuthorizerCache())
    token = keys.sign(claims("https://i/", aud="x"))

    async def run() -> None:
        for _ in range(3):
            assert (await issuers.claims(token))["aud"] == "x"
        assert source.reads == 1  # verified once, then served from the cache
        forged = keys.forged(claims("https://i/"))
        for _ in range(2):
            with pytest.raises(TokenRejected):
                await issuers.claims(forged)
        assert source.reads == 3  # refusals are verified every time

    asyncio.run(run())


# -- the claims as the backend sees them --------------------------------------------------------
def test_claim_texts_by_flavour() -> None:
    found = {
        "sub": "u",
        "exp": 1_700_000_000,
        "auth_time": 1_700_000_000,
        "email_verified": False,
        "cognito:groups": ["a", "b"],
        "address": {"city": "x"},
        "nothing": None,
    }
    assert rest_claims(found) == {
        "sub": "u",
        "exp": "Tue Nov 14 22:13:20 UTC 2023",
        "auth_time": "1700000000",
        "email_verified": "false",
        "cognito:groups": "a,b",
        "address": '{"city":"x"}',
    }
    assert http_claims(found)["exp"] == "1700000000"
    assert http_claims(found)["cognito:groups"] == "[a b]"


def test_access_log_prints_a_verified_claim() -> None:
    """`$context.authorizer.claims.<name>` in an access log (reference §2.8): the claim of the
    token a Cognito or JWT authorizer accepted, `-` otherwise."""
    from apigwc.runtime.observability.access_log import Entry, compile_format, render
    from apigwc.runtime.pipeline.context import Request

    pieces = compile_format("$context.authorizer.claims.sub $context.authorizer.claims.nope")
    verified = Request("GET", "/a", "", [], b"", "10.0.0.1")
    verified.authorizer = {"claims": {"sub": "user-1"}, "scopes": None}
    lambda_allowed = Request("GET", "/a", "", [], b"", "10.0.0.1")
    lambda_allowed.authorizer = {"principalId": "p"}
    entries = [Entry(r, None, "dev", 200, 0, r.epoch, {}) for r in (verified, lambda_allowed)]
    assert [render(pieces, e) for e in entries] == ["user-1 -", "- -"]
