"""JSONPath subset used by mapping templates and parameter mappings.

Part of the runtime support library copied verbatim into every generated gateway (relative imports
only, standard library only). Text in, compiled `JsonPath` out; `JsonPath.find(document)` returns the
selected value or `MISSING`.

API Gateway evaluates `$input.json(...)` / `$input.path(...)` with Jayway JSONPath (runtime reference
§3.7): `$`, `.name`, `['name']`, `[n]` (negative from the end), `[*]` / `.*`, `[a,b]` unions,
`[start:end]` slices, `..name` recursive descent and `[?(@.x op value)]` filters. Like Jayway, a
*definite* path (names and indexes only) yields one value and an *indefinite* one (wildcard, union,
slice, descent, filter) yields a list of every match. Parameter mappings write the same paths without
the leading `$.` (`method.request.body.a.b[0]`) and HTTP API mappings forbid `..` and filters: callers
pass `http_api=True` for that (§3.7).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Final


class JsonPathError(ValueError):
    """The expression is not in the supported JSONPath subset."""


class _Missing:
    """Marker for "the path selects nothing" (distinct from a JSON null)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Final = _Missing()

# A step maps one node to the nodes it selects.
_Step = Callable[[Any], Iterator[Any]]

_NAME = re.compile(r"\.([A-Za-z0-9_$@\-]+)")
_WILD = re.compile(r"\.\*|\[\*\]")
_DESCENT = re.compile(r"\.\.(\*|[A-Za-z0-9_$@\-]+)")
_BRACKET = re.compile(r"\[((?:'[^']*'|\"[^\"]*\"|[^\]'\"])*)\]")
_QUOTED = re.compile(r"""\s*(?:'([^']*)'|"([^"]*)")\s*""")
_INT = re.compile(r"\s*(-?\d+)\s*")
_SLICE = re.compile(r"\s*(-?\d*)\s*:\s*(-?\d*)\s*")
_FILTER = re.compile(
    r"\?\(\s*@((?:\.[A-Za-z0-9_$\-]+|\[(?:'[^']*'|\"[^\"]*\")\])*)\s*"
    r"(?:(==|!=|<=|>=|<|>)\s*(.+?))?\s*\)"
)


@dataclass(frozen=True)
class JsonPath:
    """A compiled JSONPath expression; immutable and shareable across requests."""

    text: str
    steps: tuple[_Step, ...]
    definite: bool

    def find(self, document: Any) -> Any:
        """The selected value (definite path), a list of matches (indefinite), or `MISSING`."""
        nodes: list[Any] = [document]
        for step in self.steps:
            nodes = [child for node in nodes for child in step(node)]
        if self.definite:
            return nodes[0] if nodes else MISSING
        return nodes


@functools.lru_cache(maxsize=1024)
def compile_path(text: str, *, http_api: bool = False) -> JsonPath:
    """Compile `$...` (a leading `$` is optional, as in parameter mappings).

    `http_api=True` applies HTTP API parameter mapping's restriction: no `..`, no filters (§3.7).
    """
    if http_api:
        _reject_indefinite(text)
    rest = text.strip()
    if rest.startswith("$"):
        rest = rest[1:]
    elif rest and not rest.startswith((".", "[")):
        rest = "." + rest
    steps: list[_Step] = []
    definite = True
    while rest:
        step, rest, is_definite = _next_step(rest, text)
        steps.append(step)
        definite = definite and is_definite
    return JsonPath(text=text, steps=tuple(steps), definite=definite)


def _reject_indefinite(text: str) -> None:
    # HTTP API parameter mapping: no recursive descent and no filter expressions (§3.7).
    if ".." in text or "?(" in text:
        raise JsonPathError(f"recursive descent and filters are not supported: {text}")


def _next_step(rest: str, text: str) -> tuple[_Step, str, bool]:
    if match := _DESCENT.match(rest):
        return _descent(match.group(1)), rest[match.end() :], False
    if match := _WILD.match(rest):
        return _wildcard, rest[match.end() :], False
    if match := _NAME.match(rest):
        return _child(match.group(1)), rest[match.end() :], True
    if match := _BRACKET.match(rest):
        step, definite = _bracket(match.group(1), text)
        return step, rest[match.end() :], definite
    raise JsonPathError(f"unsupported JSONPath: {text}")


def _bracket(inner: str, text: str) -> tuple[_Step, bool]:
    if inner.strip().startswith("?"):
        return _filter(inner.strip(), text), False
    parts = _split_union(inner)
    if len(parts) == 1:
        return _selector(parts[0], text)
    selectors = [_selector(part, text)[0] for part in parts]
    return _union(selectors), False


def _split_union(inner: str) -> list[str]:
    return [part for part in re.findall(r"'[^']*'|\"[^\"]*\"|[^,]+", inner) if part.strip()]


def _selector(part: str, text: str) -> tuple[_Step, bool]:
    if match := _QUOTED.fullmatch(part):
        return _child(match.group(1) if match.group(1) is not None else match.group(2)), True
    if match := _INT.fullmatch(part):
        return _index(int(match.group(1))), True
    if part.strip() == "*":
        return _wildcard, False
    if match := _SLICE.fullmatch(part):
        start = int(match.group(1)) if match.group(1) else None
        end = int(match.group(2)) if match.group(2) else None
        return _slice(start, end), False
    raise JsonPathError(f"unsupported JSONPath selector [{part}] in {text}")


def _child(name: str) -> _Step:
    def step(node: Any) -> Iterator[Any]:
        if isinstance(node, dict) and name in node:
            yield node[name]

    return step


def _index(position: int) -> _Step:
    def step(node: Any) -> Iterator[Any]:
        if isinstance(node, list) and -len(node) <= position < len(node):
            yield node[position]

    return step


def _slice(start: int | None, end: int | None) -> _Step:
    def step(node: Any) -> Iterator[Any]:
        if isinstance(node, list):
            yield from node[start:end]

    return step


def _union(selectors: list[_Step]) -> _Step:
    def step(node: Any) -> Iterator[Any]:
        for selector in selectors:
            yield from selector(node)

    return step


def _wildcard(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        yield from node.values()
    elif isinstance(node, list):
        yield from node


def _descent(name: str) -> _Step:
    select = _wildcard if name == "*" else _child(name)

    def step(node: Any) -> Iterator[Any]:
        for each in _walk(node):
            yield from select(each)

    return step


def _walk(node: Any) -> Iterator[Any]:
    yield node
    for child in _wildcard(node):
        if isinstance(child, dict | list):
            yield from _walk(child)


def _filter(expression: str, text: str) -> _Step:
    match = _FILTER.fullmatch(expression)
    if match is None:
        raise JsonPathError(f"unsupported JSONPath filter [{expression}] in {text}")
    member = compile_path("$" + match.group(1)) if match.group(1) else None
    operator, literal = match.group(2), _literal(match.group(3), text)

    def keep(item: Any) -> bool:
        value = member.find(item) if member is not None else item
        if operator is None:
            return value is not MISSING
        return value is not MISSING and _compare(value, operator, literal)

    def step(node: Any) -> Iterator[Any]:
        yield from (item for item in _wildcard(node) if keep(item))

    return step


def _literal(raw: str | None, text: str) -> Any:
    if raw is None:
        return None
    raw = raw.strip()
    if match := _QUOTED.fullmatch(raw):
        return match.group(1) if match.group(1) is not None else match.group(2)
    keywords = {"true": True, "false": False, "null": None}
    if raw in keywords:
        return keywords[raw]
    try:
        return float(raw) if any(c in raw for c in ".eE") else int(raw)
    except ValueError as error:
        raise JsonPathError(f"unsupported filter value {raw} in {text}") from error


def _compare(value: Any, operator: str, literal: Any) -> bool:
    if operator == "==":
        return bool(value == literal)
    if operator == "!=":
        return bool(value != literal)
    numeric = (int, float)
    if isinstance(value, bool) or not isinstance(value, numeric):
        return False
    if isinstance(literal, bool) or not isinstance(literal, numeric):
        return False
    return {
        "<": value < literal,
        "<=": value <= literal,
        ">": value > literal,
        ">=": value >= literal,
    }[operator]
