"""Gateway responses (apigwc.runtime.responses.gateway_responses) and REST CORS: runtime reference §0.2, §4,
§5.1.

In process: the defaults of all 21 types (status, body bytes, Content-Length, `x-amzn-ErrorType`),
the `DEFAULT_4XX` / `DEFAULT_5XX` fallback, template substitution and header mappings, and the
fixed HTTP API bodies. End to end (`runtime_specs/gateway_responses.yaml` under uvicorn): the
console's OPTIONS MOCK, a preflight to a resource without OPTIONS, inherited CORS headers on
gateway errors, and the 10 MB limit.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from apigwc.runtime.responses.gateway_responses import (
    RESPONSE_TYPES,
    GatewayError,
    Response,
    render_http,
    render_rest,
)

from tests.runtime_server import Gateway, serve_spec, write_spec

# [AWS-REC] the control-plane enum, exact spelling (§4.2).
ALL_TYPES = [
    "REQUEST_TOO_LARGE",
    "RESOURCE_NOT_FOUND",
    "AUTHORIZER_CONFIGURATION_ERROR",
    "MISSING_AUTHENTICATION_TOKEN",
    "BAD_REQUEST_BODY",
    "INVALID_SIGNATURE",
    "INVALID_API_KEY",
    "BAD_REQUEST_PARAMETERS",
    "AUTHORIZER_FAILURE",
    "UNAUTHORIZED",
    "INTEGRATION_TIMEOUT",
    "ACCESS_DENIED",
    "DEFAULT_4XX",
    "DEFAULT_5XX",
    "WAF_FILTERED",
    "QUOTA_EXCEEDED",
    "THROTTLED",
    "API_CONFIGURATION_ERROR",
    "UNSUPPORTED_MEDIA_TYPE",
    "INTEGRATION_FAILURE",
    "EXPIRED_TOKEN",
]

# type -> status, body, x-amzn-ErrorType (None: the reference marks it unverified, not asserted).
# §0.2: default-template bodies have no space, integration-stage failures one after the colon.
DEFAULTS: list[tuple[str, int, bytes, str | None]] = [
    ("ACCESS_DENIED", 403,
     b'{"Message":"User is not authorized to access this resource"}', "AccessDeniedException"),
    ("API_CONFIGURATION_ERROR", 500, b'{"message": "Internal server error"}', None),
    ("AUTHORIZER_CONFIGURATION_ERROR", 500, b'{"message": null}',
     "AuthorizerConfigurationException"),
    ("BAD_REQUEST_BODY", 400, b'{"message":"Invalid request body"}', None),
    ("EXPIRED_TOKEN", 403,
     b'{"message":"The security token included in the request is expired"}',
     "ExpiredTokenException"),
    ("INTEGRATION_FAILURE", 504, b'{"message": "Network error communicating with endpoint"}',
     None),
    ("INTEGRATION_TIMEOUT", 504, b'{"message": "Endpoint request timed out"}', None),
    ("INVALID_API_KEY", 403, b'{"message":"Forbidden"}', "ForbiddenException"),
    ("MISSING_AUTHENTICATION_TOKEN", 403, b'{"message":"Missing Authentication Token"}',
     "MissingAuthenticationTokenException"),
    ("QUOTA_EXCEEDED", 429, b'{"message":"Limit Exceeded"}', "LimitExceededException"),
    ("REQUEST_TOO_LARGE", 413, b'{"message":"HTTP content length exceeded 10485760 bytes"}',
     None),
    ("RESOURCE_NOT_FOUND", 404, b'{"message":"Not Found"}', None),
    ("THROTTLED", 429, b'{"message":"Too Many Requests"}', "TooManyRequestsException"),
    ("UNAUTHORIZED", 401, b'{"message":"Unauthorized"}', "UnauthorizedException"),
    ("UNSUPPORTED_MEDIA_TYPE", 415, b'{"message":"Unsupported Media Type"}', None),
    ("WAF_FILTERED", 403, b'{"message":"Forbidden"}', None),
]  # fmt: skip


def header(response: Response, name: str) -> str | None:
    found = [v for k, v in response.headers if k.lower() == name.lower()]
    return found[-1] if found else None


def rest(
    response_type: str,
    custom: dict[str, dict[str, Any]] | None = None,
    *,
    message: str | None = None,
    context: dict[str, Any] | None = None,
    request_values: dict[str, str] | None = None,
    accept: str | None = None,
) -> Response:
    return render_rest(
        GatewayError(response_type, message),
        custom or {},
        context or {},
        request_values or {},
        accept,
    )


def test_all_21_types_known() -> None:
    assert sorted(RESPONSE_TYPES) == sorted(ALL_TYPES) and len(ALL_TYPES) == 21


@pytest.mark.parametrize(
    ("response_type", "status", "body", "error_type"), DEFAULTS, ids=[d[0] for d in DEFAULTS]
)
def test_default_gateway_response(
    response_type: str, status: int, body: bytes, error_type: str | None
) -> None:
    response = rest(response_type)
    assert (response.status, response.body) == (status, body)
    assert header(response, "Content-Type") == "application/json"
    if error_type is not None:
        assert header(response, "x-amzn-ErrorType") == error_type
    # nothing else (no CORS headers, no Retry-After) until a customization maps some (§4.1, §5.1);
    # the request ids follow on the wire
    assert [name for name, _ in response.headers] == ["Content-Type", "x-amzn-ErrorType"]


@pytest.mark.parametrize(
    ("response_type", "length"),
    [
        ("MISSING_AUTHENTICATION_TOKEN", 42),
        ("INVALID_API_KEY", 23),
        ("UNAUTHORIZED", 26),
        ("API_CONFIGURATION_ERROR", 36),
    ],
)
def test_content_lengths_of_recorded_bodies(response_type: str, length: int) -> None:
    """[AWS-REC] §0.2: the Content-Length values of the recorded transcripts."""
    assert len(rest(response_type).body) == length


def test_explicit_deny_message_keeps_capital_message_key() -> None:
    deny = "User is not authorized to access this resource with an explicit deny"
    assert rest("ACCESS_DENIED", message=deny).body == b'{"Message":"' + deny.encode() + b'"}'


def test_bad_request_parameters_message_from_validation() -> None:
    message = "Missing required request parameters: [a, b]"
    response = rest("BAD_REQUEST_PARAMETERS", message=message)
    assert (response.status, response.body) == (400, b'{"message":"' + message.encode() + b'"}')


# -- customization and the family fallback (§4.1) -------------------------------------------
FAMILY = {
    "DEFAULT_4XX": {"statusCode": "418", "responseParameters": {"gatewayresponse.header.F": "'4'"}},
    "DEFAULT_5XX": {"statusCode": "599", "responseParameters": {"gatewayresponse.header.F": "'5'"}},
}


@pytest.mark.parametrize(
    ("response_type", "status", "family"),
    [
        ("MISSING_AUTHENTICATION_TOKEN", 418, "4"),
        ("UNAUTHORIZED", 418, "4"),
        ("THROTTLED", 418, "4"),
        ("INTEGRATION_TIMEOUT", 599, "5"),
        ("API_CONFIGURATION_ERROR", 599, "5"),
        ("AUTHORIZER_FAILURE", 599, "5"),
    ],
)
def test_uncustomized_type_inherits_family_default(
    response_type: str, status: int, family: str
) -> None:
    response = rest(response_type, FAMILY)
    assert response.status == status and header(response, "F") == family
    assert header(response, "x-amzn-ErrorType") == RESPONSE_TYPES[response_type][2]


def test_family_default_without_status_keeps_each_types_status() -> None:
    custom = {"DEFAULT_4XX": {"responseParameters": {"gatewayresponse.header.F": "'4'"}}}
    assert rest("UNAUTHORIZED", custom).status == 401
    assert rest("THROTTLED", custom).status == 429


def test_own_customization_beats_family_default() -> None:
    custom = dict(FAMILY, UNAUTHORIZED={"statusCode": "402"})
    response = rest("UNAUTHORIZED", custom)
    assert response.status == 402 and header(response, "F") is None


def test_request_too_large_cannot_be_customized() -> None:
    custom = dict(FAMILY, REQUEST_TOO_LARGE={"statusCode": "400"})
    response = rest("REQUEST_TOO_LARGE", custom)
    assert response.status == 413 and header(response, "F") is None


# -- templates (§4.1: `$…` substitution only, not VTL) ------------------------------------------
def template(text: str, media: str = "application/json") -> dict[str, dict[str, Any]]:
    return {"UNAUTHORIZED": {"responseTemplates": {media: text}}}


CONTEXT = {
    "requestId": "r-1",
    "resourcePath": "/pets",
    "identity": {"sourceIp": "127.0.0.1"},
    "stageVariables": {"name": "dev"},
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"message":$context.error.messageString}', b'{"message":"Unauthorized"}'),
        ("$context.error.message", b"Unauthorized"),
        ("$context.error.responseType", b"UNAUTHORIZED"),
        ("${context.requestId}|$context.identity.sourceIp", b"r-1|127.0.0.1"),
        ("$stageVariables.name/${stageVariables.name}", b"dev/dev"),
        ("[$context.nothing.here]", b"[]"),
    ],
)
def test_template_substitution(text: str, expected: bytes) -> None:
    assert rest("UNAUTHORIZED", template(text), context=CONTEXT).body == expected


def test_message_string_of_a_null_message() -> None:
    custom = {"AUTHORIZER_CONFIGURATION_ERROR": {"responseTemplates": {"application/json": "m=$context.error.messageString"}}}  # fmt: skip
    assert rest("AUTHORIZER_CONFIGURATION_ERROR", custom).body == b"m=null"


def test_validation_error_string() -> None:
    custom = {"BAD_REQUEST_BODY": {"responseTemplates": {"application/json": "$context.error.validationErrorString"}}}  # fmt: skip
    error = GatewayError("BAD_REQUEST_BODY", validation_error="[instance is not an object]")
    assert render_rest(error, custom, {}, {}, None).body == b"[instance is not an object]"


def test_template_chosen_by_accept() -> None:
    custom = {
        "UNAUTHORIZED": {
            "responseTemplates": {"application/json": "json", "text/plain": "text"},
        }
    }
    plain = rest("UNAUTHORIZED", custom, accept="text/plain, application/json")
    assert (plain.body, header(plain, "Content-Type")) == (b"text", "text/plain")
    other = rest("UNAUTHORIZED", custom, accept="image/png")
    assert (other.body, header(other, "Content-Type")) == (b"json", "application/json")


def test_header_mappings() -> None:
    parameters = {
        "gatewayresponse.header.Static": "'value'",
        "gatewayresponse.header.From-Header": "method.request.header.X-Trace",
        "gatewayresponse.header.From-Query": "method.request.querystring.q",
        "gatewayresponse.header.From-Path": "method.request.path.id",
        "gatewayresponse.header.From-Stage": "stageVariables.name",
        "gatewayresponse.header.From-Context": "context.requestId",
        "method.response.header.Ignored": "'no'",
    }
    values = {
        "method.request.header.x-trace": "t-1",  # names arrive lower-cased off the wire
        "method.request.querystring.q": "q-1",
        "method.request.path.id": "7",
    }
    response = rest(
        "UNAUTHORIZED",
        {"UNAUTHORIZED": {"responseParameters": parameters}},
        context=CONTEXT,
        request_values=values,
    )
    mapped = {k: v for k, v in response.headers if k not in ("Content-Type", "x-amzn-ErrorType")}
    assert mapped == {
        "Static": "value",
        "From-Header": "t-1",
        "From-Query": "q-1",
        "From-Path": "7",
        "From-Stage": "dev",
        "From-Context": "r-1",
    }


# -- HTTP APIs: fixed bodies, no customization (§0.2, §4.3) ----------------------------------
@pytest.mark.parametrize(
    ("response_type", "status", "body"),
    [
        ("MISSING_AUTHENTICATION_TOKEN", 404, b'{"message":"Not Found"}'),
        ("UNAUTHORIZED", 401, b'{"message":"Unauthorized"}'),
        ("ACCESS_DENIED", 403, b'{"message":"Forbidden"}'),
        ("THROTTLED", 429, b'{"message":"Too Many Requests"}'),
        ("API_CONFIGURATION_ERROR", 500, b'{"message":"Internal Server Error"}'),
        ("INTEGRATION_FAILURE", 500, b'{"message":"Internal Server Error"}'),
        ("INTEGRATION_TIMEOUT", 503, b'{"message":"Service Unavailable"}'),
    ],
)
def test_http_api_errors(response_type: str, status: int, body: bytes) -> None:
    response = render_http(GatewayError(response_type))
    assert (response.status, response.body) == (status, body)
    assert header(response, "x-amzn-ErrorType") is None


# -- end to end: REST CORS through OPTIONS mocks and gateway responses (§5.1) ------------------
PREFLIGHT = {"Origin": "https://app.example.com", "Access-Control-Request-Method": "GET"}


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    spec: Path = write_spec(tmp_path_factory.mktemp("gwr"), "gateway_responses.yaml", {})
    with serve_spec(spec, spec.parent / "out") as gateway:
        yield gateway


def test_rest_preflight_through_options_mock(gw: Gateway) -> None:
    reply = gw.fetch("OPTIONS", "/cors", PREFLIGHT)
    assert (reply.status, reply.body) == (200, b"")
    assert reply.header("Access-Control-Allow-Origin") == "*"
    assert reply.header("Access-Control-Allow-Methods") == "OPTIONS,GET"
    assert (
        reply.header("Access-Control-Allow-Headers")
        == "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token"
    )
    actual = gw.fetch("GET", "/cors", {"Origin": "https://app.example.com"})
    assert actual.header("Access-Control-Allow-Origin") == "*" and actual.body == b'{"cors":true}'


def test_rest_preflight_without_options_is_missing_authentication_token(gw: Gateway) -> None:
    reply = gw.fetch("OPTIONS", "/no-options", PREFLIGHT)
    assert (reply.status, reply.body) == (403, b'{"message":"Missing Authentication Token"}')
    assert reply.header("x-amzn-ErrorType") == "MissingAuthenticationTokenException"
    # no Allow-Methods/-Headers: only what DEFAULT_4XX maps
    assert reply.header("Access-Control-Allow-Methods") is None


def test_gateway_errors_carry_cors_headers_from_family_defaults(gw: Gateway) -> None:
    unknown = gw.fetch("GET", "/nothing", {"X-Trace": "t-1"})
    assert unknown.status == 403 and unknown.header("Content-Length") == "42"
    assert unknown.header("Access-Control-Allow-Origin") == "*"
    assert unknown.header("X-Trace") == "t-1"  # `method.request.header.X-Trace`, any case
    misconfigured = gw.fetch("GET", "/aws")
    assert misconfigured.status == 503  # DEFAULT_5XX's statusCode applies to the family
    assert misconfigured.header("Access-Control-Allow-Origin") == "*"
    assert misconfigured.header("x-amzn-ErrorType") == "InternalServerErrorException"


def test_own_customization_over_family_default(gw: Gateway) -> None:
    reply = gw.fetch("GET", "/keyed")
    assert reply.status == 401
    assert reply.body == b'{"type":"INVALID_API_KEY","msg":"Forbidden"}'
    assert reply.header("x-amzn-ErrorType") == "ForbiddenException"


def test_body_over_10_mb_is_413_and_not_customizable(gw: Gateway) -> None:
    reply = gw.fetch("POST", "/cors", {}, b"x" * (10 * 1024 * 1024 + 1))
    assert reply.status == 413
    assert reply.body == b'{"message":"HTTP content length exceeded 10485760 bytes"}'
    assert reply.header("Access-Control-Allow-Origin") is None  # DEFAULT_4XX does not apply
    assert gw.fetch("POST", "/cors", {}, b"x" * 1024).status != 413


def test_context_values_read_as_in_integration_mappings() -> None:
    """A `context.X` source reads alike in a gateway response and an integration mapping
    (`transform.mapping.mapping_text`): booleans as `true`, arrays as JSON, absent as empty."""
    custom = {
        "UNAUTHORIZED": {
            "responseParameters": {"gatewayresponse.header.X-Scopes": "context.authorizer.scopes"},
            "responseTemplates": {
                "application/json": "$context.authorizer.admin|$context.authorizer.scopes|$context.nope"
            },
        }
    }
    context = {"authorizer": {"admin": True, "scopes": ["read", "write"]}}
    reply = rest("UNAUTHORIZED", custom, context=context)
    assert reply.body == b'true|["read","write"]|'
    assert header(reply, "X-Scopes") == '["read","write"]'
