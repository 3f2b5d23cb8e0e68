"""REST request validation: required parameters and body models (runtime reference §1.5).

Part of the runtime support library copied verbatim into every generated gateway (relative imports
only); it holds only what runs per request. `RequestValidation.check(...) -> ValidationFailure |
None`: parameters first, then the body, as API Gateway does; a body is checked by the model
validator the build compiled into the generated `models.py` (`apigwc.emitters.runtime_models`),
which raises `fastjsonschema.JsonSchemaValueException` carrying the facts the message needs. A
failure names the gateway response (`BAD_REQUEST_PARAMETERS`, `BAD_REQUEST_BODY`) and its message;
`default_body()` gives the bytes of the default template `{"message":$context.error.messageString}`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from fastjsonschema import JsonSchemaValueException

from ..responses.gateway_responses import GatewayError, default_body
from ..transform import json_input
from ..transform.media_types import request_media_type
from ..transform.render_budget import RenderTimeout, within_deadline

# Beside a translated `pattern`: the pattern as the spec wrote it, for the violation message
# (written by the build, `apigwc.emitters.runtime_models`).
SOURCE_PATTERN: Final = "x-apigwc-pattern"

Validator = Callable[[Any], Any]

PARAMETERS_MESSAGE: Final = "Missing required request parameters: [{names}]"
BODY_MESSAGE: Final = "Invalid request body"


@dataclass(frozen=True)
class ValidationFailure:
    """Why the gateway answers 400; `response_type` names the gateway response (§4.2)."""

    response_type: str
    message: str
    validation_error: str

    def default_body(self) -> bytes:
        """The body of the gateway response when not customized (`gateway_responses` renders it:
        no space after the colon, [AWS-REC] §0.2)."""
        return default_body(GatewayError(self.response_type, self.message))


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
    return validators.get(request_media_type(content_type), validators.get("$default"))


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
