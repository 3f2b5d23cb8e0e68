"""Models (Swagger `definitions`, OpenAPI `components.schemas`) -> IR `Model`, and every schema's
model references rewritten to `#/models/<Name>` (reference §2.8). Markers as in
tests/lowering_cases.py."""

from __future__ import annotations

import pytest
from apigwc.ir.api import model_ref_name

from tests.lowering_cases import check, document, operation

CASES = [
    pytest.param(
        document("components:\n  schemas:\n    Pet: {type: object, required: [id]}"),
        {
            "models[0].name": "Pet",
            "models[0].schema_": {"type": "object", "required": ["id"]},
            "models[0].content_type": "application/json",
        },
        id="oas3-components-schemas",
    ),
    pytest.param(
        document("definitions:\n  Pet: {type: object, required: [id]}", swagger=True),
        {"models[0].name": "Pet", "models[0].schema_": {"type": "object", "required": ["id"]}},
        id="swagger-definitions",
    ),
    pytest.param(
        document("""
            components:
              schemas:
                Pet: {type: object}
                Pets: {type: array, items: {$ref: "#/components/schemas/Pet"}}
            """),
        {"models[1].schema_": {"type": "array", "items": {"$ref": "#/models/Pet"}}},
        id="oas3-model-ref-canonical",
    ),
    pytest.param(
        document(
            """
            definitions:
              Pet: {type: object}
              Pets: {type: array, items: {$ref: "#/definitions/Pet"}}
            """,
            swagger=True,
        ),
        {"models[1].schema_": {"type": "array", "items": {"$ref": "#/models/Pet"}}},
        id="swagger-model-ref-canonical",
    ),
    pytest.param(
        document("""
            components:
              schemas:
                Pet: {type: object}
                Owner:
                  properties:
                    pet: {$ref: "https://apigateway.amazonaws.com/restapis/abc123/models/Pet"}
            """),
        {"models[1].schema_": {"properties": {"pet": {"$ref": "#/models/Pet"}}}},
        id="apigateway-model-url-canonical",
    ),
    pytest.param(
        document("""
            components:
              schemas:
                Pet: {type: object, properties: {id: {type: integer, minimum: 1}}}
                Id: {$ref: "#/components/schemas/Pet/properties/id"}
            """),
        {"models[1].schema_": {"type": "integer", "minimum": 1}},
        id="sub-schema-ref-inlined",
    ),
    pytest.param(
        document("""
            components:
              schemas:
                Pet: {type: object}
                Box: {properties: {p: {$ref: "#/components/schemas/Pet", description: kept}}}
            """),
        {
            "models[1].schema_": {
                "properties": {"p": {"$ref": "#/models/Pet", "description": "kept"}}
            }
        },
        id="ref-siblings-kept",
    ),
    pytest.param(
        operation(
            "parameters:\n  - {name: p, in: query, schema: {$ref: '#/components/schemas/Id'}}",
            root="components:\n  schemas:\n    Id: {type: string}",
        ),
        {"method.parameters[0].schema_": {"$ref": "#/models/Id"}},
        id="parameter-schema-ref-canonical",
    ),
    pytest.param(
        document("""
            components:
              schemas:
                A: {type: object}
                B: {type: object}
            """),
        {"models[0].name": "A", "models[1].name": "B"},
        id="models-in-document-order",
    ),
    # -- errors ---------------------------------------------------------------------------------
    pytest.param(
        document("""
            components:
              schemas:
                Pets:
                  items: {$ref: "#/components/schemas/Pet"}  # W: AGW125
            """),
        {"models[0].schema_": {"items": {"$ref": "#/models/Pet"}}},
        id="missing-model-warns",
    ),
    pytest.param(
        document("components:\n  schemas: [Pet]  # E: AGW201"),
        {"models": []},
        id="schemas-not-an-object",
    ),
    pytest.param(
        document("definitions: Pet  # E: AGW201", swagger=True),
        {"models": []},
        id="definitions-not-an-object",
    ),
]


@pytest.mark.parametrize(("source", "expected"), CASES)
def test_models(source: str, expected: dict[str, object]) -> None:
    check(source, expected)


@pytest.mark.parametrize(
    ("ref", "name"),
    [
        ("#/models/Pet", "Pet"),  # what lowering writes for every model reference
        ("#/models/", ""),
        ("#/components/schemas/Pet", None),  # rewritten by lowering, never read as a model
        ("https://apigateway.amazonaws.com/restapis/a1/models/Pet", None),
        (None, None),
        ({"$ref": "#/models/Pet"}, None),
    ],
)
def test_model_ref_name(ref: object, name: str | None) -> None:
    """One reading of a lowered model reference for the model rules, the export and the build."""
    assert model_ref_name(ref) == name
