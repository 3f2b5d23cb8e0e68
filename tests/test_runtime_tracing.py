"""End to end: OpenTelemetry traces of the gateway's requests (`_runtime/observability/tracing.py`).

The generated gateway runs under uvicorn with `--otlp-endpoint` pointing at a real OTLP/HTTP
receiver started here on 127.0.0.1, which decodes each export with opentelemetry-proto (the
`ExportTraceServiceRequest` protobuf the SDK's exporter sends) and keeps the spans. The rows
assert the traces API Gateway's X-Ray rules give (developer guide, "Setting up X-Ray with API
Gateway"): a caller's `X-Amzn-Trace-Id` is continued on any stage, a request without one is
traced only on a stage with tracing enabled, `Sampled=0` is not recorded; each traced request
is one SERVER span with the authorizer and the integration as its children, and the
integration receives the trace header naming its span as the parent.
"""

from __future__ import annotations

import gzip
import http.server
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.runtime_server import Gateway, serve_spec, upstream, write_spec

CALLER_ROOT = "1-5759e988-bd862e3fe1be46a994272793"
CALLER_TRACE = "5759e988bd862e3fe1be46a994272793"
CALLER_PARENT = "53995c3f42cd8ad8"
SERVER, CLIENT, INTERNAL = 2, 3, 1  # opentelemetry.proto.trace.v1.Span.SpanKind


class _Receiver(http.server.BaseHTTPRequestHandler):
    """OTLP/HTTP (protobuf) on `/v1/traces`: each span of each export, decoded, into `spans`."""

    spans: list[dict[str, Any]] = []
    paths: list[str] = []

    def do_POST(self) -> None:
        from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        export = trace_service_pb2.ExportTraceServiceRequest.FromString(body)
        type(self).paths.append(self.path)
        for resource_spans in export.resource_spans:
            resource = _attributes(resource_spans.resource.attributes)
            for scope in resource_spans.scope_spans:
                for span in scope.spans:
                    type(self).spans.append(_span(span, resource))
        answer = trace_service_pb2.ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def _attributes(values: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in values:
        kind = item.value.WhichOneof("value")
        out[item.key] = getattr(item.value, kind) if kind else None
    return out


def _span(span: Any, resource: dict[str, Any]) -> dict[str, Any]:
    return {
        "trace": span.trace_id.hex(),
        "id": span.span_id.hex(),
        "parent": span.parent_span_id.hex(),
        "name": span.name,
        "kind": span.kind,
        "status": span.status.code,
        "attributes": _attributes(span.attributes),
        "resource": resource,
    }


@contextmanager
def receiver() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory, monkeypatch_module: Any) -> Iterator[Gateway]:
    tmp = tmp_path_factory.mktemp("tracing")
    with receiver() as otlp, upstream() as up:
        spec = write_spec(
            tmp,
            "tracing.yaml",
            {"AUTH_LOG": str(tmp / "auth.log"), "UPSTREAM": f"http://127.0.0.1:{up}/base/up"},
        )
        # The batch processor's delay (OpenTelemetry's variable), short so rows wait little.
        monkeypatch_module.setenv("OTEL_BSP_SCHEDULE_DELAY", "50")
        endpoint = f"http://127.0.0.1:{otlp}"
        with serve_spec(spec, tmp / "out", "--all-stages", "--otlp-endpoint", endpoint) as gateway:
            yield gateway


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def spans_of(request_id: str, count: int, timeout: float = 10) -> list[dict[str, Any]]:
    """The spans of one request (its server span names its request id, the others share its
    trace), once `count` of them have arrived."""
    deadline = time.monotonic() + timeout
    while True:
        servers = [
            s
            for s in _Receiver.spans
            if s["attributes"].get("aws.api_gateway.request_id") == request_id
        ]
        traces = {s["trace"] for s in servers}
        found = [s for s in _Receiver.spans if s["trace"] in traces]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def by_name(spans: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in spans}


def test_a_callers_trace_continues_with_the_steps_as_children(gw: Gateway) -> None:
    """Stage `dev` has no X-Ray tracing: the caller's trace is passed through and recorded."""
    header = f"Root={CALLER_ROOT};Parent={CALLER_PARENT};Sampled=1"
    reply = gw.fetch("GET", "/dev/pets/7", {"Authorization": "allow:1", "X-Amzn-Trace-Id": header})
    assert reply.status == 200, reply.body
    request_id = reply.header("x-amzn-RequestId")
    assert request_id is not None
    spans = by_name(spans_of(request_id, 3))
    assert set(spans) == {"GET /pets/{id}", "authorizer", "integration"}
    server = spans["GET /pets/{id}"]
    assert (server["trace"], server["parent"], server["kind"]) == (
        CALLER_TRACE,
        CALLER_PARENT,
        SERVER,
    )
    expected = {
        "http.request.method": "GET",
        "http.route": "/pets/{id}",
        "url.path": "/dev/pets/7",
        "http.response.status_code": 200,
        "aws.api_gateway.stage": "dev",
        "aws.api_gateway.resource_path": "/pets/{id}",
        "aws.api_gateway.request_id": request_id,
    }
    assert {k: server["attributes"].get(k) for k in expected} == expected
    assert server["resource"]["service.name"] == "TracedPets"
    for child in ("authorizer", "integration"):
        assert spans[child]["parent"] == server["id"] and spans[child]["trace"] == CALLER_TRACE
    assert spans["authorizer"]["kind"] == INTERNAL and spans["integration"]["kind"] == CLIENT
    assert spans["integration"]["attributes"]["faas.invoked_name"] == "Echo"
    # The function's event carries the trace with the integration's span as the parent.
    event = json.loads(reply.body)["event"]
    sent = f"Root={CALLER_ROOT};Parent={spans['integration']['id']};Sampled=1"
    assert event["headers"]["X-Amzn-Trace-Id"] == sent


def test_active_tracing_traces_under_the_gateways_own_trace_id(gw: Gateway) -> None:
    reply = gw.fetch("GET", "/traced/mock")
    assert reply.status == 200
    spans = by_name(spans_of(str(reply.header("x-amzn-RequestId")), 2))
    assert set(spans) == {"GET /mock", "integration"}  # no authorizer on this route
    server = spans["GET /mock"]
    assert server["parent"] == "" and spans["integration"]["parent"] == server["id"]
    assert spans["integration"]["attributes"]["aws.api_gateway.integration.type"] == "MOCK"
    assert server["attributes"]["aws.api_gateway.stage"] == "traced"
    # The answer's X-Amzn-Trace-Id would name it; a MOCK answer carries none (reference §0.1),
    # so the HTTP proxy row below checks the header against the span.


def test_the_http_backend_gets_the_integration_span_as_parent(gw: Gateway) -> None:
    reply = gw.fetch("GET", "/traced/upstream")
    assert reply.status == 200, reply.body
    spans = by_name(spans_of(str(reply.header("x-amzn-RequestId")), 2))
    integration = spans["integration"]
    assert integration["parent"] == spans["GET /upstream"]["id"]
    assert integration["attributes"]["server.address"] == "127.0.0.1"
    received = dict((k.lower(), v) for k, v in json.loads(reply.body)["headers"])
    trace = integration["trace"]
    root = f"1-{trace[:8]}-{trace[8:]}"
    assert received["x-amzn-trace-id"] == f"Root={root};Parent={integration['id']};Sampled=1"


NOT_TRACED = [
    ("no header, stage without tracing", "/dev/mock", {}),
    (
        "the caller chose not to sample",
        "/traced/mock",
        {"X-Amzn-Trace-Id": f"Root={CALLER_ROOT};Sampled=0"},
    ),
]


@pytest.mark.parametrize(
    ("path", "headers"), [r[1:] for r in NOT_TRACED], ids=[r[0] for r in NOT_TRACED]
)
def test_requests_that_are_not_traced(gw: Gateway, path: str, headers: dict[str, str]) -> None:
    reply = gw.fetch("GET", path, headers)
    assert reply.status == 200
    untraced = str(reply.header("x-amzn-RequestId"))
    # A traced request sent after it: once its spans are in, the earlier request's would be too.
    marker = gw.fetch("GET", "/traced/mock")
    assert spans_of(str(marker.header("x-amzn-RequestId")), 1)
    assert spans_of(untraced, 1, timeout=0) == []


def test_a_malformed_caller_header_starts_a_new_trace(gw: Gateway) -> None:
    header = "Root=1-zzzz;Parent=not-hex;Sampled=1"
    reply = gw.fetch("GET", "/traced/upstream", {"X-Amzn-Trace-Id": header})
    spans = by_name(spans_of(str(reply.header("x-amzn-RequestId")), 2))
    server = spans["GET /upstream"]
    assert server["parent"] == "" and len(server["trace"]) == 32
    received = dict((k.lower(), v) for k, v in json.loads(reply.body)["headers"])
    assert received["x-amzn-trace-id"].startswith(f"Root=1-{server['trace'][:8]}-")


def test_exports_go_to_the_otlp_traces_path(gw: Gateway) -> None:
    gw.fetch("GET", "/traced/mock")
    assert spans_of(str(gw.fetch("GET", "/traced/mock").header("x-amzn-RequestId")), 1)
    assert set(_Receiver.paths) == {"/v1/traces"}


def test_tracing_off_builds_no_traced_steps(tmp_path: Path) -> None:
    """Without an endpoint nothing of OpenTelemetry is imported and `answer` is the gateway's
    own (the request path pays nothing)."""
    import subprocess
    import sys

    from tests.runtime_server import build_spec

    spec = write_spec(
        tmp_path, "tracing.yaml", {"AUTH_LOG": "/dev/null", "UPSTREAM": "http://127.0.0.1:9999/"}
    )
    package = build_spec(spec, tmp_path / "out")
    probe = (
        "import sys\n"
        f"from {package}.app import app\n"
        "assert app.answer.__func__ is type(app).answer, app.answer\n"
        "assert not any(m.startswith('opentelemetry') for m in sys.modules)\n"
    )
    env = {"PYTHONPATH": str(tmp_path / "out" / "runtime"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# -- the parts, as tables ------------------------------------------------------------------------
HEADERS = [
    ("root, parent, sampled", f"Root={CALLER_ROOT};Parent={CALLER_PARENT};Sampled=1", True),
    ("spaces and order", f" Sampled=0 ; Root={CALLER_ROOT}", True),
    ("root only", f"Root={CALLER_ROOT}", True),
    ("lineage kept out", f"Root={CALLER_ROOT};Lineage=a87bd80c:1|68fd508a:5", True),
    ("no root", f"Parent={CALLER_PARENT};Sampled=1", False),
    ("short root", "Root=1-5759e988-bd86", False),
    ("upper-case hex", "Root=1-5759E988-BD862E3FE1BE46A994272793", False),
    ("version 2", "Root=2-5759e988-bd862e3fe1be46a994272793", False),
    ("zero trace id", "Root=1-00000000-000000000000000000000000", False),
    ("code-like", "Root=1-5759e988-bd862e3fe1be46a99427279'; DROP", False),
    ("empty", "", False),
]


@pytest.mark.parametrize(
    ("header", "continued"), [r[1:] for r in HEADERS], ids=[r[0] for r in HEADERS]
)
def test_parse_trace_header(header: str, continued: bool) -> None:
    from apigwc.runtime.observability.tracing import parse_trace_header

    parsed = parse_trace_header(header)
    assert (parsed is not None) is continued
    if parsed is not None:
        assert f"{parsed[0]:032x}" == CALLER_TRACE


def test_parse_trace_header_fields() -> None:
    from apigwc.runtime.observability.tracing import parse_trace_header, trace_header

    header = f"Root={CALLER_ROOT};Parent={CALLER_PARENT};Sampled=0"
    assert parse_trace_header(header) == (int(CALLER_TRACE, 16), int(CALLER_PARENT, 16), False)
    assert parse_trace_header(f"Root={CALLER_ROOT};Parent=xyz;Sampled=?") == (
        int(CALLER_TRACE, 16),
        None,
        None,
    )
    assert trace_header(int(CALLER_TRACE, 16), int(CALLER_PARENT, 16), True) == (
        f"Root={CALLER_ROOT};Parent={CALLER_PARENT};Sampled=1"
    )


ENDPOINTS = [
    ("off", None, {}, None),
    ("the option, a base URL", "http://c:4318/", {}, "http://c:4318/v1/traces"),
    ("OpenTelemetry's variable", None, {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, ""),
    ("the traces variable", None, {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c/t"}, ""),
    (
        "exporter none",
        None,
        {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c", "OTEL_TRACES_EXPORTER": "none"},
        None,
    ),
    ("SDK disabled", "http://c", {"OTEL_SDK_DISABLED": "true"}, None),
]


@pytest.mark.parametrize(
    ("option", "environ", "expected"), [r[1:] for r in ENDPOINTS], ids=[r[0] for r in ENDPOINTS]
)
def test_enabled_endpoint(
    option: str | None, environ: dict[str, str], expected: str | None
) -> None:
    from apigwc.runtime.observability.tracing import enabled_endpoint

    assert enabled_endpoint(option, environ) == expected


def test_otlp_endpoint_without_the_extra_is_refused(tmp_path: Path) -> None:
    """`python -m <pkg> --otlp-endpoint` where the `[otel]` extra is not installed: a one-line
    usage error, not a traceback. An `opentelemetry` package without the SDK, first on the path,
    stands for an environment without the extra."""
    import subprocess
    import sys

    from tests.runtime_server import build_spec

    spec = write_spec(
        tmp_path, "tracing.yaml", {"AUTH_LOG": "/dev/null", "UPSTREAM": "http://127.0.0.1:9999/"}
    )
    package = build_spec(spec, tmp_path / "out")
    (tmp_path / "shadow" / "opentelemetry").mkdir(parents=True)
    (tmp_path / "shadow" / "opentelemetry" / "__init__.py").write_text("")
    path = f"{tmp_path / 'shadow'}:{tmp_path / 'out' / 'runtime'}"
    command = [sys.executable, "-m", package, "--otlp-endpoint", "http://127.0.0.1:4318"]
    done = subprocess.run(command, env={"PYTHONPATH": path}, capture_output=True, text=True)
    assert done.returncode == 2
    assert "--otlp-endpoint needs the [otel] extra" in done.stderr
    assert "Traceback" not in done.stderr
