"""Builders for the `bad` / `good` example documents that rule modules attach to their codes.

Flows in: YAML text for the parts of a document a rule is about. Flows out: a whole, minimal
OpenAPI 3.0.1 document (YAML) that `apigwc validate` reads; docs/diagnostics.md shows it.
"""

from __future__ import annotations

HEAD = "openapi: 3.0.1\ninfo: {title: Example, version: '1'}\n"
NO_PATHS = "paths: {}\n"


def document(body: str = "") -> str:
    """`body` (root keys, YAML) under the OpenAPI header; an empty `paths` when it has none."""
    if not any(line.startswith("paths:") for line in body.splitlines()):
        body = NO_PATHS + body
    return HEAD + body


def operation(extra: str = "", path: str = "/pets", method: str = "get") -> str:
    """`paths` with one operation; `extra` is YAML for more operation keys (6-space indent)."""
    return (
        f"paths:\n  {path}:\n    {method}:\n"
        + extra
        + '      responses: {"200": {description: ok}}\n'
    )
