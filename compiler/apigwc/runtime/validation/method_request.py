"""The request validation step (reference §1.1 step 7, §1.5): the method's request validator.

Flows in: a route whose method has a request validator (`plan.MethodValidation`) and the
generated body-model validators; per request, the path parameters, query string, headers and
body. Flows out: nothing, or the 400 `GatewayError` (BAD_REQUEST_PARAMETERS, BAD_REQUEST_BODY).
A route without a validator carries no step.
"""

from __future__ import annotations

from typing import Any

from ..pipeline.context import Request
from ..pipeline.deployment import Deployment
from ..pipeline.plan import RouteEntry
from ..responses.gateway_responses import GatewayError
from ..routing.router import Match
from .request_validation import RequestValidation


class MethodRequestStep:
    __slots__ = ("validation",)

    def __init__(self, validation: RequestValidation) -> None:
        self.validation = validation

    def check(self, request: Request, match: Match[Any], stage: str) -> None:
        """Required parameters, then the body model."""
        failure = self.validation.check(
            path=match.path_parameters,
            querystring=request.query_view(),
            headers=request.header_view(),
            content_type=request.header("content-type"),
            body=request.body,
        )
        if failure is not None:
            raise GatewayError(failure.response_type, failure.message, failure.validation_error)


def compile(route: RouteEntry, deployment: Deployment) -> MethodRequestStep | None:
    config = route.validation
    if config is None:
        return None
    validators = deployment.validators
    return MethodRequestStep(
        RequestValidation(
            validate_parameters=config.parameters,
            validate_body=config.body,
            required_parameters=config.required,
            body_validators={
                media: validators[key] for media, key in config.models.items() if key in validators
            },
        )
    )
