"""End to end: the generated runtime of a REST API under uvicorn, one table per feature.

One server per module (built from `runtime_specs/rest.yaml` with a real upstream for the HTTP
proxy rows); rows are request -> expected status / headers / body, with AWS-recorded cases of
the runtime reference (§1.2, §2.2, §4) as rows.
"""

from __future__ import annotations

import gzip
import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.runtime_server import Gateway, Reply, free_port, serve_spec, upstream, write_spec

MISSING_TOKEN = b'{"message":"Missing Authentication Token"}'
INTERNAL = b'{"message": "Internal server error"}'


@pytest.fixture(scope="module")
def upstream_port() -> Iterator[int]:
    with upstream() as port:
        yield port


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory, upstream_port: int) -> Path:
    tmp = tmp_path_factory.mktemp("rest")
    return write_spec(
        tmp, "rest.yaml", {"UPSTREAM": str(upstream_port), "CLOSED_PORT": str(free_port())}
    )


@pytest.fixture(scope="module")
def gw(spec: Path) -> Iterator[Gateway]:
    with serve_spec(spec, spec.parent / "out") as gateway:
        yield gateway


@pytest.fixture(scope="module")
def gw_all(spec: Path) -> Iterator[Gateway]:
    with serve_spec(spec, spec.parent / "out-all", "--all-stages") as gateway:
        yield gateway


def event_of(reply: Reply) -> dict[str, Any]:
    assert reply.status == 200, reply.body
    data = reply.json()
    assert isinstance(data, dict)
    return data["event"]  # type: ignore[no-any-return]


def where(reply: Reply) -> str:
    """What served a request: a mock's `where`, or the resource of the echo function."""
    data = reply.json()
    assert isinstance(data, dict)
    if "event" in data:
        return "echo " + data["event"]["resource"]
    return str(data["where"])


# -- routing (reference §1.2) -------------------------------------------------------------
ROUTING = [
    ("root", "GET", "/", "root"),
    ("literal", "GET", "/pets", "echo /pets"),
    ("literal beats param", "GET", "/pets/search", "search"),
    ("param", "GET", "/pets/42", "echo /pets/{petId}"),
    ("child of param", "GET", "/pets/42/toys", "echo /pets/{petId}/toys"),
    ("trailing slash ignored", "GET", "/pets/42/", "echo /pets/{petId}"),
    ("extra slash after stage", "GET", "//pets", "echo /pets"),
    # [AWS-REC] greedy under a literal with no matching child: the root greedy resource serves it
    ("greedy fallback under literal", "GET", "/part1/random-value", "echo /{proxy+}"),
    # [AWS-REC] /test has no OPTIONS, its greedy sibling has one
    ("method fallback to greedy sibling", "OPTIONS", "/test", "greedy-options"),
    ("explicit GET beats ANY", "GET", "/anything", "anything-get"),
    ("ANY catches undeclared methods", "DELETE", "/anything", "anything-any"),
    ("ANY catches HEAD-less POST", "POST", "/anything", "anything-any"),
    ("deep greedy", "GET", "/a/b/c", "echo /{proxy+}"),
    # an escaped unreserved letter names the same literal (RFC 3986 §6.2.2.2)
    ("escaped letter in a literal", "GET", "/%70ets", "echo /pets"),
]


@pytest.mark.parametrize(
    ("method", "path", "served_by"), [r[1:] for r in ROUTING], ids=[r[0] for r in ROUTING]
)
def test_routing(gw: Gateway, method: str, path: str, served_by: str) -> None:
    assert where(gw.fetch(method, path)) == served_by


UNKNOWN = [
    ("method not declared", "DELETE", "/pets"),
    ("no automatic HEAD", "HEAD", "/pets"),
    ("PUT on a param resource", "PUT", "/pets/1"),
    ("unknown method anywhere", "PATCH", "/nothing/here"),
]


@pytest.mark.parametrize(("method", "path"), [r[1:] for r in UNKNOWN], ids=[r[0] for r in UNKNOWN])
def test_unknown_route_is_missing_authentication_token(gw: Gateway, method: str, path: str) -> None:
    reply = gw.fetch(method, path)
    assert reply.status == 403
    assert reply.header("x-amzn-ErrorType") == "MissingAuthenticationTokenException"
    assert reply.header("Content-Type") == "application/json"
    if method != "HEAD":
        assert reply.body == MISSING_TOKEN
        assert reply.header("Content-Length") == "42"


def test_standard_headers(gw: Gateway) -> None:
    reply = gw.fetch("GET", "/")
    request_id = reply.header("x-amzn-RequestId") or ""
    assert len(request_id) == 36 and request_id.count("-") == 4
    apigw_id = reply.header("x-amz-apigw-id") or ""
    assert len(apigw_id) == 16 and apigw_id.endswith("=")
    assert reply.header("X-Amzn-Trace-Id") is None  # MOCK responses carry no trace id
    assert reply.header("server") is None
    client_id = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    assert (
        gw.fetch("GET", "/", {"x-amzn-RequestId": client_id}).header("x-amzn-RequestId")
        == client_id
    )
    assert gw.fetch("GET", "/", {"x-amzn-RequestId": "nope"}).header("x-amzn-RequestId") != "nope"


# -- Lambda proxy event (reference §2.1) --------------------------------------------------
def test_rest_event_shape(gw: Gateway) -> None:
    path = "/pets/test%2Balias@gmail.com/toys?a=1&a=2&plus=a+b&enc=%2B"
    reply = gw.fetch("GET", path, {"tEsT-HEADeR": "v", "authorization": "token", "X-Multi": "1"})
    assert reply.header("X-Amzn-Trace-Id") is not None
    event = event_of(reply)
    assert set(event) == {
        "resource", "path", "httpMethod", "headers", "multiValueHeaders", "queryStringParameters",
        "multiValueQueryStringParameters", "pathParameters", "stageVariables", "requestContext",
        "body", "isBase64Encoded",
    }  # fmt: skip
    assert event["resource"] == "/pets/{petId}/toys"
    assert event["path"] == "/pets/test%2Balias@gmail.com/toys"
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"petId": "test%2Balias@gmail.com"}  # left encoded
    assert event["queryStringParameters"] == {
        "a": "2",
        "plus": "a b",
        "enc": "+",
    }  # decoded, last wins
    assert event["multiValueQueryStringParameters"] == {
        "a": ["1", "2"],
        "plus": ["a b"],
        "enc": ["+"],
    }
    # [AWS-REC] the client's header-name casing is kept, `authorization` becomes `Authorization`
    assert event["headers"]["Authorization"] == "token"
    assert event["headers"]["tEsT-HEADeR"] == "v"
    assert "test-header" not in event["headers"]
    assert event["multiValueHeaders"]["X-Multi"] == ["1"]
    assert event["multiValueHeaders"]["tEsT-HEADeR"] == ["v"]
    assert event["headers"]["Host"].startswith("127.0.0.1:")  # as http.client writes it
    assert "X-Forwarded-For" in event["headers"]
    assert not {"content-length", "Content-Length", "connection", "Connection"} & set(
        event["headers"]
    )
    # the gateway's trace id, the one the response carries (§2.1)
    assert event["headers"]["X-Amzn-Trace-Id"] == reply.header("X-Amzn-Trace-Id")
    assert event["multiValueHeaders"]["X-Amzn-Trace-Id"] == [reply.header("X-Amzn-Trace-Id")]
    assert event["stageVariables"] == {
        "name": "dev",
        "upstream": event["stageVariables"]["upstream"],
        "echoFunction": "Echo",
    }
    assert event["body"] is None and event["isBase64Encoded"] is False
    ctx = event["requestContext"]
    # [AWS-REC] the keys of a method with authorizationType NONE, in order (§2.1)
    assert list(ctx) == [
        "accountId", "apiId", "deploymentId", "domainName", "domainPrefix", "extendedRequestId",
        "httpMethod", "identity", "path", "protocol", "requestId", "requestTime",
        "requestTimeEpoch", "resourceId", "resourcePath", "stage",
    ]  # fmt: skip
    assert re.fullmatch(r"[a-z0-9]{6}", ctx["deploymentId"])
    assert ctx["path"] == "/dev/pets/test%2Balias@gmail.com/toys"
    assert ctx["resourcePath"] == "/pets/{petId}/toys"
    assert ctx["stage"] == "dev" and ctx["protocol"] == "HTTP/1.1"
    assert ctx["accountId"] == "123456789012"
    assert isinstance(ctx["requestTimeEpoch"], int)
    assert ctx["requestTime"].endswith(" +0000")
    assert ctx["requestId"] == reply.header("x-amzn-RequestId")
    assert ctx["extendedRequestId"] == reply.header("x-amz-apigw-id")
    assert ctx["identity"]["sourceIp"] == "127.0.0.1" and ctx["identity"]["caller"] is None


def test_rest_event_collections_are_null_when_empty(gw: Gateway) -> None:
    event = event_of(gw.fetch("GET", "/pets"))
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["pathParameters"] is None
    assert event["requestContext"]["operationName"] == "listPets"


def test_rest_event_bodies(gw: Gateway) -> None:
    text = event_of(gw.fetch("POST", "/pets", {"Content-Type": "application/json"}, b'{"a": 1}'))
    assert text["body"] == '{"a": 1}' and text["isBase64Encoded"] is False
    binary = event_of(gw.fetch("POST", "/pets", {"Content-Type": "image/png"}, b"\x89PNG"))
    assert binary["body"] == "iVBORw==" and binary["isBase64Encoded"] is True


def test_greedy_event_keeps_trailing_slash_and_double_slash(gw: Gateway) -> None:
    event = event_of(gw.fetch("GET", "/proxy-value//double-slash/"))
    assert event["path"] == "/proxy-value//double-slash/"
    assert event["pathParameters"] == {"proxy": "proxy-value//double-slash"}


def test_lambda_context(gw: Gateway) -> None:
    data = gw.fetch("GET", "/pets").json()
    assert isinstance(data, dict)
    assert data["context"]["function_name"] == "Echo"
    assert data["context"]["memory"] == 256
    assert 0 < data["context"]["remaining"] <= 10000
    assert data["context"]["arn"] == "arn:aws:lambda:us-east-1:123456789012:function:Echo"
    assert data["context"]["log_group"] == "/aws/lambda/Echo"
    # Lambda's own request id: a UUID of the invocation, stable while it runs, not API Gateway's.
    assert uuid.UUID(data["context"]["request_id"]).version == 4
    assert data["context"]["same_request_id"] is True
    assert data["context"]["request_id"] != data["event"]["requestContext"]["requestId"]


# -- Lambda proxy responses (reference §2.2, AWS-recorded) --------------------------------
SHAPES = [
    ("status-only", 200, {"Content-Type": "application/json", "Content-Length": "0"}, b""),
    ("status-string", 201, {}, b"created"),
    ("no-status", 200, {"test-header": "value"}, b""),
    ("bool-header", 200, {"header-bool": "true"}, b""),
    ("null-headers", 200, {}, b""),
    ("multi", 200, {"test-multi": "value1, value2"}, b""),
    ("multi-and-single", 200, {"tesT-Multi": "value-multi, value-solo"}, b""),
    ("empty", 200, {}, b""),
    ("base64", 200, {}, b"aGVsbG8="),  # no binary Accept: still base64 text
    ("content-type", 200, {"Content-Type": "text/plain"}, b"hi"),
    # [DG] a function passes an error type to the client in `X-Amzn-ErrorType`
    ("error-type", 409, {"x-amzn-ErrorType": "ConflictException"}, b""),
    (
        "remapped",
        200,
        {"x-amzn-Remapped-Server": "lambda", "x-amzn-Remapped-Date": "yesterday"},
        b"",
    ),
    ("extra-key", 502, {"x-amzn-ErrorType": "InternalServerErrorException"}, INTERNAL),
    ("bad-status", 502, {}, INTERNAL),
    ("multi-not-list", 502, {}, INTERNAL),
    ("string", 502, {}, INTERNAL),
    ("crash", 502, {}, INTERNAL),
    ("unserialisable", 502, {}, INTERNAL),
]


@pytest.mark.parametrize(("shape", "status", "headers", "body"), SHAPES, ids=[s[0] for s in SHAPES])
def test_lambda_proxy_response(
    gw: Gateway, shape: str, status: int, headers: dict[str, str], body: bytes
) -> None:
    reply = gw.fetch("GET", f"/lambda/shapes?shape={shape}")
    assert (reply.status, reply.body) == (status, body)
    for name, value in headers.items():
        assert reply.header(name) == value, name


def test_base64_decoded_when_accept_is_binary(gw: Gateway) -> None:
    reply = gw.fetch("GET", "/lambda/shapes?shape=base64", {"Accept": "application/octet-stream"})
    assert reply.body == b"hello"


def test_integration_timeout_is_504(gw: Gateway) -> None:
    reply = gw.fetch("GET", "/lambda/slow?seconds=2")
    assert reply.status == 504
    assert reply.body == b'{"message": "Endpoint request timed out"}'


def test_function_timeout_is_502(gw: Gateway) -> None:
    reply = gw.fetch("GET", "/lambda/slow-function?seconds=1.5")
    assert (reply.status, reply.body) == (502, INTERNAL)


def test_function_within_timeout(gw: Gateway) -> None:
    reply = gw.fetch("GET", "/lambda/slow?seconds=0")
    assert (reply.status, reply.body) == (200, b"late")


# -- MOCK (reference §1.6, §1.7) ----------------------------------------------------------
MOCKS = [
    (
        "status from template",
        "GET",
        "/mock/teapot",
        {},
        418,
        {"X-Static": "tea", "X-Stage": "dev"},
        b'{"short":"stout"}',
    ),
    (
        "response template by Accept",
        "GET",
        "/mock/teapot",
        {"Accept": "text/plain"},
        418,
        {"Content-Type": "text/plain"},
        b"short and stout",
    ),
    (
        "unknown Accept falls back to JSON",
        "GET",
        "/mock/teapot",
        {"Accept": "image/gif"},
        418,
        {"Content-Type": "application/json"},
        b'{"short":"stout"}',
    ),
    ("unparseable statusCode", "GET", "/mock/unparseable", {}, 500, {}, INTERNAL),
    ("no matching integration response", "GET", "/mock/nomatch", {}, 500, {}, INTERNAL),
    (
        "passthrough NEVER",
        "POST",
        "/mock/strict",
        {"Content-Type": "text/plain"},
        415,
        {},
        b'{"unsupported":true}',
    ),
    (
        "template for the content type",
        "POST",
        "/mock/strict",
        {"Content-Type": "application/json; charset=utf-8"},
        200,
        {},
        b"",
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "headers", "status", "expect_headers", "body"),
    [m[1:] for m in MOCKS],
    ids=[m[0] for m in MOCKS],
)
def test_mock(
    gw: Gateway,
    method: str,
    path: str,
    headers: dict[str, str],
    status: int,
    expect_headers: dict[str, str],
    body: bytes,
) -> None:
    reply = gw.fetch(method, path, headers, b"x" if method == "POST" else b"")
    assert (reply.status, reply.body) == (status, body)
    for name, value in expect_headers.items():
        assert reply.header(name) == value, name


def test_mock_velocity_templates(gw: Gateway) -> None:
    reply = gw.fetch("GET", "/mock/vtl?code=200&q=hi")
    assert reply.status == 200
    assert reply.json() == {"q": "hi", "stage": "dev", "id": reply.header("x-amzn-RequestId")}
    override = gw.fetch("GET", "/mock/vtl?code=404")
    assert (override.status, override.header("X-Over")) == (422, "yes")
    assert override.json() == {"overridden": True}


# -- request validation (reference §1.5, AWS-recorded message order) -------------------------
VALID_HEADERS = {"x-header-param": "h", "Content-Type": "application/json"}
VALIDATION = [
    ("all parameters missing", "/validated/x", {}, b"{}", 400,
     b'{"message":"Missing required request parameters: [x-header-param, qs1]"}'),
    ("blank query value", "/validated/x?qs1=", VALID_HEADERS, b'{"name":"a"}', 400,
     b'{"message":"Missing required request parameters: [qs1]"}'),
    ("parameters before body", "/validated/x", VALID_HEADERS, b"[]", 400,
     b'{"message":"Missing required request parameters: [qs1]"}'),
    ("body fails the model", "/validated/x?qs1=1", VALID_HEADERS, b'{"name":""}', 400,
     b'{"message":"Invalid request body"}'),
    ("referenced model checked", "/validated/x?qs1=1", VALID_HEADERS, b'{"name":"a","owner":{"age":-1}}', 400,
     b'{"message":"Invalid request body"}'),
    ("not JSON", "/validated/x?qs1=1", VALID_HEADERS, b"{", 400, b'{"message":"Invalid request body"}'),
    ("valid", "/validated/x?qs1=1", VALID_HEADERS, b'{"name":"a","owner":{"age":3}}', 200, b'{"valid":true}'),
]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "headers", "body", "status", "expected"),
    [v[1:] for v in VALIDATION],
    ids=[v[0] for v in VALIDATION],
)
def test_request_validation(
    gw: Gateway, path: str, headers: dict[str, str], body: bytes, status: int, expected: bytes
) -> None:
    reply = gw.fetch("POST", path, headers, body)
    assert (reply.status, reply.body) == (status, expected)
    if status == 400:
        assert reply.header("x-amzn-ErrorType") == "BadRequestException"


# -- compression (reference §6.2) ---------------------------------------------------------
def test_response_compressed_above_minimum_size(gw: Gateway) -> None:
    reply = gw.fetch("GET", "/pets", {"Accept-Encoding": "gzip"})
    assert reply.header("Content-Encoding") == "gzip"
    assert json.loads(gzip.decompress(reply.body))["event"]["resource"] == "/pets"
    small = gw.fetch("GET", "/", {"Accept-Encoding": "gzip"})  # 16 bytes: below the minimum
    assert small.header("Content-Encoding") is None and small.body == b'{"where":"root"}'
    assert gw.fetch("GET", "/pets").header("Content-Encoding") is None  # identity asked


def test_request_body_inflated(gw: Gateway) -> None:
    headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
    event = event_of(gw.fetch("POST", "/pets", headers, gzip.compress(b'{"a": 1}')))
    assert event["body"] == '{"a": 1}'
    broken = gw.fetch("POST", "/pets", headers, b"not gzip")
    assert (broken.status, broken.body) == (415, b'{"unsupported":true}')


# -- HTTP proxy (reference §1.7, §1.8) ----------------------------------------------------
def test_http_proxy_forwards_method_path_query_headers_body(gw: Gateway) -> None:
    reply = gw.fetch(
        "PUT",
        "/vets/clinic/a%20b?x=1&x=2",
        {"X-Client": "c", "x-q": "from-header", "Content-Type": "text/plain"},
        b"payload",
    )
    assert reply.status == 200
    seen = reply.json()
    assert isinstance(seen, dict)
    assert seen["method"] == "PUT"
    assert seen["path"] == "/base/clinic/a%20b?x=1&x=2&mapped=from-header"
    headers = {k.lower(): v for k, v in seen["headers"]}
    assert headers["x-client"] == "c" and headers["x-mapped"] == "static-value"
    assert headers["x-forwarded-for"] == "127.0.0.1"
    assert headers["host"].startswith("127.0.0.1:")  # the upstream's host, not the client's
    # [AWS-REC] test_http_integration_with_lambda[HTTP_PROXY]: the gateway's own headers
    assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24}", headers["x-amzn-trace-id"])
    assert re.fullmatch(r"[0-9a-f]{10}", headers["x-amzn-apigateway-api-id"])
    assert seen["body"] == "payload"
    assert reply.header("X-Upstream") == "yes"
    assert reply.header("x-amzn-Remapped-Server") is not None  # the upstream's Server header
    assert reply.header("x-amzn-Remapped-Date") is not None


# (client header, value, what the backend sees: the value, or None = dropped) through a REST
# HTTP_PROXY: [DG-web] api-gateway-known-issues.html header table, request column.
PROXY_REQUEST_HEADERS = [
    ("dropped Content-MD5", "Content-MD5", "abc", None),
    ("dropped Max-Forwards", "Max-Forwards", "3", None),
    ("dropped Via", "Via", "1.1 client", None),
    ("dropped Proxy-Authenticate", "Proxy-Authenticate", "Basic", None),
    ("dropped WWW-Authenticate", "WWW-Authenticate", "Basic", None),
    ("dropped Trailer", "Trailer", "X-T", None),
    ("dropped SigV4 Authorization", "Authorization", "AWS4-HMAC-SHA256 Credential=k/x", None),
    ("passed Authorization", "Authorization", "Bearer t", "Bearer t"),
    ("passed Accept-Encoding", "Accept-Encoding", "br", "br"),
    ("passed Pragma", "Pragma", "no-cache", "no-cache"),
    ("passed Warn", "Warn", "w", "w"),
    ("passed Referer", "Referer", "https://example.com/", "https://example.com/"),
]


@pytest.mark.parametrize(
    ("name", "value", "seen"),
    [r[1:] for r in PROXY_REQUEST_HEADERS],
    ids=[r[0] for r in PROXY_REQUEST_HEADERS],
)
def test_http_proxy_request_header_table(
    gw: Gateway, name: str, value: str, seen: str | None
) -> None:
    data = gw.fetch("GET", "/vets/clinic/x", {name: value}).json()
    assert isinstance(data, dict)
    assert {k.lower(): v for k, v in data["headers"]}.get(name.lower()) == seen


def test_http_proxy_response_headers_remapped_or_dropped(gw: Gateway) -> None:
    """The backend's own `x-amzn-RequestId`, `Content-MD5`, `WWW-Authenticate` come back
    renamed, its `Via` is dropped, the gateway's request id stays the gateway's (§1.7 table)."""
    reply = gw.fetch("GET", "/vets/remap/x")
    assert reply.header("x-amzn-Remapped-x-amzn-RequestId") == "upstream-id"
    assert uuid.UUID(reply.header("x-amzn-RequestId") or "").version == 4
    assert reply.header("x-amzn-Remapped-Content-MD5") == "md5"
    assert reply.header("x-amzn-Remapped-WWW-Authenticate") == "Basic"
    assert reply.header("WWW-Authenticate") is None and reply.header("Content-MD5") is None
    assert reply.header("Via") is None and reply.header("Warn") == "w"


def test_http_proxy_passes_the_clients_coding_both_ways(gw: Gateway) -> None:
    """The backend sees the client's `Accept-Encoding` (http.client sends `identity`), not
    aiohttp's; a client that asks for gzip gets the backend's gzip body with its
    `Content-Encoding` (passthrough)."""
    plain = gw.fetch("GET", "/vets/gzip/x")
    data = plain.json()
    assert isinstance(data, dict)
    assert {k.lower(): v for k, v in data["headers"]}["accept-encoding"] == "identity"
    assert plain.header("Content-Encoding") is None
    packed = gw.fetch("GET", "/vets/gzip/x", {"Accept-Encoding": "gzip"})
    assert packed.header("Content-Encoding") == "gzip"
    assert json.loads(gzip.decompress(packed.body))["path"] == "/base/gzip/x"


def test_http_proxy_passes_status(gw: Gateway) -> None:
    assert gw.fetch("POST", "/vets/created/x").status == 201


def test_http_proxy_timeout(gw: Gateway) -> None:
    reply = gw.fetch("GET", "/vets/sleep")
    assert (reply.status, reply.body) == (504, b'{"message": "Endpoint request timed out"}')


def test_http_proxy_unreachable(gw: Gateway) -> None:
    reply = gw.fetch("GET", "/unreachable")
    assert reply.status == 504
    assert reply.body == b'{"message": "Network error communicating with endpoint"}'


# -- non-proxy integrations (reference §1.6, §1.7, §2.9) ----------------------------------
def test_http_custom_integration(gw: Gateway) -> None:
    reply = gw.fetch("GET", "/custom/http/7?q=z", {"X-Client": "not forwarded"})
    assert reply.status == 200
    assert reply.header("X-Up") == "yes" and reply.header("X-Upstream") is None
    data = reply.json()
    assert isinstance(data, dict)
    assert data["path"] == "/base/7?q=z"
    assert json.loads(data["body"]) == {"got": "7"}
    assert gw.fetch("GET", "/custom/http/created").status == 202  # selected by status "201"


def test_http_custom_sends_only_mapped_headers(gw: Gateway) -> None:
    data = gw.fetch("GET", "/custom/http/7", {"X-Client": "c"}).json()
    assert isinstance(data, dict)
    seen = {k.lower(): v for k, v in data["headers"]}
    assert "x-client" not in seen
    assert seen["x-custom"] == "c"
    assert seen["user-agent"].startswith("AmazonAPIGateway_")
    assert seen["accept"] == "application/json"
    assert "x-amzn-apigateway-api-id" in seen
    assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24}", seen["x-amzn-trace-id"])  # §1.6


def test_http_custom_header_table_and_answer(gw: Gateway) -> None:
    """Mapped headers the table drops never reach the backend; the gateway asks for
    `gzip,deflate` itself and inflates the answer before mappings read it, tells the backend
    `X-Forwarded-*`, and answers with the request's `X-Amzn-Trace-Id` ([AWS-REC]
    test_http_integration_with_lambda[HTTP]; §0.1, §1.6)."""
    reply = gw.fetch(
        "POST",
        "/custom/http/table",
        {"Content-Type": "text/plain", "Accept-Encoding": "br"},
        b"plain",
    )
    assert reply.status == 200 and reply.header("X-Body") == "plain"  # read from the inflated body
    assert reply.header("Content-Encoding") is None
    data = reply.json()
    assert isinstance(data, dict)
    seen = {k.lower(): v for k, v in data["headers"]}
    assert seen["x-ok"] == "ok" and seen["accept-encoding"] == "gzip,deflate"
    assert seen["x-forwarded-for"] == "127.0.0.1" and seen["x-forwarded-proto"] == "http"
    assert not {"max-forwards", "content-md5"} & set(seen)
    assert reply.header("X-Amzn-Trace-Id") == seen["x-amzn-trace-id"]


# (id, body the backend echoes into the mapped header): a value the wire cannot carry is left
# out of the answer rather than closing the connection with no answer at all.
UNSENDABLE_VALUES = [
    ("bell", b"a\x07b"),
    ("delete", b"a\x7fb"),
    ("escape", b"\x1b[0m"),
    ("form feed", b"a\x0cb"),
]


@pytest.mark.parametrize(
    "body", [r[1] for r in UNSENDABLE_VALUES], ids=[r[0] for r in UNSENDABLE_VALUES]
)
def test_mapped_header_value_the_wire_cannot_carry(gw: Gateway, body: bytes) -> None:
    reply = gw.fetch("POST", "/custom/http/table", {"Content-Type": "text/plain"}, body)
    assert reply.status == 200 and reply.header("X-Body") is None
    assert reply.json()["body"] == body.decode()  # type: ignore[index]


@pytest.mark.parametrize("path", ["/custom/http/undefined-variable", "/proxy/undefined-variable"])
def test_undefined_stage_variable_host_is_a_configuration_error(gw: Gateway, path: str) -> None:
    """`http://${stageVariables.undefinedHost}/...` renders without a host: an invalid endpoint
    address, 500 API_CONFIGURATION_ERROR, not a 504 network error (§4.2, §8.1)."""
    reply = gw.fetch("GET", path)
    assert (reply.status, reply.body) == (500, INTERNAL)
    assert reply.header("x-amzn-ErrorType") == "InternalServerErrorException"


def test_lambda_custom_integration(gw: Gateway) -> None:
    ok = gw.fetch("GET", "/custom/lambda?name=rex")
    assert (ok.status, ok.json()) == (200, {"echo": {"name": "rex", "fail": ""}})
    assert ok.header("X-Amzn-Trace-Id") is not None  # AWS integrations carry one (§0.1)
    failed = gw.fetch("GET", "/custom/lambda?fail=x")
    assert (failed.status, failed.json()) == (400, {"error": "bad input: x"})


# -- stages and stage variables (reference §8.1) ------------------------------------------
def test_stage_variables_in_lambda_uri(gw: Gateway, gw_all: Gateway) -> None:
    assert gw.fetch("GET", "/lambda/by-stage").json()["context"]["function_name"] == "Echo"  # type: ignore[index]
    prod = gw_all.fetch("GET", "/prod/lambda/by-stage").json()
    assert prod["context"]["function_name"] == "EchoProd"  # type: ignore[index]


def test_all_stages(gw_all: Gateway) -> None:
    event = event_of(gw_all.fetch("GET", "/prod/pets/7"))
    assert event["path"] == "/pets/7"
    assert event["requestContext"]["stage"] == "prod"
    assert event["requestContext"]["path"] == "/prod/pets/7"
    assert event["stageVariables"]["name"] == "prod"
    unknown = gw_all.fetch("GET", "/staging/pets")
    assert (unknown.status, unknown.body) == (403, b'{"message":"Forbidden"}')
    assert gw_all.fetch("GET", "/dev/").json() == {"where": "root"}


def test_mock_header_from_stage_variable(gw_all: Gateway) -> None:
    assert gw_all.fetch("GET", "/prod/mock/teapot").header("X-Stage") == "prod"


# -- gateway responses (reference §4) and the security gate -------------------------------
def test_custom_gateway_response(gw: Gateway) -> None:
    reply = gw.fetch("GET", "/keyed", {"x-trace": "t-1"})
    assert reply.status == 401
    assert reply.header("X-Trace") == "t-1" and reply.header("X-Kind") == "custom"
    assert reply.header("x-amzn-ErrorType") == "ForbiddenException"
    assert reply.json() == {
        "type": "INVALID_API_KEY",
        "msg": "Forbidden",
        "stage": "dev",
        "path": "/keyed",
    }


def test_authorizer_route_is_not_served_open(gw: Gateway) -> None:
    reply = gw.fetch("GET", "/secure", {"Authorization": "allow"})
    assert (reply.status, reply.body) == (500, b'{"message": null}')
    assert reply.header("x-amzn-ErrorType") == "AuthorizerConfigurationException"


def test_aws_service_integration_is_a_configuration_error(gw: Gateway) -> None:
    reply = gw.fetch("GET", "/aws")
    assert (reply.status, reply.body) == (500, INTERNAL)


def test_function_without_local_handler(gw: Gateway) -> None:
    assert (gw.fetch("GET", "/lambda/missing").status) == 500


def test_lambda_proxy_called_with_get_is_500(gw: Gateway) -> None:
    """[AWS-REC] §1.8: an AWS_PROXY integration whose httpMethod is not POST fails the call."""
    reply = gw.fetch("GET", "/lambda/get-method")
    assert (reply.status, reply.body) == (500, INTERNAL)


def test_concurrent_requests(gw: Gateway) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda i: gw.fetch("GET", f"/pets/{i}"), range(32)))
    assert [event_of(r)["pathParameters"]["petId"] for r in replies] == [str(i) for i in range(32)]
    assert len({r.header("x-amzn-RequestId") for r in replies}) == 32


def test_client_trace_id_is_kept(gw: Gateway) -> None:
    sent = "Root=1-5f5e1000-0123456789abcdef01234567"
    reply = gw.fetch("GET", "/pets", {"x-amzn-trace-id": sent})
    assert reply.header("X-Amzn-Trace-Id") == sent
    headers = event_of(reply)["headers"]
    assert headers["x-amzn-trace-id"] == sent and "X-Amzn-Trace-Id" not in headers


def test_expect_100_continue_still_answered(gw: Gateway) -> None:
    """The server protocol records header names in its own `on_header`; the `Expect` handling
    it took over from uvicorn still sends the interim 100 before the body is read."""
    import socket

    with socket.create_connection(("127.0.0.1", gw.port), timeout=10) as conn:
        conn.sendall(
            b"POST /pets HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
            b"Expect: 100-continue\r\nContent-Length: 2\r\nX-Mixed-CASE: yes\r\n\r\n"
        )
        assert conn.recv(64).startswith(b"HTTP/1.1 100 Continue\r\n")
        conn.sendall(b"hi")
        data = b""
        while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    event = json.loads(body)["event"]
    assert event["body"] == "hi"
    assert (
        event["headers"]["X-Mixed-CASE"] == "yes" and event["headers"]["Expect"] == "100-continue"
    )


# -- method response headers and Lambda custom selection (reference §0.1, §1.6, §1.7) -------
def test_mapped_content_type_replaces_the_default(gw: Gateway) -> None:
    """`Content-Type: application/json` is the default only (§0.1): a mapped one is the one."""
    reply = gw.fetch("GET", "/mock/content-type")
    assert (reply.status, reply.body) == (200, b"<p>hi</p>")
    assert [v for k, v in reply.headers if k.lower() == "content-type"] == ["text/html"]
    http = gw.fetch("GET", "/custom/http/content-type")
    assert [v for k, v in http.headers if k.lower() == "content-type"] == ["text/plain"]


def test_response_override_replaces_mapped_headers(gw: Gateway) -> None:
    """`$context.responseOverride.header.X` wins over the mapping of X (§1.6): one value."""
    reply = gw.fetch("GET", "/mock/override-wins")
    # [AWS-REC] a status override set in the request template is honoured (§1.6: 444)
    assert reply.status == 444
    assert [v for k, v in reply.headers if k.lower() == "x-static"] == ["over"]
    assert [v for k, v in reply.headers if k.lower() == "content-type"] == ["text/csv"]


def test_lambda_custom_selection_patterns(gw: Gateway) -> None:
    """[AWS-REC] test_lambda_selection_patterns: responses 200:"", 405:".*four hundred.*",
    502:".+"; a function error naming "four hundred" selects 405 and, with no template, the
    client gets Lambda's error document; a success is matched as "" so `.+` does not catch it."""
    failed = gw.fetch("GET", "/custom/lambda/selection?fail=Raising%20four%20hundred")
    assert failed.status == 405
    document = failed.json()
    assert isinstance(document, dict)
    assert list(document) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert document["errorMessage"] == "bad input: Raising four hundred"
    assert document["errorType"] == "ValueError"
    assert uuid.UUID(document["requestId"]).version == 4
    assert gw.fetch("GET", "/custom/lambda/selection").status == 200


def test_http_proxy_remaps_content_length(gw: Gateway) -> None:
    """[AWS-REC] header remapping (§1.7): the upstream's Content-Length comes back renamed."""
    reply = gw.fetch("GET", "/vets/clinic/x")
    assert reply.header("x-amzn-Remapped-Content-Length") == reply.header("Content-Length")


# -- cross-cutting headers, ids and timestamps (reference §0.1, §0.3) ------------------------
def test_trace_id_only_on_aws_integrations(gw: Gateway) -> None:
    """[AWS-REC] `X-Amzn-Trace-Id` on AWS / AWS_PROXY responses, and on HTTP custom ones; not
    on MOCK, HTTP_PROXY or gateway errors."""
    assert gw.fetch("GET", "/lambda/shapes?shape=empty").header("X-Amzn-Trace-Id") is not None
    assert gw.fetch("GET", "/custom/lambda?name=rex").header("X-Amzn-Trace-Id") is not None
    assert gw.fetch("GET", "/custom/http/7").header("X-Amzn-Trace-Id") is not None
    assert gw.fetch("GET", "/vets/clinic/x").header("X-Amzn-Trace-Id") is None
    assert gw.fetch("GET", "/lambda/shapes?shape=crash").header("X-Amzn-Trace-Id") is None
    assert gw.fetch("DELETE", "/pets").header("X-Amzn-Trace-Id") is None


def test_request_time_formats_and_domain_prefix(gw: Gateway) -> None:
    from datetime import datetime

    host = "abc123defg.execute-api.us-east-1.amazonaws.com"
    ctx = event_of(gw.fetch("GET", "/pets", {"Host": host}))["requestContext"]
    # `dd/MMM/yyyy:HH:mm:ss +0000` and epoch milliseconds of the same instant
    assert re.fullmatch(r"\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000", ctx["requestTime"])
    clf = datetime.strptime(ctx["requestTime"], "%d/%b/%Y:%H:%M:%S %z").timestamp()
    assert 0 <= ctx["requestTimeEpoch"] / 1000 - clf < 1
    assert len(str(ctx["requestTimeEpoch"])) == 13
    assert ctx["domainName"] == host and ctx["domainPrefix"] == "abc123defg"


def test_lambda_custom_without_body_gets_an_empty_object(gw: Gateway) -> None:
    """§1.8: a Lambda custom integration receiving no body gets `{}`; a passed-through body is
    the event as sent."""
    assert gw.fetch("POST", "/custom/lambda/no-template").json() == {"echo": {}}
    sent = gw.fetch("POST", "/custom/lambda/no-template", {}, b'{"a": 1}')
    assert sent.json() == {"echo": {"a": 1}}


def test_illegal_header_mapping_is_internal_server_error(gw: Gateway) -> None:
    """[AWS-REC] TestApiGatewayHeaderRemapping: mapping Content-Length fails the request (§1.6)."""
    reply = gw.fetch("GET", "/custom/http/illegal-header")
    assert (reply.status, reply.body) == (500, INTERNAL)
    assert reply.header("x-amzn-ErrorType") == "InternalServerErrorException"


def test_aws_proxy_ignores_request_parameters(gw: Gateway) -> None:
    """[AWS-REC] test_lambda_aws_proxy_integration_request_data_mapping: the event shows the
    client's headers and query string, not the mapped ones (§1.8)."""
    event = event_of(gw.fetch("GET", "/lambda/mapped?a=1", {"X-Client": "c"}))
    assert event["queryStringParameters"] == {"a": "1"}
    assert event["headers"]["X-Client"] == "c"
    assert not {"x-mapped", "mq"} & {name.lower() for name in event["headers"]}
    # a mapping naming the client's header in other casing leaves its name as sent
    assert [name for name in event["headers"] if name.lower() == "x-client"] == ["X-Client"]
    assert event["multiValueHeaders"]["X-Client"] == ["c"]


def test_extra_slashes_around_the_stage(gw_all: Gateway) -> None:
    """[AWS-REC] test_lambda_aws_proxy_integration (§1.2): `/stage//hardcoded` serves
    `/hardcoded` with `requestContext.path` as sent; `//stage/...` is normalised away."""
    after = event_of(gw_all.fetch("GET", "/dev//pets"))
    assert (after["path"], after["requestContext"]["path"]) == ("/pets", "/dev//pets")
    before = event_of(gw_all.fetch("GET", "//dev/pets"))
    assert (before["path"], before["requestContext"]["path"]) == ("/pets", "/dev/pets")
