"""The built wheel works on its own: build it, install it into a fresh venv, run `apigwc` from there.

A file the package needs at run time but that the wheel leaves out (package data, a module outside
`compiler/apigwc`) fails here, not on a user's machine. The source tree is copied first so that the
build writes nothing into the working tree. pip's cache is reused, so the dependencies install from
it after the first run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 300

# Caches, build output and environments: never part of a source distribution.
NOT_SOURCE = {".git", ".venv", "build", "dist", "__pycache__", ".pytest_cache", ".mypy_cache"}
NOT_SOURCE |= {".ruff_cache", ".apigwc-cache"}


def not_source(folder: str, names: list[str]) -> set[str]:
    skip = {n for n in names if n in NOT_SOURCE or n.endswith(".egg-info")}
    if Path(folder) == ROOT / "benchmarks":
        skip.add("out")  # generated benchmark specs
    return skip


TINY_SPEC = """\
openapi: 3.0.1
info: {title: Tiny, version: "1.0"}
paths:
  /health:
    get:
      operationId: getHealth
      responses:
        "200": {description: OK}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        passthroughBehavior: when_no_match
        responses:
          default: {statusCode: "200"}
"""


def clean_env() -> dict[str, str]:
    """The environment without anything that would let the source tree leak into the venv."""
    drop = {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "PYTHONSTARTUP"}
    return {k: v for k, v in os.environ.items() if k not in drop}


def run(cmd: list[str | Path], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(c) for c in cmd],
        cwd=cwd,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def ok(proc: subprocess.CompletedProcess[str]) -> str:
    assert (
        proc.returncode == 0
    ), f"{proc.args} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def build_into_venv(tmp: Path) -> Path:
    """A fresh venv holding only the wheel built from this tree and its dependencies."""
    source, dist, venv = tmp / "src", tmp / "dist", tmp / "venv"
    shutil.copytree(ROOT, source, ignore=not_source, symlinks=True)
    ok(run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, source], tmp))
    (wheel,) = dist.glob("apigwc-*.whl")
    ok(run([sys.executable, "-m", "venv", venv], tmp))
    ok(run([venv / "bin" / "python", "-m", "pip", "install", "-q", wheel], tmp))
    return venv / "bin"


# One test, not several sharing a fixture: under pytest-xdist each worker would build its own venv.
def test_wheel_installs_and_runs(tmp_path: Path) -> None:
    bin_ = build_into_venv(tmp_path / "build")
    work = tmp_path / "work"
    work.mkdir()

    where = ok(run([bin_ / "python", "-c", "import apigwc; print(apigwc.__file__)"], work))
    assert "site-packages" in where and str(ROOT) not in where

    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert version in ok(run([bin_ / "apigwc", "--version"], work))

    rules = ok(run([bin_ / "apigwc", "rules"], work))
    assert "AGW101" in rules and "file-not-found" in rules

    (work / "tiny.yaml").write_text(TINY_SPEC, encoding="utf-8")
    report = ok(run([bin_ / "apigwc", "validate", "--format", "json", "tiny.yaml"], work))
    assert json.loads(report)["diagnostics"] == []

    missing = run([bin_ / "apigwc", "validate", "missing.yaml"], work)
    assert missing.returncode == 2, missing.stdout + missing.stderr
