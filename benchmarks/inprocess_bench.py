"""Microseconds per request of the generated gateway's request path, without a server.

    .venv/bin/python benchmarks/inprocess_bench.py [--requests 10000] [--concurrency 1]
                                                   [--profile mock|lambda]

Builds the spec of `runtime_bench.py` (MOCK route with a request validator, a query parameter
and a Velocity response template; Lambda proxy to an in-process handler), imports the generated
app and calls it as an ASGI app with a fixed scope in a loop on one event loop. No socket and
no HTTP parsing: the figure is the gateway's own cost per request, steadier on a shared machine
than wrk's requests per second: the best of 5 runs of CPU time. `--profile` prints the cProfile of one route instead.

Benchmarks measure, tests assert: the exit status is non-zero only when a measurement crashed.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import importlib
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.runtime_bench import HANDLER, SPEC  # noqa: E402

ROUTES = {"mock": ("/mock", b"x=1"), "lambda": ("/lambda", b"")}


def scope(path: str, query: bytes) -> dict[str, Any]:
    return {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "headers": [(b"host", b"127.0.0.1:8080"), (b"user-agent", b"wrk"), (b"accept", b"*/*")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8080),
        "extensions": {},
    }


async def run(app: Any, path: str, query: bytes, count: int, concurrency: int = 1) -> float:
    """CPU seconds of this process (its threads included) for `count` requests, after a
    warm-up: CPU time, not wall time, so that other processes on a loaded machine count less."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    request = scope(path, query)
    for _ in range(200):
        await app(dict(request), receive, send)
    assert sent[0]["status"] == 200, sent[:2]

    async def client(requests: int) -> None:
        for _ in range(requests):
            await app(dict(request), receive, send)
            if len(sent) > 1000:
                sent.clear()

    start = time.process_time()
    # Concurrent clients, as wrk's connections: Lambda invocations of one loop turn share a
    # thread hand-off (lambda_functions.WorkerPool).
    await asyncio.gather(*(client(count // concurrency) for _ in range(concurrency)))
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=10000)
    parser.add_argument("--profile", choices=sorted(ROUTES))
    parser.add_argument("--concurrency", type=int, default=1, help="clients at once (wrk: 32)")
    args = parser.parse_args()
    from tests.runtime_server import build_spec

    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        (tmp / "handlers").mkdir()
        (tmp / "handlers" / "fixed.py").write_text(HANDLER)
        (tmp / "bench.yaml").write_text(SPEC.replace("UPSTREAM", "18199"))
        package = build_spec(tmp / "bench.yaml", tmp / "out")
        sys.path.insert(0, str(tmp / "out" / "runtime"))
        app = importlib.import_module(f"{package}.app").app
        loop = asyncio.new_event_loop()
        if args.profile:
            path, query = ROUTES[args.profile]
            profile = cProfile.Profile()
            measured = run(app, path, query, args.requests, args.concurrency)
            profile.runcall(loop.run_until_complete, measured)
            pstats.Stats(profile).sort_stats("tottime").print_stats(30)
            return
        for name, (path, query) in ROUTES.items():
            # The best of 5 runs: what the code costs, with the least interference.
            seconds = min(
                loop.run_until_complete(run(app, path, query, args.requests, args.concurrency))
                for _ in range(5)
            )
            print(f"{name:8} {seconds / args.requests * 1e6:7.1f} µs/request (CPU)")


if __name__ == "__main__":
    main()
