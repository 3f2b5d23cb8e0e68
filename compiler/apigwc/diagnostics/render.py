"""Diagnostics out: text (`file:line:col: error[AGW412 route-conflict]: message`, the source
line and a marker under the span) and JSON (`{"diagnostics": [...], "summary": {...}}`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from apigwc.diagnostics.model import Diagnostic, Severity

SourceLine = Callable[[str, int], str]


def summary(diagnostics: Sequence[Diagnostic]) -> dict[str, int]:
    counts = {s.value: 0 for s in Severity}
    for d in diagnostics:
        counts[d.severity.value] += 1
    return {"errors": counts["error"], "warnings": counts["warning"], "infos": counts["info"]}


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
