"""WebSocket selection expressions: which route a message goes to (reference §10.2).

Flows in: the API's `routeSelectionExpression` (compiled once at start-up) and, per message, its
text. Flows out: the route key the message selects, or None when the message is not JSON (the
caller then takes `$default`).

API Gateway's rules (developer guide, "WebSocket selection expressions"): `$` prefixes a
variable and `${...}` delimits one, so several can sit in one expression with literal text
around them (`${request.body.action}-${request.body.room}`); each is evaluated once; `\\$` is a
literal dollar (`\\$default` is the literal key `$default`); a JSONPath result is stringified
and a path that selects nothing is the empty string (`join-` for a missing second part).
Variables other than `request.body.*` have no value in a message, so they are empty too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..transform.json_input import MAX_JSON_DEPTH, JsonTooDeep, loads
from ..transform.jsonpath import MISSING, JsonPathError, compile_path

# An undelimited variable runs over name characters, dots and brackets
# (`$request.body.action`, `$request.body.items[0]`, `$request.body['a key']`).
_BARE = re.compile(r"[A-Za-z0-9_.]+(?:\[[^\]]*\][A-Za-z0-9_.]*)*")
_BODY = "request.body"
_NAMES = re.compile(r"(?:\.[A-Za-z_][A-Za-z0-9_]*)+")

Part = str | Callable[[Any], str]


class _NotJson:
    """The marker for a message that is not a JSON document."""


NOT_JSON = _NotJson()


@dataclass(frozen=True, slots=True)
class SelectionExpression:
    """A compiled selection expression: literal text and variables, in order."""

    text: str
    parts: tuple[Part, ...]

    def evaluate(self, body: str) -> str | None:
        """The selected key for a message, or None when it is not JSON."""
        document = _document(body)
        if document is NOT_JSON:
            return None
        parts = self.parts
        if len(parts) == 1 and not isinstance(parts[0], str):  # `$request.body.action`
            return parts[0](document)
        return "".join(part if isinstance(part, str) else part(document) for part in parts)


def compile_expression(text: str) -> SelectionExpression:
    """Parse once: `\\$` escapes, `${...}` and bare `$name.path` variables, literal text."""
    parts: list[Part] = []
    literal: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and text.startswith("$", index + 1):
            literal.append("$")
            index += 2
            continue
        if char != "$":
            literal.append(char)
            index += 1
            continue
        name, index = _variable(text, index + 1)
        if literal:
            parts.append("".join(literal))
            literal = []
        parts.append(_reader(name))
    if literal:
        parts.append("".join(literal))
    return SelectionExpression(text, tuple(parts))


def _variable(text: str, start: int) -> tuple[str, int]:
    """The variable's name after a `$`, and where the text goes on."""
    if text.startswith("{", start):
        end = text.find("}", start)
        end = len(text) if end < 0 else end
        return text[start + 1 : end], end + 1
    found = _BARE.match(text, start)
    if found is None:
        return "", start
    return found.group(0).rstrip("."), start + len(found.group(0).rstrip("."))


def _reader(name: str) -> Callable[[Any], str]:
    """A variable's value in a message: a JSONPath into the body, else empty."""
    if name != _BODY and not name.startswith((_BODY + ".", _BODY + "[")):
        return _empty
    rest = name[len(_BODY) :]
    if _NAMES.fullmatch(rest):  # `.a.b`: plain member names, read without the JSONPath engine
        return _members(tuple(rest[1:].split(".")))
    try:
        path = compile_path("$" + rest)
    except JsonPathError:
        return _empty

    def read(document: Any) -> str:
        return _stringified(path.find(document))

    return read


def _members(names: tuple[str, ...]) -> Callable[[Any], str]:
    def read(document: Any) -> str:
        for name in names:
            if not isinstance(document, dict):
                return ""
            document = document.get(name, MISSING)
        return _stringified(document)

    return read


def _empty(document: Any) -> str:
    return ""


def _stringified(value: Any) -> str:
    if value is MISSING or value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def _document(body: str) -> Any:
    try:
        # A message shorter than the depth bound cannot nest past it: parsed without the check.
        return json.loads(body) if len(body) <= MAX_JSON_DEPTH else loads(body)
    except (ValueError, JsonTooDeep):
        return NOT_JSON
