"""Model and request-validator rules AGW445-AGW450, branch by branch."""

from __future__ import annotations

import pytest

from tests.rules_cases import HEAD, HTTP_HEAD, MOCK, OK, Case, check_case, rest_op

E, W = "error", "warning"


def _schema(schema: str, head: str = HEAD) -> str:
    return head + f"paths: {{}}\ncomponents: {{schemas: {{Pet: {schema}}}}}\n"


def _body(schema: str) -> str:
    return (
        HEAD
        + "paths:\n  /pets:\n    post:\n"
        + f"      requestBody: {{content: {{application/json: {{schema: {schema}}}}}}}\n"
        + f"      responses: {OK}\n      x-amazon-apigateway-integration: {MOCK}\n"
    )


def _response(schema: str, swagger: bool = False) -> str:
    if swagger:
        return (
            "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths:\n  /pets:\n    get:\n"
            f"      responses: {{'200': {{description: ok, schema: {schema}}}}}\n"
            f"      x-amazon-apigateway-integration: {MOCK}\n"
            "definitions: {Pet: {type: object}}\n"
        )
    return (
        rest_op(
            MOCK,
            path="/pets",
            responses=f"{{'200': {{description: ok, content: {{application/json: {{schema: {schema}}}}}}}}}",
        )
        + "components: {schemas: {Pet: {type: object}}}\n"
    )


def _validated(schema: str, validator: str) -> str:
    validators = "x-amazon-apigateway-request-validators: {basic: {validateRequestBody: true}, params: {validateRequestParameters: true}}\n"
    chosen = f"      x-amazon-apigateway-request-validator: {validator}\n" if validator else ""
    return (
        HEAD
        + validators
        + "paths:\n  /pets:\n    post:\n"
        + chosen
        + f"      requestBody: {{content: {{application/json: {{schema: {schema}}}}}}}\n"
        + f"      responses: {OK}\n      x-amazon-apigateway-integration: {MOCK}\n"
    )


VALIDATORS = "x-amazon-apigateway-request-validators: {basic: {validateRequestBody: true}}\n"

CASES = [
    # AGW445 validator names, root default and operation override
    Case(
        "root-default-undefined",
        rest_op(MOCK, head=VALIDATORS + "x-amazon-apigateway-request-validator: full\n"),
        "AGW445",
        E,
    ),
    Case(
        "root-default-defined",
        rest_op(MOCK, head=VALIDATORS + "x-amazon-apigateway-request-validator: basic\n"),
        "AGW445",
        None,
    ),
    # AGW446 model names
    Case("hyphen", _schema("{type: object}").replace("Pet:", "pet-input:"), "AGW446", E),
    Case(
        "http-api-ignores-models",
        _schema("{type: object}", HTTP_HEAD).replace("Pet:", "pet_input:"),
        "AGW446",
        None,
    ),
    # AGW447 unsupported keywords, where they are
    Case("example-in-request-body", _body("{type: object, example: {name: x}}"), "AGW447", W),
    Case(
        "default-in-items", _schema("{type: array, items: {type: string, default: a}}"), "AGW447", W
    ),
    Case(
        "readonly-in-allof",
        _schema("{allOf: [{type: object, properties: {id: {type: string, readOnly: true}}}]}"),
        "AGW447",
        W,
    ),
    Case(
        "discriminator", _schema("{type: object, discriminator: {propertyName: kind}}"), "AGW447", W
    ),
    Case(
        "exclusive-minimum-false",
        _schema("{type: number, minimum: 1, exclusiveMinimum: false}"),
        "AGW447",
        None,
    ),
    Case(
        "property-named-example",
        _schema("{type: object, properties: {example: {type: string}}}"),
        "AGW447",
        None,
    ),
    # AGW448 number formats
    Case("decimal", _schema("{type: string, format: decimal}"), "AGW448", W),
    Case("number-double", _schema("{type: number, format: double}"), "AGW448", None),
    # AGW449 method response schemas
    Case("inline-array", _response("{type: array, items: {type: string}}"), "AGW449", W),
    Case("ref-to-model", _response("{$ref: '#/components/schemas/Pet'}"), "AGW449", None),
    Case("swagger-inline-string", _response("{type: string}", swagger=True), "AGW449", W),
    # AGW451 / AGW452
    Case("oas3-oneof", _schema("{oneOf: [{type: string}, {type: integer}]}"), "AGW451", None),
    Case(
        "comment-end-in-property",
        _schema("{type: object, properties: {a: {type: string, description: 'x */'}}}"),
        "AGW452",
        W,
    ),
    # AGW453 item bounds under body validation
    Case(
        "bounds-through-model",
        _validated("{$ref: '#/components/schemas/Pet'}", "basic")
        + "components: {schemas: {Pet: {type: object, properties: {tags: {type: array, minItems: 1}}}}}\n",
        "AGW453",
        "info",
    ),
    Case(
        "params-only-validator", _validated("{type: array, maxItems: 3}", "params"), "AGW453", None
    ),
    Case("no-validator", _validated("{type: array, maxItems: 3}", ""), "AGW453", None),
    Case("swagger-ref", _response("{$ref: '#/definitions/Pet'}", swagger=True), "AGW449", None),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_model_rule(case: Case) -> None:
    check_case(case)
