"""Generate a realistic REST API spec of N operations, as JSON, for the load/lower benchmark.

Operations come in resource groups of five, like a typical CRUD API:

    GET    /{group}/items               Lambda proxy, query parameters
    POST   /{group}/items               Lambda custom (aws) with request/response templates, body model,
                                        request validator, API key
    GET    /{group}/items/{itemId}      HTTP custom with parameter mapping and templates, cached
    PUT    /{group}/items/{itemId}      HTTP proxy, body model, token authorizer
    DELETE /{group}/items/{itemId}      MOCK with request/response templates, token authorizer

Each group has its own two models (Item, NewItem); the root has request validators, a token
authorizer, an API key scheme and gateway responses. Output is deterministic for a given N.

    python benchmarks/gen_spec.py OUT.json [--operations 1000]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

REGION = "us-east-1"
ACCOUNT = "123456789012"
Json = dict[str, Any]


def lambda_uri(function: str) -> str:
    return (
        f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
        f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function}/invocations"
    )


def ref(model: str) -> Json:
    return {"$ref": f"#/components/schemas/{model}"}


def json_body(model: str) -> Json:
    return {"content": {"application/json": {"schema": ref(model)}}}


def responses(ok: str, model: str | None, *errors: str) -> Json:
    out: Json = {ok: {"description": "Success"}}
    if model:
        out[ok].update(json_body(model))
        out[ok]["headers"] = {"Access-Control-Allow-Origin": {"schema": {"type": "string"}}}
    for status in errors:
        out[status] = {"description": f"Error {status}", **json_body("Error")}
    return out


def path_param(name: str) -> Json:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def query_param(name: str, kind: str = "string") -> Json:
    return {"name": name, "in": "query", "required": False, "schema": {"type": kind}}


def list_items(g: int) -> Json:
    return {
        "operationId": f"listItems{g}",
        "summary": f"List items of group {g}",
        "tags": [f"group{g}"],
        "parameters": [query_param("type"), query_param("limit", "integer"), query_param("next")],
        "responses": responses("200", f"Items{g}", "400"),
        "x-amazon-apigateway-integration": {
            "type": "aws_proxy",
            "httpMethod": "POST",
            "uri": lambda_uri(f"ListItems{g}"),
            "passthroughBehavior": "when_no_match",
            "timeoutInMillis": 10000,
        },
    }


def create_item(g: int) -> Json:
    return {
        "operationId": f"createItem{g}",
        "summary": f"Create an item in group {g}",
        "tags": [f"group{g}"],
        "security": [{"api_key": []}],
        "requestBody": {"required": True, **json_body(f"NewItem{g}")},
        "responses": responses("201", f"Item{g}", "400", "403"),
        "x-amazon-apigateway-request-validator": "all",
        "x-amazon-apigateway-integration": {
            "type": "aws",
            "httpMethod": "POST",
            "uri": lambda_uri(f"CreateItem{g}"),
            "passthroughBehavior": "when_no_templates",
            "requestTemplates": {
                "application/json": (
                    '{"body": $input.json(\'$\'), "group": ' + str(g) + ", "
                    '"caller": "$context.identity.sourceIp", "stage": "$context.stage"}'
                )
            },
            "responses": {
                "default": {
                    "statusCode": "201",
                    "responseParameters": {
                        "method.response.header.Access-Control-Allow-Origin": "'*'"
                    },
                    "responseTemplates": {"application/json": "$input.json('$.item')"},
                },
                ".*Invalid.*": {
                    "statusCode": "400",
                    "responseTemplates": {
                        "application/json": '{"message": "$util.escapeJavaScript($input.path(\'$.errorMessage\'))"}'
                    },
                },
            },
        },
    }


def get_item(g: int) -> Json:
    return {
        "operationId": f"getItem{g}",
        "summary": f"Get an item of group {g}",
        "tags": [f"group{g}"],
        "parameters": [path_param("itemId"), query_param("fields")],
        "responses": responses("200", f"Item{g}", "404"),
        "x-amazon-apigateway-request-validator": "params-only",
        "x-amazon-apigateway-integration": {
            "type": "http",
            "httpMethod": "GET",
            "uri": f"http://${{stageVariables.backend}}/groups/{g}/items/{{id}}",
            "requestParameters": {
                "integration.request.path.id": "method.request.path.itemId",
                "integration.request.querystring.fields": "method.request.querystring.fields",
                "integration.request.header.X-Request-Id": "context.requestId",
            },
            "cacheNamespace": f"group{g}",
            "cacheKeyParameters": ["method.request.path.itemId"],
            "passthroughBehavior": "when_no_match",
            "timeoutInMillis": 5000,
            "responses": {
                "2\\d{2}": {
                    "statusCode": "200",
                    "responseParameters": {
                        "method.response.header.Access-Control-Allow-Origin": "'*'"
                    },
                    "responseTemplates": {
                        "application/json": (
                            "#set($item = $input.path('$'))\n"
                            '{"id": "$item.id", "name": "$util.escapeJavaScript($item.name)", '
                            '"group": ' + str(g) + "}"
                        )
                    },
                },
                "404": {"statusCode": "404"},
            },
        },
    }


def put_item(g: int) -> Json:
    return {
        "operationId": f"putItem{g}",
        "summary": f"Replace an item of group {g}",
        "tags": [f"group{g}"],
        "security": [{"ItemsAuthorizer": []}],
        "parameters": [path_param("itemId")],
        "requestBody": {"required": True, **json_body(f"NewItem{g}")},
        "responses": responses("200", f"Item{g}", "400", "401", "403"),
        "x-amazon-apigateway-request-validator": "all",
        "x-amazon-apigateway-integration": {
            "type": "http_proxy",
            "httpMethod": "PUT",
            "uri": f"http://${{stageVariables.backend}}/groups/{g}/items/{{id}}",
            "requestParameters": {"integration.request.path.id": "method.request.path.itemId"},
            "passthroughBehavior": "when_no_match",
            "timeoutInMillis": 5000,
        },
    }


def delete_item(g: int) -> Json:
    return {
        "operationId": f"deleteItem{g}",
        "summary": f"Delete an item of group {g} (mock)",
        "tags": [f"group{g}"],
        "security": [{"ItemsAuthorizer": []}],
        "parameters": [path_param("itemId")],
        "responses": responses("204", None, "401", "403"),
        "x-amazon-apigateway-integration": {
            "type": "mock",
            "passthroughBehavior": "when_no_match",
            "requestTemplates": {
                "application/json": (
                    "#if($input.params('itemId') == '0')\n"
                    '{"statusCode": 404}\n#else\n{"statusCode": 204}\n#end'
                )
            },
            "responses": {
                "default": {"statusCode": "204"},
                "404": {
                    "statusCode": "404",
                    "responseTemplates": {"application/json": '{"message": "not found"}'},
                },
            },
        },
    }


OPERATIONS = (
    ("items", "get", list_items),
    ("items", "post", create_item),
    ("item", "get", get_item),
    ("item", "put", put_item),
    ("item", "delete", delete_item),
)


def models(g: int) -> Json:
    new_item = {
        "title": f"NewItem{g}",
        "type": "object",
        "required": ["name", "type"],
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 64},
            "type": {"type": "string", "enum": ["a", "b", "c"]},
            "price": {"type": "number", "minimum": 0},
            "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 10},
        },
    }
    item = {
        "title": f"Item{g}",
        "type": "object",
        "required": ["id", "name"],
        "properties": {"id": {"type": "string"}, **new_item["properties"]},
    }
    items = {"title": f"Items{g}", "type": "array", "items": ref(f"Item{g}")}
    return {f"NewItem{g}": new_item, f"Item{g}": item, f"Items{g}": items}


def root() -> Json:
    return {
        "openapi": "3.0.1",
        "info": {"title": "GeneratedBenchmarkApi", "version": "1.0.0"},
        "paths": {},
        "components": {
            "schemas": {
                "Error": {
                    "title": "Error",
                    "type": "object",
                    "properties": {"message": {"type": "string"}},
                }
            },
            "securitySchemes": {
                "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
                "ItemsAuthorizer": {
                    "type": "apiKey",
                    "name": "Authorization",
                    "in": "header",
                    "x-amazon-apigateway-authtype": "custom",
                    "x-amazon-apigateway-authorizer": {
                        "type": "token",
                        "authorizerUri": lambda_uri("ItemsAuthorizer"),
                        "identitySource": "method.request.header.Authorization",
                        "identityValidationExpression": "^Bearer [-0-9A-Za-z._~+/]+=*$",
                        "authorizerResultTtlInSeconds": 300,
                    },
                },
            },
        },
        "x-amazon-apigateway-api-key-source": "HEADER",
        "x-amazon-apigateway-request-validators": {
            "all": {"validateRequestBody": True, "validateRequestParameters": True},
            "params-only": {"validateRequestBody": False, "validateRequestParameters": True},
        },
        "x-amazon-apigateway-gateway-responses": {
            "DEFAULT_4XX": {
                "responseParameters": {"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"},
                "responseTemplates": {
                    "application/json": '{"message":$context.error.messageString}'
                },
            },
            "BAD_REQUEST_BODY": {
                "statusCode": "400",
                "responseTemplates": {
                    "application/json": '{"message":"$context.error.validationErrorString"}'
                },
            },
        },
        "x-apigwc": {
            "stages": {"dev": {"variables": {"backend": "127.0.0.1:9000"}}},
            "apiKeys": {"bench": {"value": "BenchmarkKey0123456789abcdef", "enabled": True}},
            "usagePlans": {"basic": {"stages": ["dev"], "apiKeys": ["bench"]}},
        },
    }


def generate(operations: int = 1000) -> Json:
    """A spec with exactly `operations` operations (the last group may be partial)."""
    spec = root()
    paths: Json = spec["paths"]
    for i in range(operations):
        g = i // len(OPERATIONS)
        kind, method, build = OPERATIONS[i % len(OPERATIONS)]
        path = f"/group{g}/items" if kind == "items" else f"/group{g}/items/{{itemId}}"
        paths.setdefault(path, {})[method] = build(g)
        spec["components"]["schemas"].update(models(g))
    spec["x-apigwc"]["functions"] = _functions(spec)
    return spec


def _functions(spec: Json) -> Json:
    """Every Lambda function the spec names, mapped to a local handler (as a real spec would)."""
    names = sorted(set(re.findall(r"function:([A-Za-z0-9]+)/invocations", json.dumps(spec))))
    return {name: {"handler": f"handlers:{name.lower()}", "codeUri": "handlers"} for name in names}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="where to write the JSON spec")
    parser.add_argument("--operations", "-n", type=int, default=1000)
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(generate(args.operations), indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
