"""A Lambda proxy handler that answers with what it received (used by several feature specs).

Works for REST payload 1.0, HTTP API payload 1.0 and 2.0 and WebSocket events: the response body is
``{"route": ..., "path": ..., "method": ..., "authorizer": ..., "query": ..., "body": ...}`` so a test can
check what the gateway passed to the function.
"""

from __future__ import annotations

import base64
import json
from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    ctx = event.get("requestContext") or {}
    http = ctx.get("http") or {}
    body = event.get("body")
    if body and event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("utf-8", "replace")
    answer = {
        "route": event.get("routeKey") or ctx.get("routeKey") or event.get("resource"),
        "path": event.get("rawPath") or event.get("path"),
        "method": http.get("method") or event.get("httpMethod"),
        "stage": ctx.get("stage"),
        "pathParameters": event.get("pathParameters"),
        "query": event.get("queryStringParameters"),
        "authorizer": ctx.get("authorizer"),
        "stageVariables": event.get("stageVariables"),
        "body": body,
    }
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json", "X-Echo": "1"},
        "body": json.dumps(answer),
    }
