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

A Lambda custom integration whose request maps `X-Amz-Invocation-Type: 'Event'` invokes the
function asynchronously ([DG:set-up-lambda-integration-async]): the function runs, but Lambda
answers at once with an empty 202, so the integration response maps an empty body.

Binary payloads (§6.1) go through `payloads.py` (which media types are binary: `media_types.py`):
without a template, `contentHandling` converts the body by the reference's request and response
tables. A template reads and writes text, so
(inferred, the tables say nothing of templates beyond "templates see the base64 string") a
conversion to text happens before the template renders and a conversion to binary (base64
decoding) applies to what it rendered.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote, urlencode

from ..pipeline.context import Request, request_id
from ..pipeline.stage_variables import render
from ..responses.gateway_responses import GatewayError, Response
from ..routing.router import Match
from ..transform import json_input, payloads
from ..transform.mapping import (
    IllegalHeaderMapping,
    IntegrationRequestParameters,
    MappingExpressionError,
    MappingValues,
    RestRequestMapping,
    RestResponseMapping,
    compile_rest_request,
    compile_rest_response,
)
from ..transform.media_types import is_binary_media_type
from ..transform.vtl import ResponseOverride, VtlRequest
from . import lambda_proxy
from .http_proxy import REST_NOT_FORWARDED, Upstreams, forwarded_headers, send, target_url
from .lambda_functions import FunctionError, Functions, Throttled
from .mock import (
    JSON,
    Templates,
    method_response_headers,
    request_template,
    response_template,
    select_response,
)

DEFAULT_TIMEOUT_MS = 29000
log = logging.getLogger("apigwc.gateway")


def vtl_request(request: Request, match: Match[Any]) -> VtlRequest:
    """The method request as a mapping template's `$input` reads it."""
    return VtlRequest(
        body=request.body.decode("utf-8", "replace"),
        path=match.path_parameters,
        querystring=request.query_view(),
        header=request.header_view(),
    )


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
    binary: Sequence[str] = (),
) -> tuple[bytes, IntegrationRequestParameters, ResponseOverride]:
    """The endpoint body and mapped parameters (request template overrides applied);
    `binary` is the API's `binaryMediaTypes`."""
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
    content_type = request.header("content-type")
    handling = integration.get("contentHandling")
    template = request_template(integration, content_type)
    if template is None:
        with _payload_errors():
            converted = payloads.convert_request(request.body, content_type, binary, handling)
        return converted.body, mapped, ResponseOverride()
    if handling == payloads.CONVERT_TO_TEXT:  # the template reads the base64 text (§6.1)
        text = payloads.convert_request(request.body, content_type, binary, handling).body
        vtl_request = vtl_request.with_body(text.decode("utf-8", "replace"))
    result = templates.render(template, vtl_request, context, context.get("stageVariables") or {})
    override = result.request_override
    mapped = IntegrationRequestParameters(
        header={**mapped.header, **override.header},
        querystring={**mapped.querystring, **override.querystring},
        path={**mapped.path, **override.path},
    )
    body = result.body.encode()
    if handling == payloads.CONVERT_TO_BINARY:  # the rendered text is base64 to decode
        with _payload_errors():
            body = payloads.convert_request(body, None, (), handling).body
    return body, mapped, result.response_override


@contextmanager
def _payload_errors() -> Iterator[None]:
    """Text that is not base64 where binary is wanted answers 500 API_CONFIGURATION_ERROR."""
    try:
        yield
    except payloads.PayloadError as error:
        raise GatewayError(error.response_type) from None


async def invoke_lambda(
    functions: Functions,
    name: str | None,
    payload: bytes,
    timeout_s: float,
    invocation_type: str | None = None,
    context: Mapping[str, Any] | None = None,
) -> Endpoint:
    """Lambda custom: the payload is the function's event; a function error is selected by its
    `errorMessage` (§2.9); no body means `{}` (§1.8). `invocation_type` is the mapped
    `X-Amz-Invocation-Type` header (Lambda's `InvocationType`); `context` (the request's
    `$context`) names the route in the log."""
    if name is None:
        raise GatewayError("API_CONFIGURATION_ERROR")
    try:
        event = json_input.loads(payload) if payload.strip() else {}
    except ValueError:
        raise GatewayError("API_CONFIGURATION_ERROR") from None
    if invocation_type not in (None, "RequestResponse"):
        return _invoke_without_result(functions, name, event, invocation_type)
    try:
        result = await functions.invoke(name, event, timeout_s)
    except TimeoutError:
        raise lambda_proxy.timed_out(timeout_s) from None
    except Throttled:
        raise lambda_proxy.throttled(name) from None
    except FunctionError as error:
        # Lambda's error document, keys in its order ([AWS-REC] §1.7); the request id is the
        # invocation's, not API Gateway's.
        document = {
            "errorMessage": error.error_message,
            "errorType": error.error_type,
            "requestId": request_id(None),
            "stackTrace": [],
        }
        return Endpoint(200, [], json.dumps(document).encode(), error.error_message)
    return Endpoint(200, [], json.dumps(result).encode(), "")


def _invoke_without_result(
    functions: Functions, name: str, event: Any, invocation_type: str
) -> Endpoint:
    """`Event`: Lambda queues the invocation and answers 202 with no payload; `DryRun`: it only
    checks the request and answers 204. Lambda refuses any other type
    (InvalidParameterValueException), which API Gateway answers with 500."""
    if invocation_type == "DryRun":
        return Endpoint(204, [], b"", "")
    if invocation_type != "Event":
        raise GatewayError("API_CONFIGURATION_ERROR")
    try:
        # Only the function timeout applies: nobody waits for the result.
        future = functions.invoke(name, event, math.inf)
    except Throttled:
        # Lambda would keep the event queued and retry it for up to six hours; a local run
        # at the function's concurrency limit drops it, and says so.
        log.warning("Lambda function %s is at its concurrency limit: event dropped", name)
    else:
        future.add_done_callback(_discard)
    return Endpoint(202, [], b"", "")


def _discard(future: asyncio.Future[Any]) -> None:
    """An asynchronous invocation's outcome goes nowhere (its error is already in the log)."""
    if not future.cancelled():
        future.exception()


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
    binary: Sequence[str] = (),
) -> Response:
    """Select the integration response, map headers, render the template (§1.7), convert a
    binary payload by the response's `contentHandling` (§6.1)."""
    chosen = select_response(list(integration.get("responses") or ()), endpoint.selector)
    multi: dict[str, list[str]] = {}
    for name, value in endpoint.headers:
        multi.setdefault(name, []).append(value)
    values = replace(values, response_headers=multi, response_body=endpoint.body)
    mapping = mappings.responses.get(str(chosen.get("selectionPattern")))
    headers = list(mapping.evaluate(values).items()) if mapping else []
    picked = response_template(chosen.get("responseTemplates") or {}, accept)
    content = _content_type(endpoint.headers)
    convert = _ResponseConversion(accept, binary, chosen.get("contentHandling"))
    is_binary = is_binary_media_type(content, binary)
    if picked is None:
        body = convert(endpoint.body, is_binary)
    else:
        # Under CONVERT_TO_TEXT a binary payload reaches the template as base64 text.
        text = endpoint.body
        if is_binary and convert.handling == payloads.CONVERT_TO_TEXT:
            text = base64.b64encode(endpoint.body)
        backend = vtl_request.with_body(text.decode("utf-8", "replace"))
        stage_variables = context.get("stageVariables") or {}
        result = templates.render(picked[1], backend, context, stage_variables, override.carried)
        body, content = convert(result.body.encode(), False), picked[0]
        override = override.then(result.response_override)
    status = override.status or int(chosen.get("statusCode") or 200)
    return Response(status, method_response_headers(content, headers, override.header), body)


@dataclass(frozen=True)
class _ResponseConversion:
    """The §6.1 response table for one integration response and client `Accept`."""

    accept: str | None
    binary: Sequence[str]
    handling: str | None

    def __call__(self, body: bytes, is_binary: bool) -> bytes:
        with _payload_errors():
            return payloads.convert_response(
                body,
                payload_is_binary=is_binary,
                accept=self.accept,
                binary_media_types=self.binary,
                content_handling=self.handling,
            )


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
    (`Accept`, `Accept-Encoding`, `User-Agent: AmazonAPIGateway_{api}`, `X-Amzn-Trace-Id`,
    `x-amzn-apigateway-api-id`, `X-Forwarded-*`, the client's `Content-Type`) (§1.6)."""
    query = urlencode(list(mapped.querystring.items()), quote_via=quote)
    url = target_url(
        render(str(integration.get("uri") or ""), variables), mapped.path, query, variables
    )
    headers = {"Accept": "application/json", "User-Agent": f"AmazonAPIGateway_{api_id}"}
    # API Gateway asks for a compressed answer on its own and inflates it ([AWS-REC]
    # test_apigateway_http.snapshot.json#test_http_integration_with_lambda[HTTP]: the backend
    # sees `accept-encoding: gzip,deflate`, a value no client sent).
    headers["Accept-Encoding"] = "gzip,deflate"
    headers["X-Amzn-Trace-Id"] = request.trace_header()
    headers["x-amzn-apigateway-api-id"] = api_id
    headers.update(forwarded_headers(request))
    content_type = request.header("content-type")
    if content_type:
        headers["Content-Type"] = content_type
    lowered = {k.lower(): k for k in headers}
    for name, value in mapped.header.items():
        if name.lower() in REST_NOT_FORWARDED:
            continue  # dropped by API Gateway's header table, mapped or not (http_proxy.py)
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
    binary_media_types: tuple[str, ...] = ()


async def integrate(
    call: Call, templates: Templates, functions: Functions, upstreams: Upstreams, api_id: str
) -> Response:
    """Integration request -> HTTP upstream or Lambda function -> method response."""
    integration, context = call.integration, call.context
    variables = context.get("stageVariables") or {}
    body, mapped, override = integration_request(
        call.request,
        integration,
        templates,
        call.vtl_request,
        context,
        call.mappings,
        call.values,
        call.binary_media_types,
    )
    if integration["type"] == "HTTP":
        url, headers = http_target(integration, mapped, variables, call.request, api_id)
        answer = await send(
            upstreams, call.request, integration, url, headers, body, decompress=True
        )
        endpoint = Endpoint(answer.status, answer.headers, answer.body, str(answer.status))
    else:
        name = functions.resolve(render(str(integration["function"]), variables))
        timeout_s = float(integration.get("timeoutInMillis") or DEFAULT_TIMEOUT_MS) / 1000
        invocation_type = next(
            (v for k, v in mapped.header.items() if k.lower() == "x-amz-invocation-type"), None
        )
        endpoint = await invoke_lambda(functions, name, body, timeout_s, invocation_type, context)
    response = method_response(
        endpoint,
        integration,
        call.mappings,
        templates,
        call.vtl_request,
        context,
        call.values,
        override,
        call.request.header("accept"),
        call.binary_media_types,
    )
    # API Gateway adds the request's trace id to the answers of its AWS (Lambda custom) and HTTP
    # custom integrations (§0.1); only MOCK and HTTP_PROXY answers go without.
    response.headers.append(("X-Amzn-Trace-Id", call.request.trace_header()))
    return response
