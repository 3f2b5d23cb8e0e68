"""The `apigwc-validate` pre-commit hook, run by the real `pre-commit` tool.

A throwaway hook-source repository is built in tmp from this checkout's package files and
`.pre-commit-hooks.yaml` (committed there, so `rev:` is a real commit; the working tree here is
never touched by git). A second throwaway repository uses it as its hook source; committing a
broken spec is refused with the diagnostic shown, committing a good spec passes, and a YAML
file outside the hook's `files:` is left alone. pre-commit installs the hook's environment
with pip (the pip cache is kept), so this takes tens of seconds: marked slow.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRE_COMMIT = Path(sys.executable).with_name("pre-commit")
SOURCE_FILES = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml")

GOOD = """\
openapi: 3.0.1
info: {title: Pets, version: "1.0"}
paths:
  /pets:
    get:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses: {default: {statusCode: "200"}}
"""
# A stage name API Gateway refuses (AGW480), on line 13.
BROKEN = GOOD + "x-apigwc:\n  stages:\n    prod.v1: {}\n"

pytestmark = pytest.mark.slow


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=cwd, env=_env(cwd), capture_output=True, text=True, timeout=60
    )


def _env(cwd: Path) -> dict[str, str]:
    env = dict(os.environ)
    for key in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(key, None)
    identity = {"NAME": "apigwc test", "EMAIL": "test@example.com"}
    for role in ("AUTHOR", "COMMITTER"):
        for field, value in identity.items():
            env[f"GIT_{role}_{field}"] = value
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    env["GIT_CONFIG_GLOBAL"] = str(cwd / ".no-global-gitconfig")
    env["PRE_COMMIT_HOME"] = str(cwd.parent / "pre-commit-home")
    # the hook's commands come from pre-commit's own environment, not from this test's venv
    env["PATH"] = os.pathsep.join([str(PRE_COMMIT.parent), env.get("PATH", "")])
    return env


def _hook_source(base: Path) -> tuple[Path, str]:
    source = base / "apigwc-src"
    source.mkdir()
    for name in SOURCE_FILES:
        shutil.copy2(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    shutil.copytree(ROOT / "compiler", source / "compiler", ignore=ignore)
    if (ROOT / "templates").is_dir():
        shutil.copytree(ROOT / "templates", source / "templates", ignore=ignore)
    for args in (("init", "-q"), ("add", "-A"), ("commit", "-q", "-m", "hook source")):
        assert _git(source, *args).returncode == 0
    rev = _git(source, "rev-parse", "HEAD").stdout.strip()
    return source, rev


@pytest.fixture(scope="module")
def consumer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("precommit")
    source, rev = _hook_source(base)
    repo = base / "consumer"
    (repo / "api").mkdir(parents=True)
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {source}\n    rev: {rev}\n    hooks:\n"
        "      - id: apigwc-validate\n        files: ^api/\n",
        encoding="utf-8",
    )
    assert _git(repo, "init", "-q").returncode == 0
    install = subprocess.run(
        [str(PRE_COMMIT), "install", "--install-hooks"],
        cwd=repo,
        env=_env(repo),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    return repo


def _commit(repo: Path, files: dict[str, str]) -> subprocess.CompletedProcess[str]:
    for name, text in files.items():
        (repo / name).write_text(text, encoding="utf-8")
    assert _git(repo, "add", *files).returncode == 0
    return _git(repo, "commit", "-m", "change")


def test_broken_spec_is_refused_with_the_diagnostic(consumer: Path) -> None:
    result = _commit(consumer, {"api/pets.yaml": BROKEN})
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "apigwc validate" in output and "Failed" in output
    assert "api/pets.yaml:13:5: error[AGW480 stage-name]" in output
    assert _git(consumer, "rev-parse", "--verify", "-q", "HEAD").returncode != 0  # no commit


def test_good_spec_passes(consumer: Path) -> None:
    result = _commit(consumer, {"api/pets.yaml": GOOD, "ci.yaml": "jobs: {build: {}}\n"})
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Passed" in output
    log = _git(consumer, "log", "--oneline").stdout
    assert len(log.splitlines()) == 1
