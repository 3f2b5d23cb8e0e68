"""A response as the stage cache keeps it: bytes in the state store (reference §1.9).

Flows in: a successful integration response (status, headers, body) and the request it answered.
Flows out: the bytes to store (a JSON line of status and headers, then the body), and back, a
fresh `Response` for each hit, or None for bytes that are not an entry (a store holding
something else is a miss, never an error).

The gateway's `X-Amzn-Trace-Id` on the answer belongs to the request that filled the entry: it
is kept as a marker and a hit carries its own request's trace id instead. API Gateway's
per-request headers (`x-amzn-RequestId`, `x-amz-apigw-id`) are added when the answer is sent
(`pipeline/wire.py`), so a hit has its own.
"""

from __future__ import annotations

import json

from ..pipeline.context import Request
from ..responses.gateway_responses import Response

# API Gateway caches responses up to this size (bytes); larger ones are not cached.
MAX_CACHED_BYTES = 1_048_576
_TRACE = "x-amzn-trace-id"


def encode(response: Response, request: Request) -> bytes | None:
    """The entry of a response, or None when it is not cached: over 1 MB, or not a success."""
    # Only successful answers are kept: API Gateway documents no status rule and one user reports
    # a backend's 429 served from its cache; an error kept for the TTL would outlive its cause,
    # so the safe answer is to keep 2xx only and let every other answer reach the client fresh.
    if not 200 <= response.status <= 299 or len(response.body) > MAX_CACHED_BYTES:
        return None
    trace = request.trace_header()
    headers = [
        [name, None if name.lower() == _TRACE and value == trace else value]
        for name, value in response.headers
    ]
    head = json.dumps([response.status, headers], separators=(",", ":"))
    return head.encode("utf-8", "surrogatepass") + b"\n" + response.body


def decode(entry: bytes, request: Request) -> Response | None:
    head, newline, body = entry.partition(b"\n")
    if not newline:
        return None
    try:
        status, pairs = json.loads(head)
    except ValueError:
        return None
    if type(status) is not int or not isinstance(pairs, list):
        return None
    headers: list[tuple[str, str]] = []
    for pair in pairs:
        if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)):
            return None
        value = pair[1] if isinstance(pair[1], str) else request.trace_header()
        headers.append((pair[0], value))
    return Response(status, headers, body)
