"""Hostile requests and faulty backends against the generated runtime (issue 9, issue 10 §8,
§10, §19): each answer is API Gateway's, nothing is dropped or frozen, and the server keeps
serving after every row.

One server per module, built from `runtime_specs/hardening.yaml`, run as `python -m <pkg>` under
uvicorn on 127.0.0.1 with its log in a file (the 5xx log lines are read from it), beside a real
backend (`_Backend`) that misbehaves on demand. Raw sockets send what http.client refuses to
(byte-exact request heads, duplicate headers, chunked bodies, slow clients, pipelining).
"""

from __future__ import annotations

import contextlib
import gzip
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.runtime_server import (
    Reply,
    build_spec,
    fetch,
    free_port,
    upstream,
    wait_for_port,
    write_spec,
)

MISSING_TOKEN = b'{"message":"Missing Authentication Token"}'
TOO_LARGE = b'{"message":"HTTP content length exceeded 10485760 bytes"}'
INTERNAL = b'{"message": "Internal server error"}'
LIMIT = 10 * 1024 * 1024


class _Backend(http.server.BaseHTTPRequestHandler):
    """/hello answers with a mixed-case header; /big a body over 10 MB (with Content-Length),
    /big-chunked one without; /status600 a status HTTP has no class for; /headers the request's
    headers as JSON."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._answer()

    def _answer(self) -> None:
        if self.path == "/big":
            self._raw(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (LIMIT + 1))
            self._stream(LIMIT + 1, chunked=False)
        elif self.path == "/big-chunked":
            self._raw(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            self._stream(LIMIT + 64 * 1024, chunked=True)
            self._raw(b"0\r\n\r\n")
        elif self.path == "/headers":
            body = json.dumps({"headers": dict(self.headers.items())}).encode()
            self._raw(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        elif self.path == "/status600":
            self._raw(b"HTTP/1.1 600 Beyond\r\nContent-Length: 2\r\n\r\nno")
        else:
            self._raw(
                b"HTTP/1.1 200 OK\r\nX-Backend-Header: Yes\r\nContent-Type: text/plain\r\n"
                b"Content-Length: 5\r\n\r\nhello"
            )

    def _raw(self, data: bytes) -> None:
        self.wfile.write(data)

    def _stream(self, size: int, chunked: bool) -> None:
        block = b"x" * (256 * 1024)
        sent = 0
        while sent < size:
            part = block[: min(len(block), size - sent)]
            self._raw(b"%x\r\n%s\r\n" % (len(part), part) if chunked else part)
            sent += len(part)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def fetch(self, method: str, path: str, headers: dict[str, str] | None = None) -> Reply:
        return fetch(self.port, method, path, headers)

    def raw(self, data: bytes, *, timeout: float = 20) -> bytes:
        """Send `data` on a new connection and read until the server closes it or a whole
        response (by Content-Length) has come."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as sock:
            sock.sendall(data)
            return _read_response(sock)

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def assert_serving(self) -> None:
        reply = self.fetch("GET", "/ok")
        assert (reply.status, reply.body) == (200, b'{"ok":true}')


def _read_response(sock: socket.socket) -> bytes:
    data = b""
    for _ in range(100_000):  # bounded: a response is read in far fewer steps
        head_end = data.find(b"\r\n\r\n")
        if head_end >= 0:
            head = data[:head_end].decode("latin-1").lower()
            length = next(
                (
                    int(line.split(":", 1)[1])
                    for line in head.split("\r\n")
                    if line.startswith("content-length:")
                ),
                None,
            )
            if length is not None and len(data) >= head_end + 4 + length:
                return data
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    raise AssertionError("response never ended")


def _status(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def _body(response: bytes) -> bytes:
    return response.split(b"\r\n\r\n", 1)[1]


def _backend() -> contextlib.AbstractContextManager[int]:
    return upstream(_Backend)


@contextlib.contextmanager
def _serve(runtime: Path, package: str, log: Path, *args: str) -> Iterator[Server]:
    port = free_port()
    environ = dict(os.environ, PYTHONPATH=str(runtime))
    command = [sys.executable, "-m", package, "--port", str(port), "--no-access-log", *args]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, env=environ, stdout=sink, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, process)
        yield Server(port, process, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # a frozen server must not outlive the test
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    tmp = tmp_path_factory.mktemp("hardening")
    with _backend() as backend:
        spec = write_spec(
            tmp, "hardening.yaml", {"BACKEND": str(backend), "CLOSED_PORT": str(free_port())}
        )
        package = build_spec(spec, tmp / "out")
        yield tmp / "out" / "runtime", package


@pytest.fixture(scope="module")
def gw(built: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("log") / "server.log"
    with _serve(*built, log) as server:
        yield server


# ---- 1. the caller's address is the TCP peer's ------------------------------------------------


def test_a_client_x_forwarded_for_is_not_believed(gw: Server) -> None:
    spoofed = {"X-Forwarded-For": "203.0.113.7"}
    guarded = gw.fetch("GET", "/guarded", spoofed)
    assert guarded.status == 403  # the policy's Deny holds: the caller is 127.0.0.1
    assert guarded.header("x-amzn-ErrorType") == "AccessDeniedException"
    event = json.loads(gw.fetch("GET", "/echo", spoofed).body)["event"]
    assert event["requestContext"]["identity"]["sourceIp"] == "127.0.0.1"
    # API Gateway adds the peer to what the client sent; it never takes the client's word.
    assert event["multiValueHeaders"]["X-Forwarded-For"] == ["203.0.113.7, 127.0.0.1"]
    assert event["headers"]["X-Forwarded-For"] == "203.0.113.7, 127.0.0.1"
    backend = json.loads(gw.fetch("GET", "/backend/headers", spoofed).body)
    assert backend["headers"]["X-Forwarded-For"] == "203.0.113.7, 127.0.0.1"


def test_trusted_proxies_are_believed_when_named(built: tuple[Path, str], tmp_path: Path) -> None:
    with _serve(*built, tmp_path / "log", "--trusted-proxies", "127.0.0.1") as server:
        spoofed = {"X-Forwarded-For": "203.0.113.7"}
        assert server.fetch("GET", "/guarded", spoofed).status == 200
        event = json.loads(server.fetch("GET", "/echo", spoofed).body)["event"]
        assert event["requestContext"]["identity"]["sourceIp"] == "203.0.113.7"
        assert event["headers"]["X-Forwarded-For"] == "203.0.113.7"  # the proxy's chain, as is


def test_serve_and_the_package_take_the_trusted_proxies_option() -> None:
    from apigwc.cli import main
    from apigwc.serve import ServeOptions
    from click.testing import CliRunner

    assert "--trusted-proxies" in CliRunner().invoke(main, ["serve", "--help"]).output
    assert ServeOptions().trusted_proxies == ""  # none trusted by default


# ---- 2. compressed bodies are inflated only up to the payload limit --------------------------


def _bomb(megabytes: int) -> bytes:
    """`megabytes` MiB of zero bytes as a gzip body of that many members (about 1 KB each)."""
    return gzip.compress(bytes(1024 * 1024)) * megabytes


def test_a_decompression_bomb_is_refused_at_the_limit(gw: Server) -> None:
    bomb = _bomb(200)
    before = gw.rss_kib()
    head = (
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(bomb)
    )
    response = gw.raw(head + bomb)
    assert (_status(response), _body(response)) == (413, TOO_LARGE)
    # Inflated in bounded steps: far less than the 200 MB it would grow to.
    assert gw.rss_kib() - before < 64 * 1024
    gw.assert_serving()


def test_a_compressed_body_under_the_limit_is_inflated(gw: Server) -> None:
    body = json.dumps({"pets": ["a"] * 1000}).encode()
    for coding, data in (("gzip", gzip.compress(body)), ("deflate", zlib.compress(body))):
        reply = fetch(
            gw.port,
            "POST",
            "/echo",
            {"Content-Encoding": coding, "Content-Type": "application/json"},
            data,
        )
        assert reply.status == 200, coding
        assert json.loads(reply.body)["event"]["body"] == body.decode()


# ---- 3. the body limit comes before the body -------------------------------------------------


def test_a_declared_length_over_the_limit_gets_413_without_100_continue(gw: Server) -> None:
    response = gw.raw(
        b"POST /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 20000000\r\n"
        b"Expect: 100-continue\r\n\r\n"
    )
    assert response.startswith(b"HTTP/1.1 413 ")  # not "100 Continue"
    assert _body(response) == TOO_LARGE
    gw.assert_serving()


def test_a_chunked_body_is_refused_once_it_passes_the_limit(gw: Server) -> None:
    """The client sends 10 MB and a bit, then waits: the answer comes without the rest."""
    chunk = b"x" * (1024 * 1024)
    with socket.create_connection(("127.0.0.1", gw.port), timeout=20) as sock:
        sock.sendall(b"POST /ok HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        for _ in range(11):
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        response = _read_response(sock)
    assert (_status(response), _body(response)) == (413, TOO_LARGE)
    gw.assert_serving()


# ---- 4. backend faults end in gateway responses ----------------------------------------------


@pytest.mark.parametrize("path", ["/backend/big", "/backend/big-chunked", "/backend/status600"])
def test_a_backend_answer_api_gateway_cannot_pass_on_is_an_integration_failure(
    gw: Server, path: str
) -> None:
    reply = gw.fetch("GET", path)
    assert (reply.status, reply.body) == (502, INTERNAL)
    assert reply.header("x-amzn-ErrorType") == "InternalServerErrorException"
    gw.assert_serving()


# ---- 5. a WebSocket upgrade is an ordinary request -------------------------------------------

UPGRADE = {
    "Connection": "Upgrade",
    "Upgrade": "websocket",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version": "13",
}


def test_a_websocket_upgrade_goes_through_routing(gw: Server) -> None:
    ok = gw.fetch("GET", "/ok", UPGRADE)
    assert (ok.status, ok.body) == (200, b'{"ok":true}')
    unknown = gw.fetch("GET", "/socket", UPGRADE)
    assert (unknown.status, unknown.body) == (403, MISSING_TOKEN)
    gw.assert_serving()


# ---- 6. response header names as the integration gave them -----------------------------------


def test_response_header_names_keep_their_casing(gw: Server) -> None:
    lambda_names = [name for name, _ in gw.fetch("GET", "/shaped?shape=error-type").headers]
    assert "X-Amzn-ErrorType" in lambda_names
    backend_names = [name for name, _ in gw.fetch("GET", "/backend/hello").headers]
    assert "X-Backend-Header" in backend_names
    assert "Content-Length" in backend_names
    assert "x-amzn-RequestId" in backend_names


# ---- 7. every gateway-made 5xx logs one line, without secrets --------------------------------


def test_a_gateway_made_5xx_logs_route_integration_and_reason(gw: Server) -> None:
    secrets = {"Authorization": "Bearer TOKEN-SECRET", "x-api-key": "KEY-SECRET"}
    malformed = gw.fetch("GET", "/shaped?shape=bad-status&q=QUERY-SECRET", secrets)
    assert malformed.status == 502
    unreachable = gw.fetch("GET", "/unreachable?q=QUERY-SECRET", secrets)
    assert unreachable.status == 504
    too_big = gw.fetch("GET", "/backend/big", secrets)
    assert too_big.status == 502
    crashed = gw.fetch("GET", "/shaped?shape=crash", secrets)
    assert crashed.status == 502
    late = gw.fetch("GET", "/slow?seconds=1", secrets)
    assert late.status == 504
    replies = (malformed, unreachable, too_big, crashed, late)
    ids = [reply.header("x-amzn-RequestId") for reply in replies]
    text = ""
    for _ in range(100):  # the log is written by another process: wait (bounded) for it
        text = gw.log_text()
        if all(request_id in text for request_id in ids):
            break
        time.sleep(0.05)
    lines = {i: [line for line in text.splitlines() if i and i in line] for i in ids}
    assert all(len(found) == 1 for found in lines.values()), lines
    malformed_line, unreachable_line, big_line, crashed_line, late_line = (lines[i][0] for i in ids)
    assert "502 INTEGRATION_FAILURE" in malformed_line
    assert "route GET /shaped" in malformed_line and "AWS_PROXY" in malformed_line
    assert "504 INTEGRATION_FAILURE" in unreachable_line
    assert "route GET /unreachable" in unreachable_line and "HTTP_PROXY" in unreachable_line
    assert "Connect" in unreachable_line  # the connection error the producer met
    assert "exceeds 10485760 bytes" in big_line
    assert (
        "Shaped: Lambda execution failed due to customer function error: RuntimeError"
        in crashed_line
    )
    assert "boom" not in crashed_line  # the handler's message is its own text
    assert "504 INTEGRATION_TIMEOUT" in late_line
    assert "Slow: Execution failed due to a timeout error (300 ms)" in late_line
    for secret in ("TOKEN-SECRET", "KEY-SECRET", "QUERY-SECRET", "SPEC-SECRET"):
        assert secret not in text
    # No server traceback (a crashing handler's own traceback is its function log, as Lambda
    # writes it).
    assert "Exception in ASGI application" not in text


# ---- 8. hostile requests: API Gateway's answers, and the server keeps serving ---------------

_MANY_PARAMS = "&".join(f"p{i}=v" for i in range(10_000))

# (id, raw request, expected status, expected body or None when any)
HOSTILE: list[tuple[str, bytes, int, bytes | None]] = [
    (
        "header values over 10240 bytes",
        b"GET /ok HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 10_300 + b"\r\n\r\n",
        431,
        b'{"message":"Request Header Fields Too Large"}',
    ),
    (
        "many headers over 10240 bytes together",
        b"GET /ok HTTP/1.1\r\nHost: x\r\n"
        + b"".join(b"X-H%d: %s\r\n" % (i, b"b" * 100) for i in range(120))
        + b"\r\n",
        431,
        b'{"message":"Request Header Fields Too Large"}',
    ),
    (
        "a head over what the server buffers",
        b"GET /ok HTTP/1.1\r\nHost: x\r\nX-Huge: " + b"c" * 300_000 + b"\r\n\r\n",
        431,
        b'{"message":"Request Header Fields Too Large"}',
    ),
    (
        "10,000 query parameters (URL over 10240 characters)",
        f"GET /ok?{_MANY_PARAMS} HTTP/1.1\r\nHost: x\r\n\r\n".encode(),
        414,
        b'{"message":"Request URI too long"}',
    ),
    ("invalid UTF-8 in the path", b"GET /ok%ff%fe HTTP/1.1\r\nHost: x\r\n\r\n", 403, MISSING_TOKEN),
    ("invalid UTF-8 in the query", b"GET /ok?q=%ff%fe HTTP/1.1\r\nHost: x\r\n\r\n", 200, None),
    ("%00 in the path", b"GET /ok%00 HTTP/1.1\r\nHost: x\r\n\r\n", 403, MISSING_TOKEN),
    ("%00 in the query", b"GET /echo?q=%00 HTTP/1.1\r\nHost: x\r\n\r\n", 200, None),
    (
        "traversal path",
        b"GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
        403,
        MISSING_TOKEN,
    ),
    (
        "encoded traversal path",
        b"GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
        403,
        MISSING_TOKEN,
    ),
    # The HTTP parser refuses a message whose framing is ambiguous (RFC 9112 §6.3): 400.
    (
        "duplicate Content-Length",
        b"POST /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nab",
        400,
        None,
    ),
    (
        "chunked body",
        b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
        200,
        None,
    ),
    # A method the HTTP parser does not know is not HTTP to it: 400.
    ("unknown method FOO", b"FOO /ok HTTP/1.1\r\nHost: x\r\n\r\n", 400, None),
    # A method HTTP knows but API Gateway has no route for.
    ("method without a route", b"PROPFIND /ok HTTP/1.1\r\nHost: x\r\n\r\n", 403, MISSING_TOKEN),
]


@pytest.mark.parametrize(
    ("request_bytes", "status", "body"),
    [row[1:] for row in HOSTILE],
    ids=[row[0] for row in HOSTILE],
)
def test_hostile_request(gw: Server, request_bytes: bytes, status: int, body: bytes | None) -> None:
    response = gw.raw(request_bytes)
    assert _status(response) == status, response[:300]
    if body is not None:
        assert _body(response) == body
    gw.assert_serving()


def test_a_chunked_body_reaches_the_function(gw: Server) -> None:
    response = gw.raw(
        b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    )
    assert json.loads(_body(response))["event"]["body"] == "abcde"


def test_a_slow_client_does_not_hold_up_others(gw: Server) -> None:
    request = b"GET /ok HTTP/1.1\r\nHost: x\r\nX-Slow: yes\r\n\r\n"
    with socket.create_connection(("127.0.0.1", gw.port), timeout=20) as sock:
        for index, byte in enumerate(request):
            sock.sendall(bytes([byte]))
            if index % 10 == 0:
                gw.assert_serving()  # others are answered meanwhile
            time.sleep(0.002)
        response = _read_response(sock)
    assert (_status(response), _body(response)) == (200, b'{"ok":true}')


def test_size_limits_follow_the_api_type(gw: Server, tmp_path: Path) -> None:
    """REST counts the URL and the header values apart; HTTP APIs count request line and
    headers together (reference §1.1, §1.10): the same request passes one and not the other."""
    path, pad = "/ok?q=" + "a" * 6000, {"X-Pad": "b" * 5000}
    assert gw.fetch("GET", path, pad).status == 200
    spec = write_spec(tmp_path, "http.yaml", {"UPSTREAM": str(free_port())})
    package = build_spec(spec, tmp_path / "out")
    with _serve(tmp_path / "out" / "runtime", package, tmp_path / "log") as http_api:
        reply = http_api.fetch("GET", path, pad)
        assert (reply.status, reply.body) == (
            431,
            b'{"message":"Request Header Fields Too Large"}',
        )
        assert http_api.fetch("GET", "/ok?q=a", {"X-Pad": "b"}).status != 431


# ---- memory and bursts -----------------------------------------------------------------------


def _pipeline(port: int, count: int, batch: int = 250) -> int:
    """`count` GET /ok on one keep-alive connection, `batch` pipelined at a time; the number
    of 200 answers."""
    request = b"GET /ok HTTP/1.1\r\nHost: x\r\n\r\n"
    ok = 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        for _ in range(count // batch):
            sock.sendall(request * batch)
            data = b""
            for _ in range(100_000):  # bounded
                if data.count(b'{"ok":true}') >= batch:
                    break
                chunk = sock.recv(1 << 20)
                assert chunk, "connection closed"
                data += chunk
            ok += data.count(b"HTTP/1.1 200 ")
    return ok


def _load(port: int, count: int, connections: int = 4) -> int:
    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(_pipeline(port, count // connections)))
        for _ in range(connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return sum(results)


def test_memory_stays_flat_over_50000_requests(gw: Server) -> None:
    assert _load(gw.port, 10_000) == 10_000
    after_10k = gw.rss_kib()
    assert _load(gw.port, 40_000) == 40_000
    after_50k = gw.rss_kib()
    # Generous: a leak of even 200 bytes a request would add 8 MB over these 40,000.
    assert after_50k - after_10k < 8 * 1024, (after_10k, after_50k)


def test_a_burst_of_200_connections_gets_no_error(gw: Server) -> None:
    request = b"GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    sockets = [socket.create_connection(("127.0.0.1", gw.port), timeout=30) for _ in range(200)]
    try:
        for sock in sockets:
            sock.sendall(request)
        responses = [_read_response(sock) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()
    assert [_status(r) for r in responses] == [200] * 200
    assert all(_body(r) == b'{"ok":true}' for r in responses)
