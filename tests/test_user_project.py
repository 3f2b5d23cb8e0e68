"""The pytest plugin `apigwc.testing` as a user runs it: `tests/user_project/` (a spec, a
handler, a pytest.ini naming the spec and asking for moto, and tests written against the API)
is copied, given a user pool key pair made here, and run with pytest in a subprocess, loaded
through the `pytest11` entry point of the installed apigwc. Every test passes but the one that
is meant to fail, whose failure pytest reports as usual."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from tests.jwt_tokens import Keys

PROJECT = Path(__file__).resolve().parent / "user_project"


def run_pytest(
    folder: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "APIGWC_"))}
    env = clean | (env or {})
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def user_project(tmp_path: Path) -> Path:
    folder = tmp_path / "shop"
    shutil.copytree(PROJECT, folder)
    keys = Keys.make()
    keys.write_jwks(folder / "keys" / "pool.jwks.json")
    pem = keys.rsa.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (folder / "keys" / "pool.pem").write_bytes(pem)
    return folder


def test_a_user_project_runs_its_api_tests_with_the_plugin(tmp_path: Path) -> None:
    done = run_pytest(user_project(tmp_path), "-rf", "tests")
    summary = done.stdout.strip().splitlines()[-1]
    assert re.search(r"\b1 failed, 8 passed\b", summary), done.stdout + done.stderr
    failed = re.findall(r"^FAILED (\S+)", done.stdout, re.M)
    assert failed == ["tests/test_api.py::test_a_failing_assertion_is_reported"], done.stdout
    assert "assert 'world' == 'Grace'" in done.stdout


def test_the_plugin_loads_by_name_without_entry_points(tmp_path: Path) -> None:
    """`pytest -p apigwc.testing` where plugins are not loaded from entry points."""
    folder = user_project(tmp_path)
    autoload_off = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    done = run_pytest(folder, "tests/test_api.py::test_hello", env=autoload_off)
    assert "fixture 'apigwc_client' not found" in done.stdout, done.stdout
    done = run_pytest(
        folder, "-p", "apigwc.testing", "tests/test_api.py::test_hello", env=autoload_off
    )
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout + done.stderr


def test_a_spec_with_errors_fails_with_its_diagnostics(tmp_path: Path) -> None:
    folder = user_project(tmp_path)
    spec = folder / "api.yaml"
    spec.write_text(spec.read_text().replace("type: aws\n", "type: nonsense\n"), "utf-8")
    done = run_pytest(folder, "tests/test_api.py::test_hello")
    assert done.returncode == 1
    assert "api.yaml does not build" in done.stdout, done.stdout
    assert "error[AGW202 invalid-value]" in done.stdout
    assert "Traceback" not in done.stdout


def test_the_plugin_is_cheap_to_load() -> None:
    """Loading the plugin (what every pytest run of a project with apigwc installed does: the
    entry point names the package) imports neither the compiler nor the runtime nor their
    libraries."""
    code = (
        "import sys, apigwc.testing; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('pydantic', 'botocore', 'uvicorn', 'yaml', 'jinja2', 'moto', 'aiohttp') "
        "or m.startswith(('apigwc.pipeline', 'apigwc.runtime', 'apigwc.ir'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
