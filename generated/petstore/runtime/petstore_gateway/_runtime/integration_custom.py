"""Non-proxy integrations: HTTP custom (`HTTP`) and Lambda custom (`AWS` with a Lambda URI).

Flows in: the request, the route's integration config and its mappings compiled at start-up
(`mapping.py` request and response parameters, `vtl.py` templates through `mock.Templates`).
Flows out: the method response, or a `GatewayError`.

Reference §1.6/§1.7/§2.9: the request template (or the passed-through body, or 415 as the
passthrough behaviour says) becomes the endpoint body; only mapped headers reach the backend,
plus API Gateway's defaults; the integration response is selected by `selectionPattern` against
the status code (HTTP) or the Lambda `errorMessage` (a successful invocation is matched as the
empty string); only mapped headers return to the client; the response template renders the
backend body as `$input.body`; `$context.responseOverride` wins.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote, urlencode

from .context import Request
from .gateway_responses import GatewayError, Response
from .http_proxy import Upstreams, send, target_url
from .lambda_functions import FunctionError, Functions
from .mapping import (
    IllegalHeaderMapping,
    IntegrationRequestParameters,
    MappingExpressionError,
    MappingValues,
    RestRequestMapping,
    RestResponseMapping,
    compile_rest_request,
    compile_rest_response,
)
from .mock import JSON, Templates, request_template, response_template, select_response
from .stage_variables import render
from .vtl import ResponseOverride, VtlRequest

DEFAULT_TIMEOUT_MS = 29000


@dataclass(frozen=True)
class CustomMappings:
    """Request and per-response parameter mappings of one non-proxy integration."""

    request: RestRequestMapping | None = None
    responses: Mapping[str, RestResponseMapping] = field(default_factory=dict)
    broken: bool = False

    @classmethod
    def compile(cls, integration: Mapping[str, Any]) -> CustomMappings:
        try:
            request = integration.get("requestParameters") or {}
            return cls(
                request=(
                    compile_rest_request(request, str(integration["type"])) if request else None
                ),
                responses={
                    str(r.get("selectionPattern")): compile_rest_response(r["responseParameters"])
                    for r in integration.get("responses") or ()
                    if r.get("responseParameters")
                },
            )
        except MappingExpressionError:
            return cls(broken=True)


@dataclass
class Endpoint:
    """What the backend answered: status, headers, body, and the selection key."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    selector: str


def integration_request(
    request: Request,
    integration: Mapping[str, Any],
    templates: Templates,
    vtl_request: VtlRequest,
    context: Mapping[str, Any],
    mappings: CustomMappings,
    values: MappingValues,
) -> tuple[bytes, IntegrationRequestParameters, ResponseOverride]:
    """The endpoint body and mapped parameters (request template overrides applied)."""
    if mappings.broken:
        raise GatewayError("API_CONFIGURATION_ERROR")
    try:
        mapped = (
            mappings.request.evaluate(values)
            if mappings.request
            else IntegrationRequestParameters()
        )
    except IllegalHeaderMapping:
        raise GatewayError("API_CONFIGURATION_ERROR") from None
    template = request_template(integration, request.header("content-type"))
    if template is None:
        return request.body, mapped, ResponseOverride()
    result = templates.render(template, vtl_request, context, context.get("stageVariables") or {})
    override = result.request_override
    mapped = IntegrationRequestParameters(
        header={**mapped.header, **override.header},
        querystring={**mapped.querystring, **override.querystring},
        path={**mapped.path, **override.path},
    )
    return result.body.encode(), mapped, result.response_override


async def invoke_lambda(
    functions: Functions, name: str | None, payload: bytes, timeout_s: float
) -> Endpoint:
    """Lambda custom: the payload is the function's event; a function error is selected by its
    `errorMessage` (§2.9); no body means `{}` (§1.8)."""
    if name is None:
        raise GatewayError("API_CONFIGURATION_ERROR")
    try:
        event = json.loads(payload) if payload.strip() else {}
    except ValueError:
        raise GatewayError("API_CONFIGURATION_ERROR") from None
    try:
        result = await functions.invoke(name, event, timeout_s)
    except TimeoutError:
        raise GatewayError("INTEGRATION_TIMEOUT") from None
    except FunctionError as error:
        document = {
            "errorMessage": error.error_message,
            "errorType": error.error_type,
            "stackTrace": [],
        }
        return Endpoint(200, [], json.dumps(document).encode(), error.error_message)
    return Endpoint(200, [], json.dumps(result).encode(), "")


def method_response(
    endpoint: Endpoint,
    integration: Mapping[str, Any],
    mappings: CustomMappings,
    templates: Templates,
    vtl_request: VtlRequest,
    context: Mapping[str, Any],
    values: MappingValues,
    override: ResponseOverride,
    accept: str | None,
) -> Response:
    """Select the integration response, map headers, render the template (§1.7)."""
    chosen = select_response(list(integration.get("responses") or ()), endpoint.selector)
    multi: dict[str, list[str]] = {}
    for name, value in endpoint.headers:
        multi.setdefault(name, []).append(value)
    values = replace(values, response_headers=multi, response_body=endpoint.body)
    mapping = mappings.responses.get(str(chosen.get("selectionPattern")))
    headers = list(mapping.evaluate(values).items()) if mapping else []
    picked = response_template(chosen.get("responseTemplates") or {}, accept)
    body, content = endpoint.body, _content_type(endpoint.headers)
    if picked is not None:
        backend = replace(vtl_request, body=endpoint.body.decode("utf-8", "replace"))
        result = templates.render(picked[1], backend, context, context.get("stageVariables") or {})
        body, content = result.body.encode(), picked[0]
        override = override.then(result.response_override)
    status = override.status or int(chosen.get("statusCode") or 200)
    return Response(status, [("Content-Type", content), *headers, *override.header.items()], body)


def _content_type(headers: list[tuple[str, str]]) -> str:
    return next((v for k, v in headers if k.lower() == "content-type"), JSON)


def http_target(
    integration: Mapping[str, Any],
    mapped: IntegrationRequestParameters,
    variables: Mapping[str, str],
    request: Request,
    api_id: str,
) -> tuple[str, list[tuple[str, str]]]:
    """URL and headers of an HTTP custom request: only mapped headers plus API Gateway's own
    (`Accept`, `User-Agent: AmazonAPIGateway_{api}`, `x-amzn-apigateway-api-id`, the client's
    `Content-Type`) (§1.6)."""
    query = urlencode(list(mapped.querystring.items()), quote_via=quote)
    url = target_url(
        render(str(integration.get("uri") or ""), variables), mapped.path, query, variables
    )
    headers = {"Accept": "application/json", "User-Agent": f"AmazonAPIGateway_{api_id}"}
    headers["x-amzn-apigateway-api-id"] = api_id
    content_type = request.header("content-type")
    if content_type:
        headers["Content-Type"] = content_type
    lowered = {k.lower(): k for k in headers}
    for name, value in mapped.header.items():
        headers.pop(lowered.get(name.lower(), name), None)
        headers[name] = value
    return url, list(headers.items())


@dataclass(frozen=True)
class Call:
    """One request through a non-proxy integration."""

    request: Request
    integration: Mapping[str, Any]
    context: Mapping[str, Any]
    vtl_request: VtlRequest
    values: MappingValues
    mappings: CustomMappings


async def integrate(
    call: Call, templates: Templates, functions: Functions, upstreams: Upstreams, api_id: str
) -> Response:
    """Integration request -> HTTP upstream or Lambda function -> method response."""
    integration, context = call.integration, call.context
    variables = context.get("stageVariables") or {}
    body, mapped, override = integration_request(
        call.request, integration, templates, call.vtl_request, context, call.mappings, call.values
    )
    if integration["type"] == "HTTP":
        url, headers = http_target(integration, mapped, variables, call.request, api_id)
        answer = await send(upstreams, call.request, integration, url, headers, body)
        endpoint = Endpoint(answer.status, answer.headers, answer.body, str(answer.status))
    else:
        name = functions.resolve(render(str(integration["function"]), variables))
        timeout_s = float(integration.get("timeoutInMillis") or DEFAULT_TIMEOUT_MS) / 1000
        endpoint = await invoke_lambda(functions, name, body, timeout_s)
    return method_response(
        endpoint,
        integration,
        call.mappings,
        templates,
        call.vtl_request,
        context,
        call.values,
        override,
        call.request.header("accept"),
    )
