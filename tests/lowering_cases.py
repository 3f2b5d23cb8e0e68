"""Shared machinery of the lowering tables (`tests/test_lowering_*.py`), in mypy's test-data style.

A case is a small YAML document. The diagnostics it must produce are written on the offending
line as a trailing comment, `# E: AGW202` for an error or `# W: AGW204` for a warning (several on
one line: `# E: AGW201, W: AGW204`). `lowered(text)` loads and lowers the document and asserts
that exactly those (line, severity, code) findings are reported and no other warning or error.
`assert_fields(api, {"integration.tls_config.server_name_to_verify": "x"})` then checks IR fields
by short dotted paths (see `pick`).

Builders (`document`, `operation`, `integration`) wrap a snippet in the smallest document that
holds it; markers in the snippet keep pointing at their own line after wrapping.
"""

from __future__ import annotations

import enum
import re
import textwrap
from collections.abc import Mapping
from typing import Any

from apigwc.diagnostics import Sink
from apigwc.diagnostics.model import Diagnostic, Severity
from apigwc.ir import Api, dump
from apigwc.loader import load_text
from apigwc.lowering import lower
from pydantic import BaseModel

SPEC_NAME = "spec.yaml"
_MARKER = re.compile(r"(?:#|,)\s*([EW]):\s*(AGW\d{3})")
_LETTER = {Severity.ERROR: "E", Severity.WARNING: "W"}
OAS3_HEAD = 'openapi: 3.0.1\ninfo: {title: t, version: "1"}\n'
SWAGGER_HEAD = 'swagger: "2.0"\ninfo: {title: t, version: "1"}\n'
FORCE_HTTP = "x-apigwc: {protocol: HTTP}\n"

Finding = tuple[int, str, str]  # (line, "E" | "W", code)


# -- building documents -------------------------------------------------------------------------
def document(body: str, *, swagger: bool = False, http: bool = False) -> str:
    """A whole document: the format header, `body` at the root, and `paths: {}` if it has none."""
    body = textwrap.dedent(body).strip("\n") + "\n"
    head = SWAGGER_HEAD if swagger else OAS3_HEAD
    if http:
        head += FORCE_HTTP
    if not re.search(r"^paths:", body, re.M):
        body += "paths: {}\n"
    return head + body


def operation(
    body: str,
    *,
    method: str = "get",
    path: str = "/a",
    root: str = "",
    swagger: bool = False,
    http: bool = False,
) -> str:
    """A document with one operation whose properties are `body`; `root` goes at the top level."""
    root = textwrap.dedent(root).strip("\n")
    op = textwrap.indent(textwrap.dedent(body).strip("\n"), " " * 6)
    text = f"{root}\npaths:\n  {path}:\n    {method}:\n{op}\n"
    return document(text.lstrip("\n"), swagger=swagger, http=http)


def integration(body: str, **kwargs: Any) -> str:
    """A document whose one operation carries `x-amazon-apigateway-integration: <body>`."""
    inner = textwrap.indent(textwrap.dedent(body).strip("\n"), "  ")
    return operation("x-amazon-apigateway-integration:\n" + inner, **kwargs)


def intrinsic(fn: str, args: Any) -> dict[str, Any]:
    """An intrinsic as CloudFormation writes it (`{"Fn::Sub": "..."}`): how `plain` shows one."""
    return {fn: args}


# -- lowering and checking diagnostics ----------------------------------------------------------
def expected_findings(text: str) -> list[Finding]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        found.extend((number, letter, code) for letter, code in _MARKER.findall(line))
    return sorted(found)


def actual_findings(diagnostics: list[Diagnostic]) -> list[Finding]:
    return sorted(
        (d.line, _LETTER[d.severity], d.code) for d in diagnostics if d.severity in _LETTER
    )


def lower_text(text: str) -> tuple[Api | None, list[Diagnostic]]:
    sink = Sink()
    doc = load_text(text, SPEC_NAME, sink)
    assert doc is not None, _render(text, sink.sorted())
    return lower(doc, sink), sink.sorted()


def lowered(text: str) -> Api | None:
    """Lower `text`; assert its diagnostics are exactly the ones marked on its lines."""
    api, diagnostics = lower_text(text)
    expected, actual = expected_findings(text), actual_findings(diagnostics)
    assert actual == expected, _render(text, diagnostics)
    return api


def _render(text: str, diagnostics: list[Diagnostic]) -> str:
    numbered = "\n".join(f"{n:3} | {line}" for n, line in enumerate(text.splitlines(), 1))
    reported = "\n".join(
        f"  {d.line}:{d.column} {d.severity.value} {d.code} {d.pointer}: {d.message}"
        for d in diagnostics
    )
    return f"\n{numbered}\nreported:\n{reported or '  (nothing)'}"


# -- reading the IR -----------------------------------------------------------------------------
_TOKEN = re.compile(r"\.?([A-Za-z_][A-Za-z0-9_]*)|\[(-?\d+)\]|\[\"([^\"]*)\"\]")


def _aliases(api: Api) -> dict[str, Any]:
    methods = api.methods
    schemes = api.security_schemes
    return {
        "method": methods[0] if methods else None,
        "integration": methods[0].integration if methods else None,
        "scheme": schemes[0] if schemes else None,
        "authorizer": schemes[0].authorizer if schemes else None,
        "deployment": api.deployment,
    }


def pick(api: Api, path: str) -> Any:
    """A value of the IR by a dotted path: `integration.responses[0].status_code`,
    `integration.request_parameters["integration.request.path.id"]`. The first name may be an
    alias (`method`, `integration`, `scheme`, `authorizer`, `deployment`); otherwise it is read
    from `api`. Dict keys may be written bare when they are identifiers."""
    value: Any = api
    aliases = _aliases(api)
    for i, match in enumerate(_TOKEN.finditer(path)):
        name, index, key = match.groups()
        if i == 0 and name in aliases:
            value = aliases[name]
        elif index is not None:
            value = value[int(index)]
        elif key is not None:
            value = value[key]
        elif isinstance(value, Mapping):
            value = value[name]
        else:
            value = getattr(value, name)
    return value


def plain(value: Any) -> Any:
    """A comparable form: intrinsics in their CloudFormation JSON form, other IR nodes dumped,
    tuples as lists, enums as their values."""
    if isinstance(value, BaseModel) and hasattr(value, "to_json"):
        return value.to_json()
    if isinstance(value, BaseModel):
        return dump(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    return value


def assert_fields(api: Api | None, expected: Mapping[str, Any]) -> None:
    if not expected:
        return
    assert api is not None, "lowering gave no Api"
    for path, want in expected.items():
        got = plain(pick(api, path))
        assert got == plain(want), f"{path}: {got!r} != {want!r}"


def check(text: str, expected: Mapping[str, Any]) -> Api | None:
    """The whole of one table row: diagnostics as marked, then the listed IR fields."""
    api = lowered(text)
    assert_fields(api, expected)
    return api
