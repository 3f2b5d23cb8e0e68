"""Source maps: JSON pointer -> 1-based line/column spans for one file.

A map is a tree shaped like the document: each `Node` holds its value's span, its key's span when
it sits in a mapping, and its children by key or index. A flat pointer -> span table would cost
memory in proportion to values x depth (every pointer string repeats its ancestors'), which a
hostile 6 MB file 500 levels deep turns into gigabytes; the tree costs one node per value.

Values and mapping keys are kept apart: a finding about a value's content points at the value,
one about the key itself (unknown property, misplaced extension) points at the key.
A pointer with no recorded node (inside an aliased YAML node, a key merged in by `<<`) falls back
to its nearest ancestor. Spans end one column past the value's last character.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from apigwc.diagnostics.model import Position

Span = tuple[int, int, int, int]
# A JSON scan stores (start offset, end offset) and converts to lines only for the few spans a
# diagnostic asks for: converting every value up front cost seconds on a 2 MB document.
RawSpan = Span | tuple[int, int]


class Node:
    """The spans of one value and, for a mapping or sequence, of its children."""

    __slots__ = ("children", "key_span", "span")

    def __init__(self, key_span: RawSpan | None = None) -> None:
        self.span: RawSpan | None = None
        self.key_span: RawSpan | None = key_span
        self.children: dict[str, Node] | list[Node] | None = None

    def child(self, token: str) -> Node | None:
        kids = self.children
        if isinstance(kids, dict):
            return kids.get(token)
        if isinstance(kids, list) and token.isdigit() and int(token) < len(kids):
            return kids[int(token)]
        return None

    def add(self, key: str | None, key_span: RawSpan | None = None) -> Node:
        """A new child: appended to a sequence (key None) or set under a mapping key."""
        node = Node(key_span)
        if isinstance(self.children, list):
            self.children.append(node)
        elif isinstance(self.children, dict):
            self.children[key or ""] = node
        return node


@dataclass
class SourceMap:
    root: Node = field(default_factory=Node)
    offsets: Callable[[int, int], Span] | None = None  # set when spans are stored as offsets

    def _position(self, raw: RawSpan) -> Position:
        if len(raw) == 2 and self.offsets is not None:
            return Position(*self.offsets(raw[0], raw[1]))
        return Position(*raw)

    def position(self, pointer: str, at_key: bool = False) -> Position | None:
        node: Node | None = self.root
        best = self.root.span
        tokens = split_pointer(pointer) if pointer.startswith("/") else []
        for token in tokens:
            node = node.child(token) if node else None
            if node is None:
                break
            best = node.span or best
        if at_key and node is not None and node.key_span is not None:
            return self._position(node.key_span)
        return self._position(best) if best else None


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
