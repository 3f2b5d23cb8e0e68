"""The integration step (reference §1.1 steps 8-10): one step type per integration type.

Flows in: a route's integration config, read once here at start-up, and the `Deployment`
(functions, upstreams, compiled templates); per request, the request, its match and its
`$context` values. Flows out: a `Response` at once (MOCK), else an awaitable of one; a
`GatewayError` for what API Gateway answers as an error.

`INTEGRATION_TYPES` maps the config's `type` to its step; an `AWS` integration is a Lambda custom
integration when its function has a local handler, else a call to the service's API
(aws_step.py: any service, and Lambda's Invoke API for a function with no local handler); a
Lambda proxy the build could not name and anything else the runtime cannot reach answer as API
Gateway answers a misconfigured integration (500).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from ..pipeline.context import Request
from ..pipeline.deployment import Deployment, IntegrationStep
from ..pipeline.plan import RouteEntry
from ..responses.gateway_responses import GatewayError, Response
from ..routing.router import Match
from . import integration_custom, mock
from .aws_endpoints import REAL_ENDPOINTS
from .aws_lambda import RemoteLambdaProxyStep
from .aws_step import AwsServiceStep, AwsSubtypeStep, endpoints_of
from .http_proxy import ProxyMappings, forward, mapping_values
from .integration_custom import vtl_request
from .lambda_step import LambdaProxyStep

log = logging.getLogger("apigwc.gateway")


class MockStep:
    """MOCK (reference §1.6): the config and its templates are compiled once; a MOCK whose
    config never reads `$context` is given only the stage variables (`reads_context`)."""

    __slots__ = ("plan", "reads_context", "templates")

    def __init__(self, route: RouteEntry, deployment: Deployment) -> None:
        integration = route.integration
        self.plan = mock.MockPlan(integration)
        self.templates = deployment.templates
        self.reads_context = mock.reads_context(integration)

    def integrate(
        self, request: Request, match: Match[Any], context: Mapping[str, Any]
    ) -> Response:
        return mock.mock_response(
            self.plan,
            self.templates,
            vtl_request(request, match),
            request.header("content-type"),
            request.header("accept"),
            context["stageVariables"],
            context,
        )


class HttpProxyStep:
    """HTTP_PROXY (reference §1.9): the request forwarded with its parameter mappings."""

    __slots__ = ("default_route", "mappings", "upstreams")
    reads_context = True

    def __init__(self, route: RouteEntry, deployment: Deployment) -> None:
        self.mappings = ProxyMappings.compile(route.integration, deployment.protocol)
        self.upstreams = deployment.upstreams
        self.default_route = route.route_key == "$default"

    def integrate(
        self, request: Request, match: Match[Any], context: Mapping[str, Any]
    ) -> Awaitable[Response]:
        return forward(
            self.upstreams,
            request,
            match.path_parameters,
            context,
            self.mappings,
            default_route=self.default_route,
        )


class CustomStep:
    """HTTP custom and Lambda custom integrations (reference §1.6, §1.7, §2.9)."""

    __slots__ = ("deployment", "integration", "mappings")
    reads_context = True

    def __init__(self, route: RouteEntry, deployment: Deployment) -> None:
        self.integration = route.integration
        self.mappings = integration_custom.CustomMappings.compile(route.integration)
        self.deployment = deployment

    async def integrate(
        self, request: Request, match: Match[Any], context: Mapping[str, Any]
    ) -> Response:
        deployment = self.deployment
        call = integration_custom.Call(
            request,
            self.integration,
            context,
            vtl_request(request, match),
            mapping_values(request, match.path_parameters, context),
            self.mappings,
            deployment.binary_media_types,
        )
        api_id = deployment.api.api_id
        return await integration_custom.integrate(
            call, deployment.templates, deployment.functions, deployment.upstreams, api_id
        )


class Unreachable:
    """An integration the runtime cannot call: 500, as a misconfigured integration."""

    __slots__ = ()
    reads_context = False

    def integrate(
        self, request: Request, match: Match[Any], context: Mapping[str, Any]
    ) -> Response:
        raise GatewayError("API_CONFIGURATION_ERROR", reason="integration the runtime cannot call")


INTEGRATION_TYPES: dict[str, Callable[[RouteEntry, Deployment], IntegrationStep]] = {
    "MOCK": MockStep,
    "HTTP_PROXY": HttpProxyStep,
    "AWS_PROXY": LambdaProxyStep,
    "HTTP": CustomStep,
    "AWS": CustomStep,
}


def compile(route: RouteEntry, deployment: Deployment) -> IntegrationStep:
    kind = route.integration_type
    if kind == "AWS" and _service_call(route.integration, deployment):
        return AwsServiceStep(route, deployment)
    if kind == "AWS_PROXY" and route.integration.get("integrationSubtype"):
        return AwsSubtypeStep(route, deployment)  # an HTTP API first-class integration
    if kind == "AWS_PROXY" and not route.integration.get("function"):
        return Unreachable()  # a Lambda the build could not name
    if kind == "AWS_PROXY" and _service_call(route.integration, deployment, dynamic=True):
        if endpoints_of(deployment).configured("LAMBDA"):
            return RemoteLambdaProxyStep(route, deployment)  # Lambda's Invoke API (aws_lambda.py)
        if "${" not in route.integration["function"]:
            log.warning(
                "%s: function %r has no local handler and no Lambda endpoint is configured "
                "(x-apigwc.awsEndpoint, AWS_ENDPOINT_URL_LAMBDA or AWS_ENDPOINT_URL, or %s=1 "
                "for AWS itself): the route answers 500",
                route.route_key,
                route.integration["function"],
                REAL_ENDPOINTS,
            )
    build = INTEGRATION_TYPES.get(kind or "")
    return Unreachable() if build is None else build(route, deployment)


def _service_call(
    integration: Mapping[str, Any], deployment: Deployment, dynamic: bool = False
) -> bool:
    """An `AWS` integration calls the service unless it is a Lambda function run locally (one
    whose name, or a stage variable in it, leaves the choice to each request); with `dynamic`,
    a name with a stage variable may call it too (the Lambda proxy step chooses per request)."""
    function = integration.get("function")
    if not function:
        return True
    if "${" in function:
        return dynamic
    return deployment.functions.resolve(function) is None
