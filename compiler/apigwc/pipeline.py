"""The compiler driver: one spec path -> Document -> IR, with every diagnostic in one Sink.

Flows in: a spec path. Flows out: `Compilation` (document, api, sink). Validation and emitters
plug in after lowering; nothing here imports the runtime, template or formatter code, so
`apigwc validate` stays light.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

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
