"""`apigwc diff`'s command: compile both versions, compare them, print the findings.

Flows in: the two spec paths and the output format. Flows out: the findings on stdout (the
`validate` renderers: text with the source line, or JSON) and the exit code: 0 when nothing
breaks, 1 when something does, 2 when a version cannot be read or lowered (its errors printed).
"""

from __future__ import annotations

import click

from apigwc.diagnostics.render import SourceLine, print_errors, render_json, render_text
from apigwc.pipeline import Compilation, compile_spec
from apigwc.versions.compare import compare


def run(old: str, new: str, fmt: str, allow_roots: tuple[str, ...], color: bool = False) -> int:
    versions = [compile_spec(path, allow_roots=allow_roots) for path in (old, new)]
    for result in versions:
        if result.api is None:
            print_errors(result.sink.sorted(), result.source_line)
            return 2
    sink = compare(versions[0], versions[1])
    found = sink.sorted()
    if fmt == "json":
        click.echo(render_json(found), nl=False)
    else:
        click.echo(render_text(found, _source_line(versions), color=color), nl=False)
    return 1 if sink.has_errors else 0


def _source_line(versions: list[Compilation]) -> SourceLine:
    def source_line(file: str, line: int) -> str:
        for result in versions:
            if result.document is not None and file in result.document.files:
                return result.document.source_line(file, line)
        return ""

    return source_line
