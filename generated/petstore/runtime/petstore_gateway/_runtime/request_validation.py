"""REST request validation: required parameters and body models (runtime reference §1.5).

Part of the runtime support library copied verbatim into every generated gateway (relative imports
only). Two halves:

- build time, `compile_models(models) -> str`: JSON Schema draft-4 models (references to other
  models written `{"$ref": "#/models/<Name>"}`) → Python source of a module whose
  `VALIDATORS: dict[str, Callable[[object], object]]` holds a fastjsonschema-compiled validator
  per entry (raising `fastjsonschema.JsonSchemaValueException`; entries that validate alike share
  one compiled function). The emitter calls it and writes the
  module; the generated runtime then imports `fastjsonschema` (PyPI `fastjsonschema>=2.20`) for that
  exception class only. Inline request-body schemas go into the same mapping under keys of the
  emitter's choosing; only real model names are `$ref` targets.
- run time, `RequestValidation.check(...) -> ValidationFailure | None`: parameters first, then the
  body, as API Gateway does; a failure names the gateway response (`BAD_REQUEST_PARAMETERS`,
  `BAD_REQUEST_BODY`) and its message; `default_body()` gives the bytes of the default template
  `{"message":$context.error.messageString}`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import quote

import fastjsonschema
from fastjsonschema import JsonSchemaValueException

from . import json_input
from .java_regex import UNCHECKABLE_PATTERN, PatternError, java_pattern
from .payloads import media_type
from .render_budget import RenderTimeout, within_deadline

MODEL_REF_PREFIX: Final = "#/models/"
DRAFT4: Final = "http://json-schema.org/draft-04/schema#"
_DEFS: Final = "x-apigwc-models"
# Beside a translated `pattern`: the pattern as the spec wrote it, for the violation message.
SOURCE_PATTERN: Final = "x-apigwc-pattern"

# Keywords API Gateway does not honour in models (§1.5, reference "known issues"): dropped at build
# time so the compiled validator accepts what API Gateway accepts.
IGNORED_KEYWORDS: Final = frozenset(
    {"exclusiveMinimum", "maxItems", "minItems", "discriminator", "example", "readOnly", "default"}
)

_SUBSCHEMA_MAPS: Final = ("properties", "patternProperties", "definitions", "dependencies")
_SUBSCHEMA_LISTS: Final = ("allOf", "anyOf", "oneOf")
_SUBSCHEMA_ONE: Final = ("not", "additionalProperties", "additionalItems")

Validator = Callable[[Any], Any]

PARAMETERS_MESSAGE: Final = "Missing required request parameters: [{names}]"
BODY_MESSAGE: Final = "Invalid request body"
DEFAULT_MEDIA_TYPE: Final = "application/json"


# ---------------------------------------------------------------------------------------------
# Build time
# ---------------------------------------------------------------------------------------------


class ModelCompileError(ValueError):
    """A model reference that resolves to no model; `compile_models` fails such a model closed."""


def compile_models(models: Mapping[str, Any], *, banner: str = "") -> str:
    """Python source of a module with `VALIDATORS = {name: validator}` for every entry.

    Models that validate alike (equal but for annotations such as `title`, and referring to
    models that validate alike) share one compiled validator: a large API repeats a few model
    shapes under many names, and each copy cost build time and import time.
    `banner` is plain text written as leading comment lines.
    """
    names = sorted(models)
    slots = {name: f"m{index}" for index, name in enumerate(names)}
    definitions = {slots[name]: _normalized_or_closed(models[name], slots) for name in names}
    shared = _shared_slots(definitions)
    # The banner may carry spec text (a file name): every line becomes a comment.
    lines = [f"# {line}" for line in banner.splitlines()]
    lines.append("# Request models compiled to Python by fastjsonschema.")
    lines += ["from __future__ import annotations", "", ""]
    entries: list[str] = []
    for index, name in enumerate(names):
        slot = slots[name]
        entries.append(f"    {name!r}: _validator_{shared[slot].removeprefix('m')}(),")
        if shared[slot] != slot:
            continue
        root = {"$schema": DRAFT4, _DEFS: definitions, "$ref": f"#/{_DEFS}/{slot}"}
        try:
            code = _compile_to_code(root)
        except (fastjsonschema.JsonSchemaDefinitionException, re.error, RecursionError):
            # `apigwc validate` reports a malformed schema (AGW214); one nothing can satisfy
            # (a required property additionalProperties forbids) is refused by fastjsonschema.
            # Either way no body passes: the model fails closed instead of failing the build.
            code = _compile_to_code({"$schema": DRAFT4, "not": {}})
        lines.append(f"def _validator_{index}():")
        lines += [f"    {line}" if line else "" for line in code.splitlines()]
        lines += ["    return validate", "", ""]
    lines += ["VALIDATORS = {", *entries, "}", ""]
    return "\n".join(lines)


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


# What a raised violation carries besides its rule, for API Gateway's wording at run time
# (`_violation_text`): the keyword's value, and these siblings of it.
_RULE_FACTS: Final = {
    "minimum": ("minimum", "exclusiveMinimum"),
    "maximum": ("maximum", "exclusiveMaximum"),
    "pattern": (SOURCE_PATTERN,),
}


def _compile_to_code(root: dict[str, Any]) -> str:
    """fastjsonschema's `compile_to_code`, with exceptions that carry the violated keyword, the
    value and only the facts the message needs (`detailed_exceptions` would embed a copy of the
    whole schema at every raise; none loses the names of missing properties)."""
    from fastjsonschema.draft04 import CodeGeneratorDraft04
    from fastjsonschema.ref_resolver import RefResolver

    class Generator(CodeGeneratorDraft04):
        def exc(
            self, msg: str, *args: Any, append_to_msg: str | None = None, rule: str | None = None
        ) -> None:
            schema = self._definition if isinstance(self._definition, dict) else {}
            facts = _rule_facts(schema, rule)
            text = '"' + msg + '"' + (f" + ({append_to_msg})" if append_to_msg else "")
            self.l(
                "raise JsonSchemaValueException("
                + text
                + ', value={variable}, name="{name}", definition={facts}, rule={rule})',
                *args,
                facts=repr(facts),
                rule=repr(rule),
            )

    resolver = RefResolver.from_schema(root, handlers={}, store={})
    generator = Generator(  # type: ignore[no-untyped-call]
        root, resolver=resolver, formats={}, use_default=False, use_formats=False, fast_fail=True
    )
    return str(generator.global_state_code) + "\n" + str(generator.func_code)


def _rule_facts(schema: Mapping[str, Any], rule: str | None) -> dict[str, Any]:
    """Plain literals only: the dict is written into the generated module with `repr`."""
    facts: dict[str, Any] = {}
    if rule in ("oneOf", "anyOf", "allOf", "items"):
        value = schema.get(rule)
        facts[rule] = len(value) if isinstance(value, list) else 0
    elif rule == "additionalProperties":
        for key in ("properties", "patternProperties"):
            facts[key] = [str(name) for name in schema.get(key) or ()]
    elif rule is not None:
        for key in _RULE_FACTS.get(rule, (rule,)):
            if key in schema and _literal(schema[key]):
                facts[key] = schema[key]
    return facts


def _literal(value: Any) -> bool:
    """A value whose `repr` is a Python literal that evaluates back to it."""
    if isinstance(value, (list, tuple)):
        return all(_literal(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _literal(v) for k, v in value.items())
    if isinstance(value, float):
        return value == value and value not in (float("inf"), float("-inf"))
    return value is None or isinstance(value, (str, int, bool))


# Draft-4 keywords that annotate a schema without constraining what it accepts.
_ANNOTATIONS: Final = frozenset({"title", "description"})


def _shared_slots(definitions: Mapping[str, Any]) -> dict[str, str]:
    """Slot -> the first slot (in order) whose model validates alike, found by refinement:
    models whose schemas are equal once annotations are dropped and references name each
    target's representative share one; merging can make referring models equal in turn."""
    shared = {slot: slot for slot in definitions}
    while True:
        first: dict[str, str] = {}
        merged = {
            # repr keeps key order (it decides which violation is reported first) and types
            slot: first.setdefault(repr(_validation_key(schema, shared)), slot)
            for slot, schema in definitions.items()
        }
        if merged == shared:
            return shared
        shared = merged


def _validation_key(schema: Any, shared: Mapping[str, str]) -> Any:
    """A normalized schema without annotations, each model reference to its representative."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _ANNOTATIONS:
            continue
        if key == "$ref" and isinstance(value, str) and value.startswith(f"#/{_DEFS}/"):
            slot = value[len(_DEFS) + 3 :]
            out[key] = shared.get(slot, slot)
        elif key in _SUBSCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: _validation_key(sub, shared) for name, sub in value.items()}
        elif key in (*_SUBSCHEMA_LISTS, "items") and isinstance(value, list):
            out[key] = [_validation_key(sub, shared) for sub in value]
        elif key in _SUBSCHEMA_ONE or key == "items":
            out[key] = _validation_key(value, shared)
        else:
            out[key] = value
    return out


def _normalize(schema: Any, slots: Mapping[str, str]) -> Any:
    """Rewrite `#/models/X` references and drop the keywords API Gateway ignores."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in IGNORED_KEYWORDS or key == "$schema":
            continue
        if key == "$ref" and isinstance(value, str):
            out[key] = _model_ref(value, slots)
        elif key == "pattern" and isinstance(value, str):
            out[key] = _checkable_pattern(value)
            out[SOURCE_PATTERN] = value
        elif key == "patternProperties" and isinstance(value, dict):
            out[key] = _pattern_properties(value, slots)
        elif key in _SUBSCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: _normalize(sub, slots) for name, sub in value.items()}
        elif key in _SUBSCHEMA_LISTS and isinstance(value, list):
            out[key] = [_normalize(sub, slots) for sub in value]
        elif key == "items":
            items = [_normalize(s, slots) for s in value] if isinstance(value, list) else None
            out[key] = items if items is not None else _normalize(value, slots)
        elif key in _SUBSCHEMA_ONE:
            out[key] = _normalize(value, slots)
        else:
            out[key] = value
    return out


def _checkable_pattern(pattern: str) -> str:
    try:
        return java_pattern(pattern)
    except PatternError:
        return UNCHECKABLE_PATTERN  # fail closed: every string checked against it is rejected


def _pattern_properties(value: Mapping[str, Any], slots: Mapping[str, str]) -> dict[str, Any]:
    """Keys translated like `pattern`; a key apigwc cannot translate becomes "" (matches every
    property name) with a schema nothing satisfies, so such objects fail closed."""
    out: dict[str, Any] = {}
    for pattern, sub in value.items():
        try:
            out[java_pattern(pattern)] = _normalize(sub, slots)
        except PatternError:
            out[""] = {"not": {}}
    return out


def _normalized_or_closed(schema: Any, slots: Mapping[str, str]) -> Any:
    """`_normalize`d; a model with a reference that resolves to no model (AGW125 in `apigwc
    validate`) rejects every body instead of failing the build."""
    try:
        return _normalize(schema, slots)
    except ModelCompileError:
        return {"not": {}}


def _model_ref(ref: str, slots: Mapping[str, str]) -> str:
    if not ref.startswith(MODEL_REF_PREFIX):
        # Lowering rewrites every reference (`#/definitions/X`, `#/components/schemas/X`, API
        # Gateway's model URL) to `#/models/X`; anything else cannot be resolved here.
        raise ModelCompileError(f"unsupported $ref {ref!r}: models reference models as #/models/X")
    name = ref[len(MODEL_REF_PREFIX) :]
    if name not in slots:
        raise ModelCompileError(f"$ref to unknown model {name!r}")
    return f"#/{_DEFS}/{quote(slots[name])}"


# ---------------------------------------------------------------------------------------------
# Run time
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValidationFailure:
    """Why the gateway answers 400; `response_type` names the gateway response (§4.2)."""

    response_type: str
    message: str
    validation_error: str

    def default_body(self) -> bytes:
        """The default gateway response body, no space after the colon ([AWS-REC] §0.2)."""
        return b'{"message":' + json.dumps(self.message).encode() + b"}"


@dataclass(frozen=True)
class RequestValidation:
    """One method's validator settings, built once from the IR.

    `required_parameters` are `method.request.{header|path|querystring}.NAME` keys of the
    parameters marked required; `body_validators` maps a request media type (or `$default`) to
    the compiled model validator.
    """

    validate_parameters: bool = False
    validate_body: bool = False
    required_parameters: tuple[str, ...] = ()
    body_validators: Mapping[str, Validator] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # API Gateway lists missing parameters sorted by their mapping key, so headers come before
        # path before querystring ([AWS-REC] test_api_gateway_request_validator: [x-header-param,
        # issuer, qs1]).
        object.__setattr__(self, "required_parameters", tuple(sorted(self.required_parameters)))

    def check(
        self,
        *,
        path: Mapping[str, str],
        querystring: Mapping[str, str],
        headers: Mapping[str, str],
        content_type: str | None,
        body: bytes,
    ) -> ValidationFailure | None:
        """Parameters first, then the body (§1.5)."""
        if self.validate_parameters:
            failure = check_parameters(self.required_parameters, path, querystring, headers)
            if failure is not None:
                return failure
        if self.validate_body:
            validator = select_model(self.body_validators, content_type)
            if validator is not None:
                return check_body(validator, body)
        return None


def check_parameters(
    required: Iterable[str],
    path: Mapping[str, str],
    querystring: Mapping[str, str],
    headers: Mapping[str, str],
) -> ValidationFailure | None:
    """Every required parameter present and non-blank (`?q1=` fails) (§1.5)."""
    lowered_headers: dict[str, str] | None = None  # built only when a header is required
    missing: list[str] = []
    for key in required:
        location, _, name = key.removeprefix("method.request.").partition(".")
        if location == "header":
            if lowered_headers is None:
                lowered_headers = {name.lower(): value for name, value in headers.items()}
            value = lowered_headers.get(name.lower())
        else:
            value = (path if location == "path" else querystring).get(name)
        if value is None or not value.strip():
            missing.append(name)
    if not missing:
        return None
    message = PARAMETERS_MESSAGE.format(names=", ".join(missing))
    return ValidationFailure("BAD_REQUEST_PARAMETERS", message, message)


def select_model(validators: Mapping[str, Validator], content_type: str | None) -> Validator | None:
    """The model for the request's media type, else `$default`; none ⇒ no body check."""
    media_type = media_type_of(content_type) or DEFAULT_MEDIA_TYPE
    return validators.get(media_type, validators.get("$default"))


def media_type_of(content_type: str | None) -> str:
    """`Application/JSON; charset=UTF-8` → `application/json` (parameters ignored, §1.6)."""
    return media_type(content_type)


def check_body(validator: Validator, body: bytes) -> ValidationFailure | None:
    """Validate the JSON payload; an empty body is validated as `{}` ([LS] §1.5).

    A body that cannot be validated (not JSON, nested deeper than `json_input.MAX_JSON_DEPTH`, or
    deep enough to exhaust a recursive model's validator) is an invalid body: 400, as API
    Gateway answers any body its validator rejects (inferred: fail closed)."""
    try:
        document = json_input.loads(body) if body.strip() else {}
    except ValueError as error:
        return _body_failure(f"Invalid JSON: {error}")
    try:
        # A model `pattern` runs `re` on client data: a backtracking one (`^(a|a)*b$`) would
        # freeze the event loop, so validation has the templates' deadline (`render_budget`).
        within_deadline(lambda: validator(document))
    except JsonSchemaValueException as error:
        return _body_failure(_violation_text(error))
    except RecursionError:
        return _body_failure("JSON nested too deep to validate")
    except RenderTimeout:
        return _body_failure("validation exceeded its time budget")
    return None


def _body_failure(detail: str) -> ValidationFailure:
    return ValidationFailure("BAD_REQUEST_BODY", BODY_MESSAGE, f"[{detail}]")


def _violation_text(error: JsonSchemaValueException) -> str:
    """`$context.error.validationErrorString` worded as API Gateway's model validator words it
    (runtime reference §1.5: e.g. `object has missing required properties (["name"])`); a
    keyword without a recorded wording keeps fastjsonschema's text."""
    facts = error.definition if isinstance(error.definition, dict) else {}
    matched = re.search(r"\((\d+) matches found\)$", str(error.message))
    if error.rule == "oneOf" and matched:
        # fastjsonschema stops counting at 2 matches: "2" stands for "2 or more" here.
        return (
            f"instance failed to match exactly one schema "
            f"(matched {matched.group(1)} out of {facts.get('oneOf')})"
        )
    wording = _WORDINGS.get(error.rule or "")
    text = wording(facts, error.value) if wording is not None else None
    return text if text is not None else re.sub(r"\s+", " ", str(error.message)).strip()


def _json(value: Any) -> str:
    """Compact JSON as Jackson prints a node: `["a","b"]`."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else "null"


def _required(facts: Mapping[str, Any], value: Any) -> str | None:
    names = facts.get("required")
    if not isinstance(value, dict) or not isinstance(names, list):
        return None
    missing = [name for name in names if name not in value]
    return f"object has missing required properties ({_json(missing)})"


def _type(facts: Mapping[str, Any], value: Any) -> str:
    allowed = facts.get("type")
    allowed = allowed if isinstance(allowed, list) else [allowed]
    return (
        f"instance type ({_json_type(value)}) does not match any allowed primitive type "
        f"(allowed: {_json(allowed)})"
    )


def _minimum(facts: Mapping[str, Any], value: Any) -> str:
    if facts.get("exclusiveMinimum") is True:
        return f"numeric instance is not strictly greater than the required minimum {_json(facts.get('minimum'))}"
    return f"numeric instance is lower than the required minimum (minimum: {_json(facts.get('minimum'))}, found: {_json(value)})"


def _maximum(facts: Mapping[str, Any], value: Any) -> str:
    if facts.get("exclusiveMaximum") is True:
        return f"numeric instance is not strictly lower than the required maximum {_json(facts.get('maximum'))}"
    return f"numeric instance is greater than the required maximum (maximum: {_json(facts.get('maximum'))}, found: {_json(value)})"


def _additional(facts: Mapping[str, Any], value: Any) -> str | None:
    if not isinstance(value, dict):
        return None
    known = set(facts.get("properties") or ())
    patterns = [re.compile(p) for p in facts.get("patternProperties") or ()]
    extra = sorted(
        name for name in value if name not in known and not any(p.search(name) for p in patterns)
    )
    return f"object instance has properties which are not allowed by the schema: {_json(extra)}"


def _size(value: Any) -> int:
    return len(value) if isinstance(value, (str, list, dict)) else 0


_Wording = Callable[[Mapping[str, Any], Any], "str | None"]
_WORDINGS: Final[dict[str, _Wording]] = {
    "required": _required,
    "type": _type,
    "enum": lambda f, v: f"instance value ({_json(v)}) not found in enum (possible values: {_json(f.get('enum'))})",
    "minimum": _minimum,
    "maximum": _maximum,
    "multipleOf": lambda f, v: f"remainder of division is not zero ({_json(v)} / {_json(f.get('multipleOf'))})",
    "minLength": lambda f, v: f"string \"{v}\" is too short (length: {_size(v)}, expected minimum: {_json(f.get('minLength'))})",
    "maxLength": lambda f, v: f"string \"{v}\" is too long (length: {_size(v)}, maximum allowed: {_json(f.get('maxLength'))})",
    # strings in quotes as they are (the Java library formats the text, not JSON)
    "pattern": lambda f, v: f'ECMA 262 regex "{f.get(SOURCE_PATTERN)}" does not match input string "{v}"',
    "additionalProperties": _additional,
    "minProperties": lambda f, v: f"object has too few properties (found {_size(v)}, minimum required: {_json(f.get('minProperties'))})",
    "maxProperties": lambda f, v: f"object has too many properties (found {_size(v)}, maximum allowed: {_json(f.get('maxProperties'))})",
    "uniqueItems": lambda f, v: "array must not contain duplicate elements",
    "anyOf": lambda f, v: f"instance failed to match at least one required schema among {f.get('anyOf')}",
    "not": lambda f, v: "instance matched a schema which it should not have",
}
