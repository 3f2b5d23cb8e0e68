"""`apigwc import -o DIR/api.yaml` writes `$ref`s that still find their files from DIR.

Relative references are written relative to the file that holds them (the template, or a file
it includes); the imported spec lives elsewhere, so each is rebased to the spec's folder. The
spec then builds, with `--allow-root` naming the template's folder when the files lie outside
the spec's own (a spec reads nothing outside its folder tree unless told).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from apigwc.cli import main
from apigwc.importer import import_file
from apigwc.loader.yaml_reader import read_yaml
from click.testing import CliRunner

PET = "type: object\nproperties: {name: {type: string}}\n"
MOCK = (
    "              x-amazon-apigateway-integration: {type: mock, requestTemplates:"
    " {application/json: '{\"statusCode\": 200}'}, responses: {default: {statusCode: '200'}}}\n"
)


def template(body: str) -> str:
    return (
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n"
        "    Type: AWS::Serverless::Api\n    Properties:\n      StageName: dev\n" + body
    )


def inline(ref: str) -> str:
    return template(
        "      DefinitionBody:\n        openapi: 3.0.1\n        info: {title: R, version: '1'}\n"
        "        paths:\n          /pets:\n            get:\n              responses:\n"
        "                '200':\n                  description: ok\n"
        "                  content:\n                    application/json:\n"
        f"                      schema: {{$ref: '{ref}'}}\n" + MOCK
    )


def included_api(ref: str) -> str:
    return (
        "openapi: 3.0.1\ninfo: {title: R, version: '1'}\npaths:\n  /pets:\n    get:\n"
        "      responses:\n        '200':\n          description: ok\n          content:\n"
        f"            application/json:\n              schema: {{$ref: '{ref}'}}\n"
        "      x-amazon-apigateway-integration: {type: mock, requestTemplates:"
        " {application/json: '{\"statusCode\": 200}'}, responses: {default: {statusCode: '200'}}}\n"
    )


def lay_out(root: Path, case: str) -> Path:
    """The template's folder: template.yaml, schemas/pet.yaml, and for some cases api/."""
    (root / "schemas").mkdir(parents=True)
    (root / "schemas" / "pet.yaml").write_text(PET)
    if case == "inline-body":
        (root / "template.yaml").write_text(inline("schemas/pet.yaml#/properties/name"))
    elif case == "inline-dot-slash":
        (root / "template.yaml").write_text(inline("./schemas/pet.yaml"))
    elif case == "definition-uri-in-subfolder":
        (root / "api").mkdir()
        (root / "api" / "openapi.yaml").write_text(included_api("../schemas/pet.yaml"))
        (root / "template.yaml").write_text(template("      DefinitionUri: api/openapi.yaml\n"))
    return root / "template.yaml"


# (id, where the spec is written relative to the template's folder, the ref expected in it)
CASES = [
    ("inline-body", "other/dir/api.yaml", "../../schemas/pet.yaml#/properties/name"),
    ("inline-dot-slash", "other/dir/api.yaml", "../../schemas/pet.yaml"),
    ("definition-uri-in-subfolder", "other/dir/api.yaml", "../../schemas/pet.yaml"),
    ("inline-body", "api.yaml", "schemas/pet.yaml#/properties/name"),
    ("definition-uri-in-subfolder", "api.yaml", "schemas/pet.yaml"),
    ("inline-body", "deep/er/and/deeper/api.yaml", "../../../../schemas/pet.yaml#/properties/name"),
]


def the_ref(spec: Path) -> str:
    data, _, _ = read_yaml(spec.read_text(encoding="utf-8"))
    media = data["paths"]["/pets"]["get"]["responses"]["200"]["content"]["application/json"]
    ref: str = media["schema"]["$ref"]
    return ref


@pytest.mark.parametrize(("case", "output", "ref"), CASES, ids=[f"{c}->{o}" for c, o, _ in CASES])
def test_imported_refs_are_rebased_and_build(
    tmp_path: Path, case: str, output: str, ref: str
) -> None:
    source = lay_out(tmp_path / "project", case)
    spec = tmp_path / "project" / output
    spec.parent.mkdir(parents=True, exist_ok=True)
    runner = CliRunner()
    done = runner.invoke(main, ["import", str(source), "-o", str(spec)])
    assert done.exit_code == 0, done.output
    assert the_ref(spec) == ref
    args = ["build", str(spec), "-o", str(tmp_path / "out")]
    if spec.parent != source.parent:
        refused = runner.invoke(main, args)  # the files lie outside the spec's folder
        assert refused.exit_code == 1 and "AGW143" in refused.output, refused.output
        args += ["--allow-root", str(source.parent)]
    built = runner.invoke(main, args)
    assert built.exit_code == 0, built.output


def test_pointers_urls_and_swagger_names_are_kept(tmp_path: Path) -> None:
    body = template(
        "      DefinitionBody:\n        swagger: '2.0'\n        info: {title: R, version: '1'}\n"
        "        paths: {}\n        definitions:\n          A: {$ref: Pet}\n"
        "          B: {$ref: '#/definitions/Pet'}\n"
        "          C: {$ref: 'https://apigateway.amazonaws.com/restapis/a1/models/Pet'}\n"
        "          Pet: {type: object}\n"
    )
    (tmp_path / "template.yaml").write_text(body)
    imported = import_file(str(tmp_path / "template.yaml"), spec_dir=str(tmp_path / "x" / "y"))
    assert imported.spec is not None
    refs = {k: v.get("$ref") for k, v in imported.spec["definitions"].items()}
    assert refs == {
        "A": "Pet",
        "B": "#/definitions/Pet",
        "C": "https://apigateway.amazonaws.com/restapis/a1/models/Pet",
        "Pet": None,
    }


FUNCTION = (
    "  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
    "      Handler: app.handler\n      Runtime: python3.12\n{code}"
    "      Events:\n        Get: {{Type: Api, Properties: {{Path: /x, Method: get}}}}\n"
)

# (id, the CodeUri lines, the reason AGW139 gives, its line)
CODE_CASES = [
    ("missing-folder", "      CodeUri: src/\n", "its CodeUri folder 'src/' was not found", 8),
    ("in-s3", "      CodeUri: s3://bucket/code.zip\n", "in S3 or inline", 8),
    ("inline", "      InlineCode: 'def handler(e, c): pass'\n", "in S3 or inline", 6),
]


@pytest.mark.parametrize(
    ("case", "code", "reason", "line"), CODE_CASES, ids=[c[0] for c in CODE_CASES]
)
def test_function_code_that_is_not_local_says_where_it_is(
    tmp_path: Path, case: str, code: str, reason: str, line: int
) -> None:
    text = "Transform: AWS::Serverless-2016-10-31\nResources:\n" + FUNCTION.format(code=code)
    (tmp_path / "template.yaml").write_text(text)
    imported = import_file(str(tmp_path / "template.yaml"), spec_dir=str(tmp_path))
    found = [d for d in imported.sink.diagnostics if d.code == "AGW139"]
    assert len(found) == 1, [d.message for d in imported.sink.diagnostics]
    assert reason in found[0].message
    assert found[0].line == line


def test_definition_outside_the_template_folder_needs_allow_root(tmp_path: Path) -> None:
    """A template's DefinitionUri is read under the same rule as a spec's `$ref`s."""
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "openapi.yaml").write_text(included_api("pet.yaml"))
    (tmp_path / "shared" / "pet.yaml").write_text(PET)
    (tmp_path / "app").mkdir()
    source = tmp_path / "app" / "template.yaml"
    source.write_text(template("      DefinitionUri: ../shared/openapi.yaml\n"))
    spec = tmp_path / "app" / "api.yaml"
    runner = CliRunner()
    refused = runner.invoke(main, ["import", str(source), "-o", str(spec)])
    assert refused.exit_code != 0 and "AGW133" in refused.output and "outside" in refused.output
    shared = str(tmp_path / "shared")
    done = runner.invoke(main, ["import", str(source), "-o", str(spec), "--allow-root", shared])
    assert done.exit_code == 0, done.output
    assert the_ref(spec) == "../shared/pet.yaml"
    built = runner.invoke(main, ["build", str(spec), "-o", str(tmp_path / "out")])
    assert built.exit_code == 1 and "AGW143" in built.output
    args = ["build", str(spec), "-o", str(tmp_path / "out"), "--allow-root", shared]
    assert runner.invoke(main, args).exit_code == 0
