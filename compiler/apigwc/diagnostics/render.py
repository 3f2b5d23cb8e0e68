"""Diagnostics out: text (`file:line:col: error[AGW412 route-conflict]: message`, the source
line and a marker under the span), JSON (`{"diagnostics": [...], "summary": {...}}`), SARIF
2.1.0 for code scanning, and GitHub Actions workflow commands (`::error file=…::message`).
`print_errors` is what `build`, `export` and `serve` print when a spec has errors;
`print_findings` what `serve` prints before serving a spec that has none.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from apigwc.diagnostics.model import Diagnostic, Severity

if TYPE_CHECKING:
    from apigwc.diagnostics.catalogue import Code

SourceLine = Callable[[str, int], str]


def summary(diagnostics: Sequence[Diagnostic]) -> dict[str, int]:
    counts = {s.value: 0 for s in Severity}
    for d in diagnostics:
        counts[d.severity.value] += 1
    return {"errors": counts["error"], "warnings": counts["warning"], "infos": counts["info"]}


def print_errors(diagnostics: Sequence[Diagnostic], source_line: SourceLine | None) -> None:
    """The errors among `diagnostics` as text on stderr (`source_line` None: the spec was not
    read, so no source lines)."""
    import click  # lazily: the renderers themselves need no CLI library

    errors = [d for d in diagnostics if d.severity is Severity.ERROR]
    click.echo(render_text(errors, _lines(source_line)), err=True, nl=False)


def print_findings(diagnostics: Sequence[Diagnostic], source_line: SourceLine | None) -> None:
    """Every finding as text on stderr, nothing when there is none: what `apigwc validate` would
    print, shown before serving (a warning often explains a 5xx the server answers later)."""
    import click

    if diagnostics:
        click.echo(render_text(diagnostics, _lines(source_line)), err=True, nl=False)


def _lines(source_line: SourceLine | None) -> SourceLine:
    return source_line if source_line is not None else (lambda file, line: "")


def render_text(
    diagnostics: Sequence[Diagnostic], source_line: SourceLine, color: bool = False
) -> str:
    out = []
    for d in diagnostics:
        out.append(_headline(d, color))
        line = source_line(d.file, d.line) if d.position else ""
        if line.strip():
            out.append(f"  {d.line:>4} | {line}")
            out.append("       | " + _marker(d, line))
        if d.hint:
            out.append(f"       = hint: {d.hint}")
    s = summary(diagnostics)
    out.append(f"{s['errors']} error(s), {s['warnings']} warning(s)")
    return "\n".join(out) + "\n"


_COLORS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.INFO: "\033[36m"}


def _headline(d: Diagnostic, color: bool) -> str:
    label = f"{d.severity.value}[{d.code} {d.name}]"
    if color:
        label = f"{_COLORS[d.severity]}{label}\033[0m"
    return f"{d.file}:{d.line}:{d.column}: {label}: {d.message}"


def _marker(d: Diagnostic, line: str) -> str:
    pos = d.position
    assert pos is not None
    start = max(pos.column - 1, 0)
    end = pos.end_column - 1 if pos.end_line == pos.line else len(line)
    width = max(1, min(end, len(line)) - start)
    prefix = "".join(c if c == "\t" else " " for c in line[:start])
    return prefix + "^" * width


def render_json(diagnostics: Sequence[Diagnostic]) -> str:
    payload = {"diagnostics": [d.to_json() for d in diagnostics], "summary": summary(diagnostics)}
    return json.dumps(payload, indent=2) + "\n"


# -- SARIF 2.1.0 (code scanning) ---------------------------------------------------------------
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render_sarif(diagnostics: Sequence[Diagnostic], version: str) -> str:
    """One SARIF run: the rules that fired (from the catalogue) and one result per finding."""
    from apigwc.diagnostics import catalogue

    codes = sorted({d.code for d in diagnostics})
    index = {code: i for i, code in enumerate(codes)}
    rules = [_sarif_rule(catalogue.get(code)) for code in codes]
    driver = {"name": "apigwc", "version": version, "rules": rules}
    results = [_sarif_result(d, index[d.code]) for d in diagnostics]
    run = {"tool": {"driver": driver}, "columnKind": "unicodeCodePoints", "results": results}
    payload = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(payload, indent=2) + "\n"


def _sarif_rule(code: Code) -> dict[str, object]:
    return {
        "id": code.code,
        "name": code.name,
        "shortDescription": {"text": code.summary or code.name},
        "help": {"text": code.hint},
        "defaultConfiguration": {"level": _SARIF_LEVELS[code.severity]},
    }


def _sarif_result(d: Diagnostic, rule_index: int) -> dict[str, object]:
    region: dict[str, int] = {"startLine": d.line, "startColumn": d.column}
    if d.position is not None:
        region |= {"endLine": d.position.end_line, "endColumn": d.position.end_column}
    location: dict[str, object] = {
        "physicalLocation": {"artifactLocation": {"uri": _file_uri(d.file)}, "region": region}
    }
    if d.pointer:
        location["logicalLocations"] = [{"fullyQualifiedName": d.pointer, "kind": "member"}]
    text = d.message + (f" (hint: {d.hint})" if d.hint else "")
    return {
        "ruleId": d.code,
        "ruleIndex": rule_index,
        "level": _SARIF_LEVELS[d.severity],
        "message": {"text": text},
        "locations": [location],
    }


def _file_uri(file: str) -> str:
    """A relative URI reference for files under the working directory, else a file: URI."""
    from pathlib import Path
    from urllib.parse import quote

    path = Path(file)
    if not path.is_absolute():
        return quote(path.as_posix())
    try:
        return quote(path.resolve().relative_to(Path.cwd().resolve()).as_posix())
    except ValueError:
        return path.resolve().as_uri()


# -- GitHub Actions workflow commands ----------------------------------------------------------
_GITHUB_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def render_github(diagnostics: Sequence[Diagnostic]) -> str:
    """`::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message` per finding."""
    out = []
    for d in diagnostics:
        props = {"file": d.file, "line": str(d.line), "col": str(d.column)}
        if d.position is not None:
            props |= {"endLine": str(d.position.end_line), "endColumn": str(d.position.end_column)}
        props["title"] = f"{d.code} {d.name}"
        fields = ",".join(f"{k}={_github_property(v)}" for k, v in props.items())
        text = d.message + (f"\nhint: {d.hint}" if d.hint else "")
        out.append(f"::{_GITHUB_LEVELS[d.severity]} {fields}::{_github_data(text)}")
    return "".join(line + "\n" for line in out)


def _github_data(value: str) -> str:
    # The escaping of @actions/core's command.ts: '%' first, then CR and LF.
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(value: str) -> str:
    return _github_data(value).replace(":", "%3A").replace(",", "%2C")
