"""One HTTP request and its response on the wire, as the pipeline reads and writes them.

Flows in: an ASGI HTTP scope, the `receive` channel and, at the end, the gateway's `Response`.
Flows out: the `Request` (`request`), its body (`read_body`, bounded by API Gateway's payload
limit), the response's header lines (`headers`: every header checked once for what the wire can
carry, the server's framing added) and, for an ASGI server, the `http.response.start` /
`http.response.body` messages (`send`). The default server's own HTTP/1.1 protocol
(`server/http_protocol.py`) builds the `Request` itself and writes `headers` as bytes; granian's
RSGI entry (`server/granian_server.py`) gives the same lines as text (`text_headers`).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from ..responses.gateway_responses import Response
from ..transform import payloads
from .context import Request

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
MAX_BODY = payloads.MAX_PAYLOAD  # API Gateway's payload limit (reference §1.1, step 1)
# A header the wire cannot carry (a mapped name from spec text, a value with a line break) is
# dropped rather than breaking the connection.
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# The control characters uvicorn refuses in a value (all but tab): one reaching it would close the
# connection with no answer at all (a mapped value can carry any text from a body).
_BAD_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]|[^\x00-\xff]")
# The headers that frame the message on the wire are the server's (the body's length is always
# sent as `Content-Length`): one from an integration or a mapping would contradict it.
_FRAMING = frozenset({"content-length", "transfer-encoding", "connection"})
# Header names seen before, checked and encoded once (b"" = not sendable). Bounded, since a Lambda
# handler can invent names.
_WIRE_NAMES: dict[str, bytes] = {}
_WIRE_NAMES_MAX = 4096


def declared_too_large(length: str | None) -> bool:
    """A `Content-Length` over the payload limit (the server has checked it is digits)."""
    return length is not None and length.isdigit() and (len(length) > 9 or int(length) > MAX_BODY)


async def read_body(receive: Receive, limit: int) -> bytes | None:
    """The request body, or None as soon as more than `limit` bytes have come (the rest is
    never read, so a chunked upload cannot make the server hold more than the limit)."""
    chunks = []
    size = 0
    more = True
    while more:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


def request(scope: Scope, body: bytes = b"") -> Request:
    raw = scope.get("raw_path") or scope["path"].encode()
    path = raw.decode("latin-1").split("?", 1)[0]
    client = scope.get("client") or ("127.0.0.1", 0)
    server = scope.get("server") or ("127.0.0.1", 80)
    return Request(  # positional: a call per request
        scope["method"],
        path,
        scope.get("query_string", b"").decode("latin-1"),
        [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]],
        body,
        str(client[0]),
        scope.get("scheme", "http"),
        int(server[1] or 80),
        "",
        None,
        "",
        "",
        None,  # ASGI lower-cases header names: the client's casing is not known here
    )


async def send(
    send: Send, response: Response, method: str, standard: list[tuple[bytes, bytes]]
) -> None:
    """The response as ASGI messages; `standard` (reference §0.1) follows its headers."""
    await send(
        {
            "type": "http.response.start",
            "status": response.status,
            "headers": headers(response, standard),
        }
    )
    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else response.body})


def headers(response: Response, standard: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The response's header lines as the wire carries them: its headers that can be sent,
    then `standard`, then `Content-Length` (the body's, also for a HEAD request's answer)."""
    lines = []
    for k, v in response.headers:
        name = _WIRE_NAMES.get(k) or _wire_name(k)
        # Printable ASCII (the usual value) is sendable as it is; anything else is checked.
        if name and ((v.isascii() and v.isprintable()) or not _BAD_VALUE.search(v)):
            lines.append((name, v.encode("latin-1", "replace")))
    lines.extend(standard)
    lines.append((b"Content-Length", str(len(response.body)).encode()))
    return lines


def text_headers(response: Response, standard: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """`headers` as text, for a server that takes `str` pairs (granian's RSGI): the same lines
    (granian encodes a value's characters past ASCII as UTF-8, where `headers` writes Latin-1)."""
    lines = []
    for k, v in response.headers:
        name = _WIRE_NAMES.get(k) or _wire_name(k)
        if name and ((v.isascii() and v.isprintable()) or not _BAD_VALUE.search(v)):
            lines.append((k, v))
    lines.extend(standard)
    lines.append(("Content-Length", str(len(response.body))))
    return lines


def _wire_name(name: str) -> bytes:
    sendable = _HEADER_NAME.fullmatch(name) and name.lower() not in _FRAMING
    wire = name.encode("latin-1") if sendable else b""
    if len(_WIRE_NAMES) < _WIRE_NAMES_MAX:
        _WIRE_NAMES[name] = wire
    return wire
