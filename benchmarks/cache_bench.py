"""What the stage cache saves (issue 13's figure): a cache hit against the same route's miss.

    .venv/bin/python benchmarks/cache_bench.py [--callgrind] [--rounds 3] [--duration 5]

One API (below: `GET /pets`, a Lambda proxy route on an in-process handler that answers a
small JSON list, `cacheKeyParameters: [method.request.querystring.n]`) is built twice: with the
stage cache on (TTL 3600) and without it. Targets:

| target | what answers |
| --- | --- |
| hit | the cached build, every request `?n=1`: the entry answers, the handler never runs |
| miss | the cached build, every request a new `?n=`: lookup, handler, entry written |
| uncached | the build without a cache, every request a new `?n=`: the handler alone |

Figure (issue 13): a hit at least 1.5 times the throughput of the same route's miss. With wrk
(default) both loads go to one gateway process in turn for `--rounds` rounds, the new keys made
by a wrk Lua script, and the ratio is the median of the rounds' ratios. `--callgrind` counts the
CPU instructions a gateway process executes per request instead (each target served under
`valgrind --tool=callgrind`, a keep-alive client sends `--warmup` requests, then `--requests`
counted ones), which a loaded shared machine does not move: the hit / miss throughput ratio is
then miss instructions / hit instructions.

Benchmarks measure, tests assert: the exit status is non-zero only when a measurement crashed.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import runtime_bench as rb
from apigwc.pipeline import build

SPEC = """\
openapi: 3.0.1
info: {title: CacheBench, version: "1.0"}
paths:
  /pets:
    get:
      parameters: [{name: n, in: query, schema: {type: string}}]
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:Pets/invocations
        cacheKeyParameters: [method.request.querystring.n]
x-apigwc:
  functions:
    Pets: {handler: pets:handler, codeUri: handlers}
  stages:
    dev: STAGE
"""
CACHED = "{cache: {enabled: true, ttlInSeconds: 3600}}"
HANDLER = """\
import json

BODY = json.dumps([{"id": i, "name": f"pet {i}", "type": "dog"} for i in range(10)])


def handler(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": BODY}
"""
# wrk's Lua: a new cache key for every request (a miss each time).
NEW_KEYS = """\
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", "/pets?n=" .. counter .. "-" .. math.random(1, 1000000000))
end
"""


def built(folder: Path, cached: bool) -> tuple[Path, str]:
    (folder / "handlers").mkdir(parents=True)
    (folder / "handlers" / "pets.py").write_text(HANDLER, encoding="utf-8")
    spec = folder / "spec.yaml"
    spec.write_text(SPEC.replace("STAGE", CACHED if cached else "{}"), encoding="utf-8")
    result = build(spec, folder / "out")
    assert result.compilation.api is not None and result.out_dir is not None
    return folder / "out" / "runtime", f"{result.compilation.api.slug}_gateway"


def paths(target: str) -> Iterator[str]:
    """The request paths of a target: one key (hit), or a new key each time."""
    count = 0
    while True:
        count += 1
        yield "/pets?n=1" if target == "hit" else f"/pets?n={target}-{count}"


def instructions(
    runtime: Path, package: str, target: str, root: Path, args: argparse.Namespace
) -> float:
    """Callgrind's instruction count per request of one gateway process (all its threads)."""
    port = rb.free_port()
    out = root / f"{target}.callgrind"
    command = ["valgrind", "--tool=callgrind", "--instr-atstart=no"]
    command += [f"--callgrind-out-file={out}", sys.executable, "-m", package]
    command += ["--port", str(port), "--no-access-log"]
    env = dict(os.environ, PYTHONPATH=str(runtime))
    process = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
    requests = paths(target)
    try:
        sock = connect(port)
        send(sock, requests, args.warmup)
        control("--instr=on", process.pid)
        send(sock, requests, args.warmup // 5)
        control("--zero", process.pid)
        send(sock, requests, args.requests)
        before = set(root.glob(f"{target}.callgrind*"))
        control("--dump", process.pid)
        dumped = sorted(set(root.glob(f"{target}.callgrind*")) - before)
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


def connect(port: int) -> socket.socket:
    deadline = time.monotonic() + 300
    while True:
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=1)
            sock.settimeout(60)
            return sock
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def control(option: str, pid: int) -> None:
    subprocess.run(["callgrind_control", option, str(pid)], check=True, capture_output=True)


def send(sock: socket.socket, requests: Iterator[str], count: int) -> None:
    """`count` keep-alive requests, each answer read whole; all must be 200."""
    buffer = b""
    for _ in range(count):
        sock.sendall(f"GET {next(requests)} HTTP/1.1\r\nHost: bench\r\n\r\n".encode())
        while b"\r\n\r\n" not in buffer:
            buffer += sock.recv(65536)
        head, _, buffer = buffer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), head
        length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        while len(buffer) < length:
            buffer += sock.recv(65536)
        buffer = buffer[length:]


def wrk(port: int, duration: int, connections: int, script: Path | None) -> float:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s"]
    command += ["-s", str(script)] if script is not None else []
    out = subprocess.run(
        [*command, f"http://127.0.0.1:{port}/pets?n=1"], capture_output=True, text=True, check=True
    ).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"wrk saw errors: {out}")
    return float(out.split("Requests/sec:")[1].split()[0])


def callgrind_report(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        cached = built(root / "cached", cached=True)
        counts = {
            "hit": instructions(*cached, "hit", root, args),
            "miss": instructions(*cached, "miss", root, args),
            "uncached": instructions(*built(root / "plain", cached=False), "uncached", root, args),
        }
    print("| target | instructions per request | throughput vs miss (miss / target) |")
    print("| --- | ---: | ---: |")
    for target, count in counts.items():
        print(f"| {target} | {count:,.0f} | {counts['miss'] / count:.2f} |")


def wrk_report(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        script = root / "new_keys.lua"
        script.write_text(NEW_KEYS, encoding="utf-8")
        runtime, package = built(root / "cached", cached=True)
        port = rb.free_port()
        command = [sys.executable, "-m", package, "--port", str(port), "--no-access-log"]
        process = rb._start(command, port, runtime, None)
        try:
            wrk(port, 1, args.connections, None)  # warm-up, and the entry of ?n=1
            rounds = [
                (
                    wrk(port, args.duration, args.connections, None),
                    wrk(port, args.duration, args.connections, script),
                )
                for _ in range(args.rounds)
            ]
        finally:
            process.terminate()
            process.wait(timeout=10)
    hit = statistics.median(h for h, _ in rounds)
    miss = statistics.median(m for _, m in rounds)
    ratio = statistics.median(h / m for h, m in rounds)
    print("| measurement | hit req/s | miss req/s | ratio | target |")
    print("| --- | ---: | ---: | ---: | --- |")
    print(f"| cache hit / miss, Lambda proxy | {hit:,.0f} | {miss:,.0f} | {ratio:.2f} | >= 1.5 |")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--callgrind", action="store_true", help="instructions per request")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=500)
    args = parser.parse_args()
    if args.callgrind:
        callgrind_report(args)
    else:
        wrk_report(args)


if __name__ == "__main__":
    main()
