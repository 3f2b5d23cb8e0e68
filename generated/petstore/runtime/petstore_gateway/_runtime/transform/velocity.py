"""Velocity on Java, as API Gateway runs it: the value model (runtime reference §3).

Part of the runtime support library copied verbatim into every generated gateway: relative imports
only. `vtl.py` is the API; `velocity_engine.py` adapts the airspeed engine; this module holds what
both share: how Java prints values, the Java-style members a template may call, and the errors.

- values print as Java's `toString`: maps `{k=v, k2=v2}`, lists `[a, b]`, JSON arrays from
  `$input.path` as compact JSON (§3.2), booleans `true`/`false`, doubles `1.0E10`; null prints as
  nothing (AWS, unlike plain Velocity, [AWS-REC] §3.2/§3.4/§3.5), and so do the maps AWS keeps
  opaque (`SilentMap`: `$context.identity`, the override maps); what would print, or a string
  method's result, longer than `render_budget.MAX_TEXT_CHARS` raises `BudgetExceeded`;
- members resolve only to Java-style methods of strings, lists and maps, to map keys and to the
  listed public members of `VtlObject`s ($input, $util, map entries), so a template (untrusted spec
  text) cannot reach Python internals.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Final

from ..validation.java_regex import java_pattern
from .render_budget import MAX_TEXT_CHARS, BudgetExceeded, bounded_text

FOREACH_LIMIT: Final = 1000
"""API Gateway's Velocity `maxloops`: a longer `#foreach` silently stops (§3.1)."""


class VtlRenderError(RuntimeError):
    """Rendering failed; API Gateway answers 500 Internal server error."""


class VtlObject:
    """Objects whose listed public members a template may use ($input, $util)."""

    members: ClassVar[frozenset[str]] = frozenset()


# ---------------------------------------------------------------------------------------------
# Java rendering of values
# ---------------------------------------------------------------------------------------------


class JsonArray(list[Any]):
    """A JSON array from `$input.path` / `$util.parseJson`: prints as compact JSON (§3.2)."""

    def __str__(self) -> str:
        # A template can grow the array (`add`) past what its input held: measure it first.
        _printed_length(self, MAX_TEXT_CHARS)
        return json.dumps(self, separators=(",", ":"), ensure_ascii=False, default=str)


class SilentMap(dict[str, Any]):
    """A map AWS prints as nothing: `$context.identity` and the override maps (§3.4)."""

    __slots__ = ()


class MissingPath:
    """What `$input.path` returns for a missing path: renders empty, equals `$null` and `""`."""

    def __eq__(self, other: object) -> bool:
        return other is None or other == "" or isinstance(other, MissingPath)

    def __hash__(self) -> int:
        return 0

    def __bool__(self) -> bool:
        return False

    def __str__(self) -> str:
        return ""


NULL: Final = MissingPath()


def is_null(value: Any) -> bool:
    """Java null: None, or the missing-path marker."""
    return value is None or isinstance(value, MissingPath)


def java_string(value: Any) -> str:
    """How Velocity on Java prints a value (`toString`), with null printed as nothing."""
    if is_null(value):
        return ""
    return _java_to_string(value)


def _java_to_string(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _java_double(value)
    if isinstance(value, JsonArray):
        return str(value)
    if isinstance(value, SilentMap):
        return ""
    if isinstance(value, Mapping | list | tuple):
        _printed_length(value, MAX_TEXT_CHARS)
        if isinstance(value, Mapping):
            return "{" + ", ".join(f"{k}={_java_to_string(v)}" for k, v in value.items()) + "}"
        return "[" + ", ".join(_java_to_string(v) for v in value) + "]"
    return str(value)


def _printed_length(value: Any, limit: int) -> int:
    """At least the length `value` prints to, counted without building it; `BudgetExceeded`
    past `limit` (a list a template filled with one long string, printed as a whole)."""
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, Mapping):
            total += 2 * len(item)
            stack.extend(item.values())
            stack.extend(str(key) for key in item)
        elif isinstance(item, list | tuple):
            total += 2 * len(item)
            stack.extend(item)
        else:
            total += 1
        if total > limit:
            raise BudgetExceeded(f"template text longer than {limit} characters")
    return total


def _java_double(value: float) -> str:
    # Double.toString: "1.0", "0.001", "1.0E7"; NaN/Infinity spelled the Java way.
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value != 0 and not 1e-3 <= abs(value) < 1e7:
        mantissa, exponent = f"{value:.16e}".split("e")
        digits = repr(float(mantissa)).rstrip("0")
        return f"{digits}{'0' if digits.endswith('.') else ''}E{int(exponent)}"
    return repr(value)


def java_string_hash(text: str) -> int:
    """Java's `String.hashCode()` (over UTF-16 code units), as an unsigned 32-bit value."""
    units = text.encode("utf-16-le")
    code = 0
    for index in range(0, len(units), 2):
        code = (31 * code + (units[index] | units[index + 1] << 8)) & 0xFFFFFFFF
    return code


@functools.lru_cache(maxsize=64)
def hash_map_order(keys: tuple[str, ...]) -> tuple[str, ...]:
    """The iteration order of a `java.util.HashMap` whose keys were put in the order given.

    API Gateway's `$context` maps are HashMaps: the recorded `$context.keySet()` (18 keys) and
    `$context.identity.keySet()` (12 keys) run in bucket order of a default HashMap (capacity
    16, doubled past a 0.75 load), keys sharing a bucket in insertion order ([AWS-REC] §3.4)."""
    capacity = 16
    while len(keys) > capacity * 3 // 4:
        capacity *= 2

    def bucket(key: str) -> int:
        code = java_string_hash(key)
        return (code ^ (code >> 16)) & (capacity - 1)

    return tuple(sorted(keys, key=bucket))  # a stable sort keeps insertion order per bucket


def to_vtl(value: Any) -> Any:
    """Parsed JSON → template values: arrays become `JsonArray` (recursively)."""
    if isinstance(value, list):
        return JsonArray(to_vtl(item) for item in value)
    if isinstance(value, dict):
        return {key: to_vtl(item) for key, item in value.items()}
    return value


# ---------------------------------------------------------------------------------------------
# Java members of strings, lists and maps
# ---------------------------------------------------------------------------------------------


def _java_regex(pattern: Any) -> Any:
    """A template's regex argument read as Java reads it (API Gateway runs Velocity on Java):
    `[\\w-_]`, `\\p{Alpha}`, `\\z`, named groups, `\\Q…\\E`. A pattern that cannot be
    translated raises `PatternError`, which fails the render (500), as Java's own
    `PatternSyntaxException` fails API Gateway's."""
    return _translated(pattern) if isinstance(pattern, str) else pattern


@functools.lru_cache(maxsize=256)
def _translated(pattern: str) -> str:
    return java_pattern(pattern)


def _java_replacement(replacement: str) -> Callable[[re.Match[str]], str]:
    """Java `Matcher.replaceAll` replacement text: `$n` is group n, `\\x` is a literal x."""
    pieces: list[str | int] = []
    for match in re.finditer(r"\\(.)|\$(\d)|([^\\$]+|\$)", replacement, re.S):
        escaped, group, text = match.groups()
        pieces.append(int(group) if group is not None else escaped or text)

    def expand(found: re.Match[str]) -> str:
        return "".join(found.group(p) or "" if isinstance(p, int) else p for p in pieces)

    return expand


def _str_split(text: str, pattern: str, limit: int = 0) -> JsonArray:
    parts = re.split(_java_regex(pattern), text, maxsplit=max(limit - 1, 0))
    if limit == 0:
        while parts and parts[-1] == "":
            parts.pop()
    return JsonArray(parts)


def _regex_replace(text: str, pattern: Any, replacement: Any, count: int) -> str:
    expand = _java_replacement(java_string(replacement))
    added = [len(text)]

    def counted(found: re.Match[str]) -> str:
        # Counted while it is built: an empty pattern matches at every position.
        piece = expand(found)
        added[0] += len(piece)
        if added[0] > MAX_TEXT_CHARS:
            raise BudgetExceeded(f"template text longer than {MAX_TEXT_CHARS} characters")
        return piece

    return re.sub(_java_regex(pattern), counted, text, count=count)


def _replace(text: str, old: str, new: str) -> str:
    # Measured before it is built: `"aaaa".replace("", $long)` would multiply the text.
    grown = text.count(old) * (len(new) - len(old)) if len(new) > len(old) else 0
    if len(text) + grown > MAX_TEXT_CHARS:
        raise BudgetExceeded(f"template text longer than {MAX_TEXT_CHARS} characters")
    return text.replace(old, new)


def _index_of(text: str, needle: Any, start: int = 0) -> int:
    return text.find(java_string(needle), start)


_STRING_METHODS: Final[dict[str, Callable[..., Any]]] = {
    "length": lambda s: len(s),
    "isEmpty": lambda s: not s,
    "toString": lambda s: s,
    "trim": lambda s: s.strip(" \t\n\r\x0b\x0c\x00"),
    "toLowerCase": lambda s: s.lower(),
    "toUpperCase": lambda s: s.upper(),
    "contains": lambda s, v: java_string(v) in s,
    "startsWith": lambda s, v: s.startswith(java_string(v)),
    "endsWith": lambda s, v: s.endswith(java_string(v)),
    "equals": lambda s, v: s == v,
    "equalsIgnoreCase": lambda s, v: isinstance(v, str) and s.lower() == v.lower(),
    "indexOf": _index_of,
    "lastIndexOf": lambda s, v: s.rfind(java_string(v)),
    "substring": lambda s, start, end=None: s[start:end],
    "charAt": lambda s, i: s[i],
    # Those that can grow a string are bounded (`render_budget.bounded_text`).
    "concat": lambda s, v: bounded_text(s + java_string(v)),
    "replace": lambda s, old, new: _replace(s, java_string(old), java_string(new)),
    "replaceAll": lambda s, p, r: _regex_replace(s, p, r, 0),
    "replaceFirst": lambda s, p, r: _regex_replace(s, p, r, 1),
    "matches": lambda s, p: re.fullmatch(_java_regex(p), s) is not None,
    "split": _str_split,
}

_LIST_METHODS: Final[dict[str, Callable[..., Any]]] = {
    "size": lambda v: len(v),
    "isEmpty": lambda v: not v,
    "get": lambda v, i: v[i] if isinstance(i, int) and 0 <= i < len(v) else None,
    "contains": lambda v, x: x in v,
    "indexOf": lambda v, x: v.index(x) if x in v else -1,
    "add": lambda v, x: v.append(x) or True,
    "toString": _java_to_string,
}

_MAP_METHODS: Final[dict[str, Callable[..., Any]]] = {
    "size": lambda m: len(m),
    "isEmpty": lambda m: not m,
    "get": lambda m, k: m.get(k),
    "containsKey": lambda m, k: k in m,
    "keySet": lambda m: list(m.keys()),
    "values": lambda m: list(m.values()),
    "put": lambda m, k, v: _map_put(m, k, v),
    "putAll": lambda m, other: m.update(other),
    "remove": lambda m, k: m.pop(k, None),
    "entrySet": lambda m: [MapEntry(k, v) for k, v in m.items()],
    "toString": _java_to_string,
}

_SCALAR_METHODS: Final[dict[str, Callable[..., Any]]] = {
    "toString": _java_to_string,
    "equals": lambda a, b: a == b,
}


class MapEntry(VtlObject):
    """`Map.Entry` from `$map.entrySet()`: `key`, `value`, `getKey()`, `getValue()`."""

    members = frozenset({"key", "value", "getKey", "getValue"})

    def __init__(self, key: Any, value: Any) -> None:
        self.key = key
        self.value = value

    def getKey(self) -> Any:
        return self.key

    def getValue(self) -> Any:
        return self.value

    def __str__(self) -> str:
        return f"{self.key}={_java_to_string(self.value)}"


def _map_put(mapping: dict[str, Any], key: Any, value: Any) -> Any:
    previous = mapping.get(key)
    mapping[key] = value
    return previous


def method_of(owner: Any, name: str) -> Callable[..., Any] | None:
    if isinstance(owner, VtlObject):
        return getattr(owner, name) if name in owner.members else None
    if isinstance(owner, str):
        table = _STRING_METHODS
    elif isinstance(owner, list):
        table = _LIST_METHODS
    elif isinstance(owner, dict):
        table = _MAP_METHODS
    elif isinstance(owner, bool | int | float):
        table = _SCALAR_METHODS
    else:
        return None
    function = table.get(name)
    if function is None:
        return None
    return lambda *args: function(owner, *args)


def member_property(owner: Any, name: str) -> Any:
    if isinstance(owner, dict):
        return owner.get(name)
    if isinstance(owner, VtlObject) and name in owner.members:
        member = getattr(owner, name)
        return None if callable(member) else member
    return None
