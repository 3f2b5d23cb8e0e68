"""JSON parsing of request and integration data, bounded in nesting depth.

Part of the runtime support library copied verbatim into every generated gateway: relative imports
only, standard library only.

Flow: a body (bytes or text) → `loads(body)` → the parsed document, or `ValueError` (not JSON, or
nested deeper than `MAX_JSON_DEPTH`). Every parser of client or integration data goes through it:
request validation (`request_validation.check_body`), parameter mapping (`mapping`), the template
variables `$input.path` / `$input.json` / `$util.parseJson` (`vtl`) and the Lambda custom event
(`integration_custom`). What consumes the document (JSON Schema validators, JSONPath, Java-style
printing) recurses once per level, so the bound keeps all of them inside Python's stack; a body
2 KB long can otherwise nest 1,000 levels and end in a `RecursionError`.

The depth check costs two `bytes.count` calls (C) on the common path: a body with fewer opening
brackets than the limit cannot nest deeper. Only a body with more brackets is measured, in C
iterators too (`re.sub`, `bytes.translate`, `itertools.accumulate`).
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any, Final

MAX_JSON_DEPTH: Final = 256
"""Deepest nesting of arrays and objects accepted. AWS documents no figure (its Java parser's
default bound is 1,000, which Python's own stack cannot hold with the consumers above); real
payloads stay far below this (inferred: fail closed)."""


class JsonTooDeep(ValueError):
    """The document nests deeper than `MAX_JSON_DEPTH`."""


_STRING: Final = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_NOT_BRACKETS: Final = bytes(b for b in range(256) if b not in b"[]{}")
_STEP: Final = tuple(1 if b in b"[{" else -1 if b in b"]}" else 0 for b in range(256))


def loads(body: bytes | str) -> Any:
    """`json.loads`, refusing documents nested deeper than `MAX_JSON_DEPTH` (`JsonTooDeep`)."""
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    if raw.count(b"[") + raw.count(b"{") > MAX_JSON_DEPTH:
        _check_depth(raw)
    try:
        return json.loads(body)
    except RecursionError as error:  # not reachable under the bound; kept as a last guard
        raise JsonTooDeep("JSON nested too deep") from error


def _check_depth(raw: bytes) -> None:
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    depth = max(itertools.accumulate(map(_STEP.__getitem__, brackets)), default=0)
    if depth > MAX_JSON_DEPTH:
        raise JsonTooDeep(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
