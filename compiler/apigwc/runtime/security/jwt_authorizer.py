"""HTTP API `JWT` authorizers (reference §1.10, §2.3, §2.4, §2.8).

Flows in: the route's authorizer (`plan.JwtAuthorizerConfig`: its identity source, issuer and
audience), the route's `authorizationScopes` and the request. Flows out: nothing when the token
is accepted (then `request.authorizer` is `{"claims": {...}, "scopes": [...] or None}`: payload
2.0 events carry it as `requestContext.authorizer.jwt`, 1.0 events as
`requestContext.authorizer`, as AWS's events show), else HTTP API's fixed answers:

- no token: 401 `{"message":"Unauthorized"}` with `www-authenticate: Bearer` ([3P] transcript);
- a refused token: 401 with `www-authenticate: Bearer scope="<route scopes>"
  error="invalid_token" error_description="<why>"`; the audience's and the segments'
  descriptions are AWS's ([DG:http-api-troubleshooting-jwt], [3P]), the others worded alike;
- none of the route's scopes in the token's `scope`/`scp`: 403 `{"message":"Forbidden"}`
  (the reference's inference) with `www-authenticate: Bearer scope="<route scopes>"
  error="insufficient_scope" error_description="..."`;
- the issuer's keys cannot be had: 500 `{"message":"Internal Server Error"}`, never open.

The token is the identity source's value, bare or after `Bearer ` (§1.10). Its `aud` or
`client_id` must be one of the authorizer's audiences: an authorizer without audiences accepts
no token (fail closed).
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from ..pipeline.context import Request
from ..pipeline.deployment import Deployment
from ..pipeline.plan import JwtAuthorizerConfig, RouteEntry
from ..responses.gateway_responses import GatewayError
from ..routing.router import Match
from .jwt_claims import token_issuers
from .jwt_keys import KeysUnavailable
from .jwt_verify import TokenRejected, audiences_of, scopes_of

AUDIENCE = "the token does not have a valid audience"  # AWS's words (DG transcript)
INSUFFICIENT_SCOPE = "the token does not have a scope this route requires"
BEARER = "bearer "
_HEADER, _QUERY = "method.request.header.", "method.request.querystring."


class JwtAuthorizer:
    """The JWT authorizer step of one HTTP API route."""

    __slots__ = ("audience", "config", "issuers", "scope_text", "scopes", "source")

    def __init__(self, config: JwtAuthorizerConfig, route: RouteEntry, deployment: Deployment):
        self.config = config
        self.source = config.identity_source
        self.scopes = frozenset(route.authorization_scopes)
        # Spec text in a header value: only printable ASCII without quotes survives.
        scopes = " ".join(route.authorization_scopes)
        self.scope_text = "".join(c for c in scopes if " " <= c <= "~" and c not in '"\\')
        self.audience = frozenset(config.audience)
        self.issuers = token_issuers(config, deployment)

    def check(self, request: Request, match: Match[Any], stage: str) -> Awaitable[None]:
        value = self._identity(request)
        if value[: len(BEARER)].lower() == BEARER:
            value = value[len(BEARER) :]
        if not value.strip():
            raise GatewayError("UNAUTHORIZED", headers=(("www-authenticate", "Bearer"),))
        return self._authorize(request, value)

    def _identity(self, request: Request) -> str:
        source = self.source
        if source.startswith(_HEADER):
            return request.header(source[len(_HEADER) :].lower()) or ""
        if source.startswith(_QUERY):
            return request.query_view().get(source[len(_QUERY) :]) or ""
        return ""

    async def _authorize(self, request: Request, token: str) -> None:
        try:
            verified = await self.issuers.verified(token)
        except TokenRejected as rejected:
            raise self._unauthorized(rejected.description) from None
        except KeysUnavailable as why:
            raise GatewayError(
                "AUTHORIZER_CONFIGURATION_ERROR",
                reason=f"authorizer {self.config.name}: the issuer's keys: {why}",
            ) from None
        claims = verified["claims"]
        if not self.audience.intersection(audiences_of(claims)):
            raise self._unauthorized(AUDIENCE)
        scopes = scopes_of(claims)
        if self.scopes and not self.scopes.intersection(scopes):
            challenge = self._challenge("insufficient_scope", INSUFFICIENT_SCOPE)
            raise GatewayError("ACCESS_DENIED", headers=(challenge,))
        request.authorizer = {"claims": dict(verified["view"]), "scopes": scopes or None}

    def _unauthorized(self, description: str) -> GatewayError:
        challenge = self._challenge("invalid_token", description)
        return GatewayError("UNAUTHORIZED", headers=(challenge,))

    def _challenge(self, error: str, description: str) -> tuple[str, str]:
        value = (
            f'Bearer scope="{self.scope_text}" error="{error}" error_description="{description}"'
        )
        return ("www-authenticate", value)


def compile(
    config: JwtAuthorizerConfig, route: RouteEntry, deployment: Deployment
) -> JwtAuthorizer:
    return JwtAuthorizer(config, route, deployment)
