"""Test helpers for the generated runtime: build a spec, serve it with uvicorn, talk HTTP.

`serve_spec` builds a spec into a temporary folder with apigwc, starts `python -m <pkg>` (real
uvicorn on 127.0.0.1, a free port) and yields a `Gateway` whose `fetch` sends raw requests with
http.client (paths are sent exactly as written: double slashes, percent-encoding). `Upstream`
is a real HTTP server that answers with what it received, for HTTP proxy tests.
"""

from __future__ import annotations

import contextlib
import gzip
import http.client
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from apigwc.pipeline import build

SPECS = Path(__file__).resolve().parent / "runtime_specs"


# Ports are handed out before the server that takes them binds, sometimes several at once (the
# corpus batches). Drawn from the kernel's ephemeral range, two xdist workers could be handed the
# same port in that window, or an outgoing connection could take it, and a test would then talk
# to another test's gateway. So each worker draws from its own range below the ephemeral ports,
# and a process never hands out a port twice until its range is used up. Several test runs on
# one machine at once (one per worktree) keep apart by setting APIGWC_TEST_PORT_BASE each to its
# own base; their workers then draw from narrower ranges above it.
_handed: set[int] = set()


def _port_range() -> range:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker[2:]) if worker[2:].isdigit() else 0
    base = os.environ.get("APIGWC_TEST_PORT_BASE")
    per_worker = 400 if base else 2000
    start = (int(base) if base else 20000) + per_worker * (index % 6)
    return range(start, start + per_worker)


def free_port() -> int:
    for _ in range(2):  # a second pass after the range is used up: old servers are gone
        for port in _port_range():
            if port in _handed:
                continue
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    continue
            _handed.add(port)
            return port
        _handed.clear()
    raise RuntimeError("no free port in this worker's range")


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        found = [v for k, v in self.headers if k.lower() == name.lower()]
        return found[-1] if found else None

    def json(self) -> object:
        return json.loads(self.body)


def fetch(
    port: int, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b""
) -> Reply:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body or None, headers=headers or {})
        response = conn.getresponse()
        return Reply(response.status, response.getheaders(), response.read())
    finally:
        conn.close()


@dataclass
class Gateway:
    port: int
    out: Path
    package: str

    def fetch(
        self, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b""
    ) -> Reply:
        return fetch(self.port, method, path, headers, body)


def build_spec(
    spec: Path, out: Path, *, allow_errors: bool = False, stage: str | None = None
) -> str:
    """Build like `apigwc build [--stage STAGE]`; returns the generated package name.
    `allow_errors` emits even when validation reports errors (to test the emitter on input
    `build` would refuse)."""
    built = build(spec, out, stage=stage, allow_errors=allow_errors)
    result = built.compilation
    assert result.api is not None, [d.message for d in result.sink.sorted()]
    assert built.out_dir is not None, [d.message for d in result.sink.sorted()]
    return f"{result.api.slug}_gateway"


def write_spec(tmp: Path, name: str, replacements: dict[str, str]) -> Path:
    """Copy a test spec (and the handlers beside it) into tmp, filling `{{KEY}}` markers."""
    shutil.copytree(SPECS / "handlers", tmp / "handlers", dirs_exist_ok=True)
    text = (SPECS / name).read_text(encoding="utf-8")
    for key, value in replacements.items():
        text = text.replace("{{" + key + "}}", value)
    target = tmp / name
    target.write_text(text, encoding="utf-8")
    return target


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"server exited with {process.returncode}: {process.stderr.read() if process.stderr else ''!r}"
            )
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")


@contextmanager
def run_package(
    runtime_dir: Path,
    package: str,
    *args: str,
    python: str = sys.executable,
    env: dict[str, str] | None = None,
) -> Iterator[int]:
    port = free_port()
    environ = dict(env if env is not None else os.environ)
    environ["PYTHONPATH"] = str(runtime_dir)
    command = [python, "-m", package, "--port", str(port), "--no-access-log", *args]
    process = subprocess.Popen(
        command, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        wait_for_port(port, process)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stderr:
            process.stderr.close()


@contextmanager
def serve_spec(spec: Path, out: Path, *args: str) -> Iterator[Gateway]:
    package = build_spec(spec, out)
    with run_package(out / "runtime", package, *args) as port:
        yield Gateway(port, out, package)


# What the echo upstream adds to its answer under /base/remap.
REMAP_HEADERS = (
    ("Content-MD5", "md5"),
    ("x-amzn-RequestId", "upstream-id"),
    ("WWW-Authenticate", "Basic"),
    ("Via", "1.1 upstream"),
    ("Warn", "w"),
)


class _Echo(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path.startswith("/base/sleep"):
            time.sleep(1.5)
        payload = json.dumps(
            {
                "method": self.command,
                "path": self.path,
                "headers": [[k, v] for k, v in self.headers.items()],
                "body": body.decode("utf-8", "replace"),
            }
        ).encode()
        if self.path.startswith("/base/gzip") and "gzip" in self.headers.get("Accept-Encoding", ""):
            payload = gzip.compress(payload)
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip")
        else:
            self.send_response(201 if self.path.startswith("/base/created") else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Upstream", "yes")
        if self.path.startswith("/base/remap"):  # headers API Gateway's table renames or drops
            for name, value in REMAP_HEADERS:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(payload)  # the gateway may have given up first (timeout tests)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _answer

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@contextmanager
def upstream(
    handler: type[http.server.BaseHTTPRequestHandler] | None = None,
) -> Iterator[int]:
    """A real HTTP server on 127.0.0.1 answering with what it received (or as `handler` does)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler or _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def logged_events(log: Path, needle: str) -> list[dict[str, Any]]:
    """The JSON lines a recording handler appended to `log` that carry `needle` (a token, a
    user, a subject), so a test sees how often a function ran for its own request."""
    if not log.exists():
        return []
    found = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    return [e for e in found if needle in json.dumps(e)]
