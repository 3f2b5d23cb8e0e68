"""A backend that records every call: the JWT tests prove a refused token never reaches it.

Each invocation appends its event as one JSON line to the file named by `CALL_LOG` and answers
with the event (REST proxy: as the body; HTTP API 2.0: as the result).
"""

from __future__ import annotations

import json
import os
from typing import Any


def _log(event: dict[str, Any]) -> None:
    with open(os.environ["CALL_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps(event) + "\n")


def record(event: dict[str, Any], context: Any) -> dict[str, Any]:
    _log(event)
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(event),
    }


def record_v2(event: dict[str, Any], context: Any) -> dict[str, Any]:
    _log(event)
    return {"event": event}
