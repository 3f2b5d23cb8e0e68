"""The default server's HTTP/1.1 protocol (`runtime/server/http_protocol.py`), on the wire.

`runtime_specs/rest.yaml` built once and served as `python -m <pkg>` serves it (the gateway's own
protocol under uvicorn's server) on 127.0.0.1, with its log in a file; requests are written raw
on sockets, so that framing, pipelining, half-sent bodies and idle connections are the test's.
Each behaviour the protocol took over from uvicorn's ASGI protocol has a test here (the size
limits, the body limit, chunked bodies and `Expect` are also in test_runtime_hardening.py).
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.runtime_server import build_spec, free_port, upstream, wait_for_port, write_spec

GET_MOCK = b"GET /pets/search HTTP/1.1\r\nHost: gw\r\n\r\n"
MOCK_BODY = b'{"where":"search"}'
FAULTS = "Exception in the gateway's request path"

# Runs the generated package as `python -m <pkg>` does, with `Gateway.answer` failing on two
# paths (at once, and after awaiting): the only way to reach the protocol's fault answer, since
# the gateway turns every fault it foresees into a gateway response.
FAULTY = """\
import asyncio, runpy, sys
package, port = sys.argv[1:3]
gateway = __import__(package + "._runtime.pipeline.gateway", fromlist=["Gateway"]).Gateway
answer = gateway.answer

async def later():
    await asyncio.sleep(0.01)
    raise RuntimeError("SECRET-FAULT later")

def faulty(self, request):
    if request.path == "/fault/now":
        raise RuntimeError("SECRET-FAULT now")
    return later() if request.path == "/fault/later" else answer(self, request)

gateway.answer = faulty
sys.argv = [package, "--port", port, "--no-access-log"]
runpy.run_module(package, run_name="__main__")
"""


@dataclass
class Served:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    tmp = tmp_path_factory.mktemp("protocol")
    with upstream() as port:
        spec = write_spec(
            tmp, "rest.yaml", {"UPSTREAM": str(port), "CLOSED_PORT": str(free_port())}
        )
        yield tmp / "out" / "runtime", build_spec(spec, tmp / "out")


@contextmanager
def serve(built: tuple[Path, str], log: Path, *args: str, script: str = "") -> Iterator[Served]:
    runtime, package = built
    port = free_port()
    if script:
        command = [sys.executable, "-c", script, package, str(port)]
    else:
        command = [sys.executable, "-m", package, "--port", str(port), *args]
    env = dict(os.environ, PYTHONPATH=str(runtime))
    with log.open("wb") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, process)
        yield Served(port, process, log)
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=15)


@pytest.fixture(scope="module")
def gw(built: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    log = tmp_path_factory.mktemp("log") / "server.log"
    with serve(built, log, "--no-access-log") as served:
        yield served


def connect(port: int, timeout: float = 20) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=timeout)


def read_answers(sock: socket.socket, count: int) -> list[tuple[bytes, bytes]]:
    """`count` whole answers (head, body) from the socket, by their Content-Length."""
    data, answers = b"", []
    while len(answers) < count:
        head, found, rest = data.partition(b"\r\n\r\n")
        length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head) if found else None
        if length and len(rest) >= int(length.group(1)):
            answers.append((head, rest[: int(length.group(1))]))
            data = rest[int(length.group(1)) :]
            continue
        chunk = sock.recv(1 << 20)
        assert chunk, f"closed after {len(answers)} answers: {data[:200]!r}"
        data += chunk
    return answers


def read_to_end(sock: socket.socket) -> bytes:
    """Everything until the server ends the connection (an orderly end, not a reset)."""
    data = b""
    while chunk := sock.recv(1 << 20):
        data += chunk
    return data


def status(head: bytes) -> int:
    return int(head.split(b" ", 2)[1])


def event(body: bytes) -> dict[str, object]:
    found: dict[str, object] = json.loads(body)["event"]
    return found


# ---- pipelining and flow control ---------------------------------------------------------------


def test_pipelined_requests_are_answered_in_order(gw: Served) -> None:
    """A route that waits (Lambda) ahead of routes answered at once (MOCK): the answers still
    come in the order the requests were sent."""
    requests = [
        b"GET /lambda/slow-function?seconds=0.3&n=1 HTTP/1.1\r\nHost: gw\r\n\r\n",
        GET_MOCK,
        b"GET /pets?n=3 HTTP/1.1\r\nHost: gw\r\n\r\n",
        GET_MOCK,
    ]
    with connect(gw.port) as sock:
        sock.sendall(b"".join(requests))
        answers = read_answers(sock, 4)
    assert [status(head) for head, _ in answers] == [200, 200, 200, 200]
    assert answers[1][1] == answers[3][1] == MOCK_BODY
    assert event(answers[2][1])["queryStringParameters"] == {"n": "3"}
    assert answers[0][1] == b"late"


def test_a_client_that_does_not_read_makes_the_server_stop_reading(gw: Served) -> None:
    """Thousands of pipelined requests for large answers, none read for a while: the server
    pauses (its buffer stays bounded, far below the answers' size), then answers them all."""
    pad = b"X-Pad: " + b"p" * 8000 + b"\r\n"  # echoed twice in each event: ~17 KB answers
    count = 2000
    request = b"GET /pets HTTP/1.1\r\nHost: gw\r\n" + pad + b"\r\n"
    rss_before = _rss_kib(gw.process.pid)
    with connect(gw.port, timeout=60) as sock:
        sender = threading.Thread(target=sock.sendall, args=(request * count,))
        sender.start()
        time.sleep(2)  # the server fills its buffer and the socket's, then waits
        grown = _rss_kib(gw.process.pid) - rss_before
        answers = read_answers(sock, count)
        sender.join(timeout=60)
    assert all(status(head) == 200 for head, _ in answers)
    assert sum(len(body) for _, body in answers) > 30_000_000
    assert grown < 16 * 1024, grown  # not the 34 MB of answers


def _rss_kib(pid: int) -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", text).group(1))  # type: ignore[union-attr]


# ---- keep-alive and HTTP/1.0 -------------------------------------------------------------------


def test_an_idle_connection_is_closed_after_the_keep_alive_timeout(gw: Served) -> None:
    """uvicorn's `timeout_keep_alive` (5 s): after an answer, and on a connection that never
    sent anything."""
    with connect(gw.port) as used, connect(gw.port) as silent:
        used.sendall(GET_MOCK)
        assert read_answers(used, 1)[0][1] == MOCK_BODY
        started = time.monotonic()
        assert read_to_end(used) == b"" and read_to_end(silent) == b""
        assert 3 < time.monotonic() - started < 15


def test_http_1_0_closes_unless_keep_alive_is_asked(gw: Served) -> None:
    with connect(gw.port) as sock:
        sock.sendall(b"GET /pets/search HTTP/1.0\r\n\r\n")
        data = read_to_end(sock)
    assert data.startswith(b"HTTP/1.1 200 ") and b"\r\nconnection: close\r\n" in data
    with connect(gw.port) as sock:
        sock.sendall(b"GET /pets/search HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        ((head, body),) = read_answers(sock, 1)
        assert b"\r\nconnection: keep-alive" in head and body == MOCK_BODY
        sock.sendall(b"GET /pets/search HTTP/1.0\r\n\r\n")  # the same connection serves again
        assert read_to_end(sock).endswith(MOCK_BODY)


def test_connection_close_ends_the_connection_after_its_answer(gw: Served) -> None:
    with connect(gw.port) as sock:
        sock.sendall(
            b"GET /pets/search HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n" + GET_MOCK
        )
        data = read_to_end(sock)
    assert data.count(b"HTTP/1.1 200 ") == 1 and b"\r\nconnection: close\r\n" in data


# ---- bodies --------------------------------------------------------------------------------------


def test_a_chunked_body_in_pieces_reaches_the_function(gw: Served) -> None:
    with connect(gw.port) as sock:
        sock.sendall(b"POST /pets HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n")
        for piece in (b"5\r\nhello\r\n", b"1\r\n \r\n", b"5\r\nworld\r\n", b"0\r\n\r\n"):
            time.sleep(0.05)
            sock.sendall(piece)
        ((head, body),) = read_answers(sock, 1)
    assert status(head) == 200 and event(body)["body"] == "hello world"


def test_100_continue_only_when_the_body_is_awaited(gw: Served) -> None:
    head = b"POST /pets HTTP/1.1\r\nHost: gw\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"
    with connect(gw.port) as sock:
        sock.sendall(head + b"hi")  # the body came with the head: no interim answer
        data = read_answers(sock, 1)[0][0]
    assert data.startswith(b"HTTP/1.1 200 ")


def test_a_body_refused_at_its_declared_length_is_dropped_and_the_connection_serves_on(
    gw: Served,
) -> None:
    """413 before the body is read; the client sends it anyway: it is read and dropped, and
    the next request on the connection is answered."""
    size = 10 * 1024 * 1024 + 1
    with connect(gw.port, timeout=60) as sock:
        sock.sendall(b"POST /pets HTTP/1.1\r\nHost: gw\r\nContent-Length: %d\r\n\r\n" % size)
        ((head, body),) = read_answers(sock, 1)
        assert status(head) == 413 and b"10485760 bytes" in body
        sock.sendall(b"x" * size + GET_MOCK)
        assert read_answers(sock, 1)[0][1] == MOCK_BODY


# ---- malformed requests, faults, disconnects ---------------------------------------------------


def test_a_malformed_request_after_a_good_one_gets_400_after_its_answer(gw: Served) -> None:
    with connect(gw.port) as sock:
        sock.sendall(GET_MOCK + b"GET /pets HTTP/1.1\r\nHost : gw\r\n\r\n")
        data = read_to_end(sock)
    first, _, second = data.partition(MOCK_BODY)
    assert first.startswith(b"HTTP/1.1 200 ")
    assert second.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert second.endswith(b"\r\n\r\nInvalid HTTP request received.")


def test_a_head_over_the_buffer_is_refused_and_the_connection_ends_cleanly(gw: Served) -> None:
    """431 for a head over 128 KiB, then an orderly end (the rest is read and dropped for a
    moment first: closing with unread data would reset the connection under the answer)."""
    with connect(gw.port) as sock:
        sock.sendall(b"GET /pets HTTP/1.1\r\nHost: gw\r\nX-Huge: " + b"h" * 200_000 + b"\r\n\r\n")
        data = read_to_end(sock)  # a reset would raise ConnectionResetError here
    assert data.startswith(b"HTTP/1.1 431 ")
    assert data.endswith(b'{"message":"Request Header Fields Too Large"}')


def test_a_client_gone_mid_request_leaves_the_server_serving(gw: Served) -> None:
    with connect(gw.port) as sock:  # gone while its function runs
        sock.sendall(b"GET /lambda/slow-function?seconds=0.3 HTTP/1.1\r\nHost: gw\r\n\r\n")
    with connect(gw.port) as sock:  # gone halfway through its body
        sock.sendall(b"POST /pets HTTP/1.1\r\nHost: gw\r\nContent-Length: 100\r\n\r\nhalf")
    time.sleep(0.6)
    with connect(gw.port) as sock:
        sock.sendall(GET_MOCK)
        assert read_answers(sock, 1)[0][1] == MOCK_BODY
    assert "Traceback" not in gw.log_text() and FAULTS not in gw.log_text()


def test_a_fault_in_the_gateway_is_a_500_without_a_traceback(
    built: tuple[Path, str], tmp_path: Path
) -> None:
    with serve(built, tmp_path / "log", script=FAULTY) as served:
        for path in (b"/fault/now", b"/fault/later"):
            with connect(served.port) as sock:
                sock.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: gw\r\n\r\n" + GET_MOCK)
                data = read_to_end(sock)  # the connection ends with the fault's answer
            assert data.startswith(b"HTTP/1.1 500 Internal Server Error\r\n")
            assert data.endswith(b"\r\n\r\nInternal Server Error")
            assert b"SECRET" not in data and b"Traceback" not in data
        with connect(served.port) as sock:
            sock.sendall(GET_MOCK)
            assert read_answers(sock, 1)[0][1] == MOCK_BODY
    log = served.log_text()
    assert log.count(FAULTS) == 2 and "SECRET-FAULT now" in log and "SECRET-FAULT later" in log


# ---- trusted proxies, graceful shutdown, the access log ----------------------------------------


def test_a_trusted_proxy_chain_gives_the_first_untrusted_address(
    built: tuple[Path, str], tmp_path: Path
) -> None:
    trusted = ("--no-access-log", "--trusted-proxies", "127.0.0.1, 10.0.0.0/8")
    with serve(built, tmp_path / "log", *trusted) as served, connect(served.port) as sock:
        sock.sendall(
            b"GET /pets HTTP/1.1\r\nHost: gw\r\n"
            b"X-Forwarded-For: 198.51.100.1, 203.0.113.7\r\nX-Forwarded-For: 10.1.2.3\r\n\r\n"
        )
        ((_, body),) = read_answers(sock, 1)
    context = event(body)["requestContext"]
    assert context["identity"]["sourceIp"] == "203.0.113.7"  # type: ignore[index]


def test_a_graceful_shutdown_finishes_the_answer_in_flight(
    built: tuple[Path, str], tmp_path: Path
) -> None:
    with serve(built, tmp_path / "log", "--no-access-log") as served, connect(served.port) as sock:
        with connect(served.port) as idle, connect(served.port) as sending:
            fresh = connect(served.port)
            sock.sendall(b"GET /lambda/slow-function?seconds=0.8 HTTP/1.1\r\nHost: gw\r\n\r\n")
            sending.sendall(b"POST /pets HTTP/1.1\r\nHost: gw\r\nContent-Length: 4\r\n\r\nha")
            time.sleep(0.3)
            served.process.send_signal(signal.SIGTERM)
            time.sleep(0.3)
            sending.sendall(b"lf")  # the rest of a body in flight is still read
            # A connection made before the shutdown whose first request comes after it is
            # answered (a reload's swap: FIRST_REQUEST_GRACE_S), then ended.
            fresh.sendall(GET_MOCK)
            data, sent = read_to_end(sock), read_to_end(sending)  # answered, then ended
            late = read_to_end(fresh)
            fresh.close()
            # An idle connection ends (one that never sent a request, after the grace).
            assert read_to_end(idle) == b""
        assert late.startswith(b"HTTP/1.1 200 ") and b"\r\nconnection: close\r\n" in late
        assert data.startswith(b"HTTP/1.1 200 ") and b"\r\nconnection: close\r\n" in data
        assert sent.startswith(b"HTTP/1.1 200 ") and b'"body": "half"' in sent
        # uvicorn raises the signal again once shut down: the exit says SIGTERM ended it.
        assert served.process.wait(timeout=15) in (0, -signal.SIGTERM)
    with pytest.raises(OSError):
        connect(served.port, timeout=2)


def test_each_pipelined_answer_is_logged_once_in_order(
    built: tuple[Path, str], tmp_path: Path
) -> None:
    with serve(built, tmp_path / "log") as served, connect(served.port) as sock:
        sock.sendall(
            b"GET /pets?n=1 HTTP/1.1\r\nHost: gw\r\n\r\n"
            + GET_MOCK
            + b"DELETE /pets/search HTTP/1.1\r\nHost: gw\r\n\r\n"
        )
        answers = read_answers(sock, 3)
    ids = [re.search(rb"x-amzn-RequestId: (\S+)", head).group(1).decode() for head, _ in answers]  # type: ignore[union-attr]
    lines = [line for line in served.log_text().splitlines() if any(i in line for i in ids)]
    assert [next(i for i in ids if i in line) for line in lines] == ids
    assert [line.split('" ')[1][:3] for line in lines] == ["200", "200", "403"]
