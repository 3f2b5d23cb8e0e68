"""What a route that needs an authorizer or an API key answers until those are enforced.

Flows in: a route's `security` needs (`plan.AUTHORIZER`, `plan.API_KEY`). Flows out: a check step
raising the `GatewayError` to answer with; a route with no needs carries no step.

Such a route is never served open: an authorizer the gateway cannot run answers as API Gateway
answers a misconfigured authorizer (500 AUTHORIZER_CONFIGURATION_ERROR, body `{"message": null}`);
a route requiring an API key answers as a missing key (403 INVALID_API_KEY `{"message":"Forbidden"}`).
Authorizers run before the API key check (reference §1.1, steps 5 and 6), so a route needing
both answers 500.
"""

from __future__ import annotations

from typing import Any

from ..pipeline.context import Request
from ..pipeline.deployment import Deployment
from ..pipeline.plan import API_KEY, AUTHORIZER, RouteEntry
from ..responses.gateway_responses import GatewayError
from ..routing.router import Match

__all__ = ["API_KEY", "AUTHORIZER", "SecurityGate", "check", "compile"]


def check(security: tuple[str, ...]) -> GatewayError | None:
    if AUTHORIZER in security:
        return GatewayError("AUTHORIZER_CONFIGURATION_ERROR")
    if API_KEY in security:
        return GatewayError("INVALID_API_KEY")
    return None


class SecurityGate:
    __slots__ = ("response_type",)

    def __init__(self, response_type: str) -> None:
        self.response_type = response_type

    def check(self, request: Request, match: Match[Any], stage: str) -> None:
        raise GatewayError(self.response_type)


def compile(route: RouteEntry, deployment: Deployment) -> SecurityGate | None:
    refusal = check(route.security)
    return None if refusal is None else SecurityGate(refusal.response_type)
