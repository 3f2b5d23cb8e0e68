"""A bearer token verified as Cognito and JWT authorizers verify it (reference §1.4, §1.10).

Flows in: the token text, the issuers the authorizer trusts (each with its key source,
`jwt_keys.py`) and the signature algorithms it allows; the authorizer result cache
(`state/authorizer_cache.py`). Flows out: the token's claims once its signature, `iss`, `exp`,
`nbf` and `iat` hold, else `TokenRejected` with why (an HTTP API's `www-authenticate` says it),
or `jwt_keys.KeysUnavailable` when the issuer's keys cannot be had.

The JOSE library is PyJWT (with cryptography): maintained, small, and its `decode` takes an
explicit algorithm allow-list, so `alg: none` and HMAC keyed with an RSA public key (algorithm
confusion) never verify. Before any key is touched the header's `alg` must be in the
authorizer's list (Cognito: RS256; JWT authorizers: RSA algorithms only) and its `kid` a plain
string; the issuer is chosen by the unverified `iss` among the trusted ones only, then the
signature and the time claims are checked with that issuer's key. No clock leeway: a token
is valid from `nbf`/`iat` until `exp`, to the second.

A verified token is cached per authorizer and token (its SHA-256: no token is kept as a key)
until it expires, at most 5 minutes, as API Gateway caches JWT validation; a refused token is
never cached. The route's own checks (audience, token use, scopes) run on every request.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from typing import Any

from ..state.authorizer_cache import AuthorizerCache
from .jwt_keys import KeySource, KeysUnavailable

# A token longer than API Gateway's whole header allowance (10240 bytes, reference §1.1) is not
# parsed at all.
MAX_TOKEN_BYTES = 10240
MAX_KID = 1024
VALIDATION_TTL_S = 300.0
COGNITO_ALGORITHMS = ("RS256",)  # Cognito user pools sign with RS256
JWT_ALGORITHMS = ("RS256", "RS384", "RS512")  # "only RSA-based algorithms" (§1.10)


class TokenRejected(Exception):
    """The token is refused; `description` is what an HTTP API's `www-authenticate` says."""

    def __init__(self, description: str, expired: bool = False) -> None:
        super().__init__(description)
        self.description = description
        self.expired = expired


# The refusals API Gateway has been seen to describe ([DG:http-api-troubleshooting-jwt]; [3P]
# transcripts of `token contains an invalid number of segments`); the others are worded alike.
SEGMENTS = "token contains an invalid number of segments"
MALFORMED = "the token is malformed"
ALGORITHM = "the token is not signed with an RSA algorithm"
UNKNOWN_KEY = "the token's kid does not match a key of the issuer"
SIGNATURE = "the token's signature is invalid"
EXPIRED = "the token has expired"
NOT_YET_VALID = "the token is not valid yet"
ISSUER = "the token does not have a valid issuer"


class TokenIssuers:
    """The issuers an authorizer trusts, by `iss`, with their key sources."""

    __slots__ = ("algorithms", "authorizer_id", "cache", "issuers", "render")

    def __init__(
        self,
        authorizer_id: str,
        issuers: Mapping[str, KeySource],
        algorithms: tuple[str, ...],
        cache: AuthorizerCache,
        render: Callable[[Mapping[str, Any]], dict[str, str]] = dict,
    ) -> None:
        self.authorizer_id = authorizer_id
        self.issuers = dict(issuers)
        self.algorithms = algorithms
        self.cache = cache
        self.render = render  # the claims as the backend sees them (jwt_claims.py)

    async def claims(self, token: str) -> Mapping[str, Any]:
        """The verified claims of `token`, from the cache when it was verified before."""
        return (await self.verified(token))["claims"]  # type: ignore[no-any-return]

    async def verified(self, token: str) -> Mapping[str, Any]:
        """`{"claims": the verified claims, "view": them rendered for the backend, "exp": ...}`,
        from the cache when the token was verified before (rendered once per token, too).
        Readers copy `view` before handing it on: the cached one is shared."""
        digest = hashlib.sha256(f"{self.authorizer_id}\0{token}".encode()).hexdigest()
        key = "jwt:" + digest
        cached = await self.cache.get(key)
        now = time.time()
        if cached is not None and cached["exp"] > now:
            return cached
        claims = await self.verify(token, now)
        exp = float(claims["exp"])
        entry = {"claims": claims, "view": self.render(claims), "exp": exp}
        await self.cache.set(key, entry, min(exp - now, VALIDATION_TTL_S))
        return entry

    async def verify(self, token: str, now: float) -> dict[str, Any]:
        import jwt  # PyJWT, imported where tokens are verified

        if not self.issuers:
            raise KeysUnavailable("it trusts no issuer the build could resolve")
        header, issuer = _unverified(jwt, token, self.algorithms)
        source = self.issuers.get(issuer)
        if source is None:
            raise TokenRejected(ISSUER)
        key = await source.key(header["kid"])
        if key is None:
            raise TokenRejected(UNKNOWN_KEY)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[header["alg"]],
                issuer=issuer,
                options={"require": ["exp", "iss"], "verify_aud": False},
            )
        except jwt.ExpiredSignatureError:
            raise TokenRejected(EXPIRED, expired=True) from None
        except jwt.ImmatureSignatureError:
            raise TokenRejected(NOT_YET_VALID) from None
        except jwt.InvalidSignatureError:
            raise TokenRejected(SIGNATURE) from None
        except (jwt.PyJWTError, ValueError, TypeError, OverflowError):
            # Anything else PyJWT refuses (a bad `iat`, a key of the wrong kind) or cannot
            # read is a malformed token: refused, never a traceback.
            raise TokenRejected(MALFORMED) from None
        exp = claims.get("exp")
        if isinstance(exp, bool) or not isinstance(exp, int | float) or not -1e12 < exp < 1e12:
            raise TokenRejected(MALFORMED)
        return claims


def _unverified(jwt: Any, token: str, algorithms: tuple[str, ...]) -> tuple[dict[str, Any], str]:
    """The header and `iss` read before verification, each refused when unusable."""
    if len(token.encode()) > MAX_TOKEN_BYTES:
        raise TokenRejected(MALFORMED)
    if token.count(".") != 2:
        raise TokenRejected(SEGMENTS)
    try:
        header = jwt.get_unverified_header(token)
        payload = jwt.decode(token, options={"verify_signature": False})
    except (jwt.PyJWTError, ValueError, TypeError):
        raise TokenRejected(MALFORMED) from None
    if header.get("alg") not in algorithms:
        raise TokenRejected(ALGORITHM)
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid or len(kid) > MAX_KID:
        raise TokenRejected(UNKNOWN_KEY)
    issuer = payload.get("iss")
    if not isinstance(issuer, str):
        raise TokenRejected(ISSUER)
    return header, issuer


def scopes_of(claims: Mapping[str, Any]) -> list[str]:
    """The token's scopes: `scope` (space-separated, OAuth 2) or `scp` (a list or a string)."""
    scope = claims.get("scope", claims.get("scp"))
    if isinstance(scope, str):
        return scope.split()
    if isinstance(scope, list):
        return [s for s in scope if isinstance(s, str)]
    return []


def audiences_of(claims: Mapping[str, Any]) -> list[str]:
    """`aud` (a string or a list) and `client_id` (Cognito access tokens carry no `aud`)."""
    found: list[str] = []
    for name in ("aud", "client_id"):
        value = claims.get(name)
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, list):
            found.extend(v for v in value if isinstance(v, str))
    return found
