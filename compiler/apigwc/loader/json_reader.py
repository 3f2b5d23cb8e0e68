"""JSON text -> plain Python data (the C `json` decoder), with a SourceMap built only on demand.

Positions cost a second pass, and most runs report nothing, so the document asks for them the
first time a diagnostic in a JSON file needs a line number. `json_source_map` gives a map whose
containers are read only when a pointer passes through them: a container's direct children are
found by skipping each child value with the C decoder, so locating a few hundred findings reads
a few levels of the file instead of tokenizing all of it in Python. `scan_json` is the full
tokenizer, run when `read_json` saw a duplicate key (it reports where each one is); it is
iterative over the already-validated text (no recursion, so depth is no hazard). Duplicate keys
keep the last value, as `json.loads` does, in both. Nesting is held to `MAX_DEPTH` like YAML's,
so later passes that recurse cannot be driven into the recursion limit by a JSON spec.
"""

from __future__ import annotations

import bisect
import json
import re
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from apigwc.loader.limits import MAX_DEPTH
from apigwc.loader.positions import Node, SourceMap, Span, escape_token


class JsonReadError(Exception):
    def __init__(self, code: str, span: Span | None, **fields: Any) -> None:
        super().__init__(code)
        self.code = code
        self.span = span
        self.fields = fields


def read_json(text: str, duplicates: list[str] | None = None) -> Any:
    """Parse JSON; the names of duplicate keys are appended to `duplicates` when given."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(items)
        if len(obj) != len(items) and duplicates is not None:
            duplicates.extend(k for k, n in Counter(k for k, _ in items).items() if n > 1)
        return obj

    try:
        data = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        span = (exc.lineno, exc.colno, exc.lineno, exc.colno + 1)
        raise JsonReadError("AGW104", span, reason=exc.msg) from None
    except RecursionError:
        raise JsonReadError("AGW105", _too_deep_at(text), limit=MAX_DEPTH) from None
    except ValueError as exc:  # an integer of more digits than int() converts (4300 by default)
        long_number = re.search(f"[0-9]{{{sys.get_int_max_str_digits() + 1},}}", text)
        at = _LineIndex(text).span(*long_number.span()) if long_number else None
        raise JsonReadError("AGW104", at, reason=str(exc).split(";", 1)[0]) from None
    if _too_deep(data):
        raise JsonReadError("AGW105", _too_deep_at(text), limit=MAX_DEPTH)
    return data


def _too_deep(data: Any) -> bool:
    """Whether parsed data nests deeper than MAX_DEPTH, walked level by level (no recursion)."""
    level = [data] if isinstance(data, (dict, list)) else []
    for _ in range(MAX_DEPTH):
        level = [
            child
            for value in level
            for child in (value.values() if isinstance(value, dict) else value)
            if isinstance(child, (dict, list))
        ]
        if not level:
            return False
    return True


_TOKEN = re.compile(
    r'"(?:[^"\\]|\\.)*"'  # string
    r"|[{}\[\]:,]"  # punctuation
    r"|[^\s{}\[\]:,\"]+",  # number / true / false / null
    re.S,
)


class _LineIndex:
    """Offsets -> 1-based line and column; the line starts are found on first use."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: list[int] | None = None

    @property
    def starts(self) -> list[int]:
        if self._starts is None:
            self._starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        return self._starts

    def at(self, offset: int) -> tuple[int, int]:
        starts = self.starts
        line = bisect.bisect_right(starts, offset) - 1
        return line + 1, offset - starts[line] + 1

    def span(self, start: int, end: int) -> Span:
        return (*self.at(start), *self.at(end))


def _too_deep_at(text: str) -> Span | None:
    """The span of the first bracket that opens level MAX_DEPTH + 1."""
    depth = 0
    for m in _TOKEN.finditer(text):
        if m.group() in ("{", "["):
            depth += 1
            if depth > MAX_DEPTH:
                return _LineIndex(text).span(m.start(), m.end())
        elif m.group() in ("}", "]"):
            depth -= 1
    return None


@dataclass
class _Open:
    """An object or array whose closing bracket the scan has not reached yet."""

    node: Node
    pointer: str  # only to name duplicate keys
    start: int
    key: str | None = None  # None in an array
    seen: set[str] = field(default_factory=set)

    def slot(self) -> Node:
        """The node of the value the scan meets next inside this container."""
        if isinstance(self.node.children, dict):
            return self.node.children[self.key or ""]
        return self.node.add(None)

    def child_pointer(self) -> str:
        if isinstance(self.node.children, dict):
            return self.pointer + "/" + escape_token(self.key or "")
        return f"{self.pointer}/{len(self.node.children or ()) - 1}"


def scan_json(text: str) -> tuple[SourceMap, list[tuple[str, Span]]]:
    """Every value's span, and duplicate keys (pointer, key span)."""
    smap = SourceMap()
    lines = _LineIndex(text)
    dups: list[tuple[str, Span]] = []
    stack: list[_Open] = []
    expecting_key = False
    for m in _TOKEN.finditer(text):
        tok, start, end = m.group(), m.start(), m.end()
        if tok in ",:":
            expecting_key = tok == "," and bool(stack) and isinstance(stack[-1].node.children, dict)
        elif expecting_key and tok[0] == '"':
            top = stack[-1]
            key = json.loads(tok) if "\\" in tok else tok[1:-1]
            if key in top.seen:
                dups.append((top.pointer + "/" + escape_token(key), lines.span(start, end)))
            top.key = key
            top.seen.add(key)
            top.node.add(key, (start, end))
            expecting_key = False
        elif tok in "}]":
            closed = stack.pop()
            closed.node.span = (closed.start, end)
            expecting_key = False
        else:
            node = stack[-1].slot() if stack else smap.root
            if tok in "{[":
                pointer = stack[-1].child_pointer() if stack else ""
                node.children = {} if tok == "{" else []
                stack.append(_Open(node, pointer, start))
                expecting_key = tok == "{"
            else:
                node.span = (start, end)
    smap.offsets = lines.span
    return smap, dups


# -- the lazy map -------------------------------------------------------------------------------

_SPACE = re.compile(r"[ \t\n\r]*")
# The C scanners `json.loads` uses (not in the type stubs): (text, offset of a value) ->
# (value, offset past it), and (text, offset past a string's opening quote) -> (string, offset).
_DECODER: Any = json.JSONDecoder()
_SKIP_VALUE: Callable[[str, int], tuple[Any, int]] = _DECODER.scan_once
_DECODER_MODULE: Any = json.decoder
_scan_string: Callable[[str, int], tuple[str, int]] = _DECODER_MODULE.scanstring


def json_source_map(text: str) -> SourceMap:
    """A map of already-validated JSON `text` whose containers are read when first entered."""
    smap = SourceMap()
    start = _after_space(text, 0)
    smap.root = _LazyNode(text, (start, _SKIP_VALUE(text, start)[1]))
    smap.offsets = _LineIndex(text).span
    return smap


def _after_space(text: str, at: int) -> int:
    match = _SPACE.match(text, at)
    return match.end() if match else at


def _after_separator(text: str, at: int) -> int:
    """From just past a value or key: past the `,` or `:` (or closing bracket) that follows."""
    return _after_space(text, _after_space(text, at) + 1)


class _LazyNode(Node):
    """A node whose children are read from the text when a pointer first steps into it."""

    __slots__ = ("text",)

    def __init__(
        self, text: str | None, span: tuple[int, int], key_span: tuple[int, int] | None = None
    ) -> None:
        super().__init__(key_span)
        self.span = span
        self.text = text if text is not None and text[span[0]] in "{[" else None

    def child(self, token: str) -> Node | None:
        if self.text is not None:
            self._read_children(self.text)
            self.text = None
        return super().child(token)

    def _read_children(self, text: str) -> None:
        """Each direct child's span (and key span); values are skipped by the C scanner."""
        assert self.span is not None
        start, end = self.span[0], self.span[1] - 1  # end: the closing bracket
        at = _after_space(text, start + 1)
        if text[start] == "[":
            items: list[Node] = []
            while at < end:
                value_end = _SKIP_VALUE(text, at)[1]
                items.append(_LazyNode(text, (at, value_end)))
                at = _after_separator(text, value_end)
            self.children = items
            return
        members: dict[str, Node] = {}
        while at < end:
            key_start = at
            key, key_end = _scan_string(text, key_start + 1)
            at = _after_separator(text, key_end)
            value_end = _SKIP_VALUE(text, at)[1]
            members[key] = _LazyNode(text, (at, value_end), (key_start, key_end))
            at = _after_separator(text, value_end)
        self.children = members
