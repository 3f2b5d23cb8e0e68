"""A chat room on a WebSocket API (``specs/chat.yaml``): who is connected, and a broadcast of each
message to everyone through the ``@connections`` API, as a Lambda handler on AWS does it.

The members live in this process's memory (a DynamoDB table on AWS). The broadcast uses boto3's
``apigatewaymanagementapi`` client with the callback URL built from the event,
``{domainName}/{stage}``: ``https://`` on AWS, ``http://`` on a local gateway (127.0.0.1 or
localhost), so the same handler runs in both places unchanged.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any

import boto3
from botocore import UNSIGNED
from botocore.config import Config

_lock = threading.Lock()
MEMBERS: dict[str, str] = {}  # connection id -> the name given on $connect (?name=...)


def connect(event: dict[str, Any], context: Any) -> dict[str, Any]:
    name = (event.get("queryStringParameters") or {}).get("name") or "anonymous"
    with _lock:
        MEMBERS[event["requestContext"]["connectionId"]] = name
    return {"statusCode": 200}


def disconnect(event: dict[str, Any], context: Any) -> dict[str, Any]:
    with _lock:
        MEMBERS.pop(event["requestContext"]["connectionId"], None)
    return {"statusCode": 200}


def send_message(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """`{"action": "sendMessage", "message": "..."}`: `{"from": name, "message": ...}` to every
    member, the sender included; members that are gone (410) leave the room."""
    request = event["requestContext"]
    try:
        text = str(json.loads(event.get("body") or "{}").get("message", ""))
    except (ValueError, AttributeError):
        return {"statusCode": 400, "body": "send a JSON object"}
    with _lock:
        members = dict(MEMBERS)
    data = json.dumps({"from": members.get(request["connectionId"], "?"), "message": text})
    client = _management(request["domainName"], request["stage"])
    for connection_id in members:
        try:
            client.post_to_connection(ConnectionId=connection_id, Data=data.encode())
        except client.exceptions.GoneException:
            with _lock:
                MEMBERS.pop(connection_id, None)
    return {"statusCode": 200}


def default(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Any other message: an error for the sender alone (the `$default` route response)."""
    answer = {
        "error": "unknown action",
        "hint": 'send {"action": "sendMessage", "message": "..."}',
        "connectionId": event["requestContext"]["connectionId"],
    }
    return {"statusCode": 200, "body": json.dumps(answer)}


def _management(domain_name: str, stage: str) -> Any:
    if domain_name.split(":")[0] not in ("127.0.0.1", "localhost"):
        endpoint = f"https://{domain_name}/{stage}"
        return boto3.client("apigatewaymanagementapi", endpoint_url=endpoint)
    # A local gateway: plain HTTP, and unsigned calls (accepted when the spec names no IAM
    # identities), so the handler needs no AWS keys or region on the machine.
    return boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=f"http://{domain_name}/{stage}",
        region_name=os.environ.get("AWS_REGION", "us-east-1"),
        config=Config(signature_version=UNSIGNED),
    )
