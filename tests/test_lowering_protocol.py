"""The source format (Swagger 2.0 / OpenAPI 3.0 / 3.1) and the API flavour (REST / HTTP, inferred
from HTTP-only features or forced by `x-apigwc.protocol`), and: the same API written in Swagger 2.0
and in OpenAPI 3.0 gives the same IR. Markers as in tests/lowering_cases.py."""

from __future__ import annotations

import textwrap

import pytest
from apigwc.ir import dump

from tests.lowering_cases import check, document, integration, lowered, operation

CASES = [
    # -- format ---------------------------------------------------------------------------------
    pytest.param(
        document("", swagger=True),
        {"source_format": "swagger2", "protocol": "REST"},
        id="swagger-2.0",
    ),
    pytest.param(
        "swagger: 2.0\ninfo: {title: t, version: '1'}\npaths: {}\n",
        {"source_format": "swagger2"},
        id="swagger-2.0-number",
    ),
    pytest.param(document(""), {"source_format": "oas30", "protocol": "REST"}, id="openapi-3.0.1"),
    pytest.param(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n",
        {"source_format": "oas30"},
        id="openapi-3.0.3",
    ),
    pytest.param(
        "openapi: 3.1.0  # W: AGW121\ninfo: {title: t, version: '1'}\npaths: {}\n",
        {"source_format": "oas31"},
        id="openapi-3.1-warns",
    ),
    pytest.param(
        "openapi: 2.0.0  # E: AGW120\ninfo: {title: t, version: '1'}\npaths: {}\n",
        {},
        id="openapi-2-unknown",
    ),
    pytest.param(
        "swagger: '1.2'  # E: AGW120\ninfo: {title: t, version: '1'}\npaths: {}\n",
        {},
        id="swagger-1.2-unknown",
    ),
    pytest.param(
        "info: {title: t, version: '1'}  # E: AGW120\npaths: {}\n", {}, id="no-version-field"
    ),
    pytest.param(
        "openapi: 3.0.1  # W: AGW122\ninfo: {title: t, version: '1'}\n",
        {"paths": []},
        id="no-paths-warns-at-the-root",
    ),
    pytest.param(
        "openapi: 3.0.1\ninfo: {title: t, version: '1'}\npath: {}  # E: AGW124\n",
        {},
        id="paths-misspelt",
    ),
    # -- HTTP inferred from HTTP-only features --------------------------------------------------
    pytest.param(
        document("x-amazon-apigateway-importexport-version: '1.0'"),
        {"protocol": "HTTP"},
        id="http-by-importexport-version",
    ),
    pytest.param(document("x-amazon-apigateway-cors: {}"), {"protocol": "HTTP"}, id="http-by-cors"),
    pytest.param(
        document("components:\n  x-amazon-apigateway-integrations: {}"),
        {"protocol": "HTTP"},
        id="http-by-integrations-component",
    ),
    pytest.param(
        document(
            "components:\n  securitySchemes:\n    j:\n      type: oauth2\n      x-amazon-apigateway-authorizer: {type: JWT}"
        ),
        {"protocol": "HTTP"},
        id="http-by-jwt-authorizer",
    ),
    *(
        pytest.param(
            document(
                f"components:\n  securitySchemes:\n    l:\n      type: apiKey\n      x-amazon-apigateway-authorizer: {{type: request, {key}}}"
            ),
            {"protocol": "HTTP"},
            id=f"http-by-authorizer-{key.split(':')[0]}",
        )
        for key in (
            "authorizerPayloadFormatVersion: '2.0'",
            "enableSimpleResponses: true",
            "jwtConfiguration: {}",
        )
    ),
    pytest.param(
        document(
            "paths:\n  /$default:\n    x-amazon-apigateway-any-method: {isDefaultRoute: true}"
        ),
        {"protocol": "HTTP"},
        id="http-by-isDefaultRoute",
    ),
    pytest.param(
        integration("type: AWS_PROXY\nintegrationSubtype: SQS-SendMessage"),
        {"protocol": "HTTP"},
        id="http-by-integrationSubtype",
    ),
    pytest.param(
        document("tags:\n  - {name: a, x-amazon-apigateway-tag-value: b}"),
        {"protocol": "HTTP"},
        id="http-by-tag-value",
    ),
    pytest.param(
        integration("type: AWS_PROXY\nuri: arn:x\npayloadFormatVersion: '2.0'"),
        {"protocol": "HTTP"},
        id="http-by-payload-2.0",
    ),
    # -- REST despite payloadFormatVersion ------------------------------------------------------
    pytest.param(
        integration("type: AWS_PROXY\nuri: arn:x\npayloadFormatVersion: '1.0'  # W: AGW301"),
        {"protocol": "REST"},
        id="rest-payload-1.0-proves-nothing",
    ),
    pytest.param(
        integration(
            "type: AWS_PROXY\nuri: arn:x\npayloadFormatVersion: '2.0'  # W: AGW301",
            root="x-amazon-apigateway-binary-media-types: ['*/*']",
        ),
        {"protocol": "REST"},
        id="rest-payload-2.0-with-rest-root-extension",
    ),
    pytest.param(
        integration(
            "type: AWS\nuri: arn:x\npayloadFormatVersion: '2.0'  # W: AGW301\nrequestTemplates: {application/json: '{}'}"
        ),
        {"protocol": "REST"},
        id="rest-payload-2.0-with-rest-integration-keys",
    ),
    pytest.param(
        integration(
            "type: AWS_PROXY\nuri: arn:x\npayloadFormatVersion: '2.0'  # W: AGW301", swagger=True
        ),
        {"protocol": "REST"},
        id="rest-payload-2.0-in-swagger",
    ),
    # -- REST-only features outweigh HTTP extensions REST import ignores (AGW307) ---------------
    pytest.param(
        integration(
            "type: aws\nhttpMethod: POST\nuri: arn:x\nrequestTemplates: {application/json: '{}'}",
            root="x-amazon-apigateway-cors: {allowOrigins: ['*']}  # W: AGW207, W: AGW307",
        ),
        {"protocol": "REST"},
        id="rest-aws-integration-with-stray-cors",
    ),
    pytest.param(
        integration(
            "type: mock\nrequestTemplates: {application/json: '{\"statusCode\": 200}'}",
            root="x-amazon-apigateway-cors: {}  # W: AGW207, W: AGW307\n"
            "x-amazon-apigateway-gateway-responses: {}",
        ),
        {"protocol": "REST"},
        id="rest-root-extension-with-stray-cors",
    ),
    pytest.param(
        integration(
            "type: aws\nhttpMethod: POST\nuri: arn:x\nrequestTemplates: {application/json: '{}'}",
            root="x-amazon-apigateway-cors: {}\n"
            "x-amazon-apigateway-importexport-version: '1.0'  # W: AGW307",
        ),
        {"protocol": "HTTP"},
        id="http-when-an-http-feature-rest-cannot-ignore-is-there",
    ),
    pytest.param(
        integration(
            "type: aws_proxy\nhttpMethod: POST\nuri: arn:x", root="x-amazon-apigateway-cors: {}"
        ),
        {"protocol": "HTTP"},
        id="http-cors-with-proxy-integration-is-no-conflict",
    ),
    pytest.param(
        integration(
            "type: aws\nhttpMethod: POST\nuri: arn:x\nrequestTemplates: {application/json: '{}'}",
            root="x-apigwc: {protocol: HTTP}\nx-amazon-apigateway-cors: {}",
        ),
        {"protocol": "HTTP"},
        id="forced-http-overrides-the-weighing",
    ),
    # -- forced ---------------------------------------------------------------------------------
    pytest.param(
        document("x-apigwc: {protocol: http}"),
        {"protocol": "HTTP", "deployment.protocol": "HTTP"},
        id="forced-http-lower-case",
    ),
    pytest.param(
        document(
            "x-apigwc: {protocol: REST}  # W: AGW303\nx-amazon-apigateway-cors: {}  # W: AGW207"
        ),
        {"protocol": "REST"},
        id="forced-rest-against-evidence",
    ),
    pytest.param(
        document("x-apigwc: {protocol: HTTP}\nx-amazon-apigateway-cors: {}"),
        {"protocol": "HTTP"},
        id="forced-agrees",
    ),
    pytest.param(
        document("x-apigwc: {protocol: SOAP}  # E: AGW202"),
        {"protocol": "REST", "deployment.protocol": None},
        id="forced-bad-enum",
    ),
    pytest.param(
        document("paths: {}\nx-amazon-apigateway-cors: {}").replace(
            "paths: {}\n", "paths: [a]  # E: AGW201\n", 1
        ),
        {"protocol": "HTTP"},
        id="inference-survives-paths-not-an-object",
    ),
]


@pytest.mark.parametrize(("source", "expected"), CASES)
def test_protocol(source: str, expected: dict[str, object]) -> None:
    check(source, expected)


# -- the same API in both formats gives the same IR -------------------------------------------
def _swagger(body: str) -> str:
    return document(textwrap.dedent(body), swagger=True)


def _oas3(body: str) -> str:
    return document(textwrap.dedent(body))


SAME_API = [
    pytest.param(
        _swagger("""
            host: api.example.com
            basePath: /v1
            consumes: [application/json]
            produces: [application/json]
            securityDefinitions:
              auth:
                type: apiKey
                name: Authorization
                in: header
                x-amazon-apigateway-authtype: custom
                x-amazon-apigateway-authorizer:
                  type: token
                  authorizerUri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Auth.Arn}/invocations"
                  authorizerResultTtlInSeconds: 300
            definitions:
              Pet:
                type: object
                properties: {id: {type: integer}, owner: {$ref: "#/definitions/Owner"}}
              Owner: {type: object}
            x-amazon-apigateway-request-validators:
              all: {validateRequestBody: true, validateRequestParameters: true}
            x-amazon-apigateway-request-validator: all
            x-amazon-apigateway-binary-media-types: [image/png]
            paths:
              /pets/{id}:
                parameters:
                  - {name: id, in: path, required: true, type: string}
                post:
                  operationId: updatePet
                  security: [{auth: []}]
                  parameters:
                    - {name: q, in: query, type: integer}
                    - {name: body, in: body, required: true, schema: {$ref: "#/definitions/Pet"}}
                  responses:
                    "200":
                      description: ok
                      schema: {$ref: "#/definitions/Pet"}
                      headers:
                        X-Id: {type: string}
                  x-amazon-apigateway-integration:
                    type: aws
                    httpMethod: POST
                    uri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations"
                    responses:
                      default: {statusCode: 200, responseParameters: {method.response.header.X-Id: "'1'"}}
            """),
        _oas3("""
            servers:
              - url: https://api.example.com/v1
            components:
              securitySchemes:
                auth:
                  type: apiKey
                  name: Authorization
                  in: header
                  x-amazon-apigateway-authtype: custom
                  x-amazon-apigateway-authorizer:
                    type: token
                    authorizerUri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Auth.Arn}/invocations"
                    authorizerResultTtlInSeconds: 300
              schemas:
                Pet:
                  type: object
                  properties: {id: {type: integer}, owner: {$ref: "#/components/schemas/Owner"}}
                Owner: {type: object}
            x-amazon-apigateway-request-validators:
              all: {validateRequestBody: true, validateRequestParameters: true}
            x-amazon-apigateway-request-validator: all
            x-amazon-apigateway-binary-media-types: [image/png]
            paths:
              /pets/{id}:
                parameters:
                  - {name: id, in: path, required: true, schema: {type: string}}
                post:
                  operationId: updatePet
                  security: [{auth: []}]
                  parameters:
                    - {name: q, in: query, schema: {type: integer}}
                  requestBody:
                    required: true
                    content:
                      application/json: {schema: {$ref: "#/components/schemas/Pet"}}
                  responses:
                    "200":
                      description: ok
                      content:
                        application/json: {schema: {$ref: "#/components/schemas/Pet"}}
                      headers:
                        X-Id: {schema: {type: string}}
                  x-amazon-apigateway-integration:
                    type: aws
                    httpMethod: POST
                    uri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations"
                    responses:
                      default: {statusCode: 200, responseParameters: {method.response.header.X-Id: "'1'"}}
            """),
        id="rest-pets-api",
    ),
    pytest.param(
        _swagger(
            "securityDefinitions:\n  b: {type: basic}\npaths:\n  /a:\n    get: {security: [{b: []}]}"
        ),
        _oas3(
            "components:\n  securitySchemes:\n    b: {type: http, scheme: basic}\npaths:\n  /a:\n    get: {security: [{b: []}]}"
        ),
        id="basic-auth",
    ),
    pytest.param(
        _swagger(
            "securityDefinitions:\n  o: {type: oauth2, flow: implicit, authorizationUrl: https://a, scopes: {r: read}}"
        ),
        _oas3(
            "components:\n  securitySchemes:\n    o:\n      type: oauth2\n      flows: {implicit: {authorizationUrl: https://a, scopes: {r: read}}}"
        ),
        id="oauth2-flow",
    ),
    pytest.param(
        _swagger(
            "paths:\n  /a:\n    x-amazon-apigateway-any-method:\n      x-amazon-apigateway-integration: {type: http_proxy, uri: 'http://b/{proxy}'}"
        ),
        _oas3(
            "paths:\n  /a:\n    x-amazon-apigateway-any-method:\n      x-amazon-apigateway-integration: {type: http_proxy, uri: 'http://b/{proxy}'}"
        ),
        id="any-method-proxy",
    ),
]


@pytest.mark.parametrize(("swagger", "oas3"), SAME_API)
def test_swagger_and_openapi_give_the_same_ir(swagger: str, oas3: str) -> None:
    a, b = lowered(swagger), lowered(oas3)
    assert a is not None and b is not None
    assert a.source_format != b.source_format
    assert dump(a) == dump(b)


def test_operation_helper_in_swagger_is_swagger() -> None:
    api = lowered(operation("summary: s", swagger=True))
    assert api is not None and api.source_format == "swagger2"
