"""A response as the stage cache keeps it: bytes in the state store (reference §1.9).

Flows in: a successful integration response (status, headers, body) and the request it answered.
Flows out: the bytes to store, and back, a fresh `Response` for each hit, or None for bytes that
are not an entry (a store holding something else is a miss, never an error).

An entry is `{length}\n`, then `length` bytes of status and header names and values joined by
NUL (UTF-8), then the body. A header holding a NUL is not HTTP: such an answer is not cached.

The gateway's `X-Amzn-Trace-Id` on the answer belongs to the request that filled the entry: it
is kept as a marker (its name after SOH, no value) and a hit carries its own request's trace id
instead. API Gateway's per-request headers (`x-amzn-RequestId`, `x-amz-apigw-id`) are added when
the answer is sent (`pipeline/wire.py`), so a hit has its own.
"""

from __future__ import annotations

from ..pipeline.context import Request
from ..responses.gateway_responses import Response

# API Gateway caches responses up to this size (bytes); larger ones are not cached.
MAX_CACHED_BYTES = 1_048_576
_TRACE = "x-amzn-trace-id"
_MARK = "\x01"  # before a header name: the hit's own trace id goes there


def encode(response: Response, request: Request) -> bytes | None:
    """The entry of a response, or None when it is not cached: over 1 MB, or not a success."""
    # Only successful answers are kept: API Gateway documents no status rule and one user reports
    # a backend's 429 served from its cache; an error kept for the TTL would outlive its cause,
    # so the safe answer is to keep 2xx only and let every other answer reach the client fresh.
    if not 200 <= response.status <= 299 or len(response.body) > MAX_CACHED_BYTES:
        return None
    if any("\0" in name + value or _MARK in name for name, value in response.headers):
        return None  # a NUL or SOH inside a header is not HTTP: not cached
    fields = [str(response.status)]
    for name, value in response.headers:
        if name.lower() == _TRACE and value == request.trace_header():
            fields += (_MARK + name, "")
        else:
            fields += (name, value)
    head = "\0".join(fields).encode("utf-8", "surrogatepass")
    return b"%d\n" % len(head) + head + response.body


def decode(entry: bytes, request: Request) -> Response | None:
    length, newline, rest = entry.partition(b"\n")
    if not newline or not length.isdigit() or int(length) > len(rest):
        return None
    size = int(length)
    try:
        fields = rest[:size].decode("utf-8", "surrogatepass").split("\0")
    except UnicodeDecodeError:
        return None
    if len(fields) % 2 != 1 or not fields[0].isdigit():
        return None
    headers = []
    for index in range(1, len(fields), 2):
        name = fields[index]
        if name.startswith(_MARK):
            headers.append((name[1:], request.trace_header()))
        else:
            headers.append((name, fields[index + 1]))
    return Response(int(fields[0]), headers, rest[size:])
