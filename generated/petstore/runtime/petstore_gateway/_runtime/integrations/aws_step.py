"""The AWS service integration step (REST `AWS` type to a service, reference §9, §1.6-§1.7).

Flows in: the route's integration config (`uri`, `httpMethod`, `credentials`, templates,
parameter mappings, responses), read once at start-up, and the `Deployment` (templates, pooled
clients, the API's endpoint settings); per request, the request, its match and `$context`.
Flows out: the method response, or a `GatewayError`.

The integration request is built as for HTTP custom integrations (integration_custom.py: the
request template or passthrough, `requestParameters`, `$context.requestOverride`,
`contentHandling`), becomes the service's request (aws_service.py: path or action, the
protocol's headers), is signed and sent (aws_endpoints.py) through the gateway's pooled clients
with the integration timeout (504 past it, as HTTP integrations), and the service's answer is an
ordinary integration response: selected by its status code (a service error such as a 400 is
matched by `selectionPattern`, not turned into a gateway error), its templates rendered with the
service's body as `$input.body`.

A Lambda function called through its Invoke API (`lambda:path/2015-03-31/functions/…/
invocations`, a function with no local handler) is selected as Lambda custom integrations are:
by the `errorMessage` of a function error (`X-Amz-Function-Error`), a success as the empty
string (§1.7, §2.9).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp

from ..pipeline.context import Request
from ..pipeline.deployment import Deployment
from ..pipeline.plan import RouteEntry
from ..pipeline.stage_variables import render
from ..responses.gateway_responses import GatewayError, Response
from ..routing.router import Match
from . import integration_custom
from .aws_endpoints import AwsEndpoints, Destination, Keys, sign
from .aws_service import (
    ServiceRequest,
    ServiceTarget,
    ServiceUriError,
    legacy_query_answer,
    service_request,
)
from .aws_subtypes import SubtypeCall
from .http_proxy import UpstreamCall, call_upstream, mapping_values

DEFAULT_TIMEOUT_MS = 29000
HTTP_TIMEOUT_MS = 30000  # HTTP APIs' integration timeout (reference §1.10)
_FUNCTION_ERROR = "x-amz-function-error"


class AwsServiceStep:
    """One route's AWS service integration, its mappings and call settings compiled once."""

    __slots__ = ("call", "deployment", "endpoints", "integration", "mappings")
    reads_context = True

    def __init__(self, route: RouteEntry, deployment: Deployment) -> None:
        integration = route.integration
        self.integration = integration
        self.mappings = integration_custom.CustomMappings.compile(integration)
        self.deployment = deployment
        self.endpoints = endpoints_of(deployment)
        timeout_s = float(integration.get("timeoutInMillis") or DEFAULT_TIMEOUT_MS) / 1000
        self.call = UpstreamCall(
            method=None, timeout_s=timeout_s, timeout=aiohttp.ClientTimeout(total=timeout_s)
        )

    async def integrate(
        self, request: Request, match: Match[Any], context: Mapping[str, Any]
    ) -> Response:
        deployment, integration = self.deployment, self.integration
        variables = context.get("stageVariables") or {}
        vtl = integration_custom.vtl_request(request, match)
        values = mapping_values(request, match.path_parameters, context)
        body, mapped, override = integration_custom.integration_request(
            request,
            integration,
            deployment.templates,
            vtl,
            context,
            self.mappings,
            values,
            deployment.binary_media_types,
        )
        target = _target(render(str(integration.get("uri") or ""), variables))
        outgoing = service_request(
            target,
            str(integration.get("httpMethod") or request.method),
            body,
            mapped.header,
            mapped.querystring,
            mapped.path,
            request.header("content-type"),
        )
        role = integration.get("credentials")
        destination = await self.endpoints.destination(
            target, render(role, variables) if isinstance(role, str) else None, request.caller
        )
        status, headers, answer = await call_service(
            self.deployment, self.call, request, target, destination, outgoing
        )
        endpoint = _endpoint(target, status, headers, answer)
        response = integration_custom.method_response(
            endpoint,
            integration,
            self.mappings,
            deployment.templates,
            vtl,
            context,
            values,
            override,
            request.header("accept"),
            deployment.binary_media_types,
        )
        # API Gateway adds the request's trace id to its AWS integrations' answers (§0.1).
        response.headers.append(("X-Amzn-Trace-Id", request.trace_header()))
        return response


async def call_service(
    deployment: Deployment,
    call: UpstreamCall,
    request: Request,
    target: ServiceTarget,
    destination: Destination,
    outgoing: ServiceRequest,
) -> tuple[int, list[tuple[str, str]], bytes]:
    """`outgoing` signed for the target's service and sent to the destination, with API
    Gateway's own headers (`User-Agent: AmazonAPIGateway_{api}`, the request's trace id)."""
    query = urlencode(list(outgoing.query), quote_via=quote, safe="-_.~")
    url = destination.base_url + outgoing.path + (f"?{query}" if query else "")
    headers = [("Host", destination.host), *outgoing.headers]
    headers.append(("User-Agent", f"AmazonAPIGateway_{deployment.api.api_id}"))
    headers.append(("X-Amzn-Trace-Id", request.trace_header()))
    try:
        signed = sign(
            destination,
            target.service,
            target.protocol.s3,
            outgoing.method,
            url,
            headers,
            outgoing.body,
        )
    except ValueError:  # a header botocore cannot sign (a line break in a mapped value)
        raise GatewayError("API_CONFIGURATION_ERROR", reason="unsignable request") from None
    answer = await call_upstream(
        deployment.upstreams,
        request,
        _with_method(call, outgoing.method),
        url,
        signed,
        outgoing.body,
    )
    return answer.status, answer.headers, answer.body


class AwsSubtypeStep:
    """An HTTP API first-class integration (aws_subtypes.py): the service's answer as is."""

    __slots__ = ("call", "deployment", "endpoints", "integration", "subtype")
    reads_context = True

    def __init__(self, route: RouteEntry, deployment: Deployment) -> None:
        self.integration = route.integration
        self.subtype = SubtypeCall.compile(route.integration)
        self.deployment = deployment
        self.endpoints = endpoints_of(deployment)
        timeout_s = float(self.integration.get("timeoutInMillis") or HTTP_TIMEOUT_MS) / 1000
        self.call = UpstreamCall(
            method=None, timeout_s=timeout_s, timeout=aiohttp.ClientTimeout(total=timeout_s)
        )

    async def integrate(
        self, request: Request, match: Match[Any], context: Mapping[str, Any]
    ) -> Response:
        values = mapping_values(request, match.path_parameters, context)
        target, outgoing = self.subtype.request(values)
        role = self.integration.get("credentials")
        variables = context.get("stageVariables") or {}
        destination = await self.endpoints.destination(
            target, render(role, variables) if isinstance(role, str) else None, request.caller
        )
        status, headers, body = await call_service(
            self.deployment, self.call, request, target, destination, outgoing
        )
        kept = [(k, v) for k, v in headers if k.lower() == "content-type"]
        return Response(status, kept or [("Content-Type", "application/json")], body)


def endpoints_of(deployment: Deployment) -> AwsEndpoints:
    """The API's endpoint settings, one object per deployment (its credential chain is
    resolved once, whichever route calls first)."""
    found = _ENDPOINTS.get(id(deployment))
    if found is None or found[0] is not deployment:
        api = deployment.api
        callers = {
            c.access_key_id: Keys(c.access_key_id, c.secret_access_key, c.session_token)
            for c in api.iam_credentials.values()
        }
        endpoints = AwsEndpoints(
            api.aws_endpoint, api.aws_role_credentials, api.region, callers=callers
        )
        found = _ENDPOINTS[id(deployment)] = (deployment, endpoints)
    return found[1]


_ENDPOINTS: dict[int, tuple[Deployment, AwsEndpoints]] = {}


def _with_method(call: UpstreamCall, method: str) -> UpstreamCall:
    return UpstreamCall(method=method, timeout_s=call.timeout_s, timeout=call.timeout)


def _target(uri: str) -> ServiceTarget:
    try:
        return ServiceTarget.parse(uri)
    except ServiceUriError as error:
        raise GatewayError("API_CONFIGURATION_ERROR", reason=str(error)) from None


def _endpoint(
    target: ServiceTarget, status: int, headers: list[tuple[str, str]], body: bytes
) -> integration_custom.Endpoint:
    """The service's answer and the string `selectionPattern` is matched against."""
    lowered = {name.lower(): value for name, value in headers}
    if target.protocol.legacy_query and target.style == "action" and status < 300:
        request_id = lowered.get("x-amzn-requestid", "")
        body = legacy_query_answer(target.name, body, request_id)
    if target.service == "lambda" and target.name.endswith("/invocations"):
        return _lambda_endpoint(status, headers, body, lowered.get(_FUNCTION_ERROR))
    return integration_custom.Endpoint(status, headers, body, str(status))


def _lambda_endpoint(
    status: int, headers: list[tuple[str, str]], body: bytes, function_error: str | None
) -> integration_custom.Endpoint:
    """Lambda's Invoke answer, selected as a Lambda custom integration's (§1.7): a function
    error by its `errorMessage`, a success as the empty string. Lambda's own refusals (an
    unknown function, missing permissions, a throttle) are no integration response: API Gateway
    answers them 500 `Internal server error` (a configuration error, as for a local function
    without a handler)."""
    if function_error is None:
        if status >= 300:
            reason = f"Lambda's Invoke API answered {status}"
            raise GatewayError("API_CONFIGURATION_ERROR", reason=reason)
        return integration_custom.Endpoint(status, headers, body, "")
    try:
        document = json.loads(body)
        message = document.get("errorMessage") if isinstance(document, dict) else None
    except ValueError:
        message = None
    return integration_custom.Endpoint(status, headers, body, str(message or ""))
