"""YAML text -> (plain Python data, SourceMap), from libyaml's event stream.

Why events rather than `yaml.load`: the composer behind `yaml.load`/`compose` is recursive in C
and crashes the interpreter on ~100,000 nested brackets, and it drops marks. libyaml's event parser keeps its own stack and yields lazily: one iterative
loop builds the data and the source-map tree, stops at `MAX_DEPTH` after reading only that far
(whatever nesting limit of its own the installed libyaml has: see `read_yaml`), and counts
values, aliases as what they expand to (`MAX_VALUES`), so hostile input ends as a diagnostic.

Mapping keys are the scalar's source text (`200:` is the key "200", as API Gateway reads it).
Values resolve as YAML 1.1 (`yes` is true) except timestamps and binaries, which stay text; a
value Python cannot hold (`!!int abc`, an int of over 4,300 digits) is a syntax error (AGW103).
CloudFormation short forms (`!Sub`, `!Ref`, `!GetAtt`, ...) become their long JSON form
(`{"Fn::Sub": ...}`), which is what CloudFormation itself does before reading a body.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, cast

import yaml

from apigwc.loader.limits import MAX_DEPTH, MAX_VALUES
from apigwc.loader.positions import Node, SourceMap, Span, escape_token

try:  # libyaml is in PyYAML's wheels; fall back to the pure-Python parser if absent
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


class YamlReadError(Exception):
    def __init__(self, code: str, span: Span | None, **fields: Any) -> None:
        super().__init__(code)
        self.code = code
        self.span = span
        self.fields = fields


_INTRINSIC_TAGS = {
    "!Ref": "Ref",
    "!Condition": "Condition",
    "!Sub": "Fn::Sub",
    "!GetAtt": "Fn::GetAtt",
    "!If": "Fn::If",
    "!Join": "Fn::Join",
    "!Select": "Fn::Select",
    "!Split": "Fn::Split",
    "!FindInMap": "Fn::FindInMap",
    "!ImportValue": "Fn::ImportValue",
    "!Base64": "Fn::Base64",
    "!GetAZs": "Fn::GetAZs",
    "!Cidr": "Fn::Cidr",
    "!Equals": "Fn::Equals",
    "!And": "Fn::And",
    "!Or": "Fn::Or",
    "!Not": "Fn::Not",
    "!Transform": "Fn::Transform",
    "!Length": "Fn::Length",
    "!ToJsonString": "Fn::ToJsonString",
}

_resolver = yaml.resolver.Resolver()
_constructor = yaml.constructor.SafeConstructor()
_SCALAR_TYPES = {
    "tag:yaml.org,2002:int": _constructor.construct_yaml_int,
    "tag:yaml.org,2002:float": _constructor.construct_yaml_float,
    "tag:yaml.org,2002:bool": _constructor.construct_yaml_bool,
    "tag:yaml.org,2002:null": _constructor.construct_yaml_null,
}


def _span(event: Any) -> Span:
    s, e = event.start_mark, event.end_mark
    return (s.line + 1, s.column + 1, e.line + 1, e.column + 1)


def _scalar_value(event: Any) -> Any:
    """Resolve a scalar as YAML 1.1 does; timestamps and binaries stay text (JSON has neither)."""
    tag = event.tag
    if tag in _INTRINSIC_TAGS:
        return event.value
    if tag is None and event.implicit[0]:  # plain scalar: int, float, bool, null or text
        tag = _resolver.resolve(yaml.ScalarNode, event.value, (True, False))  # type: ignore[no-untyped-call]
    construct = _SCALAR_TYPES.get(tag or "")
    if construct is None:
        return event.value
    try:
        return construct(yaml.ScalarNode(tag, event.value))
    except (ValueError, KeyError):  # `!!int abc`, or more digits than int() converts (4300)
        text = event.value if len(event.value) <= 40 else event.value[:40] + "..."
        kind = (tag or "").rsplit(":", 1)[-1]
        raise YamlReadError(
            "AGW103", _span(event), reason=f"{text!r} is not a valid {kind}"
        ) from None


@dataclass
class _Frame:
    container: Any
    node: Node
    pointer: str  # only to name duplicate keys
    tag: str | None
    anchor: str | None
    start: tuple[int, int]
    flow: bool
    is_key: bool  # a complex (non-scalar) mapping key
    count: int = 1
    key: str | None = None  # the mapping key waiting for its value
    key_node: Node | None = None
    last_end: tuple[int, int] | None = None
    merges: list[Any] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)


class _Builder:
    def __init__(self, smap: SourceMap) -> None:
        self.smap = smap
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.open_anchors: set[str] = set()
        self.total = 0
        self.root: Any = None
        self.has_root = False
        self.duplicates: list[tuple[str, Span]] = []

    # -- placing a finished value into its parent -----------------------------------------
    def charge(self, count: int, span: Span) -> None:
        self.total += count
        if self.total > MAX_VALUES:
            raise YamlReadError("AGW107", span, limit=MAX_VALUES)

    def wants_key(self) -> bool:
        top = self.stack[-1] if self.stack else None
        return top is not None and isinstance(top.container, dict) and top.key is None

    def set_key(self, key: str, span: Span) -> None:
        top = self.stack[-1]
        top.key, top.key_node = key, top.node.add(key, span)

    def slot(self) -> Node:
        """The source-map node of the value about to be placed."""
        if not self.stack:
            return self.smap.root
        top = self.stack[-1]
        if isinstance(top.container, list):
            return top.node.add(None)
        return top.key_node or Node()

    def child_pointer(self) -> str:
        if not self.stack:
            return ""
        top = self.stack[-1]
        if isinstance(top.container, list):
            return top.pointer + "/" + str(len(top.container))
        return top.pointer + "/" + escape_token(top.key or "")

    def place(self, value: Any, count: int, span: Span) -> None:
        self.charge(count, span)
        if not self.stack:
            self.root, self.has_root = value, True
            return
        top = self.stack[-1]
        top.count += count
        top.last_end = span[2:]
        if isinstance(top.container, list):
            top.container.append(value)
            return
        key = top.key or ""
        if key == "<<" and isinstance(value, (dict, list)):
            top.merges.append(value)
        else:
            if key in top.seen and top.key_node and top.key_node.key_span:
                key_span = cast(Span, top.key_node.key_span)  # YAML spans are never offsets
                self.duplicates.append((top.pointer + "/" + escape_token(key), key_span))
            top.seen.add(key)
            top.container[key] = value
        top.key, top.key_node = None, None

    # -- events -----------------------------------------------------------------------------
    def scalar(self, event: Any) -> None:
        if self.wants_key():
            self.set_key(event.value, _span(event))
            if event.anchor:  # `&k name: ...` then `*k` elsewhere is the text "name"
                self.anchors[event.anchor] = (event.value, 1)
            return
        node = self.slot()
        node.span = _span(event)
        value = _intrinsic(event.tag, _scalar_value(event))
        if event.anchor:
            self.anchors[event.anchor] = (value, 1)
        self.place(value, 1, node.span)

    def start(self, event: Any, container: dict[str, Any] | list[Any]) -> None:
        if len(self.stack) >= MAX_DEPTH:
            raise YamlReadError("AGW105", _span(event), limit=MAX_DEPTH)
        is_key = self.wants_key()
        node = Node() if is_key else self.slot()
        node.children = {} if isinstance(container, dict) else []
        pointer = self.stack[-1].pointer + "/?" if is_key else self.child_pointer()
        if event.anchor:
            self.open_anchors.add(event.anchor)
        mark = event.start_mark
        self.stack.append(
            _Frame(
                container,
                node,
                pointer,
                event.tag,
                event.anchor,
                (mark.line + 1, mark.column + 1),
                bool(event.flow_style),
                is_key,
            )
        )

    def end(self, event: Any) -> None:
        frame = self.stack.pop()
        # A block collection's end event sits on the next token; it ends where its last value does.
        end = frame.last_end if not frame.flow and frame.last_end else _span(event)[2:]
        frame.node.span = span = (*frame.start, *end)
        value = frame.container
        if frame.merges:
            value = _merge(value, frame.merges)
        value = _intrinsic(frame.tag, value)
        if frame.anchor:
            self.open_anchors.discard(frame.anchor)
            self.anchors[frame.anchor] = (value, frame.count)
        if frame.is_key:
            self.set_key(json.dumps(value, sort_keys=True, default=str), span)
            return
        self.total -= frame.count - 1  # children were already counted when placed
        self.place(value, frame.count, span)

    def alias(self, event: Any) -> None:
        if event.anchor in self.open_anchors:
            raise YamlReadError(
                "AGW103", _span(event), reason=f"alias *{event.anchor} refers to itself"
            )
        if event.anchor not in self.anchors:
            raise YamlReadError("AGW103", _span(event), reason=f"unknown alias *{event.anchor}")
        value, count = self.anchors[event.anchor]
        if self.wants_key():  # the key's text is as large as the value: charge it like one
            self.charge(count, _span(event))
            self.set_key(
                value if isinstance(value, str) else json.dumps(value, default=str), _span(event)
            )
            return
        node = self.slot()
        node.span = _span(event)
        self.place(value, count, node.span)


def _merge(mapping: dict[str, Any], merges: list[Any]) -> dict[str, Any]:
    """YAML 1.1 merge keys: explicit keys win over merged ones, earlier merges over later."""
    merged: dict[str, Any] = {}
    sources = [m for item in merges for m in (item if isinstance(item, list) else [item])]
    for source in sources:
        if isinstance(source, dict):
            for key, value in source.items():
                merged.setdefault(key, value)
    merged.update(mapping)
    return merged


def _intrinsic(tag: str | None, value: Any) -> Any:
    fn = _INTRINSIC_TAGS.get(tag or "")
    if fn is None:
        return value
    if fn == "Fn::GetAtt" and isinstance(value, str):
        head, _, tail = value.partition(".")
        return {fn: [head, tail]}
    return {fn: value}


Parsed = tuple[Any, SourceMap, list[tuple[str, Span]]]


class _LibraryNestingLimit(Exception):
    """libyaml stopped at its own nesting limit; `offset` is where (a character index)."""

    def __init__(self, offset: int) -> None:
        super().__init__(offset)
        self.offset = offset


def read_yaml(text: str) -> Parsed:
    """Parse one YAML document. Raises YamlReadError with a code and span on failure.

    Our MAX_DEPTH decides, whatever the PyYAML version. libyaml as bundled since PyYAML 6.0.3
    refuses 1,000 nesting levels, and its scanner looks up to 1,024 characters ahead (for a
    possible simple key) before it hands a token on: `[[[[...` trips that limit before the
    parser has given MAX_DEPTH start events. The levels before the point where it stopped are
    real, so the text before that point, read again, reaches MAX_DEPTH on its own and gives
    AGW105 at the first level past it. Should a library's limit ever be below ours, the
    pure-Python parser (no limit; slower, and only ever used for such a document) reads it.
    """
    try:
        return _read(text, _Loader)
    except _LibraryNestingLimit as stopped:
        try:
            _read(text[: stopped.offset], _Loader)
        except YamlReadError as err:
            if err.code == "AGW105":
                raise
        except _LibraryNestingLimit:
            pass
    return _read(text, yaml.SafeLoader)


def _read(text: str, loader: Any) -> Parsed:
    smap = SourceMap()
    builder = _Builder(smap)
    try:
        for event in yaml.parse(text, Loader=loader):
            kind = type(event)
            if kind is yaml.ScalarEvent:
                builder.scalar(event)
            elif kind is yaml.MappingStartEvent:
                builder.start(event, {})
            elif kind is yaml.SequenceStartEvent:
                builder.start(event, [])
            elif kind in (yaml.MappingEndEvent, yaml.SequenceEndEvent):
                builder.end(event)
            elif kind is yaml.AliasEvent:
                builder.alias(event)
            elif kind is yaml.DocumentStartEvent and builder.has_root:
                raise YamlReadError(
                    "AGW103", _span(event), reason="more than one YAML document in the file"
                )
    except yaml.MarkedYAMLError as exc:
        if exc.problem == _LIBYAML_NESTING and exc.problem_mark is not None:
            stop = exc.problem_mark
            raise _LibraryNestingLimit(_offset(text, stop.line, stop.column)) from None
        mark = exc.problem_mark or exc.context_mark
        span = (mark.line + 1, mark.column + 1, mark.line + 1, mark.column + 2) if mark else None
        reason = " ".join(p for p in (exc.context, exc.problem) if p) or str(exc)
        raise YamlReadError("AGW103", span, reason=reason) from None
    except yaml.YAMLError as exc:  # the reader's "unacceptable character": no line, only an offset
        reason = str(exc).split("\n", 1)[0]
        raise YamlReadError("AGW103", _non_printable(text), reason=reason) from None
    return builder.root, smap, builder.duplicates


# libyaml's message when a flow or block level passes its own limit (yaml_set_max_nest_level).
_LIBYAML_NESTING = "exceeded maximum nesting depth"
# Line breaks as YAML (and so a mark's line count) knows them.
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def _offset(text: str, line: int, column: int) -> int:
    """The character index of a 0-based (line, column) mark."""
    start = 0
    if line:
        for number, found in enumerate(_LINE_BREAK.finditer(text), 1):
            if number == line:
                start = found.end()
                break
    return start + column


# The characters YAML 1.1 lets a stream hold (PyYAML's Reader.NON_PRINTABLE, inverted).
_NON_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


def _non_printable(text: str) -> Span | None:
    found = _NON_PRINTABLE.search(text)
    if found is None:
        return None
    offset = found.start()
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return (line, column, line, column + 1)
