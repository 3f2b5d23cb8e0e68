"""Source maps: JSON pointer -> 1-based line/column spans for one file.

Values and mapping keys are kept apart: a finding about a value's content points at the value,
one about the key itself (unknown property, misplaced extension) points at the key.
A pointer with no recorded span (inside an aliased YAML node) falls back to its nearest ancestor.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from apigwc.diagnostics.model import Position

Span = tuple[int, int, int, int]


def _parent(pointer: str) -> str | None:
    if not pointer:
        return None
    return pointer[: pointer.rfind("/")]


@dataclass
class SourceMap:
    values: dict[str, Span] = field(default_factory=dict)
    keys: dict[str, Span] = field(default_factory=dict)

    def position(self, pointer: str, at_key: bool = False) -> Position | None:
        if at_key and pointer in self.keys:
            return Position(*self.keys[pointer])
        ptr: str | None = pointer
        while ptr is not None:
            span = self.values.get(ptr)
            if span is not None:
                return Position(*span)
            ptr = _parent(ptr)
        return None


def escape_token(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def unescape_token(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def split_pointer(pointer: str) -> list[str]:
    if not pointer:
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"JSON pointer must start with '/': {pointer!r}")
    return [unescape_token(t) for t in pointer[1:].split("/")]
