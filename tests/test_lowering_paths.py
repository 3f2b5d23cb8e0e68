"""Paths and operations -> IR `PathItem` / `Method` (reference §1.3, §2.6, §2.7): verbs, the
any-method and `isDefaultRoute`, parameters, bodies, responses, the operation-level request
validator. Markers as in tests/lowering_cases.py."""

from __future__ import annotations

import pytest

from tests.lowering_cases import check, document, operation

PET = "components:\n  schemas:\n    Pet: {type: object, properties: {id: {type: integer}}}"
SWAGGER_PET = "definitions:\n  Pet: {type: object, properties: {id: {type: integer}}}"

CASES = [
    # -- verbs ----------------------------------------------------------------------------------
    *(
        pytest.param(
            operation("summary: s", method=verb),
            {"method.http_method": verb.upper(), "method.route_key": f"{verb.upper()} /a"},
            id=f"verb-{verb}",
        )
        for verb in ("get", "put", "post", "delete", "options", "head", "patch")
    ),
    pytest.param(
        operation("summary: s", method="x-amazon-apigateway-any-method"),
        {
            "method.http_method": "ANY",
            "method.is_default_route": False,
            "method.route_key": "ANY /a",
        },
        id="any-method",
    ),
    pytest.param(
        document("""
            paths:
              /a:
                get: {summary: one}
                x-amazon-apigateway-any-method: {summary: rest}
            """),
        {"paths[0].methods[0].http_method": "GET", "paths[0].methods[1].http_method": "ANY"},
        id="any-method-next-to-get",
    ),
    pytest.param(
        document("""
            paths:
              /$default:
                x-amazon-apigateway-any-method:
                  isDefaultRoute: true
                  x-amazon-apigateway-integration:
                    type: HTTP_PROXY
                    uri: http://b
                    payloadFormatVersion: "1.0"
            """),
        {
            "protocol": "HTTP",
            "method.is_default_route": True,
            "method.route_key": "$default",
            "method.path": "/$default",
        },
        id="any-method-isDefaultRoute",
    ),
    pytest.param(
        operation("summary: s", method="any").replace("    any:", "    any:  # W: AGW304"),
        {"method.http_method": "ANY"},
        id="sam-any-key-read-as-any-method",
    ),
    pytest.param(
        document("paths:\n  /a: {}\n  x-ext: 1"),
        {"paths[0].path": "/a", "paths[0].methods": []},
        id="path-x-keys-skipped",
    ),
    # -- operation fields -----------------------------------------------------------------------
    pytest.param(
        operation("""
            operationId: listPets
            summary: List
            description: All pets
            tags: [pets, read]
            deprecated: true
            externalDocs: {url: https://docs}
            """),
        {
            "method.operation_id": "listPets",
            "method.summary": "List",
            "method.description": "All pets",
            "method.tags": ["pets", "read"],
            "method.deprecated": True,
            "method.external_docs": {"url": "https://docs"},
        },
        id="operation-fields",
    ),
    pytest.param(
        operation("operationId: 123"),
        {"method.operation_id": "123"},
        id="operationId-number-coerced",
    ),
    pytest.param(
        operation(
            "x-amazon-apigateway-request-validator: body-only",
            root="x-amazon-apigateway-request-validators:\n  body-only: {validateRequestBody: true}",
        ),
        {"method.request_validator": "body-only"},
        id="operation-request-validator",
    ),
    # -- parameters -----------------------------------------------------------------------------
    pytest.param(
        operation(
            """
            parameters:
              - {name: id, in: path, schema: {type: string}}
              - {name: q, in: query, required: true, description: search}
              - {name: X-H, in: header}
              - {name: c, in: cookie}
            """,
            path="/a/{id}",
        ),
        {
            "method.parameters[0].location": "path",
            "method.parameters[0].required": True,
            "method.parameters[0].schema_": {"type": "string"},
            "method.parameters[0].mapping_source": "method.request.path.id",
            "method.parameters[1].required": True,
            "method.parameters[1].description": "search",
            "method.parameters[1].mapping_source": "method.request.querystring.q",
            "method.parameters[2].location": "header",
            "method.parameters[2].required": False,
            "method.parameters[3].location": "cookie",
        },
        id="parameters-every-location",
    ),
    pytest.param(
        document("""
            paths:
              /a/{id}:
                parameters:
                  - {name: id, in: path}
                  - {name: q, in: query, description: shared}
                get:
                  parameters:
                    - {name: q, in: query, description: own}
            """),
        {
            "method.parameters[0].name": "id",
            "method.parameters[1].name": "q",
            "method.parameters[1].description": "own",
        },
        id="path-parameters-merged-operation-wins",
    ),
    pytest.param(
        document("""
            components:
              parameters:
                Limit: {name: limit, in: query, schema: {type: integer}}
            paths:
              /a:
                get:
                  parameters:
                    - $ref: "#/components/parameters/Limit"
            """),
        {"method.parameters[0].name": "limit", "method.parameters[0].schema_": {"type": "integer"}},
        id="parameter-by-ref",
    ),
    pytest.param(
        operation("parameters:\n  - {name: n, in: query, type: integer, minimum: 1}", swagger=True),
        {"method.parameters[0].schema_": {"type": "integer", "minimum": 1}},
        id="swagger-parameter-schema-from-its-fields",
    ),
    pytest.param(
        operation("parameters:\n  - {name: n, in: query, style: form, explode: true, example: 1}"),
        {"method.parameters[0].name": "n"},
        id="parameter-style-fields-accepted",
    ),
    # -- bodies and responses -------------------------------------------------------------------
    pytest.param(
        operation(
            """
            requestBody:
              required: true
              description: a pet
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/Pet"}
            """,
            root=PET,
        ),
        {
            "method.request_body.required": True,
            "method.request_body.description": "a pet",
            "method.request_body.content[0].media_type": "application/json",
            "method.request_body.content[0].schema_": {"$ref": "#/models/Pet"},
        },
        id="requestBody-oas3",
    ),
    pytest.param(
        operation(
            """
            consumes: [application/json, application/xml]
            parameters:
              - {name: body, in: body, required: true, schema: {$ref: "#/definitions/Pet"}}
            """,
            root=SWAGGER_PET,
            swagger=True,
        ),
        {
            "method.parameters": [],
            "method.request_body.required": True,
            "method.request_body.content[0].media_type": "application/json",
            "method.request_body.content[1].media_type": "application/xml",
            "method.request_body.content[1].schema_": {"$ref": "#/models/Pet"},
        },
        id="swagger-body-parameter-with-consumes",
    ),
    pytest.param(
        operation("parameters:\n  - {name: b, in: body, schema: {type: object}}", swagger=True),
        {"method.request_body.content[0].media_type": "application/json"},
        id="swagger-body-default-media-type",
    ),
    pytest.param(
        operation(
            """
            responses:
              "200":
                description: ok
                headers:
                  X-Id: {description: id, schema: {type: string}}
                content:
                  application/json: {schema: {$ref: "#/components/schemas/Pet"}}
              default: {description: error}
              x-note: skipped
            """,
            root=PET,
        ),
        {
            "method.responses[0].status_code": "200",
            "method.responses[0].description": "ok",
            "method.responses[0].headers[0].name": "X-Id",
            "method.responses[0].headers[0].description": "id",
            "method.responses[0].headers[0].schema_": {"type": "string"},
            "method.responses[0].content[0].schema_": {"$ref": "#/models/Pet"},
            "method.responses[1].status_code": "default",
        },
        id="responses-oas3",
    ),
    pytest.param(
        operation(
            """
            produces: [application/json]
            responses:
              200:
                description: ok
                schema: {$ref: "#/definitions/Pet"}
                headers:
                  X-Id: {type: string}
            """,
            root=SWAGGER_PET,
            swagger=True,
        ),
        {
            "method.responses[0].status_code": "200",
            "method.responses[0].content[0].media_type": "application/json",
            "method.responses[0].content[0].schema_": {"$ref": "#/models/Pet"},
            "method.responses[0].headers[0].schema_": {"type": "string"},
        },
        id="responses-swagger-schema-and-produces",
    ),
    # -- errors ---------------------------------------------------------------------------------
    pytest.param(document("paths: [a]  # E: AGW201"), {"paths": []}, id="paths-not-an-object"),
    pytest.param(
        document("paths:\n  /a: 5  # E: AGW210"), {"paths": []}, id="path-item-not-a-mapping"
    ),
    pytest.param(
        document("paths:\n  /a:\n    get: list  # E: AGW210"),
        {"paths[0].methods": []},
        id="operation-not-a-mapping",
    ),
    pytest.param(
        operation("operationID: x  # W: AGW204"),
        {"method.operation_id": None},
        id="operation-unknown-property",
    ),
    pytest.param(operation("tags: [1]  # E: AGW201"), {"method.tags": []}, id="tags-wrong-type"),
    pytest.param(
        operation("deprecated: yes please  # E: AGW201"),
        {"method.deprecated": False},
        id="deprecated-wrong-type",
    ),
    pytest.param(
        operation("x-amazon-apigateway-request-validator: [a]  # E: AGW201"),
        {"method.request_validator": None},
        id="operation-request-validator-wrong-type",
    ),
    pytest.param(
        operation("parameters: {id: x}  # E: AGW201"),
        {"method.parameters": []},
        id="parameters-not-an-array",
    ),
    pytest.param(
        operation("parameters:\n  - {in: query}  # E: AGW203"),
        {"method.parameters": []},
        id="parameter-name-missing",
    ),
    pytest.param(
        operation("parameters:\n  - {name: a, in: form}  # E: AGW202"),
        {"method.parameters": []},
        id="parameter-in-bad-enum",
    ),
    pytest.param(
        operation("parameters:\n  - id  # E: AGW201"),
        {"method.parameters": []},
        id="parameter-not-an-object",
    ),
    pytest.param(
        operation("requestBody: yes  # E: AGW201"),
        {"method.request_body": None},
        id="requestBody-not-an-object",
    ),
    pytest.param(
        operation("responses:\n  '200': ok  # E: AGW201"),
        {"method.responses": []},
        id="response-not-an-object",
    ),
]


@pytest.mark.parametrize(("source", "expected"), CASES)
def test_paths(source: str, expected: dict[str, object]) -> None:
    check(source, expected)
