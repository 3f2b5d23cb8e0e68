"""The built wheel works on its own: build it, install it into a fresh venv, run `apigwc` from there.

A file the package needs at run time but that the wheel leaves out (package data, a module outside
`compiler/apigwc`) fails here, not on a user's machine. The wheel is installed without extras, as
`pip install apigwc` does, and then builds and serves a spec with a model, a request validator and
mapping templates (fastjsonschema and airspeed at build and at run time). The source tree is copied first so that the
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
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.runtime_server import free_port, wait_for_port

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


# A model (with a pattern), a request validator, and request and response mapping templates.
ORDERS_SPEC = """\
openapi: 3.0.1
info: {title: Orders, version: "1.0"}
x-amazon-apigateway-request-validators:
  all: {validateRequestBody: true, validateRequestParameters: true}
paths:
  /orders:
    post:
      operationId: createOrder
      x-amazon-apigateway-request-validator: all
      parameters:
        - {name: shop, in: query, required: true, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Order"}
      responses:
        "201": {description: created}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates:
          application/json: '#if($input.path("$.quantity") > 0){"statusCode": 201}#end'
        responses:
          default:
            statusCode: "201"
            responseTemplates:
              application/json: '{"shop": "$input.params(''shop'')"}'
components:
  schemas:
    Order:
      type: object
      required: [sku, quantity]
      properties:
        sku: {type: string, pattern: "^[A-Z]+-[0-9]+$"}
        quantity: {type: integer, minimum: 1}
"""


def post(port: int, query: str, body: bytes) -> tuple[int, bytes]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/orders{query}",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


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

    # The editor schema is package data (apigwc/data/apigwc.schema.json).
    schema = json.loads(ok(run([bin_ / "apigwc", "schema"], work)))
    assert "x-amazon-apigateway-integration" in schema["definitions"]

    (work / "tiny.yaml").write_text(TINY_SPEC, encoding="utf-8")
    report = ok(run([bin_ / "apigwc", "validate", "--format", "json", "tiny.yaml"], work))
    assert json.loads(report)["diagnostics"] == []

    missing = run([bin_ / "apigwc", "validate", "missing.yaml"], work)
    assert missing.returncode == 2, missing.stdout + missing.stderr

    # The runtime emitter's templates (data files) and support library travel in the wheel.
    ok(run([bin_ / "apigwc", "build", "tiny.yaml", "-o", "out"], work))
    app = (work / "out" / "runtime" / "tiny_gateway" / "app.py").read_text(encoding="utf-8")
    assert app.startswith("# Generated by apigwc") and "ROUTES = (" in app
    assert (
        work / "out" / "runtime" / "tiny_gateway" / "_runtime" / "routing" / "router.py"
    ).is_file()
    assert (work / "out" / "runtime" / "pyproject.toml").is_file()

    # Models and mapping templates: fastjsonschema and airspeed come with the plain install.
    (work / "orders.yaml").write_text(ORDERS_SPEC, encoding="utf-8")
    ok(run([bin_ / "apigwc", "build", "orders.yaml", "-o", "orders"], work))
    assert (work / "orders" / "runtime" / "orders_gateway" / "models.py").is_file()
    serve_and_answer(bin_, work)


def serve_and_answer(bin_: Path, work: Path) -> None:
    """`apigwc serve` of the installed wheel answers valid and invalid requests, no traceback."""
    port = free_port()
    command = [str(bin_ / "apigwc"), "serve", "orders.yaml", "--port", str(port)]
    server = subprocess.Popen(command, cwd=work, env=clean_env(), stderr=subprocess.PIPE)
    try:
        wait_for_port(port, server, timeout=60)
        good = b'{"sku": "ABC-12", "quantity": 2}'
        assert post(port, "?shop=paris", good) == (201, b'{"shop": "paris"}')
        bad = b'{"sku": "abc", "quantity": 2}'
        assert post(port, "?shop=paris", bad) == (400, b'{"message":"Invalid request body"}')
        missing = (400, b'{"message":"Missing required request parameters: [shop]"}')
        assert post(port, "", good) == missing
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=30)
    assert b"Traceback" not in stderr, stderr.decode(errors="replace")
