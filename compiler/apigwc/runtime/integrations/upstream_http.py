"""A lean HTTP/1.1 client for HTTP proxy calls to plain-`http://` upstreams.

Flows in: the method, the upstream URL (already checked by `http_proxy._endpoint`), the headers
and body the gateway forwards, the timeout. Flows out: the upstream's status, headers as sent
(names in their case, in order) and body as sent (no inflating), or an exception that
`http_proxy.call_upstream` turns into API Gateway's error (`TimeoutError`, `OSError`,
`httptools.HttpParserError`, `BodyTooLarge`).

Why not aiohttp here: an aiohttp request costs about 110 us of CPU in this process (measured on
the benchmark's proxy route, against about 30 us for the same round trip on a bare asyncio
protocol), most of the HTTP proxy's added latency. A proxy call needs little of what aiohttp
offers: no redirects, cookies, decompression, proxies or TLS. So keep-alive connections are
pooled per host and port, the request head is written in one piece and the response parsed by
httptools (uvicorn's parser, installed with it). `https://` upstreams, HEAD requests and the
non-proxy integrations (which inflate the body) stay on aiohttp.

The request is the one aiohttp would send (`Upstreams.session`): `Host` from the URL unless the
headers name one, then the headers as given, `Accept: */*` and aiohttp's `User-Agent` unless
given, `Content-Length` of the body (`0` for a method that carries one), and
`Content-Type: application/octet-stream` for POST, PUT and PATCH without one. A pooled
connection the upstream closed while idle is replaced once for an idempotent method, as aiohttp
retries one.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httptools
from aiohttp.http import SERVER_SOFTWARE

_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
_WITHOUT_BODY = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_POST_METHODS = frozenset({"PATCH", "POST", "PUT"})
_IDLE_PER_HOST = 256  # connections kept for reuse per upstream
_LIMIT = 256  # calls in flight at most, over all upstreams, as aiohttp's connector limit here
# The most bytes an answer's status line and headers may take. httptools buffers a header until
# it ends, with no bound of its own, so a hostile upstream could stream one header for the whole
# integration timeout: past this the call fails (502, as an unreadable answer), as aiohttp
# refuses a header line over 8190 bytes.
MAX_HEAD = 64 * 1024


class BodyTooLarge(Exception):
    """The upstream's body exceeds the limit the caller gave."""


class StaleConnection(ConnectionError):
    """A pooled connection closed before any byte of the answer came back."""


@dataclass(slots=True)
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class _Connection(asyncio.Protocol):
    """One keep-alive connection; one request at a time, its answer parsed by httptools."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.closed = False
        self.reused = False
        self.key = ("", 0)  # (host, port), set by the pool
        self._reset(None)

    def _reset(self, waiter: asyncio.Future[Answer] | None) -> None:
        self.waiter = waiter
        self.headers: list[tuple[str, str]] = []
        self.chunks: list[bytes] = []
        self.size = 0
        self.received = False
        self.head_size = 0  # bytes received before the end of the headers
        self.headers_done = False
        self.framed = False  # a Content-Length or chunked answer: its end is in the stream
        self.too_large = False
        self.keep_alive = False  # read with the headers: the parser forgets it at the end

    def request(self, head: bytes, body: bytes) -> asyncio.Future[Answer]:
        assert self.transport is not None
        waiter: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._reset(waiter)
        self.transport.write(head + body if body else head)
        return waiter

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.received = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:  # a callback's exception is wrapped in one
            self._fail(BodyTooLarge() if self.too_large else error)
            return
        if not self.headers_done:
            self.head_size += len(data)
            if self.head_size > MAX_HEAD:
                self._fail(httptools.HttpParserError("the answer's head is too large"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.waiter is None or self.waiter.done():
            return
        if self.headers_done and not self.framed:
            self._finish()  # an answer without a length ends with its connection
        elif not self.received and self.reused:
            self._fail(StaleConnection())
        else:
            self._fail(exc or ConnectionResetError("upstream closed the connection"))

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append(
            (name.decode("utf-8", "surrogateescape"), value.decode("utf-8", "surrogateescape"))
        )

    def on_headers_complete(self) -> None:
        self.headers_done = True
        self.keep_alive = self.parser.should_keep_alive()
        for name, value in self.headers:
            key = name.lower()
            if key == "content-length":
                self.framed = True
                if value.strip().isdigit() and int(value) > self.limit:
                    self.too_large = True
                    raise BodyTooLarge
            elif key == "transfer-encoding":
                self.framed = True

    def on_body(self, body: bytes) -> None:
        self.size += len(body)
        if self.size > self.limit:
            self.too_large = True
            raise BodyTooLarge
        self.chunks.append(body)

    def on_message_complete(self) -> None:
        if 100 <= self.parser.get_status_code() < 200:
            # An interim answer (`103 Early Hints`): the final one follows, as aiohttp skips it.
            self.headers, self.headers_done, self.framed = [], False, False
            return
        self._finish()

    def _finish(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            status = self.parser.get_status_code()
            waiter.set_result(Answer(status, self.headers, b"".join(self.chunks)))

    def _fail(self, error: Exception) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(error)
        self.close()

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class ConnectionPool:
    """Idle keep-alive connections per (host, port), reused most recent first."""

    def __init__(self) -> None:
        self.idle: dict[tuple[str, int], list[_Connection]] = {}
        # A flood of requests waits for a connection rather than opening one each.
        self.slots = asyncio.Semaphore(_LIMIT)

    async def call(
        self,
        method: str,
        host: str,
        port: int,
        head: bytes,
        body: bytes,
        limit: int,
    ) -> Answer:
        key = (host, port)
        async with self.slots:
            connection = self._take(key)
            try:
                return await self._exchange(connection or await self._open(key, limit), head, body)
            except StaleConnection:
                if method not in _IDEMPOTENT:
                    raise
                return await self._exchange(await self._open(key, limit), head, body)

    async def _exchange(self, connection: _Connection, head: bytes, body: bytes) -> Answer:
        try:
            answer = await connection.request(head, body)
        except BaseException:  # a timeout (cancelled) or an error: the connection is unusable
            connection.close()
            raise
        if not connection.closed and connection.framed and connection.keep_alive:
            self._give(connection)
        else:
            connection.close()
        return answer

    def _take(self, key: tuple[str, int]) -> _Connection | None:
        idle = self.idle.get(key)
        while idle:
            connection = idle.pop()
            if not connection.closed:
                connection.reused = True
                return connection
        return None

    def _give(self, connection: _Connection) -> None:
        idle = self.idle.setdefault(connection.key, [])
        if len(idle) < _IDLE_PER_HOST:
            connection.parser = httptools.HttpResponseParser(connection)
            connection.waiter = None
            idle.append(connection)
        else:
            connection.close()

    async def _open(self, key: tuple[str, int], limit: int) -> _Connection:
        loop = asyncio.get_running_loop()
        _, connection = await loop.create_connection(lambda: _Connection(limit), *key)
        connection.key = key
        return connection

    def close(self) -> None:
        for idle in self.idle.values():
            for connection in idle:
                connection.close()
        self.idle.clear()


def request_head(
    method: str, target: str, host: str, headers: list[tuple[str, str]], body: bytes
) -> bytes:
    """The request line and headers as aiohttp writes them (module docstring); a header name or
    value with a line break raises ValueError, as aiohttp refuses one."""
    names = {name.lower() for name, _ in headers}
    lines = [f"{method} {target} HTTP/1.1"]
    if "host" not in names:
        lines.append(f"Host: {host}")
    lines += [f"{name}: {value}" for name, value in headers]
    if "accept" not in names:
        lines.append("Accept: */*")
    if "user-agent" not in names:
        lines.append(f"User-Agent: {SERVER_SOFTWARE}")
    if (body or method not in _WITHOUT_BODY) and "content-length" not in names:
        lines.append(f"Content-Length: {len(body)}")
    if (body or method in _POST_METHODS) and "content-type" not in names:
        lines.append("Content-Type: application/octet-stream")
    text = "\r\n".join(lines)
    if text.count("\n") != len(lines) - 1 or text.count("\r") != len(lines) - 1:
        raise ValueError("a header name or value holds a line break")
    return (text + "\r\n\r\n").encode("utf-8")
