"""Helpers for the rule tables (tests/test_rules_*.py): build small documents, run the real
loader, lowering and validation, and answer which (code, severity) pairs a document reports.

A case is (id, document, code, severity): severity None means the code must NOT be reported.
"""

from __future__ import annotations

from typing import NamedTuple

from apigwc.diagnostics import Sink
from apigwc.diagnostics.model import Diagnostic
from apigwc.loader import load_text
from apigwc.lowering import lower
from apigwc.validation import validate

HEAD = "openapi: 3.0.1\ninfo: {title: t, version: '1'}\n"
HTTP_HEAD = HEAD + "x-amazon-apigateway-importexport-version: '1.0'\n"
MOCK = "{type: mock, requestTemplates: {application/json: '{\"statusCode\": 200}'}, responses: {default: {statusCode: '200'}}}"
LAMBDA = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:123456789012:function:F/invocations"
)
OK = "{'200': {description: ok}}"


class Case(NamedTuple):
    id: str
    document: str
    code: str
    severity: str | None  # "error" / "warning" / "info", or None: must not be reported


def diagnostics(text: str) -> list[Diagnostic]:
    sink = Sink()
    doc = load_text(text, "case.yaml", sink)
    assert doc is not None, sink.sorted()
    api = lower(doc, sink)
    assert api is not None, sink.sorted()
    validate(api, sink)
    return sink.diagnostics


def findings(text: str) -> set[tuple[str, str]]:
    return {(d.code, d.severity.value) for d in diagnostics(text)}


def check_case(case: Case) -> None:
    found = findings(case.document)
    if case.severity is None:
        assert case.code not in {code for code, _ in found}, found
    else:
        assert (case.code, case.severity) in found, found


def rest_op(
    integration: str,
    *,
    params: str = "",
    responses: str = OK,
    path: str = "/pets/{id}",
    verb: str = "get",
    head: str = "",
) -> str:
    """A REST document with one operation; `params` are extra parameter flow mappings."""
    declared = [f"{{name: {n}, in: path, required: true}}" for n in _variables(path)]
    if params:
        declared.append(params)
    return (
        HEAD
        + head
        + f"paths:\n  {path}:\n    {verb}:\n"
        + (f"      parameters: [{', '.join(declared)}]\n" if declared else "")
        + f"      responses: {responses}\n"
        + f"      x-amazon-apigateway-integration: {integration}\n"
    )


def http_op(integration: str, *, path: str = "/pets", verb: str = "get", head: str = "") -> str:
    """An HTTP API document with one route."""
    return (
        HTTP_HEAD
        + head
        + f"paths:\n  {path}:\n    {verb}:\n"
        + f"      responses: {OK}\n"
        + f"      x-amazon-apigateway-integration: {integration}\n"
    )


def paths_doc(*paths: str, head: str = HEAD) -> str:
    """A document with one mock GET per path (path parameters declared)."""
    body = "paths:\n"
    for path in paths:
        declared = ", ".join(f"{{name: {n}, in: path, required: true}}" for n in _variables(path))
        body += f"  '{path}':\n    get:\n"
        if declared:
            body += f"      parameters: [{declared}]\n"
        body += f"      responses: {OK}\n      x-amazon-apigateway-integration: {MOCK}\n"
    return head + body


def _variables(path: str) -> list[str]:
    out = []
    for segment in path.split("/"):
        if segment.startswith("{") and segment.endswith("}"):
            out.append(segment[1:-1].rstrip("+"))
    return out
