"""The Lambda proxy integration step (`AWS_PROXY`, reference §2): event, invocation, response.

Flows in: the route's integration config, read once here (the function, resolved unless a stage
variable names it; the payload format version; the integration timeout; the integration's
method); per request, the request, its match and its `$context` values. Flows out: a `Pending`
`Response` (pipeline/pending.py: settled by the handler pool, no coroutine) built from the
handler's result (`lambda_proxy.py`), or a `GatewayError`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from ..pipeline.context import Request
from ..pipeline.deployment import Deployment
from ..pipeline.pending import Pending
from ..pipeline.plan import RouteEntry
from ..pipeline.stage_variables import has_stage_variables, render
from ..responses.gateway_responses import GatewayError, Response
from ..routing.router import Match
from . import lambda_proxy
from .lambda_functions import FunctionError, Functions, Throttled

# The integration timeout when the spec sets none: 29 s for REST, 30 s for HTTP APIs (§1.1).
REST_TIMEOUT_MS, HTTP_TIMEOUT_MS = 29000, 30000


class LambdaProxyStep:
    __slots__ = (
        "binary_media_types",
        "event",
        "function",
        "function_text",
        "functions",
        "post",
        "respond",
        "rest",
        "route",
        "timeout_s",
    )
    reads_context = True

    def __init__(self, route: RouteEntry, deployment: Deployment) -> None:
        integration = route.integration
        protocol = deployment.protocol
        self.route = route.to_data()  # as the events name its fields
        self.functions: Functions = deployment.functions
        self.binary_media_types = deployment.binary_media_types
        self.function_text = str(integration["function"])
        # Resolved now unless a stage variable names it (then per request, by stage).
        self.function = (
            None
            if has_stage_variables(self.function_text)
            else self.functions.resolve(self.function_text)
        )
        default_ms = HTTP_TIMEOUT_MS if protocol == "HTTP" else REST_TIMEOUT_MS
        self.timeout_s = float(integration.get("timeoutInMillis") or default_ms) / 1000
        # REST calls the function with the integration's method (HTTP APIs always POST), and
        # Lambda's Invoke API takes only POST.
        method = str(integration.get("httpMethod") or "POST").upper()
        self.post = protocol != "REST" or method == "POST"
        self.rest = protocol == "REST"
        version = str(integration.get("payloadFormatVersion") or "1.0")
        # The event builder and the result reader (HTTP APIs) of the route's payload format.
        v2 = protocol == "HTTP" and version == "2.0"
        self.event: Callable[[Request, Match[Any], Mapping[str, Any]], dict[str, Any]] = (
            self._http_event if v2 else self._v1_event
        )
        self.respond: Callable[[Any], Response] = (
            lambda_proxy.http_v2_response if v2 else lambda_proxy.http_v1_response
        )

    def integrate(
        self, request: Request, match: Match[Any], context: Mapping[str, Any]
    ) -> Awaitable[Response]:
        name = self.function or self.functions.resolve(
            render(self.function_text, context["stageVariables"])
        )
        if name is None or not self.post:
            # No local handler, or an integration method other than POST, which Lambda's
            # Invoke API refuses: API Gateway answers 500 (§1.8, recorded; `validate`: AGW414).
            reason = "no local handler for the function" if self.post else "method is not POST"
            raise GatewayError("API_CONFIGURATION_ERROR", reason=reason)
        event = self.event(request, match, context)
        pending = Pending()
        try:
            self.functions.invoke(name, event, self.timeout_s, into=pending)
        except Throttled as error:  # Lambda refused the invocation at once: 500
            raise lambda_proxy.invocation_failure(error, name, self.timeout_s) from None
        # No coroutine: the pool settles `pending`, which maps the result here, on the loop's
        # thread (pipeline/pending.py).
        return pending.then(self._response, request, name)

    def _response(
        self, result: Any, error: BaseException | None, request: Request, name: str
    ) -> Response:
        """The function's result as the route's response; an invocation that gave none as its
        gateway error. A malformed result raises a GatewayError whose reason Gateway.error
        logs."""
        if error is not None:
            if isinstance(error, (TimeoutError, FunctionError, Throttled)):
                raise lambda_proxy.invocation_failure(error, name, self.timeout_s) from None
            raise error
        if not self.rest:
            return self.respond(result)
        # Accept picks a binary body's form, and only against binary media types.
        accept = request.header("accept") if self.binary_media_types else None
        response = lambda_proxy.rest_response(result, accept, self.binary_media_types)
        response.headers.append(("X-Amzn-Trace-Id", request.trace_header()))
        return response

    def _http_event(
        self, request: Request, match: Match[Any], context: Mapping[str, Any]
    ) -> dict[str, Any]:
        return lambda_proxy.http_event(request, context, self.route, match.path_parameters)

    def _v1_event(
        self, request: Request, match: Match[Any], context: Mapping[str, Any]
    ) -> dict[str, Any]:
        return lambda_proxy.rest_event(
            request,
            context,
            self.route,
            match.path_parameters,
            self.binary_media_types,
            version=None if self.rest else "1.0",
        )
