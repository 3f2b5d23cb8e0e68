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

from .payloads import media_type

MODEL_REF_PREFIX: Final = "#/models/"
DRAFT4: Final = "http://json-schema.org/draft-04/schema#"
_DEFS: Final = "x-apigwc-models"

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
    """A model cannot be compiled (unknown `$ref`, schema fastjsonschema rejects)."""


def compile_models(models: Mapping[str, Any], *, banner: str = "") -> str:
    """Python source of a module with `VALIDATORS = {name: validator}` for every entry.

    Models that validate alike (equal but for annotations such as `title`, and referring to
    models that validate alike) share one compiled validator: a large API repeats a few model
    shapes under many names, and each copy cost build time and import time.
    `banner` is plain text written as leading comment lines.
    """
    names = sorted(models)
    slots = {name: f"m{index}" for index, name in enumerate(names)}
    definitions = {slots[name]: _normalize(models[name], slots) for name in names}
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
            code = fastjsonschema.compile_to_code(
                root, use_default=False, use_formats=False, detailed_exceptions=False
            )
        except (fastjsonschema.JsonSchemaDefinitionException, re.error) as error:
            raise ModelCompileError(f"model {name!r}: {error}") from error
        lines.append(f"def _validator_{index}():")
        lines += [f"    {line}" if line else "" for line in code.splitlines()]
        lines += ["    return validate", "", ""]
    lines += ["VALIDATORS = {", *entries, "}", ""]
    return "\n".join(lines)


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
    """Validate the JSON payload; an empty body is validated as `{}` ([LS] §1.5)."""
    try:
        document = json.loads(body) if body.strip() else {}
    except ValueError as error:
        return _body_failure(f"Invalid JSON: {error}")
    try:
        validator(document)
    except JsonSchemaValueException as error:
        return _body_failure(_violation_text(error))
    return None


def _body_failure(detail: str) -> ValidationFailure:
    return ValidationFailure("BAD_REQUEST_BODY", BODY_MESSAGE, f"[{detail}]")


def _violation_text(error: JsonSchemaValueException) -> str:
    # `$context.error.validationErrorString`: AWS's exact wording is not recorded (inferred).
    return re.sub(r"\s+", " ", str(error.message)).strip()
