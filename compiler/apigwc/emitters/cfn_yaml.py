"""YAML for CloudFormation and SAM templates, with short-form intrinsics.

Flows in: a template as plain dicts, intrinsics in their long JSON form (`{"Ref": x}`,
`{"Fn::GetAtt": [a, b]}`, ...). Flows out: YAML text where each intrinsic is written in the
short form people write by hand (`!Ref x`, `!GetAtt a.b`, `!Sub ...`, `!If [...]`). Keys keep
their insertion order and no anchors or aliases are written, so equal dicts give equal bytes.
"""

from __future__ import annotations

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
    """An intrinsic on its way to YAML: the `!tag` and its (already converted) argument."""

    tag: str
    value: Any


def short_form(value: Any) -> Any:
    """The template with every intrinsic replaced by a `Tagged` node, recursively."""
    if isinstance(value, dict):
        if len(value) == 1:
            ((key, arg),) = value.items()
            tagged = _tagged(key, arg)
            if tagged is not None:
                return tagged
        return {k: short_form(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [short_form(v) for v in value]
    return value


def _tagged(key: str, arg: Any) -> Tagged | None:
    if key == "Ref" and isinstance(arg, str):
        return Tagged("!Ref", arg)
    if key == "Condition" and isinstance(arg, str):
        return Tagged("!Condition", arg)
    if key == "Fn::GetAtt" and _dotted_getatt(arg):
        # `!GetAtt A.B` only when both parts are plain strings; `[A, !Ref X]` keeps the list.
        return Tagged("!GetAtt", f"{arg[0]}.{arg[1]}")
    if key in SHORT_FORMS:
        return Tagged("!" + key.removeprefix("Fn::"), short_form(arg))
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

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def represent(self, data: Any) -> None:
        """Represent with `_node` (the template holds only JSON values and `Tagged` nodes), then
        serialize as PyYAML's `represent` does."""
        self.serialize(self._node(data))
        self.represented_objects.clear()
        self.object_keeper.clear()
        self.alias_key = None

    def _node(self, data: Any) -> yaml.Node:
        """The node SafeRepresenter builds for `data` with `default_flow_style=False` and no
        aliases, without its per-value dispatch: representing is most of a large template's
        dump time once libyaml emits. Floats and anything unusual still go through PyYAML."""
        kind = type(data)
        if kind is str:
            return yaml.ScalarNode(STR_TAG, data)
        if kind is dict:
            node = self._node
            pairs = [(node(key), node(value)) for key, value in data.items()]
            return yaml.MappingNode(MAP_TAG, pairs, flow_style=False)
        if kind is list:
            return yaml.SequenceNode(SEQ_TAG, [self._node(item) for item in data], flow_style=False)
        if kind is Tagged:
            value = data.value
            if isinstance(value, dict):
                pairs = [(self._node(k), self._node(v)) for k, v in value.items()]
                return yaml.MappingNode(data.tag, pairs, flow_style=False)
            if isinstance(value, list):
                items = [self._node(item) for item in value]
                return yaml.SequenceNode(data.tag, items, flow_style=False)
            return yaml.ScalarNode(data.tag, str(value))
        if kind is bool:
            return yaml.ScalarNode(BOOL_TAG, "true" if data else "false")
        if kind is int:
            return yaml.ScalarNode(INT_TAG, str(data))
        if data is None:
            return yaml.ScalarNode(NULL_TAG, "null")
        return self.represent_data(data)  # type: ignore[no-any-return]


class TemplateDumper(JsonDumper):
    """JsonDumper that writes `Tagged` nodes as short-form intrinsics."""

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


def _represent_tagged(dumper: yaml.SafeDumper, data: Tagged) -> yaml.Node:
    if isinstance(data.value, dict):
        return dumper.represent_mapping(data.tag, data.value)
    if isinstance(data.value, list):
        return dumper.represent_sequence(data.tag, data.value)
    return dumper.represent_scalar(data.tag, str(data.value))


TemplateDumper.add_representer(Tagged, _represent_tagged)


def dump_template(template: dict[str, Any]) -> str:
    return str(
        yaml.dump(
            short_form(template),
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
