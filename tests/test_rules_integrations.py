"""Integration rules AGW410-AGW429, branch by branch (the catalogue examples cover one branch each)."""

from __future__ import annotations

import pytest

from tests.rules_cases import (
    HEAD,
    HTTP_HEAD,
    LAMBDA,
    MOCK,
    Case,
    check_case,
    findings,
    http_op,
    rest_op,
)

E, W = "error", "warning"
HTTP_GET = "type: http, httpMethod: GET, uri: 'https://example.com/pets'"
DEFAULT = "responses: {default: {statusCode: '200'}}"
SQS = "arn:aws:apigateway:us-east-1:sqs:path/123456789012/q"


def _rest(body: str, **kw: str) -> str:
    return rest_op("{" + body + "}", **kw)


def _http(body: str, **kw: str) -> str:
    return http_op("{" + body + "}", **kw)


CASES = [
    # AGW410 integration type vs flavour
    Case("http-api-aws-type", _http(f"type: AWS, httpMethod: POST, uri: '{SQS}'"), "AGW410", W),
    Case(
        "http-api-http-proxy",
        _http(
            "type: HTTP_PROXY, httpMethod: GET, uri: 'https://x.example', payloadFormatVersion: '1.0'"
        ),
        "AGW410",
        None,
    ),
    Case("rest-mock", rest_op(MOCK), "AGW410", None),
    # AGW411 uri missing
    Case("mock-without-uri", rest_op(MOCK), "AGW411", None),
    Case("aws-without-uri", _rest(f"type: aws, httpMethod: POST, {DEFAULT}"), "AGW411", E),
    Case(
        "http-api-subtype-without-uri",
        _http(
            "type: AWS_PROXY, integrationSubtype: SQS-PurgeQueue, payloadFormatVersion: '1.0', requestParameters: {QueueUrl: q}"
        ),
        "AGW411",
        None,
    ),
    # AGW412 uri form
    Case(
        "lambda-path-malformed",
        _rest(
            "type: aws_proxy, httpMethod: POST, uri: 'arn:aws:apigateway:us-east-1:lambda:path/functions/F'"
        ),
        "AGW412",
        E,
    ),
    Case(
        "http-api-plain-function-arn",
        _http(
            "type: AWS_PROXY, uri: 'arn:aws:lambda:us-east-1:1:function:F', payloadFormatVersion: '2.0'"
        ),
        "AGW412",
        None,
    ),
    Case(
        "rest-aws-proxy-service",
        _rest(f"type: aws_proxy, httpMethod: POST, uri: '{SQS}'"),
        "AGW412",
        E,
    ),
    Case(
        "rest-aws-service-ok",
        _rest(f"type: aws, httpMethod: POST, uri: '{SQS}', {DEFAULT}"),
        "AGW412",
        None,
    ),
    Case(
        "aws-plain-s3-arn",
        _rest(f"type: aws, httpMethod: GET, uri: 'arn:aws:s3:::bucket', {DEFAULT}"),
        "AGW412",
        E,
    ),
    Case(
        "http-not-url",
        _rest(f"type: http, httpMethod: GET, uri: 'example.com/pets', {DEFAULT}"),
        "AGW412",
        E,
    ),
    Case(
        "http-stage-variable-url",
        _rest(f"type: http, httpMethod: GET, uri: '${{stageVariables.url}}/pets', {DEFAULT}"),
        "AGW412",
        None,
    ),
    Case(
        "whole-uri-placeholder",
        _rest("type: aws_proxy, httpMethod: POST, uri: '${lambda_invocation_arn}'"),
        "AGW412",
        None,
    ),
    Case(
        "sub-intrinsic-lambda",
        _rest(
            "type: aws_proxy, httpMethod: POST, uri: {'Fn::Sub': 'arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations'}"
        ),
        "AGW412",
        None,
    ),
    Case(
        "ref-intrinsic",
        _rest("type: aws_proxy, httpMethod: POST, uri: {Ref: LambdaUri}"),
        "AGW412",
        None,
    ),
    Case(
        "stream-needs-streaming-uri",
        _rest(f"type: aws_proxy, httpMethod: POST, uri: '{LAMBDA}', responseTransferMode: STREAM"),
        "AGW412",
        E,
    ),
    Case(
        "http-api-private-listener-arn",
        _http(
            "type: HTTP_PROXY, httpMethod: ANY, connectionType: VPC_LINK, connectionId: v1, payloadFormatVersion: '1.0', "
            "uri: 'arn:aws:elasticloadbalancing:us-east-1:1:listener/app/a/b/c'"
        ),
        "AGW412",
        None,
    ),
    # AGW412 URI placeholders need a path mapping (a warning)
    Case(
        "unmapped-placeholder",
        _rest(f"type: http, httpMethod: GET, uri: 'https://x.example/pets/{{id}}', {DEFAULT}"),
        "AGW412",
        W,
    ),
    Case(
        "mapped-placeholder",
        _rest(
            f"type: http, httpMethod: GET, uri: 'https://x.example/pets/{{id}}', "
            f"requestParameters: {{integration.request.path.id: method.request.path.id}}, {DEFAULT}"
        ),
        "AGW412",
        None,
    ),
    Case(
        "stage-variable-is-no-placeholder",
        _rest(f"type: http, httpMethod: GET, uri: 'https://${{stageVariables.h}}/pets', {DEFAULT}"),
        "AGW412",
        None,
    ),
    # AGW412 ports
    Case(
        "port-443",
        _rest(f"type: http, httpMethod: GET, uri: 'https://x.example:443/', {DEFAULT}"),
        "AGW412",
        None,
    ),
    Case(
        "port-1024",
        _rest(f"type: http, httpMethod: GET, uri: 'https://x.example:1024/', {DEFAULT}"),
        "AGW412",
        E,
    ),
    Case(
        "port-1025",
        _rest(f"type: http, httpMethod: GET, uri: 'https://x.example:1025/', {DEFAULT}"),
        "AGW412",
        None,
    ),
    Case(
        "port-stage-variable",
        _rest(
            f"type: http, httpMethod: GET, uri: 'https://x.example:${{stageVariables.p}}/', {DEFAULT}"
        ),
        "AGW412",
        None,
    ),
    # AGW413 methods without integration (REST only)
    Case(
        "http-api-route-without",
        HTTP_HEAD + "paths:\n  /pets:\n    get:\n      responses: {'200': {description: ok}}\n",
        "AGW413",
        None,
    ),
    Case(
        "rest-any-without",
        HEAD
        + "paths:\n  /pets:\n    x-amazon-apigateway-any-method:\n      responses: {'200': {description: ok}}\n",
        "AGW413",
        W,
    ),
    # AGW414 / AGW415 httpMethod
    Case(
        "lambda-custom-get",
        _rest(f"type: aws, httpMethod: GET, uri: '{LAMBDA}', {DEFAULT}"),
        "AGW414",
        W,
    ),
    Case(
        "lambda-post", _rest(f"type: aws_proxy, httpMethod: POST, uri: '{LAMBDA}'"), "AGW414", None
    ),
    Case(
        "rest-http-missing-method",
        _rest(f"type: http, uri: 'https://x.example', {DEFAULT}"),
        "AGW415",
        E,
    ),
    Case(
        "http-api-lambda-no-method",
        _http(f"type: AWS_PROXY, uri: '{LAMBDA}', payloadFormatVersion: '2.0'"),
        "AGW415",
        None,
    ),
    Case("mock-no-method", rest_op(MOCK), "AGW415", None),
    # AGW416 timeouts
    Case("rest-edge-40s", _rest(f"{HTTP_GET}, timeoutInMillis: 40000, {DEFAULT}"), "AGW416", E),
    Case("rest-below-50", _rest(f"{HTTP_GET}, timeoutInMillis: 49, {DEFAULT}"), "AGW416", E),
    Case(
        "rest-regional-40s-warns",
        _rest(
            f"{HTTP_GET}, timeoutInMillis: 40000, {DEFAULT}",
            head="x-apigwc: {endpointType: REGIONAL}\n",
        ),
        "AGW416",
        W,
    ),
    Case(
        "stream-10min",
        _rest(
            "type: http_proxy, httpMethod: GET, uri: 'https://x.example', responseTransferMode: STREAM, timeoutInMillis: 600000"
        ),
        "AGW416",
        None,
    ),
    Case(
        "stream-16min",
        _rest(
            "type: http_proxy, httpMethod: GET, uri: 'https://x.example', responseTransferMode: STREAM, timeoutInMillis: 960000"
        ),
        "AGW416",
        E,
    ),
    Case(
        "http-api-30s",
        _http(
            "type: HTTP_PROXY, httpMethod: GET, uri: 'https://x.example', payloadFormatVersion: '1.0', timeoutInMillis: 30000"
        ),
        "AGW416",
        None,
    ),
    Case(
        "http-api-31s",
        _http(
            "type: HTTP_PROXY, httpMethod: GET, uri: 'https://x.example', payloadFormatVersion: '1.0', timeoutInMillis: 30001"
        ),
        "AGW416",
        E,
    ),
    # AGW417 request mapping syntax
    Case(
        "key-not-integration",
        _rest(
            f"{HTTP_GET}, requestParameters: {{method.request.path.id: method.request.path.id}}, {DEFAULT}"
        ),
        "AGW417",
        E,
    ),
    Case(
        "boolean-value-warns",
        _rest(f"{HTTP_GET}, requestParameters: {{integration.request.header.x: true}}, {DEFAULT}"),
        "AGW417",
        W,
    ),
    Case(
        "stage-variable-value",
        _rest(
            f"{HTTP_GET}, requestParameters: {{integration.request.header.x: stageVariables.v}}, {DEFAULT}"
        ),
        "AGW417",
        None,
    ),
    Case(
        "context-value",
        _rest(
            f"{HTTP_GET}, requestParameters: {{integration.request.header.x: context.requestId}}, {DEFAULT}"
        ),
        "AGW417",
        None,
    ),
    Case(
        "body-path-value",
        _rest(
            f"{HTTP_GET}, requestParameters: {{integration.request.header.x: method.request.body.name}}, {DEFAULT}"
        ),
        "AGW417",
        None,
    ),
    # AGW418 declared sources
    Case(
        "path-variable-implicit",
        _rest(
            f"{HTTP_GET}, requestParameters: {{integration.request.path.id: method.request.path.id}}, {DEFAULT}"
        ),
        "AGW418",
        None,
    ),
    Case(
        "header-case-insensitive",
        _rest(
            f"{HTTP_GET}, requestParameters: {{integration.request.header.x: method.request.header.X-Trace}}, {DEFAULT}",
            params="{name: x-trace, in: header}",
        ),
        "AGW418",
        None,
    ),
    Case(
        "query-undeclared",
        _rest(
            f"{HTTP_GET}, requestParameters: {{integration.request.querystring.q: method.request.querystring.q}}, {DEFAULT}"
        ),
        "AGW418",
        E,
    ),
    Case(
        "multivalue-undeclared",
        _rest(
            f"{HTTP_GET}, requestParameters: {{integration.request.querystring.q: method.request.multivaluequerystring.q}}, {DEFAULT}"
        ),
        "AGW418",
        E,
    ),
    Case(
        "cache-key-undeclared",
        _rest(f"{HTTP_GET}, cacheKeyParameters: [method.request.querystring.page], {DEFAULT}"),
        "AGW418",
        E,
    ),
    Case(
        "cache-key-declared",
        _rest(
            f"{HTTP_GET}, cacheKeyParameters: [method.request.querystring.page], {DEFAULT}",
            params="{name: page, in: query}",
        ),
        "AGW418",
        None,
    ),
    # AGW419 / AGW420 integration response mappings
    Case(
        "response-key-body",
        _rest(
            "type: mock, responses: {default: {statusCode: '200', responseParameters: {method.response.body: integration.response.body}}}"
        ),
        "AGW419",
        E,
    ),
    Case(
        "response-value-header",
        _rest(
            "type: mock, responses: {default: {statusCode: '200', responseParameters: {method.response.header.X: integration.response.header.Y}}}",
            responses="{'200': {description: ok, headers: {x: {schema: {type: string}}}}}",
        ),
        "AGW420",
        None,
    ),
    # AGW423 selection patterns
    Case(
        "java-named-group",
        _rest(
            "type: mock, responses: {'(?<code>4\\d\\d)': {statusCode: '200'}, default: {statusCode: '200'}}"
        ),
        "AGW423",
        None,
    ),
    Case(
        "java-class",
        _rest(
            "type: mock, responses: {'\\p{Alpha}+': {statusCode: '200'}, default: {statusCode: '200'}}"
        ),
        "AGW423",
        None,
    ),
    # AGW424 default responses
    Case(
        "lambda-custom-no-default",
        _rest(
            f"type: aws, httpMethod: POST, uri: '{LAMBDA}', responses: {{'.*Error.*': {{statusCode: '200'}}}}"
        ),
        "AGW424",
        W,
    ),
    Case("http-no-responses", _rest(HTTP_GET), "AGW424", W),
    Case(
        "mock-fixed-status-matches",
        _rest(
            "type: mock, requestTemplates: {application/json: '{statusCode: 418}'}, responses: {'418': {statusCode: '200'}}"
        ),
        "AGW424",
        None,
    ),
    Case(
        "mock-no-template-is-200",
        _rest("type: mock, responses: {'2\\d{2}': {statusCode: '200'}}"),
        "AGW424",
        None,
    ),
    Case(
        "mock-computed-status",
        _rest(
            'type: mock, requestTemplates: {application/json: \'{"statusCode": $input.params("s")}\'}, '
            "responses: {'200': {statusCode: '200'}}"
        ),
        "AGW424",
        W,
    ),
    Case(
        "proxy-no-responses",
        _rest(f"type: aws_proxy, httpMethod: POST, uri: '{LAMBDA}'"),
        "AGW424",
        None,
    ),
    # AGW425 statuses
    Case(
        "proxy-ignores-responses",
        _rest(
            f"type: aws_proxy, httpMethod: POST, uri: '{LAMBDA}', responses: {{default: {{statusCode: '201'}}}}"
        ),
        "AGW425",
        None,
    ),
    # AGW426 VPC links
    Case(
        "internet-with-connection-id",
        _rest(f"{HTTP_GET}, connectionType: INTERNET, connectionId: abc, {DEFAULT}"),
        "AGW426",
        E,
    ),
    Case(
        "target-without-vpc-link",
        _rest(
            f"{HTTP_GET}, integrationTarget: 'arn:aws:elasticloadbalancing:us-east-1:1:listener/net/a/b/c', {DEFAULT}"
        ),
        "AGW426",
        E,
    ),
    # AGW427 payload format
    Case("http-api-lambda-missing", _http(f"type: AWS_PROXY, uri: '{LAMBDA}'"), "AGW427", E),
    Case(
        "http-api-lambda-2",
        _http(f"type: AWS_PROXY, uri: '{LAMBDA}', payloadFormatVersion: '2.0'"),
        "AGW427",
        None,
    ),
    Case(
        "http-api-number-1",
        _http(f"type: AWS_PROXY, uri: '{LAMBDA}', payloadFormatVersion: 1.0"),
        "AGW427",
        None,
    ),
    Case(
        "http-api-subtype-2",
        _http(
            "type: AWS_PROXY, integrationSubtype: SQS-PurgeQueue, payloadFormatVersion: '2.0', requestParameters: {QueueUrl: q}"
        ),
        "AGW427",
        E,
    ),
    # AGW428 options
    Case(
        "skip-verify-on-aws",
        _rest(
            f"type: aws, httpMethod: POST, uri: '{SQS}', tlsConfig: {{insecureSkipVerification: true}}, {DEFAULT}"
        ),
        "AGW428",
        E,
    ),
    Case(
        "skip-verify-on-http",
        _rest(f"{HTTP_GET}, tlsConfig: {{insecureSkipVerification: true}}, {DEFAULT}"),
        "AGW428",
        None,
    ),
    Case(
        "server-name-on-rest",
        _rest(f"{HTTP_GET}, tlsConfig: {{serverNameToVerify: x.example}}, {DEFAULT}"),
        "AGW428",
        E,
    ),
    Case(
        "stream-with-response-templates",
        _rest(
            "type: http_proxy, httpMethod: GET, uri: 'https://x.example', responseTransferMode: STREAM, "
            "responses: {default: {statusCode: '200', responseTemplates: {application/json: '$input.body'}}}"
        ),
        "AGW428",
        E,
    ),
    Case(
        "stream-with-cache-keys",
        _rest(
            "type: http_proxy, httpMethod: GET, uri: 'https://x.example', responseTransferMode: STREAM, "
            "cacheKeyParameters: [method.request.path.id]"
        ),
        "AGW428",
        W,
    ),
    Case(
        "stream-with-compression",
        _rest(
            "type: http_proxy, httpMethod: GET, uri: 'https://x.example', responseTransferMode: STREAM",
            head="x-amazon-apigateway-minimum-compression-size: 1024\n",
        ),
        "AGW428",
        W,
    ),
    Case(
        "never-without-templates",
        _rest(f"{HTTP_GET}, passthroughBehavior: never, {DEFAULT}"),
        "AGW428",
        W,
    ),
    Case(
        "never-with-templates",
        _rest(
            f"{HTTP_GET}, passthroughBehavior: never, requestTemplates: {{application/json: '{{}}'}}, {DEFAULT}"
        ),
        "AGW428",
        None,
    ),
    # AGW429 serve
    Case(
        "lambda-custom-runs-locally",
        _rest(f"type: aws, httpMethod: POST, uri: '{LAMBDA}', {DEFAULT}"),
        "AGW429",
        None,
    ),
    Case(
        "service-with-endpoint-runs-locally",
        _rest(f"type: aws, httpMethod: POST, uri: '{SQS}', {DEFAULT}")
        + "x-apigwc:\n  awsEndpoint: {url: 'http://127.0.0.1:5000'}\n",
        "AGW429",
        None,
    ),
    Case(
        "service-without-endpoint",
        _rest(f"type: aws, httpMethod: POST, uri: '{SQS}', {DEFAULT}"),
        "AGW429",
        W,
    ),
    Case(
        "http-api-subtype-not-local",
        _http(
            "type: AWS_PROXY, integrationSubtype: SQS-PurgeQueue, payloadFormatVersion: '1.0', requestParameters: {QueueUrl: q}"
        ),
        "AGW429",
        W,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_integration_rule(case: Case) -> None:
    check_case(case)


HTTP_MAPPING_CASES = [
    Case("reserved-prefix", "'overwrite:header.x-amz-date': abc", "AGW421", E),
    Case("unknown-action", "'set:header.x': abc", "AGW421", E),
    Case("path-overwrite", "'overwrite:path': /v2/$request.path.id", "AGW421", None),
    Case("statuscode-on-request", "'overwrite:statuscode': '204'", "AGW421", E),
    Case("unknown-variable", "'append:querystring.q': $foo.bar", "AGW421", E),
    Case(
        "request-variable",
        "'append:querystring.q': '${request.header.x}-${context.requestId}'",
        "AGW421",
        None,
    ),
]


@pytest.mark.parametrize("case", HTTP_MAPPING_CASES, ids=[c.id for c in HTTP_MAPPING_CASES])
def test_http_request_mapping(case: Case) -> None:
    doc = _http(
        "type: HTTP_PROXY, httpMethod: GET, uri: 'https://x.example', payloadFormatVersion: '1.0', "
        f"requestParameters: {{{case.document}}}"
    )
    check_case(case._replace(document=doc))


HTTP_RESPONSE_CASES = [
    Case("status-out-of-range", "'600': {'overwrite:statuscode': '200'}", "AGW421", E),
    Case("querystring-on-response", "'200': {'append:querystring.q': x}", "AGW421", E),
    Case("response-header", "'200': {'append:header.x-id': $response.header.id}", "AGW421", None),
]


@pytest.mark.parametrize("case", HTTP_RESPONSE_CASES, ids=[c.id for c in HTTP_RESPONSE_CASES])
def test_http_response_mapping(case: Case) -> None:
    doc = _http(
        "type: HTTP_PROXY, httpMethod: GET, uri: 'https://x.example', payloadFormatVersion: '1.0', "
        f"responseParameters: {{{case.document}}}"
    )
    check_case(case._replace(document=doc))


SUBTYPE_CASES = [
    Case(
        "wrong-type",
        "type: HTTP_PROXY, httpMethod: GET, uri: 'https://x.example', integrationSubtype: SQS-PurgeQueue",
        "AGW422",
        E,
    ),
    Case("unknown-subtype", "type: AWS_PROXY, integrationSubtype: SQS-Frobnicate", "AGW422", E),
    Case(
        "all-required",
        "type: AWS_PROXY, integrationSubtype: StepFunctions-StartExecution, requestParameters: {StateMachineArn: arn}",
        "AGW422",
        None,
    ),
]


@pytest.mark.parametrize("case", SUBTYPE_CASES, ids=[c.id for c in SUBTYPE_CASES])
def test_integration_subtype(case: Case) -> None:
    doc = _http(case.document + ", payloadFormatVersion: '1.0'")
    check_case(case._replace(document=doc))


def test_component_integration_is_checked_once_per_use() -> None:
    """An HTTP API integration component used by two routes is judged where it is written."""
    doc = (
        HTTP_HEAD
        + "components:\n  x-amazon-apigateway-integrations:\n"
        + "    slow: {type: HTTP_PROXY, httpMethod: GET, uri: 'https://x.example', payloadFormatVersion: '1.0', timeoutInMillis: 40000}\n"
        + "paths:\n"
        + "".join(
            f"  /{p}:\n    get:\n      responses: {{'200': {{description: ok}}}}\n"
            "      x-amazon-apigateway-integration: {$ref: '#/components/x-amazon-apigateway-integrations/slow'}\n"
            for p in ("a", "b")
        )
    )
    assert ("AGW416", "error") in findings(doc)
