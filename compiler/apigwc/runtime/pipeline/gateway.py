"""The gateway: one generated API's request pipeline, in API Gateway's order.

Flows in: the generated `API` settings and route table (`plan.RouteEntry` records), the
`GatewayOptions` of the process and requests, by one of three entries: the ASGI application
(`Gateway.__call__`, for in-process use and granian's ASGI interface), or, without ASGI, the
default server's own HTTP/1.1 protocol (`server/http_protocol.py`) and granian's RSGI interface
(`server/granian_server.py`), which build the request themselves and call `oversize`,
`too_large` and `answer` directly. Flows out: responses with API Gateway's status codes, headers
and bodies (`wire_headers`, `text_headers`), the access log and metrics (`sent`, compiled for
what is on: `observability/finish.py`), and at shutdown pools and logs closed (`close`).

This module is the entries and what is common to every route: request size limits (reference
§1.1 step 1), request decompression (REST, compression enabled), stage selection, CORS preflight
(HTTP APIs), route match (unknown -> 403 Missing Authentication Token, HTTP APIs 404 Not Found),
then the route's plan (`steps.py`: resource policy, authorizer / API key gate, request
validation, integration, response contract, each compiled in only where the route needs it), then
CORS headers, compression and the standard headers. Every gateway-generated error goes through
the gateway responses (`Gateway.error`, which logs one line for each 5xx it makes). Plans,
templates, mappings and validators are compiled once, in `Gateway.__init__`.

A spec with a WebSocket API (`x-apigwc.websocket`) also gets its ASGI `websocket` scopes and
its `@connections` requests passed to `runtime/websocket/` (an upgrade off its stage's path is
answered by this API's routes, as any request).

The selected stage is served at the root, like `sam local start-api`; with `all_stages` every
stage is served under `/{stage}/` and an unknown stage answers 403 Forbidden (404 for HTTP APIs).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
from collections.abc import Awaitable, Mapping
from pathlib import Path
from typing import Any

from ..integrations.http_proxy import Upstreams
from ..integrations.lambda_functions import Functions
from ..integrations.mock import Templates, integration_templates
from ..observability.access_log import AccessLog, flush_all, stage_formats
from ..observability.finish import Sent, compile_sent
from ..observability.metrics import MetricsRecorder, TimedIntegration
from ..observability.tracing import open_tracing
from ..responses import gateway_responses
from ..responses.cors import CorsConfiguration, is_preflight
from ..responses.gateway_responses import GatewayError, Response
from ..routing.router import Match, Router
from ..state.backends import open_store
from ..transform import payloads
from ..validation.contract import ContractCheck
from ..validation.request_validation import Validator
from . import wire
from .context import (
    OVERSIZE,
    SIZE_LIMIT,
    Request,
    context_values,
    request_values,
    stage_values,
    standard_headers,
    standard_wire_headers,
)
from .deployment import Deployment
from .options import GatewayOptions, stage_variable_overrides
from .pending import Pending
from .plan import ApiSettings, RouteEntry, load_routes
from .stage_variables import with_overrides
from .steps import RoutePlan, compile_plan
from .wire import MAX_BODY, Receive, Scope, Send

# A child of uvicorn's error logger: one line per gateway-made 5xx lands in the server's log.
log = logging.getLogger("uvicorn.error.apigwc")
# An integration URI in a log line: its query string may carry a key, so it is left out.
_URI_QUERY = re.compile(r"\?\S*")


class Gateway:
    """One API served by one process."""

    def __init__(
        self,
        api: ApiSettings,
        routes: tuple[RouteEntry, ...],
        package_dir: Path,
        options: GatewayOptions | None = None,
        validators: Mapping[str, Validator] | None = None,
    ) -> None:
        options = options or GatewayOptions()
        self.settings = api
        # The settings by API Gateway's names, as `$context`, stage variables, gateway responses
        # and the access log read them.
        self.api = api.to_data()
        self.protocol = api.protocol
        self.stage = options.stage or api.default_stage
        if self.stage not in api.stages:
            raise ValueError(f"unknown stage {self.stage!r}; the API has {', '.join(api.stages)}")
        self.all_stages = options.all_stages
        # The gateway's access log (access_log.py): None unless the options turn it on.
        self.access_log = _access_log(self.api, options)
        # CloudWatch's metrics for the admin port (metrics.py): None unless `--admin-port`.
        self.metrics = (
            MetricsRecorder(api, routes, options.metrics_dir, self.stage, self.all_stages)
            if options.metrics_dir
            else None
        )
        # The developer's console line (console_log.py, `--log-format`): None unless asked for.
        self.console_log = _console_log(options.console_log)
        # Buckets, quotas and caches: this process's memory, or Redis (`--state`, state/store.py).
        self.state = open_store(options.state)
        # OpenTelemetry spans (`--otlp-endpoint`, observability/tracing.py): None when off.
        tracing = open_tracing(api, self.stage, self.all_stages, options.otlp_endpoint)
        self.deployment = Deployment(
            api=api,
            protocol=self.protocol,
            package_dir=package_dir,
            functions=Functions(
                api.functions, package_dir, api.region, api.account, options.function_sources
            ),
            upstreams=Upstreams(),
            # Mapping templates are parsed once here, never per request.
            templates=Templates(
                text for route in routes for text in integration_templates(route.integration)
            ),
            validators=validators or {},
            # `--validate-responses` (contract.py): loaded only when the option is on.
            contract=ContractCheck.load(package_dir) if options.validate_responses else None,
            api_data=self.api,
            authorizer_cache=self.state.authorizer_cache(f"apigwc:{api.api_id}:authorizer"),
            state=self.state,
            metrics=self.metrics,
            tracing=tracing,
        )
        self.upstreams = self.deployment.upstreams
        # The stage cache's hit and miss counts (caching/counts.py), for metrics to read.
        self.cache_counts = self.deployment.cache_counts
        if options.reload_handlers and options.function_sources:
            from ..integrations.lambda_reload import HandlerReload

            HandlerReload(self.deployment.functions).start()
        if self.metrics is not None:  # CacheHitCount, CacheMissCount (observability/metrics.py)
            self.cache_counts.listeners.append(self.metrics.cache_lookup)
        # Each route's steps, compiled once (steps.py); the router serves the plans.
        plans = [_timed(compile_plan(route, self.deployment), self.metrics) for route in routes]
        self.router = Router(plans, self.protocol, route_of=_route_of)
        self.minimum_compression_size = (
            api.minimum_compression_size if self.protocol == "REST" else None
        )
        self.cors = CorsConfiguration.from_extension(api.cors) if api.cors else None
        # The WebSocket API beside this one (`x-apigwc.websocket`, runtime/websocket/), or None.
        self.websocket = _websocket(api, self.deployment, self.stage, options)
        # What follows a written response: the access log line, the metrics, or nothing.
        self.sent: Sent = compile_sent(
            self.access_log, self.metrics, self.stage, self.all_stages, self.console_log
        )
        if tracing is not None:  # both server entries call `answer`: each request in its span
            self.answer = tracing.server(self.answer)  # type: ignore[method-assign]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            if scope["type"] == "websocket" and self.websocket is not None:
                await self.websocket.serve(scope, receive, send, self._upgrade_as_request)
            return
        request = wire.request(scope)
        extensions = scope.get("extensions")
        refusal = (
            self.oversize(*extensions[OVERSIZE]) if extensions and OVERSIZE in extensions else None
        )
        if refusal is not None:
            await self._finish(send, request, refusal)
            return
        length = request.header("content-length")
        if request.header("transfer-encoding") or length not in (None, "0"):
            # A request without either header has no body (RFC 9112 §6.3): the usual GET is
            # answered without a round trip through the server's `receive`.
            body = (
                None if wire.declared_too_large(length) else await wire.read_body(receive, MAX_BODY)
            )
            if body is None:
                await self._finish(send, request, self.too_large(request))
                return
            request.body = body
        answer = self.answer(request)
        await self._finish(send, request, answer if isinstance(answer, Response) else await answer)

    def _manage_connections(self, request: Request) -> Awaitable[Response] | None:
        """`@connections/{id}` of the WebSocket API on the served stage (reference §10.5), as
        both server entries reach it; None for any other path."""
        from ..websocket import management

        raw = request.raw_path
        found = management.target(raw) if "connections/" in raw else None
        if found is None or self.websocket is None:
            return None
        stage, connection_id = found
        if stage is not None and self.websocket.stage_of(f"/{stage}") != stage:
            return None
        return self.websocket.manage(request, stage, connection_id)  # type: ignore[no-any-return]

    async def _upgrade_as_request(self, scope: Scope, receive: Receive, send: Send) -> None:
        """An upgrade off the WebSocket API's path is an ordinary request of this API (its
        routes answer it), sent back as the refused handshake's response."""
        await receive()  # websocket.connect
        request = wire.request({**scope, "method": "GET"})
        answer = self.answer(request)
        response = answer if isinstance(answer, Response) else await answer
        headers = [
            (k.encode("latin-1", "replace"), v.encode("latin-1", "replace"))
            for k, v in response.headers
        ] + standard_wire_headers(self.protocol, request)
        start = {"type": "websocket.http.response.start", "status": response.status}
        await send(start | {"headers": headers})
        await send({"type": "websocket.http.response.body", "body": response.body})

    async def _finish(self, send: Send, request: Request, response: Response) -> None:
        """The response as ASGI messages, then its access log line."""
        await wire.send(
            send, response, request.method, standard_wire_headers(self.protocol, request)
        )
        self.sent(request, response)

    def wire_headers(self, request: Request, response: Response) -> list[tuple[bytes, bytes]]:
        """The response's header lines as the wire carries them, API Gateway's standard
        headers and `Content-Length` included (the default server writes these itself)."""
        return wire.headers(response, standard_wire_headers(self.protocol, request))

    def text_headers(self, request: Request, response: Response) -> list[tuple[str, str]]:
        """`wire_headers` as text (granian's RSGI entry)."""
        return wire.text_headers(response, standard_headers(self.protocol, request))

    def oversize(self, url: int, values: int, head: int) -> Response | None:
        """A request over API Gateway's URL or header limits (measured by the server:
        `server/http_protocol.py`, or granian_server.py from granian's scope).

        The limits are documented (reference §1.1 step 1: URL 10240 characters, header values
        10240 bytes for REST; request line and headers 10240 bytes for HTTP APIs), the answer
        is not: 414 for a URL (as API Gateway answers a method ARN that is too long) and 431
        for headers, each with a JSON message, refused before routing."""
        limit = SIZE_LIMIT
        if self.protocol == "REST" and url > limit:
            status, message = 414, b'{"message":"Request URI too long"}'
        elif (values if self.protocol == "REST" else head) > limit:
            status, message = 431, b'{"message":"Request Header Fields Too Large"}'
        else:
            return None
        return Response(status, [("Content-Type", "application/json")], message)

    def too_large(self, request: Request) -> Response:
        """A body over 10 MB, answered before it is read: a declared length over the limit is
        refused without `100 Continue` (the server sends that only when the body is awaited),
        a chunked body when its running total passes the limit. The server discards the rest of
        the body (the connection is not closed under a client still sending, which would reset
        it and could lose the answer)."""
        return self.error(GatewayError("REQUEST_TOO_LARGE"), request, {}, None)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def close(self) -> None:
        """The server stops: upstream pools, the state store and the WebSocket API closed, the
        logs written out (ASGI's lifespan shutdown; granian's RSGI worker as it ends)."""
        await self.upstreams.close()
        await self.state.close()
        if self.websocket is not None:
            await self.websocket.close()
        flush_all()

    def answer(self, request: Request) -> Response | Awaitable[Response]:
        """`handle`, with no coroutine in between when the route answers at once (MOCK): the
        usual request of an API without CORS or compression."""
        if self.websocket is not None:
            managed = self._manage_connections(request)
            if managed is not None:
                return managed
        if self.cors is not None or self.minimum_compression_size is not None:
            return self.handle(request)
        stage = self._select_stage(request)
        if stage is None:
            return self._unknown_stage()
        return self._route(request, stage)

    async def handle(self, request: Request) -> Response:
        stage = self._select_stage(request)
        if stage is None:
            return self._unknown_stage()
        if self.cors is not None:
            # HTTP APIs with CORS configured answer preflights before routing and authorization,
            # and put the configured headers on every other response (reference §5.2).
            if is_preflight(request.method, request.headers):
                preflight = self.cors.preflight(request.headers)
                return Response(preflight.status, list(preflight.headers))
            response = await self._handle_stage(request, stage)
            response.headers = self.cors.actual_response_headers(request.headers, response.headers)
            return response
        response = await self._handle_stage(request, stage)
        return (
            self._compress(request, response)
            if self.minimum_compression_size is not None
            else response
        )

    def _unknown_stage(self) -> Response:
        if self.protocol == "HTTP":
            return gateway_responses.render_http(GatewayError("RESOURCE_NOT_FOUND"))
        return gateway_responses.unknown_stage()

    def _compress(self, request: Request, response: Response) -> Response:
        """REST compression: above `minimumCompressionSize`, by the client's Accept-Encoding (§6.2)."""
        coding = payloads.compression_for(
            minimum_compression_size=self.minimum_compression_size,
            accept_encoding=request.header("accept-encoding"),
            response_content_encoding=response.header("content-encoding"),
            body_length=len(response.body),
        )
        if coding is not None:
            response.body = payloads.compress(response.body, coding)
            response.headers.append(("Content-Encoding", coding))
        return response

    async def _handle_stage(self, request: Request, stage: str) -> Response:
        if self.minimum_compression_size is not None and request.header("content-encoding"):
            try:  # with compression enabled API Gateway inflates request bodies (§6.2)
                # In a worker thread (zlib lets go of the GIL): up to 10 MB of output takes a
                # noticeable time, which other requests do not wait for.
                request.body = await asyncio.to_thread(
                    payloads.decompress_request,
                    request.body,
                    request.header("content-encoding"),
                    MAX_BODY,
                )
            except payloads.PayloadError as error:
                context = context_values(request, self.api, stage, None)
                failure = GatewayError(error.response_type, reason=str(error))
                return self.error(failure, request, context, None)
        answer = self._route(request, stage)
        return answer if isinstance(answer, Response) else await answer

    def _route(self, request: Request, stage: str) -> Response | Awaitable[Response]:
        too_large = len(request.body) > MAX_BODY
        match = None if too_large else self.router.match(request.method, request.path)
        if match is None:
            context = context_values(request, self.api, stage, None)
            refused = "REQUEST_TOO_LARGE" if too_large else "MISSING_AUTHENTICATION_TOKEN"
            return self.error(GatewayError(refused), request, context, None)
        return self._run_plan(request, stage, match)

    def _run_plan(
        self, request: Request, stage: str, match: Match[RoutePlan]
    ) -> Response | Awaitable[Response]:
        """The route's steps (steps.py): checks, integration, response steps; any GatewayError
        on the way becomes its gateway response. Checks and an integration that answer at once
        (MOCK) are finished here, with no coroutine; a check that waits (a Lambda authorizer)
        continues in `_checking`, an integration that waits in `_awaiting`."""
        request.route = match.route.route  # for the access log
        request.stage = stage  # for the stage cache (caching/)
        return self._from_check(request, stage, match, 0)

    def _from_check(
        self, request: Request, stage: str, match: Match[RoutePlan], first: int
    ) -> Response | Awaitable[Response]:
        """The plan from its check number `first` on."""
        plan = match.route
        checks = plan.checks
        context: Mapping[str, Any] | None = None
        try:
            for index in range(first, len(checks)):
                pending = checks[index](request, match, stage)
                if pending is not None:
                    return self._checking(pending, index + 1, request, stage, match)
            integration = plan.integration
            # Built after the checks: an authorizer's result is part of `$context`.
            context = (
                context_values(request, self.api, stage, plan.route)
                if integration.reads_context
                else {"stageVariables": stage_values(request, self.api["stages"].get(stage, {}))[0]}
            )
            try:
                response = integration.integrate(request, match, context)
            except GatewayError:
                raise
            except Exception as error:
                raise _integration_fault(error) from error
            if not isinstance(response, Response):
                if isinstance(response, Pending):  # no coroutine: mapped when it settles
                    return response.then(self._settled, request, stage, match, context)
                return self._awaiting(response, request, stage, match, context)
            return _respond(request, match, response)
        except GatewayError as error:
            return self._plan_error(error, request, stage, match, context)

    async def _checking(
        self,
        pending: Awaitable[None],
        after: int,
        request: Request,
        stage: str,
        match: Match[RoutePlan],
    ) -> Response:
        try:
            await pending
        except GatewayError as error:
            return self._plan_error(error, request, stage, match, None)
        except Exception as error:  # a fault no check foresaw never lets the request through
            fault = GatewayError(
                "API_CONFIGURATION_ERROR", reason=f"unexpected {error!r} in a check"
            )
            return self._plan_error(fault, request, stage, match, None)
        answer = self._from_check(request, stage, match, after)
        return answer if isinstance(answer, Response) else await answer

    async def _awaiting(
        self,
        pending: Awaitable[Response],
        request: Request,
        stage: str,
        match: Match[RoutePlan],
        context: Mapping[str, Any],
    ) -> Response:
        """An integration's awaitable answer, settled as a `Pending` one is (`_settled`)."""
        try:
            response = await pending
        except BaseException as error:  # a cancellation is raised again by `_settled`
            return self._settled(None, error, request, stage, match, context)
        return self._settled(response, None, request, stage, match, context)

    def _settled(
        self,
        response: Any,
        error: BaseException | None,
        request: Request,
        stage: str,
        match: Match[RoutePlan],
        context: Mapping[str, Any],
    ) -> Response:
        """`_awaiting` for an integration's `Pending` response (pipeline/pending.py)."""
        try:
            if error is not None:
                if isinstance(error, GatewayError) or not isinstance(error, Exception):
                    raise error
                raise _integration_fault(error) from error
            return _respond(request, match, response)
        except GatewayError as failure:
            return self._plan_error(failure, request, stage, match, context)

    def _plan_error(
        self,
        error: GatewayError,
        request: Request,
        stage: str,
        match: Match[RoutePlan],
        context: Mapping[str, Any] | None,
    ) -> Response:
        plan = match.route
        if context is None or not plan.integration.reads_context:
            # The gateway response reads the whole tree.
            context = context_values(request, self.api, stage, plan.route)
        return self.error(error, request, context, match)

    def _select_stage(self, request: Request) -> str | None:
        """The stage the request is for; None for an unknown stage under --all-stages."""
        if not self.all_stages:
            return self.stage
        name = request.raw_path.lstrip("/").split("/")[0]
        if name not in self.api["stages"]:
            return None
        request.stage_prefix = request.raw_path[: request.raw_path.index(name) + len(name)]
        return name

    def error(
        self,
        error: GatewayError,
        request: Request,
        context: Mapping[str, Any],
        match: Match[RoutePlan] | None,
    ) -> Response:
        """The gateway response for `error`: every error the gateway makes passes here."""
        if self.protocol == "HTTP":
            response = gateway_responses.render_http(error)
        else:
            values = request_values(request, match.path_parameters if match else {})
            custom = self.api.get("gatewayResponses") or {}
            response = gateway_responses.render_rest(
                error, custom, context, values, request.header("accept")
            )
        if response.status >= 500:
            _log_failure(error, request, match, response.status)
        return response


def _respond(request: Request, match: Match[RoutePlan], response: Response) -> Response:
    """The integration's response through the route's response steps."""
    if not 200 <= response.status <= 599:
        raise _unsendable_status(response.status)
    for respond in match.route.responds:
        response = respond(request, match, response)
    return response


def _integration_fault(error: Exception) -> GatewayError:
    """A fault the integration code did not foresee still ends in a gateway response (API
    Gateway never drops the client): 500 Internal server error."""
    reason = f"unexpected {type(error).__name__} in the integration"
    return GatewayError("API_CONFIGURATION_ERROR", reason=reason)


def _unsendable_status(status: int) -> GatewayError:
    """An integration status HTTP cannot carry as a final answer (600 and above, below 200).

    API Gateway answers an integration response it cannot pass on as an integration failure:
    a Lambda response over Lambda's payload limit is recorded as `INTEGRATION_FAILURE`, 502
    `Internal server error` (issue DataBiosphere/azul#8258, execution log). The same answer
    here, rather than a dropped connection."""
    return GatewayError(
        "INTEGRATION_FAILURE",
        "Internal server error",
        status=502,
        reason=f"integration answered status {status}, which HTTP cannot carry",
    )


def _log_failure(
    error: GatewayError, request: Request, match: Match[RoutePlan] | None, status: int
) -> None:
    """One line for a gateway-made 5xx: route, integration, reason. Only names the spec gave
    (no header, body or query value, so no key or token of the request reaches the log)."""
    route = match.route.route if match else {}
    integration = route.get("integration") or {}
    target = integration.get("function") or _URI_QUERY.sub("", str(integration.get("uri") or ""))
    log.error(
        "%s %s %s: route %s, integration %s %s: %s",
        status,
        error.response_type,
        request.request_id,
        route.get("routeKey") or f"{request.method} {request.path}",
        integration.get("type") or "-",
        target or "-",
        error.reason or _cause(error),
    )


def _cause(error: BaseException) -> str:
    """The reason behind a GatewayError raised without one: the exception it replaced (its
    type and first line, without URLs' query strings), else "no reason given"."""
    cause = error.__cause__ or error.__context__
    if cause is None:
        return "no reason given"
    text = _URI_QUERY.sub("", str(cause).splitlines()[0] if str(cause) else "")[:200]
    return f"{type(cause).__name__}: {text}" if text else type(cause).__name__


def _websocket(
    api: ApiSettings, deployment: Deployment, stage: str, options: GatewayOptions
) -> Any:
    """The WebSocket API's endpoint (runtime/websocket/), imported only when there is one."""
    if api.websocket is None:
        return None
    from ..websocket.endpoint import WebSocketGateway

    limits = (options.websocket_idle_timeout_s, options.websocket_max_duration_s)
    return WebSocketGateway(
        api.websocket, api, deployment, stage, options.all_stages, limits, options.state
    )


def _console_log(fmt: str) -> Any:
    """The console line and handler output tags of `--log-format text|json`, imported only
    when asked for."""
    if not fmt:
        return None
    from ..observability.console_log import ConsoleLog, install_handler_output

    install_handler_output(fmt)
    return ConsoleLog(fmt)


def _access_log(api: Mapping[str, Any], options: GatewayOptions) -> AccessLog | None:
    """The access log the options ask for; None when off, or when only configured stages write
    one (`apigwc serve`'s default, as API Gateway) and no stage configures a format."""
    if not options.access_log:
        return None
    configured_only = options.access_log_configured
    if configured_only and not any(stage_formats(api).values()):
        return None
    return AccessLog(api, destination=options.access_log_to, configured_only=configured_only)


def _timed(plan: RoutePlan, metrics: MetricsRecorder | None) -> RoutePlan:
    """The plan with its integration timed for `IntegrationLatency` when the metrics are on."""
    if metrics is None:
        return plan
    timed = TimedIntegration(plan.integration, metrics, plan.entry.route_key)
    return dataclasses.replace(plan, integration=timed)


def _route_of(plan: RoutePlan) -> Mapping[str, Any]:
    return plan.route


def from_environment(
    api: Mapping[str, Any],
    routes: tuple[Mapping[str, Any], ...],
    package_dir: Path,
    validators: Mapping[str, Validator] | None = None,
) -> Gateway:
    """The app of the generated `app.py`: its settings and route table read as records (`plan.py`), the
    options `__main__` wrote for every uvicorn worker process (`options.py`), read once here."""
    options = GatewayOptions.from_environment()
    settings = ApiSettings.from_data(with_overrides(api, stage_variable_overrides()))
    return Gateway(settings, load_routes(routes), package_dir, options, validators)
