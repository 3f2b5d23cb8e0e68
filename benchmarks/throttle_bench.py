"""What throttling and usage plans cost (issue 13's figures), measured with wrk.

One API is built twice from the spec below: once as written (`GET /keyed` requires an API key in
a usage plan with a throttle and a quota, so the route runs the API key check and the throttling
step), once without its usage plan, key requirement and stage throttle (`GET /keyed` then runs
neither step). Limits are far above what the machine can send, so every answer is 200 and only
the checking is measured. Targets, loaded in turn for `--rounds` rounds (each ratio is the median
of the rounds' ratios, so the machine's load drifting during the run moves both sides):

| target | what answers |
| --- | --- |
| open, 1 worker | the route with no key and no throttle (baseline) |
| plan, memory, 1 worker | the route with its key and plan, `--state memory` |
| plan, memory, 2 workers | the same, two uvicorn workers (each with its own memory) |
| plan, Redis, 2 workers | the same, `--state redis://...`: one Lua script per request |

Figures (issue 13): plan/memory at least 0.85 of open; Redis with 2 workers at least 0.5 of
memory with 2 workers. Needs `wrk` and `redis-server` (`make deps`).

A gateway process meets the account's default throttle (10,000 requests per second, burst 5,000,
reference §7.2) on a route with a throttling step: on a machine where one worker serves more
than that, wrk gets 429s, and a throughput ratio would compare a throttled gateway with an open
one. So the "plan / open" figure is also measured as CPU instructions per request
(`--callgrind`: each build served under `valgrind --tool=callgrind`, a keep-alive client sends
`--warmup` requests, then `--requests` counted ones; far below the account's rate), the way
`server_cost_bench.py` measures the server.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import runtime_bench as rb
from apigwc.pipeline import build

KEY = "benchKey0123456789abcdefghij"
SPEC = """\
openapi: 3.0.1
info: {title: ThrottleBench, version: "1.0"}
paths:
  /keyed:
    get:
      SECURITY
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses: {default: {statusCode: "200", responseTemplates: {application/json: '{"ok":true}'}}}
components:
  securitySchemes:
    api_key: {type: apiKey, name: x-api-key, in: header}
x-apigwc:
  stages:
    dev: {STAGE}
  apiKeys:
    bench: {value: KEY}
  usagePlans:
    plan: {stages: [dev], apiKeys: [bench] PLAN}
"""
PLAN = ", throttle: {rateLimit: 1000000000, burstLimit: 1000000000}, quota: {limit: 2000000000, period: DAY}"
STAGE = "throttle: {rateLimit: 1000000000, burstLimit: 1000000000}"


def spec_text(plan: bool) -> str:
    text = SPEC.replace("KEY", KEY)
    text = text.replace("SECURITY", "security: [{api_key: []}]" if plan else "")
    text = text.replace("PLAN", PLAN if plan else "").replace(
        "{STAGE}", "{" + STAGE + "}" if plan else "{}"
    )
    if not plan:
        text = text.split("  apiKeys:")[0]
    return text


def built(folder: Path, plan: bool) -> tuple[Path, str]:
    folder.mkdir()
    spec = folder / "spec.yaml"
    spec.write_text(spec_text(plan), encoding="utf-8")
    result = build(spec, folder / "out")
    assert result.compilation.api is not None and result.out_dir is not None
    return folder / "out" / "runtime", f"{result.compilation.api.slug}_gateway"


def serve(runtime: Path, package: str, *args: str) -> tuple[subprocess.Popen[bytes], int]:
    port = rb.free_port()
    command = [sys.executable, "-m", package, "--port", str(port), "--no-access-log", *args]
    return rb._start(command, port, runtime, None), port


def wrk_keyed(port: int, duration: int, connections: int, name: str = "") -> float:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "-H", f"x-api-key: {KEY}"]
    out = subprocess.run(
        [*command, f"http://127.0.0.1:{port}/keyed"], capture_output=True, text=True, check=True
    ).stdout
    rps = float(out.split("Requests/sec:")[1].split()[0])
    if "Non-2xx" in out:  # the account's throttle (10,000 rps) answered some with 429
        refused = out.split("Non-2xx or 3xx responses:")[1].split()[0]
        print(f"  {name or port}: {refused} answers 429 (the account's throttle)")
    return rps


def instructions(
    runtime: Path, package: str, root: Path, label: str, args: argparse.Namespace
) -> float:
    """Callgrind's instruction count per request of one gateway process (whole process)."""
    port = rb.free_port()
    out = root / f"{label}.callgrind"
    command = ["valgrind", "--tool=callgrind", "--instr-atstart=no"]
    command += [f"--callgrind-out-file={out}", sys.executable, "-m", package]
    command += ["--port", str(port), "--no-access-log"]
    env = dict(os.environ, PYTHONPATH=str(runtime))
    process = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        sock.settimeout(60)
        send(sock, args.warmup)
        control("--instr=on", process.pid)
        send(sock, args.warmup // 5)
        control("--zero", process.pid)
        send(sock, args.requests)
        before = set(root.glob(f"{label}.callgrind*"))
        control("--dump", process.pid)
        dumped = sorted(set(root.glob(f"{label}.callgrind*")) - before)
        sock.close()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=120)
    total = next(
        int(line.split()[1])
        for line in dumped[-1].read_text().splitlines()
        if line.startswith(("summary:", "totals:"))
    )
    return total / args.requests


def control(option: str, pid: int) -> None:
    subprocess.run(["callgrind_control", option, str(pid)], check=True, capture_output=True)


def send(sock: socket.socket, count: int) -> None:
    """`count` keep-alive requests, each answer read whole; all must be 200."""
    request = f"GET /keyed HTTP/1.1\r\nHost: bench\r\nx-api-key: {KEY}\r\n\r\n".encode()
    buffer = b""
    for _ in range(count):
        sock.sendall(request)
        while b"\r\n\r\n" not in buffer:
            buffer += sock.recv(65536)
        head, _, buffer = buffer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), head
        length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        while len(buffer) < length:
            buffer += sock.recv(65536)
        buffer = buffer[length:]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--callgrind", action="store_true", help="instructions per request")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=500)
    args = parser.parse_args()
    if args.callgrind:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            counts = {
                "open": instructions(*built(root / "open", plan=False), root, "open", args),
                "plan": instructions(*built(root / "plan", plan=True), root, "plan", args),
            }
        print("| measurement | instructions per request | ratio (open / plan) |")
        print("| --- | ---: | ---: |")
        print(f"| open route | {counts['open']:,.0f} | |")
        ratio = counts["open"] / counts["plan"]
        print(f"| key + usage plan, memory | {counts['plan']:,.0f} | {ratio:.3f} |")
        return
    for tool in ("wrk", "redis-server"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed: run `make deps`")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        redis_port = rb.free_port()
        redis = subprocess.Popen(
            ["redis-server", "--port", str(redis_port), "--save", "", "--bind", "127.0.0.1"],
            stdout=subprocess.DEVNULL,
        )
        open_rt, open_pkg = built(root / "open", plan=False)
        plan_rt, plan_pkg = built(root / "plan", plan=True)
        url = f"redis://127.0.0.1:{redis_port}/0"
        servers = {
            "open, 1 worker": serve(open_rt, open_pkg),
            "plan, memory, 1 worker": serve(plan_rt, plan_pkg),
            "plan, memory, 2 workers": serve(plan_rt, plan_pkg, "--workers", "2"),
            "plan, Redis, 2 workers": serve(plan_rt, plan_pkg, "--workers", "2", "--state", url),
        }
        try:
            report(servers, args)
        finally:
            for process, _ in servers.values():
                process.terminate()
                process.wait(timeout=10)
            redis.terminate()
            redis.wait(timeout=10)


def report(
    servers: dict[str, tuple[subprocess.Popen[bytes], int]], args: argparse.Namespace
) -> None:
    for _, port in servers.values():
        wrk_keyed(port, 1, args.connections)  # warm-up
    rounds = [
        {
            name: wrk_keyed(port, args.duration, args.connections, name)
            for name, (_, port) in servers.items()
        }
        for _ in range(args.rounds)
    ]
    pairs = [
        ("plan, memory, 1 worker", "open, 1 worker", ">= 0.85"),
        ("plan, Redis, 2 workers", "plan, memory, 2 workers", ">= 0.5"),
        ("plan, memory, 2 workers", "plan, memory, 1 worker", ""),
    ]
    print("| measurement | req/s | baseline req/s | ratio | target |")
    print("| --- | ---: | ---: | ---: | --- |")
    for target, base, goal in pairs:
        ratio = statistics.median(r[target] / r[base] for r in rounds)
        value = statistics.median(r[target] for r in rounds)
        baseline = statistics.median(r[base] for r in rounds)
        print(f"| {target} / {base} | {value:,.0f} | {baseline:,.0f} | {ratio:.2f} | {goal} |")


if __name__ == "__main__":
    main()
