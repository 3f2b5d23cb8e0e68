"""The HTTP/1.1 protocol `python -m <pkg>` serves with (the default server): the gateway's own,
on httptools, run by uvicorn's server (its loop, sockets, workers, signals, graceful shutdown).

Flows in: bytes from a client connection. Flows out: the gateway's answers as bytes, in the order
the requests came, and one access log line per answer (`Gateway.sent`). Between the two there is
no ASGI: the protocol builds the `Request` (header names lower-cased, as the pipeline reads them,
and as the client wrote them, `Request.header_names`), asks the gateway (`Gateway.oversize`,
`Gateway.too_large`, `Gateway.answer`) and writes the response head and body in one write.

Why its own: uvicorn's ASGI layer (scope, request/response cycle, a task and two messages per
request) cost more than the gateway's own work on a MOCK route (benchmarks/README.md), and
API Gateway keeps the client's header-name casing in a REST Lambda proxy event (`tEsT-HEADeR`
arrives as written; reference §2.1, recorded), which ASGI loses. A route that answers at once
(MOCK) is answered inside the parser's callback, with no task; a route that waits (HTTP, an
authorizer) runs in a task (`asyncio.timeout` needs one), except a local Lambda proxy route,
whose answer is written when the handler pool settles it (`Pending`: no task, no coroutine).

What it keeps of uvicorn's httptools protocol, each tested in tests/test_http_protocol.py: API
Gateway's URL and header limits (measured here, answered by the gateway: 414, 431) and a head over
`HEAD_LIMIT` refused outright; the 10 MB body limit (a declared length at once, a chunked body
when its total passes it, the rest read and dropped); chunked bodies; `Expect: 100-continue` (the
interim answer only when the body is awaited); pipelining (answers in order; reading paused while
requests wait); flow control (reading and answering paused while the transport's buffer is
full); keep-alive and its idle timeout (`timeout_keep_alive`); HTTP/1.0 (closed unless
keep-alive); a malformed request: uvicorn's 400, then the connection ends; a fault in the
gateway: uvicorn's 500, logged, no traceback to the client; `--trusted-proxies` (uvicorn's
`ProxyHeadersMiddleware` settings: X-Forwarded-For and X-Forwarded-Proto believed from the proxies
named); graceful shutdown (answers in flight finish); a client gone mid-request (its answer
dropped; a function already running is not stopped, as Lambda's is not). An upgrade request is an
ordinary request, after which the connection ends, except `Upgrade: websocket` on a gateway with a
WebSocket API: the connection is handed to uvicorn's WebSocket protocol (its `ws` setting,
runtime/websocket/protocol.py) with the upgrade request replayed, as uvicorn's own HTTP protocols
hand it over, and the names as the client wrote them in the `HEADER_NAMES` scope extension.

It leans on a few uvicorn names (the server's state, the config, the proxy settings:
`uvicorn_internals` lists them); pyproject.toml bounds uvicorn to the versions the tests run on,
and a uvicorn without them stops the server at start-up with `UvicornInternalsChanged`.
"""

from __future__ import annotations

import asyncio
import http
import logging
from collections import deque
from collections.abc import Awaitable
from typing import Any

import httptools
from uvicorn.config import Config
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware
from uvicorn.server import ServerState

from ..pipeline import wire
from ..pipeline.context import HEADER_NAMES, SIZE_LIMIT, Request
from ..pipeline.gateway import Gateway
from ..pipeline.pending import Pending
from ..responses.gateway_responses import Response
from . import HEAD_LIMIT
from .uvicorn_internals import require_internals

require_internals()  # before serving a request: a uvicorn without what the protocol uses stops

LINGER_S = 2.0  # how long a refused connection's further bytes are read and dropped
FIRST_REQUEST_GRACE_S = 1.0  # at shutdown, how long a new connection's first request is awaited
log = logging.getLogger("uvicorn.error")
# A fault in the request path: logged with its traceback, answered as uvicorn answers one.
FAULT_MESSAGE = "Exception in the gateway's request path"


def _status_line(status: int) -> bytes:
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:  # a status HTTP names no phrase for (API Gateway sends none either)
        phrase = ""
    return f"HTTP/1.1 {status} {phrase}\r\n".encode()


STATUS_LINES = {status: _status_line(status) for status in range(100, 600)}
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_CLOSE = b"connection: close\r\n"
_KEEP_ALIVE = b"connection: keep-alive\r\n"  # an HTTP/1.0 client asked for it
_HEAD_REFUSAL = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"Content-Type: application/json\r\n"
    b"Content-Length: 45\r\n"
    b"Connection: close\r\n\r\n"
    b'{"message":"Request Header Fields Too Large"}'
)


class Exchange:
    """One request on a connection and its answer: a `Response` from the gateway, or bytes
    the protocol answers itself (400, 500, the head refusal), after which the connection ends."""

    __slots__ = (
        "answer",
        "chunks",
        "complete",
        "continued",
        "expects",
        "http10",
        "keep_alive",
        "linger",
        "request",
        "running",
        "size",
    )

    def __init__(self, request: Request | None, keep_alive: bool, http10: bool = False) -> None:
        self.request = request  # None: an answer to no request (400, the head refusal)
        self.keep_alive = keep_alive
        self.http10 = http10
        self.answer: Response | bytes | None = None
        self.chunks: list[bytes] = []  # the body so far
        self.size = 0
        self.complete = False  # the whole request has come
        self.running = False  # the gateway's answer is awaited (a task, or a Pending's listener)
        self.expects = False  # `Expect: 100-continue`
        self.continued = False  # the interim 100 was sent
        self.linger = False  # after the answer, drop what comes for a moment, then close


def _gateway_of(app: Any) -> tuple[Gateway, Any]:
    """The gateway uvicorn loaded, and the trusted proxies when uvicorn's proxy settings are
    on (the protocol believes their X-Forwarded-For itself: no ASGI middleware runs)."""
    trusted = None
    if isinstance(app, ProxyHeadersMiddleware):
        trusted, app = app.trusted_hosts, app.app
    if not isinstance(app, Gateway):
        raise TypeError(f"the gateway's HTTP protocol serves a generated gateway, not {app!r}")
    return app, trusted


class GatewayHttpProtocol(asyncio.Protocol):
    """One client connection: requests parsed by httptools, answered by the gateway, in order."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        if not config.loaded:
            config.load()
        self.gateway, self.trusted = _gateway_of(config.loaded_app)
        self.config, self.app_state = config, app_state
        # uvicorn's WebSocket protocol when the API has a WebSocket API (`ws` setting), else None
        self.ws_protocol: Any = getattr(config, "ws_protocol_class", None)
        self.upgrading = False  # the head parsed is a WebSocket upgrade handed over
        self.loop = _loop or asyncio.get_event_loop()
        self.server_state = server_state
        self.tasks = server_state.tasks
        self.keep_alive_s = config.timeout_keep_alive
        self.parser: Any = httptools.HttpRequestParser(self)
        # As uvicorn: the requests after one with `Connection: close` are parsed, not refused
        # (the connection ends after that one's answer).
        self.parser.set_dangerous_leniencies(lenient_data_after_close=True)
        self.transport: asyncio.Transport = None  # type: ignore[assignment]
        self.client = "127.0.0.1"
        self.port = 80
        self.scheme = "http"
        self.from_proxy = False  # the peer is a trusted proxy
        self.exchanges: deque[Exchange] = deque()  # in the order the requests came
        self.receiving: Exchange = None  # type: ignore[assignment]  # the latest head's
        self.timer: asyncio.TimerHandle | None = None  # the keep-alive timeout
        self.read_paused = False
        self.write_paused = False
        self.parsing = True  # False once no further request is taken from this connection
        self.closing = False  # shutdown: the connection ends after the answer in flight
        self.fresh = True  # no request has begun on this connection yet
        self.lost = False
        # The request head being parsed.
        self.url = b""
        self.headers: list[tuple[str, str]] = []
        self.names: list[bytes] = []
        self.in_head = False
        self.head_began = False  # in the chunk being parsed
        self.head_bytes = 0  # bytes received while in the head
        self.header_bytes = 0  # header names and values, as received
        self.feeding = False  # a chunk is being parsed

    # -- the connection ------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.server_state.connections.add(self)  # type: ignore[arg-type]
        self.transport = transport  # type: ignore[assignment]
        peer = transport.get_extra_info("peername")
        if isinstance(peer, tuple):
            self.client = str(peer[0])
        local = transport.get_extra_info("sockname")
        if isinstance(local, tuple):
            self.port = int(local[1])
        if transport.get_extra_info("sslcontext"):
            self.scheme = "https"
        self.from_proxy = self.trusted is not None and self.client in self.trusted
        self._arm_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self.server_state.connections.discard(self)
        self.lost = True
        self.parsing = False
        self.exchanges.clear()  # answers still being made are dropped when they come
        self._disarm_timer()
        self.parser = None  # it refers back to the protocol

    def data_received(self, data: bytes) -> None:
        self._disarm_timer()
        if not self.parsing:
            return  # after a malformed request, an upgrade, a refused head: dropped
        self.feeding = True
        self.head_began = False
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if self.upgrading:
                self._switch_to_websocket()
            else:
                self._stop_after(self.receiving)
        except httptools.HttpParserError as error:
            self._parse_failed(error)
        self.feeding = False
        if self.in_head and self.parsing:
            self._count_head(len(data))
        elif self.exchanges and self.parsing:
            self._continue(self.exchanges[0])

    def _count_head(self, received: int) -> None:
        """A head still incomplete after a chunk: refused past `HEAD_LIMIT` (httptools would
        buffer a header without bound). The chunk it began in is counted by its parsed parts
        (that chunk may hold earlier pipelined requests), the next ones whole: a head is
        refused within one chunk past the limit."""
        if self.head_began:
            self.head_bytes = len(self.url) + self.header_bytes
        else:
            self.head_bytes += received
        if self.head_bytes > HEAD_LIMIT:
            self._refuse_head()

    def _parse_failed(self, error: httptools.HttpParserError) -> None:
        """A malformed request (a URL httptools cannot split included): uvicorn's 400; a fault
        of this protocol's callbacks: uvicorn's 500, logged. Either ends the connection, after
        the answers to the requests before it."""
        cause = error.__context__ if isinstance(error, httptools.HttpParserCallbackError) else None
        if cause is None or isinstance(cause, httptools.HttpParserError):
            log.warning("Invalid HTTP request received.")
            self._end_with(self._bad_request())
        else:
            log.error(FAULT_MESSAGE, exc_info=cause)
            self._end_with(self._fault_answer())

    def eof_received(self) -> None:
        """The client has sent all it will: the transport closes (as under uvicorn's
        protocol), after writing what is already written."""

    def pause_writing(self) -> None:
        """The transport's buffer is full: no more answers, and no more reading, until it
        drains (a client that sends and never reads cannot make the server buffer without
        bound)."""
        self.write_paused = True
        self._pause_reading()

    def resume_writing(self) -> None:
        self.write_paused = False
        self._advance()

    def shutdown(self) -> None:
        """uvicorn's graceful shutdown: an idle connection ends now, a busy one after the
        answer in flight (uvicorn waits for the connection to end). A connection whose first
        request has not come yet gets `FIRST_REQUEST_GRACE_S` for it: its client connected
        just before the shutdown (a reload's swap hands the listening socket over) and its
        request is on its way; closing now would drop it unanswered, which a client cannot
        tell from a failure."""
        if self.exchanges:  # reading goes on: the request in flight may still be receiving
            self.closing = True
        elif self.fresh:
            self.closing = True
            self._disarm_timer()
            self.timer = self.loop.call_later(FIRST_REQUEST_GRACE_S, self.transport.close)
        else:
            self.transport.close()

    def timeout_keep_alive_handler(self) -> None:
        if not self.transport.is_closing():
            self.transport.close()

    # -- httptools' callbacks ------------------------------------------------------------------

    def on_message_begin(self) -> None:
        self.fresh = False
        self.url = b""
        self.headers = []
        self.names = []
        self.header_bytes = 0
        self.in_head = True
        self.head_began = True

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.names.append(name)
        self.header_bytes += len(name) + len(value)
        # RFC 9110 §5.5: white space around a value is not part of it (llhttp keeps the end's).
        value = value.rstrip(b" \t")
        self.headers.append((name.lower().decode("latin-1"), value.decode("latin-1")))

    def on_headers_complete(self) -> None:
        self.in_head = False
        if self._websocket_upgrade():
            self.upgrading = True
            return
        exchange = self._exchange()
        self.receiving = exchange
        self.exchanges.append(exchange)
        if len(self.exchanges) > 1:
            self._pause_reading()  # pipelined: the next requests wait for this one's turn
        else:
            self._advance()

    def on_body(self, body: bytes) -> None:
        if self.upgrading:
            return  # an upgrade request has no body: the next bytes are frames
        exchange = self.receiving
        if exchange.answer is not None:
            return  # refused: the rest of the body is read and dropped
        exchange.size += len(body)
        if exchange.size > wire.MAX_BODY:
            exchange.chunks = []
            self._answered(exchange, self.gateway.too_large(exchange.request))  # type: ignore[arg-type]
            return
        exchange.chunks.append(body)

    def on_message_complete(self) -> None:
        if self.upgrading:
            return  # handed over when the parser stops at the upgrade (data_received)
        exchange = self.receiving
        exchange.complete = True
        if exchange.answer is None and self.exchanges and self.exchanges[0] is exchange:
            self._advance()

    # -- one request ---------------------------------------------------------------------------

    def _exchange(self) -> Exchange:
        """The request of the head just parsed, refused at once when over API Gateway's URL,
        header or body limits."""
        parser = self.parser
        url = self.url
        oversize = len(url) + self.header_bytes > SIZE_LIMIT
        # httptools cannot parse a URL over 64 KiB; one over the limit is refused whatever it
        # says, so it is not parsed.
        parsed = httptools.parse_url(b"/" if len(url) > SIZE_LIMIT else url)
        if parsed.path is None:
            raise httptools.HttpParserInvalidURLError("no path")
        request = self._request(parser.get_method().decode("ascii"), parsed)
        http10 = parser.get_http_version() == "1.0"
        exchange = Exchange(request, parser.should_keep_alive() and not self.closing, http10)
        refusal = self._refusal(request, len(url)) if oversize else None
        if refusal is None and wire.declared_too_large(request.header("content-length")):
            refusal = self.gateway.too_large(request)
        if refusal is not None:
            exchange.answer = refusal
        else:
            expect = request.header("expect")
            exchange.expects = expect is not None and expect.lower() == "100-continue"
        return exchange

    def _request(self, method: str, parsed: Any) -> Request:
        client, scheme = self.client, self.scheme
        if self.from_proxy:
            client, scheme = self._forwarded(client, scheme)
        query = parsed.query
        return Request(  # positional: a call per request
            method,
            parsed.path.decode("latin-1"),
            query.decode("latin-1") if query else "",
            self.headers,
            b"",
            client,
            scheme,
            self.port,
            "",
            None,
            "",
            "",
            self.names,
        )

    def _forwarded(self, client: str, scheme: str) -> tuple[str, str]:
        """The caller and scheme a trusted proxy gives, as uvicorn's ProxyHeadersMiddleware
        reads them: the chain's nearest untrusted address, an `http`/`https` protocol."""
        chain = []
        for name, value in self.headers:
            if name == "x-forwarded-for":
                chain.append(value)
            elif name == "x-forwarded-proto" and value.strip() in ("http", "https"):
                scheme = value.strip()
        if chain:
            host, _ = self.trusted.get_trusted_client_address(", ".join(chain))
            client = host or client
        return client, scheme

    def _refusal(self, request: Request, url: int) -> Response | None:
        values = sum(len(value) for _, value in self.headers)
        return self.gateway.oversize(url, values, url + self.header_bytes)

    def _advance(self) -> None:
        """Answer the requests at the head of the line, in order: write what is answered, run
        the next complete request (at once, or later when it waits), send `100 Continue`
        to one whose body is awaited; when none is left, read again and wait keep-alive."""
        exchanges = self.exchanges
        while exchanges and not self.write_paused and not self.lost:
            exchange = exchanges[0]
            answer = exchange.answer
            if answer is None:
                if exchange.running:
                    return
                if not exchange.complete:
                    self._await_body(exchange)
                    return
                answer = self._run(exchange)
                if answer is None:
                    return
            exchanges.popleft()
            if not self._write(exchange, answer):
                return
        if not exchanges and not self.lost:
            self._idle()

    def _await_body(self, exchange: Exchange) -> None:
        """The first request waits for its body: reading on, `100 Continue` if asked."""
        self._continue(exchange)
        self._resume_reading()

    def _continue(self, exchange: Exchange) -> None:
        """`100 Continue` to the first request, when it asked for it and its body is awaited
        (not while a chunk is parsed: the body may follow in the same chunk)."""
        awaited = exchange.answer is None and not exchange.complete and not exchange.running
        if awaited and exchange.expects and not exchange.continued and not self.feeding:
            exchange.continued = True
            self.transport.write(_CONTINUE)

    def _run(self, exchange: Exchange) -> Response | bytes | None:
        """The gateway's answer, or None while a task awaits it."""
        request: Request = exchange.request  # type: ignore[assignment]
        chunks = exchange.chunks
        if chunks:
            request.body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
            exchange.chunks = []
        try:
            answer = self.gateway.answer(request)
        except Exception:
            log.exception(FAULT_MESSAGE)
            return self._fault_answer()
        if isinstance(answer, Response):
            return answer
        exchange.running = True
        if isinstance(answer, Pending):  # a Lambda proxy route: no task (pipeline/pending.py)
            answer.listen(self._settled, exchange)
            return None
        task = self.loop.create_task(self._awaited(exchange, answer))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return None

    async def _awaited(self, exchange: Exchange, answer: Awaitable[Response]) -> None:
        try:
            response: Response | bytes = await answer
        except Exception:
            log.exception(FAULT_MESSAGE)
            response = self._fault_answer()
        exchange.running = False
        self._answered(exchange, response)

    def _settled(
        self, response: Response | None, error: BaseException | None, exchange: Exchange
    ) -> None:
        """`_awaited` for a `Pending` answer."""
        answer: Response | bytes
        if error is not None or response is None:
            log.error(FAULT_MESSAGE, exc_info=error)
            answer = self._fault_answer()
        else:
            answer = response
        exchange.running = False
        self._answered(exchange, answer)

    def _answered(self, exchange: Exchange, answer: Response | bytes) -> None:
        """An answer made out of turn (a task's, a body refused): written when its turn comes."""
        exchange.answer = answer
        if self.lost:
            if isinstance(answer, Response) and exchange.request is not None:
                self.gateway.sent(exchange.request, answer)  # logged, as the ASGI entry does
            return
        if self.exchanges and self.exchanges[0] is exchange:
            self._advance()

    # -- the wire ------------------------------------------------------------------------------

    def _write(self, exchange: Exchange, answer: Response | bytes) -> bool:
        """One answer on the wire; False when the connection ends with it."""
        request = exchange.request
        if isinstance(answer, bytes) or request is None:
            self.transport.write(answer)  # type: ignore[arg-type]
            self._end(exchange.linger)
            return False
        keep_alive = exchange.keep_alive and not self.closing
        lines = [STATUS_LINES.get(answer.status) or _status_line(answer.status)]
        for name, value in self.server_state.default_headers:  # `date`, kept by uvicorn
            lines += (name, b": ", value, b"\r\n")
        for name, value in self.gateway.wire_headers(request, answer):
            lines += (name, b": ", value, b"\r\n")
        if not keep_alive:
            lines.append(_CLOSE)
        elif exchange.http10:
            lines.append(_KEEP_ALIVE)
        lines.append(b"\r\n")
        if request.method != "HEAD":
            lines.append(answer.body)
        self.transport.write(b"".join(lines))
        self.gateway.sent(request, answer)
        if not keep_alive:
            self._end(False)
            return False
        return True

    def _end(self, linger: bool) -> None:
        """The connection ends after what was written: at once, or after a moment of reading
        and dropping what the client still sends (closing a socket with unread data resets it,
        and the client could lose the answer)."""
        self.parsing = False
        self.exchanges.clear()
        if linger:
            if self.transport.can_write_eof():
                self.transport.write_eof()
            self._resume_reading()
            self.loop.call_later(LINGER_S, self.transport.close)
        else:
            self.transport.close()

    def _end_with(self, answer: bytes, linger: bool = False) -> None:
        """No further request from this connection: `answer` after the ones in hand."""
        self.in_head = False
        self.parsing = False
        self._pause_reading()
        exchanges = self.exchanges
        receiving = self.receiving
        unfinished = receiving is not None and receiving.answer is None and not receiving.complete
        if exchanges and exchanges[-1] is receiving and unfinished:
            exchanges.pop()  # the request the bad bytes belong to is not answered
        final = Exchange(None, False)
        final.answer = answer
        final.linger = linger
        exchanges.append(final)
        self._advance()

    def _websocket_upgrade(self) -> bool:
        """A WebSocket upgrade this connection hands over: the API has a WebSocket API, no
        earlier request is still being answered, and the head asks for `websocket`."""
        if self.ws_protocol is None or self.exchanges or not self.parser.should_upgrade():
            return False
        upgrade = next((v for k, v in self.headers if k == "upgrade"), "")
        return upgrade.lower() == "websocket"

    def _switch_to_websocket(self) -> None:
        """The connection becomes the WebSocket protocol's: the upgrade request is replayed to
        it (names lower cased, as uvicorn replays them; the client's casing goes in the
        `HEADER_NAMES` extension its scope reads from this protocol's `scope`)."""
        self.parsing = False
        self._disarm_timer()
        self.server_state.connections.discard(self)
        method = self.parser.get_method()
        head = [method, b" ", self.url, b" HTTP/1.1\r\n"]
        for name, value in self.headers:
            head += [name.encode("latin-1"), b": ", value.encode("latin-1"), b"\r\n"]
        head.append(b"\r\n")
        self.scope = {"extensions": {HEADER_NAMES: list(self.names)}}
        protocol = self.ws_protocol(
            config=self.config, server_state=self.server_state, app_state=self.app_state
        )
        protocol.connection_made(self.transport)
        protocol.data_received(b"".join(head))
        self.transport.set_protocol(protocol)

    def _stop_after(self, exchange: Exchange) -> None:
        """An upgrade request: answered as any request (no protocol is switched to), then the
        connection ends (what follows it on the wire is not HTTP/1.1)."""
        exchange.keep_alive = False
        self.parsing = False
        self._pause_reading()
        self._advance()

    def _refuse_head(self) -> None:
        """No request is made of a head this long (the parser would buffer it without bound):
        431 after the answers in hand, then the connection ends."""
        self._end_with(_HEAD_REFUSAL, linger=True)

    def _bad_request(self) -> bytes:
        return self._plain(400, b"Invalid HTTP request received.")

    def _fault_answer(self) -> bytes:
        return self._plain(500, b"Internal Server Error")

    def _plain(self, status: int, text: bytes) -> bytes:
        """uvicorn's own answer to a malformed request or a fault, then the connection ends."""
        lines = [STATUS_LINES[status]]
        for name, value in self.server_state.default_headers:
            lines += (name, b": ", value, b"\r\n")
        lines += (
            b"content-type: text/plain; charset=utf-8\r\n",
            b"content-length: %d\r\n" % len(text),
            _CLOSE,
            b"\r\n",
            text,
        )
        return b"".join(lines)

    def _idle(self) -> None:
        if not self.parsing or self.closing:
            self.transport.close()  # the answers in hand are written: nothing more comes
            return
        self._resume_reading()
        if not self.write_paused:  # a client not reading yet is not idle
            self._arm_timer()

    def _pause_reading(self) -> None:
        if not self.read_paused and not self.lost:
            self.read_paused = True
            self.transport.pause_reading()

    def _resume_reading(self) -> None:
        if self.read_paused and not self.write_paused:
            self.read_paused = False
            self.transport.resume_reading()

    def _arm_timer(self) -> None:
        self._disarm_timer()
        self.timer = self.loop.call_later(self.keep_alive_s, self.timeout_keep_alive_handler)

    def _disarm_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
