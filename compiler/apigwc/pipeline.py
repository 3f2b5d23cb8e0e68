"""The compiler driver: one spec path -> Document -> IR, with every diagnostic in one Sink.

Flows in: a spec path. Flows out: `Compilation` (document, api, sink). Validation and emitters
plug in after lowering; nothing here imports the runtime, template or formatter code at module
level, so `apigwc validate` stays light. `build` is the one compile -> emit -> write of
`apigwc build`, `apigwc serve` and the tests.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from apigwc.diagnostics.render import SourceLine
from apigwc.diagnostics.sink import Sink
from apigwc.ir.api import Api
from apigwc.loader import Document, load


@dataclass
class Compilation:
    path: str
    sink: Sink = field(default_factory=Sink)
    document: Document | None = None
    api: Api | None = None

    @property
    def readable(self) -> bool:
        return self.document is not None and self.api is not None

    @property
    def source_line(self) -> SourceLine | None:
        return self.document.source_line if self.document is not None else None


@dataclass(frozen=True)
class BuildResult:
    compilation: Compilation
    out_dir: Path | None = None  # None: nothing was written (the spec has errors)
    files: tuple[str, ...] = ()  # the paths written, relative to out_dir
    notes: tuple[str, ...] = ()  # what the output folder kept and why (`emitters.output`)


def compile_spec(
    path: str | os.PathLike[str],
    *,
    allow_remote_refs: bool = False,
    allow_roots: tuple[str, ...] = (),
) -> Compilation:
    """`allow_roots`: folders beside the spec's own whose files `$ref`s and `codeUri`s may use."""
    from apigwc.lowering import lower

    result = Compilation(str(path))
    result.document = load(
        path, result.sink, allow_remote_refs=allow_remote_refs, allow_roots=allow_roots
    )
    if result.document is None:
        return result
    result.api = lower(result.document, result.sink)
    if result.api is not None:
        from apigwc.validation import validate

        validate(result.api, result.sink)
    return result


def build(
    spec: Path,
    out_dir: Path | Callable[[str], Path],
    *,
    stage: str | None = None,
    allow_roots: tuple[str, ...] = (),
    allow_errors: bool = False,
) -> BuildResult:
    """Compile `spec`, emit every file and write them into `out_dir` (or `out_dir(api slug)`),
    removing what the previous build there wrote and this one does not (`emitters.output`).
    Nothing is written when the spec is unreadable or, unless `allow_errors` (tests of the
    emitters on input `build` refuses), has errors: the caller prints them. Raises
    `OutputRefused` when the folder holds files apigwc did not write where this build writes."""
    import hashlib

    from apigwc.emitters import EmitContext, emit_all
    from apigwc.emitters.output import write

    result = compile_spec(spec, allow_roots=allow_roots)
    if result.api is None or (result.sink.has_errors and not allow_errors):
        return BuildResult(result)
    digest = hashlib.sha256(spec.read_bytes()).hexdigest()
    files = emit_all(result.api, EmitContext(spec.resolve(), digest, stage))
    out = out_dir if isinstance(out_dir, Path) else out_dir(result.api.slug)
    notes = write(out, files)
    return BuildResult(result, out, tuple(files), notes)
