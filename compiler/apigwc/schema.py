"""The JSON Schema of API Gateway's extensions and of `x-apigwc`, for editors.

Flows in: the IR's pydantic models (the one description of each extension's fields and types)
and, per extension, how its spec shape differs from its IR node (`EXTENSIONS`, `RENAMED`,
`SHAPES`). Flows out: one JSON Schema (draft-07, which yaml-language-server and VS Code read)
of a whole OpenAPI or Swagger document that checks every `x-amazon-apigateway-*` extension in
its place and `x-apigwc`, and leaves the rest of the document to OpenAPI's own schema. Each
extension is also a definition of its own (`#/definitions/x-amazon-apigateway-integration`).
`apigwc schema` prints it; the package ships it as `apigwc/data/apigwc.schema.json` (`make
regen` writes it, a test compares).

How an IR node becomes its extension's schema: field names are camelCase as the extension
writes them (`http_method` -> `httpMethod`; the few API Gateway spells otherwise are in
`RENAMED`); the fields that are the extension's keys, not its properties (an integration
response's `selection_pattern` is the key of `responses`), are dropped; containers the IR
normalises (a tuple of integration responses) get the extension's shape (`SHAPES`); a
deploy-time value (`Deployable`) is a string or a CloudFormation intrinsic object; an enum
takes its values in upper and lower case, as the lowering reads them (`aws_proxy`); and an
integration response's `statusCode` may be a number, which API Gateway accepts.
"""

from __future__ import annotations

import copy
import json
import sys
from typing import Any

from pydantic import BaseModel
from pydantic.alias_generators import to_camel

from apigwc.ir.api import (
    Cors,
    DocumentationPart,
    EndpointConfiguration,
    GatewayResponse,
    RequestValidator,
)
from apigwc.ir.auth import Authorizer
from apigwc.ir.deployment import Deployment
from apigwc.ir.enums import ApiKeySource, EndpointAccessMode, GatewayResponseType
from apigwc.ir.integration import Integration

Json = dict[str, Any]
# IR field -> the extension's property name, where camelCase of the field is not it.
RENAMED = {
    ("Authorizer", "result_ttl_in_seconds"): "authorizerResultTtlInSeconds",
    ("Authorizer", "provider_arns"): "providerARNs",
    ("Authorizer", "payload_format_version"): "authorizerPayloadFormatVersion",
}
# IR fields that are keys of the extension (or not in it), not properties.
DROPPED = {
    ("IntegrationResponse", "selection_pattern"),
    ("Authorizer", "name"),
    ("RequestValidator", "name"),
    ("GatewayResponse", "response_type"),
}
_INTRINSIC_KINDS = ("Ref", "Sub", "GetAtt", "If", "Fn")
# A CloudFormation intrinsic as a template body writes it (`{"Fn::Sub": "..."}`, `{"Ref": x}`).
INTRINSIC: Json = {
    "type": "object",
    "description": "A CloudFormation intrinsic function (Ref, Fn::Sub, Fn::GetAtt, Fn::If, ...)",
    "minProperties": 1,
    "maxProperties": 1,
    "patternProperties": {"^(Ref|Fn::[A-Za-z]+|Condition)$": {}},
    "additionalProperties": False,
}


def _models() -> list[type[BaseModel]]:
    return [
        Integration,
        Authorizer,
        RequestValidator,
        GatewayResponse,
        Cors,
        EndpointConfiguration,
        DocumentationPart,
        Deployment,
    ]


def _ref(name: str) -> Json:
    return {"$ref": f"#/definitions/{name}"}


def _map_of(name: str) -> Json:
    return {"type": "object", "additionalProperties": _ref(name)}


def _enum(kind: Any) -> Json:
    values = [e.value for e in kind]
    return {"type": "string", "enum": values + [v.lower() for v in values if v.lower() != v]}


_NUMBER_OR_TEXT: Json = {"anyOf": [{"type": ["string", "number"]}, INTRINSIC]}
# Where the extension's shape differs from the IR's (the lowering normalises it):
# (definition, property) -> schema.
SHAPES: dict[tuple[str, str], Json] = {
    ("Integration", "responses"): _map_of("IntegrationResponse"),
    ("Integration", "payloadFormatVersion"): _NUMBER_OR_TEXT,  # `1.0` or `"1.0"`
    # a parameter mapping's value may be a literal `true` (read as the text "true")
    ("Integration", "requestParameters"): {
        "type": "object",
        "additionalProperties": {"anyOf": [{"type": ["string", "boolean"]}, INTRINSIC]},
    },
    ("IntegrationResponse", "statusCode"): {"type": ["string", "integer"]},
    ("GatewayResponse", "statusCode"): {"type": ["string", "integer"]},
}
# HTTP APIs' CORS is also read with snake_case names (`allow_origins`), as moto and the AWS
# CLI's shorthand write them: both spellings are properties.
SNAKE_TOO = {"Cors"}


def extensions() -> dict[str, Json]:
    """Each extension's schema, by its name."""
    return {
        "x-amazon-apigateway-integration": _ref("Integration"),
        "x-amazon-apigateway-integrations": _map_of("Integration"),
        "x-amazon-apigateway-authorizer": _ref("Authorizer"),
        "x-amazon-apigateway-authtype": {"type": "string"},
        "x-amazon-apigateway-auth": {
            "type": "object",
            "properties": {
                "type": {"type": "string", "enum": ["NONE", "AWS_IAM", "none", "aws_iam"]}
            },
        },
        "x-amazon-apigateway-request-validators": _map_of("RequestValidator"),
        "x-amazon-apigateway-request-validator": {"type": "string"},
        "x-amazon-apigateway-gateway-responses": {
            "type": "object",
            "propertyNames": {"enum": [t.value for t in GatewayResponseType]},
            "additionalProperties": _ref("GatewayResponse"),
        },
        "x-amazon-apigateway-cors": _ref("Cors"),
        "x-amazon-apigateway-endpoint-configuration": _ref("EndpointConfiguration"),
        "x-amazon-apigateway-binary-media-types": {"type": "array", "items": {"type": "string"}},
        "x-amazon-apigateway-minimum-compression-size": {
            "anyOf": [{"type": "integer", "minimum": 0, "maximum": 10485760}, INTRINSIC]
        },
        "x-amazon-apigateway-api-key-source": _enum(ApiKeySource),
        "x-amazon-apigateway-policy": {"type": ["object", "string"]},
        "x-amazon-apigateway-documentation": {
            "type": "object",
            "properties": {
                "version": {"type": "string"},
                "documentationParts": {"type": "array", "items": _ref("DocumentationPart")},
            },
        },
        "x-amazon-apigateway-importexport-version": {"type": "string"},
        "x-amazon-apigateway-security-policy": {"type": "string"},
        "x-amazon-apigateway-endpoint-access-mode": _enum(EndpointAccessMode),
        "x-amazon-apigateway-tag-value": {"type": "string"},
        "x-amazon-apigateway-any-method": {"type": "object"},
        "x-apigwc": _ref("Deployment"),
    }


def _definitions() -> dict[str, Json]:
    """Every IR model the extensions use, as spec-shaped definitions. API Gateway ignores a
    property it does not know (AGW204, a warning): the extensions' objects stay open; only
    `x-apigwc`'s own settings refuse unknown keys (AGW209: most likely a typo)."""
    found: dict[str, Json] = {}
    open_ones: set[str] = set()
    for model in _models():
        generated = model.model_json_schema(
            mode="validation", by_alias=True, ref_template="#/definitions/{model}"
        )
        defs = {**generated.pop("$defs", {}), model.__name__: generated}
        found.update(defs)
        if model is not Deployment:
            open_ones.update(defs)
    for name in (*_INTRINSIC_KINDS, "Origin"):
        found.pop(name, None)
    shaped = {name: _spec_shaped(name, schema) for name, schema in sorted(found.items())}
    for name in open_ones & set(shaped):
        shaped[name].pop("additionalProperties", None)
    return shaped


def _spec_shaped(name: str, schema: Json) -> Json:
    schema = _rewrite(copy.deepcopy(schema))
    if "enum" in schema:
        values = list(schema["enum"])
        schema["enum"] = values + [
            v.lower() for v in values if isinstance(v, str) and v.lower() != v
        ]
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return schema
    renamed: Json = {}
    for field, value in properties.items():
        if field == "origin" or (name, field) in DROPPED:
            continue
        spelled = RENAMED.get((name, field), to_camel(field))
        renamed[spelled] = SHAPES.get((name, spelled), value)
        if name in SNAKE_TOO:
            renamed[field] = renamed[spelled]
    schema["properties"] = renamed
    required = [RENAMED.get((name, f), to_camel(f)) for f in schema.get("required", ())]
    required = [f for f in required if f in renamed]
    if required:
        schema["required"] = required
    else:
        schema.pop("required", None)
    return schema


def _rewrite(node: Any) -> Any:
    """Titles dropped (noise in an editor's hover), a deploy-time union written as a string or
    an intrinsic object."""
    if isinstance(node, list):
        return [_rewrite(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "discriminator" in node and "Ref" in node["discriminator"].get("mapping", {}):
        return INTRINSIC
    return {k: _rewrite(v) for k, v in node.items() if k != "title"}


_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# An HTTP API's operation may name an integration of `components` instead of holding one.
_INTEGRATION_REF: Json = {
    "type": "object",
    "required": ["$ref"],
    "properties": {"$ref": {"type": "string"}},
}


def _operation() -> Json:
    return {
        "type": "object",
        "properties": {
            "x-amazon-apigateway-integration": {
                "anyOf": [_INTEGRATION_REF, _ref("x-amazon-apigateway-integration")]
            },
            "x-amazon-apigateway-auth": _ref("x-amazon-apigateway-auth"),
            "x-amazon-apigateway-request-validator": _ref("x-amazon-apigateway-request-validator"),
        },
    }


def document_schema() -> Json:
    """The schema of a whole document: the extensions where API Gateway reads them."""
    root_names = [
        n
        for n in extensions()
        if n
        not in (
            "x-amazon-apigateway-integration",
            "x-amazon-apigateway-integrations",
            "x-amazon-apigateway-authorizer",
            "x-amazon-apigateway-authtype",
            "x-amazon-apigateway-auth",
            "x-amazon-apigateway-tag-value",
            "x-amazon-apigateway-any-method",
        )
    ]
    operation = _operation()
    path_item = {
        "type": "object",
        "properties": {m: operation for m in (*_METHODS, "x-amazon-apigateway-any-method")},
    }
    scheme = {
        "type": "object",
        "properties": {
            n: _ref(n) for n in ("x-amazon-apigateway-authorizer", "x-amazon-apigateway-authtype")
        },
    }
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "Amazon API Gateway extensions of OpenAPI (and apigwc's x-apigwc)",
        "description": "Checks every x-amazon-apigateway-* extension in its place and x-apigwc; "
        "the rest of the document is OpenAPI's. Generated by apigwc from its IR models.",
        "type": "object",
        "properties": {
            **{n: _ref(n) for n in root_names},
            "paths": {"type": "object", "additionalProperties": path_item},
            "components": {
                "type": "object",
                "properties": {
                    "securitySchemes": {"type": "object", "additionalProperties": scheme},
                    "x-amazon-apigateway-integrations": _ref("x-amazon-apigateway-integrations"),
                },
            },
            "securityDefinitions": {"type": "object", "additionalProperties": scheme},
            "servers": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "x-amazon-apigateway-endpoint-configuration": _ref(
                            "x-amazon-apigateway-endpoint-configuration"
                        )
                    },
                },
            },
            "tags": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "x-amazon-apigateway-tag-value": _ref("x-amazon-apigateway-tag-value")
                    },
                },
            },
        },
        "definitions": {**extensions(), **_definitions()},
    }


def shipped() -> str:
    """The schema file the package ships (what `apigwc schema` prints: no IR import)."""
    from importlib.resources import files

    return (files("apigwc") / "data" / "apigwc.schema.json").read_text(encoding="utf-8")


def render() -> str:
    """The schema as the package ships it (stable: sorted keys, two-space indent)."""
    return json.dumps(document_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":  # `python -m apigwc.schema FILE` (make regen)
    text = render()
    if len(sys.argv) > 1:
        with open(sys.argv[1], "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
