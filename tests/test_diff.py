"""`apigwc diff OLD NEW`: tables of breaking and non-breaking changes between two versions.

Each case edits one thing of a deployed API's spec (BASE) and names the codes `apigwc diff`
must report, run as a user runs it (the CLI, both files on disk): breaking changes are errors
and exit 1, compatible ones infos and exit 0. Every finding is placed in one file and names its
place in the other."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from apigwc.cli import main
from click.testing import CliRunner

BASE = """\
openapi: 3.0.1
info: {title: Pets, version: "1"}
x-amazon-apigateway-request-validators:
  body: {validateRequestBody: true, validateRequestParameters: false}
  all: {validateRequestBody: true, validateRequestParameters: true}
components:
  schemas:
    Pet:
      type: object
      properties:
        name: {type: string, maxLength: 40}
        kind: {type: string, enum: [cat, dog, fish]}
      required: [name]
  securitySchemes:
    key: {type: apiKey, name: x-api-key, in: header}
    sig: {type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4}
paths:
  /pets:
    get:
      parameters:
        - {name: limit, in: query, schema: {type: integer}}
        - {name: x-trace, in: header, required: true, schema: {type: string}}
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses:
          default: {statusCode: "200"}
          "Not found.*": {statusCode: "404"}
    post:
      requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/Pet"}}}}
      responses: {"201": {description: created}}
      x-amazon-apigateway-request-validator: body
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 201}'}
        responses: {default: {statusCode: "201"}}
  /pets/{id}:
    delete:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {"204": {description: gone}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 204}'}
        responses: {default: {statusCode: "204"}}
x-apigwc:
  stages:
    v1: {variables: {backend: "http://127.0.0.1:9000", color: blue}}
    beta: {}
"""
DELETE = """\
  /pets/{id}:
    delete:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
"""
LIMIT = "        - {name: limit, in: query, schema: {type: integer}}\n"
POST_VALIDATOR = "      x-amazon-apigateway-request-validator: body\n"
GET_RESPONSES = '      responses: {"200": {description: ok}}\n'

# (id, [(text in BASE, its replacement), ...], codes reported as errors, codes reported as infos)
BREAKING = [
    ("method-removed", [(DELETE, DELETE.replace("delete", "patch"))], ["AGW601"], ["AGW610"]),
    (
        "path-removed",
        [(DELETE, "  /toys:\n    delete:\n      parameters: []\n")],
        ["AGW601"],
        ["AGW610"],
    ),
    (
        "query-parameter-now-required",
        [(LIMIT, LIMIT.replace("query,", "query, required: true,"))],
        ["AGW602"],
        [],
    ),
    (
        "new-required-header",
        [(LIMIT, LIMIT + "        - {name: x-tenant, in: header, required: true}\n")],
        ["AGW602"],
        [],
    ),
    (
        "body-now-required",
        [("      requestBody: {", "      requestBody: {required: true, ")],
        ["AGW602"],
        [],
    ),
    (
        "model-new-required-property",
        [("required: [name]", "required: [name, kind]")],
        ["AGW603"],
        [],
    ),
    ("model-enum-narrowed", [("enum: [cat, dog, fish]", "enum: [cat, dog]")], ["AGW603"], []),
    ("model-type-changed", [("kind: {type: string", "kind: {type: integer")], ["AGW603"], []),
    ("model-max-lowered", [("maxLength: 40", "maxLength: 20")], ["AGW603"], []),
    (
        "model-closed",
        [
            (
                "      required: [name]\n",
                "      required: [name]\n      additionalProperties: false\n",
            )
        ],
        ["AGW603"],
        [],
    ),
    (
        "validator-now-validates-parameters",
        [(POST_VALIDATOR, POST_VALIDATOR.replace("body", "all"))],
        ["AGW604"],
        [],
    ),
    (
        "validator-added",
        [(GET_RESPONSES, GET_RESPONSES + "      x-amazon-apigateway-request-validator: all\n")],
        ["AGW604"],
        [],
    ),
    (
        "api-key-required",
        [(GET_RESPONSES, GET_RESPONSES + "      security: [{key: []}]\n")],
        ["AGW606"],
        [],
    ),
    (
        "iam-required",
        [(GET_RESPONSES, GET_RESPONSES + "      security: [{sig: []}]\n")],
        ["AGW605"],
        [],
    ),
    (
        "integration-status-changed",
        [('"Not found.*": {statusCode: "404"}', '"Not found.*": {statusCode: "410"}')],
        ["AGW607"],
        [],
    ),
    (
        "selection-pattern-removed",
        [('          "Not found.*": {statusCode: "404"}\n', "")],
        ["AGW607"],
        [],
    ),
    ("stage-variable-removed", [(", color: blue", "")], ["AGW608"], []),
    ("stage-removed", [("    beta: {}\n", "")], ["AGW609"], []),
]
COMPATIBLE = [
    ("unchanged", [], [], []),
    ("route-added", [(DELETE, DELETE.replace("delete", "put") + DELETE[14:])], [], ["AGW610"]),
    (
        "any-method-keeps-the-route",
        [(DELETE, DELETE.replace("delete", "x-amazon-apigateway-any-method"))],
        [],
        ["AGW610"],  # ANY itself is a new route; DELETE is kept by it
    ),
    (
        "path-parameter-renamed",
        [("/pets/{id}", "/pets/{petId}"), ("name: id,", "name: petId,")],
        [],
        [],
    ),
    (
        "optional-parameter-added",
        [(LIMIT, LIMIT + "        - {name: q, in: query}\n")],
        [],
        ["AGW611"],
    ),
    (
        "parameter-made-optional",
        [("x-trace, in: header, required: true", "x-trace, in: header")],
        [],
        [],
    ),
    (
        "model-loosened",
        [("required: [name]", "required: []"), ("maxLength: 40", "maxLength: 80")],
        [],
        [],
    ),
    ("enum-widened", [("enum: [cat, dog, fish]", "enum: [cat, dog, fish, bird]")], [], []),
    ("validator-removed", [(POST_VALIDATOR, "")], [], []),
    ("stage-added", [("    beta: {}\n", "    beta: {}\n    v2: {}\n")], [], ["AGW611"]),
    ("stage-variable-added", [("color: blue", "color: blue, shade: dark")], [], []),
    ("description-changed", [('version: "1"', 'version: "2", description: Pets v2')], [], []),
    (
        "new-default-status-for-new-pattern",
        [('statusCode: "404"}', 'statusCode: "404"}\n          "Gone.*": {statusCode: "410"}')],
        [],
        [],
    ),
]


def edited(replacements: list[tuple[str, str]]) -> str:
    text = BASE
    for before, after in replacements:
        assert before in text, before
        text = text.replace(before, after, 1)
    return text


def run_diff(tmp_path: Path, new_text: str, *args: str) -> tuple[int, list[dict[str, object]]]:
    (tmp_path / "old").mkdir(exist_ok=True)
    (tmp_path / "new").mkdir(exist_ok=True)
    old, new = tmp_path / "old" / "api.yaml", tmp_path / "new" / "api.yaml"
    old.write_text(BASE, encoding="utf-8")
    new.write_text(new_text, encoding="utf-8")
    result = CliRunner().invoke(main, ["diff", str(old), str(new), "--format", "json", *args])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.output)["diagnostics"]


def codes(found: list[dict[str, object]], severity: str) -> list[object]:
    return sorted(d["code"] for d in found if d["severity"] == severity)


@pytest.mark.parametrize(
    ("replacements", "errors", "infos"), [c[1:] for c in BREAKING], ids=[c[0] for c in BREAKING]
)
def test_breaking_changes(
    tmp_path: Path, replacements: list[tuple[str, str]], errors: list[str], infos: list[str]
) -> None:
    exit_code, found = run_diff(tmp_path, edited(replacements))
    assert (codes(found, "error"), codes(found, "info")) == (errors, infos), found
    assert exit_code == 1


@pytest.mark.parametrize(
    ("replacements", "errors", "infos"), [c[1:] for c in COMPATIBLE], ids=[c[0] for c in COMPATIBLE]
)
def test_compatible_changes(
    tmp_path: Path, replacements: list[tuple[str, str]], errors: list[str], infos: list[str]
) -> None:
    exit_code, found = run_diff(tmp_path, edited(replacements))
    assert (codes(found, "error"), codes(found, "info")) == (errors, infos), found
    assert exit_code == 0


def test_findings_have_positions_in_both_files(tmp_path: Path) -> None:
    new_text = edited([(LIMIT, LIMIT.replace("query,", "query, required: true,")), (DELETE, "")])
    _, found = run_diff(tmp_path, new_text)
    by_code = {d["code"]: d for d in found}
    required, removed = by_code["AGW602"], by_code["AGW601"]
    new_line = new_text.splitlines().index(LIMIT.replace("query,", "query, required: true,")[:-1])
    assert (str(required["file"]).endswith("new/api.yaml"), required["line"]) == (
        True,
        new_line + 1,
    )
    assert re.search(r"old at \S*old/api\.yaml:19:5\)", str(required["message"]))  # `get:`
    old_line = BASE.splitlines().index("  /pets/{id}:") + 2  # `delete:`
    assert (str(removed["file"]).endswith("old/api.yaml"), removed["line"]) == (True, old_line)
    assert re.search(r"new/api\.yaml:\d+:1\)", str(removed["message"]))


def test_text_output_and_unreadable_version(tmp_path: Path) -> None:
    (tmp_path / "old.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "new.yaml").write_text(BASE.replace("    beta: {}\n", ""), encoding="utf-8")
    result = CliRunner().invoke(
        main, ["diff", str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml")]
    )
    assert result.exit_code == 1
    assert "error[AGW609 stage-removed]: stage beta is gone" in result.output
    (tmp_path / "bad.yaml").write_text("openapi: [", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["diff", str(tmp_path / "old.yaml"), str(tmp_path / "bad.yaml")]
    )
    assert result.exit_code == 2 and "AGW103" in result.output


# -- the README's "Versions" section ---------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README.split("## Versions:")[1].split("\n## ")[0]
HOST = """\
openapi: 3.0.1
info: {title: Side by side, version: "1"}
paths:
  /pets:
    get:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses:
          default:
            statusCode: "200"
            responseTemplates:
              application/json: '$stageVariables.backend $context.isCanaryRequest'
"""


def test_readme_diff_commands_exit_as_their_comments_say(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    lines = [line for line in SECTION.splitlines() if line.startswith("apigwc diff ")]
    assert len(lines) == 2
    for line in lines:
        command, comment = line.split("#", 1)
        expected = int(re.search(r"exit (\d)", comment).group(1))  # type: ignore[union-attr]
        result = CliRunner().invoke(main, command.split()[1:])
        assert result.exit_code == expected, result.output
        if expected:  # what the comment says is lost
            assert "GET /pets/{id}" in result.output and "stage v2 is gone" in result.output


def test_readme_side_by_side_example_runs(tmp_path: Path) -> None:
    """The stages, canary and base paths of the README's example: valid, emitted as
    CloudFormation base path mappings and canary settings, and served side by side."""
    from tests.runtime_server import serve_spec

    (example,) = re.findall(r"^```yaml\n(.*?)^```", SECTION, re.S | re.M)
    spec = tmp_path / "api.yaml"
    spec.write_text(HOST + example, encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", "--format", "json", str(spec)])
    assert json.loads(result.output)["diagnostics"] == [], result.output
    with serve_spec(spec, tmp_path / "out", "--all-stages") as gateway:
        v1 = gateway.fetch("GET", "/v1/pets").body
        v2 = {gateway.fetch("GET", "/v2/pets").body for _ in range(150)}
    assert v1 == b"http://127.0.0.1:9001 "  # isCanaryRequest: set only where the stage has a canary
    # 10 percent canary: 150 requests all missing it has probability 0.9**150, about 1e-7
    assert v2 == {b"http://127.0.0.1:9002 false", b"http://127.0.0.1:9003 true"}
    template = (tmp_path / "out" / "cloudformation" / "template.yaml").read_text("utf-8")
    resources = yaml.load(template, Loader=_CfnLoader)["Resources"]
    mappings = [
        r["Properties"] for r in resources.values() if r["Type"].endswith("BasePathMapping")
    ]
    assert sorted(m["BasePath"] for m in mappings) == ["v1", "v2"]
    (stage,) = [
        r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::ApiGateway::Stage" and r["Properties"]["StageName"] == "v2"
    ]
    assert stage["CanarySetting"]["PercentTraffic"] == 10


class _CfnLoader(yaml.SafeLoader):
    """Reads the short-form intrinsics (`!Ref`, `!GetAtt`, ...) as None: only plain values are
    checked here."""


_CfnLoader.add_multi_constructor("!", lambda loader, suffix, node: None)
