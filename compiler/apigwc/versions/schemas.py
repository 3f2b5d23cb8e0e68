"""Is a request model stricter than another: what a body the old model accepted may now fail.

Flows in: two JSON Schemas (draft 4, as API Gateway validates bodies) with model references
`{"$ref": "#/models/<Name>"}` and a resolver for them. Flows out: the reasons, in words, each
naming the property it is about (`$.pet.name`); none when the new schema accepts at least what
the old one did, as far as these keywords tell.

The keywords compared are those that narrow what validates: `type`, `required`, `enum`,
`additionalProperties: false`, the bounds (`minLength`, `maxLength`, `minimum`, `maximum`,
`exclusiveMinimum`, `exclusiveMaximum`, `minItems`, `maxItems`, `minProperties`,
`maxProperties`), `pattern` and `format`, followed into `properties` and `items`. A keyword
the comparison does not read (`allOf`, `oneOf`, `not`, ...) changed at all counts as stricter:
unsure, the safe answer is to call it breaking.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Resolve = Callable[[Any], Any]
# (OLD's resolver, NEW's): each version's `$ref`s name its own models
Resolvers = tuple[Resolve, Resolve]
_LOWER = ("minLength", "minimum", "minItems", "minProperties")  # raising these narrows
_UPPER = ("maxLength", "maximum", "maxItems", "maxProperties")  # lowering these narrows
_SAME = ("pattern", "format", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "uniqueItems")
_OPAQUE = ("allOf", "anyOf", "oneOf", "not", "dependencies", "patternProperties")
_MAX_DEPTH = 32


def stricter(old: Any, new: Any, resolve: Resolvers, at: str = "$", depth: int = 0) -> list[str]:
    """The ways `new` refuses what `old` accepted."""
    old, new = resolve[0](old), resolve[1](new)
    if depth > _MAX_DEPTH or old == new:
        return []
    if not isinstance(new, dict) or not new:
        return []  # no schema, or {}: accepts anything
    if not isinstance(old, dict) or not old:
        return [f"{at} has a schema where none was"]
    reasons = _types(old, new, at) + _enum(old, new, at) + _bounds(old, new, at)
    reasons += _required(old, new, at) + _additional(old, new, at)
    reasons += [f"{at}: {k} changed" for k in _OPAQUE if old.get(k) != new.get(k) and k in new]
    reasons += _properties(old, new, resolve, at, depth)
    if "items" in new:
        reasons += stricter(old.get("items"), new["items"], resolve, f"{at}[]", depth + 1)
    return reasons


def _type_set(schema: dict[str, Any]) -> set[str] | None:
    kind = schema.get("type")
    if kind is None:
        return None
    kinds = set(kind) if isinstance(kind, list) else {str(kind)}
    return kinds | {"integer"} if "number" in kinds else kinds


def _types(old: dict[str, Any], new: dict[str, Any], at: str) -> list[str]:
    before, after = _type_set(old), _type_set(new)
    if after is None or (before is not None and before <= after):
        return []
    return [f"{at} must be {new.get('type')} (was {old.get('type', 'any type')})"]


def _enum(old: dict[str, Any], new: dict[str, Any], at: str) -> list[str]:
    if "enum" not in new or not isinstance(new["enum"], list):
        return []
    if not isinstance(old.get("enum"), list):
        return [f"{at} is limited to {new['enum']}"]
    gone = [v for v in old["enum"] if v not in new["enum"]]
    return [f"{at} no longer accepts {gone}"] if gone else []


def _bounds(old: dict[str, Any], new: dict[str, Any], at: str) -> list[str]:
    reasons = []
    for key in (*_LOWER, *_UPPER):
        value, before = new.get(key), old.get(key)
        if not isinstance(value, (int, float)) or value == before:
            continue
        if not isinstance(before, (int, float)) or (value > before) == (key in _LOWER):
            reasons.append(f"{at}: {key} {value} (was {before if before is not None else 'none'})")
    for key in _SAME:
        if key in new and new[key] != old.get(key):
            reasons.append(f"{at}: {key} {new[key]!r} (was {old.get(key, 'none')!r})")
    return reasons


def _required(old: dict[str, Any], new: dict[str, Any], at: str) -> list[str]:
    old_required, after = old.get("required"), new.get("required")
    before = set(old_required) if isinstance(old_required, list) else set()
    after = after if isinstance(after, list) else []
    return [f"{at}.{name} is required" for name in after if name not in before]


def _additional(old: dict[str, Any], new: dict[str, Any], at: str) -> list[str]:
    if new.get("additionalProperties") is False and old.get("additionalProperties") is not False:
        return [f"{at} accepts no property beyond its own (additionalProperties: false)"]
    return []


def _properties(
    old: dict[str, Any], new: dict[str, Any], resolve: Resolvers, at: str, depth: int
) -> list[str]:
    before, after = old.get("properties"), new.get("properties")
    if not isinstance(after, dict):
        return []
    before = before if isinstance(before, dict) else {}
    reasons = []
    for name, schema in after.items():
        if name in before:
            reasons += stricter(before[name], schema, resolve, f"{at}.{name}", depth + 1)
        elif old.get("additionalProperties") is not False and resolve[1](schema):
            # a property the old model let through with any value now has a schema
            reasons.append(f"{at}.{name} now has a schema")
    return reasons
