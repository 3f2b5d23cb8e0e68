"""The loaded document: every file's data and source map, and `$ref` resolution between them.

Flows in: files read by `apigwc.loader.load`. Flows out: a `Document` that lowering walks with
`Origin`s (file + pointer) and that locates any origin as file:line:column.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from apigwc.diagnostics.model import Origin, Position
from apigwc.loader.positions import SourceMap, Span, split_pointer

# API Gateway's own cross-model reference form, not a file to fetch ([DG23] models-mappings.md).
APIGW_MODEL_URL = "https://apigateway.amazonaws.com/restapis/"


class RefError(Exception):
    def __init__(self, code: str, **fields: Any) -> None:
        super().__init__(code)
        self.code = code
        self.fields = fields


@dataclass
class SourceFile:
    path: str  # as shown in diagnostics: relative to the working directory when possible
    kind: str  # "yaml" | "json" | "remote"
    text: str
    data: Any
    smap: SourceMap | None = None
    scan: Callable[[str], tuple[SourceMap, list[tuple[str, Span]]]] | None = None

    def source_map(self) -> SourceMap:
        if self.smap is None:
            self.smap = self.scan(self.text)[0] if self.scan else SourceMap()
        return self.smap

    def line(self, number: int) -> str:
        lines = self.text.splitlines()
        return lines[number - 1] if 0 < number <= len(lines) else ""


@dataclass
class Document:
    root: str  # display path of the root file
    files: dict[str, SourceFile] = field(default_factory=dict)
    # (extension key, origin of the object that holds it), found while scanning for `$ref`s
    extension_sites: list[tuple[str, Origin]] = field(default_factory=list)

    @property
    def data(self) -> Any:
        return self.files[self.root].data

    # -- positions ----------------------------------------------------------------------
    def locate(self, origin: Origin, at_key: bool = False) -> Position | None:
        source = self.files.get(origin.file)
        if source is None:
            return None
        return source.source_map().position(origin.pointer, at_key)

    def source_line(self, file: str, line: int) -> str:
        source = self.files.get(file)
        return source.line(line) if source else ""

    # -- navigation -----------------------------------------------------------------------
    def get(self, origin: Origin) -> Any:
        """The value at an origin; raises RefError(AGW110) when the pointer leads nowhere."""
        source = self.files.get(origin.file)
        if source is None:
            raise RefError("AGW110", ref=origin.file, reason="file not loaded")
        value = source.data
        for token in split_pointer(origin.pointer):
            value = _step(value, token, origin.pointer)
        return value

    def target_of(self, ref: str, base: Origin) -> Origin:
        """Where a `$ref` string found at `base` points (file resolved against base's folder)."""
        if not isinstance(ref, str):
            raise RefError("AGW113", kind=type(ref).__name__)
        file_part, _, fragment = ref.partition("#")
        pointer = unquote(fragment)
        if pointer and not pointer.startswith("/"):
            raise RefError("AGW110", ref=ref, reason="the part after '#' must start with '/'")
        if not file_part:
            return Origin(base.file, pointer)
        if is_remote(file_part):
            return Origin(file_part, pointer)
        folder = posixpath.dirname(base.file)
        return Origin(posixpath.normpath(posixpath.join(folder, file_part)), pointer)

    def resolve(self, ref: str, base: Origin) -> tuple[Any, Origin]:
        target = self.target_of(ref, base)
        if target.file not in self.files:
            raise RefError("AGW110", ref=ref, reason=f"{target.file} was not loaded")
        return self.get(target), target

    def deref(self, value: Any, origin: Origin) -> tuple[Any, Origin]:
        """Follow a chain of `{"$ref": ...}` objects to the first value that is not one.

        Raises RefError(AGW111) when the chain loops, AGW110 when a link points nowhere.
        """
        seen: list[Origin] = []
        while isinstance(value, dict) and "$ref" in value:
            ref = value["$ref"]
            if origin in seen:
                chain = " -> ".join(f"{o.file}#{o.pointer}" for o in [*seen, origin])
                raise RefError("AGW111", chain=chain)
            seen.append(origin)
            value, origin = self.resolve(ref, origin)
        return value, origin


def is_remote(path: str) -> bool:
    return path.startswith(("http://", "https://"))


def _step(value: Any, token: str, pointer: str) -> Any:
    if isinstance(value, dict):
        if token in value:
            return value[token]
    elif isinstance(value, list):
        if token.isdigit() and int(token) < len(value):
            return value[int(token)]
    raise RefError("AGW110", ref="#" + pointer, reason=f"no {token!r} at that place")
