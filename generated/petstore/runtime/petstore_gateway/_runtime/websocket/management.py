"""The `@connections` management API (reference §10.5) on the gateway's own port.

Flows in: the requests the gateway routes here (`Gateway.answer`), on `/{stage}/@connections/{connectionId}` (the callback URL a handler
builds as `https://{requestContext.domainName}/{requestContext.stage}`; the id URL-encoded,
`@` possibly as `%40`) and the process's open connections. Flows out: API Gateway's answers,
rest-json as boto3's `apigatewaymanagementapi` client reads them:

- `POST`: the body (at most 131072 bytes, else 413 `PayloadTooLargeException`) sent to the
  client as one frame, 200 with no body;
- `GET`: 200 `{"connectedAt", "identity": {"sourceIp", "userAgent"}, "lastActiveAt"}`,
  timestamps in ISO 8601;
- `DELETE`: the connection closed (then its `$disconnect` runs), 204;
- a client that does not read (its buffer full for 10 s): 429 `LimitExceededException`;
- an unknown or closed connection: 410 `GoneException`; another method: 403
  `ForbiddenException`. The error type is in `x-amzn-ErrorType` (rest-json); AWS's Gone
  answers carry no message (the SDKs print an empty one).

When the API names local IAM identities, calls must be SigV4-signed by one whose policy allows
`execute-api:ManageConnections` (iam.py), else 403; without identities they are not checked.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from typing import Any
from urllib.parse import unquote

from ..responses.gateway_responses import Response
from .connections import Connections
from .events import ConnectionFacts

MAX_POST_BYTES = 131072  # PostToConnection's Data (botocore's service model)
# How long a POST waits for a client that does not read before answering 429
# LimitExceededException ("the client buffer is full", the service model's wording).
POST_TIMEOUT_S = 10.0
_PATH = re.compile(r"^(?:/(?P<stage>[^/]+))?/(?:@|%40)connections/(?P<id>[^/]+)/?$")


def target(raw_path: str) -> tuple[str | None, str] | None:
    """(stage or None, connection id) of an `@connections` path, else None."""
    found = _PATH.match(raw_path)
    if found is None:
        return None
    return found.group("stage"), unquote(found.group("id"))


async def manage(
    connections: Connections, method: str, connection_id: str, body: bytes
) -> Response:
    """The answer to one `@connections` request (its body already read by the server)."""
    connection = connections.get(connection_id)
    if method not in ("POST", "GET", "DELETE"):
        return forbidden()
    if method == "POST":
        if len(body) > MAX_POST_BYTES:
            return _answer(413, "PayloadTooLargeException", {"message": "Payload too large"})
        if connection is None:
            return _gone()
        try:
            delivered = await asyncio.wait_for(connection.post(body), POST_TIMEOUT_S)
        except TimeoutError:  # the client does not read: its buffer is full
            return limit_exceeded()
        return _answer(200, None, None) if delivered else _gone()
    if connection is None or connection.closed:
        return _gone()
    if method == "GET":
        return _answer(200, None, _description(connection.facts))
    await connection.close(1000, "")
    return _answer(204, None, None)


def limit_exceeded() -> Response:
    """429 LimitExceededException: the client buffer is full (or its worker does not answer)."""
    return _answer(429, "LimitExceededException", {"message": "Limit Exceeded"})


def too_large(method: str, body: bytes) -> bool:
    """A POST over PostToConnection's limit (answered 413 wherever the connection is)."""
    return method == "POST" and len(body) > MAX_POST_BYTES


def forbidden() -> Response:
    """403 ForbiddenException: another method, or a call not signed by an allowed caller."""
    return _answer(403, "ForbiddenException", {"message": "Forbidden"})


def _description(facts: ConnectionFacts) -> dict[str, Any]:
    return {
        "connectedAt": _iso(facts.connected_at),
        "identity": {"sourceIp": facts.source_ip, "userAgent": facts.user_agent},
        "lastActiveAt": _iso(facts.last_active_at),
    }


def _iso(epoch_ms: int) -> str:
    seconds, millis = divmod(epoch_ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


def _gone() -> Response:
    return _answer(410, "GoneException", {})


def _answer(status: int, error: str | None, body: Any) -> Response:
    payload = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
    headers = [("Content-Type", "application/json")] if payload else []
    if error is not None:
        headers.append(("x-amzn-ErrorType", error))
    return Response(status, headers, payload)
