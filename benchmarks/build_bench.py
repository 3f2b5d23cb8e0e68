"""`apigwc build` of the generated benchmark spec, against openapi-generator, and the gateway's RSS.

    .venv/bin/python benchmarks/build_bench.py [--operations 1000] [--runs 3] [--no-generator]

Three figures, on the spec `gen_spec.py` writes (`benchmarks/out/build-spec-N.json`):

    apigwc build         wall time of the venv's `apigwc build SPEC -o DIR` (a subprocess,
                         interpreter start included), median of --runs; target 10 s for 1,000
                         operations
    openapi-generator    wall time of `openapi-generator-cli generate -g python-fastapi` on the same
                         file (the PyPI package, which ships the jar; Java 17), median of --runs,
                         from the peers venv (`peers.py`); target: apigwc faster
    gateway start-up     wall time from spawning the generated gateway's uvicorn process (one
                         worker, httptools, uvloop) to its port accepting connections (uvicorn
                         imports the app, builds the gateway and runs its lifespan before it
                         binds), median of three starts after one that writes the bytecode
                         cache (as an installed gateway has it); baseline the same for a bare
                         ASGI app; target at most 1 s
    gateway RSS          VmRSS of that process after start-up and a few requests to its routes;
                         baseline the same uvicorn serving a bare ASGI app; target under 150 MB

Outputs go to `benchmarks/out/` (ignored by git). Benchmarks measure, tests assert: the exit status
is non-zero only when a measurement crashed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE))

from gen_spec import generate  # noqa: E402
from runtime_bench import BARE_APP, free_port, uvicorn  # noqa: E402

# The spec's functions (`codeUri: handlers`, `handlers:<name>`) answer from one module whose
# attributes are all the same small handler, so the sampled Lambda routes answer 200 as a real
# API's would, instead of a 502 for a missing module.
HANDLERS = """def __getattr__(name):
    return lambda event, context: {"statusCode": 200, "body": "[]"}
"""


def write_handlers(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "handlers.py").write_text(HANDLERS, encoding="utf-8")


def median_wall(command: list[str], runs: int, before: Callable[[], None]) -> float:
    times = []
    for _ in range(runs):
        before()
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_build(spec: Path, runs: int) -> tuple[float, Path]:
    target = OUT / "build-apigwc"
    command = [str(ROOT / ".venv" / "bin" / "apigwc"), "build", str(spec), "-o", str(target)]
    seconds = median_wall(command, runs, lambda: shutil.rmtree(target, ignore_errors=True))
    return seconds, target


def bench_generator(spec: Path, runs: int) -> float:
    from peers import python as peers_python

    cli = peers_python().parent / "openapi-generator-cli"
    target = OUT / "build-openapi-generator"
    command = [str(cli), "generate", "-g", "python-fastapi", "-i", str(spec), "-o", str(target)]
    command += ["--skip-validate-spec"]  # validation is apigwc's job; time the generation
    return median_wall(command, runs, lambda: shutil.rmtree(target, ignore_errors=True))


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def request(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def start_up(app: str, pythonpath: Path) -> float:
    """Seconds from spawning uvicorn on `app` to its port accepting connections."""
    spawned = time.perf_counter()
    server = uvicorn(app, free_port(), pythonpath)
    elapsed = time.perf_counter() - spawned
    server.terminate()
    server.wait(timeout=10)
    return elapsed


def bench_gateway(build: Path, spec: Path) -> tuple[tuple[float, float], tuple[float, float]]:
    """((gateway start-up s, bare start-up s), (gateway MB, bare ASGI MB)), the memory after
    start-up and a few requests."""
    manifest = json.loads((build / "manifest.json").read_text())
    paths = [p.replace("{itemId}", "42") for p in json.loads(spec.read_text())["paths"]]
    sample = [*paths[:: max(1, len(paths) // 10)], "/unknown"]
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "bare_app.py").write_text(BARE_APP)
        started, results = [], []
        for app, pythonpath, targets in (
            (manifest["asgi"], build / "runtime", sample),
            ("bare_app:app", Path(tmp), ["/"]),
        ):
            start_up(app, pythonpath)  # writes the bytecode cache
            started.append(statistics.median(start_up(app, pythonpath) for _ in range(3)))
            port = free_port()
            server = uvicorn(app, port, pythonpath)
            try:
                for path in targets * 3:
                    request(port, path)
                results.append(rss_mb(server.pid))
            finally:
                server.terminate()
                server.wait(timeout=10)
    return (started[0], started[1]), (results[0], results[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--operations", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-generator", action="store_true", help="skip openapi-generator")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    spec = OUT / f"build-spec-{args.operations}.json"
    spec.write_text(json.dumps(generate(args.operations), indent=1) + "\n", encoding="utf-8")
    write_handlers(OUT / "handlers")
    env_note = f"{args.operations} operations, median of {args.runs} runs"
    build_s, build = bench_build(spec, args.runs)
    generator_s = None if args.no_generator else bench_generator(spec, args.runs)
    (gateway_s, bare_s), (gateway_mb, bare_mb) = bench_gateway(build, spec)
    print(env_note)
    print(f"{'measurement':<30}{'value':>10}{'baseline':>12}{'ratio':>8}  target")
    if generator_s is None:
        print(f"{'apigwc build s':<30}{build_s:>10.2f}{'-':>12}{'-':>8}  <= 10 s")
    else:
        ratio = build_s / generator_s
        print(
            f"{'apigwc build s (vs generator)':<30}{build_s:>10.2f}{generator_s:>12.2f}"
            f"{ratio:>8.2f}  <= 10 s and < openapi-generator python-fastapi"
        )
    print(
        f"{'gateway start-up s (vs bare)':<30}{gateway_s:>10.2f}{bare_s:>12.2f}"
        f"{gateway_s / bare_s:>8.2f}  <= 1 s"
    )
    print(
        f"{'gateway RSS MB (vs bare ASGI)':<30}{gateway_mb:>10.1f}{bare_mb:>12.1f}"
        f"{gateway_mb / bare_mb:>8.2f}  < 150 MB"
    )


if __name__ == "__main__":
    os.environ.setdefault("APIGWC_STAGE", "")
    # The gateway's start-up is measured as an installed gateway starts: with its bytecode
    # cache (a machine that sets this would recompile the 1,000-route app.py on every start).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    main()
