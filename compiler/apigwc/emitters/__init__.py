"""Stage 4, the emitters: a validated IR -> the files of `apigwc build`.

Each emitter module in `EMITTERS` (listed, not discovered) has `emit(api, ctx) -> dict[str, bytes]`
mapping paths relative to the output folder to file contents. `build` runs them in order, adds
`manifest.json` (no timestamps: the same spec and apigwc version give byte-identical files);
`output.write` puts them in the output folder. Emitters read the IR only; none holds state
between builds.
"""

from __future__ import annotations

import gc
import hashlib
import importlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from apigwc import __version__
from apigwc.export import ExportOptions, export_document
from apigwc.ir.api import Api

EMITTERS: tuple[str, ...] = (
    "apigwc.emitters.openapi",
    "apigwc.emitters.runtime",
    "apigwc.emitters.cloudformation",
    "apigwc.emitters.sam",
)


@dataclass(frozen=True)
class EmitContext:
    spec_path: Path  # the root spec file, for relative paths (handler code, JWKS files)
    spec_sha256: str
    stage: str | None = None  # the stage to serve by default (None: the first one)
    # One build's exports by options: openapi.yaml and both templates embed the same export, so
    # it is computed once per build. Callers read it, never change it (the binder copies).
    exports: dict[ExportOptions, dict[str, Any]] = field(
        default_factory=dict, compare=False, repr=False
    )

    # One build's API bodies already written as template YAML, with their text: the CloudFormation
    # and SAM templates embed the same bound body whenever SAM creates no functions it names.
    template_bodies: list[tuple[Any, str]] = field(default_factory=list, compare=False, repr=False)

    def export(self, api: Api, options: ExportOptions) -> dict[str, Any]:
        if options not in self.exports:
            self.exports[options] = export_document(api, options)
        return self.exports[options]


def emit_all(api: Api, ctx: EmitContext) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    with _no_cyclic_gc():
        for name in EMITTERS:
            files.update(importlib.import_module(name).emit(api, ctx))
    files["manifest.json"] = _manifest(api, ctx, files)
    return dict(sorted(files.items()))


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """The cycle collector paused while the emitters run. They allocate millions of short-lived
    containers (exports, YAML nodes, route tables), almost none in cycles, so reference counting
    frees them; the collector meanwhile kept re-walking the IR, the document and the half-built
    files: 40% of a 1,000-operation build. Its state is restored afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _manifest(api: Api, ctx: EmitContext, files: dict[str, bytes]) -> bytes:
    manifest = {
        "api": api.title if isinstance(api.title, str) else api.slug,
        "protocol": api.protocol.value,
        "slug": api.slug,
        "package": f"{api.slug}_gateway",
        "asgi": f"{api.slug}_gateway.app:app",
        "apigwc_version": __version__,
        "spec": ctx.spec_path.name,
        "spec_sha256": ctx.spec_sha256,
        "files": {path: hashlib.sha256(data).hexdigest() for path, data in sorted(files.items())},
    }
    return (json.dumps(manifest, indent=2, sort_keys=False) + "\n").encode()
