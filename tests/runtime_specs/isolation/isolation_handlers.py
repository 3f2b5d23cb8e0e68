"""Handlers for test_runtime_lambda_isolation.py: each misbehaves in one way a test names."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

BIG = "x" * (6 * 1024 * 1024 + 200)  # a body past Lambda's 6291556-byte response limit


def _query(event: dict[str, Any]) -> dict[str, str]:
    return event.get("queryStringParameters") or {}


def slow(event: dict[str, Any], context: Any) -> dict[str, Any]:
    time.sleep(float(_query(event).get("seconds", "3")))
    return {"statusCode": 200, "body": "late"}


def fast(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"statusCode": 200, "body": "fast"}


def shaped(event: dict[str, Any], context: Any) -> Any:
    kind = _query(event).get("kind")
    if kind == "exit":
        sys.exit(int(_query(event).get("code", "3")))
    if kind == "exit-none":
        sys.exit()
    if kind == "interrupt":
        raise KeyboardInterrupt
    if kind == "big":
        return {"statusCode": 200, "body": BIG}
    if kind == "malformed":
        return {"statusCode": 200, "wrongValue": "x"}
    return {"statusCode": 200, "body": "shaped"}


def recorder(event: dict[str, Any], context: Any) -> Any:
    """Lambda custom: writes the event where the test asked, then answers with it (or with a
    result past the size limit)."""
    if event.get("big"):
        return {"big": BIG}
    time.sleep(0.2)  # an Event invocation must not wait for this
    # Written whole, then renamed: a reader polling for the file never sees it half written.
    partial = Path(event["marker"] + ".partial")
    partial.write_text(json.dumps(event), encoding="utf-8")
    partial.replace(event["marker"])
    return {"recorded": event["marker"]}
