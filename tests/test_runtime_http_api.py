"""End to end: the generated runtime of an HTTP API (API Gateway v2) under uvicorn.

Route precedence with `$default` (reference §1.10), the payload 2.0 event (§2.3) and 1.0 event
(§2.4), 2.0 responses, fixed error bodies (§4.3) and the security gate.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.runtime_server import Gateway, Reply, serve_spec, upstream, write_spec


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with upstream() as port:
        yield write_spec(tmp_path_factory.mktemp("http"), "http.yaml", {"UPSTREAM": str(port)})


@pytest.fixture(scope="module")
def gw(spec: Path) -> Iterator[Gateway]:
    with serve_spec(spec, spec.parent / "out") as gateway:
        yield gateway


@pytest.fixture(scope="module")
def gw_all(spec: Path) -> Iterator[Gateway]:
    with serve_spec(spec, spec.parent / "out-all", "--all-stages") as gateway:
        yield gateway


def served_by(reply: Reply) -> str:
    data = reply.json()
    assert isinstance(data, dict), data
    if "event" in data:
        event = data["event"]
        return str(event.get("routeKey") or event["resource"])
    return "default " + str(data["path"])


ROUTES = [
    ("literal", "GET", "/items", "GET /items"),
    ("literal beats param", "GET", "/items/special", "GET /items/special"),
    ("param", "GET", "/items/7", "/items/{id}"),
    ("param beats greedy", "GET", "/items/7/", "/items/{id}"),
    ("longer greedy prefix first", "GET", "/items/7/parts", "ANY /items/{proxy+}"),
    ("ANY on greedy for other methods", "POST", "/items", "ANY /{proxy+}"),
    ("root greedy", "GET", "/other/thing", "ANY /{proxy+}"),
    ("root greedy for DELETE", "DELETE", "/other", "ANY /{proxy+}"),
    ("$default for the root path", "GET", "/", "default /base/default/"),
]


@pytest.mark.parametrize(
    ("method", "path", "route"), [r[1:] for r in ROUTES], ids=[r[0] for r in ROUTES]
)
def test_route_precedence(gw: Gateway, method: str, path: str, route: str) -> None:
    reply = gw.fetch(method, path)
    assert reply.status == 200, reply.body
    assert served_by(reply) == route


def test_v2_event_shape(gw: Gateway) -> None:
    reply = gw.fetch(
        "POST",
        "/items/a%2Fb/c?x=1&x=2&y=%20",
        {"Cookie": "a=1; b=2", "X-Dup": "1", "Content-Type": "application/json"},
        b'{"k": 1}',
    )
    assert reply.header("apigw-requestid") is not None
    assert reply.header("x-amzn-RequestId") is None
    data = reply.json()
    assert isinstance(data, dict)
    event: dict[str, Any] = data["event"]
    assert event["version"] == "2.0"
    assert event["routeKey"] == "ANY /items/{proxy+}"
    assert event["rawPath"] == "/dev/items/a%2Fb/c"  # a named stage prefixes rawPath
    assert event["rawQueryString"] == "x=1&x=2&y=%20"
    assert event["cookies"] == ["a=1", "b=2"]
    assert event["queryStringParameters"] == {"x": "1,2", "y": " "}
    assert event["pathParameters"] == {"proxy": "a%2Fb/c"}
    assert event["headers"]["x-dup"] == "1" and "cookie" not in event["headers"]
    # [GO] captured 2.0 events: the gateway adds its trace id and x-forwarded-*, and keeps
    # content-length (a REST event drops it)
    headers = event["headers"]
    assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24}", headers["x-amzn-trace-id"])
    assert (headers["x-forwarded-for"], headers["x-forwarded-proto"]) == ("127.0.0.1", "http")
    assert headers["x-forwarded-port"].isdigit() and headers["content-length"] == "8"
    assert event["stageVariables"] == {"name": "dev"}
    assert event["body"] == '{"k": 1}' and event["isBase64Encoded"] is False
    ctx = event["requestContext"]
    assert ctx["http"]["method"] == "POST" and ctx["http"]["path"] == "/dev/items/a%2Fb/c"
    assert ctx["http"]["sourceIp"] == "127.0.0.1" and ctx["http"]["protocol"] == "HTTP/1.1"
    assert ctx["routeKey"] == "ANY /items/{proxy+}" and ctx["stage"] == "dev"
    assert ctx["requestId"] == reply.header("apigw-requestid")
    assert isinstance(ctx["timeEpoch"], int) and ctx["time"].endswith("+0000")


def test_v2_event_optional_keys_absent(gw: Gateway) -> None:
    data = gw.fetch("GET", "/items").json()
    assert isinstance(data, dict)
    event = data["event"]
    for key in ("cookies", "queryStringParameters", "pathParameters", "body"):
        assert key not in event, key
    assert event["rawQueryString"] == ""


def test_v2_body_without_text_content_type_is_base64(gw: Gateway) -> None:
    data = gw.fetch(
        "POST", "/items/x/y", {"Content-Type": "application/x-www-form-urlencoded"}, b"a=1"
    ).json()
    assert isinstance(data, dict)
    assert data["event"]["body"] == "YT0x" and data["event"]["isBase64Encoded"] is True
    # [3P, checked against AWS] no Content-Type at all is base64 too (§2.3)
    bare = gw.fetch("POST", "/items/x/y", {}, b"a=1").json()
    assert isinstance(bare, dict)
    assert bare["event"]["body"] == "YT0x" and bare["event"]["isBase64Encoded"] is True


def test_v2_result_without_status_code_is_the_body(gw: Gateway) -> None:
    reply = gw.fetch("GET", "/items")
    assert reply.status == 200
    assert reply.header("content-type") == "application/json"
    assert reply.body.startswith(b'{"event": ')


# (shape the function returns, status, content type, body) through payload 2.0 (§2.4, [DG]
# http-api-develop-integrations-lambda): valid JSON without `statusCode` is a 200
# application/json answer whose body is that JSON (a returned string as-is); with
# `statusCode` the keys are the answer's, unknown ones ignored, base64 always decoded.
V2_RESULTS = [
    ("string", 200, "application/json", b"justAString"),
    ("empty", 200, "application/json", b"{}"),
    ("no-status", 200, "application/json", b'{"headers": {"test-header": "value"}}'),
    ("status-only", 200, "application/json", b""),
    ("status-string", 201, "application/json", b"created"),
    ("extra-key", 200, "application/json", b""),
    ("base64", 200, "application/json", b"hello"),
    ("content-type", 200, "text/plain", b"hi"),
]


@pytest.mark.parametrize(
    ("shape", "status", "content_type", "body"), V2_RESULTS, ids=[r[0] for r in V2_RESULTS]
)
def test_v2_results(gw: Gateway, shape: str, status: int, content_type: str, body: bytes) -> None:
    reply = gw.fetch("GET", f"/crash?shape={shape}")
    assert (reply.status, reply.header("content-type"), reply.body) == (status, content_type, body)


def test_v1_event_on_http_api(gw: Gateway) -> None:
    data = gw.fetch("GET", "/items/42?q=1").json()
    assert isinstance(data, dict)
    event = data["event"]
    assert event["version"] == "1.0"
    assert event["resource"] == "/items/{id}" and event["pathParameters"] == {"id": "42"}
    assert event["requestContext"]["path"] == "/dev/items/42"
    assert event["path"] == "/dev/items/42"  # a named stage prefixes `path` too (§2.4)
    assert "operationName" not in event["requestContext"]


ERRORS = [
    ("function error", "/crash?shape=crash", 500, b'{"message":"Internal Server Error"}'),
    ("timeout", "/slow?seconds=2", 503, b'{"message":"Service Unavailable"}'),
    # A JWT route asked without a token: 401 before any key is needed (issue 12 point 4; the
    # 500 of an issuer without keys is in test_runtime_jwt_authorizers.py).
    ("authorizer route", "/secure", 401, b'{"message":"Unauthorized"}'),
]


@pytest.mark.parametrize(
    ("path", "status", "body"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_http_api_errors(gw: Gateway, path: str, status: int, body: bytes) -> None:
    reply = gw.fetch("GET", path)
    assert (reply.status, reply.body) == (status, body)
    assert reply.header("x-amzn-ErrorType") is None


def test_default_route_proxies_to_upstream(gw: Gateway) -> None:
    reply = gw.fetch("GET", "/")
    data = reply.json()
    assert isinstance(data, dict) and data["method"] == "GET"
    assert reply.header("X-Upstream") == "yes"


def test_unknown_stage_is_not_found(gw_all: Gateway) -> None:
    reply = gw_all.fetch("GET", "/prod/items")
    assert (reply.status, reply.body) == (404, b'{"message":"Not Found"}')
    assert served_by(gw_all.fetch("GET", "/dev/items")) == "GET /items"


ORIGIN = "https://app.example.com"


def test_cors_preflight_answered_by_the_gateway(gw: Gateway) -> None:
    reply = gw.fetch(
        "OPTIONS", "/secure", {"Origin": ORIGIN, "Access-Control-Request-Method": "GET"}
    )
    assert reply.status == 204 and reply.body == b""  # before routing and authorization
    assert reply.header("access-control-allow-origin") == ORIGIN
    assert reply.header("access-control-allow-methods") == "GET,POST"
    assert reply.header("access-control-allow-headers") == "content-type"
    assert reply.header("access-control-max-age") == "300"


def test_cors_headers_on_actual_responses(gw: Gateway) -> None:
    allowed = gw.fetch("GET", "/items", {"Origin": ORIGIN})
    assert allowed.header("access-control-allow-origin") == ORIGIN
    assert allowed.header("access-control-expose-headers") == "x-echo"
    other = gw.fetch("GET", "/items", {"Origin": "https://evil.example.com"})
    assert other.header("access-control-allow-origin") is None


def test_http_api_parameter_mapping(gw: Gateway) -> None:
    reply = gw.fetch("GET", "/mapped/cats?drop=1&keep=2", {"x-in": "v"})
    seen = reply.json()
    assert isinstance(seen, dict)
    assert seen["path"] == "/base/cats?keep=2&extra=v"
    assert {k.lower(): v for k, v in seen["headers"]}["x-from"] == "apigateway"
    assert reply.header("x-served-by") == "mapped-cats"
    assert gw.fetch("GET", "/mapped/created").status == 202  # overwrite:statuscode on 201


def test_v2_time_formats(gw: Gateway) -> None:
    """§0.3: `time` is `dd/MMM/yyyy:HH:mm:ss +0000`, `timeEpoch` epoch milliseconds."""
    import re
    from datetime import datetime

    data = gw.fetch("GET", "/items").json()
    assert isinstance(data, dict)
    ctx = data["event"]["requestContext"]
    assert re.fullmatch(r"\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000", ctx["time"])
    clf = datetime.strptime(ctx["time"], "%d/%b/%Y:%H:%M:%S %z").timestamp()
    assert 0 <= ctx["timeEpoch"] / 1000 - clf < 1
