"""The HTTP/1.1 protocol `python -m <pkg>` serves with under uvicorn (the default server):
uvicorn's httptools protocol, keeping header names as written, both ways.

Flows in: bytes from a client connection, and the ASGI messages of the gateway's answer. Flows
out: the ASGI scopes uvicorn builds, plus the scope extensions `HEADER_NAMES` (the request's
header names as sent, in the order of `scope["headers"]`, whose names ASGI lower-cases;
`context.Request.header_names` reads it) and `OVERSIZE` (a request over API Gateway's URL or
header limits). On the way back, the response head as uvicorn writes it, but with each header
name as the gateway gave it (uvicorn lower-cases them).

Why: API Gateway keeps the client's header-name casing in a REST Lambda proxy event
(`tEsT-HEADeR` arrives as written; reference §2.1, recorded), so a handler that reads
`event["headers"]["Content-Type"]` works behind API Gateway for a client that sends that
casing, and one that reads `content-type` does not. Response header names keep the
integration's casing too (`X-Custom-Header` from a Lambda or a backend reaches the client as
written), as API Gateway passes them.

Everything else is uvicorn's own: `on_header` records the name and the sizes, then calls
uvicorn's (which lower-cases the name, strips the value's trailing white space, notes
`Expect: 100-continue`); the cycle is uvicorn's, made by uvicorn's `on_headers_complete`, and
only the response head is written here, as uvicorn's `send` writes it (its checks, its state,
its added lines; tests/test_http_protocol_head.py compares the two) with the names as given:
re-casing uvicorn's lower-cased head cost more (benchmarks/server_cost_bench.py). The subclass leans on uvicorn internals (the attributes and methods `require_internals`
lists); pyproject.toml bounds uvicorn to the versions the tests run on, and a uvicorn without
them stops the server at start-up with `UvicornInternalsChanged` rather than serving wrongly.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterable
from typing import Any

import uvicorn
from uvicorn.protocols.http import httptools_impl
from uvicorn.protocols.http.httptools_impl import (
    HEADER_RE,
    HEADER_VALUE_RE,
    STATUS_LINE,
    HttpToolsProtocol,
    RequestResponseCycle,
)

from ..pipeline.context import HEADER_NAMES, OVERSIZE, SIZE_LIMIT
from . import HEAD_LIMIT

# The uvicorn versions the tests run on (pyproject.toml bounds the dependency to them).
TESTED_UVICORN = ">=0.55,<0.56"
# The protocol measures a request against API Gateway's size limits (`SIZE_LIMIT`); the gateway
# answers (`OVERSIZE`). A head over `HEAD_LIMIT` is refused here.
LINGER_S = 2.0  # how long a refused connection's further bytes are read and dropped
_HEAD_REFUSAL = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"Content-Type: application/json\r\n"
    b"Content-Length: 45\r\n"
    b"Connection: close\r\n\r\n"
    b'{"message":"Request Header Fields Too Large"}'
)


class UvicornInternalsChanged(RuntimeError):
    """The installed uvicorn lacks an internal the header-casing protocol extends."""


def _names_used(cls: type) -> set[str]:
    """The names the class's own functions read or assign (attributes included)."""
    names: set[str] = set()
    for member in vars(cls).values():
        code = getattr(member, "__code__", None)
        if code is not None:
            names.update(code.co_names)
    return names


def require_internals(
    protocol: type = HttpToolsProtocol, cycle: type = RequestResponseCycle
) -> None:
    """Refuse to start on a uvicorn whose protocol no longer has what the subclasses below
    use: the parser callbacks they extend, the attributes they read, and the cycle class
    `on_headers_complete` makes (made as `CasedResponseCycle`), the state its head sets."""
    needs: Iterable[tuple[type, set[str]]] = (
        (
            protocol,
            {"data_received", "on_message_begin", "on_header", "on_headers_complete"}
            | {"scope", "url", "headers", "cycle", "transport", "loop", "RequestResponseCycle"},
        ),
        (
            cycle,
            {"send", "transport", "response_started", "default_headers", "scope", "flow"}
            | {"disconnected", "access_log", "waiting_for_100_continue", "keep_alive"}
            | {"chunked_encoding", "expected_content_length"},
        ),
    )
    missing = [
        f"{cls.__name__}.{name}"
        for cls, names in needs
        for name in sorted(names - _names_used(cls) - set(dir(cls)))
    ]
    if missing:
        raise UvicornInternalsChanged(
            f"uvicorn {uvicorn.__version__} lacks {', '.join(missing)}, which the gateway's "
            f"HTTP protocol extends (header-name casing, API Gateway's size limits); install "
            f"uvicorn[standard]{TESTED_UVICORN}, the versions it is tested on"
        )


require_internals()


class HeaderCasingHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol that also records the header names as received and the
    request's sizes, and answers through `CasedResponseCycle`.

    uvicorn's methods are called by name, not through `super()` (which costs a `super` object
    per call on CPython 3.11), and the state below is the instance's from the start (CPython
    specialises access to the attributes an instance has, not to class-level defaults):
    together about 3,500 CPU instructions per request (benchmarks/server_cost_bench.py)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        HttpToolsProtocol.__init__(self, *args, **kwargs)
        self._names: list[bytes] = []  # the current request's header names, as received
        self._in_head = False  # between a request's first byte and the end of its headers
        self._head_bytes = 0  # bytes received while in the head
        self._header_bytes = 0  # the request's header names and values, as received
        self._refused = False  # the connection's head was refused: what follows is dropped

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        HttpToolsProtocol.data_received(self, data)
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
        HttpToolsProtocol.on_message_begin(self)
        self._in_head = True
        self._header_bytes = 0
        names: list[bytes] = []
        self._names = names
        scope: dict[str, Any] = self.scope  # type: ignore[assignment]
        scope["extensions"] = {HEADER_NAMES: names}

    def on_header(self, name: bytes, value: bytes) -> None:
        self._names.append(name)
        self._header_bytes += len(name) + len(value)
        _uvicorn_on_header(self, name, value)

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
        _uvicorn_on_headers_complete(self)


class CasedResponseCycle(RequestResponseCycle):
    """uvicorn's request/response cycle, the response head's header names as the gateway gave
    them. The head is written here, as uvicorn's `send` writes it (the same checks of names and
    values, the same reading of `content-length`, `transfer-encoding` and `connection`, the same
    added lines) but with the names as given: re-casing the lines uvicorn lower-cases cost more
    (benchmarks/server_cost_bench.py). The body, and a head that must wait or be logged by
    uvicorn's access log, are uvicorn's `send` (the head re-cased on its way out)."""

    async def send(self, message: Any) -> None:
        if self.response_started or message["type"] != "http.response.start":
            await RequestResponseCycle.send(self, message)
        elif self.access_log or self.flow.write_paused or self.disconnected:
            await self._send_recased(message)
        else:
            self.response_started = True
            self.waiting_for_100_continue = False
            self.transport.write(self._head(message["status"], message.get("headers", ())))

    def _head(self, status: int, headers: Iterable[tuple[bytes, bytes]]) -> bytes:
        content = [STATUS_LINE[status]]
        close = False
        pairs = [*self.default_headers, *headers]
        # uvicorn's checks, over all names and all values at once (each is a search for one
        # character, so the joined text has one exactly when a part has): one call each.
        if HEADER_RE.search(b"".join([name for name, _ in pairs])) or HEADER_VALUE_RE.search(
            b"".join([value for _, value in pairs])
        ):
            _refuse(pairs)
        for name, value in pairs:
            lowered = name.lower()
            if lowered == b"content-length" and self.chunked_encoding is None:
                self.expected_content_length = int(value.decode())
                self.chunked_encoding = False
            elif lowered == b"transfer-encoding" and value.lower() == b"chunked":
                self.expected_content_length = 0
                self.chunked_encoding = True
            elif lowered == b"connection" and _closes(value):
                self.keep_alive = False
                close = True
            content += (name, b": ", value, b"\r\n")
        return b"".join(content) + self._head_end(status, close)

    def _head_end(self, status: int, close: bool) -> bytes:
        """uvicorn's own last lines: `connection: close`, `transfer-encoding: chunked` when
        the answer has no length, the blank line."""
        end = b"connection: close\r\n" if not self.keep_alive and not close else b""
        bodiless = self.scope["method"] == "HEAD" or status in (204, 304)
        if self.chunked_encoding is None and not bodiless:
            self.chunked_encoding = True
            end += b"transfer-encoding: chunked\r\n"
        return end + b"\r\n"

    async def _send_recased(self, message: Any) -> None:
        transport = self.transport
        headers = self.default_headers + list(message.get("headers", []))
        self.transport = _CasedHead(transport, headers)  # type: ignore[assignment]
        try:
            await RequestResponseCycle.send(self, message)
        finally:
            self.transport = transport


def _refuse(headers: list[tuple[bytes, bytes]]) -> None:
    """uvicorn's refusal of the first header it would refuse."""
    for name, value in headers:
        if HEADER_RE.search(name):
            raise RuntimeError("Invalid HTTP header name.")
        if HEADER_VALUE_RE.search(value):
            raise RuntimeError("Invalid HTTP header value.")


def _closes(value: bytes) -> bool:
    return b"close" in [token.lower().strip() for token in value.split(b",")]


def _making(cycle: type, method: Callable[..., Any]) -> Callable[..., Any]:
    """uvicorn's own `method`, its module's `RequestResponseCycle` read as `cycle`: the cycle
    is made of the right class from the start. (Re-classing a made one, `__class__ = ...`, turns
    its attributes into a plain dict that CPython cannot specialise access to: about 30,000 more
    CPU instructions per request, benchmarks/server_cost_bench.py.)"""
    names = dict(vars(httptools_impl), RequestResponseCycle=cycle)
    code = method.__code__
    return types.FunctionType(code, names, code.co_name, method.__defaults__, method.__closure__)


_uvicorn_on_header = HttpToolsProtocol.on_header
_uvicorn_on_headers_complete = _making(CasedResponseCycle, HttpToolsProtocol.on_headers_complete)


class _CasedHead:
    """The cycle's transport while uvicorn writes a response head. uvicorn writes the status
    line, then one line per header in the order given (name lower-cased), then its own
    `connection`/`transfer-encoding` lines: each of the given names goes back on its line."""

    def __init__(self, transport: Any, headers: list[tuple[bytes, bytes]]) -> None:
        self._transport = transport
        self._headers = headers

    def write(self, data: bytes) -> None:
        lines = data.split(b"\r\n")
        for number, (name, _) in enumerate(self._headers, 1):
            line = lines[number]
            if line[: len(name)] != name and line[: len(name)] == name.lower():
                lines[number] = name + line[len(name) :]
        self._transport.write(b"\r\n".join(lines))

    def __getattr__(self, name: str) -> Callable[..., Any]:
        return getattr(self._transport, name)  # type: ignore[no-any-return]
