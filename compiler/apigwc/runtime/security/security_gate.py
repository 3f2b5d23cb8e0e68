"""The authorizer and API key step (reference §1.1 steps 5 and 6) of a route that needs either.

Flows in: a route's `security` needs (`plan.AUTHORIZER`, `plan.API_KEY`) and the Lambda
authorizer it names, if any. Flows out: the route's check step, or None for a route with no
needs.

A REST method whose only authorization is a Lambda authorizer (TOKEN or REQUEST) runs it
(`lambda_authorizer.py`). Any other need is never served open: an authorizer the gateway cannot
run (IAM, Cognito, JWT, HTTP API authorizers) answers as API Gateway answers a misconfigured
authorizer (500 AUTHORIZER_CONFIGURATION_ERROR, body `{"message": null}`); a route requiring an
API key answers as a missing key (403 INVALID_API_KEY `{"message":"Forbidden"}`), after its
authorizer has run when it has one (step 6 comes after step 5).
"""

from __future__ import annotations

from typing import Any

from ..pipeline.context import Request
from ..pipeline.deployment import CheckStep, Deployment
from ..pipeline.plan import API_KEY, AUTHORIZER, RouteEntry
from ..responses.gateway_responses import GatewayError
from ..routing.router import Match
from . import lambda_authorizer

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


def compile(route: RouteEntry, deployment: Deployment) -> CheckStep | None:
    config = deployment.api.authorizers.get(route.authorizer) if route.authorizer else None
    if config is not None and AUTHORIZER in route.security and deployment.protocol == "REST":
        return lambda_authorizer.compile(config, route, deployment, API_KEY in route.security)
    refusal = check(route.security)
    return None if refusal is None else SecurityGate(refusal.response_type)
