"""HTTP proxy integrations (`HTTP_PROXY`): the request forwarded to a real upstream.

Flows in: the request, its path parameters, the route's integration config (URI with
`{name}` placeholders and `${stageVariables.x}`, method, request parameters, timeout, TLS
setting) and the stage variables. Flows out: the upstream's `Response`, or a `GatewayError`
(504 `Endpoint request timed out` past `timeoutInMillis`, INTEGRATION_FAILURE when the upstream
cannot be reached, 500 when the URI is not an http(s) URL).

Reference §1.8: method, path, multi-value headers and query strings pass through; mapped
`requestParameters` are merged in. Headers follow API Gateway's table of headers "dropped,
remapped, or otherwise modified" for HTTP integrations (developer guide, REST API important
notes; `REQUEST_DROPPED`, `RESPONSE_REMAPPED`, `RESPONSE_DROPPED` below): e.g. `Content-MD5` and
`Max-Forwards` never reach the backend, and the backend's `Server`, `Date` or `x-amzn-RequestId`
come back as `x-amzn-Remapped-*`. A proxy adds no `Accept-Encoding` of its own and passes a
compressed answer through with its `Content-Encoding`; non-proxy calls (integration_custom.py)
ask for `gzip,deflate` and get the answer inflated, as AWS recordings show. A proxy call to an
`http://` upstream goes through the lean pooled client of upstream_http.py (aiohttp's request
was most of the proxy's added latency); `https://` upstreams, HEAD and non-proxy calls through
pooled aiohttp sessions (chosen over httpx by benchmark: ~10x the requests/s).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp
import httptools
from yarl import URL

from ..pipeline.context import Request
from ..pipeline.stage_variables import render
from ..responses.gateway_responses import GatewayError, Response
from ..transform import payloads
from ..transform.mapping import (
    HttpMapping,
    HttpMessage,
    IllegalHeaderMapping,
    IntegrationRequestParameters,
    MappingExpressionError,
    MappingValues,
    RestRequestMapping,
    compile_http_request,
    compile_http_response,
    compile_rest_request,
)
from ..transform.media_types import with_default_content_type
from .upstream_http import BodyTooLarge, ConnectionPool, request_head

# The connection's own headers: the gateway's pooled connection to the backend is not the
# client's (`Host` is the integration endpoint's, `Content-Length` is made from the body).
NOT_FORWARDED = frozenset(
    {"host", "content-encoding", "content-length", "connection", "transfer-encoding", "keep-alive"}
)
# API Gateway's header table for HTTP and HTTP_PROXY integrations (DG-web
# api-gateway-known-issues.html, REST APIs): request headers "Dropped" before the backend...
REQUEST_DROPPED = frozenset(
    {
        "content-md5",
        "expect",
        "max-forwards",
        "proxy-authenticate",
        "server",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "via",
        "www-authenticate",
    }
)
REST_NOT_FORWARDED = NOT_FORWARDED | REQUEST_DROPPED
# ...and the backend's response headers renamed `x-amzn-Remapped-<name>` ("Remapped", "Remapped
# Overwritten"). `Content-Length` is "Passthrough" in the table but AWS recordings show it
# remapped (reference §1.7); `x-amzn-RequestId` would collide with the gateway's own and is
# remapped in AWS transcripts (`x-amzn-remapped-x-amzn-requestid`).
RESPONSE_REMAPPED = frozenset(
    {
        "authorization",
        "connection",
        "content-length",
        "content-md5",
        "date",
        "max-forwards",
        "server",
        "user-agent",
        "www-authenticate",
        "x-amzn-requestid",
    }
)
RESPONSE_DROPPED = frozenset(
    {"expect", "host", "proxy-authenticate", "te", "trailer", "transfer-encoding", "upgrade", "via"}
)
# HTTP APIs: the REST table does not apply; only the connection's own headers change.
REMAPPED = frozenset({"connection", "content-length", "date", "server"})
DROPPED = frozenset({"transfer-encoding", "via"})
# A SigV4 `Authorization` is dropped before the backend (the table's footnote).
_SIGV4 = "AWS4-"
# aiohttp adds `Accept-Encoding: gzip, deflate` to every request unless told not to; a proxy
# sends the backend only the client's (or a mapping's) coding.
SKIP_AUTO_HEADERS = frozenset({"Accept-Encoding"})
DEFAULT_TIMEOUT_MS = 29000
_DEFAULT_TIMEOUT = aiohttp.ClientTimeout(total=DEFAULT_TIMEOUT_MS / 1000)


class Upstreams:
    """The pooled client sessions, created inside the running event loop on first use: one
    that hands the backend's body back as sent (proxies) and one that inflates it (non-proxy
    integrations, whose templates and mappings read the body)."""

    def __init__(self) -> None:
        self._sessions: dict[bool, aiohttp.ClientSession] = {}
        self.pool = ConnectionPool()  # proxies to http:// upstreams (upstream_http.py)

    def session(self, decompress: bool = False) -> aiohttp.ClientSession:
        session = self._sessions.get(decompress)
        if session is None or session.closed:
            connector = aiohttp.TCPConnector(limit=256, ttl_dns_cache=300)
            # Without inflating, a compressed answer (the client asked for it) keeps its
            # Content-Encoding, which the header table passes through.
            session = aiohttp.ClientSession(
                connector=connector,
                auto_decompress=decompress,
                cookie_jar=aiohttp.DummyCookieJar(),
                skip_auto_headers=SKIP_AUTO_HEADERS,
            )
            self._sessions[decompress] = session
        return session

    async def close(self) -> None:
        self.pool.close()
        for session in self._sessions.values():
            await session.close()


@dataclass(frozen=True)
class UpstreamCall:
    """How a route calls its upstream, read once from the integration config rather than on
    every request: the method (None: the request's, for `ANY`), the timeout (aiohttp's object
    built once) and whether the TLS certificate is checked."""

    method: str | None = None
    timeout_s: float = DEFAULT_TIMEOUT_MS / 1000
    timeout: aiohttp.ClientTimeout = _DEFAULT_TIMEOUT
    ssl: bool = True

    @classmethod
    def of(cls, integration: Mapping[str, Any]) -> UpstreamCall:
        method = str(integration.get("httpMethod") or "ANY").upper()
        timeout_s = float(integration.get("timeoutInMillis") or DEFAULT_TIMEOUT_MS) / 1000
        return cls(
            method=None if method == "ANY" else method,
            timeout_s=timeout_s,
            timeout=aiohttp.ClientTimeout(total=timeout_s),
            ssl=not integration.get("tlsInsecureSkipVerification"),
        )


@dataclass(frozen=True)
class ProxyMappings:
    """A route's parameter mappings, compiled once at start-up (`mapping.py`): REST
    `requestParameters`, or HTTP API request mappings and response mappings by status code."""

    rest: RestRequestMapping | None = None
    http_request: HttpMapping | None = None
    http_responses: Mapping[str, HttpMapping] = field(default_factory=dict)
    broken: bool = False  # a mapping did not compile: the route answers 500
    http_api: bool = False  # an HTTP API's route: REST's header table does not apply
    call: UpstreamCall = UpstreamCall()
    uri: str = ""

    @classmethod
    def compile(cls, integration: Mapping[str, Any], protocol: str) -> ProxyMappings:
        request = integration.get("requestParameters") or {}
        call, uri = UpstreamCall.of(integration), str(integration.get("uri") or "")
        try:
            if protocol == "HTTP":
                responses = integration.get("responseParameters") or {}
                return cls(
                    http_request=compile_http_request(request) if request else None,
                    http_responses={k: compile_http_response(v) for k, v in responses.items()},
                    http_api=True,
                    call=call,
                    uri=uri,
                )
            rest = compile_rest_request(request, "HTTP_PROXY") if request else None
            return cls(rest=rest, call=call, uri=uri)
        except MappingExpressionError:
            return cls(broken=True)


def mapping_values(
    request: Request, path_params: Mapping[str, str], context: Mapping[str, Any]
) -> MappingValues:
    return MappingValues(
        path_parameters=path_params,
        request_path=request.path,
        querystring=request.multi_query_map(),
        headers=request.multi_header_map(),
        body=request.body,
        context=context,
        stage_variables=context.get("stageVariables") or {},
    )


def target_url(
    uri: str, path_values: Mapping[str, str], query: str, variables: Mapping[str, str]
) -> str:
    """The URI with stage variables and `{name}` placeholders (values stay as sent) filled."""
    url = render(uri, variables)
    for name, value in path_values.items():
        url = url.replace("{" + name + "}", value).replace("{" + name + "+}", value)
    if query:
        url += ("&" if "?" in url else "?") + query
    return url


def _forward_headers(
    request: Request, mapped: Mapping[str, str], rest: bool = True, api_id: str = ""
) -> list[tuple[str, str]]:
    """The client's headers less those not forwarded (for REST, those the table drops), the
    gateway's own, then the mapped ones. A REST backend also gets the request's
    `X-Amzn-Trace-Id` and `x-amzn-apigateway-api-id` ([AWS-REC]
    test_apigateway_http.snapshot.json#test_http_integration_with_lambda[HTTP_PROXY])."""
    dropped = REST_NOT_FORWARDED if rest else NOT_FORWARDED
    headers = [
        (k, v)
        for k, v in request.headers
        if k not in dropped
        and k != "x-forwarded-for"  # passed on with the caller appended (forwarded_headers)
        and not (rest and k == "authorization" and v.startswith(_SIGV4))
    ]
    if rest:
        if request.header("x-amzn-trace-id") is None:
            headers.append(("X-Amzn-Trace-Id", request.trace_header()))
        headers.append(("x-amzn-apigateway-api-id", api_id))
    headers += forwarded_headers(request)
    if not mapped:
        return headers
    mapped_names = {name.lower() for name in mapped}
    return [h for h in headers if h[0].lower() not in mapped_names] + [
        (k, v) for k, v in mapped.items() if k.lower() not in dropped
    ]


def forwarded_headers(request: Request) -> list[tuple[str, str]]:
    """`X-Forwarded-For`, `-Port`, `-Proto`: what every REST HTTP backend is told of the
    client ([AWS-REC] test_http_integration_with_lambda, HTTP and HTTP_PROXY)."""
    return [
        ("X-Forwarded-For", request.forwarded_for()),
        ("X-Forwarded-Port", str(request.server_port)),
        ("X-Forwarded-Proto", request.scheme),
    ]


def _query(request: Request, mapped: Mapping[str, str]) -> str:
    if not mapped:
        return request.query_string
    pairs = [(k, v) for k, v in request.query_pairs() if k not in mapped] + list(mapped.items())
    return urlencode(pairs, quote_via=quote)


def _response(
    status: int, headers: list[tuple[str, str]], body: bytes, *, rest: bool = True
) -> Response:
    dropped, remapped = (RESPONSE_DROPPED, RESPONSE_REMAPPED) if rest else (DROPPED, REMAPPED)
    out: list[tuple[str, str]] = []
    for name, value in headers:
        key = name.lower()
        if key in dropped:
            continue
        out.append((f"x-amzn-Remapped-{name}" if key in remapped else name, value))
    return Response(status, with_default_content_type(out), body)


async def forward(
    upstreams: Upstreams,
    request: Request,
    path_params: Mapping[str, str],
    context: Mapping[str, Any],
    mappings: ProxyMappings,
    default_route: bool = False,
) -> Response:
    if mappings.broken:
        raise GatewayError("API_CONFIGURATION_ERROR")
    variables = context.get("stageVariables") or {}
    uri = mappings.uri
    rest = not mappings.http_api
    if mappings.http_request is not None or mappings.http_responses or default_route:
        values = mapping_values(request, path_params, context)
        url, headers = _http_api_target(
            request, uri, path_params, values, variables, mappings, default_route
        )
        response = await _send(upstreams, request, mappings.call, url, headers, rest)
        if mappings.http_responses:
            return _map_http_response(response, mappings, values)
        return response
    # The usual proxy has no mapping: nothing to evaluate, the path parameters fill the URI.
    mapped = (
        _NO_MAPPING
        if mappings.rest is None
        else _evaluate(mappings.rest, request, path_params, context)
    )
    # A placeholder without a mapping takes the method's path parameter of the same name.
    path_values = {**path_params, **mapped.path} if mapped.path else path_params
    query = _query(request, mapped.querystring)
    url = target_url(uri, path_values, query, variables)
    headers = _forward_headers(request, mapped.header, rest, str(context.get("apiId") or ""))
    return await _send(upstreams, request, mappings.call, url, headers, rest)


_NO_MAPPING = IntegrationRequestParameters()


def _evaluate(
    mapping: RestRequestMapping,
    request: Request,
    path_params: Mapping[str, str],
    context: Mapping[str, Any],
) -> IntegrationRequestParameters:
    try:
        return mapping.evaluate(mapping_values(request, path_params, context))
    except IllegalHeaderMapping:
        raise GatewayError("API_CONFIGURATION_ERROR") from None


def _http_api_target(
    request: Request,
    uri: str,
    path_params: Mapping[str, str],
    values: MappingValues,
    variables: Mapping[str, str],
    mappings: ProxyMappings,
    default_route: bool,
) -> tuple[str, list[tuple[str, str]]]:
    """HTTP APIs: the `$default` route forwards the full request path; request mappings rewrite
    headers, query strings and the path (reference §1.10)."""
    base = render(uri, variables)
    message = HttpMessage(
        path=request.path if default_route else "",
        headers={
            k: list(v) for k, v in request.multi_header_map().items() if k not in NOT_FORWARDED
        },
        querystring=request.multi_query_map(),
    )
    if mappings.http_request is not None:
        message = mappings.http_request.apply(message, values)
    url = target_url(
        base.rstrip("/") + message.path if message.path else base, path_params, "", variables
    )
    query = urlencode(
        [(k, v) for k, vs in message.querystring.items() for v in vs], quote_via=quote
    )
    if query:
        url += ("&" if "?" in url else "?") + query
    headers = [
        (k, v) for k, vs in message.headers.items() if k.lower() != "x-forwarded-for" for v in vs
    ]
    headers += [("X-Forwarded-For", request.forwarded_for()), ("X-Forwarded-Proto", request.scheme)]
    return url, headers


def _map_http_response(
    response: Response, mappings: ProxyMappings, values: MappingValues
) -> Response:
    mapping = mappings.http_responses.get(str(response.status))
    if mapping is None:
        return response
    multi: dict[str, list[str]] = {}
    for name, value in response.headers:
        multi.setdefault(name, []).append(value)
    message = mapping.apply(
        HttpMessage(headers=multi, status=response.status),
        replace(values, response_headers=multi, response_body=response.body),
    )
    headers = [(k, v) for k, vs in message.headers.items() for v in vs]
    return Response(message.status, headers, response.body)


async def _send(
    upstreams: Upstreams,
    request: Request,
    call: UpstreamCall,
    url: str,
    headers: list[tuple[str, str]],
    rest: bool,
) -> Response:
    upstream = await call_upstream(upstreams, request, call, url, headers, request.body)
    return _response(upstream.status, upstream.headers, upstream.body, rest=rest)


async def send(
    upstreams: Upstreams,
    request: Request,
    integration: Mapping[str, Any],
    url: str,
    headers: list[tuple[str, str]],
    body: bytes,
    decompress: bool = False,
) -> Response:
    """One upstream call; the upstream's status and headers as they came (4xx/5xx included),
    the body inflated when `decompress` (non-proxy integrations) and as sent otherwise."""
    call = UpstreamCall.of(integration)
    return await call_upstream(upstreams, request, call, url, headers, body, decompress)


async def call_upstream(
    upstreams: Upstreams,
    request: Request,
    call: UpstreamCall,
    url: str,
    headers: list[tuple[str, str]],
    body: bytes,
    decompress: bool = False,
) -> Response:
    """`send` with the route's call settings already read (`UpstreamCall`). A proxy call to an
    `http://` upstream goes through the lean client (upstream_http.py), the rest through
    aiohttp."""
    endpoint = _endpoint(url)
    method = call.method or request.method
    if not decompress and endpoint.scheme == "http" and method != "HEAD":
        return await _call_pooled(upstreams.pool, method, endpoint, call, headers, body)
    try:
        async with upstreams.session(decompress).request(
            method,
            endpoint,
            headers=headers,
            data=body or None,
            timeout=call.timeout,
            allow_redirects=False,
            ssl=call.ssl,
        ) as upstream:
            content = await _read_limited(upstream)
            return Response(upstream.status, list(upstream.headers.items()), content)
    except TimeoutError:
        reason = f"no answer in {call.timeout_s:g} s"
        raise GatewayError("INTEGRATION_TIMEOUT", reason=reason) from None
    except (aiohttp.ClientError, ValueError, OSError):
        raise GatewayError("INTEGRATION_FAILURE") from None


async def _call_pooled(
    pool: ConnectionPool,
    method: str,
    endpoint: URL,
    call: UpstreamCall,
    headers: list[tuple[str, str]],
    body: bytes,
) -> Response:
    """One call through the lean client, its failures mapped as aiohttp's are (`send`)."""
    host, port = str(endpoint.host), int(endpoint.port or 80)
    try:
        head = request_head(
            method, endpoint.raw_path_qs, str(endpoint.host_port_subcomponent), headers, body
        )
        async with asyncio.timeout(call.timeout_s):
            answer = await pool.call(method, host, port, head, body, payloads.MAX_PAYLOAD)
    except TimeoutError:
        reason = f"no answer in {call.timeout_s:g} s"
        raise GatewayError("INTEGRATION_TIMEOUT", reason=reason) from None
    except BodyTooLarge:
        raise _too_large() from None
    except (httptools.HttpParserError, ValueError, OSError):
        raise GatewayError("INTEGRATION_FAILURE") from None
    return Response(answer.status, answer.headers, answer.body)


def _endpoint(url: str) -> URL:
    """The backend's URL; one that is not an http(s) URL with a host (an undefined stage
    variable rendered empty in `http://${stageVariables.host}/x`) is an invalid endpoint
    address, which API Gateway answers 500 API_CONFIGURATION_ERROR `Internal server error`
    (reference §4.2), not a network error."""
    if not url.startswith(("http://", "https://")):
        # e.g. a URI the build could not resolve (an `Fn::GetAtt` of another stack)
        raise GatewayError("API_CONFIGURATION_ERROR", reason="integration URI is not http(s)")
    try:
        endpoint = URL(url, encoded=True)
        valid = bool(endpoint.host) and endpoint.port is not None  # a bad port raises here
    except ValueError:
        valid = False
    if not valid:
        reason = "integration URI has no host or a bad port (an undefined stage variable?)"
        raise GatewayError("API_CONFIGURATION_ERROR", reason=reason)
    return endpoint


async def _read_limited(upstream: aiohttp.ClientResponse) -> bytes:
    """The upstream body, read no further than API Gateway's 10 MB payload limit.

    An integration response over the limit fails as API Gateway fails one (a Lambda response
    over its limit is recorded as INTEGRATION_FAILURE, 502 `Internal server error`:
    DataBiosphere/azul#8258), without holding more than the limit in memory."""
    limit = payloads.MAX_PAYLOAD
    declared = upstream.content_length
    if declared is not None and declared <= limit:
        return await upstream.read()  # one call: the declared length is within the limit
    if declared is None:
        chunks = []
        size = 0
        async for chunk in upstream.content.iter_any():
            size += len(chunk)
            if size > limit:
                break
            chunks.append(chunk)
        else:
            return b"".join(chunks)
    raise _too_large()


def _too_large() -> GatewayError:
    limit = payloads.MAX_PAYLOAD
    return GatewayError(
        "INTEGRATION_FAILURE",
        "Internal server error",
        status=502,
        reason=f"integration response body exceeds {limit} bytes",
    )
