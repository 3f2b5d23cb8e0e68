"""Stage 1, the loader: spec file(s) -> `Document`.

Reads YAML or JSON (UTF-8, at most API Gateway's 6 MB import size), keeps a JSON-pointer ->
file:line:column map for every file, loads the files that `$ref`s name (relative paths; remote
URLs only with `allow_remote_refs`), and checks that every `$ref` points somewhere and that no
chain of `$ref`s loops (each loop reported once). A referenced file is read only when it lies in
the root spec's folder tree or under an `allow_roots` folder, symlinks resolved, and is a
regular file (`files.py`); a function's `codeUri` is held to the same folders. Unreadable input
becomes AGW1xx diagnostics and a None document, never an exception; a file that fails is read
once however often it is named.

Why not prance: prance resolves by re-reading files through its own parsers and inlining, which
loses the positions that every diagnostic needs; `Document` keeps each file apart and resolves on
demand, so a finding inside a referenced file still names that file and line.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path
from typing import Any

from apigwc.diagnostics.model import Origin, Position
from apigwc.diagnostics.sink import Sink
from apigwc.loader.document import APIGW_MODEL_URL, Document, RefError, SourceFile, is_remote
from apigwc.loader.files import NotRegular, Roots, TooLarge, read_regular
from apigwc.loader.json_reader import JsonReadError, read_json, scan_json
from apigwc.loader.limits import IMPORT_SIZE_LIMIT
from apigwc.loader.positions import Span, unescape_token
from apigwc.loader.yaml_reader import YamlReadError, read_yaml

__all__ = ["Document", "RefError", "SourceFile", "display_path", "load", "load_text"]


def display_path(path: str | os.PathLike[str]) -> str:
    """A path as diagnostics show it: relative to the working directory when under it."""
    p = Path(path)
    try:
        return (
            Path(os.path.relpath(p.resolve(), Path.cwd())).as_posix()
            if p.is_absolute()
            else p.as_posix()
        )
    except ValueError:  # pragma: no cover - other drive on Windows
        return p.as_posix()


def load(
    path: str | os.PathLike[str],
    sink: Sink,
    *,
    allow_remote_refs: bool = False,
    allow_roots: tuple[str, ...] = (),
) -> Document | None:
    """Load a spec and every file it references. None when the root cannot be read at all.

    Referenced files and code folders must lie under the spec's folder or an `allow_roots` one.
    """
    root = posixpath.normpath(display_path(path))
    doc = Document(root, roots=Roots.of(root, allow_roots))
    sink.locator = doc.locate
    if not _load_file(doc, root, sink, Origin(root, "")) or not _root_is_mapping(doc, sink):
        return None
    doc.swagger2 = _is_swagger2(doc.data)
    _load_references(doc, sink, allow_remote_refs)
    _check_code_folders(doc, sink)
    return doc


def load_text(
    text: str, name: str, sink: Sink, *, allow_roots: tuple[str, ...] = ()
) -> Document | None:
    """Load a document from text (tests, stdin, template bodies); `name` is its display path.

    `$ref`s to other files are resolved against `name`'s folder, and confined to it, as `load`
    would.
    """
    doc = Document(name, roots=Roots.of(name, allow_roots))
    sink.locator = doc.locate
    source = _parse(text, name, sink)
    if source is None:
        return None
    doc.files[name] = source
    if not _root_is_mapping(doc, sink):
        return None
    doc.swagger2 = _is_swagger2(doc.data)
    _load_references(doc, sink, allow_remote=False)
    _check_code_folders(doc, sink)
    return doc


def _is_swagger2(data: dict[str, Any]) -> bool:
    return str(data.get("swagger", "")).startswith("2")


def _root_is_mapping(doc: Document, sink: Sink) -> bool:
    if isinstance(doc.data, dict):
        return True
    kind = "empty" if doc.data is None else type(doc.data).__name__
    sink.report("AGW108", Origin(doc.root, ""), kind=kind)
    return False


# -- reading one file -------------------------------------------------------------------------


def _load_file(doc: Document, path: str, sink: Sink, cited_at: Origin) -> bool:
    """Read, decode and parse one file into `doc`. The root file is the one the user named
    (it may be a pipe: `validate <(...)`); any other is named by the spec, so it is confined."""
    if path == doc.root:
        raw = _read_bytes(path, sink, cited_at)
    else:
        raw = _read_named(doc, path, sink, cited_at)
    if raw is None:
        return False
    text = _decode(raw, path, sink)
    if text is None:
        return False
    source = _parse(text, path, sink)
    if source is None:
        return False
    doc.files[path] = source
    return True


def _read_bytes(path: str, sink: Sink, cited_at: Origin) -> bytes | None:
    """The file's bytes; a file over API Gateway's import limit is refused unread (AGW106)."""
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size  # 0 for a pipe: then the read tells
            raw = b"" if size > IMPORT_SIZE_LIMIT else fh.read(IMPORT_SIZE_LIMIT + 1)
    except OSError as exc:
        sink.report("AGW101", cited_at, path=path, reason=exc.strerror or str(exc))
        return None
    size = max(size, len(raw))
    if size > IMPORT_SIZE_LIMIT:
        sink.report("AGW106", cited_at, what=path, size=size, limit=IMPORT_SIZE_LIMIT)
        return None
    return raw


def _read_named(doc: Document, path: str, sink: Sink, cited_at: Origin) -> bytes | None:
    """A file the spec names: inside the allowed folders, a regular file, within the limit."""
    roots = doc.roots or Roots.of(doc.root)
    if not roots.contain(path):
        sink.report("AGW143", cited_at, what="$ref", path=path, roots=roots.shown)
        return None
    try:
        return read_regular(path, IMPORT_SIZE_LIMIT)
    except NotRegular as exc:
        sink.report("AGW144", cited_at, path=path, kind=exc.kind)
    except TooLarge as exc:
        sink.report("AGW106", cited_at, what=path, size=exc.size, limit=IMPORT_SIZE_LIMIT)
    except OSError as exc:
        sink.report("AGW101", cited_at, path=path, reason=exc.strerror or str(exc))
    return None


def _check_code_folders(doc: Document, sink: Sink) -> None:
    """`x-apigwc.functions.*.codeUri` (relative to the spec) stays in the allowed folders: the
    build copies that folder, and the server imports from it."""
    apigwc = doc.data.get("x-apigwc") if isinstance(doc.data, dict) else None
    functions = apigwc.get("functions") if isinstance(apigwc, dict) else None
    if not isinstance(functions, dict):
        return
    roots = doc.roots or Roots.of(doc.root)
    base = os.path.dirname(doc.root)
    for name, function in functions.items():
        code_uri = function.get("codeUri") if isinstance(function, dict) else None
        if not isinstance(code_uri, str) or roots.contain(os.path.join(base, code_uri)):
            continue
        origin = Origin(doc.root, "").child("x-apigwc", "functions", name, "codeUri")
        sink.report("AGW143", origin, what="codeUri", path=code_uri, roots=roots.shown)


def _decode(raw: bytes, path: str, sink: Sink) -> str | None:
    """UTF-8 text without its byte-order mark; a bad byte is reported at its line and column
    (columns count characters, as every other position does)."""
    body = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = body[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        offset = exc.start + len(raw) - len(body)
        sink.report(
            "AGW102",
            Origin(path, ""),
            position=Position(line, column, line, column + 1),
            path=path,
            reason=f"byte 0x{body[exc.start]:02x} at offset {offset}",
        )
        return None


def _looks_like_json(text: str, path: str) -> bool:
    if path.lower().endswith(".json"):
        return True
    stripped = text.lstrip()
    return stripped.startswith(("{", "["))


def _parse(text: str, path: str, sink: Sink) -> SourceFile | None:
    if _looks_like_json(text, path):
        duplicates: list[str] = []
        try:
            source = SourceFile(path, "json", text, read_json(text, duplicates), scan=scan_json)
        except JsonReadError as json_error:
            if path.lower().endswith(".json"):
                _report_read_error(sink, path, json_error.code, json_error.span, json_error.fields)
                return None
        else:
            if duplicates:
                source.smap, spans = scan_json(text)
                _report_duplicates(sink, path, spans)
            return source
    try:
        data, smap, spans = read_yaml(text)
    except YamlReadError as err:
        _report_read_error(sink, path, err.code, err.span, err.fields)
        return None
    _report_duplicates(sink, path, spans)
    return SourceFile(path, "yaml", text, data, smap=smap)


def _report_duplicates(sink: Sink, path: str, duplicates: list[tuple[str, Span]]) -> None:
    for pointer, span in duplicates:
        key = unescape_token(pointer.rsplit("/", 1)[-1])
        sink.report("AGW123", Origin(path, pointer), position=Position(*span), key=key)


def _report_read_error(sink: Sink, path: str, code: str, span: Any, fields: dict[str, Any]) -> None:
    position = Position(*span) if span else Position(1, 1, 1, 1)
    sink.report(code, Origin(path, ""), position=position, **fields)


# -- following references -----------------------------------------------------------------------


EXTENSION_PREFIX = "x-amazon-apigateway-"


def _iter_refs(data: Any, file: str, sites: list[tuple[str, Origin]]) -> list[tuple[Any, Origin]]:
    """Every `$ref` value in a file with the origin of the object holding it (iterative).

    The same walk records where each `x-amazon-apigateway-*` key sits (`sites`), so that the
    lowering can check placements without walking the document again.
    """
    found: list[tuple[Any, Origin]] = []
    stack: list[tuple[Any, str]] = [(data, "")]
    seen: set[int] = set()
    while stack:
        value, pointer = stack.pop()
        if isinstance(value, dict):
            if id(value) in seen:  # YAML aliases share objects: visit each once
                continue
            seen.add(id(value))
            if "$ref" in value:
                found.append((value["$ref"], Origin(file, pointer)))
            for key, child in value.items():
                if key.startswith(EXTENSION_PREFIX):
                    sites.append((key, Origin(file, pointer)))
                if isinstance(child, (dict, list)):
                    stack.append((child, pointer + "/" + key.replace("~", "~0").replace("/", "~1")))
        elif isinstance(value, list):
            if id(value) in seen:
                continue
            seen.add(id(value))
            for index, child in enumerate(value):
                if isinstance(child, (dict, list)):
                    stack.append((child, f"{pointer}/{index}"))
    found.reverse()
    return found


def _load_references(doc: Document, sink: Sink, allow_remote: bool) -> None:
    pending = [doc.root]
    scanned: set[str] = set()
    failed = doc.failed  # reported once, at the first `$ref` naming them; not read again
    all_refs: list[tuple[Any, Origin]] = []
    while pending:
        file = pending.pop()
        if file in scanned or file not in doc.files:
            continue
        scanned.add(file)
        for ref, holder in _iter_refs(doc.files[file].data, file, doc.extension_sites):
            target = _target(doc, ref, holder, sink)
            if target is None:  # malformed (reported) or an API Gateway model URL
                continue
            all_refs.append((ref, holder))
            if target.file in doc.files or target.file in failed:
                continue
            if not _fetch(doc, target.file, holder.child("$ref"), sink, allow_remote):
                failed.add(target.file)
                continue
            pending.append(target.file)
    _check_targets(doc, all_refs, sink)


def _target(doc: Document, ref: Any, holder: Origin, sink: Sink) -> Origin | None:
    if isinstance(ref, str) and ref.startswith(APIGW_MODEL_URL):
        return None
    try:
        return doc.target_of(ref, holder)
    except RefError as err:
        sink.report(err.code, holder.child("$ref"), **err.fields)
        return None


def _fetch(doc: Document, file: str, cited_at: Origin, sink: Sink, allow_remote: bool) -> bool:
    if not is_remote(file):
        return _load_file(doc, file, sink, cited_at)
    if not allow_remote:
        sink.report("AGW112", cited_at, ref=file)
        return False
    return _load_remote(doc, file, sink, cited_at)


def _load_remote(doc: Document, url: str, sink: Sink, cited_at: Origin) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            raw = resp.read(IMPORT_SIZE_LIMIT + 1)
    except OSError as exc:
        sink.report("AGW101", cited_at, path=url, reason=str(exc))
        return False
    if len(raw) > IMPORT_SIZE_LIMIT:
        sink.report("AGW106", cited_at, what=url, size=len(raw), limit=IMPORT_SIZE_LIMIT)
        return False
    text = _decode(raw, url, sink)
    source = _parse(text, url, sink) if text is not None else None
    if source is None:
        return False
    doc.files[url] = source
    return True


# A reference to a model that is not there is the lowering's to report: API Gateway rejects it
# for REST APIs but only warns for HTTP APIs, which do not validate bodies (moto's reimport case).
_MODEL_REF_PREFIXES = ("#/components/schemas/", "#/definitions/")


def _check_targets(doc: Document, refs: list[tuple[str, Origin]], sink: Sink) -> None:
    """Each `$ref` must lead, through any chain of `$ref`s, to a value (AGW110, AGW111).

    Origins known to lead to a value, or into a cycle already reported (at the first `$ref` whose
    chain met it), are remembered: n `$ref`s chained one to the next cost n steps, not n squared.
    """
    good: set[Origin] = set()
    cyclic: set[Origin] = set()
    for ref, holder in refs:
        if doc.definition_ref(ref).startswith(_MODEL_REF_PREFIXES):
            continue
        try:
            _refuse_enclosing(doc, ref, holder)
            _follow(doc, ref, holder, good, cyclic)
        except RefError as err:
            doc.cut.add(holder)
            sink.report(err.code, holder.child("$ref"), **{**err.fields, "ref": ref})


_MODEL_POINTER = re.compile(r"^/(?:definitions|components/schemas)/[^/]+$")


def _refuse_enclosing(doc: Document, ref: str, holder: Origin) -> None:
    """A `$ref` in the root file to an object that holds it (`$ref: "#"`, `#/paths` inside
    paths): inlining it never ends, so it is a cycle. Only a named model may hold a reference
    to itself (it stays a reference); schemas in other files are bundled as named models."""
    target = doc.target_of(ref, holder)
    if target.file != doc.root or holder.file != doc.root or _MODEL_POINTER.match(target.pointer):
        return
    if holder.pointer.startswith(target.pointer + "/"):
        path = f"{holder.file}#{holder.pointer} -> {target.file}#{target.pointer}"
        raise RefError("AGW111", chain=f"{path}, which holds the $ref itself")


def _follow(
    doc: Document, ref: str, holder: Origin, good: set[Origin], cyclic: set[Origin]
) -> None:
    chain: dict[Origin, None] = {}  # insertion-ordered: the path for the cycle message
    value: Any = {"$ref": ref}
    origin = holder
    while isinstance(value, dict) and "$ref" in value and origin not in good:
        if origin in cyclic or origin in chain:
            cyclic.update(chain)
            if origin in chain:
                path = " -> ".join(f"{o.file}#{o.pointer}" for o in [*chain, origin])
                raise RefError("AGW111", chain=path)
            return
        chain[origin] = None
        target = doc.target_of(value["$ref"], origin)
        if target.file not in doc.files:
            break  # reported when the file failed to load
        value, origin = doc.get(target), target
    good.update(chain)
