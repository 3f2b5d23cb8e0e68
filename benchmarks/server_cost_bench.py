"""CPU instructions per request of the gateway's server process on uvicorn, against a bare app.

    .venv/bin/python benchmarks/server_cost_bench.py [--requests 2000] [--warmup 500]
                                                     [--targets bare,mock,lambda,floor]
                                                     [--profile TARGET] [--annotate]
                                                     [--connections 1] [--cpu --duration 5]

wrk's requests per second on a shared, loaded 2-core machine drift by 10-20% between runs; the
instructions a server process executes for a fixed number of requests do not (callgrind counts
them; they vary by well under 1% between runs). Each target is served the way `python -m <pkg>`
serves the gateway (`_runtime/server/uvicorn_server.settings`: one worker, httptools, uvloop, no
access log, no `server` header) under `valgrind --tool=callgrind`, the collection off while
Python starts. A client outside valgrind sends `--warmup` keep-alive requests on one connection
(imports, CPython's specialisation, the Lambda handler's load), the counters are zeroed
(`callgrind_control -z`), it sends `--requests` more, the counters are dumped: the instructions
of those requests only, the server's whole process (all threads: uvicorn, the gateway, uvloop,
httptools, CPython), divided by the count. Each request is `GET <path> HTTP/1.1` with a `Host`
header only, as wrk sends it.

    bare        the ASGI app of runtime_bench.py (fixed JSON, two headers) on uvicorn's own
                httptools protocol (the baseline)
    mock        GET /mock?x=1 of runtime_bench.py's gateway (MOCK, request validator, VTL), on
                the gateway's own protocol (`_runtime/server/http_protocol.py`), as served
    lambda      GET /lambda (AWS_PROXY to an in-process handler), the same way
    mock_log    (only when named) the MOCK route with the gateway's access log on (the default
                of `python -m <pkg>`; its writer thread's instructions counted too)
    mock_console (only when named) the MOCK route with the console line on (`apigwc serve`'s
                default for a spec whose stage sets no access log format, as this one:
                observability/console_log.py; both threads counted)
    mock_serve_log (only when named) the console line and the access log's CLF line
                (`apigwc serve --access-log stderr`)
    mock_metrics  (only when named) the MOCK route with the metrics on (`--admin-port`: the
                counters of observability/metrics.py; nothing scrapes them)
    mock_observed (only when named) the MOCK route with both the access log and the metrics on
    floor       (only when named) a minimal httptools protocol under uvicorn's server answering
                the bare app's bytes with nothing else: what uvicorn's loop, uvloop and
                httptools cost, the floor of any protocol under uvicorn's server

`--annotate` prints callgrind_annotate's top functions (C level: CPython's interpreter loop
holds the Python code) of each target. `--profile TARGET` serves that target under cProfile
instead (no valgrind), enabled for the measured requests only, and prints its functions by
call count and own time: the Python-level breakdown (times are noisy, call counts exact).

Benchmarks measure, tests assert: the exit status is non-zero only when a measurement crashed.
"""

from __future__ import annotations

import argparse
import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.runtime_bench import BARE_APP, HANDLER, SPEC, free_port, wait  # noqa: E402

# Runs in the measured process: uvicorn with the gateway's settings on APP, with the given
# HTTP protocol ("gateway": the gateway's own), cProfile switched by SIGUSR1/SIGUSR2 if asked.
LAUNCHER = """
import importlib, signal, sys
import uvicorn
package, app, http, port, profile_out = sys.argv[1:6]
server = importlib.import_module(package + "._runtime.server")
settings = importlib.import_module(package + "._runtime.server.uvicorn_server").settings(
    server.Listen("127.0.0.1", int(port), 1, "")
)
if http != "gateway":
    settings["http"] = http
if profile_out:
    import cProfile
    profile = cProfile.Profile()
    signal.signal(signal.SIGUSR1, lambda *_: profile.enable())
    signal.signal(signal.SIGUSR2, lambda *_: (profile.disable(), profile.dump_stats(profile_out)))
uvicorn.run(app, log_level="warning", **settings)
"""

# Not a server to use: what uvicorn's server loop, uvloop and httptools cost without uvicorn's
# ASGI protocol (no scope, no cycle, no task, no messages), answering the bare app's bytes. The
# floor a gateway-specific protocol under uvicorn's server could approach.
FLOOR_PROTOCOL = """
import asyncio
import httptools

ANSWER = (
    b"HTTP/1.1 200 OK\\r\\ncontent-type: application/json\\r\\ncontent-length: 15\\r\\n\\r\\n"
    b'{"status":"ok"}'
)


class FloorProtocol(asyncio.Protocol):
    def __init__(self, config, server_state, app_state, _loop=None):
        self.connections = server_state.connections
        self.parser = httptools.HttpRequestParser(self)

    def connection_made(self, transport):
        self.connections.add(self)
        self.transport = transport

    def connection_lost(self, exc):
        self.connections.discard(self)

    def data_received(self, data):
        self.parser.feed_data(data)

    def on_message_complete(self):
        self.transport.write(ANSWER)

    def shutdown(self):
        self.transport.close()
"""

# target: (app, protocol, path)
TARGETS = {
    "floor": ("bare_app:app", "floor_protocol:FloorProtocol", "/"),
    "bare": ("bare_app:app", "httptools", "/"),
    "mock": ("{package}.app:app", "gateway", "/mock?x=1"),
    "lambda": ("{package}.app:app", "gateway", "/lambda"),
    "mock_log": ("{package}.app:app", "gateway", "/mock?x=1"),
    "mock_console": ("{package}.app:app", "gateway", "/mock?x=1"),
    "mock_serve_log": ("{package}.app:app", "gateway", "/mock?x=1"),
    "mock_metrics": ("{package}.app:app", "gateway", "/mock?x=1"),
    "mock_observed": ("{package}.app:app", "gateway", "/mock?x=1"),
}


class Connection:
    """One keep-alive connection sending wrk's request and reading whole answers."""

    def __init__(self, port: int, path: str) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
        self.buffer = b""

    def answered(self) -> bool:
        """Read what arrived; True once a whole answer is in (and taken off the buffer)."""
        chunk = self.sock.recv(65536)
        if not chunk:
            raise RuntimeError("the server closed the connection")
        self.buffer += chunk
        head, found, rest = self.buffer.partition(b"\r\n\r\n")
        if not found:
            return False
        if not head.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(f"unexpected answer: {head!r}")
        length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
        size = int(length.group(1)) if length else 0
        if len(rest) < size:
            return False
        self.buffer = rest[size:]
        return True


class Client:
    """`connections` keep-alive connections, each with one request in flight, as wrk keeps
    them: with more than one, the server sees concurrent requests (what it batches under wrk)."""

    def __init__(self, port: int, path: str, connections: int = 1) -> None:
        self.connections = [Connection(port, path) for _ in range(connections)]
        self.selector = selectors.DefaultSelector()
        for connection in self.connections:
            self.selector.register(connection.sock, selectors.EVENT_READ, connection)

    def send(self, count: int) -> None:
        in_flight = 0
        for connection in self.connections[:count]:
            connection.sock.sendall(connection.request)
            in_flight += 1
        sent = in_flight
        while in_flight:
            for key, _ in self.selector.select(timeout=60):
                connection = key.data
                if not connection.answered():
                    continue
                in_flight -= 1
                if sent < count:
                    connection.sock.sendall(connection.request)
                    sent += 1
                    in_flight += 1

    def close(self) -> None:
        for connection in self.connections:
            connection.sock.close()


def start(
    tmp: Path, package: str, target: str, valgrind: bool
) -> tuple[subprocess.Popen[bytes], int]:
    app, http, _ = TARGETS[target]
    port = free_port()
    profile_out = "" if valgrind else str(tmp / f"{target}.prof")
    command = [sys.executable, str(tmp / "launcher.py"), package, app.format(package=package)]
    command += [http, str(port), profile_out]
    if valgrind:
        out = tmp / f"{target}.callgrind"
        command = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={out}",
            *command,
        ]
    paths = [tmp / "out" / "runtime", tmp / "bare", tmp]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(map(str, paths)))
    if target in ("mock_log", "mock_serve_log", "mock_observed"):  # the access log on
        env["APIGWC_ACCESS_LOG"] = "1"
    if target in ("mock_console", "mock_serve_log"):  # the console line (`apigwc serve`)
        env["APIGWC_CONSOLE_LOG"] = "text"
    if target in ("mock_metrics", "mock_observed"):  # counted as with `--admin-port`
        (tmp / "metrics").mkdir(exist_ok=True)
        env["APIGWC_METRICS_DIR"] = str(tmp / "metrics")
    # The log lines go to DEVNULL.
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    wait_long(port, process)
    return process, port


def wait_long(port: int, process: subprocess.Popen[bytes]) -> None:
    """Python starting under valgrind takes a while."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode})")
        try:
            wait(port)
            return
        except RuntimeError:
            continue
    raise RuntimeError(f"nothing listens on {port}")


def callgrind_control(option: str, pid: int) -> None:
    subprocess.run(["callgrind_control", option, str(pid)], check=True, capture_output=True)


def measure(tmp: Path, package: str, target: str, args: argparse.Namespace) -> int:
    """Instructions of `--requests` requests to `target`, after the warm-up."""
    process, port = start(tmp, package, target, valgrind=True)
    try:
        client = Client(port, TARGETS[target][2], args.connections)
        client.send(args.warmup)
        callgrind_control("--instr=on", process.pid)
        client.send(args.warmup // 5)  # instrumented code paths translated before counting
        callgrind_control("--zero", process.pid)
        client.send(args.requests)
        before = set(tmp.glob(f"{target}.callgrind*"))
        callgrind_control("--dump", process.pid)
        dumped = sorted(set(tmp.glob(f"{target}.callgrind*")) - before)
        client.close()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=120)
    total = _total(dumped[-1])
    if args.annotate:
        annotate(dumped[-1], total, args.requests)
    return total


def measure_cpu(tmp: Path, package: str, target: str, args: argparse.Namespace) -> float:
    """CPU seconds (user + system, from /proc) the server process spent per request while wrk
    loaded it with `--connections` connections for `--duration` seconds: unlike wrk's req/s,
    hardly moved by other work on the machine, and unlike callgrind's count, it includes the
    kernel's side (syscalls, wake-ups, context switches)."""
    process, port = start(tmp, package, target, valgrind=False)
    try:
        url = f"http://127.0.0.1:{port}{TARGETS[target][2]}"
        Client(port, TARGETS[target][2], args.connections).send(args.warmup)
        before = _cpu_seconds(process.pid)
        requests = _wrk_requests(url, args.duration, args.connections)
        spent = _cpu_seconds(process.pid) - before
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    return spent / requests


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # utime and stime (fields 14 and 15 of proc(5); the first two are gone with the split)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wrk_requests(url: str, duration: int, connections: int) -> int:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", url]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    found = re.search(r"(\d+) requests in", out)
    if not found:
        raise RuntimeError(f"no request count in wrk's output: {out}")
    return int(found.group(1))


def _total(dump: Path) -> int:
    for line in dump.read_text().splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise RuntimeError(f"no totals in {dump}")


def annotate(dump: Path, total: int, requests: int) -> None:
    out = subprocess.run(
        ["callgrind_annotate", "--inclusive=no", str(dump)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = [line for line in out.splitlines() if re.match(r"\s*[\d,]+ \(", line)][:25]
    print(f"  top functions by own instructions ({dump.name}), per request:")
    for line in rows:
        count, rest = line.strip().split(" ", 1)
        name = rest.split(")", 1)[1].strip() if ")" in rest else rest
        print(f"  {int(count.replace(',', '')) / requests:10.0f}  {name[:110]}")


def profile(tmp: Path, package: str, target: str, args: argparse.Namespace) -> None:
    import pstats

    process, port = start(tmp, package, target, valgrind=False)
    try:
        client = Client(port, TARGETS[target][2], args.connections)
        client.send(args.warmup)
        process.send_signal(signal.SIGUSR1)
        time.sleep(0.5)
        client.send(args.requests)
        process.send_signal(signal.SIGUSR2)
        out = tmp / f"{target}.prof"
        deadline = time.monotonic() + 10
        while not out.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    stats = pstats.Stats(str(out))
    stats.sort_stats(os.environ.get("SORT", "tottime")).print_stats(60)


def build(tmp: Path) -> str:
    from tests.runtime_server import build_spec

    (tmp / "bare").mkdir()
    (tmp / "bare" / "bare_app.py").write_text(BARE_APP)
    (tmp / "handlers").mkdir()
    (tmp / "handlers" / "fixed.py").write_text(HANDLER)
    (tmp / "launcher.py").write_text(LAUNCHER)
    (tmp / "floor_protocol.py").write_text(FLOOR_PROTOCOL)
    (tmp / "bench.yaml").write_text(SPEC.replace("UPSTREAM", "18199"))
    return build_spec(tmp / "bench.yaml", tmp / "out")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--targets", default="bare,mock,lambda", help=", ".join(TARGETS))
    parser.add_argument(
        "--connections", type=int, default=1, help="requests in flight at once (wrk: 32)"
    )
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="the server's CPU time per request under wrk (kernel included) instead of callgrind",
    )
    parser.add_argument("--duration", type=int, default=5, help="wrk's seconds, with --cpu")
    parser.add_argument("--annotate", action="store_true", help="callgrind's top functions")
    parser.add_argument("--profile", choices=sorted(TARGETS), help="cProfile one target")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        package = build(tmp)
        if args.profile:
            profile(tmp, package, args.profile, args)
            return
        per_request: dict[str, float] = {}
        for target in args.targets.split(","):
            if args.cpu:
                per_request[target] = measure_cpu(tmp, package, target, args) * 1e6
                print(f"{target:12}{per_request[target]:>12,.1f} CPU µs/request", flush=True)
                continue
            per_request[target] = measure(tmp, package, target, args) / args.requests
            print(f"{target:12}{per_request[target]:>12,.0f} instructions/request", flush=True)
        bare = per_request.get("bare")
        if bare:
            for target, value in per_request.items():
                print(f"{target:12}{value - bare:>+12,.1f} vs bare   (ratio {bare / value:.2f})")


if __name__ == "__main__":
    main()
