"""The loaded document: every file's data and source map, and `$ref` resolution between them.

Flows in: files read by `apigwc.loader.load`. Flows out: a `Document` that lowering walks with
`Origin`s (file + pointer) and that locates any origin as file:line:column.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urljoin

from apigwc.diagnostics.model import Origin, Position
from apigwc.loader.files import Roots
from apigwc.loader.json_reader import json_source_map
from apigwc.loader.positions import SourceMap, Span, split_pointer

_YAML_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_JSON_BREAK = re.compile("\r?\n")

# API Gateway's own cross-model reference form, not a file to fetch ([DG23] models-mappings.md).
APIGW_MODEL_URL = "https://apigateway.amazonaws.com/restapis/"

# Swagger 2.0 "simple references": `$ref: Pet` is `#/definitions/Pet`. API Gateway's importer
# (swagger-parser; swagger-models' GenericRef) reads a reference that is not a URL, does not start
# with `#/`, `.` or `/` (and has no dot) as internal, and prefixes a schema's with #/definitions/.
# Only for Swagger 2.0: OpenAPI 3.0 defines `$ref` as a URI reference (a bare name is a relative
# file), and no AWS-recorded evidence shows API Gateway reading it otherwise there; a name with
# `.` or `/` stays a file path (`pet.yaml`).
_BARE_NAME = re.compile(r"^[^#/.:\s][^#/.:]*$")


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
    lines: list[str] | None = None

    def source_map(self) -> SourceMap:
        """The file's map, made on first use. A JSON file's is read lazily (`json_source_map`):
        a large spec's few hundred warnings then read a few levels of it, not every token."""
        if self.smap is None:
            if self.kind == "json":
                self.smap = json_source_map(self.text)
            else:
                self.smap = self.scan(self.text)[0] if self.scan else SourceMap()
        return self.smap

    def line(self, number: int) -> str:
        """Source line `number`, counted as the parser counts lines (YAML also breaks at CR,
        NEL and U+2028/2029; JSON only at LF), without its line ending."""
        if self.lines is None:
            self.lines = (_YAML_BREAK if self.kind == "yaml" else _JSON_BREAK).split(self.text)
        return self.lines[number - 1] if 0 < number <= len(self.lines) else ""


@dataclass
class Document:
    root: str  # display path of the root file
    files: dict[str, SourceFile] = field(default_factory=dict)
    # (extension key, origin of the object that holds it), found while scanning for `$ref`s
    extension_sites: list[tuple[str, Origin]] = field(default_factory=list)
    # the folders referenced files must lie in (None: the root file's own folder)
    roots: Roots | None = None
    # a Swagger 2.0 document: a bare `$ref: Name` is `#/definitions/Name`
    swagger2: bool = False
    # objects whose `$ref` loops or holds itself, reported once by the loader: resolving one
    # gives an empty object, so that no later pass follows the loop
    cut: set[Origin] = field(default_factory=set)
    # files a `$ref` names that could not be read (reported once, where first named): a
    # reference into one resolves to an empty object, with no second finding
    failed: set[str] = field(default_factory=set)

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
        ref = self.definition_ref(ref)
        file_part, _, fragment = ref.partition("#")
        pointer = unquote(fragment)
        if pointer and not pointer.startswith("/"):
            raise RefError("AGW110", ref=ref, reason="the part after '#' must start with '/'")
        if not file_part:
            return Origin(base.file, pointer)
        if is_remote(file_part):
            return Origin(file_part, pointer)
        if is_remote(base.file):  # relative to a remote file: a URL too, never a local path
            return Origin(urljoin(base.file, file_part), pointer)
        folder = posixpath.dirname(base.file)
        return Origin(posixpath.normpath(posixpath.join(folder, unquote(file_part))), pointer)

    def definition_ref(self, ref: str) -> str:
        """`ref` as a pointer: a Swagger 2.0 bare name becomes `#/definitions/<name>`."""
        if self.swagger2 and _BARE_NAME.match(ref):
            return "#/definitions/" + ref.replace("~", "~0")
        return ref

    def resolve(self, ref: str, base: Origin) -> tuple[Any, Origin]:
        target = self.target_of(ref, base)
        if base in self.cut or target.file in self.failed:
            return {}, target
        if target.file not in self.files:
            raise RefError("AGW110", ref=ref, reason=f"{target.file} was not loaded")
        return self.get(target), target

    def deref(self, value: Any, origin: Origin) -> tuple[Any, Origin]:
        """Follow a chain of `{"$ref": ...}` objects to the first value that is not one.

        Raises RefError(AGW111) when the chain loops, AGW110 when a link points nowhere.
        """
        chain: dict[Origin, None] = {}  # insertion-ordered set: the path for the message
        while isinstance(value, dict) and "$ref" in value:
            if origin in chain:
                text = " -> ".join(f"{o.file}#{o.pointer}" for o in [*chain, origin])
                raise RefError("AGW111", chain=text)
            chain[origin] = None
            value, origin = self.resolve(value["$ref"], origin)
        return value, origin


def is_remote(path: str) -> bool:
    return path.startswith(("http://", "https://"))


def _step(value: Any, token: str, pointer: str) -> Any:
    if isinstance(value, dict) and token in value:
        return value[token]
    if isinstance(value, list) and token.isdigit() and int(token) < len(value):
        return value[int(token)]
    raise RefError("AGW110", ref="#" + pointer, reason=f"no {token!r} at that place")
