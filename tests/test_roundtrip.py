"""Export then load gives an IR equal to the original: every spec in specs/ and every valid corpus
spec (fragments wrapped), to OAS 3.0 and Swagger 2.0, as YAML and JSON. A valid spec that cannot
be compiled fails the test; none is skipped."""

from __future__ import annotations

from pathlib import Path

import pytest
from apigwc.diagnostics import Sink
from apigwc.export import ExportOptions, export_document, serialize
from apigwc.ir import Api, dump
from apigwc.loader import load_text
from apigwc.lowering import lower
from apigwc.pipeline import compile_spec

from tests.corpus import spec_rows, wrap_fragment

ROOT = Path(__file__).resolve().parents[1]
OWN_SPECS = sorted(
    p
    for p in (ROOT / "specs").rglob("*")
    if p.suffix in (".yaml", ".json") and "keys" not in p.parts and "components" not in p.parts
)
CORPUS_VALID = [r for r in spec_rows() if r.valid or r.format == "fragment"]


def _compile_text(text: str, name: str) -> Api:
    sink = Sink()
    doc = load_text(text, name, sink)
    assert doc is not None, sink.sorted()
    api = lower(doc, sink)
    assert api is not None, sink.sorted()
    return api


def _assert_round_trip(api: Api) -> None:
    for fmt in ("oas30", "swagger"):
        for kind in ("yaml", "json"):
            text = serialize(export_document(api, ExportOptions.everything(fmt)), kind)
            again = _compile_text(text, f"export.{kind}")
            assert dump(again) == dump(api), f"{fmt}/{kind} round trip changed the IR"


def test_own_specs_exist() -> None:
    assert len(OWN_SPECS) >= 15
    assert ROOT / "specs" / "petstore.yaml" in OWN_SPECS


@pytest.mark.parametrize(
    "path", OWN_SPECS, ids=[str(p.relative_to(ROOT / "specs")) for p in OWN_SPECS]
)
def test_own_spec_round_trips(path: Path) -> None:
    result = compile_spec(path)
    assert result.api is not None and not result.sink.has_errors, result.sink.sorted()
    _assert_round_trip(result.api)
    _assert_valid_openapi(result.api)


def _assert_valid_openapi(api: Api) -> None:
    from openapi_spec_validator.validation.validators import (
        OpenAPIV2SpecValidator,
        OpenAPIV30SpecValidator,
    )

    for fmt, validator in (("oas30", OpenAPIV30SpecValidator), ("swagger", OpenAPIV2SpecValidator)):
        document = export_document(api, ExportOptions.everything(fmt))
        assert [str(e).splitlines()[0] for e in validator(document).iter_errors()] == [], fmt


@pytest.mark.parametrize(
    "row", CORPUS_VALID, ids=[r.local_path.removeprefix("specs/") for r in CORPUS_VALID]
)
def test_corpus_round_trips(row: object) -> None:
    from tests.corpus import Row

    assert isinstance(row, Row)
    if row.format == "fragment":
        api = _compile_text(wrap_fragment(row), row.local_path)
    else:
        result = compile_spec(row.path)
        assert result.api is not None, result.sink.sorted()
        api = result.api
    _assert_round_trip(api)


def test_default_export_drops_apigwc_and_integrations() -> None:
    """GetExport's defaults: documentation only; x-apigwc never unless asked for."""
    api = compile_spec(ROOT / "specs" / "petstore.yaml").api
    assert api is not None
    doc = export_document(api, ExportOptions.parse("oas30", "documentation"))
    text = serialize(doc, "json")
    assert '"x-apigwc"' not in text  # (`x-apigwc-filler` marks what loading skips)
    assert "x-amazon-apigateway-integration" not in text
    assert "x-amazon-apigateway-authorizer" not in text
    full = serialize(export_document(api, ExportOptions.parse("swagger", "all")), "json")
    assert (
        '"swagger": "2.0"' in full
        and "x-amazon-apigateway-integration" in full
        and "x-apigwc" in full
    )
