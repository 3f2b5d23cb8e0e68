"""Figures of issues 11 and 13 measured in pairs: two servers on one core, loaded at once.

    .venv/bin/python benchmarks/paired_bench.py [--rounds 20] [--duration 3] [--connections 32]
                                                [--pairs twin,serve_logging,observed,...]

Why a second method. `runtime_bench.py` loads its targets one after the other, and on this
shared 2-core machine the capacity left to us drifts from second to second: two identical
gateways measured in alternating rounds of 3 s read from 0.55 to 1.73 of each other in one run
(standard deviation of a round's ratio: 0.30). Here the two servers of a pair run on one core
(both pinned to core 0, with every thread they start) and their two `wrk` processes (one thread,
the same connections each) on the other, loaded at the same time: whatever the neighbours take
from core 0 in a round they take from both, the kernel shares the core between the two busy
servers, and each one's requests per second follows its own cost per request. The same two
identical gateways read 0.96-1.07 of each other per round this way (20 rounds: mean 1.000
±0.011).

Each round also starts both servers afresh (in alternating order) and stops them after: one
process can run a few per cent faster than its identical twin for its whole life (hash seeds,
memory layout; a pair kept for a whole run read 1.07 in nearly every round), which a median over
rounds of the same two processes keeps and fresh processes average out.

Pairs (measured against baseline, with the target the issues set):

    twin            MOCK route / the same gateway again: 1 but for the method's noise
    serve_logging   `apigwc serve`'s default logging (console line) / logging off   >= 0.9
    observed        access log + metrics (`--admin-port`) / both off                 >= 0.9
    access_log      the access log (CLF line) / off                                  >= 0.9
    metrics         the metrics alone (`--admin-port`, nothing scraping) / off
    mock            MOCK route / bare ASGI app on uvicorn                            >= 0.75
    plan            `throttle_bench.py`'s route with its API key, usage plan (throttle, quota)
                    and stage throttle, memory state / the same route open           >= 0.85

Only servers that run on one busy thread are paired: the kernel shares a core between threads,
so a server with a second thread runnable beside its event loop takes more than half of it. The
Lambda proxy route (its handler runs on a pool thread while the loop waits in a system call) read
0.82 of the bare app this way against 0.46 loaded alone, and granian's Rust threads would gain
likewise: their figures are `runtime_bench.py`'s. The logging targets' background thread wakes
every 50 ms and holds the GIL while it works, so the loop waits: it adds to its server's cost,
not to its share.

The routes, the spec and the way each server runs are `runtime_bench.py`'s (`plan`'s are
`throttle_bench.py`'s: that route meets the account's throttle, so its pair shares core 0 with a
third busy process, `SHARED_WITH_A_THIRD`). Each pair prints the median of its rounds' ratios,
their mean with two standard errors, and the lowest and highest round. Benchmarks measure, tests
assert: the exit status is non-zero only when a measurement crashed or an answer was not a 2xx.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import throttle_bench
from runtime_bench import (
    SERVE_ENVIRONMENT,
    SERVE_LOGGING,
    build_workspace,
    free_port,
    gateway,
    uvicorn,
)


@dataclass(frozen=True)
class Workspace:
    """What every target starts from: the built gateway packages and the bare app."""

    tmp: Path
    package: str
    # throttle_bench.py's API, with its usage plan (True) and without (False): (runtime, package)
    keyed: dict[bool, tuple[Path, str]] = field(default_factory=dict)

    @property
    def runtime(self) -> Path:
        return self.tmp / "out" / "runtime"


@dataclass(frozen=True)
class Started:
    server: subprocess.Popen[bytes]
    url: str  # what wrk loads
    headers: tuple[str, ...] = ()  # wrk's `-H` options


Target = Callable[[Workspace, str], Started]  # (workspace, log name) -> started


def bare(space: Workspace, _: str) -> Started:
    port = free_port()
    return Started(uvicorn("bare_app:app", port, space.tmp / "bare"), f"http://127.0.0.1:{port}/")


def _gateway(
    path: str,
    *extra: str,
    access_log: bool = False,
    admin: bool = False,
    environment: dict[str, str] | None = None,
) -> Target:
    """A fresh gateway process run as `runtime_bench.gateway` runs it: `access_log` turns its
    access log on, `admin` adds `--admin-port` (the metrics on)."""

    def start(space: Workspace, name: str) -> Started:
        port = free_port()
        options = [*extra, "--admin-port", str(free_port())] if admin else list(extra)
        process = gateway(
            space.package,
            port,
            space.runtime,
            "uvicorn",
            space.tmp / f"{name}.log",
            *options,
            environment=environment,
            access_log=access_log,
        )
        return Started(process, f"http://127.0.0.1:{port}{path}")

    return start


def _keyed(plan: bool) -> Target:
    """throttle_bench.py's `GET /keyed`: with its API key, usage plan (throttle and quota) and
    stage throttle, or open; the key sent to both (the open route ignores it)."""

    def start(space: Workspace, name: str) -> Started:
        port = free_port()
        runtime, package = space.keyed[plan]
        process = gateway(package, port, runtime, "uvicorn", space.tmp / f"{name}.log")
        headers = ("-H", f"x-api-key: {throttle_bench.KEY}")
        return Started(process, f"http://127.0.0.1:{port}/keyed", headers)

    return start


MOCK = _gateway("/mock?x=1")
PAIRS: dict[str, tuple[Target, Target, str]] = {
    "twin": (MOCK, MOCK, "1.00 (the method's noise)"),
    "serve_logging": (_gateway("/mock?x=1", *SERVE_LOGGING, environment=SERVE_ENVIRONMENT,
                               access_log=True), MOCK, ">= 0.9 (issue 11)"),
    "observed": (_gateway("/mock?x=1", access_log=True, admin=True), MOCK, ">= 0.9 (issue 13)"),
    "access_log": (_gateway("/mock?x=1", access_log=True), MOCK, ">= 0.9"),
    "metrics": (_gateway("/mock?x=1", admin=True), MOCK, ""),
    "mock": (MOCK, bare, ">= 0.75 (issue 11)"),
    "plan": (_keyed(True), _keyed(False), ">= 0.85 (issue 13)"),
}  # fmt: skip


SERVER_CORES, LOAD_CORES = {0}, {1}


def _servers_core() -> None:
    os.sched_setaffinity(0, SERVER_CORES)


def _load_core() -> None:
    os.sched_setaffinity(0, LOAD_CORES)


# Pairs whose routes meet the account's throttle (10,000 requests per second, reference §7.2,
# which no spec lifts) if a server gets half a core: a third busy process shares the servers' core
# with them, so each gets a third of it and stays below that rate (no answer is a 429; the run
# fails otherwise). The ratio is still each server's cost per request against the other's.
SHARED_WITH_A_THIRD = frozenset({"plan"})


def _burn(seconds: int) -> subprocess.Popen[bytes]:
    """A busy loop on the servers' core that ends by itself after `seconds`."""
    loop = f"import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end: pass"
    return subprocess.Popen([sys.executable, "-c", loop], preexec_fn=_servers_core)


def load_together(
    targets: list[Started], duration: int, connections: int, strict: bool = True
) -> list[float]:
    """Requests per second of each target, every one loaded at the same time by its own `wrk`,
    on the core the servers do not run on. `strict`: any answer but a 2xx fails the run (the
    account's throttle answering 429 above 10,000 requests per second would compare a refusal
    with a route); a warm-up is not strict."""
    loads = [
        subprocess.Popen(
            ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", *target.headers, target.url],
            stdout=subprocess.PIPE,
            text=True,
            preexec_fn=_load_core,
        )
        for target in targets
    ]
    found = []
    for load in loads:
        out = load.communicate()[0]
        match = re.search(r"Requests/sec:\s+([\d.]+)", out)
        if load.returncode != 0 or match is None:
            raise RuntimeError(f"wrk failed: {out[-500:]}")
        refused = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
        if strict and refused is not None:
            raise RuntimeError(f"{refused.group(1)} answers were not 2xx: {out[-500:]}")
        found.append(float(match.group(1)))
    return found


def one_round(space: Workspace, pair: str, index: int, duration: int, connections: int) -> float:
    """The measured target's requests per second over the baseline's, both fresh, loaded
    together (each warmed up alone first)."""
    measured, baseline, _ = PAIRS[pair]
    order = [("measured", measured), ("baseline", baseline)]
    if index % 2:
        order.reverse()
    started: dict[str, Started] = {}
    every_core = os.sched_getaffinity(0)
    try:
        _servers_core()  # inherited by the servers started now, and by all their threads
        try:
            for role, target in order:
                started[role] = target(space, f"{pair}-{index}-{role}")
        finally:
            os.sched_setaffinity(0, every_core)
        for one in started.values():  # warm-up: imports, the handler's first load
            load_together([one], 1, connections, strict=False)
        burner = _burn(duration + 2) if pair in SHARED_WITH_A_THIRD else None
        try:
            rates = load_together([started[r] for r, _ in order], duration, connections)
        finally:
            if burner is not None:
                burner.kill()
                burner.wait(timeout=10)
    finally:
        for one in started.values():
            one.server.terminate()
            one.server.wait(timeout=10)
    rate = dict(zip([r for r, _ in order], rates, strict=True))
    return rate["measured"] / rate["baseline"]


def report(pair: str, ratios: list[float]) -> None:
    mean = statistics.mean(ratios)
    error = 2 * statistics.stdev(ratios) / len(ratios) ** 0.5 if len(ratios) > 1 else 0.0
    label = f"{pair} ({len(ratios)} rounds)"
    print(
        f"{label:<28}{statistics.median(ratios):>8.3f}{mean:>8.3f} ±{error:.3f}"
        f"{min(ratios):>8.2f}{max(ratios):>6.2f}  {PAIRS[pair][2]}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--duration", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--pairs", default=",".join(PAIRS), help="comma-separated")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: run `make deps`")
    if not os.sched_getaffinity(0) >= SERVER_CORES | LOAD_CORES:
        sys.exit("needs cores 0 and 1: the servers run on one, the load on the other")
    pairs = args.pairs.split(",")
    unknown = sorted(set(pairs) - set(PAIRS))
    if unknown:
        sys.exit(f"unknown pairs: {', '.join(unknown)} (known: {', '.join(PAIRS)})")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        # The proxy route's upstream is not loaded here; any allowed port builds the spec.
        space = Workspace(tmp, build_workspace(tmp, 8080))
        if "plan" in pairs:
            space.keyed.update(
                {plan: throttle_bench.built(tmp / f"keyed{plan}", plan) for plan in (True, False)}
            )
        print(f"load average (1 min) before loading: {os.getloadavg()[0]:.2f}")
        print(f"{args.rounds} rounds of {args.duration} s per pair, {args.connections} connections")
        print(f"{'pair':<28}{'median':>8}{'mean':>8}{'':7}{'lowest':>8}{'high':>6}  target")
        for pair in pairs:
            ratios = [
                one_round(space, pair, index, args.duration, args.connections)
                for index in range(args.rounds)
            ]
            report(pair, ratios)
        print(f"load average (1 min) after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
