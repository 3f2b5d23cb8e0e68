"""A WebSocket route's integration (reference §10.2-§10.4): Lambda proxy, MOCK, HTTP proxy, HTTP
and AWS (a Lambda function or another AWS service) integrations.

Flows in: the route's record (`plan.WebSocketRouteEntry`: its integration config, in the shape
of a REST route's), the gateway's `Deployment` (functions, pooled clients, AWS endpoints) and the
compiled templates; per event, the connection's facts, the Lambda proxy event (events.py), the
message body and the stage variables. Flows out: an `Outcome` (status, body, headers), or
`IntegrationFailed` when API Gateway would report an integration failure (the function failed,
timed out or was throttled, no local handler, an unreachable backend, a template that cannot
render).

Lambda proxy: the function's result is read as API Gateway reads it for WebSocket routes:
`statusCode` (it decides `$connect`; on a message it does not affect the connection), `body`
(sent back when the route has a route response) and `headers` (on `$connect`, added to the 101,
the way a subprotocol is accepted, §10.1). A result without `statusCode` (a handler that returns
nothing) counts as 200: the reference records none, and AWS's samples for `$connect` return
only a status.

The other types run REST's integration code on the request integration_request.py shapes (the
template the message selected, `route.request.*` mappings): MOCK renders the selected template
for its status and the integration response of that status; HTTP and AWS integrations build the
integration request (integration_custom.py), call the backend (http_proxy.py, aws_step.py) and
select the integration response by `integrationResponseSelectionExpression`; without any
integration response the backend's status and body are the outcome (a one-way route drops the
body; `$connect` is decided by the status). HTTP proxy sends the message (or, on `$connect`,
the handshake's headers and query string) to the URI with the integration's method, mapped
parameters applied, and takes the backend's status and body.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from ..integrations import integration_custom
from ..integrations.aws_step import AwsServiceStep
from ..integrations.http_proxy import (
    REST_NOT_FORWARDED,
    UpstreamCall,
    call_upstream,
    forwarded_headers,
    send,
    target_url,
)
from ..integrations.lambda_functions import FunctionError, Throttled
from ..integrations.lambda_step import REST_TIMEOUT_MS
from ..integrations.mock import Templates, mock_status, select_response
from ..pipeline.deployment import Deployment
from ..pipeline.plan import RouteEntry, WebSocketRouteEntry
from ..pipeline.stage_variables import render
from ..responses.gateway_responses import GatewayError, Response
from ..routing.router import Match
from ..transform.mapping import (
    IllegalHeaderMapping,
    IntegrationRequestParameters,
    MappingExpressionError,
    compile_rest_request,
)
from .events import ConnectionFacts
from .integration_request import IntegrationRequest, MockCall, RequestShape, TemplateRefused

# A route's integration timeout when the spec sets none: 29 s, as REST's (§10 quotas).
DEFAULT_TIMEOUT_MS = REST_TIMEOUT_MS
_NO_MAPPING = IntegrationRequestParameters()


class IntegrationFailed(Exception):
    """The integration did not answer; `reason` is for the server log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(slots=True)
class Outcome:
    status: int
    body: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)


class RouteIntegration:
    """One route's integration, read once at start-up."""

    def __init__(
        self, route: WebSocketRouteEntry, deployment: Deployment, templates: Templates
    ) -> None:
        self.route = route
        self.deployment = deployment
        self.functions = deployment.functions
        self.templates = templates
        integration = route.integration
        self.kind = integration.get("type")
        function = integration.get("function")
        self.function = self.functions.resolve(function) if isinstance(function, str) else None
        timeout = integration.get("timeoutInMillis")
        self.timeout_s = (timeout if isinstance(timeout, int) else DEFAULT_TIMEOUT_MS) / 1000
        self.shape = RequestShape(integration)
        self.mappings = integration_custom.CustomMappings.compile(self.shape.base)
        self.proxy_mapping = _proxy_mapping(self.shape.base) if self.kind == "HTTP_PROXY" else None
        self.services: dict[int, AwsServiceStep] = {}
        self._chosen: dict[tuple[int, int], tuple[Mapping[str, Any], str | None]] = {}

    async def run(
        self,
        facts: ConnectionFacts,
        event: dict[str, Any],
        body: str,
        stage_variables: Mapping[str, str],
    ) -> Outcome:
        if self.kind == "AWS_PROXY":
            return await self._lambda(event)
        try:
            if self.kind == "MOCK":  # no backend request to build: the templates only
                return self._mock(self.shape.mock_call(facts, event, body, stage_variables))
            call = self.shape.request(facts, event, body, stage_variables)
            if self.kind == "HTTP_PROXY":
                return await self._http_proxy(call)
            if self.kind in ("HTTP", "AWS"):
                return await self._custom(call)
        except TemplateRefused as refused:
            raise IntegrationFailed(str(refused)) from None
        except GatewayError as error:
            reason = error.reason or error.response_type
            raise IntegrationFailed(f"the {self.kind} integration failed ({reason})") from None
        raise IntegrationFailed(f"integration type {self.kind} is not served locally")

    async def _lambda(self, event: dict[str, Any]) -> Outcome:
        if self.function is None:
            raise IntegrationFailed("the function has no local handler (x-apigwc.functions)")
        try:
            result = await self.functions.invoke(self.function, event, self.timeout_s)
        except FunctionError as error:
            raise IntegrationFailed(f"the function failed ({error.error_type})") from None
        except (TimeoutError, Throttled) as error:
            raise IntegrationFailed(f"the invocation failed ({type(error).__name__})") from None
        return _proxy_outcome(result)

    def _mock(self, call: MockCall) -> Outcome:
        """The selected request template gives the status (`{"statusCode": N}`), the integration
        response selected by that status renders the body."""
        integration, context = call.integration, call.context
        variables = context["stageVariables"]
        template = next(iter((integration.get("requestTemplates") or {}).values()), None)
        rendered = (
            call.vtl.body
            if template is None
            else self.templates.render(template, call.vtl, context, variables).body
        )
        status = mock_status(rendered)
        if not integration.get("responses"):
            return Outcome(status)
        chosen, answer = self._mock_response(integration, status)
        text = (
            None
            if answer is None
            else self.templates.render(answer, call.vtl.with_body(""), context, variables).body
        )
        code = str(chosen.get("statusCode"))
        return Outcome(int(code) if code.isdigit() else status, text)

    def _mock_response(
        self, integration: Mapping[str, Any], status: int
    ) -> tuple[Mapping[str, Any], str | None]:
        """The integration response a MOCK status selects and its template, chosen once per
        config and status (the same few statuses come back on every message)."""
        key = (id(integration), status)
        found = self._chosen.get(key)
        if found is None:
            chosen = select_response(list(integration.get("responses") or ()), str(status))
            found = (chosen, _pick(chosen.get("responseTemplates") or {}))
            if len(self._chosen) < 64:
                self._chosen[key] = found
        return found

    async def _http_proxy(self, call: IntegrationRequest) -> Outcome:
        """The message (the handshake's headers and query on `$connect`) sent to the URI."""
        mapping = self.proxy_mapping
        if mapping is None:
            raise GatewayError("API_CONFIGURATION_ERROR", reason="a mapping does not compile")
        request, variables = call.request, call.context["stageVariables"]
        try:
            mapped = _NO_MAPPING if mapping is _EMPTY else mapping.evaluate(call.values)
        except IllegalHeaderMapping:
            raise GatewayError("API_CONFIGURATION_ERROR") from None
        query = _query(request.query_string, mapped.querystring)
        uri = render(str(call.integration.get("uri") or ""), variables)
        url = target_url(uri, mapped.path, query, variables)
        replaced = {name.lower() for name in mapped.header} | REST_NOT_FORWARDED
        headers = [(k, v) for k, v in request.headers if k not in replaced]
        headers += [*forwarded_headers(request), *mapped.header.items()]
        upstream = UpstreamCall.of(call.integration)
        answer = await call_upstream(
            self.deployment.upstreams, request, upstream, url, headers, request.body, True
        )
        return _response_outcome(answer, accept_protocol=True)

    async def _custom(self, call: IntegrationRequest) -> Outcome:
        """HTTP and AWS integrations: REST's integration request, backend call and integration
        response; with no integration response, the backend's status and body."""
        integration = call.integration
        if self.kind == "AWS" and not self._local_function(integration):
            return await self._service(call)
        templates, context = self.templates, call.context
        body, mapped, override = integration_custom.integration_request(
            call.request, integration, templates, call.vtl, context, self.mappings, call.values
        )
        endpoint = await self._endpoint(call, body, mapped)
        if not integration.get("responses"):
            text = endpoint.body.decode("utf-8", "replace")
            return Outcome(endpoint.status, text, _subprotocol(endpoint.headers))
        response = integration_custom.method_response(
            endpoint,
            integration,
            self.mappings,
            templates,
            call.vtl,
            context,
            call.values,
            override,
            None,
        )
        return _response_outcome(response)

    async def _endpoint(
        self, call: IntegrationRequest, body: bytes, mapped: IntegrationRequestParameters
    ) -> integration_custom.Endpoint:
        integration, variables = call.integration, call.context["stageVariables"]
        if self.kind == "HTTP":
            api_id = str(call.context.get("apiId") or "")
            url, headers = integration_custom.http_target(
                integration, mapped, variables, call.request, api_id
            )
            answer = await send(
                self.deployment.upstreams, call.request, integration, url, headers, body, True
            )
            return integration_custom.Endpoint(
                answer.status, answer.headers, answer.body, str(answer.status)
            )
        name = self.functions.resolve(render(str(integration["function"]), variables))
        invocation_type = next(
            (v for k, v in mapped.header.items() if k.lower() == "x-amz-invocation-type"), None
        )
        return await integration_custom.invoke_lambda(
            self.functions, name, body, self.timeout_s, invocation_type, call.context
        )

    def _local_function(self, integration: Mapping[str, Any]) -> bool:
        function = integration.get("function")
        return isinstance(function, str) and self.functions.resolve(function) is not None

    async def _service(self, call: IntegrationRequest) -> Outcome:
        """An AWS service (aws_step.py), called at the API's AWS endpoint."""
        integration = dict(call.integration)
        if not integration.get("responses"):  # the service's answer as it came
            integration["responses"] = [{"selectionPattern": "default", "statusCode": "200"}]
        step = self.services.get(id(call.integration))
        if step is None:
            entry = RouteEntry(
                route_key=self.route.route_key,
                resource_path="/",
                http_method=call.request.method,
                resource_id="",
                operation_name=None,
                security=(),
                integration=integration,
                validation=None,
            )
            step = self.services[id(call.integration)] = AwsServiceStep(entry, self.deployment)
        response = await step.integrate(call.request, Match(None, {}), call.context)
        return _response_outcome(response)


_EMPTY = compile_rest_request({})


def _proxy_mapping(integration: Mapping[str, Any]) -> Any:
    parameters = integration.get("requestParameters") or {}
    try:
        return compile_rest_request(parameters, "HTTP_PROXY") if parameters else _EMPTY
    except MappingExpressionError:
        return None


def _query(query_string: str, mapped: Mapping[str, str]) -> str:
    if not mapped:
        return query_string
    return "&".join(
        part for part in (query_string, urlencode(list(mapped.items()), quote_via=quote)) if part
    )


def _subprotocol(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Of a backend's headers, only the one that accepts a subprotocol goes on the 101."""
    return [(k, v) for k, v in headers if k.lower() == "sec-websocket-protocol"]


def _response_outcome(response: Response, accept_protocol: bool = False) -> Outcome:
    text = response.body.decode("utf-8", "replace")
    headers = _subprotocol(response.headers) if accept_protocol else []
    return Outcome(response.status, text, headers)


def _pick(templates: Mapping[str, str]) -> str | None:
    """The template by `$default` key, else the only one."""
    if "$default" in templates:
        return templates["$default"]
    if len(templates) == 1:
        return next(iter(templates.values()))
    return None


def _proxy_outcome(result: Any) -> Outcome:
    if result is None:
        return Outcome(200)
    if not isinstance(result, Mapping):
        return Outcome(200, result if isinstance(result, str) else json.dumps(result))
    status = result.get("statusCode", 200)
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if type(status) is not int:
        raise IntegrationFailed("the function returned a statusCode that is not a number")
    body = result.get("body")
    text = None if body is None else body if isinstance(body, str) else json.dumps(body)
    headers = result.get("headers") or {}
    pairs = (
        [(str(k), str(v)) for k, v in headers.items() if isinstance(v, str | int | float)]
        if isinstance(headers, Mapping)
        else []
    )
    return Outcome(status, text, pairs)
