"""A Lambda handler for the stage cache tests: it counts its own invocations, so a test tells a
cached answer (the count does not move) from a fresh one."""

from __future__ import annotations

import json
import os
from typing import Any

CALLS = {"count": 0}


def counted(event: dict[str, Any], context: Any) -> dict[str, Any]:
    CALLS["count"] += 1
    query = event.get("queryStringParameters") or {}
    body: dict[str, Any] = {
        "count": CALLS["count"],
        "pid": os.getpid(),
        "method": event.get("httpMethod"),
        "path": event.get("path"),
    }
    if "size" in query:  # a body of about this many bytes
        body["padding"] = "x" * int(query["size"])
    return {
        "statusCode": int(query.get("status", "200")),
        "headers": {"Content-Type": "application/json", "X-Handler": "counted"},
        "body": json.dumps(body),
    }
