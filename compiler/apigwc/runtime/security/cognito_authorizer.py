"""REST `COGNITO_USER_POOLS` authorizers (reference §1.4, §2.8, §4).

Flows in: the method's authorizer (`plan.JwtAuthorizerConfig`, one issuer per providerARN),
its OAuth scopes (`RouteEntry.authorization_scopes`) and the request's identity-source header.
Flows out: nothing when the token is accepted (then `request.authorizer` is
`{"claims": {...}}`, read as `$context.authorizer.claims.<name>` and carried as
`requestContext.authorizer.claims` by proxy events), else the `GatewayError` API Gateway
answers, through the gateway responses:

- no token, or a token refused (signature, `iss` not one of the pools, `token_use`, scopes,
  `aud`, `identityValidationExpression`): 401 UNAUTHORIZED `{"message":"Unauthorized"}`;
- an expired token: 401 UNAUTHORIZED with the message `The incoming token has expired` (what
  API Gateway answers, as many clients of Cognito-protected REST APIs match it; [3P]);
- the pool's keys cannot be had (no local JWKS, remote keys not allowed or failing):
  500 AUTHORIZER_CONFIGURATION_ERROR, never open.

Without scopes on the method the token must be an ID token (`token_use` `id`); with scopes an
access token (`token_use` `access`) holding at least one of them in `scope`.
`identityValidationExpression` must match an ID token's `aud` whole, and a pool of
`x-apigwc.identities` with an `audience` accepts only its app clients (`aud`, or an access
token's `client_id`). The header's value is the token itself: API Gateway documents no
`Bearer ` prefix for Cognito authorizers, so `Bearer <token>` is refused (the safe reading).
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import Any

from ..pipeline.context import Request
from ..pipeline.deployment import Deployment
from ..pipeline.plan import JwtAuthorizerConfig, RouteEntry
from ..responses.gateway_responses import GatewayError
from ..routing.router import Match
from ..validation.java_regex import whole_match
from . import resource_policy
from .api_key import ApiKeyCheck
from .jwt_claims import token_issuers
from .jwt_keys import KeysUnavailable
from .jwt_verify import TokenRejected, audiences_of, scopes_of

EXPIRED_MESSAGE = "The incoming token has expired"
_HEADER = "method.request.header."


class CognitoAuthorizer:
    """The Cognito user pool authorizer step of one REST method."""

    __slots__ = ("api_key", "arn_api", "audiences", "config", "header", "issuers", "scopes")

    def __init__(
        self,
        config: JwtAuthorizerConfig,
        route: RouteEntry,
        deployment: Deployment,
        api_key: ApiKeyCheck | None,
    ) -> None:
        self.config = config
        source = config.identity_source
        self.header = source[len(_HEADER) :].lower() if source.startswith(_HEADER) else ""
        self.scopes = frozenset(route.authorization_scopes)
        self.issuers = token_issuers(config, deployment)
        self.audiences = {i.issuer: frozenset(i.audience) for i in config.issuers}
        self.api_key = api_key  # the method's API key check (§1.1 step 6), or None
        api = deployment.api
        self.arn_api = (api.region, api.account, api.api_id)

    def check(self, request: Request, match: Match[Any], stage: str) -> Awaitable[None]:
        token = request.header(self.header) if self.header else None
        if not token:
            raise GatewayError("UNAUTHORIZED")
        resource_policy.authorizer_method_arn(self.arn_api, stage, request.method, request.path)
        return self._authorize(request, stage, token)

    async def _authorize(self, request: Request, stage: str, token: str) -> None:
        try:
            verified = await self.issuers.verified(token)
        except TokenRejected as rejected:
            message = EXPIRED_MESSAGE if rejected.expired else None
            raise GatewayError("UNAUTHORIZED", message) from None
        except KeysUnavailable as why:
            raise GatewayError(
                "AUTHORIZER_CONFIGURATION_ERROR",
                reason=f"authorizer {self.config.name}: the user pool's keys: {why}",
            ) from None
        if not self._accepts(verified["claims"]):
            raise GatewayError("UNAUTHORIZED")
        request.authorizer = {"claims": dict(verified["view"])}
        if self.api_key is not None:
            self.api_key.verify(request, stage, None)

    def _accepts(self, claims: Mapping[str, Any]) -> bool:
        """`token_use`, scopes, the pool's app clients and `identityValidationExpression`."""
        use = claims.get("token_use")
        if self.scopes:
            if use != "access" or not self.scopes.intersection(scopes_of(claims)):
                return False
        elif use != "id":
            return False
        clients = self.audiences.get(claims["iss"], frozenset())
        if clients and not clients.intersection(audiences_of(claims)):
            return False
        expression = self.config.validation_expression
        if expression and use == "id":
            aud = claims.get("aud")
            return isinstance(aud, str) and whole_match(expression, aud)
        return True


def compile(
    config: JwtAuthorizerConfig,
    route: RouteEntry,
    deployment: Deployment,
    api_key: ApiKeyCheck | None,
) -> CognitoAuthorizer:
    return CognitoAuthorizer(config, route, deployment, api_key)
