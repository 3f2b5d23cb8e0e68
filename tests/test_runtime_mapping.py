"""Parameter mapping (apigwc.runtime.transform.mapping): runtime reference §1.6, §1.7, §1.10; spec §1.1.1 to §1.1.3."""

from __future__ import annotations

import pytest
from apigwc.runtime.integrations import http_proxy, mock
from apigwc.runtime.responses.gateway_responses import GatewayError
from apigwc.runtime.transform.mapping import (
    HttpMessage,
    IllegalHeaderMapping,
    MappingExpressionError,
    MappingValues,
    compile_http_request,
    compile_http_response,
    compile_rest_expression,
    compile_rest_request,
    compile_rest_response,
)

VALUES = MappingValues(
    path_parameters={"petId": "42", "proxy": "a/b"},
    request_path="/pets/42",
    querystring={"q": ["first", "last"], "Type": ["dog"]},
    headers={"X-Multi": ["h1", "h2"], "Authorization": ["Bearer t"]},
    body=b'{"petstore": {"pets": [{"name": "rex", "age": 3}]}, "flag": true, "obj": {"a": 1}}',
    response_headers={"X-Up": ["u1", "u2"], "Content-Type": ["application/json"]},
    response_body=b'{"id": 7, "nested": {"k": "v"}, "list": [1, 2]}',
    context={
        "requestId": "rid",
        "identity": {"sourceIp": "127.0.0.1"},
        "authorizer": {"principalId": "me"},
    },
    stage_variables={"backend": "pets.internal", "version": "v2"},
)

REST_REQUEST_CASES = [
    ("path", "method.request.path.petId", "42"),
    ("querystring-last-value [LS §1.6]", "method.request.querystring.q", "last"),
    (
        "multivaluequerystring-joined [LS §1.6]",
        "method.request.multivaluequerystring.q",
        "first,last",
    ),
    ("querystring-case-sensitive", "method.request.querystring.type", None),
    ("header-case-insensitive-last", "method.request.header.x-multi", "h2"),
    ("multivalueheader-joined [LS §1.6]", "method.request.multivalueheader.X-Multi", "h1,h2"),
    ("missing-header-not-sent [LS §1.6]", "method.request.header.Nope", None),
    ("body-whole", "method.request.body", VALUES.body.decode()),
    ("body-jsonpath-doc-example [DG §1.6]", "method.request.body.petstore.pets[0].name", "rex"),
    ("body-jsonpath-number", "method.request.body.petstore.pets[0].age", "3"),
    ("body-jsonpath-bool", "method.request.body.flag", "true"),
    ("body-jsonpath-object-as-json", "method.request.body.obj", '{"a":1}'),
    ("body-jsonpath-missing", "method.request.body.nope.deeper", None),
    ("stage-variable", "stageVariables.backend", "pets.internal"),
    ("stage-variable-missing", "stageVariables.nope", None),
    ("context-top", "context.requestId", "rid"),
    ("context-nested", "context.identity.sourceIp", "127.0.0.1"),
    ("context-authorizer", "context.authorizer.principalId", "me"),
    ("literal", "'application/json'", "application/json"),
    ("literal-with-spaces-and-commas", "'OPTIONS,GET, POST'", "OPTIONS,GET, POST"),
    ("literal-empty", "''", ""),
]


@pytest.mark.parametrize(
    ("expression", "expected"), [pytest.param(*c[1:], id=c[0]) for c in REST_REQUEST_CASES]
)
def test_rest_request_expressions(expression: str, expected: str | None) -> None:
    assert compile_rest_expression(expression)(VALUES) == expected


def test_rest_request_mapping_targets() -> None:
    mapping = compile_rest_request(
        {
            "integration.request.path.id": "method.request.path.petId",
            "integration.request.querystring.kind": "method.request.querystring.Type",
            "integration.request.header.x-user": "context.authorizer.principalId",
            "integration.request.header.x-absent": "method.request.header.Nope",
            "integration.request.header.Accept": "'application/xml'",
        }
    )
    result = mapping.evaluate(VALUES)
    assert dict(result.path) == {"id": "42"}
    assert dict(result.querystring) == {"kind": "dog"}
    assert dict(result.header) == {"x-user": "me", "Accept": "application/xml"}


ILLEGAL_CASES = [
    ("content-length-any-type [AWS-REC header remapping]", "Content-Length", "HTTP"),
    ("transfer-encoding-any-type [AWS-REC]", "Transfer-Encoding", "MOCK"),
    ("authorization-aws [AWS-REC]", "Authorization", "AWS"),
    ("connection-aws-proxy [AWS-REC]", "Connection", "AWS_PROXY"),
    ("te-aws [AWS-REC]", "TE", "AWS"),
]


@pytest.mark.parametrize(
    ("header", "integration_type"), [pytest.param(*c[1:], id=c[0]) for c in ILLEGAL_CASES]
)
def test_illegal_header_mappings_fail_the_request(header: str, integration_type: str) -> None:
    mapping = compile_rest_request(
        {f"integration.request.header.{header}": "'x'"}, integration_type
    )
    with pytest.raises(IllegalHeaderMapping):
        mapping.evaluate(VALUES)


def test_authorization_is_mappable_for_http_integrations() -> None:
    mapping = compile_rest_request({"integration.request.header.Authorization": "'x'"}, "HTTP")
    assert dict(mapping.evaluate(VALUES).header) == {"Authorization": "x"}


REST_RESPONSE_CASES = [
    ("integration-header-last", "integration.response.header.x-up", "u2"),
    (
        "integration-multivalueheader-joined [DG §1.7]",
        "integration.response.multivalueheader.X-Up",
        "u1,u2",
    ),
    ("integration-body", "integration.response.body", VALUES.response_body.decode()),
    ("integration-body-jsonpath", "integration.response.body.nested.k", "v"),
    ("integration-body-jsonpath-array", "integration.response.body.list", "[1,2]"),
    ("integration-body-jsonpath-number", "integration.response.body.id", "7"),
    ("literal-cors-origin [DG §5.1]", "'*'", "*"),
    ("stage-variable", "stageVariables.version", "v2"),
    ("context", "context.requestId", "rid"),
]


@pytest.mark.parametrize(
    ("expression", "expected"), [pytest.param(*c[1:], id=c[0]) for c in REST_RESPONSE_CASES]
)
def test_rest_response_expressions(expression: str, expected: str | None) -> None:
    mapping = compile_rest_response({"method.response.header.X-Out": expression})
    assert mapping.evaluate(VALUES) == ({} if expected is None else {"X-Out": expected})


def test_lambda_error_message_json_is_deserialised_for_body_mappings() -> None:
    # §1.7: `integration.response.body.errorMessage.trace.function` reads inside the JSON string.
    values = MappingValues(
        response_body=b'{"errorMessage": "{\\"trace\\": {\\"function\\": \\"abc\\"}}", "errorType": "E"}'
    )
    mapping = compile_rest_response(
        {
            "method.response.header.X-Function": "integration.response.body.errorMessage.trace.function",
            "method.response.header.X-Type": "integration.response.body.errorType",
        }
    )
    assert mapping.evaluate(values) == {"X-Function": "abc", "X-Type": "E"}


INVALID_REST = [
    ("unknown-source", "method.request.cookie.x"),
    ("response-source-on-request", "integration.response.header.x"),
    ("bad-name-chars", "method.request.header.a b"),
    ("unquoted-literal", "application/json"),
    ("stage-variable-with-dollar-form", "$stageVariables.x"),
    ("bad-jsonpath", "method.request.body.a[?(@.x ~ 1)]"),
]


@pytest.mark.parametrize("expression", [pytest.param(c[1], id=c[0]) for c in INVALID_REST])
def test_invalid_rest_expressions_fail_at_compile(expression: str) -> None:
    with pytest.raises(MappingExpressionError):
        compile_rest_expression(expression)


@pytest.mark.parametrize(
    "key",
    ["integration.request.cookie.x", "method.request.header.x", "integration.request.header.a b"],
)
def test_invalid_rest_keys_fail_at_compile(key: str) -> None:
    with pytest.raises(MappingExpressionError):
        compile_rest_request({key: "'x'"})


def test_code_like_values_are_data() -> None:
    payload = "__import__('os').system('echo pwned')"
    mapping = compile_rest_request({"integration.request.header.x": f"'{payload}'"})
    assert dict(mapping.evaluate(VALUES).header) == {"x": payload}


# HTTP API ---------------------------------------------------------------------------------------

REQUEST = HttpMessage(
    path="/pets/42",
    headers={"X-Multi": ["h1", "h2"], "Keep": ["k"]},
    querystring={"q": ["first", "last"]},
)

HTTP_REQUEST_CASES = [
    (
        "append-header-from-header [DG http-api-parameter-mapping]",
        {"append:header.X-Multi": "${context.requestId}-k"},
        REQUEST.path,
        {"X-Multi": ["h1", "h2", "rid-k"], "Keep": ["k"]},
        {"q": ["first", "last"]},
    ),
    (
        "overwrite-header-case-insensitive",
        {"overwrite:header.x-multi": "static"},
        REQUEST.path,
        {"Keep": ["k"], "x-multi": ["static"]},
        {"q": ["first", "last"]},
    ),
    (
        "remove-header",
        {"remove:header.keep": "''"},
        REQUEST.path,
        {"X-Multi": ["h1", "h2"]},
        {"q": ["first", "last"]},
    ),
    (
        "querystring-from-multi-header-joined",
        {"overwrite:querystring.q": "$request.header.X-Multi"},
        REQUEST.path,
        dict(REQUEST.headers),
        {"q": ["h1,h2"]},
    ),
    (
        "append-querystring-and-remove",
        {"append:querystring.n": "$context.requestId", "remove:querystring.q": ""},
        REQUEST.path,
        dict(REQUEST.headers),
        {"n": ["rid"]},
    ),
    (
        "overwrite-path-interpolated",
        {"overwrite:path": "/${stageVariables.version}${request.path}"},
        "/v2/pets/42",
        dict(REQUEST.headers),
        dict(REQUEST.querystring),
    ),
    (
        "overwrite-path-param",
        {"overwrite:path": "/items/$request.path.petId"},
        "/items/42",
        dict(REQUEST.headers),
        dict(REQUEST.querystring),
    ),
    (
        "body-jsonpath-and-literal-concat",
        {
            "overwrite:header.x-name": "name=${request.body.petstore.pets[0].name};src=${context.identity.sourceIp}"
        },
        REQUEST.path,
        {**REQUEST.headers, "x-name": ["name=rex;src=127.0.0.1"]},
        dict(REQUEST.querystring),
    ),
    (
        "lone-missing-variable-maps-nothing",
        {"overwrite:header.x-none": "$request.header.Nope"},
        REQUEST.path,
        dict(REQUEST.headers),
        dict(REQUEST.querystring),
    ),
    (
        "query-multi-values-joined",
        {"overwrite:header.x-q": "$request.querystring.q"},
        REQUEST.path,
        {**REQUEST.headers, "x-q": ["first,last"]},
        dict(REQUEST.querystring),
    ),
]


@pytest.mark.parametrize(
    ("parameters", "path", "headers", "querystring"),
    [pytest.param(*c[1:], id=c[0]) for c in HTTP_REQUEST_CASES],
)
def test_http_request_mapping(
    parameters: dict[str, str],
    path: str,
    headers: dict[str, list[str]],
    querystring: dict[str, list[str]],
) -> None:
    result = compile_http_request(parameters).apply(REQUEST, VALUES)
    assert result.path == path
    assert {k: list(v) for k, v in result.headers.items()} == headers
    assert {k: list(v) for k, v in result.querystring.items()} == querystring


def test_http_response_mapping_status_and_headers() -> None:
    mapping = compile_http_response(
        {
            "overwrite:statuscode": "204",
            "append:header.x-from-backend": "$response.header.X-Up",
            "overwrite:header.x-id": "id-${response.body.id}",
        }
    )
    result = mapping.apply(HttpMessage(status=200, headers={}), VALUES)
    assert result.status == 204
    assert dict(result.headers) == {"x-from-backend": ["u1,u2"], "x-id": ["id-7"]}


def test_http_response_status_from_body_and_invalid_ignored() -> None:
    values = MappingValues(response_body=b'{"code": "418", "bad": "abc"}')
    ok = compile_http_response({"overwrite:statuscode": "$response.body.code"})
    assert ok.apply(HttpMessage(), values).status == 418
    bad = compile_http_response({"overwrite:statuscode": "$response.body.bad"})
    assert bad.apply(HttpMessage(), values).status == 200


def test_http_body_truncated_to_100kb_before_jsonpath() -> None:
    # §1.10: the body is truncated to 100 KB before JSONPath, so a late field is out of reach.
    big = b'{"pad": "' + b"x" * (100 * 1024) + b'", "late": "v"}'
    mapping = compile_http_request({"overwrite:header.x-late": "$request.body.late"})
    assert "x-late" not in mapping.apply(HttpMessage(), MappingValues(body=big)).headers


INVALID_HTTP = [
    ("reserved-header [DG §1.10]", {"overwrite:header.Authorization": "x"}, False),
    ("reserved-prefix-x-amz", {"append:header.x-amz-date": "x"}, False),
    ("reserved-access-control", {"overwrite:header.Access-Control-Allow-Origin": "*"}, False),
    ("statuscode-on-request", {"overwrite:statuscode": "200"}, False),
    ("path-on-response", {"overwrite:path": "/x"}, True),
    ("append-path", {"append:path": "/x"}, False),
    ("unknown-action", {"set:header.x": "y"}, False),
    ("recursive-descent [DG §3.7]", {"overwrite:header.x": "$request.body..name"}, False),
    ("filter [DG §3.7]", {"overwrite:header.x": "$request.body.a[?(@.b)]"}, False),
    ("response-var-on-request", {"overwrite:header.x": "$response.header.y"}, False),
    ("unknown-root", {"overwrite:header.x": "${method.request.header.y}"}, False),
]


@pytest.mark.parametrize(
    ("parameters", "response"), [pytest.param(*c[1:], id=c[0]) for c in INVALID_HTTP]
)
def test_invalid_http_mappings_fail_at_compile(parameters: dict[str, str], response: bool) -> None:
    with pytest.raises(MappingExpressionError):
        (compile_http_response if response else compile_http_request)(parameters)


# ---------------------------------------------------------------------------------------------
# Integration request templates, MOCK status, integration response selection and method
# response headers (runtime reference §0.1, §1.6, §1.7): the support library in process.
# ---------------------------------------------------------------------------------------------
TEMPLATES = {"application/json": "J", "text/plain": "T"}
REQUEST_TEMPLATE_CASES = [
    # (templates, passthroughBehavior, Content-Type, template or the gateway response raised)
    ("media type only", TEMPLATES, None, "Text/Plain; charset=UTF-8", "T"),
    ("no Content-Type means JSON", TEMPLATES, None, None, "J"),
    ("found whatever the behaviour", TEMPLATES, "NEVER", "application/json", "J"),
    ("WHEN_NO_MATCH passes through", TEMPLATES, "WHEN_NO_MATCH", "image/png", None),
    ("absent behaviour is WHEN_NO_MATCH", TEMPLATES, None, "image/png", None),
    ("WHEN_NO_TEMPLATES with templates", TEMPLATES, "WHEN_NO_TEMPLATES", "image/png", "415"),
    ("WHEN_NO_TEMPLATES without", {}, "WHEN_NO_TEMPLATES", "image/png", None),
    ("NEVER", {}, "NEVER", "image/png", "415"),
    ("lower-case enum", TEMPLATES, "when_no_templates", "image/png", "415"),
]


@pytest.mark.parametrize(
    ("templates", "behavior", "content_type", "expected"),
    [c[1:] for c in REQUEST_TEMPLATE_CASES],
    ids=[c[0] for c in REQUEST_TEMPLATE_CASES],
)
def test_request_template_selection_and_passthrough(
    templates: dict[str, str], behavior: str | None, content_type: str | None, expected: str | None
) -> None:
    integration = {"requestTemplates": templates, "passthroughBehavior": behavior}
    if expected == "415":
        with pytest.raises(GatewayError) as raised:
            mock.request_template(integration, content_type)
        assert raised.value.response_type == "UNSUPPORTED_MEDIA_TYPE"
        return
    assert mock.request_template(integration, content_type) == expected


@pytest.mark.parametrize(
    ("rendered", "status"),
    [('{"statusCode": 200}', 200), ("{statusCode: 418}", 418), ('{\n  "statusCode" : 404\n}', 404)],
)
def test_mock_status_from_rendered_template(rendered: str, status: int) -> None:
    assert mock.mock_status(rendered) == status  # CDK's unquoted key is accepted (§1.6)


def test_mock_status_unparseable_is_a_configuration_error() -> None:
    with pytest.raises(GatewayError) as raised:
        mock.mock_status('{"code": 200}')
    assert raised.value.response_type == "API_CONFIGURATION_ERROR"


# [AWS-REC] test_lambda_selection_patterns: responses 200:"", 405:".*four hundred.*", 502:".+".
LAMBDA_RESPONSES = [
    {"statusCode": "200", "selectionPattern": ""},
    {"statusCode": "405", "selectionPattern": ".*four hundred.*"},
    {"statusCode": "502", "selectionPattern": ".+"},
]
SELECTION_CASES = [
    ("four hundred error", LAMBDA_RESPONSES, "Error: Raising four hundred from within", "405"),
    ("other error", LAMBDA_RESPONSES, "boom", "502"),
    ("success is the empty string: .+ misses it", LAMBDA_RESPONSES, "", "200"),
    ("200 does not match a successful Lambda", [{"statusCode": "201", "selectionPattern": "200"},
     {"statusCode": "200", "selectionPattern": "default"}], "", "200"),
    ("whole-string match", [{"statusCode": "400", "selectionPattern": "4"},
     {"statusCode": "200"}], "404", "200"),
    ("status code string", [{"statusCode": "200"},
     {"statusCode": "404", "selectionPattern": "4\\d{2}"}], "404", "404"),
    (". does not cross a newline", [{"statusCode": "502", "selectionPattern": ".+"},
     {"statusCode": "200"}], "line one\nline two", "200"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("responses", "selector", "status"),
    [c[1:] for c in SELECTION_CASES],
    ids=[c[0] for c in SELECTION_CASES],
)
def test_integration_response_selection(
    responses: list[dict[str, str]], selector: str, status: str
) -> None:
    assert mock.select_response(responses, selector)["statusCode"] == status


def test_no_match_and_no_default_is_a_configuration_error() -> None:
    with pytest.raises(GatewayError) as raised:
        mock.select_response([{"statusCode": "200", "selectionPattern": "2\\d{2}"}], "500")
    assert raised.value.response_type == "API_CONFIGURATION_ERROR"


RESPONSE_TEMPLATE_CASES = [
    ("first Accept type only", TEMPLATES, "text/plain, application/json", "text/plain"),
    ("no Accept means JSON", TEMPLATES, None, "application/json"),
    ("unknown Accept falls back to JSON", TEMPLATES, "image/gif", "application/json"),
    ("no JSON template: the first", {"text/xml": "X", "text/plain": "T"}, "image/gif", "text/xml"),
    ("no templates: passthrough", {}, "text/plain", None),
]


@pytest.mark.parametrize(
    ("templates", "accept", "media"),
    [c[1:] for c in RESPONSE_TEMPLATE_CASES],
    ids=[c[0] for c in RESPONSE_TEMPLATE_CASES],
)
def test_response_template_selection(
    templates: dict[str, str], accept: str | None, media: str | None
) -> None:
    picked = mock.response_template(templates, accept)
    assert (picked[0] if picked else None) == media


METHOD_RESPONSE_HEADER_CASES = [
    ("default Content-Type", [], {}, [("Content-Type", "application/json")]),
    ("mapped Content-Type is the one", [("Content-Type", "text/html")], {},
     [("Content-Type", "text/html")]),
    ("override replaces a mapped header", [("X-A", "mapped")], {"x-a": "over"},
     [("Content-Type", "application/json"), ("x-a", "over")]),
    ("override sets Content-Type", [("X-A", "1")], {"Content-Type": "text/csv"},
     [("X-A", "1"), ("Content-Type", "text/csv")]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("mapped", "overrides", "expected"),
    [c[1:] for c in METHOD_RESPONSE_HEADER_CASES],
    ids=[c[0] for c in METHOD_RESPONSE_HEADER_CASES],
)
def test_method_response_headers(
    mapped: list[tuple[str, str]], overrides: dict[str, str], expected: list[tuple[str, str]]
) -> None:
    assert mock.method_response_headers("application/json", list(mapped), overrides) == expected


# (upstream header, what the client gets: a renamed header, None = dropped) for a REST
# HTTP_PROXY. [DG-web] api-gateway-known-issues.html header table, response column; [AWS-REC]
# test_apigateway_header_remapping_http[HTTP_PROXY] for Content-Length; AWS transcripts for
# `x-amzn-remapped-x-amzn-requestid`.
PROXY_RESPONSE_HEADERS = [
    ("Connection", "x-amzn-Remapped-Connection"),
    ("Content-Length", "x-amzn-Remapped-Content-Length"),
    ("Date", "x-amzn-Remapped-Date"),
    ("Server", "x-amzn-Remapped-Server"),
    ("Authorization", "x-amzn-Remapped-Authorization"),
    ("Content-MD5", "x-amzn-Remapped-Content-MD5"),
    ("Max-Forwards", "x-amzn-Remapped-Max-Forwards"),
    ("User-Agent", "x-amzn-Remapped-User-Agent"),
    ("WWW-Authenticate", "x-amzn-Remapped-WWW-Authenticate"),
    ("x-amzn-RequestId", "x-amzn-Remapped-x-amzn-RequestId"),
    ("Transfer-Encoding", None),
    ("Via", None),
    ("Expect", None),
    ("Host", None),
    ("Proxy-Authenticate", None),
    ("TE", None),
    ("Trailer", None),
    ("Upgrade", None),
    ("Content-Encoding", "Content-Encoding"),  # passthrough: the body stays as sent
    ("Accept", "Accept"),
    ("Age", "Age"),
    ("X-Kept", "X-Kept"),
]


@pytest.mark.parametrize(("name", "expected"), PROXY_RESPONSE_HEADERS)
def test_http_proxy_response_header_table(name: str, expected: str | None) -> None:
    """A response without a content type also gets application/json (§1.8)."""
    response = http_proxy._response(200, [(name, "v")], b"ok")
    assert response.headers == [
        *([(expected, "v")] if expected else []),
        ("Content-Type", "application/json"),
    ]


def test_http_api_proxy_keeps_its_own_headers() -> None:
    """HTTP APIs are outside the REST table: only the connection's own headers change."""
    upstream = [("Content-MD5", "m"), ("Server", "s"), ("Via", "v"), ("Content-Type", "text/x")]
    response = http_proxy._response(200, upstream, b"ok", rest=False)
    assert response.headers == [
        ("Content-MD5", "m"),
        ("x-amzn-Remapped-Server", "s"),
        ("Content-Type", "text/x"),
    ]


# (rendered integration URI, a valid endpoint?) An URI without a host (an undefined stage
# variable), with a port that is not one, or not http(s) is an invalid endpoint address: 500
# API_CONFIGURATION_ERROR (§4.2), never a network error or an exception.
ENDPOINTS = [
    ("http://h/x", True),
    ("https://h:8443/x", True),
    ("http://[::1]:8080/x", True),
    ("http:///x", False),
    ("http://:8080/x", False),
    ("http://h:abc/x", False),
    ("http://h:99999/x", False),
    ("http://[::1/x", False),
    ("ftp://h/x", False),
]


@pytest.mark.parametrize(("url", "valid"), ENDPOINTS)
def test_integration_endpoint_address(url: str, valid: bool) -> None:
    if valid:
        assert str(http_proxy._endpoint(url)) == url
        return
    with pytest.raises(GatewayError) as raised:
        http_proxy._endpoint(url)
    assert raised.value.response_type == "API_CONFIGURATION_ERROR"


@pytest.mark.parametrize(
    "expression",
    ["method.request.body.a", "method.request.body", "method.request.body.a[0]"],
)
def test_body_nested_too_deep_selects_nothing(expression: str) -> None:
    # 2 KB nested 1,000 levels: json_input refuses it, the JSONPath selects nothing (a mapped
    # value that resolves to nothing is not sent, §1.6) instead of a RecursionError.
    deep = b'{"a":' + b"[" * 1000 + b"]" * 1000 + b"}"
    values = MappingValues(body=deep)
    selected = compile_rest_expression(expression)(values)
    assert selected == (deep.decode() if expression == "method.request.body" else None)
