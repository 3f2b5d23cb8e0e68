"""YAML text -> (plain Python data, SourceMap), from libyaml's event stream.

Why events rather than `yaml.load`: the composer behind `yaml.load`/`compose` is recursive in C
and crashes the interpreter on a few hundred thousand nested brackets, and it drops marks. Here one
iterative loop builds the data, records every pointer's span, bounds nesting (`MAX_DEPTH`) and
counts the values an alias expands to (`MAX_VALUES`), so hostile input ends as a diagnostic.

Mapping keys are the scalar's source text (`200:` is the key "200", as API Gateway reads it).
CloudFormation short forms (`!Sub`, `!Ref`, `!GetAtt`, ...) become their long JSON form
(`{"Fn::Sub": ...}`), which is what CloudFormation itself does before reading a body.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import yaml

from apigwc.loader.limits import MAX_DEPTH, MAX_VALUES
from apigwc.loader.positions import SourceMap, Span, escape_token

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
    return construct(yaml.ScalarNode(tag, event.value))


@dataclass
class _Frame:
    container: Any
    pointer: str
    tag: str | None
    anchor: str | None
    start: Any
    count: int = 1
    pending_key: str | None = None
    key_span: Span | None = None
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
    def child_pointer(self) -> str:
        top = self.stack[-1]
        if isinstance(top.container, list):
            return top.pointer + "/" + str(len(top.container))
        return top.pointer + "/" + escape_token(top.pending_key or "")

    def place(self, value: Any, count: int) -> None:
        self.total += count
        if self.total > MAX_VALUES:
            raise YamlReadError("AGW107", None, limit=MAX_VALUES)
        if not self.stack:
            self.root, self.has_root = value, True
            return
        top = self.stack[-1]
        top.count += count
        if isinstance(top.container, list):
            top.container.append(value)
        elif top.pending_key == "<<" and isinstance(value, (dict, list)):
            top.merges.append(value)
            top.pending_key = None
        else:
            key = top.pending_key or ""
            if key in top.seen and top.key_span is not None:
                self.duplicates.append((top.pointer + "/" + escape_token(key), top.key_span))
            top.seen.add(key)
            top.container[key] = value
            top.pending_key = None

    def wants_key(self) -> bool:
        top = self.stack[-1] if self.stack else None
        return top is not None and isinstance(top.container, dict) and top.pending_key is None

    # -- events -----------------------------------------------------------------------------
    def scalar(self, event: Any) -> None:
        if self.wants_key():
            top = self.stack[-1]
            top.pending_key = event.value
            top.key_span = _span(event)
            self.smap.keys[top.pointer + "/" + escape_token(event.value)] = top.key_span
            return
        pointer = self.child_pointer() if self.stack else ""
        self.smap.values[pointer] = _span(event)
        value = _scalar_value(event)
        value = _intrinsic(event.tag, value)
        if event.anchor:
            self.anchors[event.anchor] = (value, 1)
        self.place(value, 1)

    def start(self, event: Any, container: Any) -> None:
        if len(self.stack) >= MAX_DEPTH:
            raise YamlReadError("AGW105", _span(event), limit=MAX_DEPTH)
        if self.wants_key():  # a complex (non-scalar) key: rare; read it as JSON text
            pointer = self.stack[-1].pointer + "/?"
        else:
            pointer = self.child_pointer() if self.stack else ""
        if event.anchor:
            self.open_anchors.add(event.anchor)
        self.stack.append(_Frame(container, pointer, event.tag, event.anchor, event.start_mark))

    def end(self, event: Any) -> None:
        frame = self.stack.pop()
        s, e = frame.start, event.end_mark
        self.smap.values[frame.pointer] = (s.line + 1, s.column + 1, e.line + 1, e.column + 1)
        value = frame.container
        if frame.merges:
            value = _merge(value, frame.merges)
        value = _intrinsic(frame.tag, value)
        if frame.anchor:
            self.open_anchors.discard(frame.anchor)
            self.anchors[frame.anchor] = (value, frame.count)
        if frame.pointer.endswith("/?") and self.wants_key():
            top = self.stack[-1]
            top.pending_key = json.dumps(value, sort_keys=True, default=str)
            return
        self.total -= frame.count - 1  # children were already counted when placed
        self.place(value, frame.count)

    def alias(self, event: Any) -> None:
        if event.anchor in self.open_anchors:
            raise YamlReadError("AGW103", _span(event), reason=f"alias *{event.anchor} refers to itself")
        if event.anchor not in self.anchors:
            raise YamlReadError("AGW103", _span(event), reason=f"unknown alias *{event.anchor}")
        value, count = self.anchors[event.anchor]
        if self.wants_key():
            top = self.stack[-1]
            top.pending_key = value if isinstance(value, str) else json.dumps(value, default=str)
            top.key_span = _span(event)
            return
        pointer = self.child_pointer() if self.stack else ""
        self.smap.values[pointer] = _span(event)
        self.place(value, count)


def _merge(mapping: dict[str, Any], merges: list[Any]) -> dict[str, Any]:
    """YAML 1.1 merge keys: explicit keys win over merged ones, earlier merges over later."""
    merged: dict[str, Any] = {}
    sources = [m for item in merges for m in (item if isinstance(item, list) else [item])]
    for source in reversed(sources):
        if isinstance(source, dict):
            merged.update(source)
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


def read_yaml(text: str) -> tuple[Any, SourceMap, list[tuple[str, Span]]]:
    """Parse one YAML document. Raises YamlReadError with a code and span on failure."""
    smap = SourceMap()
    builder = _Builder(smap)
    try:
        for event in yaml.parse(text, Loader=_Loader):
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
        mark = exc.problem_mark or exc.context_mark
        span = (mark.line + 1, mark.column + 1, mark.line + 1, mark.column + 2) if mark else None
        reason = " ".join(p for p in (exc.context, exc.problem) if p) or str(exc)
        raise YamlReadError("AGW103", span, reason=reason) from None
    except yaml.YAMLError as exc:
        raise YamlReadError("AGW103", None, reason=str(exc)) from None
    return builder.root, smap, builder.duplicates
