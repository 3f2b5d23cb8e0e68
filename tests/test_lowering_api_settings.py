"""API settings extensions -> IR: request validators and the default validator (reference §1.7),
gateway responses (§1.8), documentation parts (§1.14), HTTP CORS (§1.15). Markers as in
tests/lowering_cases.py."""

from __future__ import annotations

import pytest

from tests.lowering_cases import check, document

VALIDATORS = """
x-amazon-apigateway-request-validators:
  all: {validateRequestBody: true, validateRequestParameters: true}
  params-only:
    validateRequestParameters: "true"
"""

CASES = [
    # -- request validators ---------------------------------------------------------------------
    pytest.param(
        document(VALIDATORS + "x-amazon-apigateway-request-validator: all"),
        {
            "request_validators[0].name": "all",
            "request_validators[0].validate_request_body": True,
            "request_validators[0].validate_request_parameters": True,
            "request_validators[1].name": "params-only",
            "request_validators[1].validate_request_body": False,
            "request_validators[1].validate_request_parameters": True,
            "default_request_validator": "all",
        },
        id="validators-and-root-default",
    ),
    pytest.param(
        document(VALIDATORS), {"default_request_validator": None}, id="validators-without-default"
    ),
    pytest.param(
        document("x-amazon-apigateway-request-validators:\n  none: {}"),
        {
            "request_validators[0].validate_request_body": False,
            "request_validators[0].validate_request_parameters": False,
        },
        id="validator-empty-object",
    ),
    # -- gateway responses ----------------------------------------------------------------------
    pytest.param(
        document("""
            x-amazon-apigateway-gateway-responses:
              DEFAULT_4XX:
                statusCode: 400
                responseParameters:
                  gatewayresponse.header.Access-Control-Allow-Origin: "'*'"
                  gatewayresponse.header.X-Id: method.request.header.X-Id
                responseTemplates:
                  application/json: '{"message": $context.error.messageString}'
              MISSING_AUTHENTICATION_TOKEN:
                statusCode: "404"
            """),
        {
            "gateway_responses[0].response_type": "DEFAULT_4XX",
            "gateway_responses[0].status_code": "400",
            "gateway_responses[0].response_parameters": {
                "gatewayresponse.header.Access-Control-Allow-Origin": "'*'",
                "gatewayresponse.header.X-Id": "method.request.header.X-Id",
            },
            "gateway_responses[0].response_templates": {
                "application/json": '{"message": $context.error.messageString}'
            },
            "gateway_responses[1].response_type": "MISSING_AUTHENTICATION_TOKEN",
            "gateway_responses[1].status_code": "404",
        },
        id="gateway-responses-every-property",
    ),
    pytest.param(
        document("x-amazon-apigateway-gateway-responses:\n  THROTTLED: {defaultResponse: false}"),
        {
            "gateway_responses[0].response_type": "THROTTLED",
            "gateway_responses[0].status_code": None,
        },
        id="gateway-response-export-defaultResponse-accepted",
    ),
    # -- documentation --------------------------------------------------------------------------
    pytest.param(
        document("""
            x-amazon-apigateway-documentation:
              version: 1.0
              createdDate: "2024-01-01T00:00:00Z"
              documentationParts:
                - location: {type: API}
                  properties: {description: the API}
                - location:
                    type: RESPONSE_HEADER
                    path: /pets
                    method: GET
                    statusCode: 200
                    name: X-Id
                  properties: {description: an id}
                - location: {type: method, path: /pets, method: POST}
                  properties: {summary: add}
            """),
        {
            "documentation.version": "1.0",
            "documentation.parts[0].location.type": "API",
            "documentation.parts[0].properties": {"description": "the API"},
            "documentation.parts[1].location.type": "RESPONSE_HEADER",
            "documentation.parts[1].location.path": "/pets",
            "documentation.parts[1].location.method": "GET",
            "documentation.parts[1].location.status_code": "200",
            "documentation.parts[1].location.name": "X-Id",
            "documentation.parts[2].location.type": "METHOD",
        },
        id="documentation-every-property",
    ),
    # -- CORS -----------------------------------------------------------------------------------
    pytest.param(
        document("""
            x-amazon-apigateway-cors:
              allowOrigins: [https://a.example.com, "https://*"]
              allowCredentials: true
              exposeHeaders: [x-id]
              maxAge: 300
              allowMethods: [GET, OPTIONS]
              allowHeaders: ["*"]
            """),
        {
            "protocol": "HTTP",
            "cors.allow_origins": ["https://a.example.com", "https://*"],
            "cors.allow_credentials": True,
            "cors.expose_headers": ["x-id"],
            "cors.max_age": 300,
            "cors.allow_methods": ["GET", "OPTIONS"],
            "cors.allow_headers": ["*"],
        },
        id="cors-every-property",
    ),
    pytest.param(
        document("x-amazon-apigateway-cors: {allowOrigins: '*', maxAge: '-1'}"),
        {"cors.allow_origins": ["*"], "cors.max_age": -1},
        id="cors-lenient-string-forms",
    ),
    # -- errors ---------------------------------------------------------------------------------
    pytest.param(
        document("x-amazon-apigateway-request-validators: [all]  # E: AGW201"),
        {"request_validators": []},
        id="validators-not-an-object",
    ),
    pytest.param(
        document("x-amazon-apigateway-request-validators:\n  all: true  # E: AGW201"),
        {"request_validators": []},
        id="validator-not-an-object",
    ),
    pytest.param(
        document(
            "x-amazon-apigateway-request-validators:\n  all:\n    validateBody: true  # W: AGW204"
        ),
        {"request_validators[0].validate_request_body": False},
        id="validator-unknown-property",
    ),
    pytest.param(
        document(
            "x-amazon-apigateway-request-validators:\n  all: {validateRequestBody: 1}  # E: AGW201"
        ),
        {},
        id="validator-bool-wrong-type",
    ),
    pytest.param(
        document("x-amazon-apigateway-request-validator: [all]  # E: AGW201"),
        {"default_request_validator": None},
        id="root-request-validator-wrong-type",
    ),
    pytest.param(
        document(
            "x-amazon-apigateway-gateway-responses:\n  DEFAULT_4xx:  # E: AGW202\n    statusCode: 400"
        ),
        {"gateway_responses": []},
        id="gateway-response-unknown-type-at-key",
    ),
    pytest.param(
        document(
            "x-amazon-apigateway-gateway-responses:\n  UNAUTHORIZED:\n    statusCode: 401\n    headers: {}  # W: AGW204"
        ),
        {"gateway_responses[0].status_code": "401"},
        id="gateway-response-unknown-property",
    ),
    pytest.param(
        document(
            "x-amazon-apigateway-gateway-responses:\n  UNAUTHORIZED:\n    responseParameters:\n      gatewayresponse.header.a: [x]  # E: AGW201"
        ),
        {"gateway_responses[0].response_parameters": {}},
        id="gateway-response-parameter-wrong-type",
    ),
    pytest.param(
        document("x-amazon-apigateway-gateway-responses: [DEFAULT_4XX]  # E: AGW201"),
        {"gateway_responses": []},
        id="gateway-responses-not-an-object",
    ),
    pytest.param(
        document("x-amazon-apigateway-gateway-responses:\n  UNAUTHORIZED: 401  # E: AGW201"),
        {"gateway_responses": []},
        id="gateway-response-not-an-object",
    ),
    pytest.param(
        document("x-amazon-apigateway-documentation: docs  # E: AGW201"),
        {"documentation": None},
        id="documentation-not-an-object",
    ),
    pytest.param(
        document("x-amazon-apigateway-documentation:\n  documentationParts: {}  # E: AGW201"),
        {"documentation.parts": []},
        id="documentation-parts-not-an-array",
    ),
    pytest.param(
        document(
            "x-amazon-apigateway-documentation:\n  documentationParts:\n    - properties: {}  # E: AGW203"
        ),
        {"documentation.parts": []},
        id="documentation-part-location-missing",
    ),
    pytest.param(
        document(
            "x-amazon-apigateway-documentation:\n  documentationParts:\n    - location: {type: ENDPOINT}  # E: AGW202"
        ),
        {"documentation.parts": []},
        id="documentation-location-type-bad-enum",
    ),
    pytest.param(
        document(
            "x-amazon-apigateway-documentation:\n  documentationParts:\n    - location: {path: /}  # E: AGW203"
        ),
        {"documentation.parts": []},
        id="documentation-location-type-missing",
    ),
    pytest.param(
        document(
            "x-amazon-apigateway-documentation:\n  documentationParts:\n    - location:\n        type: API\n        verb: GET  # W: AGW204"
        ),
        {"documentation.parts[0].location.type": "API"},
        id="documentation-location-unknown-property",
    ),
    pytest.param(
        document(
            "x-amazon-apigateway-documentation:\n  documentationParts:\n    - location: {type: API}\n      props: {}  # W: AGW204"
        ),
        {},
        id="documentation-part-unknown-property",
    ),
    pytest.param(
        document("x-amazon-apigateway-documentation:\n  title: d  # W: AGW204"),
        {},
        id="documentation-unknown-property",
    ),
    pytest.param(
        document("x-amazon-apigateway-cors: '*'  # E: AGW201"),
        {"cors": None},
        id="cors-not-an-object",
    ),
    pytest.param(
        document("x-amazon-apigateway-cors:\n  allowOrigin: ['*']  # W: AGW204"),
        {"cors.allow_origins": []},
        id="cors-unknown-property",
    ),
    pytest.param(
        document("x-amazon-apigateway-cors:\n  maxAge: forever  # E: AGW201"),
        {"cors.max_age": None},
        id="cors-maxAge-wrong-type",
    ),
    pytest.param(
        document("x-amazon-apigateway-cors:\n  allowCredentials: sometimes  # E: AGW201"),
        {},
        id="cors-allowCredentials-wrong-type",
    ),
    pytest.param(
        document("x-amazon-apigateway-cors:\n  allowMethods: [1]  # E: AGW201"),
        {"cors.allow_methods": []},
        id="cors-allowMethods-wrong-type",
    ),
]


@pytest.mark.parametrize(("source", "expected"), CASES)
def test_api_settings(source: str, expected: dict[str, object]) -> None:
    check(source, expected)
