"""The lean HTTP/1.1 client of HTTP proxy calls (runtime/integrations/upstream_http.py), against
real asyncio servers on 127.0.0.1 that answer with fixed bytes: framing (length, chunked, to the
close), keep-alive reuse, a pooled connection closed while idle, the body limit, and the request
head it writes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httptools
import pytest
from apigwc.runtime.integrations.upstream_http import (
    BodyTooLarge,
    ConnectionPool,
    request_head,
)

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _serve(handler: Handler) -> tuple[asyncio.Server, int]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def _read_head(reader: asyncio.StreamReader) -> bytes:
    return await reader.readuntil(b"\r\n\r\n")


def _get(port: int) -> bytes:
    return request_head("GET", "/x?a=1", f"127.0.0.1:{port}", [("X-Test", "1")], b"")


def test_keep_alive_connection_is_reused() -> None:
    accepted = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(1)
        while True:
            try:
                await _read_head(reader)
            except asyncio.IncompleteReadError:
                return
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Up: a\r\n\r\nok")

    async def main() -> list[tuple[int, list[tuple[str, str]], bytes]]:
        server, port = await _serve(handler)
        pool = ConnectionPool()
        answers = []
        for _ in range(3):
            answer = await pool.call("GET", "127.0.0.1", port, _get(port), b"", 100)
            answers.append((answer.status, answer.headers, answer.body))
        pool.close()
        server.close()
        return answers

    answers = asyncio.run(main())
    assert answers == [(200, [("Content-Length", "2"), ("X-Up", "a")], b"ok")] * 3
    assert len(accepted) == 1


@pytest.mark.parametrize(
    ("answer", "body"),
    [
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", b"abcde"),
        (b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the close", b"until the close"),
        (b"HTTP/1.1 204 No Content\r\n\r\n", b""),
        (b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb", b"b"),
    ],
)  # fmt: skip
def test_answer_framing(answer: bytes, body: bytes) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_head(reader)
        writer.write(answer)
        await writer.drain()
        if b"close" in answer:
            writer.close()

    async def main() -> bytes:
        server, port = await _serve(handler)
        pool = ConnectionPool()
        result = await pool.call("GET", "127.0.0.1", port, _get(port), b"", 100)
        pool.close()
        server.close()
        return result.body

    assert asyncio.run(main()) == body


@pytest.mark.parametrize(("method", "replaced"), [("GET", True), ("POST", False)])
def test_pooled_connection_closed_unanswered_is_replaced_once(method: str, replaced: bool) -> None:
    """The upstream closes a kept-alive connection as the next request arrives (its idle
    timeout): an idempotent request goes again on a new connection, as aiohttp retries it."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()
        await _read_head(reader)
        writer.close()  # the second request on this connection: closed, unanswered

    async def main() -> list[bytes]:
        server, port = await _serve(handler)
        pool = ConnectionPool()
        head = request_head(method, "/", f"127.0.0.1:{port}", [], b"")
        try:
            return [(await pool.call(method, "127.0.0.1", port, head, b"", 9)).body for _ in "12"]
        finally:
            pool.close()
            server.close()

    if replaced:
        assert asyncio.run(main()) == [b"ok", b"ok"]
    else:
        with pytest.raises(ConnectionError):
            asyncio.run(main())


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n",  # declared over the limit
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nb\r\nhello world\r\n0\r\n\r\n",
    ],
)
def test_body_over_the_limit(answer: bytes) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_head(reader)
        writer.write(answer)

    async def main() -> None:
        server, port = await _serve(handler)
        pool = ConnectionPool()
        try:
            await pool.call("GET", "127.0.0.1", port, _get(port), b"", 10)
        finally:
            pool.close()
            server.close()

    with pytest.raises(BodyTooLarge):
        asyncio.run(main())


def test_request_head_as_aiohttp_writes_it() -> None:
    head = request_head("POST", "/p?q=%20", "h:8080", [("X-A", "1"), ("x-a", "2")], b"")
    lines = head.decode().split("\r\n")
    assert lines[:4] == ["POST /p?q=%20 HTTP/1.1", "Host: h:8080", "X-A: 1", "x-a: 2"]
    assert lines[4] == "Accept: */*"
    assert lines[5].startswith("User-Agent: Python/")
    assert lines[6:] == [
        "Content-Length: 0",
        "Content-Type: application/octet-stream",
        "",
        "",
    ]
    given = request_head("GET", "/", "h", [("Host", "x"), ("Accept", "a/b")], b"")
    assert given.decode().split("\r\n")[1:3] == ["Host: x", "Accept: a/b"]
    with pytest.raises(ValueError, match="line break"):
        request_head("GET", "/", "h", [("X-A", "1\r\nX-B: 2")], b"")


def test_endless_head_fails_the_call() -> None:
    """A hostile upstream streaming one header without end: the call fails once the head passes
    MAX_HEAD, rather than the parser buffering it for the whole timeout."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nX-Endless: ")
        try:
            for _ in range(200):  # bounded: 200 x 4 KiB, well past MAX_HEAD
                writer.write(b"a" * 4096)
                await writer.drain()
                await asyncio.sleep(0)
        except (ConnectionError, OSError):
            pass
        writer.close()

    async def main() -> BaseException | None:
        server, port = await _serve(handler)
        pool = ConnectionPool()
        try:
            await pool.call("GET", "127.0.0.1", port, _get(port), b"", 100)
        except Exception as error:  # the failure is the answer under test
            return error
        finally:
            pool.close()
            server.close()
        return None

    error = asyncio.run(asyncio.wait_for(main(), 20))
    assert isinstance(error, httptools.HttpParserError)
    assert "head is too large" in str(error)
