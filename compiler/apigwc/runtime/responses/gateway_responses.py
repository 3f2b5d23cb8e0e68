"""Gateway responses: how every error that API Gateway generates itself reaches the client.

Flows in: a response type (one of the 21 of reference §4.2), the request's `$context` values
and the API's customized gateway responses (`x-amazon-apigateway-gateway-responses`, as data).
Flows out: a `Response` (status, headers, body bytes).

A customized type wins; an uncustomized 4xx/5xx type inherits a customized `DEFAULT_4XX` /
`DEFAULT_5XX` (status included only when that default sets one), as API Gateway does.
Templates are not VTL here: API Gateway substitutes `$context.*` and `$stageVariables.*` only.
HTTP APIs have no gateway responses: their error bodies are fixed (reference §4.3).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..transform.mapping import mapping_text
from ..transform.payloads import select_response_template

# type -> (default status, default message, x-amzn-ErrorType or None); reference §4.2.
# `Message` with a capital M for ACCESS_DENIED is handled in `default_body`.
RESPONSE_TYPES: dict[str, tuple[int, str | None, str | None]] = {
    "ACCESS_DENIED": (
        403,
        "User is not authorized to access this resource",
        "AccessDeniedException",
    ),
    "API_CONFIGURATION_ERROR": (500, "Internal server error", "InternalServerErrorException"),
    "AUTHORIZER_CONFIGURATION_ERROR": (500, None, "AuthorizerConfigurationException"),
    "AUTHORIZER_FAILURE": (500, "Internal server error", "AuthorizerFailureException"),
    "BAD_REQUEST_PARAMETERS": (400, "Bad request parameters", "BadRequestException"),
    "BAD_REQUEST_BODY": (400, "Invalid request body", "BadRequestException"),
    "DEFAULT_4XX": (400, None, None),
    "DEFAULT_5XX": (500, None, None),
    "EXPIRED_TOKEN": (
        403,
        "The security token included in the request is expired",
        "ExpiredTokenException",
    ),
    "INTEGRATION_FAILURE": (
        504,
        "Network error communicating with endpoint",
        "InternalServerErrorException",
    ),
    "INTEGRATION_TIMEOUT": (504, "Endpoint request timed out", "InternalServerErrorException"),
    "INVALID_API_KEY": (403, "Forbidden", "ForbiddenException"),
    "INVALID_SIGNATURE": (
        403,
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
        "InvalidSignatureException",
    ),
    "MISSING_AUTHENTICATION_TOKEN": (
        403,
        "Missing Authentication Token",
        "MissingAuthenticationTokenException",
    ),
    "QUOTA_EXCEEDED": (429, "Limit Exceeded", "LimitExceededException"),
    # [3P] the text clients report for a body over API Gateway's 10 MB limit.
    "REQUEST_TOO_LARGE": (
        413,
        "HTTP content length exceeded 10485760 bytes",
        "RequestTooLargeException",
    ),
    "RESOURCE_NOT_FOUND": (404, "Not Found", "NotFoundException"),
    "THROTTLED": (429, "Too Many Requests", "TooManyRequestsException"),
    "UNAUTHORIZED": (401, "Unauthorized", "UnauthorizedException"),
    "UNSUPPORTED_MEDIA_TYPE": (415, "Unsupported Media Type", "UnsupportedMediaTypeException"),
    "WAF_FILTERED": (403, "Forbidden", "WafFilteredException"),
}

# Errors raised in the integration stage print their default body with a space after the colon
# (`{"message": "Internal server error"}`), unlike those rendered from the default template
# (`{"message":"Forbidden"}`): reference §0.2.
SPACED = frozenset(
    {
        "API_CONFIGURATION_ERROR",
        "INTEGRATION_FAILURE",
        "INTEGRATION_TIMEOUT",
        "AUTHORIZER_CONFIGURATION_ERROR",
    }
)
# REQUEST_TOO_LARGE cannot be customized (reference §4.1).
NOT_CUSTOMIZABLE = frozenset({"REQUEST_TOO_LARGE"})

# HTTP APIs: fixed bodies, no customization (reference §1.10, §4.3).
HTTP_API_ERRORS: dict[str, tuple[int, str]] = {
    "MISSING_AUTHENTICATION_TOKEN": (404, "Not Found"),
    "RESOURCE_NOT_FOUND": (404, "Not Found"),
    "UNAUTHORIZED": (401, "Unauthorized"),
    "ACCESS_DENIED": (403, "Forbidden"),
    "INVALID_API_KEY": (403, "Forbidden"),
    "THROTTLED": (429, "Too Many Requests"),
    "INTEGRATION_TIMEOUT": (503, "Service Unavailable"),
    "REQUEST_TOO_LARGE": (413, "Request Entity Too Large"),
    # A first-class AWS integration's required parameter that maps to nothing (aws_subtypes.py).
    "BAD_REQUEST_PARAMETERS": (400, "Bad Request"),
}

_HEADER_SOURCE = "method.request.header."

# `$context.a.b` or `${context.a.b}` (the closing brace only when one was opened).
_CONTEXT_VAR = re.compile(
    r"\$\{(context|stageVariables)((?:\.[A-Za-z0-9_-]+)+)\}"
    r"|\$(context|stageVariables)((?:\.[A-Za-z0-9_-]+)+)"
)


class Response:
    """A response on its way to the client (a plain slotted class: one is built per request)."""

    __slots__ = ("body", "headers", "status")

    def __init__(
        self, status: int, headers: list[tuple[str, str]] | None = None, body: bytes = b""
    ) -> None:
        self.status = status
        self.headers = [] if headers is None else headers
        self.body = body

    def __repr__(self) -> str:
        return f"Response({self.status!r}, {self.headers!r}, {self.body!r})"

    def header(self, name: str) -> str | None:
        """The first value of header `name` (given in lower case), whatever its casing here."""
        return next((value for key, value in self.headers if key.lower() == name), None)


@dataclass(frozen=True)
class GatewayError(Exception):
    """An error the gateway itself answers: `response_type` names the gateway response."""

    response_type: str
    message: str | None = None  # overrides the type's default message
    validation_error: str = ""
    status: int | None = None  # the status when not customized (a Lambda proxy failure is 502)
    # Why the gateway answers so, for the server log of a 5xx (never shown to the client).
    reason: str = ""
    # Headers the answer carries besides the standard ones: an HTTP API JWT authorizer's
    # `www-authenticate` (reference §1.10).
    headers: tuple[tuple[str, str], ...] = ()
    # `x-amzn-ErrorType` when not the type's own: SigV4 refusals rendered through a gateway
    # response of another name (`IncompleteSignatureException`, security/iam_authorizer.py).
    error_type: str | None = None

    def default_message(self) -> str | None:
        return self.message if self.message is not None else RESPONSE_TYPES[self.response_type][1]


def _customization(
    custom: Mapping[str, Mapping[str, Any]], response_type: str
) -> tuple[Mapping[str, Any] | None, bool]:
    """The customized entry that applies and whether it is the type's own (not a family default)."""
    if response_type in NOT_CUSTOMIZABLE:
        return None, True
    if response_type in custom:
        return custom[response_type], True
    family = "DEFAULT_4XX" if RESPONSE_TYPES[response_type][0] < 500 else "DEFAULT_5XX"
    return custom.get(family), False


def render_rest(
    error: GatewayError,
    custom: Mapping[str, Mapping[str, Any]],
    context: Mapping[str, Any],
    request_values: Mapping[str, str],
    accept: str | None,
) -> Response:
    """A REST API gateway response: status, `x-amzn-ErrorType`, mapped headers and body."""
    status, _, error_type = RESPONSE_TYPES[error.response_type]
    status, error_type = error.status or status, error.error_type or error_type
    entry, _own = _customization(custom, error.response_type)
    headers: list[tuple[str, str]] = []
    if entry is None:
        body, content_type = default_body(error), "application/json"
    else:
        status = _custom_status(entry, status)
        values = _template_values(error, context)
        templates = entry.get("responseTemplates") or {}
        content_type, body = _custom_body(error, templates, values, accept)
        headers.extend(
            _mapped_headers(entry.get("responseParameters") or {}, request_values, values)
        )
    headers.insert(0, ("Content-Type", content_type))
    if error_type is not None:
        headers.append(("x-amzn-ErrorType", error_type))
    return Response(status, headers, body)


def unknown_stage() -> Response:
    """A stage the API does not have: 403 Forbidden before any API resolution, so no gateway
    response applies (reference §1.1 step 0, §4.3)."""
    return Response(403, [("Content-Type", "application/json")], b'{"message":"Forbidden"}')


def render_http(error: GatewayError) -> Response:
    """An HTTP API error: fixed status and `{"message":"…"}` body, capital S/E on 500."""
    status, message = HTTP_API_ERRORS.get(error.response_type, (500, "Internal Server Error"))
    body = json.dumps({"message": message}, separators=(",", ":")).encode()
    return Response(status, [("Content-Type", "application/json"), *error.headers], body)


def default_body(error: GatewayError) -> bytes:
    """The body of the default template `{"message":$context.error.messageString}` (§4.1)."""
    message = error.default_message()
    key = "Message" if error.response_type == "ACCESS_DENIED" else "message"
    separator = (",", ": ") if error.response_type in SPACED else (",", ":")
    return json.dumps({key: message}, separators=separator).encode()


def _custom_status(entry: Mapping[str, Any], status: int) -> int:
    """A type's own status code wins; a family default's status applies to the whole family;
    with neither, the type keeps its own default status."""
    raw = entry.get("statusCode")
    return int(raw) if raw is not None and str(raw).isdigit() else status


def _custom_body(
    error: GatewayError, templates: Mapping[str, str], values: Mapping[str, str], accept: str | None
) -> tuple[str, bytes]:
    """(Content-Type, body) of a customized response: its template for the client's Accept, chosen
    by the rule of every response template (`payloads.select_response_template`); without
    templates, the default body."""
    key = select_response_template(templates, accept)
    if key is None:
        return "application/json", default_body(error)
    return key, _substitute(templates[key], values).encode()


def _template_values(error: GatewayError, context: Mapping[str, Any]) -> dict[str, str]:
    message = error.default_message()
    # A `context.X` value reads as in integration mappings (`mapping_text`); absent reads empty.
    values = {f"context.{k}": mapping_text(v) or "" for k, v in _flatten(context).items()}
    values["context.error.message"] = "" if message is None else message
    values["context.error.messageString"] = json.dumps(message)
    values["context.error.responseType"] = error.response_type
    values["context.error.validationErrorString"] = error.validation_error
    for name, value in (context.get("stageVariables") or {}).items():
        values[f"stageVariables.{name}"] = str(value)
    return values


def _flatten(value: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, item in value.items():
        if isinstance(item, Mapping):
            out.update(_flatten(item, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = item
    return out


def _substitute(template: str, values: Mapping[str, str]) -> str:
    """`$context.x.y` / `${context.x}` / `$stageVariables.x`: unknown names render empty."""

    def replace(match: re.Match[str]) -> str:
        root, path = (match.group(1), match.group(2)) if match.group(1) else match.group(3, 4)
        return values.get(root + path, "")

    return _CONTEXT_VAR.sub(replace, template)


def _mapped_headers(
    parameters: Mapping[str, str], request_values: Mapping[str, str], values: Mapping[str, str]
) -> list[tuple[str, str]]:
    """`gatewayresponse.header.NAME` <- `'static'`, `method.request.*`, `stageVariables.*`, `context.*`."""
    headers: list[tuple[str, str]] = []
    for target, source in parameters.items():
        if not target.startswith("gatewayresponse.header."):
            continue
        value = _parameter_value(str(source), request_values, values)
        if value is not None:
            headers.append((target[len("gatewayresponse.header.") :], value))
    return headers


def _parameter_value(
    source: str, request_values: Mapping[str, str], values: Mapping[str, str]
) -> str | None:
    if len(source) >= 2 and source.startswith("'") and source.endswith("'"):
        return source[1:-1]
    if source.startswith(_HEADER_SOURCE):
        # Header names are case-insensitive: `method.request.header.X-Trace` maps `x-trace`.
        if source in request_values:
            return request_values[source]
        wanted = source.lower()
        return next((v for k, v in request_values.items() if k.lower() == wanted), None)
    if source.startswith("method.request."):
        return request_values.get(source)
    return values.get(source)
