"""YAML for CloudFormation and SAM templates, with short-form intrinsics.

Flows in: a template as plain dicts, intrinsics in their long JSON form (`{"Ref": x}`,
`{"Fn::GetAtt": [a, b]}`, ...). Flows out: YAML text where each intrinsic is written in the
short form people write by hand (`!Ref x`, `!GetAtt a.b`, `!Sub ...`, `!If [...]`). Keys keep
their insertion order and no anchors or aliases are written, so equal dicts give equal bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

# `Fn::X` functions that have a `!X` short form (CloudFormation's YAML short forms).
SHORT_FORMS = frozenset(
    {
        "Fn::And",
        "Fn::Base64",
        "Fn::Cidr",
        "Fn::Equals",
        "Fn::FindInMap",
        "Fn::GetAZs",
        "Fn::GetAtt",
        "Fn::If",
        "Fn::ImportValue",
        "Fn::Join",
        "Fn::Length",
        "Fn::Not",
        "Fn::Or",
        "Fn::Select",
        "Fn::Split",
        "Fn::Sub",
        "Fn::ToJsonString",
        "Fn::Transform",
    }
)


@dataclass(frozen=True)
class Tagged:
    """An intrinsic on its way to YAML: the `!tag` and its argument (intrinsics inside it are
    written in their short form too)."""

    tag: str
    value: Any


def _tagged(key: str, arg: Any) -> Tagged | None:
    """The short form of the intrinsic `{key: arg}`, or None when it has none."""
    if key == "Ref" and isinstance(arg, str):
        return Tagged("!Ref", arg)
    if key == "Condition" and isinstance(arg, str):
        return Tagged("!Condition", arg)
    if key == "Fn::GetAtt" and _dotted_getatt(arg):
        # `!GetAtt A.B` only when both parts are plain strings; `[A, !Ref X]` keeps the list.
        return Tagged("!GetAtt", f"{arg[0]}.{arg[1]}")
    if key in SHORT_FORMS:
        return Tagged("!" + key.removeprefix("Fn::"), arg)
    return None


def _dotted_getatt(arg: Any) -> bool:
    return (
        isinstance(arg, list)
        and len(arg) == 2
        and all(isinstance(part, str) for part in arg)
        and "." not in arg[0]
    )


# libyaml's emitter (PyYAML's C extension) when it is built in: the pure-Python emitter is most of a
# large build's time. Both write a tagged scalar plain when YAML allows, so `!Ref Api` either way.
STR_TAG = "tag:yaml.org,2002:str"
MAP_TAG = "tag:yaml.org,2002:map"
SEQ_TAG = "tag:yaml.org,2002:seq"
BOOL_TAG = "tag:yaml.org,2002:bool"
INT_TAG = "tag:yaml.org,2002:int"
NULL_TAG = "tag:yaml.org,2002:null"

_BaseDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class JsonDumper(_BaseDumper):  # type: ignore[misc]
    """SafeDumper for JSON values (and `Tagged` nodes) that never uses aliases."""

    short_forms = False  # whether intrinsics are written `!Ref x` (templates) or as mappings

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._implicit_tags: dict[str, str] = {}

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def represent(self, data: Any) -> None:
        """Represent with `_node_builder` (the data holds only JSON values and `Tagged`
        nodes), then serialize as PyYAML's `represent` does."""
        fallbacks = [self.represent_data]
        try:
            node = _node_builder(fallbacks, self.short_forms)(data)
        finally:
            # The builder's functions refer to each other (a cycle, left to the cycle collector,
            # which `apigwc build` pauses): they must not keep the dumper and its text alive.
            fallbacks.clear()
        self.serialize(node)
        self.represented_objects.clear()
        self.object_keeper.clear()
        self.alias_key = None

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        """PyYAML's `resolve` for a dumper without path resolvers, which ours never have. The
        emitter asks it twice for every scalar (whether it may be written plain), so the
        answer for each string is kept: a template repeats most of its strings many times."""
        if kind is yaml.ScalarNode and implicit[0]:
            tag = self._implicit_tags.get(value)
            if tag is None:
                tag = self._implicit_tags[value] = super().resolve(kind, value, implicit)
            return tag
        return _DEFAULT_TAGS[kind]


_DEFAULT_TAGS = {yaml.ScalarNode: STR_TAG, yaml.SequenceNode: SEQ_TAG, yaml.MappingNode: MAP_TAG}


def _node_builder(
    fallbacks: list[Callable[[Any], yaml.Node]], short_forms: bool
) -> Callable[[Any], yaml.Node]:
    """A function giving the node SafeRepresenter builds for a value with
    `default_flow_style=False` and no aliases, without its per-value dispatch: representing is
    most of a large template's dump time once libyaml emits. With `short_forms`, every
    one-key mapping that is an intrinsic becomes its `!tag` node on the way. Floats and
    anything unusual still go through PyYAML (`fallbacks[0]`). Names are bound locally and string
    keys and values, most of a document, are made inline, for speed."""
    scalar, mapping, sequence = yaml.ScalarNode, yaml.MappingNode, yaml.SequenceNode

    def node(data: Any) -> yaml.Node:
        kind = type(data)
        if kind is str:
            return scalar(STR_TAG, data)
        if kind is dict:
            if short_forms and len(data) == 1:
                ((key, arg),) = data.items()
                intrinsic = _tagged(key, arg)
                if intrinsic is not None:
                    return tagged(intrinsic)
            return mapping(MAP_TAG, pairs(data), flow_style=False)
        if kind is list or kind is tuple:
            return sequence(SEQ_TAG, items(data), flow_style=False)
        if kind is Tagged:
            return tagged(data)
        if kind is bool:
            return scalar(BOOL_TAG, "true" if data else "false")
        if kind is int:
            return scalar(INT_TAG, str(data))
        if data is None:
            return scalar(NULL_TAG, "null")
        return fallbacks[0](data)

    def tagged(data: Tagged) -> yaml.Node:
        value = data.value
        if isinstance(value, dict):
            return mapping(data.tag, pairs(value), flow_style=False)
        if isinstance(value, list | tuple):
            return sequence(data.tag, items(value), flow_style=False)
        return scalar(data.tag, str(value))

    def pairs(data: dict[Any, Any]) -> list[tuple[yaml.Node, yaml.Node]]:
        return [
            (
                scalar(STR_TAG, key) if type(key) is str else node(key),
                scalar(STR_TAG, value) if type(value) is str else node(value),
            )
            for key, value in data.items()
        ]

    def items(data: list[Any] | tuple[Any, ...]) -> list[yaml.Node]:
        return [scalar(STR_TAG, item) if type(item) is str else node(item) for item in data]

    return node


class TemplateDumper(JsonDumper):
    """JsonDumper that writes intrinsics in their short form."""

    short_forms = True

    def choose_scalar_style(self) -> str:
        """PyYAML quotes every scalar with an explicit tag; a short-form intrinsic's argument is a
        string whatever it looks like, so write it plain when YAML allows (`!Ref Api`). Only the
        pure-Python emitter calls this; libyaml already writes such a scalar plain."""
        style = str(super().choose_scalar_style())
        event, analysis = self.event, self.analysis
        if (
            style == "'"
            and isinstance(event, yaml.ScalarEvent)
            and (event.tag or "").startswith("!")
            and not event.style
            and analysis is not None
            and analysis.allow_block_plain
            and not analysis.empty
            and not analysis.multiline
            and not self.flow_level
        ):
            return ""
        return style


def dump_template(template: dict[str, Any]) -> str:
    return str(
        yaml.dump(
            template,
            Dumper=TemplateDumper,
            sort_keys=False,
            allow_unicode=True,
            width=100,
            default_flow_style=False,
        )
    )


def dump_document(document: dict[str, Any]) -> str:
    """A plain JSON document (the OpenAPI export) as YAML, as `apigwc.export.serialize` writes it."""
    return str(
        yaml.dump(document, Dumper=JsonDumper, sort_keys=False, allow_unicode=True, width=100)
    )


# Stands in for the body while the rest of a template is written; a plain scalar in YAML.
BODY_MARK = "apigwc-body-placeholder"


def dump_template_with_body(
    template: dict[str, Any], keys: tuple[str, ...], written: list[tuple[Any, str]]
) -> str:
    """`dump_template(template)`, with the mapping at `keys` (the API body, most of a large
    template) written once per build: `written` holds bodies already written at the same depth
    with their YAML lines, which libyaml wraps by column only, so the text can be reused."""
    parent: Any = template
    for key in keys[:-1]:
        parent = parent.get(key) if isinstance(parent, dict) else None
    body = parent.get(keys[-1]) if isinstance(parent, dict) else None
    if not isinstance(body, dict) or not body:
        return dump_template(template)
    text = next((text for seen, text in written if len(seen) == len(body) and seen == body), None)
    if text is None:
        text = _nested_text(body, keys)
        if text is None:
            return dump_template(template)
        written.append((body, text))
    parent[keys[-1]] = BODY_MARK
    try:
        outer = dump_template(template)
    finally:
        parent[keys[-1]] = body
    line = f"{'  ' * (len(keys) - 1)}{keys[-1]}:"
    if outer.count(f"{line} {BODY_MARK}\n") != 1:
        return dump_template(template)
    return outer.replace(f"{line} {BODY_MARK}\n", f"{line}\n{text}")


def _nested_text(body: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    """The YAML lines of `body` nested under `keys` (one plain key per line), without those keys."""
    wrapper: Any = body
    for key in reversed(keys):
        wrapper = {key: wrapper}
    full = dump_template(wrapper)
    prefix = "".join(f"{'  ' * depth}{key}:\n" for depth, key in enumerate(keys))
    return full[len(prefix) :] if full.startswith(prefix) else None
