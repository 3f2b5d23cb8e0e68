"""A real `redis-server` for the tests of the Redis state backend (issue 13).

`RedisServer` starts `redis-server` (the Debian package `make test` installs) on 127.0.0.1, on a
port of this project's test range 23000-23999 (each xdist worker its own hundred), with no
persistence, and stops it; `restart` stops and starts it again on the same port (an outage the
gateway must ride through). The `redis_url` fixture is one server per test session and worker,
flushed before each test that uses it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

_BASE = 23000


def _ports() -> range:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker[2:]) if worker[2:].isdigit() else 0
    # APIGWC_TEST_PORT_BASE (see runtime_server): a concurrent run's redis ports sit at its
    # base + 2400, above its gateways' ports.
    base = os.environ.get("APIGWC_TEST_PORT_BASE")
    start = (int(base) + 2400 if base else _BASE) + 100 * (index % 10)
    return range(start, start + 100)


def free_redis_port() -> int:
    for port in _ports():
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port for redis-server in this worker's range")


class RedisServer:
    def __init__(self, folder: Path, port: int | None = None) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed: run `make deps` (or `make test`)")
        self.binary = binary
        self.folder = folder
        self.port = port or free_redis_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.folder)]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def flush(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as conn:
            conn.sendall(b"FLUSHALL\r\n")
            conn.recv(16)


@pytest.fixture(scope="session")
def redis_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(redis_session: RedisServer) -> str:
    redis_session.flush()
    return redis_session.url
