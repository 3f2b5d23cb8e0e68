"""CPU time per request of the gateway's MOCK route under granian, by interface (RSGI, the one
`--server granian` uses, against ASGI, `APIGWC_GRANIAN_INTERFACE=asgi`), and of bare apps.

Throughput (`runtime_bench.py`) on the shared machine moves with the other agents' load; the
CPU seconds a server's processes spend per request (user + system, from /proc, every process
of the server's tree: granian's main process, its worker and its threads) move much less.
Each target runs with one worker on 127.0.0.1, loaded by `wrk -t2 -c32` for `--duration` s,
`--rounds` times in turn; the medians are printed.

    .venv/bin/python benchmarks/granian_cpu_bench.py --rounds 3 --duration 5
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import runtime_bench


def tree(pid: int) -> list[int]:
    """`pid` and its descendants."""
    found = [pid]
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        found += tree(int(child))
    return found


def cpu_seconds(pids: list[int], threads: bool = False) -> float:
    """User + system seconds of the processes (all their threads), or of their main threads."""
    total = 0
    for pid in pids:
        stat = f"/proc/{pid}/stat" if threads else f"/proc/{pid}/task/{pid}/stat"
        try:
            fields = Path(stat).read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def measure(pid: int, url: str, duration: int) -> tuple[float, float]:
    """Microseconds of CPU per request: every process and thread of the server, and the
    serving process's main thread alone (the event loop's: Python's work, which one core bounds,
    while granian's Rust threads take the sockets and HTTP on others)."""
    pids = tree(pid)
    loop = [pids[-1]]  # the worker (granian), or the server itself (uvicorn, one worker)
    before, before_loop = cpu_seconds(pids, True), cpu_seconds(loop)
    command = ["wrk", "-t2", "-c32", f"-d{duration}s", url]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    spent, spent_loop = cpu_seconds(pids, True) - before, cpu_seconds(loop) - before_loop
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return spent / requests * 1e6, spent_loop / requests * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from tests.runtime_server import build_spec

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "bare").mkdir()
        (tmp / "bare" / "bare_app.py").write_text(runtime_bench.BARE_APP)
        (tmp / "handlers").mkdir()
        (tmp / "handlers" / "fixed.py").write_text(runtime_bench.HANDLER)
        bare_port = runtime_bench.free_port()
        (tmp / "bench.yaml").write_text(runtime_bench.SPEC.replace("UPSTREAM", str(bare_port)))
        package = build_spec(tmp / "bench.yaml", tmp / "out")
        runtime, log = tmp / "out" / "runtime", tmp / "gateway.log"
        servers: dict[str, tuple[subprocess.Popen[bytes], str]] = {}
        try:
            process = runtime_bench.uvicorn("bare_app:app", bare_port, tmp / "bare")
            servers["bare uvicorn"] = (process, f"http://127.0.0.1:{bare_port}/")
            port = runtime_bench.free_port()
            process = runtime_bench.granian("bare_app:app", port, tmp / "bare")
            servers["bare granian (ASGI)"] = (process, f"http://127.0.0.1:{port}/")
            for interface in ("rsgi", "asgi"):
                os.environ["APIGWC_GRANIAN_INTERFACE"] = interface
                port = runtime_bench.free_port()
                process = runtime_bench.gateway(package, port, runtime, "granian", log)
                servers[f"MOCK granian {interface.upper()}"] = (
                    process,
                    f"http://127.0.0.1:{port}/mock?x=1",
                )
            port = runtime_bench.free_port()
            process = runtime_bench.gateway(package, port, runtime, "uvicorn", log)
            servers["MOCK uvicorn"] = (process, f"http://127.0.0.1:{port}/mock?x=1")
            time.sleep(1)
            results: dict[str, list[tuple[float, float]]] = {name: [] for name in servers}
            for _ in range(args.rounds):
                for name, (process, url) in servers.items():
                    results[name].append(measure(process.pid, url, args.duration))
            print(f"load average (1 min) after: {os.getloadavg()[0]:.2f}")
            print(
                f"{'target':24} {'all threads':>12} {'loop thread':>12}  (CPU us/request, medians)"
            )
            for name, values in results.items():
                whole = statistics.median(value for value, _ in values)
                loop = statistics.median(value for _, value in values)
                rounds = ", ".join(f"{value:.1f}" for _, value in values)
                print(f"{name:24} {whole:12.1f} {loop:12.1f}  loop: {rounds}")
        finally:
            for process, _ in servers.values():
                process.terminate()
                process.wait(timeout=10)


if __name__ == "__main__":
    main()
