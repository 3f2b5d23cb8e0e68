"""WebSocket APIs: echo round trips through the gateway against a bare echo server, and the memory
of idle connections (issue 15's figures).

    .venv/bin/python benchmarks/websocket_bench.py [--messages 3000] [--connections 4]
                                                   [--idle 1000]
                                                   [--callgrind [--targets bare,mock,lambda]]

Three servers, each its own process on 127.0.0.1 under uvicorn (one worker, httptools, uvloop):

    bare    an ASGI app that accepts every upgrade and sends each text message back, on the same
            WebSocket protocol the gateway uses (`_runtime/websocket/protocol.py`)
    mock    the gateway: a `$default` MOCK route with a route response (fixed text back)
    lambda  the gateway: a `$default` Lambda proxy route with a route response (the handler
            returns the message as its body: a true echo, through the function thread pool)

A client process opens `--connections` connections and sends `--messages` messages on each,
one round trip at a time per connection, after 200 warm-up round trips; the figure is round
trips per second and its ratio to `bare`. Then `--idle` connections are opened to the gateway
and held; the server's resident memory (VmRSS) is read before and after.

`--callgrind` measures instructions instead of time (round trips per second on a shared, loaded
2-core machine drift by far more than the figure's margin; callgrind's counts do not): each
server runs under `valgrind --tool=callgrind` with the collection off while Python starts; one
connection sends 300 warm-up round trips, 100 more with the collection on (code translated), the
counters are zeroed, `--messages` round trips are made and the counters dumped. The figure is the
server process's instructions per round trip (all threads), and the ratio bare / target: the
round-trip rate the target would reach against the bare server's on a CPU-bound server.

Benchmarks measure, tests assert: the exit status is non-zero only when a measurement crashed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.runtime_server import build_spec, wait_for_port  # noqa: E402

# Ports of its own, off the tests' ranges, which other test runs on the machine use.
PORTS = iter(range(25000, 26000))


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port left in 25000-25999")


SPEC = """\
openapi: 3.0.1
info: {title: WsBench, version: "1"}
paths: {}
x-apigwc:
  functions:
    Echo: {handler: echo:handler, codeUri: handlers}
  websocket:
    routeSelectionExpression: $request.body.action
    routes:
      $default:
        integration: {INTEGRATION}
        routeResponses: {$default: {}}
"""
MOCK = (
    "{type: mock, requestTemplates: {$default: '{\"statusCode\": 200}'}, responses: "
    "{default: {statusCode: '200', responseTemplates: {$default: 'pong'}}}}"
)
LAMBDA = (
    "{type: aws_proxy, httpMethod: POST, uri: 'arn:aws:apigateway:us-east-1:lambda:path/"
    "2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:Echo/invocations'}"
)
HANDLER = "def handler(event, context):\n    return {'statusCode': 200, 'body': event['body']}\n"
BARE = textwrap.dedent("""\
    import uvicorn

    async def app(scope, receive, send):
        if scope["type"] != "websocket":
            return
        await receive()
        await send({"type": "websocket.accept"})
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                return
            await send({"type": "websocket.send", "text": message.get("text") or ""})

    uvicorn.run(app, host="127.0.0.1", port=int(__import__("sys").argv[1]), http="httptools",
                ws="{PROTOCOL}", access_log=False, log_level="warning")
    """)


def _gateway(folder: Path, integration: str) -> subprocess.Popen[bytes]:
    (folder / "handlers").mkdir(parents=True)
    (folder / "handlers" / "echo.py").write_text(HANDLER)
    spec = folder / "bench.yaml"
    spec.write_text(SPEC.replace("{INTEGRATION}", integration))
    package = build_spec(spec, folder / "out")
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(folder / "out" / "runtime"))
    command = [sys.executable, "-m", package, "--port", str(port), "--no-access-log"]
    process = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
    wait_for_port(port, process)
    process.port = port  # type: ignore[attr-defined]
    return process


def _bare(folder: Path) -> subprocess.Popen[bytes]:
    folder.mkdir(parents=True)
    out = _built_protocol(folder)
    script = folder / "bare.py"
    script.write_text(BARE.replace("{PROTOCOL}", out))
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(folder / "out" / "runtime"))
    process = subprocess.Popen([sys.executable, str(script), str(port)], env=env)
    wait_for_port(port, process)
    process.port = port  # type: ignore[attr-defined]
    return process


def _built_protocol(folder: Path) -> str:
    """The gateway's WebSocket protocol, from a build (the bare app runs on the same one)."""
    (folder / "handlers").mkdir()
    (folder / "handlers" / "echo.py").write_text(HANDLER)
    spec = folder / "bench.yaml"
    spec.write_text(SPEC.replace("{INTEGRATION}", MOCK))
    package = build_spec(spec, folder / "out")
    return f"{package}._runtime.websocket.protocol:GatewayWebSocketProtocol"


async def _round_trips(port: int, connections: int, messages: int) -> float:
    from websockets.asyncio.client import connect

    async def one() -> None:
        async with connect(f"ws://127.0.0.1:{port}/") as client:
            for _ in range(200):
                await client.send('{"action":"echo"}')
                await client.recv()
            await ready.wait()
            for _ in range(messages):
                await client.send('{"action":"echo"}')
                await client.recv()

    ready = asyncio.Event()
    tasks = [asyncio.ensure_future(one()) for _ in range(connections)]
    await asyncio.sleep(3)  # warm-up done
    started = time.perf_counter()
    ready.set()
    await asyncio.gather(*tasks)
    return connections * messages / (time.perf_counter() - started)


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def _idle(port: int, pid: int, count: int) -> tuple[float, float]:
    from websockets.asyncio.client import connect

    before = _rss_mb(pid)
    held = [await connect(f"ws://127.0.0.1:{port}/") for _ in range(count)]
    await asyncio.sleep(1)
    after = _rss_mb(pid)
    for connection in held:
        await connection.close()
    return before, after


def _start_under_callgrind(
    command: list[str], env: dict[str, str], out: Path, port: int
) -> subprocess.Popen[bytes]:
    valgrind = ["valgrind", "--tool=callgrind", "--instr-atstart=no"]
    process = subprocess.Popen(
        [*valgrind, f"--callgrind-out-file={out}", *command],
        env=env,
        stderr=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300  # Python starts slowly under valgrind
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode})")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return process
        time.sleep(0.5)
    raise RuntimeError(f"nothing listens on {port}")


def _server_command(folder: Path, name: str) -> tuple[list[str], dict[str, str], int]:
    """The command line and environment of one target, built but not started."""
    port = free_port()
    if name == "bare":
        folder.mkdir(parents=True)
        script = folder / "bare.py"
        script.write_text(BARE.replace("{PROTOCOL}", _built_protocol(folder)))
        command = [sys.executable, str(script), str(port)]
    else:
        (folder / "handlers").mkdir(parents=True)
        (folder / "handlers" / "echo.py").write_text(HANDLER)
        spec = folder / "bench.yaml"
        spec.write_text(SPEC.replace("{INTEGRATION}", MOCK if name == "mock" else LAMBDA))
        package = build_spec(spec, folder / "out")
        command = [sys.executable, "-m", package, "--port", str(port), "--no-access-log"]
    env = dict(os.environ, PYTHONPATH=str(folder / "out" / "runtime"))
    return command, env, port


async def _counted(port: int, pid: int, messages: int, out: Path) -> int:
    """Instructions of `messages` round trips on one connection, after the warm-up."""
    from websockets.asyncio.client import connect

    def control(option: str) -> None:
        subprocess.run(["callgrind_control", option, str(pid)], check=True, capture_output=True)

    async with connect(f"ws://127.0.0.1:{port}/", open_timeout=120) as client:

        async def trips(count: int) -> None:
            for _ in range(count):
                await client.send('{"action":"echo"}')
                await client.recv()

        await trips(300)
        await asyncio.to_thread(control, "--instr=on")
        await trips(100)
        await asyncio.to_thread(control, "--zero")
        await trips(messages)
        before = set(out.parent.glob(out.name + "*"))
        await asyncio.to_thread(control, "--dump")
    dumped = sorted(set(out.parent.glob(out.name + "*")) - before)
    for line in dumped[-1].read_text().splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise RuntimeError(f"no totals in {dumped[-1]}")


def callgrind(tmp: Path, messages: int, targets: list[str]) -> None:
    per_trip: dict[str, float] = {}
    for name in targets:
        command, env, port = _server_command(tmp / f"cg-{name}", name)
        out = tmp / f"{name}.callgrind"
        process = _start_under_callgrind(command, env, out, port)
        try:
            total = asyncio.run(_counted(port, process.pid, messages, out))
        finally:
            process.terminate()
            process.wait(timeout=120)
        per_trip[name] = total / messages
        ratio = f"  {per_trip['bare'] / per_trip[name]:.2f}x bare" if "bare" in per_trip else ""
        print(f"{name:7} {per_trip[name]:9.0f} instructions per round trip{ratio}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--idle", type=int, default=1000)
    parser.add_argument("--callgrind", action="store_true", help="instructions, not time")
    parser.add_argument("--targets", default="bare,mock,lambda", help="with --callgrind")
    args = parser.parse_args()
    if args.callgrind:
        with tempfile.TemporaryDirectory() as tmp:
            callgrind(Path(tmp), args.messages, args.targets.split(","))
        return
    with tempfile.TemporaryDirectory() as tmp:
        rates: dict[str, float] = {}
        for name, start in (
            ("bare", lambda: _bare(Path(tmp) / "bare")),
            ("mock", lambda: _gateway(Path(tmp) / "mock", MOCK)),
            ("lambda", lambda: _gateway(Path(tmp) / "lambda", LAMBDA)),
        ):
            process = start()
            try:
                port = process.port  # type: ignore[attr-defined]
                rates[name] = asyncio.run(_round_trips(port, args.connections, args.messages))
                ratio = rates[name] / rates["bare"]
                print(f"{name:7} {rates[name]:9.0f} round trips/s  {ratio:.2f}x bare")
                if name == "mock" and args.idle:
                    before, after = asyncio.run(_idle(port, process.pid, args.idle))
                    print(
                        f"{args.idle} idle connections: server RSS {before:.0f} MB -> "
                        f"{after:.0f} MB ({(after - before) * 1024 / args.idle:.1f} KB each)"
                    )
            finally:
                process.terminate()
                process.wait(timeout=10)


if __name__ == "__main__":
    main()
