"""The CLI contract: exit codes, output formats, the catalogue commands.

    apigwc validate SPEC... [--format text|json] [--fail-on error|warning] [--allow-remote-refs]
        exit 0 clean, 1 findings at or above the fail level, 2 usage or unreadable input
    apigwc rules / apigwc explain CODE / apigwc --version

Cases run in process through click's CliRunner (fast); one case runs the real interpreter.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

ROOT = Path(__file__).resolve().parent.parent

CLEAN = """\
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

# An integration type API Gateway does not know: AGW202 invalid-value, an error.
ERROR = CLEAN.replace("type: mock", "type: teleport")

# An unknown x-amazon-apigateway-* key is a warning (AGW205), and the only finding.
WARNING = CLEAN + "x-amazon-apigateway-frobnicate: true\n"
WARNING_IGNORED_AT_ROOT = WARNING + "x-apigwc-ignore: [AGW205]\n"
WARNING_IN_OPERATION = CLEAN.replace(
    "      operationId: getHealth\n",
    "      operationId: getHealth\n      x-amazon-apigateway-frobnicate: true\n",
)
WARNING_IGNORED_IN_OPERATION = WARNING_IN_OPERATION.replace(
    "      operationId: getHealth\n",
    "      operationId: getHealth\n      x-apigwc-ignore: [AGW205]\n",
)

SPECS = {
    "clean.yaml": CLEAN,
    "error.yaml": ERROR,
    "warning.yaml": WARNING,
    "warning-ignored-root.yaml": WARNING_IGNORED_AT_ROOT,
    "warning-op.yaml": WARNING_IN_OPERATION,
    "warning-ignored-op.yaml": WARNING_IGNORED_IN_OPERATION,
}

DIAGNOSTIC_KEYS = {
    "code",
    "name",
    "severity",
    "message",
    "hint",
    "file",
    "line",
    "column",
    "end_line",
    "end_column",
    "pointer",
}
TEXT_DIAGNOSTIC = re.compile(
    r"^(?P<file>\S+):\d+:\d+: (error|warning|info)\[AGW\d{3} [a-z0-9-]+\]: .+", re.M
)


@pytest.fixture
def specs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The specs above, written to a temporary folder that is the working directory."""
    for name, text in SPECS.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "folder.yaml").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def command() -> click.Command:
    from apigwc import cli

    for name in ("main", "cli", "app"):
        obj = getattr(cli, name, None)
        if isinstance(obj, click.Command):
            return obj
    pytest.fail("apigwc.cli has no click command named main, cli or app")


def invoke(*args: str) -> Result:
    result = CliRunner().invoke(command(), list(args), catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"apigwc {' '.join(args)} raised:\n{result.output}") from (
            result.exception
        )
    return result


PETSTORE = str(ROOT / "specs" / "petstore.yaml")

EXIT_CODES = [
    # id, arguments, exit code
    ("clean", ["validate", "clean.yaml"], 0),
    ("clean-json", ["validate", "--format", "json", "clean.yaml"], 0),
    ("petstore", ["validate", PETSTORE], 0),
    ("error", ["validate", "error.yaml"], 1),
    ("error-json", ["validate", "--format", "json", "error.yaml"], 1),
    ("error-among-clean", ["validate", "clean.yaml", "error.yaml"], 1),
    ("warning-default-fail-on", ["validate", "warning.yaml"], 0),
    ("warning-fail-on-error", ["validate", "--fail-on", "error", "warning.yaml"], 0),
    ("warning-fail-on-warning", ["validate", "--fail-on", "warning", "warning.yaml"], 1),
    ("clean-fail-on-warning", ["validate", "--fail-on", "warning", "clean.yaml"], 0),
    ("error-fail-on-warning", ["validate", "--fail-on", "warning", "error.yaml"], 1),
    ("ignored-at-root", ["validate", "--fail-on", "warning", "warning-ignored-root.yaml"], 0),
    ("warning-in-operation", ["validate", "--fail-on", "warning", "warning-op.yaml"], 1),
    ("ignored-in-operation", ["validate", "--fail-on", "warning", "warning-ignored-op.yaml"], 0),
    ("missing-file", ["validate", "no-such.yaml"], 2),
    ("missing-among-clean", ["validate", "clean.yaml", "no-such.yaml"], 2),
    ("directory", ["validate", "folder.yaml"], 2),
    ("no-spec", ["validate"], 2),
    ("unknown-option", ["validate", "--frobnicate", "clean.yaml"], 2),
    ("unknown-format", ["validate", "--format", "xml", "clean.yaml"], 2),
    ("unknown-fail-on", ["validate", "--fail-on", "info-ish", "clean.yaml"], 2),
    ("unknown-command", ["frobnicate"], 2),
    ("rules", ["rules"], 0),
    ("explain", ["explain", "AGW103"], 0),
    ("explain-unknown", ["explain", "AGW999"], 2),
    ("explain-nothing", ["explain"], 2),
    ("version", ["--version"], 0),
]


@pytest.mark.parametrize(
    ("args", "expected"), [c[1:] for c in EXIT_CODES], ids=[c[0] for c in EXIT_CODES]
)
def test_exit_code(specs: Path, args: list[str], expected: int) -> None:
    result = invoke(*args)
    assert result.exit_code == expected, result.output


def validate_json(*args: str) -> dict[str, object]:
    result = invoke("validate", "--format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    out = json.loads(result.stdout)
    assert set(out) >= {"diagnostics", "summary"}
    assert isinstance(out["diagnostics"], list)
    assert isinstance(out["summary"], dict)
    return out


def test_json_clean_has_no_diagnostics(specs: Path) -> None:
    assert validate_json("clean.yaml")["diagnostics"] == []


@pytest.mark.parametrize(
    ("spec", "code", "severity"),
    [("error.yaml", "AGW202", "error"), ("warning.yaml", "AGW205", "warning")],
    ids=["error", "warning"],
)
def test_json_diagnostic_fields(specs: Path, spec: str, code: str, severity: str) -> None:
    diagnostics = validate_json(spec)["diagnostics"]
    assert diagnostics, "expected a finding"
    for diag in diagnostics:
        assert set(diag) >= DIAGNOSTIC_KEYS, diag
        assert diag["file"] == spec
        assert diag["line"] >= 1 and diag["column"] >= 1
        assert (diag["end_line"], diag["end_column"]) >= (diag["line"], diag["column"])
        assert isinstance(diag["pointer"], str)
        assert re.fullmatch(r"AGW\d{3}", diag["code"]) and re.fullmatch(r"[a-z0-9-]+", diag["name"])
    assert (code, severity) in {(d["code"], d["severity"]) for d in diagnostics}


def test_json_diagnostic_points_at_the_value(specs: Path) -> None:
    (diag,) = [d for d in validate_json("error.yaml")["diagnostics"] if d["code"] == "AGW202"]
    line = CLEAN.splitlines().index("        type: mock") + 1
    assert diag["line"] == line
    assert diag["pointer"].startswith("/paths/~1health/get/x-amazon-apigateway-integration")


def test_text_format(specs: Path) -> None:
    result = invoke("validate", "error.yaml")
    found = TEXT_DIAGNOSTIC.search(result.output)
    assert found, result.output
    assert found["file"] == "error.yaml"
    assert "error[AGW202 invalid-value]" in result.output


def test_rules_lists_the_catalogue(specs: Path) -> None:
    from apigwc.codes import all_codes

    output = invoke("rules").output
    for code in all_codes().values():
        if not code.retired:
            assert code.code in output and code.name in output


def test_explain_prints_the_code(specs: Path) -> None:
    from apigwc.diagnostics.catalogue import get

    output = invoke("explain", "AGW103").output
    assert "AGW103" in output and "yaml-syntax" in output
    assert get("AGW103").summary in output


def test_version(specs: Path) -> None:
    from apigwc import __version__

    assert __version__ in invoke("--version").output


def test_real_process(specs: Path) -> None:
    """The console entry point as a user runs it: a real interpreter, stdout and exit status."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "compiler")}
    proc = subprocess.run(
        [sys.executable, "-m", "apigwc", "validate", "--format", "json", "error.yaml"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    codes = {d["code"] for d in json.loads(proc.stdout)["diagnostics"]}
    assert "AGW202" in codes
