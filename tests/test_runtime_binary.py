"""Binary payloads and `contentHandling` through non-proxy integrations, end to end.

The generated gateway runs under uvicorn; a real upstream HTTP server on 127.0.0.1 records the
exact bytes and Content-Type each integration request carries and answers raw PNG bytes
(`image/png`), their base64 text or plain text. Rows follow the request and response tables of
runtime reference §6.1 (binaryMediaTypes = image/png, application/octet-stream).
"""

from __future__ import annotations

import base64
import http.server
import threading
from collections.abc import Iterator

import pytest

from tests.runtime_server import Gateway, serve_spec, write_spec

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\xff\xfe"
PNG_B64 = base64.b64encode(PNG)


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Records each request body by path; answers by the path's first segment."""

    protocol_version = "HTTP/1.1"
    seen: dict[str, tuple[str | None, bytes]] = {}

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.seen[self.path] = (self.headers.get("Content-Type"), self.rfile.read(length))
        kind = self.path.split("/")[1]
        body, content_type = {
            "png": (PNG, "image/png"),
            "b64": (PNG_B64, "text/plain"),
        }.get(kind, (b"plain text, not base64!", "text/plain"))
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture(scope="module")
def upstream() -> Iterator[tuple[int, dict[str, tuple[str | None, bytes]]]]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1]), _Recorder.seen
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def gateway(
    tmp_path_factory: pytest.TempPathFactory,
    upstream: tuple[int, dict[str, tuple[str | None, bytes]]],
) -> Iterator[Gateway]:
    tmp = tmp_path_factory.mktemp("binary")
    spec = write_spec(
        tmp, "binary.yaml", {"UPSTREAM": str(upstream[0]), "PNG_BASE64": PNG_B64.decode()}
    )
    with serve_spec(spec, tmp / "out") as running:
        yield running


# Request table (§6.1): route, request Content-Type, request body -> upstream path, the bytes
# the integration receives.
REQUESTS = [
    # binary, type matches, unset -> binary as-is
    ("/req/none", "image/png", PNG, "/png/none", PNG),
    # text, type does not match, unset -> UTF-8 string as-is
    ("/req/none", "text/plain", b"caf\xc3\xa9", "/png/none", b"caf\xc3\xa9"),
    # binary, type matches, CONVERT_TO_TEXT -> base64-encoded string
    ("/req/totext", "image/png", PNG, "/text/totext", PNG_B64),
    # text, type does not match, CONVERT_TO_TEXT -> UTF-8 string
    ("/req/totext", "text/plain", b"hello", "/text/totext", b"hello"),
    # text, type does not match, CONVERT_TO_BINARY -> base64-decoded blob
    ("/req/tobinary", "text/plain", PNG_B64, "/text/tobinary", PNG),
    # binary, type matches, CONVERT_TO_BINARY -> binary as-is
    ("/req/tobinary", "image/png", PNG, "/text/tobinary", PNG),
    # CONVERT_TO_TEXT before the template: `$input.body` is the base64 string
    ("/req/template", "image/png", PNG, "/text/template", b'{"image": "' + PNG_B64 + b'"}'),
]


@pytest.mark.parametrize(("route", "content_type", "body", "target", "received"), REQUESTS)
def test_integration_request_bytes(
    gateway: Gateway,
    upstream: tuple[int, dict[str, tuple[str | None, bytes]]],
    route: str,
    content_type: str,
    body: bytes,
    target: str,
    received: bytes,
) -> None:
    seen = upstream[1]
    seen.pop(target, None)
    reply = gateway.fetch(
        "POST", route, {"Content-Type": content_type, "Accept": "application/json"}, body
    )
    assert reply.status == 200, reply.body
    assert seen[target] == (content_type, received)


def test_not_base64_with_convert_to_binary_request_is_500(gateway: Gateway) -> None:
    reply = gateway.fetch("POST", "/req/tobinary", {"Content-Type": "text/plain"}, b"not base64!")
    assert reply.status == 500
    assert reply.json() == {"message": "Internal server error"}


# Response table (§6.1): route, Accept -> the bytes the client receives.
RESPONSES = [
    # binary payload, binary Accept, unset -> binary
    ("/resp/none", "image/png", PNG),
    # binary payload, text Accept, unset -> base64-encoded string
    ("/resp/none", "application/json", PNG_B64),
    # only the first Accept type counts
    ("/resp/none", "text/html,image/png", PNG_B64),
    # binary payload, binary Accept, CONVERT_TO_TEXT -> base64-encoded string
    ("/resp/totext", "image/png", PNG_B64),
    # binary payload, text Accept, CONVERT_TO_TEXT -> base64-encoded string
    ("/resp/totext", "application/json", PNG_B64),
    # text payload, binary Accept, unset -> base64-decoded blob
    ("/resp/b64", "image/png", PNG),
    # text payload, text Accept, unset -> text
    ("/resp/b64", "text/plain", PNG_B64),
    # text payload, text Accept, CONVERT_TO_BINARY -> base64-decoded blob
    ("/resp/tobinary", "application/json", PNG),
    # a MOCK's rendered text, CONVERT_TO_BINARY -> decoded
    ("/mock/png", "application/json", PNG),
]


@pytest.mark.parametrize(("route", "accept", "expected"), RESPONSES)
def test_method_response_bytes(gateway: Gateway, route: str, accept: str, expected: bytes) -> None:
    reply = gateway.fetch("GET", route, {"Accept": accept})
    assert reply.status == 200, reply.body
    assert reply.body == expected


def test_not_base64_with_convert_to_binary_response_is_500(gateway: Gateway) -> None:
    reply = gateway.fetch("GET", "/resp/notbase64", {"Accept": "application/json"})
    assert reply.status == 500
    assert reply.header("x-amzn-ErrorType") is not None


def test_binary_passthrough_keeps_the_upstream_content_type(gateway: Gateway) -> None:
    reply = gateway.fetch("GET", "/resp/none", {"Accept": "image/png"})
    assert reply.header("Content-Type") == "image/png"
