"""The editor schema (`apigwc schema`, shipped as `apigwc/data/apigwc.schema.json`): generated
from the IR's models, it accepts every valid spec of the shared corpus and of specs/, and refuses
the shape errors the AGW2xx rules report, each checked against `apigwc validate` itself."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from apigwc.cli import main
from apigwc.pipeline import compile_spec
from apigwc.schema import render, shipped
from click.testing import CliRunner

from tests.corpus import spec_rows

ROOT = Path(__file__).resolve().parent.parent


class _Loader(yaml.SafeLoader):
    """CloudFormation short forms (`!Sub`) read as None: only the extensions' shapes matter."""


_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)


def read(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else yaml.load(text, Loader=_Loader)


def validator() -> jsonschema.Draft7Validator:
    schema = json.loads(shipped())
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def documents() -> list[Path]:
    corpus = [row.path for row in spec_rows() if row.valid]
    ours = [p for p in (ROOT / "specs").rglob("*") if p.suffix in (".yaml", ".json")]
    return sorted(p for p in corpus + ours if "keys" not in p.parts and "components" not in p.parts)


def test_the_shipped_file_is_what_the_models_give() -> None:
    assert shipped() == render(), "run `make regen`"
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0 and result.output == shipped()


@pytest.mark.parametrize(
    "path", documents(), ids=lambda p: str(p).rsplit("/", 2)[-2] + "/" + p.name
)
def test_valid_specs_are_accepted(path: Path) -> None:
    document = read(path)
    assert isinstance(document, dict) and ("openapi" in document or "swagger" in document)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator().iter_errors(document)]
    assert errors == []


OPERATION = {
    "responses": {"200": {"description": "ok"}},
    "x-amazon-apigateway-integration": {
        "type": "mock",
        "requestTemplates": {"application/json": '{"statusCode": 200}'},
        "responses": {"default": {"statusCode": "200"}},
    },
}


def _document(root: dict[str, Any] | None = None, **integration: Any) -> dict[str, Any]:
    operation = json.loads(json.dumps(OPERATION))
    operation["x-amazon-apigateway-integration"].update(integration)
    operation["x-amazon-apigateway-integration"] = {
        k: v for k, v in operation["x-amazon-apigateway-integration"].items() if v is not None
    }
    return {
        "openapi": "3.0.1",
        "info": {"title": "Shapes", "version": "1"},
        "paths": {"/a": {"get": operation}},
        **(root or {}),
    }


_SCHEME = {"type": "apiKey", "name": "Authorization", "in": "header"}
# (id, document, the AGW2xx code `apigwc validate` reports for it)
SHAPE_ERRORS = [
    ("integration-type", _document(type="banana"), "AGW202"),
    ("integration-without-type", _document(type=None), "AGW203"),
    ("timeout-not-a-number", _document(timeoutInMillis="soon"), "AGW201"),
    ("responses-a-list", _document(responses=[{"statusCode": "200"}]), "AGW201"),
    ("passthrough-value", _document(passthroughBehavior="sometimes"), "AGW202"),
    ("templates-not-a-map", _document(requestTemplates="text"), "AGW201"),
    (
        "validator-flag-not-boolean",
        _document(
            {"x-amazon-apigateway-request-validators": {"v": {"validateRequestBody": "yes"}}}
        ),
        "AGW201",
    ),
    (
        "authorizer-type",
        _document(
            {
                "components": {
                    "securitySchemes": {
                        "a": {**_SCHEME, "x-amazon-apigateway-authorizer": {"type": "magic"}}
                    }
                }
            }
        ),
        "AGW202",
    ),
    (
        "binary-media-types-a-string",
        _document({"x-amazon-apigateway-binary-media-types": "image/png"}),
        "AGW201",
    ),
    (
        "compression-size-text",
        _document({"x-amazon-apigateway-minimum-compression-size": "big"}),
        "AGW201",
    ),
    ("api-key-source", _document({"x-amazon-apigateway-api-key-source": "COOKIE"}), "AGW202"),
    ("apigwc-stages-a-list", _document({"x-apigwc": {"stages": ["dev"]}}), "AGW201"),
    (
        "apigwc-function-without-handler",
        _document({"x-apigwc": {"functions": {"F": {"codeUri": "."}}}}),
        "AGW203",
    ),
    ("apigwc-unknown-key", _document({"x-apigwc": {"stagez": {}}}), "AGW209"),
    ("apigwc-endpoint-type", _document({"x-apigwc": {"endpointType": "GLOBAL"}}), "AGW202"),
]


@pytest.mark.parametrize(
    ("document", "code"), [c[1:] for c in SHAPE_ERRORS], ids=[c[0] for c in SHAPE_ERRORS]
)
def test_shape_errors_are_refused(tmp_path: Path, document: dict[str, Any], code: str) -> None:
    spec = tmp_path / "api.json"
    spec.write_text(json.dumps(document), encoding="utf-8")
    reported = {d.code for d in compile_spec(spec).sink.sorted()}
    assert code in reported, reported  # what apigwc itself says of this document
    assert list(validator().iter_errors(document)), "the schema accepts it"


def test_the_fixed_document_is_accepted() -> None:
    assert not list(validator().iter_errors(_document()))


def test_readme_editor_examples(tmp_path: Path) -> None:
    """The README's modeline example is a spec the schema accepts and apigwc validates clean;
    its VS Code settings name the file `apigwc schema -o` writes."""
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Editor support")[1].split("\n## ")[0]
    (spec_text,) = re.findall(r"^```yaml\n(.*?)^```", section, re.S | re.M)
    first = spec_text.splitlines()[0]
    assert first == "# yaml-language-server: $schema=apigwc.schema.json"
    assert not list(validator().iter_errors(yaml.safe_load(spec_text)))
    spec = tmp_path / "api.yaml"
    spec.write_text(spec_text, encoding="utf-8")
    assert compile_spec(spec).sink.sorted() == []
    assert "apigwc schema -o apigwc.schema.json" in section
    (settings,) = re.findall(r"^```jsonc\n(.*?)^```", section, re.S | re.M)
    parsed = json.loads(settings)
    assert parsed["yaml.schemas"] == {"./apigwc.schema.json": ["api/*.yaml"]}
    result = CliRunner().invoke(main, ["schema", "-o", str(tmp_path / "apigwc.schema.json")])
    assert result.exit_code == 0
    assert (tmp_path / "apigwc.schema.json").read_text(encoding="utf-8") == shipped()
