"""Swagger 2.0 `$ref: Pet` is `#/definitions/Pet`, as API Gateway's importer reads it.

Before, the bare name was read as a file path: three errors, one located in a file that does
not exist, and the build was refused. OpenAPI 3.0 keeps `$ref` a URI reference (a relative file):
no AWS-recorded evidence shows API Gateway reading a bare name there as a schema.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from apigwc.cli import main
from apigwc.pipeline import compile_spec
from click.testing import CliRunner

MOCK = (
    "      x-amazon-apigateway-integration:\n        type: mock\n"
    "        requestTemplates: {application/json: '{\"statusCode\": 200}'}\n"
    "        responses: {default: {statusCode: '200'}}\n"
)


def swagger(ref: str) -> str:
    return (
        "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths:\n  /pets:\n    get:\n"
        "      produces: [application/json]\n      responses:\n        '200':\n"
        f"          description: ok\n          schema: {{$ref: {ref}}}\n" + MOCK + "definitions:\n"
        "  Pet: {type: object, properties: {tags: {type: array, items: {$ref: Tag}}}}\n"
        "  Tag: {type: object}\n"
    )


def openapi3(ref: str) -> str:
    return (
        "openapi: 3.0.1\ninfo: {title: t, version: '1'}\npaths:\n  /pets:\n    get:\n"
        "      responses:\n        '200':\n          description: ok\n          content:\n"
        f"            application/json:\n              schema: {{$ref: {ref}}}\n"
        + MOCK
        + "components:\n  schemas:\n    Pet: {type: object}\n"
    )


# (id, spec, findings "CODE line:column", model the response refers to or None)
CASES = [
    ("swagger-bare-name", swagger("Pet"), [], "Pet"),
    ("swagger-pointer", swagger("'#/definitions/Pet'"), [], "Pet"),
    ("swagger-bare-name-missing", swagger("Nope"), ["AGW125 10:26"], "Nope"),
    ("swagger-file-name-with-dot", swagger("pet.yaml"), ["AGW101 10:26"], None),
    ("openapi3-bare-name-is-a-file", openapi3("Pet"), ["AGW101 11:30"], None),
]


@pytest.mark.parametrize(("case", "text", "findings", "model"), CASES, ids=[c[0] for c in CASES])
def test_bare_reference(
    tmp_path: Path, case: str, text: str, findings: list[str], model: str | None
) -> None:
    (tmp_path / "api.yaml").write_text(text, encoding="utf-8")
    result = compile_spec(tmp_path / "api.yaml")
    assert [f"{d.code} {d.line}:{d.column}" for d in result.sink.sorted()] == findings
    assert all(Path(d.file).name == "api.yaml" for d in result.sink.diagnostics)
    if model is None:
        return
    assert result.api is not None
    (method,) = result.api.methods
    (response,) = method.responses
    (media,) = response.content
    assert media.schema_ == {"$ref": f"#/models/{model}"}


def test_swagger_bare_names_build(tmp_path: Path) -> None:
    (tmp_path / "api.yaml").write_text(swagger("Pet"), encoding="utf-8")
    out = tmp_path / "out"
    done = CliRunner().invoke(main, ["build", str(tmp_path / "api.yaml"), "-o", str(out)])
    assert done.exit_code == 0, done.output
    exported = (out / "openapi" / "openapi.yaml").read_text(encoding="utf-8")
    assert "$ref: '#/components/schemas/Pet'" in exported
    assert "$ref: '#/components/schemas/Tag'" in exported
