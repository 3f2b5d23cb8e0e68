"""Lambda proxy results (apigwc.runtime.integrations.lambda_proxy), in process: runtime reference §2.2, §2.4.

REST results are covered end to end in test_runtime_rest.py (the AWS-recorded §2.2 table); this
table pins the HTTP API results: payload 2.0 (a result without `statusCode` is the body, cookies,
base64 always decoded, JSON by default) and payload 1.0 (REST's keys, unknown ones ignored).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from apigwc.runtime.integrations.lambda_proxy import (
    http_event,
    http_v1_response,
    http_v2_response,
    rest_event,
    rest_response,
)
from apigwc.runtime.pipeline.context import Request, context_values
from apigwc.runtime.responses.gateway_responses import GatewayError

JSON = ("Content-Type", "application/json")

# (id, function result, status, headers (in order), body)
V2_RESULTS: list[tuple[str, Any, int, list[tuple[str, str]], bytes]] = [
    (
        "no-status-string-sent-as-is [DG]",
        "hello",
        200,
        [("content-type", "application/json")],
        b"hello",
    ),
    (
        "cookies-each-a-set-cookie [DG]",
        {"statusCode": 200, "cookies": ["a=1", "b=2; Path=/"], "body": "x"},
        200,
        [("set-cookie", "a=1"), ("set-cookie", "b=2; Path=/"), JSON],
        b"x",
    ),
    (
        "base64-always-decoded [SAM, 3P]",
        {"statusCode": 200, "body": "aGVsbG8=", "isBase64Encoded": True},
        200,
        [JSON],
        b"hello",
    ),
    ("missing-content-type-is-json [SAM]", {"statusCode": 201, "body": "x"}, 201, [JSON], b"x"),
    (
        "content-type-kept",
        {"statusCode": 200, "headers": {"content-type": "text/plain"}, "body": "x"},
        200,
        [("content-type", "text/plain")],
        b"x",
    ),
    ("string-status", {"statusCode": "202"}, 202, [JSON], b""),
]


@pytest.mark.parametrize(
    ("result", "status", "headers", "body"), [pytest.param(*c[1:], id=c[0]) for c in V2_RESULTS]
)
def test_http_v2_result(
    result: Any, status: int, headers: list[tuple[str, str]], body: bytes
) -> None:
    response = http_v2_response(result)
    assert (response.status, response.headers, response.body) == (status, headers, body)


def test_http_v2_object_without_status_is_its_json() -> None:
    # [DG] §2.4: status 200, JSON content type, the serialised return value as the body.
    result = {"event": {"a": [1, "b"]}, "headers": {"x": "not a header"}}
    response = http_v2_response(result)
    assert response.status == 200
    assert response.headers == [("content-type", "application/json")]
    assert json.loads(response.body) == result


# Payload 1.0 on an HTTP API: REST's keys, but what REST answers 502 to is ignored (§2.4).
V1_RESULTS: list[tuple[str, Any, int, list[tuple[str, str]], bytes]] = [
    (
        "unknown-key-ignored [SAM]",
        {"statusCode": 200, "wrongValue": "x", "body": "b"},
        200,
        [JSON],
        b"b",
    ),
    (
        "base64-always-decoded",
        {"statusCode": 200, "body": "aGVsbG8=", "isBase64Encoded": True},
        200,
        [JSON],
        b"hello",
    ),
    (
        "multi-then-single-under-multi-casing",
        {"multiValueHeaders": {"tesT-Multi": ["m"]}, "headers": {"test-multi": "s"}},
        200,
        [("tesT-Multi", "m, s"), JSON],
        b"",
    ),
]


@pytest.mark.parametrize(
    ("result", "status", "headers", "body"), [pytest.param(*c[1:], id=c[0]) for c in V1_RESULTS]
)
def test_http_v1_result(
    result: Any, status: int, headers: list[tuple[str, str]], body: bytes
) -> None:
    response = http_v1_response(result)
    assert (response.status, response.headers, response.body) == (status, headers, body)


@pytest.mark.parametrize(
    "result",
    [
        pytest.param({"statusCode": 200, "wrongValue": "x"}, id="unknown-key"),
        pytest.param({"statusCode": "test"}, id="non-integer-status"),
        pytest.param({"statusCode": 200, "multiValueHeaders": {"a": "b"}}, id="multi-not-list"),
        pytest.param("justAString", id="bare-string"),
    ],
)
def test_rest_result_rejections_are_502(result: Any) -> None:
    # [AWS-REC] §2.2: 502 {"message": "Internal server error"}, while HTTP API 1.0 is lenient.
    with pytest.raises(GatewayError) as raised:
        rest_response(result, None, ())
    assert raised.value.status == 502


API = {
    "account": "123456789012",
    "apiId": "abc123",
    "deploymentId": "d3p10y",
    "stages": {"$default": {"variables": {}}, "dev": {"variables": {}}},
}
ROUTE = {"resourcePath": "/items/{id}", "resourceId": "r1"}


@pytest.mark.parametrize(("stage", "path"), [("$default", "/items/42"), ("dev", "/dev/items/42")])
def test_http_v1_event_path_carries_only_a_named_stage(stage: str, path: str) -> None:
    """The `$default` stage has no prefix in its URLs, so none in `path` or
    `requestContext.path`; a named stage prefixes both (§2.4)."""
    request = Request("GET", "/items/42", "", [("host", "h")], b"", "127.0.0.1")
    context = context_values(request, API, stage, ROUTE)
    event = rest_event(request, context, ROUTE, {"id": "42"}, (), version="1.0")
    assert (event["path"], event["requestContext"]["path"]) == (path, path)
    assert event["requestContext"]["deploymentId"] == "d3p10y"


@pytest.mark.parametrize("version", [None, "1.0", "2.0"])
def test_the_event_carries_its_own_copy_of_the_authorizer_context(version: str | None) -> None:
    """A cached Lambda authorizer result's `$context.authorizer` is one dict shared by the
    requests it lets through (lambda_authorizer.py): a handler changing its event's copy must
    not change what the next request sees."""
    request = Request("GET", "/items/42", "", [("host", "h")], b"", "127.0.0.1")
    shared = {"role": "admin", "principalId": "user-1", "integrationLatency": 0}
    request.authorizer = shared
    context = context_values(request, API, "dev", ROUTE)
    if version == "2.0":
        event = http_event(request, context, {**ROUTE, "routeKey": "GET /items/{id}"}, {})
        given = event["requestContext"]["authorizer"]["lambda"]
    else:
        event = rest_event(request, context, ROUTE, {"id": "42"}, (), version=version)
        given = event["requestContext"]["authorizer"]
    assert given == shared and given is not shared
    given["role"] = "changed by the handler"
    assert shared["role"] == "admin"
