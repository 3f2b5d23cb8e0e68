"""The request as the gateway sees it, its ids, and the `$context` values built from it.

Flows in: an ASGI HTTP scope and the request body. Flows out: `Request` (method, raw path, query
maps, headers, body, ids and times) and `context_values()` (the `$context` tree used by events,
gateway responses and templates), plus the standard response headers of reference §0.1.
"""

from __future__ import annotations

import base64
import functools
import os
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def clf_time(epoch: float) -> str:
    """`dd/MMM/yyyy:HH:mm:ss +0000`, as `$context.requestTime` (reference §0.3)."""
    return _clf_second(int(epoch))


@functools.lru_cache(maxsize=4)  # requests in the same second share the text
def _clf_second(second: int) -> str:
    t = time.gmtime(second)
    return (
        f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year}:"
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"
    )


def extended_request_id(random: bytes | None = None) -> str:
    """A short base64 id ending in `=`, like `BE0bQG3XIAMEhsw=` (`x-amz-apigw-id`), from 11
    random bytes (drawn here unless the caller already did)."""
    return base64.b64encode(random or os.urandom(11)).decode()


def trace_id(epoch: float) -> str:
    return f"Root=1-{int(epoch):08x}-{os.urandom(12).hex()}"


def request_id(client_value: str | None, random: bytes | None = None) -> str:
    """A UUID; a client-sent UUID in `x-amzn-RequestId` replaces it, anything else is ignored.

    `random` is 16 random bytes the caller already drew (one `os.urandom` call per request)."""
    if client_value:
        try:
            return str(uuid.UUID(client_value))
        except ValueError:
            pass
    # uuid4's text built straight from 16 random bytes (version 4, RFC 4122 variant): half the
    # cost of `str(uuid.uuid4())` on the per-request path.
    h = (random or os.urandom(16)).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


_VARIANT = "89ab"


@dataclass
class Request:
    """One client request; header names are lower case (as ASGI delivers them)."""

    method: str
    raw_path: str  # undecoded, without the query string, including a stage prefix if any
    query_string: str  # undecoded
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str
    scheme: str = "http"
    server_port: int = 80
    stage_prefix: str = ""  # "/dev" under --all-stages, else ""
    epoch: float = field(default_factory=time.time)
    request_id: str = ""
    extended_request_id: str = ""  # "" = drawn in __post_init__, with the request id's bytes
    # Read once per request, by every step: the query string parsed, the last header values.
    _last_values: dict[str, str] | None = field(default=None, init=False, repr=False, compare=False)
    _query_pairs: list[tuple[str, str]] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _query_view: dict[str, str] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.request_id and self.extended_request_id:
            return
        # One system call for both ids: 16 bytes for the UUID, 11 for `x-amz-apigw-id`.
        random = os.urandom(27)
        if not self.extended_request_id:
            self.extended_request_id = extended_request_id(random[16:])
        if not self.request_id:
            self.request_id = request_id(self.header("x-amzn-requestid"), random[:16])

    @property
    def path(self) -> str:
        """The path after the stage prefix, still percent-encoded."""
        return self.raw_path[len(self.stage_prefix) :] or "/"

    def header(self, name: str) -> str | None:
        """The last value of a header (case-insensitive), as API Gateway's single-value maps."""
        if self._last_values is None:
            self._last_values = dict(self.headers)  # a later value replaces an earlier one
        return self._last_values.get(name.lower())

    def header_map(self) -> dict[str, str]:
        return dict(self.headers)

    def header_view(self) -> Mapping[str, str]:
        """`header_map()` shared by the request's read-only readers (validation, `$input`)."""
        if self._last_values is None:
            self._last_values = dict(self.headers)
        return self._last_values

    def multi_header_map(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for key, value in self.headers:
            out.setdefault(key, []).append(value)
        return out

    def query_pairs(self) -> list[tuple[str, str]]:
        """Decoded (`%2B` -> `+`, `+` -> space) key/value pairs in order (reference §1.2)."""
        if self._query_pairs is None:
            self._query_pairs = _query_pairs(self.query_string)
        return list(self._query_pairs)

    def query_map(self) -> dict[str, str]:
        """Last value wins for repeated keys."""
        return dict(self.query_pairs())

    def query_view(self) -> Mapping[str, str]:
        """`query_map()` shared by the request's read-only readers (validation, `$input`)."""
        if self._query_view is None:
            self._query_view = dict(self.query_pairs())
        return self._query_view

    def multi_query_map(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for key, value in self.query_pairs():
            out.setdefault(key, []).append(value)
        return out

    @property
    def host(self) -> str:
        return self.header("host") or "localhost"


def _query_pairs(query_string: str) -> list[tuple[str, str]]:
    """`parse_qsl(..., keep_blank_values=True)`; a string with nothing to decode (no `%`, no
    `+`, the usual `x=1&y=2`) is split directly, to the same pairs."""
    if "%" in query_string or "+" in query_string:
        return parse_qsl(query_string, keep_blank_values=True)
    pairs = []
    for pair in query_string.split("&"):
        if pair:
            name, _, value = pair.partition("=")
            pairs.append((name, value))
    return pairs


def request_values(request: Request, path_params: Mapping[str, str]) -> dict[str, str]:
    """`method.request.{header|path|querystring}.NAME` -> value, for parameter mappings."""
    values = {f"method.request.path.{k}": v for k, v in path_params.items()}
    for key, value in request.query_pairs():
        values[f"method.request.querystring.{key}"] = value
    for key, value in request.headers:
        values[f"method.request.header.{key}"] = value
    return values


def lookup_request_value(values: Mapping[str, str], source: str) -> str | None:
    """Header names are case-insensitive: `method.request.header.X-Api-Key` finds `x-api-key`."""
    if source.startswith("method.request.header."):
        prefix = "method.request.header."
        return values.get(prefix + source[len(prefix) :].lower())
    return values.get(source)


def identity(request: Request) -> dict[str, Any]:
    """`requestContext.identity` for an unauthenticated caller (reference §2.1)."""
    return {
        **_ANONYMOUS,
        "sourceIp": request.source_ip,
        "userAgent": request.header("user-agent"),
    }


# Key order is the event's; `sourceIp` and `userAgent` are filled per request by `identity`.
_ANONYMOUS: dict[str, Any] = {
    "accessKey": None,
    "accountId": None,
    "caller": None,
    "cognitoAuthenticationProvider": None,
    "cognitoAuthenticationType": None,
    "cognitoIdentityId": None,
    "cognitoIdentityPoolId": None,
    "principalOrgId": None,
    "sourceIp": None,
    "user": None,
    "userAgent": None,
    "userArn": None,
}


def context_values(
    request: Request, api: Mapping[str, Any], stage: str, route: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The `$context` variables that exist locally (reference §3.4), as one nested dict."""
    host = request.host
    stage_vars = api["stages"].get(stage, {}).get("variables") or {}
    return {
        "accountId": api["account"],
        "apiId": api["apiId"],
        "domainName": host,
        "domainPrefix": host.split(".")[0].split(":")[0],
        "extendedRequestId": request.extended_request_id,
        "httpMethod": request.method,
        "identity": identity(request),
        "path": f"/{stage}{request.path}",
        "protocol": "HTTP/1.1",
        "requestId": request.request_id,
        "requestTime": clf_time(request.epoch),
        "requestTimeEpoch": int(request.epoch * 1000),
        "resourceId": route["resourceId"] if route else None,
        "resourcePath": route["resourcePath"] if route else None,
        "stage": stage,
        "stageVariables": dict(stage_vars),
    }


def standard_wire_headers(protocol: str, request: Request) -> list[tuple[bytes, bytes]]:
    """`standard_headers` as ASGI header tuples: the names are constants and the values are ids
    the gateway made (a UUID, base64), so they need no per-request checks."""
    if protocol == "HTTP":
        return [(b"apigw-requestid", request.extended_request_id.encode())]
    return [
        (b"x-amzn-RequestId", request.request_id.encode()),
        (b"x-amz-apigw-id", request.extended_request_id.encode()),
    ]


def standard_headers(protocol: str, request: Request) -> list[tuple[str, str]]:
    """Headers API Gateway adds to every response (reference §0.1)."""
    if protocol == "HTTP":
        return [("apigw-requestid", request.extended_request_id)]
    return [
        ("x-amzn-RequestId", request.request_id),
        ("x-amz-apigw-id", request.extended_request_id),
    ]
