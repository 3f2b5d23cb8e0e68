"""Lambda proxy integrations whose function has no local handler: Lambda's Invoke API.

Flows in: the route's integration config (the function, its URI, `credentials`, the timeout),
read once; per request, the proxy event `LambdaProxyStep` builds (lambda_step.py). Flows out:
the method response built from the function's result as for a local handler
(`lambda_proxy.py`), or a `GatewayError`.

A function named in `x-apigwc.functions` runs in-process; any other is invoked as API Gateway
invokes it: `POST /2015-03-31/functions/{function ARN}/invocations` with the event as the
payload, signed with SigV4 for `lambda` (aws_endpoints.py: `AWS_ENDPOINT_URL_LAMBDA`,
`AWS_ENDPOINT_URL`, `x-apigwc.awsEndpoint`, and AWS itself only with
`APIGWC_AWS_REAL_ENDPOINTS=1`; no endpoint is a 500 whose log line says why). Lambda's answer
reads as Lambda's documentation for API Gateway says (services-apigateway-errors): a function
error (`X-Amz-Function-Error`) is 502, Lambda refusing the invocation (an unknown function, no
permission) is 500, a throttle (429 `TooManyRequestsException`) is API Gateway's throttle
answer, past the integration timeout 504.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Mapping
from typing import Any
from urllib.parse import quote

import aiohttp

from ..pipeline.context import Request
from ..pipeline.deployment import Deployment
from ..pipeline.plan import RouteEntry
from ..pipeline.stage_variables import render
from ..responses.gateway_responses import GatewayError, Response
from ..routing.router import Match
from . import lambda_proxy
from .aws_service import ServiceRequest, ServiceTarget, ServiceUriError
from .aws_step import call_service, endpoints_of
from .http_proxy import UpstreamCall
from .lambda_functions import FunctionError, Throttled
from .lambda_step import LambdaProxyStep

_INVOCATIONS = "2015-03-31/functions/{}/invocations"
_HEADERS = (("Content-Type", "application/json"),)


class RemoteLambdaProxyStep(LambdaProxyStep):
    """A Lambda proxy route whose function (or, named by a stage variable, some stage's
    function) has no local handler: the local ones run in-process, the others through Invoke."""

    __slots__ = ("call", "credentials", "deployment", "endpoints", "uri")

    def __init__(self, route: RouteEntry, deployment: Deployment) -> None:
        super().__init__(route, deployment)
        integration = route.integration
        self.deployment = deployment
        self.endpoints = endpoints_of(deployment)
        self.uri = str(integration.get("uri") or "")
        role = integration.get("credentials")
        self.credentials = role if isinstance(role, str) else None
        self.call = UpstreamCall(
            method="POST",
            timeout_s=self.timeout_s,
            timeout=aiohttp.ClientTimeout(total=self.timeout_s),
        )

    def integrate(
        self, request: Request, match: Match[Any], context: Mapping[str, Any]
    ) -> Awaitable[Response]:
        variables = context["stageVariables"]
        name = render(self.function_text, variables)
        if self.functions.resolve(name) is not None or not self.post:
            return super().integrate(request, match, context)
        event = self.event(request, match, context)
        return self._invoke_remote(request, name, event, variables)

    async def _invoke_remote(
        self, request: Request, name: str, event: Any, variables: Mapping[str, str]
    ) -> Response:
        target = invocation_target(render(self.uri, variables), name)
        role = render(self.credentials, variables) if self.credentials else None
        destination = await self.endpoints.destination(target, role, request.caller)
        outgoing = ServiceRequest(
            "POST", "/" + target.name, (), _HEADERS, json.dumps(event).encode()
        )
        try:
            status, headers, body = await call_service(
                self.deployment, self.call, request, target, destination, outgoing
            )
        except GatewayError as error:
            if error.response_type == "INTEGRATION_TIMEOUT":
                raise lambda_proxy.timed_out(self.timeout_s) from None
            raise
        try:
            result = invoke_result(status, headers, body)
        except (FunctionError, Throttled) as error:
            raise lambda_proxy.invocation_failure(error, name, self.timeout_s) from None
        if not self.rest:
            return self.respond(result)
        response = lambda_proxy.rest_response(
            result, request.header("accept"), self.binary_media_types
        )
        response.headers.append(("X-Amzn-Trace-Id", request.trace_header()))
        return response


def invocation_target(uri: str, name: str) -> ServiceTarget:
    """The Invoke API path of the integration's URI (`…:lambda:path/2015-03-31/functions/
    {ARN}/invocations`, the ARN's region), else of the function's name (the endpoint's region)."""
    try:
        target = ServiceTarget.parse(uri)
    except ServiceUriError:
        target = None
    if target is not None and target.service == "lambda" and target.style == "path":
        return target
    return ServiceTarget("", "lambda", "path", _INVOCATIONS.format(quote(name, safe=":")))


def invoke_result(status: int, headers: list[tuple[str, str]], body: bytes) -> Any:
    """The function's result from Lambda's Invoke answer, or the failure it reports."""
    lowered = {k.lower(): v for k, v in headers}
    if "x-amz-function-error" in lowered:
        document = _json(body)
        found = document if isinstance(document, dict) else {}
        message, kind = found.get("errorMessage"), found.get("errorType")
        raise FunctionError(str(message or ""), str(kind or "Unhandled"))
    if status == 429:
        raise Throttled(lowered.get("x-amzn-errortype", "TooManyRequestsException"))
    if status >= 300:
        kind = lowered.get("x-amzn-errortype", "")
        reason = f"Lambda's Invoke API refused the invocation: {status} {kind[:100]}"
        raise GatewayError("API_CONFIGURATION_ERROR", reason=reason)
    result = _json(body)
    if result is _MALFORMED:
        raise FunctionError("the function's result is not JSON", "Runtime.InvalidResult")
    return result


_MALFORMED = object()


def _json(body: bytes) -> Any:
    try:
        return json.loads(body) if body.strip() else None
    except ValueError:
        return _MALFORMED
