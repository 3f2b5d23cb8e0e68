"""The authorizer and API key step (reference §1.1 steps 5 and 6) of a route that needs either.

Flows in: a route's `security` needs (`plan.AUTHORIZER`, `plan.API_KEY`) and the Lambda
authorizer it names, if any. Flows out: the route's check step, or None for a route with no
needs.

A REST method or HTTP API route whose only authorization is a Lambda authorizer (REST TOKEN or
REQUEST, HTTP API REQUEST with payload 1.0 or 2.0) runs it (`lambda_authorizer.py`); an
`AWS_IAM` one has its SigV4 signature verified (`iam_authorizer.py`); a REST method requiring an API key has it checked (`api_key.py`),
after its authorizer allowed the request when it has one (step 6 comes after step 5, so an
authorizer's 401 or 403 comes before a key's 403). Any other need is never served open: an
authorizer the gateway cannot run (Cognito, JWT) answers as API
Gateway answers a misconfigured authorizer (500 AUTHORIZER_CONFIGURATION_ERROR, body
`{"message": null}`), before any key is looked at.
"""

from __future__ import annotations

from typing import Any

from ..pipeline.context import Request
from ..pipeline.deployment import CheckStep, Deployment
from ..pipeline.plan import API_KEY, AUTHORIZER, RouteEntry
from ..responses.gateway_responses import GatewayError
from ..routing.router import Match
from . import api_key, iam_authorizer, lambda_authorizer

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
    rest = deployment.protocol == "REST"
    keys = api_key.compile(deployment.api) if rest and API_KEY in route.security else None
    config = deployment.api.authorizers.get(route.authorizer) if route.authorizer else None
    if route.iam and AUTHORIZER in route.security:
        return iam_authorizer.compile(route, deployment, keys)
    if config is not None and AUTHORIZER in route.security:
        return lambda_authorizer.compile(config, route, deployment, keys)
    if keys is not None and AUTHORIZER not in route.security:
        return keys
    refusal = check(route.security)
    return None if refusal is None else SecurityGate(refusal.response_type)
