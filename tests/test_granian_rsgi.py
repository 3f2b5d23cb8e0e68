"""End to end: the gateway under granian's RSGI interface (`--server granian`,
`server/granian_server.py`), against its ASGI entry (`APIGWC_GRANIAN_INTERFACE=asgi`).

A real granian process on 127.0.0.1 per entry, requests written raw on a socket (the bytes on the
wire are the test's). RSGI keeps what the ASGI entry keeps (bodies, the 10 MB limit, HEAD, the
client's address, the access log, pools closed at shutdown) and loses what granian's RSGI scope
does not carry (`launch.GRANIAN_DIFFERENCES`): the path's own escapes, header values that are
not ASCII.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest

from tests.runtime_server import Gateway, build_spec, free_port, run_package, upstream, write_spec
from tests.test_runtime_access_log import served
from tests.test_runtime_server import raw


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    tmp = tmp_path_factory.mktemp("rsgi")
    with upstream() as port:
        yield write_spec(tmp, "rest.yaml", {"UPSTREAM": str(port), "CLOSED_PORT": str(free_port())})


def _serve(spec: Path, name: str, interface: str) -> Iterator[Gateway]:
    out = spec.parent / f"out-{name}"
    package = build_spec(spec, out)
    env = dict(os.environ, APIGWC_GRANIAN_INTERFACE=interface)
    with run_package(out / "runtime", package, "--server", "granian", env=env) as port:
        yield Gateway(port, out, package)


@pytest.fixture(scope="module")
def rsgi(spec: Path) -> Iterator[Gateway]:
    yield from _serve(spec, "rsgi", "")


@pytest.fixture(scope="module")
def asgi(spec: Path) -> Iterator[Gateway]:
    yield from _serve(spec, "asgi", "asgi")


def _request(method: bytes, target: bytes, *headers: bytes, body: bytes = b"") -> bytes:
    lines = b"".join(header + b"\r\n" for header in headers)
    head = method + b" " + target + b" HTTP/1.1\r\nHost: gw\r\n" + lines
    return head + b"Connection: close\r\n\r\n" + body


def _event(port: int, request: bytes) -> dict[str, Any]:
    status, _, _, body = raw(port, request)
    assert status == 200, body
    event: dict[str, Any] = json.loads(body)["event"]
    return event


def test_rsgi_is_granians_default_entry(rsgi: Gateway, asgi: Gateway) -> None:
    """Both entries answer alike (the ASGI one kept behind the environment variable)."""
    for gateway in (rsgi, asgi):
        status, headers, _, body = raw(gateway.port, _request(b"GET", b"/pets/search"))
        assert (status, body) == (200, b'{"where":"search"}')
        assert headers[b"content-type"] == b"application/json"
        assert headers[b"content-length"] == b"18"
        assert len(headers[b"x-amzn-requestid"]) == 36 and headers[b"x-amz-apigw-id"]


@pytest.mark.parametrize("framing", ["length", "chunked"])
def test_a_body_reaches_the_function(rsgi: Gateway, framing: str) -> None:
    payload = b'{"name": "rex"}'
    if framing == "length":
        request = _request(b"POST", b"/pets", b"Content-Length: 15", body=payload)
    else:
        chunked = b"5\r\n" + payload[:5] + b"\r\na\r\n" + payload[5:] + b"\r\n0\r\n\r\n"
        request = _request(b"POST", b"/pets", b"Transfer-Encoding: chunked", body=chunked)
    event = _event(rsgi.port, request)
    assert event["body"] == payload.decode() and event["httpMethod"] == "POST"


def test_a_body_over_10_mb_is_refused(rsgi: Gateway) -> None:
    declared = _request(b"POST", b"/pets", b"Content-Length: 10485761")
    assert raw(rsgi.port, declared)[0] == 413  # answered before any of it is read
    chunk = b"a" * (1 << 20)
    with socket.create_connection(("127.0.0.1", rsgi.port), timeout=30) as sock:
        sock.sendall(_request(b"POST", b"/pets", b"Transfer-Encoding: chunked"))
        try:
            for _ in range(11):  # 11 MiB in 1 MiB chunks: refused once the total passes 10 MB
                sock.sendall(b"100000\r\n" + chunk + b"\r\n")
            sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server answered and stopped reading
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413 ")


def test_head_is_answered_with_the_length_and_no_body(rsgi: Gateway, asgi: Gateway) -> None:
    """No automatic HEAD (a 403), its `Content-Length` that of the body not sent, as the ASGI
    entry answers it."""
    answers = [raw(gateway.port, _request(b"HEAD", b"/pets/search")) for gateway in (rsgi, asgi)]
    for status, headers, _, body in answers:
        assert (status, body) == (403, b"")
        assert headers[b"content-length"] == b"42"  # {"message":"Missing Authentication Token"}


def test_client_address_query_and_path_values(rsgi: Gateway) -> None:
    request = _request(b"GET", b"/pets/caf%C3%A9%20x/toys?a=1&a=%32", b"X-Forwarded-For: 1.2.3.4")
    event = _event(rsgi.port, request)
    assert event["pathParameters"] == {"petId": "caf%C3%A9%20x"}  # left percent-encoded
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"]}
    # No --trusted-proxies: a client's X-Forwarded-For is not believed.
    assert event["requestContext"]["identity"]["sourceIp"] == "127.0.0.1"


def test_what_rsgi_cannot_carry(rsgi: Gateway, asgi: Gateway) -> None:
    """granian's RSGI scope has the path decoded and only ASCII header values: an escaped `/`
    inside a segment becomes a separator, a value with a byte past ASCII is not there. The
    ASGI entry keeps both."""
    escaped = _request(b"GET", b"/pets/a%2Fb/toys")
    assert _event(asgi.port, escaped)["pathParameters"] == {"petId": "a%2Fb"}
    event = _event(rsgi.port, escaped)  # /pets/a/b/toys: another resource
    assert event["path"] == "/pets/a/b/toys" and event["resource"] != "/pets/{petId}/toys"
    latin = _request(b"GET", b"/pets", b"X-Name: caf\xe9", b"X-Plain: v")
    assert _event(asgi.port, latin)["headers"]["x-name"] == "caf\xe9"
    headers = _event(rsgi.port, latin)["headers"]
    assert "x-name" not in headers and headers["x-plain"] == "v"


def test_the_access_log_is_written(tmp_path: Path) -> None:
    """Up to the last request before the server stops (granian's workers end without `atexit`:
    the worker writes the lines out as it stops)."""
    target = tmp_path / "access.jsonl"
    options = ("--server", "granian", "--access-log", str(target))
    with served(tmp_path, "{accessLog: {format: JSON}}", *options) as (port, _):
        status, headers, _, _ = raw(port, _request(b"GET", b"/pets/3"))
    entries = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [(e["requestId"], e["status"]) for e in entries] == [
        (headers[b"x-amzn-requestid"].decode(), str(status))
    ]


def test_the_worker_closes_the_gateway_when_it_stops() -> None:
    """`__rsgi_del__` (granian calls it once the worker's loop has stopped serving) does what
    the ASGI lifespan's shutdown does: `Gateway.close`."""
    from apigwc.runtime.server.granian_server import GatewayRsgi

    closed: list[bool] = []

    class Stub:
        answer = sent = text_headers = None

        async def close(self) -> None:
            closed.append(True)

    loop = asyncio.new_event_loop()
    try:
        GatewayRsgi(cast(Any, Stub())).__rsgi_del__(loop)
    finally:
        loop.close()
    assert closed == [True]
