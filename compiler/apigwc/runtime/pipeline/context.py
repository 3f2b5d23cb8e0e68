"""The request as the gateway sees it, its ids, and the `$context` values built from it.

Flows in: an ASGI HTTP scope and the request body. Flows out: `Request` (method, raw path, query
maps, headers, body, ids and times) and `context_values()` (the `$context` tree used by events,
gateway responses and templates), plus the standard response headers of reference §0.1.
"""

from __future__ import annotations

import time
import uuid
from binascii import b2a_base64
from collections.abc import Mapping
from random import getrandbits
from typing import Any
from urllib.parse import parse_qsl

from .stage_variables import canary_variables, is_canary

# The ASGI scope extension an ASGI server sets on a request over API Gateway's size limits (URL
# length, header values' bytes, request line and headers' bytes; granian_server.py); absent on
# every other request. The default server's protocol measures the same and asks the gateway.
OVERSIZE = "apigwc.oversize"
# The ASGI scope extension holding an upgrade request's header names as the client wrote them
# (server/http_protocol.py hands them to the WebSocket protocol); ASGI lower-cases them.
HEADER_NAMES = "apigwc.header_names"
# API Gateway's request size limits (reference §1.1 step 1, §1.10): a URL of 10240 characters
# (regional endpoints), 10240 bytes of header values (REST), 10240 bytes of request line and
# headers (HTTP APIs).
SIZE_LIMIT = 10240
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# (second, its CLF text): the requests of one second share the text. One entry replaced whole
# (a tuple: atomic for the log thread too); a bounded lru_cache's hit cost three times as much.
_clf_memo: tuple[int, str] = (-1, "")


def _clf_second(second: int) -> str:
    global _clf_memo
    memo = _clf_memo
    if memo[0] == second:
        return memo[1]
    t = time.gmtime(second)
    text = (
        f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year}:"
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"
    )
    _clf_memo = (second, text)
    return text


# Request and trace ids identify; they authenticate nothing (API Gateway's own are not secrets
# either), so they are drawn from the process's Mersenne Twister, which `random` reseeds in every
# forked worker, rather than with a system call per id: three ids per Lambda proxy request.


def extended_request_id(random: int | None = None) -> str:
    """A short base64 id ending in `=`, like `BE0bQG3XIAMEhsw=` (`x-amz-apigw-id`), from 88
    random bits (drawn here unless the caller already did)."""
    bits = getrandbits(88) if random is None else random
    return b2a_base64(bits.to_bytes(11, "little"), newline=False).decode()


def trace_id(epoch: float) -> str:
    # `%x` formatting and `bytes.hex`: the same text as `f"{…:08x}-{…:024x}"`, at half the
    # cost (the format-spec path of f-strings is the slow one for ints).
    return "Root=1-%08x-%s" % (int(epoch), getrandbits(96).to_bytes(12, "big").hex())  # noqa: UP031


def request_id(client_value: str | None, random: int | None = None) -> str:
    """A UUID; a client-sent UUID in `x-amzn-RequestId` replaces it, anything else is ignored.

    `random` is 128 random bits the caller already drew (one draw for both of a request's ids)."""
    if client_value:
        try:
            return str(uuid.UUID(client_value))
        except ValueError:
            pass
    # uuid4's text built straight from 128 random bits with the version (4) and RFC 4122 variant
    # bits set: a fraction of the cost of `str(uuid.uuid4())` on the per-request path.
    bits = getrandbits(128) if random is None else random
    h = (bits & _UUID4_KEEP | _UUID4_SET).to_bytes(16, "big").hex()  # `:032x`, cheaper
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_LOW_128 = (1 << 128) - 1
_UUID4_KEEP = _LOW_128 & ~((0xF << 76) | (0xC << 60))
_UUID4_SET = (0x4 << 76) | (0x8 << 60)


class Request:
    """One client request; header names are lower case (as ASGI delivers them).

    A plain class with slots rather than a dataclass: one is built per request, and the
    generated dataclass constructor (defaults, factories, `__post_init__`) was a fifth of a
    MOCK route's time in the gateway."""

    __slots__ = (
        "_last_values",
        "_query_pairs",
        "_query_view",
        "_trace",
        "api_key",
        "authorizer",
        "body",
        "caller",
        "canary",
        "epoch",
        "extended_request_id",
        "header_names",
        "headers",
        "method",
        "query_string",
        "raw_path",
        "request_id",
        "route",
        "scheme",
        "server_port",
        "source_ip",
        "stage",
        "stage_prefix",
    )

    def __init__(
        self,
        method: str,
        raw_path: str,  # undecoded, without the query string, with a stage prefix if any
        query_string: str,  # undecoded
        headers: list[tuple[str, str]],
        body: bytes,
        source_ip: str,
        scheme: str = "http",
        server_port: int = 80,
        stage_prefix: str = "",  # "/dev" under --all-stages, else ""
        epoch: float | None = None,
        request_id: str = "",  # "" = drawn here
        extended_request_id: str = "",  # "" = drawn here, with the request id's bits
        header_names: list[bytes] | None = None,  # as the client wrote them (latin-1)
    ) -> None:
        self.method = method
        self.raw_path = raw_path
        self.query_string = query_string
        self.headers = headers
        self.body = body
        self.source_ip = source_ip
        self.scheme = scheme
        self.server_port = server_port
        self.stage_prefix = stage_prefix
        self.epoch = time.time() if epoch is None else epoch
        self.header_names = header_names  # from the default server (http_protocol.py), or None
        # Read once per request, by every step: the last header values, the query string parsed.
        self._last_values: dict[str, str] | None = None
        self._query_pairs: list[tuple[str, str]] | None = None
        self._query_view: dict[str, str] | None = None
        self._trace: str | None = None
        self.route: Mapping[str, Any] | None = None  # the matched route, for the access log
        self.stage = ""  # the stage serving the matched route (the stage cache reads it)
        self.canary: bool | None = None  # drawn once, when a stage with a canary is served
        # `$context.authorizer` once an authorizer let the request through (lambda_authorizer.py).
        self.authorizer: dict[str, Any] | None = None
        # (value, id) of the API key a method requiring one accepted (security/api_key.py).
        self.api_key: tuple[str, str] | None = None
        # The `$context.identity` values of the caller an IAM signature authenticated
        # (accessKey, accountId, caller, user, userArn; security/iam_authorizer.py), or None.
        self.caller: dict[str, str] | None = None
        if request_id and extended_request_id:
            self.request_id, self.extended_request_id = request_id, extended_request_id
            return
        # One draw for both ids: 128 bits for the UUID, 88 for `x-amz-apigw-id`.
        random = getrandbits(216)
        self.extended_request_id = extended_request_id or _extended_id(random >> 128)
        self.request_id = request_id or _request_id(
            self.header("x-amzn-requestid"), random & _LOW_128
        )

    @property
    def path(self) -> str:
        """The path after the stage prefix, still percent-encoded."""
        return self.raw_path[len(self.stage_prefix) :] or "/"

    def trace_header(self) -> str:
        """This request's `X-Amzn-Trace-Id`: the client's, else one made here, once, so the
        Lambda event, the backend request and the response carry the same one."""
        if self._trace is None:
            self._trace = self.header("x-amzn-trace-id") or trace_id(self.epoch)
        return self._trace

    def continue_trace(self, value: str) -> None:
        """A traced request's integration continues the trace under the gateway's own span
        (observability/tracing.py): `value` replaces the `X-Amzn-Trace-Id` the integration,
        its event and the answer carry, as the header the caller sent if there was one."""
        self._trace = value
        if self.header("x-amzn-trace-id") is not None:
            self.headers = [(k, value if k == "x-amzn-trace-id" else v) for k, v in self.headers]
            self._last_values = None

    def forwarded_for(self) -> str:
        """`X-Forwarded-For` as the gateway passes it on: what the client sent, never believed,
        with the caller's address appended, as API Gateway appends it. A chain that already ends
        with the caller (a proxy named with `--trusted-proxies` put it there) is not extended."""
        values = self._last_values
        if values is not None and "x-forwarded-for" not in values:  # the usual: no chain yet
            return self.source_ip
        chain = [v for k, v in self.headers if k == "x-forwarded-for"]
        if not chain or chain[-1].rsplit(",", 1)[-1].strip() != self.source_ip:
            chain.append(self.source_ip)
        return ", ".join(chain)

    def header(self, name: str) -> str | None:
        """The last value of a header (case-insensitive), as API Gateway's single-value maps."""
        values = self._last_values
        if values is None:
            values = self._last_values = dict(self.headers)  # a later value replaces an earlier one
        # The pipeline asks with lower-case names: found as asked, or not there at all.
        found = values.get(name)
        return found if found is not None or name.islower() else values.get(name.lower())

    def sent_names(self) -> list[str] | None:
        """The header names as the client wrote them, in `headers` order, when the server kept
        them (one per header); None otherwise. Decoded only when asked: only the REST Lambda
        proxy event shows them."""
        names = self.header_names
        if names is None or len(names) != len(self.headers):
            return None
        if len(names) == 1:
            return [names[0].decode("latin-1")]
        # One decode for all: a name (an HTTP token) never holds a NUL.
        return b"\0".join(names).decode("latin-1").split("\0") if names else []

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


def identity(request: Request) -> dict[str, Any]:
    """`requestContext.identity` (reference §2.1), filled for an IAM caller; key order is
    the event's. `apiKey` and `apiKeyId` are added once a method requiring a key accepted one
    (§2.1: only methods that require a key have them)."""
    values: dict[str, Any] = {
        "accessKey": None,
        "accountId": None,
        "caller": None,
        "cognitoAuthenticationProvider": None,
        "cognitoAuthenticationType": None,
        "cognitoIdentityId": None,
        "cognitoIdentityPoolId": None,
        "principalOrgId": None,
        "sourceIp": request.source_ip,
        "user": None,
        "userAgent": request.header("user-agent"),
        "userArn": None,
    }
    if request.caller is not None:  # an IAM caller (reference §1.4, §2.8)
        values.update(request.caller)
    if request.api_key is not None:
        values["apiKey"], values["apiKeyId"] = request.api_key
    return values


def stage_values(request: Request, stage: Mapping[str, Any]) -> tuple[dict[str, str], bool | None]:
    """The stage variables a request sees, and whether it went to the stage's canary (None: the
    stage has none); the draw is made once per request (stage_variables.py, reference §8.2)."""
    variables = stage.get("variables") or {}
    canary = stage.get("canary")
    if canary is None:
        return dict(variables), None
    if request.canary is None:
        request.canary = is_canary(canary)
    if request.canary:
        return canary_variables(variables, canary), True
    return dict(variables), False


def context_values(
    request: Request, api: Mapping[str, Any], stage: str, route: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The `$context` variables that exist locally (reference §3.4), as one nested dict."""
    host = request.header("host") or "localhost"
    stage_vars, canary = stage_values(request, api["stages"].get(stage, {}))
    epoch = request.epoch
    values = {
        "accountId": api["account"],
        "apiId": api["apiId"],
        "deploymentId": api.get("deploymentId"),
        "domainName": host,
        "domainPrefix": host.split(".", 1)[0].split(":", 1)[0],
        "extendedRequestId": request.extended_request_id,
        "httpMethod": request.method,
        "identity": identity(request),
        # The `$default` stage has no prefix in its URLs, so none in the path either.
        "path": request.path if stage == "$default" else f"/{stage}{request.path}",
        "protocol": "HTTP/1.1",
        "requestId": request.request_id,
        "requestTime": _clf_second(int(epoch)),
        "requestTimeEpoch": int(epoch * 1000),
        "resourceId": route["resourceId"] if route else None,
        "resourcePath": route["resourcePath"] if route else None,
        "stage": stage,
        "stageVariables": stage_vars,
    }
    if canary is not None:  # only a stage with canary settings has the variable (§2.1)
        values["isCanaryRequest"] = canary
    if request.authorizer is not None:  # a method behind a Lambda authorizer (§2.8)
        values["authorizer"] = request.authorizer
    return values


_extended_id, _request_id = extended_request_id, request_id


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
