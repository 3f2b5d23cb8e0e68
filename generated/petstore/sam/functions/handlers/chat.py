"""WebSocket Lambda proxy handlers for the chat API in ``specs/features/apigwc-deployment.yaml``."""

from __future__ import annotations

import json
import threading
from typing import Any

_lock = threading.Lock()
CONNECTIONS: dict[str, dict[str, Any]] = {}


def connect(event: dict[str, Any], context: Any) -> dict[str, Any]:
    ctx = event.get("requestContext") or {}
    with _lock:
        CONNECTIONS[ctx.get("connectionId", "")] = {"tenant": (ctx.get("authorizer") or {}).get("tenant")}
    return {"statusCode": 200}


def disconnect(event: dict[str, Any], context: Any) -> dict[str, Any]:
    with _lock:
        CONNECTIONS.pop((event.get("requestContext") or {}).get("connectionId", ""), None)
    return {"statusCode": 200}


def send_message(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        message = json.loads(event.get("body") or "{}").get("message", "")
    except (json.JSONDecodeError, AttributeError):
        return {"statusCode": 400, "body": json.dumps({"error": "body must be a JSON object"})}
    connection_id = (event.get("requestContext") or {}).get("connectionId")
    return {"statusCode": 200, "body": json.dumps({"action": "sendMessage", "from": connection_id, "message": message})}


def default(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"statusCode": 200, "body": json.dumps({"error": "unknown action", "hint": 'send {"action": "sendMessage", "message": "..."}'})}
