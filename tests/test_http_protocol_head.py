"""The response head the gateway's uvicorn protocol writes itself (`CasedResponseCycle`) against
the one uvicorn's own cycle writes for the same messages: the same bytes but for the header
names' casing, the same connection state after it, the same refusals. A uvicorn release that
changes its head would fail here (pyproject.toml bounds uvicorn to the versions tested)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from apigwc.runtime.server.http_protocol import CasedResponseCycle
from uvicorn.protocols.http.flow_control import FlowControl
from uvicorn.protocols.http.httptools_impl import RequestResponseCycle

DATE = [(b"date", b"Mon, 07 Dec 2026 13:00:00 GMT")]
JSON = (b"Content-Type", b"application/json")


class Written(asyncio.Transport):
    """A transport that keeps what is written to it."""

    def __init__(self) -> None:
        super().__init__()
        self.data: list[bytes] = []
        self.closed = False

    def write(self, data: Any) -> None:
        self.data.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed


def _cycle(kind: type[RequestResponseCycle], method: str, keep_alive: bool) -> Any:
    transport = Written()
    return kind(
        scope={"method": method},  # type: ignore[typeddict-item]
        transport=transport,
        flow=FlowControl(transport),
        logger=logging.getLogger("test"),
        access_logger=logging.getLogger("test.access"),
        access_log=False,
        default_headers=DATE,
        message_event=asyncio.Event(),
        expect_100_continue=False,
        keep_alive=keep_alive,
        on_response=lambda: None,
    )


def _answer(kind: type[RequestResponseCycle], case: tuple[Any, ...]) -> tuple[Any, ...]:
    status, method, keep_alive, headers, body = case
    cycle = _cycle(kind, method, keep_alive)

    async def exchange() -> None:
        await cycle.send({"type": "http.response.start", "status": status, "headers": headers})
        await cycle.send({"type": "http.response.body", "body": body})

    asyncio.run(exchange())
    state = (cycle.keep_alive, cycle.chunked_encoding, cycle.expected_content_length)
    return cycle.transport.data, state, cycle.transport.closed, cycle.response_complete


CASES = [
    (200, "GET", True, [JSON, (b"Content-Length", b"2")], b"{}"),
    (200, "GET", True, [JSON], b"{}"),  # no length: chunked
    (204, "GET", True, [], b""),
    (304, "GET", True, [(b"ETag", b'"x"')], b""),
    (200, "HEAD", True, [JSON], b""),
    (200, "GET", True, [(b"Connection", b"keep-alive, Close"), (b"Content-Length", b"0")], b""),
    (200, "GET", False, [(b"Content-Length", b"2")], b"{}"),  # HTTP/1.0 or client's close
    (200, "GET", True, [(b"Transfer-Encoding", b"Chunked"), (b"X-Tab", b"a\tb")], b"{}"),
    (404, "GET", True, [(b"x-amzn-RequestId", b"id"), (b"Content-Length", b"0")], b""),
]


@pytest.mark.parametrize("case", CASES)
def test_the_head_is_uvicorns_with_the_names_as_given(case: tuple[Any, ...]) -> None:
    ours = _answer(CasedResponseCycle, case)
    theirs = _answer(RequestResponseCycle, case)
    assert ours[1:] == theirs[1:]
    assert [data.lower() for data in ours[0]] == [data.lower() for data in theirs[0]]
    for name, _ in case[3]:
        assert b"\r\n" + name + b": " in ours[0][0]


@pytest.mark.parametrize(
    "headers",
    [
        [(b"Bad Name", b"v")],
        [(b"X-Value", b"a\nb")],
        [(b"X-Value", b"a\x00")],
        [(b"X-Ok", b"v"), (b"X-Value", b"a\rb"), (b"Bad:Name", b"v")],  # the first one's
    ],
)
def test_a_header_uvicorn_refuses_is_refused(headers: list[tuple[bytes, bytes]]) -> None:
    case = (200, "GET", True, headers, b"")
    with pytest.raises(RuntimeError) as ours:
        _answer(CasedResponseCycle, case)
    with pytest.raises(RuntimeError) as theirs:
        _answer(RequestResponseCycle, case)
    assert str(ours.value) == str(theirs.value)
