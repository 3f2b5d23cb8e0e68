"""Model and request validation rules (AGW445-AGW459, AGW211, AGW214, AGW305): what API Gateway's draft-4
models accept.

Flows in: the IR `Api` (named models, request bodies and method-response bodies, request
validators). Flows out: diagnostics only. Facts from reference §1.7 (validators), §2.2 (the
unsupported OpenAPI schema features), §2.8 (model names and sizes). API Gateway imports a model
with an unsupported keyword and ignores the keyword, so those findings are warnings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any, Final

from apigwc.diagnostics.catalogue import Code
from apigwc.diagnostics.model import Origin, Severity
from apigwc.ir.api import Api, model_ref_name
from apigwc.ir.base import Json
from apigwc.ir.enums import Protocol, SourceFormat
from apigwc.ir.method import MediaModel, Method
from apigwc.lowering.effective import request_validator
from apigwc.validation.base import Report

E, W = Severity.ERROR, Severity.WARNING

_DOC = "openapi: 3.0.1\ninfo: {title: t, version: '1'}\n"
_MOCK = "{type: mock, requestTemplates: {application/json: '{\"statusCode\": 200}'}, responses: {default: {statusCode: '200'}}}"


def _doc(extra: str = "", op: str = "", response: str = "{description: ok}") -> str:
    return (
        _DOC
        + extra
        + "paths:\n  /pets:\n    post:\n"
        + op
        + f"      responses: {{'200': {response}}}\n"
        + f"      x-amazon-apigateway-integration: {_MOCK}\n"
    )


_SWAGGER = "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n"


def _pattern_doc(pattern: str) -> str:
    return (
        _DOC
        + "paths: {}\ncomponents: {schemas: {Pet: {type: object, properties: {name: "
        + f"{{type: string, pattern: '{pattern}'}}}}}}}}}}\n"
    )


_VALIDATORS = "x-amazon-apigateway-request-validators: {all: {validateRequestBody: true, validateRequestParameters: true}}\n"
_JSON = "application/json"

CODES: tuple[Code, ...] = (
    Code(
        "AGW445",
        "request-validator-undefined",
        E,
        "request validator {name!r} is not defined in x-amazon-apigateway-request-validators",
        "define it there, or use one of: {known}",
        "x-amazon-apigateway-request-validator (root or operation) must name a validator of the "
        "root x-amazon-apigateway-request-validators map (reference §1.7).",
        bad=_doc(_VALIDATORS, "      x-amazon-apigateway-request-validator: body\n"),
        good=_doc(_VALIDATORS, "      x-amazon-apigateway-request-validator: all\n"),
    ),
    Code(
        "AGW446",
        "model-name",
        E,
        "Unable to create model for '{name}': Model name must be alphanumeric: {name}",
        "rename the schema to letters and digits only, e.g. {suggestion!r}",
        "Each schema of components.schemas / definitions becomes a model named by its key, and "
        "model names must be alphanumeric: the import fails with this message (edx/api-manager#259, "
        "api-platform/core#3193).",
        bad=_DOC + "paths: {}\ncomponents: {schemas: {pet_input: {type: object}}}\n",
        good=_DOC + "paths: {}\ncomponents: {schemas: {PetInput: {type: object}}}\n",
    ),
    Code(
        "AGW447",
        "unsupported-schema-keyword",
        W,
        "{where} uses {keyword!r}, which API Gateway's models do not support; it is ignored",
        "remove it, or accept that request validation and generated SDKs ignore it",
        "API Gateway models are JSON Schema draft 4 without discriminator, example, nullable, "
        "exclusiveMinimum, default and readOnly (reference §2.2). A warning: accepted samples use "
        "them (the keyword is ignored), though an older importer answered 'Invalid model schema "
        "specified' for `example` (aws-apigateway-importer#213).",
        bad=_DOC
        + "paths: {}\ncomponents: {schemas: {Pet: {type: object, properties: {name: {type: string, nullable: true}}}}}\n",
        good=_DOC
        + "paths: {}\ncomponents: {schemas: {Pet: {type: object, properties: {name: {type: string}}}}}\n",
    ),
    Code(
        "AGW448",
        "unsupported-number-format",
        W,
        "{where} has {detail}, which API Gateway does not support; the format is ignored",
        "use type: integer for whole numbers, or drop the format",
        "API Gateway does not support format int32/int64 on type number, nor format decimal "
        "(reference §2.2).",
        bad=_DOC
        + "paths: {}\ncomponents: {schemas: {Pet: {type: object, properties: {age: {type: number, format: int32}}}}}\n",
        good=_DOC
        + "paths: {}\ncomponents: {schemas: {Pet: {type: object, properties: {age: {type: integer, format: int32}}}}}\n",
    ),
    Code(
        "AGW449",
        "method-response-schema",
        W,
        "the {media} schema of response {status} of {route} is an inline {kind}; API Gateway supports only an object type or a $ref to a model here",
        "wrap the value in an object, or move the schema to components.schemas and $ref it",
        "A method response model must be an object schema or a named model (reference §2.2).",
        bad=_doc(
            response="{description: ok, content: {application/json: {schema: {type: string}}}}"
        ),
        good=_doc(
            response="{description: ok, content: {application/json: {schema: {type: object}}}}"
        ),
    ),
    Code(
        "AGW450",
        "model-too-large",
        E,
        "model {name!r} is {size:,} bytes of JSON, over API Gateway's limit of 409,600 bytes (400 KB)",
        "split the schema into several models that reference each other",
        "A model's schema may be at most 400 KB (reference §2.8, §5.2).",
        # 210 YAML aliases of one 2,000-character value: a 420 KB model from a 3 KB document.
        bad=_DOC
        + "paths: {}\ncomponents: {schemas: {Pet: {type: string, enum: [&s "
        + "x" * 2000
        + ", "
        + ", ".join(["*s"] * 210)
        + "]}}}\n",
        good=_DOC + "paths: {}\ncomponents: {schemas: {Pet: {type: object, description: short}}}\n",
    ),
    Code(
        "AGW451",
        "oneof-in-swagger",
        W,
        "{where} uses oneOf, which API Gateway does not support in OpenAPI 2.0 documents",
        "import the API as OpenAPI 3.0 (apigwc export --format oas30), or avoid oneOf",
        "oneOf is not supported for OpenAPI 2.0 or for SDK generation (reference §2.2).",
        bad=_SWAGGER + "definitions: {Pet: {oneOf: [{type: string}, {type: integer}]}}\n",
        good=_SWAGGER + "definitions: {Pet: {type: string}}\n",
    ),
    Code(
        "AGW452",
        "comment-end-in-description",
        W,
        "{where} has '*/' in a description, which breaks the SDKs API Gateway generates",
        "rephrase the description without '*/'",
        "API Gateway copies model descriptions into comments of generated SDKs ([API1] Model.schema).",
        bad=_DOC
        + "paths: {}\ncomponents: {schemas: {Pet: {type: object, description: 'a/*b*/c'}}}\n",
        good=_DOC
        + "paths: {}\ncomponents: {schemas: {Pet: {type: object, description: 'a b c'}}}\n",
    ),
    Code(
        "AGW453",
        "items-bounds-not-validated",
        Severity.INFO,
        "{route} validates its body, but {keyword} in {where} is not enforced for models created by import",
        "check array sizes in the back end, or update the model after import",
        "API Gateway's request validation does not apply maxItems / minItems of imported models "
        "(reference §2.2): such requests pass validation.",
        bad=_doc(
            _VALIDATORS,
            "      x-amazon-apigateway-request-validator: all\n"
            "      requestBody: {content: {application/json: {schema: {type: array, maxItems: 3}}}}\n",
        ),
        good=_doc(
            _VALIDATORS,
            "      x-amazon-apigateway-request-validator: all\n"
            "      requestBody: {content: {application/json: {schema: {type: array}}}}\n",
        ),
    ),
)

CODES += (
    Code(
        "AGW211",
        "model-pattern-invalid",
        E,
        "{where} has the pattern {pattern!r}, which is not a valid regular expression: {reason}",
        "fix the regular expression (API Gateway reads it as an ECMA 262 / Java regex)",
        "API Gateway validates models as JSON Schema draft 4, whose `pattern` and "
        "`patternProperties` keys must be valid regular expressions; it rejects a model with an "
        "invalid one ('Invalid model schema specified'). apigwc reads the pattern as API Gateway "
        "does (see AGW305 for the Java and ECMA 262 forms it translates), so this pattern is "
        "invalid there too. A built gateway rejects every value checked against it.",
        bad=_pattern_doc("^[a-z+$"),
        good=_pattern_doc("^[a-z]+$"),
    ),
    Code(
        "AGW214",
        "model-schema-invalid",
        W,
        "{where} is not a valid JSON Schema draft 4 schema: {problem}",
        "fix the schema; API Gateway models are JSON Schema draft 4",
        "API Gateway answers 'Invalid model schema specified' for schemas it cannot read "
        "(aws-apigateway-importer#213), but no AWS record says which malformed forms it refuses, "
        "and accepted templates carry some (SAM's own test template writes `type: Object`): a "
        "warning. The built gateway cannot compile such a model and rejects every body "
        "validated against it (fail closed) instead of failing the build.",
        bad=_DOC + "paths: {}\ncomponents: {schemas: {Pet: {type: object, required: name}}}\n",
        good=_DOC + "paths: {}\ncomponents: {schemas: {Pet: {type: object, required: [name]}}}\n",
    ),
    Code(
        "AGW305",
        "model-pattern-unsupported",
        W,
        "{where} has the pattern {pattern!r}, which apigwc cannot check locally: {reason}",
        "rewrite it with plain classes (e.g. [A-Za-z] for \\p{{Lu}}); until then the built "
        "gateway rejects every value checked against it",
        "Model patterns are checked with Python's `re`, translated from API Gateway's regex "
        "dialect: `\\d` and `\\w` are ASCII-only; a `-` next to a class shorthand in `[...]` "
        "(`[\\w-_]`) and `$` inside `[...]` are literal; `\\p{Alpha}` and the other POSIX "
        "classes, `\\p{L}`, `\\p{IsAlphabetic}`, `\\p{Nd}`, `\\z`, `\\Z`, `\\Q...\\E`, "
        "`(?<name>...)`, `\\k<name>`, possessive quantifiers and atomic groups are translated. "
        "Other forms (Java class intersections `[a-z&&[^e]]`, other Unicode properties) are not: "
        "API Gateway may accept them, so this is a warning, and the built gateway fails closed "
        "(the value is rejected with 'Invalid request body').",
        bad=_pattern_doc("^[a-z&&[^e]]+$"),
        good=_pattern_doc("^[a-df-z]+$"),
    ),
)

_IGNORED_KEYWORDS = (
    "discriminator",
    "example",
    "nullable",
    "exclusiveMinimum",
    "default",
    "readOnly",
)
_SCHEMA_MAPS = ("properties", "patternProperties", "definitions")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_SCHEMA_ONE = ("items", "not", "additionalProperties")
_MODEL_LIMIT = 400 * 1024


def check(api: Api, report: Report) -> None:
    if api.protocol is not Protocol.REST:
        return  # HTTP APIs ignore schemas (no models, no request validation)
    _check_validators(api, report)
    swagger = api.source_format is SourceFormat.SWAGGER2
    for model in api.models:
        where = f"model {model.name!r}"
        if not re.fullmatch(r"[A-Za-z0-9]+", model.name):
            suggestion = re.sub(r"[^A-Za-z0-9]", "", model.name.title()) or "Model"
            report("AGW446", model.origin, at_key=True, name=model.name, suggestion=suggestion)
        _check_schema(model.schema_, model.origin, where, report, swagger)
        size = len(json.dumps(model.schema_, separators=(",", ":")).encode())
        if size > _MODEL_LIMIT:
            report("AGW450", model.origin, at_key=True, name=model.name, size=size)
    for method in api.methods:
        _check_bodies(api, method, report)


def _check_validators(api: Api, report: Report) -> None:
    known = ", ".join(v.name for v in api.request_validators) or "(none defined)"
    uses: list[tuple[str, Origin | None]] = []
    if api.default_request_validator is not None:
        root = api.origin.child("x-amazon-apigateway-request-validator") if api.origin else None
        uses.append((api.default_request_validator, root))
    for method in api.methods:
        if method.request_validator is not None:
            at = (
                method.origin.child("x-amazon-apigateway-request-validator")
                if method.origin
                else None
            )
            uses.append((method.request_validator, at))
    for name, origin in uses:
        if api.request_validator(name) is None:
            report("AGW445", origin, name=name, known=known)


def _check_bodies(api: Api, method: Method, report: Report) -> None:
    route = f"{method.http_method} {method.path}"
    swagger = api.source_format is SourceFormat.SWAGGER2
    if method.request_body is not None:
        for media in method.request_body.content:
            where = f"the {media.media_type} request body of {route}"
            _check_schema(media.schema_, _schema_origin(api, media), where, report, swagger)
            if _validates_body(api, method):
                _check_item_bounds(api, media, where, route, report)
    for response in method.responses:
        for media in response.content:
            where = f"the {media.media_type} body of response {response.status_code} of {route}"
            _check_schema(media.schema_, _schema_origin(api, media), where, report, swagger)
            _check_response_model(media, response.status_code, route, report)


def _validates_body(api: Api, method: Method) -> bool:
    validator = request_validator(api, method)
    return validator is not None and validator.validate_request_body


def _check_item_bounds(api: Api, media: MediaModel, where: str, route: str, report: Report) -> None:
    """Follow the body's schema into the models it references (each once)."""
    pending: list[tuple[Json, Origin | None, str]] = [
        (media.schema_, _schema_origin(api, media), where)
    ]
    visited: set[str] = set()
    while pending:
        schema, origin, place = pending.pop()
        for node, at in _walk(schema, origin, refs=True):
            name = model_ref_name(node.get("$ref"))
            if name is not None:
                model = api.model(name)
                if model is not None and name not in visited:
                    visited.add(name)
                    pending.append((model.schema_, model.origin, f"model {name!r}"))
                continue
            for keyword in ("maxItems", "minItems"):
                if keyword in node:
                    report(
                        "AGW453",
                        _child(at, keyword),
                        at_key=True,
                        route=route,
                        keyword=keyword,
                        where=place,
                    )
                    return


def _schema_origin(api: Api, media: MediaModel) -> Origin | None:
    if media.origin is None:
        return None
    if api.source_format is SourceFormat.SWAGGER2:
        return media.origin  # Swagger bodies: the origin is the schema itself
    return media.origin.child("schema")


def _check_response_model(media: MediaModel, status: str, route: str, report: Report) -> None:
    schema = media.schema_
    if not isinstance(schema, dict) or "$ref" in schema:
        return
    kind = schema.get("type")
    if kind in (None, "object") or any(k in schema for k in _SCHEMA_LISTS):
        return
    report(
        "AGW449",
        media.origin,
        media=media.media_type,
        status=status,
        route=route,
        kind=f"{kind} schema",
    )


# -- walking one schema -----------------------------------------------------------------------


def _check_schema(
    schema: Json, origin: Origin | None, where: str, report: Report, swagger: bool = False
) -> None:
    """One finding per unsupported keyword per schema (the first place it appears)."""
    seen: set[str] = set()
    for node, at in _walk(schema, origin):
        _check_node(node, at, where, report, seen, swagger)


def _check_node(
    node: dict[str, Json],
    at: Origin | None,
    where: str,
    report: Report,
    seen: set[str],
    swagger: bool,
) -> None:
    if swagger and "oneOf" in node and "oneOf" not in seen:
        seen.add("oneOf")
        report("AGW451", _child(at, "oneOf"), at_key=True, where=where)
    description = node.get("description")
    if isinstance(description, str) and "*/" in description and "*/" not in seen:
        seen.add("*/")
        report("AGW452", _child(at, "description"), where=where)
    for keyword in _IGNORED_KEYWORDS:
        if keyword in node and keyword not in seen and _is_keyword(node, keyword):
            seen.add(keyword)
            report("AGW447", _child(at, keyword), at_key=True, where=where, keyword=keyword)
    detail = _number_format(node)
    if detail is not None and detail not in seen:
        seen.add(detail)
        report("AGW448", _child(at, "format"), where=where, detail=detail)
    _check_patterns(node, at, where, report)
    _check_definition(node, at, where, report)


def _check_definition(node: dict[str, Json], at: Origin | None, where: str, report: Report) -> None:
    problem = definition_problem(node)
    if problem is not None:
        report("AGW214", at, where=where, problem=problem)


_JSON_TYPES: Final = frozenset(
    {"string", "number", "integer", "boolean", "null", "array", "object"}
)
_NUMBER_KEYWORDS: Final = (
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "multipleOf",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
)


def definition_problem(schema: Mapping[str, Any]) -> str | None:
    """What makes one schema object (not its subschemas) malformed draft 4, or None: the
    definition errors fastjsonschema raises, so that `validate` reports them (AGW214)."""
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind] if kind is not None else []
    unknown = [k for k in kinds if not isinstance(k, str) or k not in _JSON_TYPES]
    if unknown:
        return f"type {unknown[0]!r} is not a JSON Schema type"
    if "enum" in schema and not isinstance(schema["enum"], list):
        return "enum must be an array"
    for keyword in _NUMBER_KEYWORDS:
        value = schema.get(keyword)
        if keyword in schema and (isinstance(value, bool) or not isinstance(value, (int, float))):
            return f"{keyword} must be a number"
    required = schema.get("required")
    if "required" in schema:
        if not isinstance(required, list) or not all(isinstance(n, str) for n in required):
            return "required must be an array of property names"
        if len(set(required)) != len(required):
            return "required must not repeat a name"
    properties = schema.get("properties")
    if isinstance(properties, dict):
        bad = next((n for n, sub in properties.items() if not isinstance(sub, dict)), None)
        if bad is not None:
            return f"properties.{bad} must be a schema (an object)"
    return None


def _check_patterns(node: dict[str, Json], at: Origin | None, where: str, report: Report) -> None:
    """Every `pattern` and `patternProperties` key must compile as the built gateway compiles it."""
    from apigwc.runtime.validation.java_regex import PatternError, java_pattern

    places: list[tuple[str, Origin | None, bool]] = []
    if isinstance(node.get("pattern"), str):
        places.append((str(node["pattern"]), _child(at, "pattern"), False))
    properties = node.get("patternProperties")
    if isinstance(properties, dict):
        places += [(key, _child(at, "patternProperties", key), True) for key in properties]
    for pattern, origin, at_key in places:
        try:
            java_pattern(pattern)
        except PatternError as error:
            code = "AGW211" if error.invalid else "AGW305"
            report(code, origin, at_key=at_key, where=where, pattern=pattern, reason=str(error))


def _is_keyword(node: dict[str, Json], keyword: str) -> bool:
    # In draft 4, exclusiveMinimum is a boolean modifier of minimum; API Gateway's known
    # issues list it as unsupported, so flag it only where it actually changes something.
    if keyword == "exclusiveMinimum":
        return node.get(keyword) is not False
    return True


def _number_format(node: dict[str, Json]) -> str | None:
    fmt = node.get("format")
    if fmt == "decimal":
        return "format 'decimal'"
    if node.get("type") == "number" and fmt in ("int32", "int64"):
        return f"type number with format {fmt!r}"
    return None


def _walk(
    schema: Json, origin: Origin | None, refs: bool = False
) -> Iterator[tuple[dict[str, Json], Origin | None]]:
    """Every schema object under `schema`; a model reference is yielded only with `refs`
    (a named model is otherwise checked once, as a model)."""
    if not isinstance(schema, dict):
        return
    if model_ref_name(schema.get("$ref")) is not None:
        if refs:
            yield schema, origin
        return
    yield schema, origin
    for key in _SCHEMA_MAPS:
        children = schema.get(key)
        if isinstance(children, dict):
            for name, child in children.items():
                yield from _walk(child, _child(origin, key, name), refs)
    for key in _SCHEMA_LISTS:
        children = schema.get(key)
        if isinstance(children, list):
            for n, child in enumerate(children):
                yield from _walk(child, _child(origin, key, n), refs)
    for key in _SCHEMA_ONE:
        yield from _walk(schema.get(key), _child(origin, key), refs)


def _child(origin: Origin | None, *tokens: str | int) -> Origin | None:
    return origin.child(*tokens) if origin else None
