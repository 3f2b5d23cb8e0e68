"""Measure apigwc against its performance targets, with baselines taken in the same run.

    .venv/bin/python benchmarks/run.py [--runs 7] [--operations 1000]

Prints one table: the median of several runs of each measurement, a baseline measured on the same
machine in the same invocation, their ratio, and the target. Benchmarks measure, tests assert: the
exit status is non-zero only when a measurement crashed, never because a figure misses its target.

    validate petstore   `apigwc validate specs/petstore.yaml` wall time, interpreter start included
                        (a subprocess of this venv's `apigwc`); baseline `python -c pass`
    load+lower N ops    `apigwc.pipeline.compile_spec` on a generated spec, in process, after one
                        warm-up call (imports); baseline `json.load` of the same file
    peak memory N ops   ru_maxrss of a subprocess that compiles that spec; baseline a subprocess that
                        only `json.load`s it
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PETSTORE = "specs/petstore.yaml"
OUT = ROOT / "benchmarks" / "out"

# Child programs for the memory figure: each prints its own peak RSS in kilobytes (Linux units).
MAXRSS = "import resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
COMPILE_CHILD = (
    "import sys\nfrom apigwc.pipeline import compile_spec\nresult = compile_spec(sys.argv[1])\n"
    + MAXRSS
)
JSON_CHILD = "import json, sys\njson.load(open(sys.argv[1], encoding='utf-8'))\n" + MAXRSS


@dataclass
class Row:
    name: str
    unit: str
    baseline_name: str
    target: float
    measured: float | None = None
    baseline: float | None = None

    def cells(self) -> list[str]:
        ratio = "-"
        if self.measured is not None and self.baseline:
            ratio = f"{self.measured / self.baseline:.1f}x"
        verdict = "-"
        if self.measured is not None:
            verdict = "ok" if self.measured <= self.target else "OVER"
        return [
            self.name,
            self.fmt(self.measured),
            f"{self.fmt(self.baseline)} ({self.baseline_name})",
            ratio,
            f"{self.target:g} {self.unit}",
            verdict,
        ]

    def fmt(self, value: float | None) -> str:
        if value is None:
            return "crashed"
        return f"{value:.3f} s" if self.unit == "s" else f"{value:.0f} {self.unit}"


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median_time(fn: Callable[[], object], runs: int) -> float:
    return statistics.median(timed(fn) for _ in range(runs))


def run_checked(
    cmd: list[str], ok_codes: tuple[int, ...] = (0,)
) -> subprocess.CompletedProcess[str]:
    """Run a child; a traceback or an unexpected exit status is a crash."""
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if proc.returncode not in ok_codes or "Traceback (most recent call last)" in proc.stderr:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr[-2000:]}")
    return proc


def apigwc_command() -> list[str]:
    script = Path(sys.executable).parent / "apigwc"
    return [str(script)] if script.exists() else [sys.executable, "-m", "apigwc"]


def bench_validate(runs: int) -> tuple[float, float]:
    # validate exits 1 when the spec has findings: that is a result, not a crash.
    cmd = [*apigwc_command(), "validate", PETSTORE]
    run_checked(cmd, ok_codes=(0, 1))  # warm the OS file cache and .pyc files
    measured, baseline = [], []
    for _ in range(runs):  # interleaved so that machine noise hits both alike
        baseline.append(timed(lambda: run_checked([sys.executable, "-c", "pass"])))
        measured.append(timed(lambda: run_checked(cmd, ok_codes=(0, 1))))
    return statistics.median(measured), statistics.median(baseline)


def findings(diagnostics: list[object]) -> str:
    counts: dict[str, int] = {}
    for diag in diagnostics:
        severity = str(getattr(diag, "severity", "?"))
        counts[severity] = counts.get(severity, 0) + 1
    return ", ".join(f"{n} {severity}" for severity, n in sorted(counts.items())) or "none"


def bench_lower(spec: Path, runs: int, notes: list[str]) -> tuple[float, float]:
    from apigwc.pipeline import compile_spec

    result = compile_spec(str(spec))  # warm-up: imports; and the findings to report
    notes.append(f"findings on the generated spec: {findings(result.sink.diagnostics)}")

    def load_json() -> object:
        with spec.open(encoding="utf-8") as fh:
            return json.load(fh)

    baseline = median_time(load_json, runs)
    return median_time(lambda: compile_spec(str(spec)), runs), baseline


def bench_memory(spec: Path) -> tuple[float, float]:
    # Linux carries the parent's peak RSS into a child's ru_maxrss across fork/vfork + exec, so
    # this runs first, while this process is small; the json.load baseline shows that floor.
    def peak_mb(program: str) -> float:
        proc = run_checked([sys.executable, "-c", program, str(spec)])
        return int(proc.stdout.strip().splitlines()[-1]) / 1024

    return peak_mb(COMPILE_CHILD), peak_mb(JSON_CHILD)


def measure(row: Row, fn: Callable[[], tuple[float, float]]) -> bool:
    """Fill one row; on a crash print why, leave the row 'crashed' and go on."""
    try:
        row.measured, row.baseline = fn()
        return True
    except Exception:  # a crash in one benchmark must not hide the others' figures
        traceback.print_exc()
        return False


def print_table(rows: list[Row]) -> None:
    header = ["measurement", "median", "baseline (same run)", "ratio", "target", ""]
    table = [header, *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for index, line in enumerate(table):
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
        if index == 0:
            print("  ".join("-" * w for w in widths))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="apigwc benchmarks (medians, with baselines)")
    parser.add_argument("--runs", type=int, default=7, help="runs per measurement (median taken)")
    parser.add_argument("--operations", type=int, default=1000, help="size of the generated spec")
    args = parser.parse_args(argv)
    n, spec = args.operations, OUT / f"spec-{args.operations}.json"

    # Generated in a child so that this process stays small for the memory figure.
    generator = str(ROOT / "benchmarks" / "gen_spec.py")
    run_checked([sys.executable, generator, str(spec), "--operations", str(n)])
    print(f"python {sys.version.split()[0]} at {sys.executable}; median of {args.runs} runs")
    print(f"generated {spec.relative_to(ROOT)} ({spec.stat().st_size / 1e6:.1f} MB)\n")

    validate = Row(f"validate {PETSTORE}", "s", "python -c pass", 0.5)
    lower = Row(f"load+lower {n} ops", "s", "json.load", 2.0)
    memory = Row(f"peak memory {n} ops", "MB", "json.load", 300.0)
    notes: list[str] = []
    ok = measure(memory, lambda: bench_memory(spec))  # first: see bench_memory
    ok &= measure(validate, lambda: bench_validate(args.runs))
    ok &= measure(lower, lambda: bench_lower(spec, args.runs, notes))

    print_table([validate, lower, memory])
    print("", *notes, sep="\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
