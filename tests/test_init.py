"""`apigwc init [DIR]`: the starter project validates clean, `apigwc serve` runs it at once (the
handler answers, the validator refuses a bad body), its own tests pass with the pytest plugin,
and init never overwrites a file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.runtime_server import fetch, free_port, wait_for_port

APIGWC = Path(sys.executable).parent / "apigwc"


def apigwc(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(APIGWC), *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_init_then_serve_answers_with_the_handler(tmp_path: Path) -> None:
    done = apigwc("init", "starter", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "starter"
    assert apigwc("validate", "api.yaml", cwd=folder).stdout == "0 error(s), 0 warning(s)\n"
    port = free_port()
    command = [str(APIGWC), "serve", "api.yaml", "--port", str(port)]
    server = subprocess.Popen(command, cwd=folder, stderr=subprocess.PIPE, env=dict(os.environ))
    try:
        wait_for_port(port, server)
        hello = fetch(port, "GET", "/hello?name=Ada")
        assert (hello.status, hello.json()) == (200, {"message": "Hello, Ada!"})
        json_type = {"Content-Type": "application/json"}
        created = fetch(port, "POST", "/items", json_type, b'{"name": "tea"}')
        assert (created.status, created.json()) == (201, {"created": {"name": "tea"}})
        refused = fetch(port, "POST", "/items", json_type, b"{}")
        assert (refused.status, refused.json()) == (400, {"message": "Invalid request body"})
    finally:
        server.terminate()
        server.wait(timeout=15)


def test_the_starter_tests_pass(tmp_path: Path) -> None:
    assert apigwc("init", cwd=tmp_path).returncode == 0
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "APIGWC_"))}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0 and "2 passed" in done.stdout, done.stdout + done.stderr


def test_init_never_overwrites(tmp_path: Path) -> None:
    (tmp_path / "api.yaml").write_text("mine\n", encoding="utf-8")
    done = apigwc("init", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 2
    assert f"{tmp_path / 'api.yaml'} already exist" in done.stderr
    assert (tmp_path / "api.yaml").read_text(encoding="utf-8") == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["api.yaml"]  # nothing else written
    assert json.dumps(done.stderr).count("Traceback") == 0
