"""The HTTP/1.1 protocol `python -m <pkg>` serves with: uvicorn's httptools protocol, keeping
header names as written, both ways.

Flows in: bytes from a client connection, and the ASGI messages of the gateway's answer. Flows
out: the ASGI scopes uvicorn builds, plus the scope extension `HEADER_NAMES`: the request's
header names as sent, in the order of `scope["headers"]` (whose names ASGI lower-cases);
`context.Request.header_names` reads it. On the way back, the response head with each header
name as the gateway gave it (uvicorn's own cycle lower-cases them).

Why: API Gateway keeps the client's header-name casing in a REST Lambda proxy event
(`tEsT-HEADeR` arrives as written; reference §2.1, recorded), so a handler that reads
`event["headers"]["Content-Type"]` works behind API Gateway for a client that sends that
casing, and one that reads `content-type` does not. The gateway takes the names from this
extension when the server provides it; under any other ASGI server events carry the
lower-cased names, as before. Response header names keep the integration's casing too
(`X-Custom-Header` from a Lambda or a backend reaches the client as written), as API Gateway
passes them.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.http.httptools_impl import (
    HEADER_RE,
    HEADER_VALUE_RE,
    STATUS_LINE,
    HttpToolsProtocol,
    RequestResponseCycle,
)
from uvicorn.protocols.utils import get_client_addr, get_path_with_query_string

from ..pipeline.context import HEADER_NAMES, OVERSIZE, SIZE_LIMIT

# The protocol measures a request against API Gateway's size limits (`SIZE_LIMIT`); the gateway
# answers (app.py, `OVERSIZE`). `HEAD_LIMIT` is the most of one request head the server buffers
# before refusing it outright (431, no request made): room for a URL and header values beyond
# API Gateway's limits, so that those get the gateway's own answers.
HEAD_LIMIT = 128 * 1024
LINGER_S = 2.0  # how long a refused connection's further bytes are read and dropped
_HEAD_REFUSAL = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"Content-Type: application/json\r\n"
    b"Content-Length: 45\r\n"
    b"Connection: close\r\n\r\n"
    b'{"message":"Request Header Fields Too Large"}'
)


class HeaderCasingHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol that also records the header names as received, and
    answers through `CasedResponseCycle`.

    `on_header` runs once per header of every request, so it is uvicorn's own `on_header`
    written out with the recording added (no second frame per header); the list of names is
    made on a request's first header, when `on_message_begin` has just made its scope."""

    _names_scope: object = None
    _names: list[bytes]
    _in_head = False  # between a request's first byte and the end of its headers
    _head_bytes = 0  # bytes received while in the head
    _header_bytes = 0  # the request's header names and values
    _refused = False  # the connection's head was refused: what follows is dropped

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        super().data_received(data)
        if self._in_head:
            # Counted after parsing: a chunk that ends the head may carry body bytes too.
            self._head_bytes += len(data)
            if self._head_bytes > HEAD_LIMIT and not self.transport.is_closing():
                self._refuse_head()

    def _refuse_head(self) -> None:
        """No request is made of a head this long (the parser would buffer it without bound):
        431, then the connection ends. What the client still sends is read and dropped for a
        moment first, since closing a socket with unread data resets it and the client could
        lose the answer."""
        self._in_head = False
        self._refused = True
        self.transport.write(_HEAD_REFUSAL)
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_S, self.transport.close)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        self._header_bytes = 0

    def on_header(self, name: bytes, value: bytes) -> None:
        scope: dict[str, Any] = self.scope  # type: ignore[assignment]
        if self._names_scope is not scope:
            self._names_scope = scope
            self._names = []
            scope["extensions"] = {HEADER_NAMES: self._names}
        self._names.append(name)
        self._header_bytes += len(name) + len(value)
        # uvicorn's HttpToolsProtocol.on_header:
        name = name.lower()
        # llhttp keeps trailing white space, which RFC 9110 §5.5 excludes from the value.
        value = value.rstrip(b" \t")
        if name == b"expect" and value.lower() == b"100-continue":
            self.expect_100_continue = True
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._head_bytes = 0
        if len(self.url) + self._header_bytes > SIZE_LIMIT:
            # Rare: the sizes go to the gateway, which answers as API Gateway does.
            scope: dict[str, Any] = self.scope  # type: ignore[assignment]
            values = sum(len(value) for _, value in self.headers)
            sizes = (len(self.url), values, len(self.url) + self._header_bytes)
            scope.setdefault("extensions", {})[OVERSIZE] = sizes
            if len(self.url) > SIZE_LIMIT:
                # Refused by the gateway whatever it says; httptools cannot parse one over
                # 64 KiB (uvicorn would answer its own 400).
                self.url = b"/"
        super().on_headers_complete()
        cycle = self.cycle
        if cycle is not None and type(cycle) is RequestResponseCycle:
            # The cycle uvicorn just made (its task has not run yet) writes the head here.
            cycle.__class__ = CasedResponseCycle


class CasedResponseCycle(RequestResponseCycle):
    """uvicorn's request/response cycle writing the response head with header names as given.

    Only the head differs from uvicorn's `send` (its checks and bookkeeping are kept, written
    out: the name is lower-cased for the comparisons only); the body goes through uvicorn's."""

    async def send(self, message: Any) -> None:
        if self.response_started or self.disconnected or message["type"] != "http.response.start":
            await super().send(message)
            return
        if self.flow.write_paused:
            await self.flow.drain()
            if self.disconnected:
                return
        self.response_started = True
        self.waiting_for_100_continue = False
        status_code = message["status"]
        headers = self.default_headers + list(message.get("headers", []))
        if self.access_log:
            self.access_logger.info(
                '%s - "%s %s HTTP/%s" %d',
                get_client_addr(self.scope),
                self.scope["method"],
                get_path_with_query_string(self.scope),
                self.scope["http_version"],
                status_code,
            )
        content = [STATUS_LINE[status_code]]
        has_connection_close = False
        for name, value in headers:
            if HEADER_RE.search(name):
                raise RuntimeError("Invalid HTTP header name.")
            if HEADER_VALUE_RE.search(value):
                raise RuntimeError("Invalid HTTP header value.")
            low = name.lower()
            if low == b"content-length" and self.chunked_encoding is None:
                self.expected_content_length = int(value.decode())
                self.chunked_encoding = False
            elif low == b"transfer-encoding" and value.lower() == b"chunked":
                self.expected_content_length = 0
                self.chunked_encoding = True
            elif low == b"connection" and b"close" in [
                token.lower().strip() for token in value.split(b",")
            ]:
                self.keep_alive = False
                has_connection_close = True
            content.extend([name, b": ", value, b"\r\n"])
        if not self.keep_alive and not has_connection_close:
            content.append(b"Connection: close\r\n")
        if (
            self.chunked_encoding is None
            and self.scope["method"] != "HEAD"
            and status_code not in (204, 304)
        ):
            self.chunked_encoding = True
            content.append(b"Transfer-Encoding: chunked\r\n")
        content.append(b"\r\n")
        self.transport.write(b"".join(content))
