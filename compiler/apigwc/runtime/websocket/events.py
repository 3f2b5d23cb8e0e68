"""WebSocket Lambda proxy events and ids (reference §10.4).

Flows in: a connection's facts (its handshake request: headers, query string, caller; its id
and stage) and, per event, the route key, a message body or the close code. Flows out: the
CONNECT, MESSAGE and DISCONNECT events in the shape of AWS's captures (aws/aws-lambda-go
`events/testdata/apigw-websocket-request-*.json`: key order and values as recorded), and ids of
API Gateway's shape.
"""

from __future__ import annotations

import time
from binascii import b2a_base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from random import getrandbits
from typing import Any

from ..pipeline.context import _clf_second


def event_id() -> str:
    """A connection, message or request id: 16 base64 characters ending in `=`, like
    `R1kmxc2VNjMCFIA=` (88 random bits). `+` and `/` become letters: the id is a path segment
    of `@connections/{id}`, where AWS's own ids are seen only with letters and digits."""
    return (
        b2a_base64(getrandbits(88).to_bytes(11, "little"), newline=False)
        .translate(_PATH_SAFE)
        .decode()
    )


_PATH_SAFE = bytes.maketrans(b"+/", b"xy")


@dataclass(slots=True)
class ConnectionFacts:
    """What API Gateway knows of a connection after its handshake: the upgrade request's
    headers (names as sent) and query string, the caller, the stage, and the authorizer's
    context when `$connect` used one."""

    connection_id: str
    api_id: str
    stage: str
    domain_name: str
    source_ip: str
    user_agent: str | None
    headers: list[tuple[str, str]]
    query: list[tuple[str, str]]
    connected_at: int = field(default_factory=lambda: int(time.time() * 1000))
    authorizer: Mapping[str, Any] | None = None
    last_active_at: int = 0
    # The `$context.identity` values of the IAM caller who signed the upgrade (iam.py), or None.
    caller: Mapping[str, str] | None = None

    def identity(self) -> dict[str, Any]:
        identity: dict[str, Any] = dict(self.caller) if self.caller else {}
        if self.user_agent is not None:
            identity["userAgent"] = self.user_agent
        identity["sourceIp"] = self.source_ip
        return identity


def request_context(
    facts: ConnectionFacts, route_key: str, event_type: str, extra: Mapping[str, Any]
) -> dict[str, Any]:
    """`requestContext` in the recorded key order; `extra` holds the keys of one event type
    (`messageId`; `disconnectStatusCode`, `disconnectReason`)."""
    now = time.time()
    request_id = event_id()
    context: dict[str, Any] = {"routeKey": route_key}
    if "messageId" in extra:
        context["messageId"] = extra["messageId"]
    if "disconnectStatusCode" in extra:
        context["disconnectStatusCode"] = extra["disconnectStatusCode"]
    context |= {
        "eventType": event_type,
        "extendedRequestId": request_id,
        "requestTime": _clf_second(int(now)),
        "messageDirection": "IN",
    }
    if "disconnectReason" in extra:
        context["disconnectReason"] = extra["disconnectReason"]
    context |= {
        "stage": facts.stage,
        "connectedAt": facts.connected_at,
        "requestTimeEpoch": int(now * 1000),
        "identity": facts.identity(),
        "requestId": request_id,
        "domainName": facts.domain_name,
        "connectionId": facts.connection_id,
        "apiId": facts.api_id,
    }
    if facts.authorizer is not None:
        context["authorizer"] = dict(facts.authorizer)
    return context


def connect_event(facts: ConnectionFacts, route_key: str = "$connect") -> dict[str, Any]:
    """CONNECT: the upgrade request's headers and query string, no body."""
    headers, multi = _single_and_multi(facts.headers)
    query, multi_query = _single_and_multi(facts.query)
    return {
        "headers": headers,
        "multiValueHeaders": multi,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "requestContext": request_context(facts, route_key, "CONNECT", {}),
        "isBase64Encoded": False,
    }


def message_event(facts: ConnectionFacts, route_key: str, body: str) -> dict[str, Any]:
    """MESSAGE: the text frame's payload as `body`, and the message's id in `requestContext`."""
    context = request_context(facts, route_key, "MESSAGE", {"messageId": event_id()})
    return {"requestContext": context, "body": body, "isBase64Encoded": False}


def disconnect_event(facts: ConnectionFacts, code: int, reason: str) -> dict[str, Any]:
    """DISCONNECT: the small header set AWS sends (`Host`, `x-api-key`, `X-Forwarded-For`,
    `x-restapi`, recorded with empty values but Host) and the close code and reason."""
    headers = {
        "Host": facts.domain_name,
        "x-api-key": "",
        "X-Forwarded-For": "",
        "x-restapi": "",
    }
    extra = {"disconnectStatusCode": code, "disconnectReason": reason}
    return {
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "requestContext": request_context(facts, "$disconnect", "DISCONNECT", extra),
        "isBase64Encoded": False,
    }


def _single_and_multi(
    pairs: list[tuple[str, str]],
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The last value of each name, and every value in order (API Gateway's two maps)."""
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        single[name] = value
        multi.setdefault(name, []).append(value)
    return single, multi
