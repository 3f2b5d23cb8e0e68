"""Every spec of the shared corpus: valid ones get no error, invalid ones an error naming the
recorded cause, fragments (wrapped in a document) get no error. Driven by MANIFEST.tsv."""

from __future__ import annotations

import re

import pytest
from apigwc.diagnostics import Sink
from apigwc.diagnostics.model import Severity
from apigwc.loader import load_text
from apigwc.lowering import lower
from apigwc.pipeline import compile_spec

from tests.corpus import REFUSED_PRESUMPTIONS, Row, spec_rows, wrap_fragment

# The recorded cause of each invalid verdict, as the diagnostic must name it.
INVALID_CAUSES = {
    "specs/localstack/invalid/bad-json-string.json": ("AGW104", "JSON syntax error"),
    "specs/localstack/invalid/bad-yaml-string.yaml": ("AGW103", "YAML syntax error"),
    "specs/moto/test_api_invalid.json": ("AGW124", "'paths' is a required property"),
    "specs/moto/test_api_invalid_version.json": ("AGW120", "only OpenAPI 3.x.x"),
    **{path: (code, cause) for path, (code, cause, _) in REFUSED_PRESUMPTIONS.items()},
}
# Valid only with failonwarnings=false: a warning, never an error.
WARN_ONLY = {"specs/moto/httpapi_reimport_missing_model_ref.json": "AGW125"}


def _ids(rows: list[Row]) -> list[str]:
    return [r.local_path.removeprefix("specs/") for r in rows]


WHOLE = [r for r in spec_rows() if r.format not in ("fragment",)]
FRAGMENTS = [r for r in spec_rows() if r.format == "fragment"]


def test_manifest_is_fully_covered() -> None:
    """Every spec row is either expected valid, invalid with a known cause, or a fragment."""
    for row in WHOLE:
        assert row.valid or row.local_path in INVALID_CAUSES or row.local_path in WARN_ONLY, row


@pytest.mark.parametrize("row", WHOLE, ids=_ids(WHOLE))
def test_corpus_spec(row: Row) -> None:
    result = compile_spec(row.path)
    errors = [d for d in result.sink.diagnostics if d.severity is Severity.ERROR]
    if row.local_path in INVALID_CAUSES:
        code, cause = INVALID_CAUSES[row.local_path]
        assert any(d.code == code and cause in d.message for d in errors), errors
    elif row.local_path in WARN_ONLY:
        assert not errors
        assert any(d.code == WARN_ONLY[row.local_path] for d in result.sink.diagnostics)
    else:
        assert result.api is not None
        assert not errors, [f"{d.line}:{d.column} {d.code} {d.message}" for d in errors]


@pytest.mark.parametrize("row", FRAGMENTS, ids=_ids(FRAGMENTS))
def test_corpus_fragment(row: Row) -> None:
    sink = Sink()
    doc = load_text(wrap_fragment(row), row.local_path, sink)
    assert doc is not None
    api = lower(doc, sink)
    assert api is not None
    assert not sink.has_errors, sink.sorted()


VALID = [r for r in WHOLE if r.valid]


@pytest.mark.parametrize("row", VALID, ids=_ids(VALID))
def test_corpus_exports_are_valid_openapi(row: Row) -> None:
    """Both export formats pass openapi-spec-validator. A GetExport-style export (no `x-apigwc`)
    of a greedy `{proxy+}` path leaves it undeclared, as API Gateway's own exports do (it rejects
    a parameter named `proxy+`): that is the one finding allowed there."""
    from apigwc.export import ExportOptions, export_document
    from openapi_spec_validator.validation.validators import (
        OpenAPIV2SpecValidator,
        OpenAPIV30SpecValidator,
    )

    result = compile_spec(row.path)
    assert result.api is not None
    validators = {"oas30": OpenAPIV30SpecValidator, "swagger": OpenAPIV2SpecValidator}
    for fmt, validator in validators.items():
        full = export_document(result.api, ExportOptions.everything(fmt))
        assert [str(e).splitlines()[0] for e in validator(full).iter_errors()] == [], fmt
        plain = export_document(result.api, ExportOptions(fmt))
        errors = [str(e).splitlines()[0] for e in validator(plain).iter_errors()]
        assert all(re.fullmatch(r"Path parameter '\w+\+' .* was not resolved", e) for e in errors)
