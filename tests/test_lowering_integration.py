"""`x-amazon-apigateway-integration` / `-integrations` -> IR `Integration` (reference §1.1, §1.2).

One row per property (and per lenient coercion AWS's importer applies), then the error rows.
Expected diagnostics are marked on the offending line (`# E: AGW202`); see tests/lowering_cases.py.
"""

from __future__ import annotations

import pytest

from tests.lowering_cases import check, document, integration, intrinsic, operation

LAMBDA = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:f/invocations"

CASES = [
    # -- type and uri ---------------------------------------------------------------------------
    pytest.param(
        integration("type: aws_proxy\nhttpMethod: POST\nuri: " + LAMBDA),
        {"integration.type": "AWS_PROXY", "integration.uri": LAMBDA, "integration.is_lambda": True},
        id="type-lower-case-aws_proxy",
    ),
    pytest.param(integration("type: MOCK"), {"integration.type": "MOCK"}, id="type-mock"),
    pytest.param(
        integration("type: Http_Proxy\nuri: http://b"),
        {"integration.type": "HTTP_PROXY"},
        id="type-mixed-case",
    ),
    pytest.param(
        integration("type: aws\nuri: arn:aws:apigateway:us-east-1:sqs:path/1/q\nhttpMethod: POST"),
        {"integration.type": "AWS", "integration.is_proxy": False},
        id="type-aws",
    ),
    pytest.param(
        integration("type: http\nuri: http://b/{id}"),
        {"integration.type": "HTTP", "integration.uri": "http://b/{id}"},
        id="type-http",
    ),
    pytest.param(
        integration('type: aws_proxy\nuri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/f"'),
        {
            "integration.uri": intrinsic(
                "Fn::Sub", "arn:aws:apigateway:${AWS::Region}:lambda:path/f"
            )
        },
        id="uri-short-sub-is-intrinsic",
    ),
    pytest.param(
        integration('type: aws_proxy\nuri:\n  Fn::Sub: "arn:${AWS::Region}:lambda:path/${Fn.Arn}"'),
        {
            "integration.uri": intrinsic("Fn::Sub", "arn:${AWS::Region}:lambda:path/${Fn.Arn}"),
            "integration.is_lambda": True,
        },
        id="uri-long-sub-is-intrinsic",
    ),
    pytest.param(
        integration("type: aws_proxy\nuri: {Fn::If: [Prod, arn:a, arn:b]}"),
        {"integration.uri": intrinsic("Fn::If", ["Prod", "arn:a", "arn:b"])},
        id="uri-fn-if-is-intrinsic",
    ),
    pytest.param(
        integration("type: aws_proxy\nuri: !If [Prod, arn:a, !Ref B]"),
        {"integration.uri": intrinsic("Fn::If", ["Prod", "arn:a", {"Ref": "B"}])},
        id="uri-short-if-keeps-nested-raw",
    ),
    # -- scalar properties ----------------------------------------------------------------------
    pytest.param(
        integration("type: http\nuri: http://b\nhttpMethod: post"),
        {"integration.http_method": "POST"},
        id="httpMethod-upper-cased",
    ),
    pytest.param(
        integration("type: http_proxy\nuri: http://b\nhttpMethod: ANY"),
        {"integration.http_method": "ANY"},
        id="httpMethod-any",
    ),
    pytest.param(
        integration("type: mock\ntimeoutInMillis: 29000"),
        {"integration.timeout_in_millis": 29000},
        id="timeoutInMillis-int",
    ),
    pytest.param(
        integration('type: mock\ntimeoutInMillis: "29000"'),
        {"integration.timeout_in_millis": 29000},
        id="timeoutInMillis-string-coerced",
    ),
    pytest.param(
        integration("type: mock\ntimeoutInMillis: 5000.0"),
        {"integration.timeout_in_millis": 5000},
        id="timeoutInMillis-whole-float",
    ),
    pytest.param(
        integration("type: mock\npassthroughBehavior: when_no_match"),
        {"integration.passthrough_behavior": "WHEN_NO_MATCH"},
        id="passthroughBehavior-lower-case",
    ),
    pytest.param(
        integration("type: mock\npassthroughBehavior: NEVER"),
        {"integration.passthrough_behavior": "NEVER"},
        id="passthroughBehavior-never",
    ),
    pytest.param(
        integration("type: mock\ncontentHandling: CONVERT_TO_BINARY"),
        {"integration.content_handling": "CONVERT_TO_BINARY"},
        id="contentHandling",
    ),
    pytest.param(
        integration("type: mock\ncacheNamespace: ns1"),
        {"integration.cache_namespace": "ns1"},
        id="cacheNamespace",
    ),
    pytest.param(
        integration(
            "type: mock\ncacheKeyParameters: [method.request.path.id, method.request.querystring.q]"
        ),
        {
            "integration.cache_key_parameters": [
                "method.request.path.id",
                "method.request.querystring.q",
            ]
        },
        id="cacheKeyParameters",
    ),
    pytest.param(
        integration("type: mock\ncacheKeyParameters: method.request.path.id"),
        {"integration.cache_key_parameters": ["method.request.path.id"]},
        id="cacheKeyParameters-single-string",
    ),
    pytest.param(
        integration(
            "type: http_proxy\nuri: http://nlb\nconnectionType: VPC_LINK\nconnectionId: !Ref Link"
        ),
        {
            "integration.connection_type": "VPC_LINK",
            "integration.connection_id": intrinsic("Ref", "Link"),
        },
        id="connectionType-and-connectionId-ref",
    ),
    pytest.param(
        integration(
            "type: http_proxy\nuri: http://nlb\nconnectionType: vpc_link\nconnectionId: ${stageVariables.link}"
        ),
        {
            "integration.connection_type": "VPC_LINK",
            "integration.connection_id": "${stageVariables.link}",
        },
        id="connectionId-stage-variable",
    ),
    pytest.param(
        integration("type: http\nuri: http://b\nconnectionType: INTERNET"),
        {"integration.connection_type": "INTERNET"},
        id="connectionType-internet",
    ),
    pytest.param(
        integration("type: aws\nuri: arn:x\ncredentials: !GetAtt Role.Arn"),
        {"integration.credentials": intrinsic("Fn::GetAtt", ["Role", "Arn"])},
        id="credentials-getatt-short",
    ),
    pytest.param(
        integration("type: aws\nuri: arn:x\ncredentials: {Fn::GetAtt: [Role, Arn]}"),
        {"integration.credentials": intrinsic("Fn::GetAtt", ["Role", "Arn"])},
        id="credentials-getatt-long",
    ),
    pytest.param(
        integration("type: aws\nuri: arn:x\ncredentials: arn:aws:iam::*:user/*"),
        {"integration.credentials": "arn:aws:iam::*:user/*"},
        id="credentials-caller-identity",
    ),
    pytest.param(
        integration(
            "type: http_proxy\nuri: http://nlb\nintegrationTarget: arn:aws:elasticloadbalancing:l/1"
        ),
        {"integration.integration_target": "arn:aws:elasticloadbalancing:l/1"},
        id="integrationTarget",
    ),
    pytest.param(
        integration("type: http_proxy\nuri: http://nlb\nintegrationTarget: !Ref Listener"),
        {"integration.integration_target": intrinsic("Ref", "Listener")},
        id="integrationTarget-intrinsic",
    ),
    pytest.param(
        integration("type: aws_proxy\nuri: arn:x\nresponseTransferMode: STREAM"),
        {"integration.response_transfer_mode": "STREAM"},
        id="responseTransferMode-stream",
    ),
    pytest.param(
        integration("type: aws_proxy\nuri: arn:x\nresponseTransferMode: buffered"),
        {"integration.response_transfer_mode": "BUFFERED"},
        id="responseTransferMode-lower-case",
    ),
    pytest.param(
        integration("type: mock\ndescription: the backend"),
        {"integration.description": "the backend"},
        id="description",
    ),
    # -- tlsConfig ------------------------------------------------------------------------------
    pytest.param(
        integration("type: http\nuri: https://b\ntlsConfig:\n  insecureSkipVerification: true"),
        {"integration.tls_config.insecure_skip_verification": True},
        id="tlsConfig-insecureSkipVerification",
    ),
    pytest.param(
        integration("type: http\nuri: https://b\ntlsConfig: {insecureSkipVerification: 'false'}"),
        {"integration.tls_config.insecure_skip_verification": False},
        id="tlsConfig-bool-string-coerced",
    ),
    pytest.param(
        integration(
            "type: HTTP_PROXY\nuri: arn:listener\npayloadFormatVersion: '1.0'\ntlsConfig:\n  serverNameToVerify: b.example.com",
            http=True,
        ),
        {"integration.tls_config.server_name_to_verify": "b.example.com"},
        id="tlsConfig-serverNameToVerify-http",
    ),
    # -- maps -----------------------------------------------------------------------------------
    pytest.param(
        integration("""
            type: aws
            uri: arn:x
            requestTemplates:
              application/json: '{"id": "$input.params(''id'')"}'
              text/plain: "#set($x = 1)"
            """),
        {
            "integration.request_templates": {
                "application/json": '{"id": "$input.params(\'id\')"}',
                "text/plain": "#set($x = 1)",
            }
        },
        id="requestTemplates",
    ),
    pytest.param(
        integration("type: mock\nrequestTemplates:\n  application/json: null"),
        {"integration.request_templates": {"application/json": ""}},
        id="requestTemplates-null-is-empty",
    ),
    pytest.param(
        integration(
            'type: mock\nrequestTemplates:\n  application/json: !Sub \'{"r": "${AWS::Region}"}\''
        ),
        {
            'integration.request_templates["application/json"]': intrinsic(
                "Fn::Sub", '{"r": "${AWS::Region}"}'
            )
        },
        id="requestTemplates-intrinsic",
    ),
    pytest.param(
        integration(
            """
            type: http
            uri: http://b/{id}
            requestParameters:
              integration.request.path.id: method.request.path.id
              integration.request.header.x-k: "'literal'"
            """,
            root="",
        ),
        {
            "integration.request_parameters": {
                "integration.request.path.id": "method.request.path.id",
                "integration.request.header.x-k": "'literal'",
            }
        },
        id="requestParameters-rest",
    ),
    pytest.param(
        integration(
            "type: mock\nrequestParameters:\n  integration.request.header.flag: true\n  integration.request.header.n: 5"
        ),
        {
            "integration.request_parameters": {
                "integration.request.header.flag": "true",
                "integration.request.header.n": "5",
            }
        },
        id="requestParameters-scalars-coerced",
    ),
    pytest.param(
        integration(
            "type: HTTP_PROXY\nuri: http://b\npayloadFormatVersion: '1.0'\nrequestParameters:\n  overwrite:header.x: $request.header.y\n  remove:querystring.q: \"''\"",
            http=True,
        ),
        {
            "integration.request_parameters": {
                "overwrite:header.x": "$request.header.y",
                "remove:querystring.q": "''",
            }
        },
        id="requestParameters-http",
    ),
    pytest.param(
        integration(
            """
            type: HTTP_PROXY
            uri: http://b
            payloadFormatVersion: "1.0"
            responseParameters:
              "200":
                overwrite:header.x-a: $response.header.b
              404:
                overwrite:statuscode: "410"
            """,
            http=True,
        ),
        {
            "integration.response_parameters": {
                "200": {"overwrite:header.x-a": "$response.header.b"},
                "404": {"overwrite:statuscode": "410"},
            }
        },
        id="responseParameters-http-by-status",
    ),
    # -- integration responses ------------------------------------------------------------------
    pytest.param(
        integration("""
            type: aws
            uri: arn:x
            responses:
              default:
                statusCode: 200
              ".*NotFound.*":
                statusCode: "404"
                contentHandling: CONVERT_TO_TEXT
                responseTemplates:
                  application/json: '{"m": "$input.path(''$.errorMessage'')"}'
                responseParameters:
                  method.response.header.X-Id: integration.response.header.id
            """),
        {
            "integration.responses[0].selection_pattern": "default",
            "integration.responses[0].status_code": "200",
            "integration.responses[1].selection_pattern": ".*NotFound.*",
            "integration.responses[1].status_code": "404",
            "integration.responses[1].content_handling": "CONVERT_TO_TEXT",
            "integration.responses[1].response_templates": {
                "application/json": '{"m": "$input.path(\'$.errorMessage\')"}'
            },
            "integration.responses[1].response_parameters": {
                "method.response.header.X-Id": "integration.response.header.id"
            },
        },
        id="responses-every-property-and-statusCode-coerced",
    ),
    pytest.param(
        integration(
            "type: mock\nresponses:\n  default: {statusCode: 204, responseTemplates: {application/json: null}}"
        ),
        {"integration.responses[0].response_templates": {"application/json": ""}},
        id="responses-null-template",
    ),
    # -- payloadFormatVersion and HTTP components -----------------------------------------------
    pytest.param(
        integration("type: AWS_PROXY\nuri: arn:x\npayloadFormatVersion: 1.0", http=True),
        {"integration.payload_format_version": "1.0"},
        id="payloadFormatVersion-number-coerced",
    ),
    pytest.param(
        integration('type: AWS_PROXY\nuri: arn:x\npayloadFormatVersion: "2.0"'),
        {"protocol": "HTTP", "integration.payload_format_version": "2.0"},
        id="payloadFormatVersion-2.0-string-means-http",
    ),
    pytest.param(
        integration("type: AWS_PROXY\nuri: arn:x\npayloadFormatVersion: 2.0", http=True),
        {"integration.payload_format_version": "2.0"},
        id="payloadFormatVersion-2.0-number",
    ),
    pytest.param(
        integration("""
            type: AWS_PROXY
            integrationSubtype: SQS-SendMessage
            credentials: arn:aws:iam::1:role/r
            payloadFormatVersion: "1.0"
            requestParameters:
              QueueUrl: $request.header.queue
              MessageBody: $request.body.message
            """),
        {
            "protocol": "HTTP",
            "integration.integration_subtype": "SQS-SendMessage",
            "integration.request_parameters": {
                "QueueUrl": "$request.header.queue",
                "MessageBody": "$request.body.message",
            },
        },
        id="integrationSubtype-means-http",
    ),
    pytest.param(
        document("""
            components:
              x-amazon-apigateway-integrations:
                backend:
                  type: HTTP_PROXY
                  uri: http://b
                  httpMethod: ANY
                  payloadFormatVersion: "1.0"
                  connectionType: INTERNET
            paths:
              /a:
                get:
                  x-amazon-apigateway-integration:
                    $ref: "#/components/x-amazon-apigateway-integrations/backend"
            """),
        {
            "protocol": "HTTP",
            "integrations.backend.type": "HTTP_PROXY",
            "method.integration_ref": "backend",
            "integration.uri": "http://b",
            "integration.http_method": "ANY",
        },
        id="ref-to-integrations-component",
    ),
    # -- errors ---------------------------------------------------------------------------------
    pytest.param(
        integration("uri: http://b  # E: AGW203\nhttpMethod: GET"),
        {"integration": None},
        id="type-missing",
    ),
    pytest.param(
        integration("type: lambda  # E: AGW202"), {"integration": None}, id="type-bad-enum"
    ),
    pytest.param(integration("type: 5  # E: AGW201"), {"integration": None}, id="type-wrong-type"),
    pytest.param(
        operation("x-amazon-apigateway-integration: mock  # E: AGW201"),
        {"integration": None},
        id="integration-not-an-object",
    ),
    pytest.param(
        integration("type: mock\nuri: 42  # E: AGW201"),
        {"integration.uri": None},
        id="uri-wrong-type",
    ),
    pytest.param(
        integration("type: mock\nhttpMethod: [GET]  # E: AGW201"),
        {"integration.http_method": None},
        id="httpMethod-wrong-type",
    ),
    pytest.param(
        integration("type: mock\ntimeoutInMillis: soon  # E: AGW201"),
        {"integration.timeout_in_millis": None},
        id="timeoutInMillis-wrong-type",
    ),
    pytest.param(
        integration("type: mock\ntimeoutInMillis: 1.5  # E: AGW201"),
        {},
        id="timeoutInMillis-fraction",
    ),
    pytest.param(
        integration("type: mock\npassthroughBehavior: sometimes  # E: AGW202"),
        {},
        id="passthroughBehavior-bad-enum",
    ),
    pytest.param(
        integration("type: mock\ncontentHandling: CONVERT_TO_JSON  # E: AGW202"),
        {},
        id="contentHandling-bad-enum",
    ),
    pytest.param(
        integration("type: http\nuri: http://b\nconnectionType: PRIVATE  # E: AGW202"),
        {},
        id="connectionType-bad-enum",
    ),
    pytest.param(
        integration("type: aws_proxy\nuri: arn:x\nresponseTransferMode: CHUNKED  # E: AGW202"),
        {},
        id="responseTransferMode-bad-enum",
    ),
    pytest.param(
        integration("type: mock\ncacheKeyParameters: [1, 2]  # E: AGW201"),
        {"integration.cache_key_parameters": []},
        id="cacheKeyParameters-wrong-type",
    ),
    pytest.param(
        integration("type: mock\ncacheNamespace: {a: 1}  # E: AGW201"),
        {},
        id="cacheNamespace-wrong-type",
    ),
    pytest.param(
        integration("type: mock\nrequestTemplates: text  # E: AGW201"),
        {},
        id="requestTemplates-wrong-type",
    ),
    pytest.param(
        integration(
            "type: mock\nrequestParameters:\n  integration.request.header.a: [x]  # E: AGW201"
        ),
        {"integration.request_parameters": {}},
        id="requestParameters-value-wrong-type",
    ),
    pytest.param(
        integration("type: mock\ncredentials: true  # E: AGW201"), {}, id="credentials-wrong-type"
    ),
    pytest.param(
        integration("type: http\nuri: http://b\ntlsConfig: [x]  # E: AGW201"),
        {"integration.tls_config": None},
        id="tlsConfig-wrong-type",
    ),
    pytest.param(
        integration(
            "type: http\nuri: http://b\ntlsConfig:\n  insecureSkipVerification: maybe  # E: AGW201"
        ),
        {},
        id="tlsConfig-bool-wrong-type",
    ),
    pytest.param(
        integration("type: http\nuri: http://b\ntlsConfig:\n  skipVerify: true  # W: AGW204"),
        {"integration.tls_config.insecure_skip_verification": None},
        id="tlsConfig-unknown-property",
    ),
    pytest.param(
        integration("type: mock\nrequestTemplate:  # W: AGW204\n  application/json: '{}'"),
        {"integration.request_templates": {}},
        id="unknown-property-at-key-line",
    ),
    pytest.param(
        integration("type: mock\n  # just a comment\nx-custom: 1"),
        {},
        id="x-keys-are-not-unknown-properties",
    ),
    pytest.param(
        integration("type: mock\nresponses:\n  default:\n    responseTemplates: {}  # E: AGW203"),
        {"integration.responses": []},
        id="responses-statusCode-missing",
    ),
    pytest.param(
        integration(
            "type: mock\nresponses:\n  default:\n    statusCode: 200\n    contentHandling: BINARY  # E: AGW202"
        ),
        {"integration.responses[0].content_handling": None},
        id="responses-contentHandling-bad-enum",
    ),
    pytest.param(
        integration(
            "type: mock\nresponses:\n  default:\n    statusCode: 200\n    responseParameter: {}  # W: AGW204"
        ),
        {},
        id="responses-unknown-property",
    ),
    pytest.param(
        integration("type: mock\nresponses:\n  default: 200  # E: AGW201"),
        {"integration.responses": []},
        id="responses-entry-not-object",
    ),
    pytest.param(
        integration("type: mock\nresponses: [200]  # E: AGW201"), {}, id="responses-wrong-type"
    ),
    pytest.param(
        integration(
            "type: HTTP_PROXY\nuri: http://b\npayloadFormatVersion: '1.0'\nresponses:  # W: AGW301\n  default: {statusCode: 200}",
            http=True,
        ),
        {},
        id="responses-in-http-api-unsupported",
    ),
    pytest.param(
        integration(
            "type: HTTP_PROXY\nuri: http://b\npayloadFormatVersion: '1.0'\nresponseParameters:\n  '200': drop  # E: AGW201",
            http=True,
        ),
        {"integration.response_parameters": {}},
        id="responseParameters-http-entry-not-object",
    ),
    pytest.param(
        integration(
            "type: AWS_PROXY\nuri: arn:x\npayloadFormatVersion: [1]  # E: AGW201", http=True
        ),
        {},
        id="payloadFormatVersion-wrong-type",
    ),
    pytest.param(
        document("""
            components:
              x-amazon-apigateway-integrations: [a]  # E: AGW201
            """),
        {"integrations": {}},
        id="integrations-component-not-object",
    ),
    pytest.param(
        document("""
            components:
              x-amazon-apigateway-integrations:
                bad:
                  uri: http://b  # E: AGW203
            """),
        {"integrations": {}},
        id="integrations-component-missing-type",
    ),
]


@pytest.mark.parametrize(("source", "expected"), CASES)
def test_integration(source: str, expected: dict[str, object]) -> None:
    check(source, expected)
