"""JSON text -> plain Python data (the C `json` decoder), with a SourceMap built only on demand.

Positions cost a second scan, and most runs report nothing, so `scan_json` is called by the
document the first time a diagnostic in a JSON file needs a line number. The scan is an
iterative tokenizer over the already-validated text (no recursion, so depth is no hazard).
Duplicate keys keep the last value, as `json.loads` does; their key spans are reported.
"""

from __future__ import annotations

import json
import re
from typing import Any

from apigwc.loader.limits import MAX_DEPTH
from apigwc.loader.positions import SourceMap, Span, escape_token


class JsonReadError(Exception):
    def __init__(self, code: str, span: Span | None, **fields: Any) -> None:
        super().__init__(code)
        self.code = code
        self.span = span
        self.fields = fields


def read_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        span = (exc.lineno, exc.colno, exc.lineno, exc.colno + 1)
        raise JsonReadError("AGW104", span, reason=exc.msg) from None
    except RecursionError:
        raise JsonReadError("AGW105", None, limit=MAX_DEPTH) from None


_TOKEN = re.compile(
    r'"(?:[^"\\]|\\.)*"'  # string
    r"|[{}\[\]:,]"  # punctuation
    r"|[^\s{}\[\]:,\"]+",  # number / true / false / null
    re.S,
)


class _LineIndex:
    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def at(self, offset: int) -> tuple[int, int]:
        import bisect

        line = bisect.bisect_right(self.starts, offset) - 1
        return line + 1, offset - self.starts[line] + 1


def scan_json(text: str) -> tuple[SourceMap, list[tuple[str, Span]]]:
    """Every pointer's span, and duplicate keys (pointer, key span)."""
    smap = SourceMap()
    lines = _LineIndex(text)
    dups: list[tuple[str, Span]] = []

    def span(a: int, b: int) -> Span:
        return (*lines.at(a), *lines.at(b))

    # stack entries: [pointer, is_object, start_offset, index, pending_key, seen_keys]
    stack: list[list[Any]] = []
    expecting_key = False

    def child_pointer() -> str:
        top = stack[-1]
        base: str = top[0]
        if top[1]:
            return base + "/" + escape_token(top[4])
        return base + "/" + str(top[3])

    for m in _TOKEN.finditer(text):
        tok, start, end = m.group(), m.start(), m.end()
        if tok in ",:":
            if tok == "," and stack:
                if stack[-1][1]:
                    expecting_key = True
                else:
                    stack[-1][3] += 1
            continue
        if expecting_key and tok[0] == '"':
            key = json.loads(tok)
            top = stack[-1]
            top[4] = key
            pointer = top[0] + "/" + escape_token(key)
            if key in top[5]:
                dups.append((pointer, span(start, end)))
            top[5].add(key)
            smap.keys[pointer] = span(start, end)
            expecting_key = False
            continue
        if tok in "}]":
            top = stack.pop()
            smap.values[top[0]] = span(top[2], end)
            expecting_key = False
            continue
        pointer = child_pointer() if stack else ""
        if tok in "{[":
            stack.append([pointer, tok == "{", start, 0, "", set()])
            expecting_key = tok == "{"
        else:
            smap.values[pointer] = span(start, end)
    return smap, dups
