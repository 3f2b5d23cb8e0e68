"""The ASGI messages of one HTTP request and its response, as the pipeline reads and writes them.

Flows in: an ASGI HTTP scope, the `receive` channel and, at the end, the gateway's `Response`.
Flows out: the `Request` (`request`), its body (`read_body`, bounded by API Gateway's payload
limit) and the response's `http.response.start` / `http.response.body` messages (`send`), with
every header checked once for what the wire can carry.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from ..responses.gateway_responses import Response
from ..transform import payloads
from .context import HEADER_NAMES, Request

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
    extensions = scope.get("extensions")
    names = extensions.get(HEADER_NAMES) if extensions else None
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
        names,
    )


async def send(
    send: Send, response: Response, method: str, standard: list[tuple[bytes, bytes]]
) -> None:
    """The response on the wire; `standard` (reference §0.1) follows the response's headers."""
    body = b"" if method == "HEAD" else response.body
    headers = []
    for k, v in response.headers:
        name = _WIRE_NAMES.get(k) or _wire_name(k)
        # Printable ASCII (the usual value) is sendable as it is; anything else is checked.
        if name and ((v.isascii() and v.isprintable()) or not _BAD_VALUE.search(v)):
            headers.append((name, v.encode("latin-1", "replace")))
    headers.extend(standard)
    headers.append((b"Content-Length", str(len(response.body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _wire_name(name: str) -> bytes:
    wire = name.encode("latin-1") if _HEADER_NAME.fullmatch(name) else b""
    if len(_WIRE_NAMES) < _WIRE_NAMES_MAX:
        _WIRE_NAMES[name] = wire
    return wire
