"""OpenTelemetry traces of the gateway's requests, continuing the callers' `X-Amzn-Trace-Id`.

Flows in: the API's settings, the served stage and the OTLP endpoint (`--otlp-endpoint`, else
OpenTelemetry's own `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`); per
request, the request and its answer. Flows out: one SERVER span per traced request with the
gateway's steps as children (the authorizer gate, the integration), exported over OTLP/HTTP by
the SDK's batch processor (its own thread: the event loop never waits for an export), and the
trace header the integration receives.

Which requests are traced is API Gateway's X-Ray rule ("Setting up X-Ray with API Gateway",
developer guide): a request that arrives with a trace header is traced even when the stage's
tracing is off ("API Gateway passes the trace through"), unless the caller decided not to sample
it (`Sampled=0`); a request without one is traced only on a stage with `tracingEnabled` (active
tracing), under the trace id the gateway makes for it (`Request.trace_header`). X-Ray's trace id
`1-{8 hex}-{24 hex}` is the OpenTelemetry trace id of 32 hex digits, and its `Parent` the span id
of the caller's span, as the AWS X-Ray propagator maps them. A traced request's integration gets
`Root=…;Parent={integration span};Sampled=1`, as an X-Ray-traced API Gateway names its own
subsegment as the parent of the service it calls (its trace document: the Lambda subsegment under
the stage's segment).

Nothing here runs unless tracing is on: `open_tracing` returns None, the gateway keeps its own
`answer` and the plans get no wrapped steps (`steps.compile_plan`). opentelemetry-sdk and the
OTLP exporter (the `[otel]` extra) are imported only then, by name (`_otel`).
"""

from __future__ import annotations

import importlib
import logging
import os
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from ..pipeline.context import Request
from ..pipeline.deployment import Check, IntegrationStep
from ..pipeline.plan import ApiSettings, RouteEntry
from ..responses.gateway_responses import RESPONSE_TYPES, GatewayError, Response
from ..routing.router import Match

log = logging.getLogger("uvicorn.error.apigwc")

# The check steps that get a child span, by their step type's name (`steps.STEP_TYPES`), and
# the span's name.
SPANNED_CHECKS = {"authorizer and API key": "authorizer"}
_ROOT = re.compile(r"1-([0-9a-f]{8})-([0-9a-f]{24})")
_SPAN_ID = re.compile(r"[0-9a-f]{16}")
OTEL_ENDPOINTS = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")

Answer = Callable[[Request], Response | Awaitable[Response]]


class TracingUnavailable(RuntimeError):
    """Tracing was asked for and the `[otel]` extra is not installed."""


def _otel(name: str) -> Any:
    """An OpenTelemetry module, imported by name where tracing runs: the `[otel]` extra is
    optional (as granian is), so no import statement names it."""
    return importlib.import_module(name)


def tracing_available() -> bool:
    """Whether the `[otel]` extra is installed (looked up, not imported)."""
    from importlib.util import find_spec

    try:
        names = ("opentelemetry.sdk", "opentelemetry.exporter.otlp.proto.http")
        return all(find_spec(name) is not None for name in names)
    except ModuleNotFoundError:  # a parent package is missing
        return False


def parse_trace_header(value: str) -> tuple[int, int | None, bool | None] | None:
    """`Root=1-…;Parent=…;Sampled=1` -> (trace id, parent span id or None, sampled or None when
    undecided); None for a header without a well-formed root (a caller's header is untrusted:
    anything else is not continued)."""
    fields: dict[str, str] = {}
    for part in value.split(";"):
        name, _, text = part.strip().partition("=")
        fields.setdefault(name.strip(), text.strip())
    root = _ROOT.fullmatch(fields.get("Root", ""))
    if root is None or int(root[1] + root[2], 16) == 0:
        return None
    parent_text = fields.get("Parent", "")
    parent = int(parent_text, 16) if _SPAN_ID.fullmatch(parent_text) else None
    sampled = {"1": True, "0": False}.get(fields.get("Sampled", ""))
    return int(root[1] + root[2], 16), parent or None, sampled


def trace_header(trace_id: int, parent: int, sampled: bool) -> str:
    text = f"{trace_id:032x}"
    return f"Root=1-{text[:8]}-{text[8:]};Parent={parent:016x};Sampled={1 if sampled else 0}"


def enabled_endpoint(option: str | None, environ: Mapping[str, str]) -> str | None:
    """Where spans go: the option (a base URL, as `OTEL_EXPORTER_OTLP_ENDPOINT`), else "" when
    OpenTelemetry's own variables name an endpoint (the exporter reads them), else None: off.
    `OTEL_SDK_DISABLED=true` and `OTEL_TRACES_EXPORTER=none` turn it off, as in the SDK."""
    if environ.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return None
    if option:
        return option.rstrip("/") + "/v1/traces"
    if environ.get("OTEL_TRACES_EXPORTER", "otlp").lower() == "none":
        return None
    return "" if any(environ.get(name) for name in OTEL_ENDPOINTS) else None


def open_tracing(api: ApiSettings, stage: str, all_stages: bool, option: str | None) -> Any:
    """A `Tracing` when spans are to be exported, else None (nothing imported). An explicit
    `--otlp-endpoint` without the `[otel]` extra raises; an endpoint that only OpenTelemetry's
    variables name is skipped with one log line, so a shell that exports them for other
    programs never stops the gateway."""
    endpoint = enabled_endpoint(option, os.environ)
    if endpoint is None:
        return None
    try:
        return Tracing(api, stage, all_stages, endpoint)
    except ImportError as error:
        message = f"OpenTelemetry tracing needs the [otel] extra ({error.name} is missing)"
        if option:
            raise TracingUnavailable(message) from error
        log.warning("%s: requests are not traced", message)
        return None


class Tracing:
    """The tracer of one gateway process and the wrappers that make its spans."""

    def __init__(self, api: ApiSettings, stage: str, all_stages: bool, endpoint: str) -> None:
        exporter_module = _otel("opentelemetry.exporter.otlp.proto.http.trace_exporter")
        sdk = _otel("opentelemetry.sdk.trace")
        Resource = _otel("opentelemetry.sdk.resources").Resource
        OTLPSpanExporter = exporter_module.OTLPSpanExporter
        TracerProvider = sdk.TracerProvider
        BatchSpanProcessor = _otel("opentelemetry.sdk.trace.export").BatchSpanProcessor

        self._ids = _RootIds()
        # The service is the API, unless OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES say
        # otherwise; X-Ray names API Gateway's segment `{api name}/{stage}`.
        attributes = {} if os.environ.get("OTEL_SERVICE_NAME") else {"service.name": api.title}
        ids: Any = (
            self._ids
        )  # an IdGenerator by its two methods (the SDK's class is imported lazily)
        provider = TracerProvider(resource=Resource.create(attributes), id_generator=ids)
        exporter = OTLPSpanExporter(endpoint=endpoint) if endpoint else OTLPSpanExporter()
        provider.add_span_processor(BatchSpanProcessor(exporter))
        self.provider = provider
        self.tracer = provider.get_tracer("apigwc")
        self.api = api
        self.stage = stage
        self.all_stages = all_stages
        # Active tracing (X-Ray's `tracingEnabled`) is a REST stage setting.
        self.active = frozenset(n for n, s in api.stages.items() if s.tracing_enabled)
        self._spans: dict[int, Any] = {}  # id(request) -> its server span, while it is answered
        self._api_attributes = {
            "cloud.provider": "aws",
            "cloud.region": api.region,
            "cloud.account.id": api.account,
            "aws.api_gateway.api_id": api.api_id,
        }

    # -- the request's server span -----------------------------------------------------------
    def server(self, answer: Answer) -> Answer:
        """`Gateway.answer`, in a server span when the request is traced."""

        def traced(request: Request) -> Response | Awaitable[Response]:
            try:
                span = self._start_server_span(request)
            except Exception:  # a tracing fault never costs the caller an answer
                log.exception("tracing: the request's span could not start")
                span = None
            if span is None:
                return answer(request)
            self._spans[id(request)] = span
            try:
                result = answer(request)
            except BaseException:
                self._end_server_span(request, span, None)
                raise
            if isinstance(result, Response):
                self._end_server_span(request, span, result)
                return result
            return self._server_later(request, span, result)

        return traced

    async def _server_later(
        self, request: Request, span: Any, pending: Awaitable[Response]
    ) -> Response:
        response = None
        try:
            response = await pending
            return response
        finally:
            self._end_server_span(request, span, response)

    def _start_server_span(self, request: Request) -> Any:
        SpanKind = _otel("opentelemetry.trace").SpanKind

        stage = self._stage_of(request)
        header = request.header("x-amzn-trace-id")
        caller = parse_trace_header(header) if header else None
        if caller is None and stage not in self.active:
            return None  # passive tracing: only a caller's trace is continued
        if caller is None:
            # Active tracing without a usable caller header: the gateway's own trace id (the one
            # its answer and integrations carry), or a new one when the caller's is malformed.
            made = None if header else parse_trace_header(request.trace_header())
            caller = made or (self._ids.generate_trace_id(), None, None)
        trace_id, parent, sampled = caller
        if sampled is False:
            return None  # the caller decided: not sampled, not recorded
        context = self._context(trace_id, parent)
        self._ids.next_trace_id = trace_id
        try:
            span = self.tracer.start_span(
                f"{request.method}",
                context=context,
                kind=SpanKind.SERVER,
                attributes=self._request_attributes(request, stage),
                start_time=int(request.epoch * 1e9),
            )
        finally:
            self._ids.next_trace_id = None
        return span

    @staticmethod
    def _context(trace_id: int, parent: int | None) -> Any:
        """The caller's span as the remote parent; none when the header named no `Parent`."""
        if parent is None:
            return None
        trace = _otel("opentelemetry.trace")
        remote = trace.SpanContext(
            trace_id, parent, is_remote=True, trace_flags=trace.TraceFlags(trace.TraceFlags.SAMPLED)
        )
        return trace.set_span_in_context(trace.NonRecordingSpan(remote))

    def _stage_of(self, request: Request) -> str:
        if not self.all_stages:
            return self.stage
        return request.raw_path.lstrip("/").split("/", 1)[0]

    def _request_attributes(self, request: Request, stage: str) -> dict[str, Any]:
        """HTTP semantic conventions, and API Gateway's names of the request (X-Ray records
        `api_gateway.{rest_api_id, stage, request_id}` on its segment)."""
        attributes: dict[str, Any] = {
            "http.request.method": request.method,
            "url.path": request.raw_path,
            "url.scheme": request.scheme,
            "client.address": request.source_ip,
            "server.port": request.server_port,
            "network.protocol.name": "http",
            "aws.api_gateway.stage": stage,
            "aws.api_gateway.request_id": request.request_id,
            "aws.api_gateway.extended_request_id": request.extended_request_id,
            **self._api_attributes,
        }
        agent = request.header("user-agent")
        if agent is not None:
            attributes["user_agent.original"] = agent
        return attributes

    def _end_server_span(self, request: Request, span: Any, response: Response | None) -> None:
        trace = _otel("opentelemetry.trace")
        Status, StatusCode = trace.Status, trace.StatusCode
        self._spans.pop(id(request), None)
        route = request.route
        if route is not None:
            # `http.route` is the matched template: API Gateway's resource path.
            resource = str(route.get("resourcePath") or "")
            span.set_attribute("http.route", resource)
            span.set_attribute("aws.api_gateway.resource_path", resource)
            span.set_attribute("aws.api_gateway.route_key", str(route.get("routeKey") or ""))
            span.update_name(f"{request.method} {resource}")
        if response is None:
            span.set_status(Status(StatusCode.ERROR, "no answer"))
        else:
            span.set_attribute("http.response.status_code", response.status)
            if response.status >= 500:  # a server span's error: 5xx only (HTTP conventions)
                span.set_attribute("error.type", str(response.status))
                span.set_status(Status(StatusCode.ERROR))
        span.end()

    # -- child spans of the plan's steps ---------------------------------------------------
    def check(self, step_name: str, check: Check) -> Check:
        """A check step, in a child span when its type is one of `SPANNED_CHECKS`."""
        name = SPANNED_CHECKS.get(step_name)
        if name is None:
            return check

        def traced(request: Request, match: Match[Any], stage: str) -> Awaitable[None] | None:
            span = self._child(request, name, internal=True)
            if span is None:
                return check(request, match, stage)
            try:
                pending = check(request, match, stage)
            except BaseException as error:
                _end(span, error)
                raise
            if pending is None:
                _end(span, None)
                return None
            return _end_later(span, pending)

        return traced

    def integration(self, step: IntegrationStep, entry: RouteEntry) -> IntegrationStep:
        return _TracedIntegration(self, step, _integration_attributes(entry))

    def _child(self, request: Request, name: str, internal: bool) -> Any:
        parent = self._spans.get(id(request))
        if parent is None:
            return None
        trace = _otel("opentelemetry.trace")
        kind = trace.SpanKind.INTERNAL if internal else trace.SpanKind.CLIENT
        return self.tracer.start_span(name, context=trace.set_span_in_context(parent), kind=kind)


class _TracedIntegration:
    """The integration step in a CLIENT span, handing the integration the span as its parent."""

    __slots__ = ("attributes", "reads_context", "step", "tracing")

    def __init__(self, tracing: Tracing, step: IntegrationStep, attributes: dict[str, Any]) -> None:
        self.tracing = tracing
        self.step = step
        self.reads_context = step.reads_context
        self.attributes = attributes

    def integrate(
        self, request: Request, match: Match[Any], context: Mapping[str, Any]
    ) -> Response | Awaitable[Response]:
        span = self.tracing._child(request, "integration", internal=False)
        if span is None:
            return self.step.integrate(request, match, context)
        span.set_attributes(self.attributes)
        span_context = span.get_span_context()
        request.continue_trace(
            trace_header(
                span_context.trace_id, span_context.span_id, span_context.trace_flags.sampled
            )
        )
        try:
            result = self.step.integrate(request, match, context)
        except BaseException as error:
            _end(span, error)
            raise
        if isinstance(result, Response):
            _end(span, None, result)
            return result
        return _integrated_later(span, result)


async def _integrated_later(span: Any, pending: Awaitable[Response]) -> Response:
    try:
        response = await pending
    except BaseException as error:
        _end(span, error)
        raise
    _end(span, None, response)
    return response


async def _end_later(span: Any, pending: Awaitable[None]) -> None:
    try:
        await pending
    except BaseException as error:
        _end(span, error)
        raise
    _end(span, None)


def _end(span: Any, error: BaseException | None, response: Response | None = None) -> None:
    """A step's span ends: a `GatewayError` is the step's answer (its gateway response type);
    a 5xx one, or any other exception, marks the span failed."""
    trace = _otel("opentelemetry.trace")
    Status, StatusCode = trace.Status, trace.StatusCode
    if response is not None:
        span.set_attribute("http.response.status_code", response.status)
    if isinstance(error, GatewayError):
        span.set_attribute("aws.api_gateway.response_type", error.response_type)
        status = error.status or RESPONSE_TYPES.get(error.response_type, (500,))[0]
        if status >= 500:
            span.set_attribute("error.type", error.response_type)
            span.set_status(Status(StatusCode.ERROR))
    elif error is not None:
        span.set_attribute("error.type", type(error).__name__)
        span.set_status(Status(StatusCode.ERROR))
    span.end()


def _integration_attributes(entry: RouteEntry) -> dict[str, Any]:
    """What a route's integration span says about its target, fixed at start-up: the type, a
    Lambda function's name (FaaS conventions), an HTTP upstream's host (never the URI, whose
    query string may carry a key)."""
    integration = entry.integration
    attributes: dict[str, Any] = {"aws.api_gateway.integration.type": str(integration.get("type"))}
    function = integration.get("function")
    if isinstance(function, str) and function:
        attributes |= {"faas.invoked_name": function, "faas.invoked_provider": "aws"}
    uri = integration.get("uri")
    if isinstance(uri, str) and uri.startswith(("http://", "https://")) and "{" not in uri:
        host = urlsplit(uri).hostname
        if host:
            attributes["server.address"] = host
    method = integration.get("httpMethod")
    if isinstance(method, str) and method:
        attributes["http.request.method"] = method.upper()
    return attributes


class _RootIds:
    """The SDK's random ids, except the trace id of a root span the gateway continues: the one
    the caller's header (or the gateway's own `X-Amzn-Trace-Id`) names. Set just before the
    span starts and cleared after, on the event loop's one thread."""

    def __init__(self) -> None:
        self._random = _otel("opentelemetry.sdk.trace.id_generator").RandomIdGenerator()
        self.next_trace_id: int | None = None

    def generate_span_id(self) -> int:
        return int(self._random.generate_span_id())

    def is_trace_id_random(self) -> bool:
        """W3C's random flag: a continued id is the caller's, not drawn here."""
        return self.next_trace_id is None

    def generate_trace_id(self) -> int:
        if self.next_trace_id is not None:
            return self.next_trace_id
        return int(self._random.generate_trace_id())
