"""A module whose import takes half a second: concurrent first calls must all wait for it."""

from __future__ import annotations

import time
from typing import Any

time.sleep(0.5)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"statusCode": 200, "body": "loaded"}
