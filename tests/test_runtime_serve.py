"""`apigwc serve`: builds into .apigwc-cache/, serves the runtime, and `--reload` rebuilds."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.runtime_server import fetch, free_port, wait_for_port

SPEC = """\
openapi: 3.0.1
info: {title: Served, version: "1.0"}
paths:
  /health:
    get:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses: {default: {statusCode: "200", responseTemplates: {application/json: 'BODY'}}}
x-apigwc:
  stages: {dev: {}, prod: {}}
"""


def test_serve_with_reload(tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(SPEC.replace("BODY", "first"), encoding="utf-8")
    port = free_port()
    apigwc = Path(sys.executable).parent / "apigwc"
    command = [str(apigwc), "serve", "api.yaml", "--port", str(port), "--reload", "--all-stages"]
    process = subprocess.Popen(command, cwd=tmp_path, stderr=subprocess.PIPE, env=dict(os.environ))
    try:
        wait_for_port(port, process)
        assert fetch(port, "GET", "/prod/health").body == b"first"
        assert (
            tmp_path / ".apigwc-cache" / "served" / "runtime" / "served_gateway" / "app.py"
        ).is_file()
        time.sleep(0.3)
        spec.write_text(SPEC.replace("BODY", "second"), encoding="utf-8")
        deadline = time.monotonic() + 20
        body = b""
        while time.monotonic() < deadline and body != b"second":
            time.sleep(0.2)
            try:
                body = fetch(port, "GET", "/dev/health").body
            except OSError:
                continue  # the server is restarting
        assert body == b"second"
    finally:
        process.terminate()
        process.wait(timeout=15)
    time.sleep(0.3)
    try:
        fetch(port, "GET", "/dev/health")
        raise AssertionError("the server outlived apigwc serve")
    except OSError:
        pass


def test_several_workers(tmp_path: Path) -> None:
    """`--workers 2`: uvicorn starts each worker from import strings (the app and the header
    casing protocol), and every worker answers with the same gateway."""
    from tests.runtime_server import build_spec, run_package

    spec = tmp_path / "api.yaml"
    spec.write_text(SPEC.replace("BODY", "many"), encoding="utf-8")
    package = build_spec(spec, tmp_path / "out")
    with run_package(tmp_path / "out" / "runtime", package, "--workers", "2") as port:
        deadline = time.monotonic() + 20
        replies = []
        while len(replies) < 20 and time.monotonic() < deadline:
            try:
                replies.append(fetch(port, "GET", "/health"))
            except OSError:
                time.sleep(0.1)  # a worker still starting
    assert len(replies) == 20
    assert {(r.status, r.body) for r in replies} == {(200, b"many")}


def test_serve_prints_validate_warnings_before_serving(tmp_path: Path) -> None:
    """A warning often explains a 5xx the server answers later: `serve` prints what `validate`
    prints (the same text rendering) on stderr before it serves."""
    spec = tmp_path / "api.yaml"
    spec.write_text(
        SPEC.replace("BODY", "ok") + "x-amazon-apigateway-frobnicate: true\n", encoding="utf-8"
    )
    apigwc = Path(sys.executable).parent / "apigwc"
    validated = subprocess.run(
        [str(apigwc), "validate", "api.yaml"], cwd=tmp_path, capture_output=True, text=True
    )
    assert validated.returncode == 0 and "warning[AGW205" in validated.stdout, validated.stdout
    port = free_port()
    command = [str(apigwc), "serve", "api.yaml", "--port", str(port)]
    process = subprocess.Popen(command, cwd=tmp_path, stderr=subprocess.PIPE, env=dict(os.environ))
    try:
        wait_for_port(port, process)
        assert fetch(port, "GET", "/health").body == b"ok"
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=15)
    printed = stderr.decode()
    assert validated.stdout in printed, printed
    assert printed.index(validated.stdout) < printed.index("serving served_gateway on")
