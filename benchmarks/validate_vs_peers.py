"""`apigwc validate` against its peers on the same generated spec, in one invocation.

    .venv/bin/python benchmarks/validate_vs_peers.py [--runs 5] [--operations 1000] [--no-spectral]

Each tool runs as a subprocess on `benchmarks/out/spec-<N>.json` (written by gen_spec.py), wall
time including its own start-up, median of `--runs` runs after one warm-up run:

    apigwc validate            this venv's `apigwc validate --format json` (target: 3 s)
    openapi-spec-validator     this venv's CLI (a dev dependency from PyPI): OpenAPI schema only
    spectral (spectral:oas)    `@stoplight/spectral-cli` from npm, installed on first use into
                               benchmarks/out/spectral/ (ignored by git), with the OAS ruleset

The peers check less than apigwc (neither looks inside x-amazon-apigateway-* extensions); the
comparison is of wall time on the same file. Prints a table with each median and its ratio to
apigwc's. Exits non-zero only when a tool cannot run at all; a tool that reports findings
still counts (Spectral exits 1 when its ruleset finds problems).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
SPECTRAL_DIR = OUT / "spectral"
SPECTRAL_PACKAGE = "@stoplight/spectral-cli@6"
VENV_BIN = Path(sys.executable).parent
TARGET_SECONDS = 3.0


@dataclass
class Tool:
    name: str
    command: list[str]
    ok_codes: tuple[int, ...]  # exit codes that mean "ran and reported", not "crashed"
    median: float | None = None
    note: str = ""


def generate_spec(operations: int) -> Path:
    spec = OUT / f"spec-{operations}.json"
    OUT.mkdir(parents=True, exist_ok=True)
    generator = ROOT / "benchmarks" / "gen_spec.py"
    subprocess.run(
        [sys.executable, str(generator), str(spec), "--operations", str(operations)], check=True
    )
    return spec


def install_spectral() -> Path | None:
    """Spectral's CLI from the npm registry into benchmarks/out/spectral (once)."""
    binary = SPECTRAL_DIR / "node_modules" / ".bin" / "spectral"
    if binary.exists():
        return binary
    npm = shutil.which("npm")
    if npm is None:
        return None
    SPECTRAL_DIR.mkdir(parents=True, exist_ok=True)
    command = [npm, "install", "--no-audit", "--no-fund", "--prefix", str(SPECTRAL_DIR)]
    subprocess.run([*command, SPECTRAL_PACKAGE], check=True, capture_output=True, timeout=600)
    return binary if binary.exists() else None


def spectral_ruleset() -> Path:
    ruleset = SPECTRAL_DIR / ".spectral.yaml"
    ruleset.parent.mkdir(parents=True, exist_ok=True)
    ruleset.write_text('extends: ["spectral:oas"]\n', encoding="utf-8")
    return ruleset


def tools(spec: Path, with_spectral: bool) -> list[Tool]:
    found = [
        Tool(
            "apigwc validate",
            [str(VENV_BIN / "apigwc"), "validate", "--format", "json", str(spec)],
            (0, 1),
        ),
        Tool(
            "openapi-spec-validator", [str(VENV_BIN / "openapi-spec-validator"), str(spec)], (0, 1)
        ),
    ]
    if with_spectral:
        binary = install_spectral()
        if binary is None:
            found.append(Tool("spectral (spectral:oas)", [], (), note="npm not found"))
        else:
            command = [str(binary), "lint", "--ruleset", str(spectral_ruleset()), "-f", "json"]
            found.append(Tool("spectral (spectral:oas)", [*command, "-q", str(spec)], (0, 1)))
    return found


def run_once(tool: Tool) -> tuple[float, subprocess.CompletedProcess[bytes]]:
    start = time.perf_counter()
    done = subprocess.run(tool.command, capture_output=True, timeout=600)
    elapsed = time.perf_counter() - start
    # Python exits 1 on an uncaught exception too, which is also apigwc's "findings" status.
    crashed = b"Traceback (most recent call last)" in done.stderr
    if done.returncode not in tool.ok_codes or crashed:
        error = done.stderr.decode(errors="replace")[-2000:]
        raise RuntimeError(f"{tool.name} exited {done.returncode}: {error}")
    return elapsed, done


def measure(tool: Tool, runs: int) -> None:
    _, first = run_once(tool)  # warm-up: file cache, Python bytecode, node's module cache
    tool.note = describe_output(tool, first.stdout)
    tool.median = statistics.median(run_once(tool)[0] for _ in range(runs))


def describe_output(tool: Tool, stdout: bytes) -> str:
    """How many findings the tool reported, so a figure is never read without context."""
    try:
        payload = json.loads(stdout or b"null")
    except ValueError:
        return stdout.decode(errors="replace").strip().splitlines()[-1][:60] if stdout else ""
    if isinstance(payload, dict) and "summary" in payload:
        summary = payload["summary"]
        return f"{summary['errors']} errors, {summary['warnings']} warnings"
    if isinstance(payload, list):
        return f"{len(payload)} findings"
    return ""


def print_table(rows: Sequence[Tool], operations: int, runs: int) -> None:
    base = rows[0].median
    print(f"\nvalidate a generated {operations}-operation spec: median of {runs} runs, wall time")
    header = f"{'tool':<26} {'median':>9} {'vs apigwc':>10}  output"
    print(header)
    print("-" * len(header))
    for row in rows:
        median = f"{row.median:.3f} s" if row.median is not None else "-"
        ratio = f"{row.median / base:.1f}x" if row.median is not None and base else "-"
        print(f"{row.name:<26} {median:>9} {ratio:>10}  {row.note}")
    if base is not None:
        verdict = "ok" if base <= TARGET_SECONDS else "OVER"
        print(f"\napigwc target: <= {TARGET_SECONDS:.0f} s ({verdict})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--operations", type=int, default=1000)
    parser.add_argument(
        "--no-spectral", action="store_true", help="skip the npm install and Spectral"
    )
    args = parser.parse_args(argv)
    spec = generate_spec(args.operations)
    rows = tools(spec, with_spectral=not args.no_spectral)
    failed = False
    for row in rows:
        if not row.command:
            continue
        try:
            measure(row, args.runs)
        except (RuntimeError, subprocess.SubprocessError, OSError) as exc:
            row.note, failed = f"could not run: {exc}"[:200], True
    print_table(rows, args.operations, args.runs)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
