"""Parameter mapping: REST `requestParameters` / `responseParameters` and HTTP API mappings.

Part of the runtime support library copied verbatim into every generated gateway (relative imports
only, standard library only). Mapping expressions are parsed once (`compile_*`, at start-up; a bad
expression raises `MappingExpressionError`) and evaluated per request against `MappingValues`.

REST (runtime reference §1.6/§1.7, spec reference §1.1.1/§1.1.3):
- `compile_rest_request(params, integration_type)` for `integration.request.{header|querystring|
  path}.NAME` ← `method.request.{path|querystring|multivaluequerystring|header|multivalueheader}.X`,
  `method.request.body[.JSONPath]`, `stageVariables.X`, `context.X`, `'literal'`; evaluates to
  `IntegrationRequestParameters`. Mapping a header API Gateway forbids fails the request:
  `evaluate` raises `IllegalHeaderMapping`, answered with 500 Internal server error.
- `compile_rest_response(params)` for `method.response.header.X` ← `integration.response.
  {header|multivalueheader}.Y`, `integration.response.body[.JSONPath]`, stage variables, context,
  literals; evaluates to the mapped headers (only mapped headers reach the client).

HTTP API (§1.10, spec §1.1.2): `compile_http_request(params)` / `compile_http_response(params)` for
`append|overwrite|remove:header.NAME`, `…:querystring.NAME`, `overwrite:path`,
`overwrite:statuscode`, with values mixing `$request.*`, `$response.*`, `$context.*`,
`$stageVariables.*` and `${…}` interpolation; `apply` returns the rewritten `HttpMessage`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Final

from . import json_input
from .jsonpath import MISSING, JsonPathError, compile_path

HTTP_API_BODY_LIMIT: Final = 100 * 1024
"""HTTP API truncates the body to 100 KB before evaluating JSONPath (§1.10)."""

# Headers whose mapping fails the request with 500 ([AWS-REC] TestApiGatewayHeaderRemapping, §1.6).
ILLEGAL_REST_HEADERS: Final = frozenset({"content-length", "transfer-encoding"})
ILLEGAL_REST_AWS_HEADERS: Final = ILLEGAL_REST_HEADERS | frozenset(
    {"authorization", "connection", "expect", "proxy-authenticate", "te"}
)

# HTTP API headers that cannot be mapped at all (§1.10).
RESERVED_HTTP_HEADERS: Final = frozenset(
    {
        "authorization",
        "connection",
        "content-encoding",
        "content-length",
        "content-location",
        "forwarded",
        "keep-alive",
        "origin",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "x-forwarded-for",
        "x-forwarded-host",
        "x-forwarded-proto",
        "via",
    }
)
RESERVED_HTTP_HEADER_PREFIXES: Final = ("access-control-", "apigw-", "x-amz-", "x-amzn-")

_NAME = r"[a-zA-Z0-9._$-]+"


class MappingExpressionError(ValueError):
    """A mapping key or value is not a valid expression (raised when compiling)."""


class IllegalHeaderMapping(RuntimeError):
    """The mapping targets a header API Gateway refuses to map: the request fails with 500."""


# ---------------------------------------------------------------------------------------------
# What expressions read
# ---------------------------------------------------------------------------------------------


def _lookup(values: Mapping[str, Sequence[str]], name: str, *, case_insensitive: bool) -> list[str]:
    if not case_insensitive:
        return list(values.get(name, ()))
    lowered = name.lower()
    return [v for key, vs in values.items() if key.lower() == lowered for v in vs]


@dataclass(frozen=True)
class MappingValues:
    """One request's values for mapping expressions; body JSON is parsed at most once.

    Header and query maps are multi-value (`name -> [values]`, in arrival order); header names
    match case-insensitively. `response_*` are the integration response's, for response mappings.
    """

    path_parameters: Mapping[str, str] = field(default_factory=dict)
    request_path: str = "/"
    querystring: Mapping[str, Sequence[str]] = field(default_factory=dict)
    headers: Mapping[str, Sequence[str]] = field(default_factory=dict)
    body: bytes = b""
    response_headers: Mapping[str, Sequence[str]] = field(default_factory=dict)
    response_body: bytes = b""
    context: Mapping[str, Any] = field(default_factory=dict)
    stage_variables: Mapping[str, str] = field(default_factory=dict)

    @cached_property
    def body_json(self) -> Any:
        return _parse_json(self.body)

    @cached_property
    def response_body_json(self) -> Any:
        return _lambda_error_document(_parse_json(self.response_body))

    @cached_property
    def http_body_json(self) -> Any:
        return _parse_json(self.body[:HTTP_API_BODY_LIMIT])

    @cached_property
    def http_response_body_json(self) -> Any:
        return _parse_json(self.response_body[:HTTP_API_BODY_LIMIT])


def _parse_json(body: bytes) -> Any:
    try:
        return json_input.loads(body) if body.strip() else MISSING
    except ValueError:  # not JSON, or nested too deep: the expression selects nothing
        return MISSING


def _lambda_error_document(document: Any) -> Any:
    # For Lambda custom errors API Gateway deserialises the JSON string inside `errorMessage` so
    # `integration.response.body.errorMessage.trace.function` works (§1.7).
    if isinstance(document, dict) and isinstance(document.get("errorMessage"), str):
        inner = _parse_json(document["errorMessage"].encode())
        if isinstance(inner, dict | list):
            return {**document, "errorMessage": inner}
    return document


def mapping_text(value: Any) -> str | None:
    """A selected value as a header/query string: JSON for objects and arrays, None if absent."""
    if value is None or value is MISSING:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def _context_value(context: Mapping[str, Any], dotted: str) -> str | None:
    value: Any = context
    for part in dotted.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return mapping_text(value)


# A compiled expression: values → text, or None when it resolves to nothing (then not sent).
Expression = Callable[[MappingValues], str | None]


# ---------------------------------------------------------------------------------------------
# REST expressions
# ---------------------------------------------------------------------------------------------


def compile_rest_expression(text: str, *, response: bool = False) -> Expression:
    """Parse one REST mapping value (`method.request.header.X`, `'literal'`, ...)."""
    if len(text) >= 2 and text.startswith("'") and text.endswith("'"):
        literal = text[1:-1]
        return lambda values: literal
    prefix = "integration.response." if response else "method.request."
    if text.startswith(prefix):
        return _rest_message_expression(text, text[len(prefix) :], response)
    if match := re.fullmatch(rf"stageVariables\.({_NAME})", text):
        name = match.group(1)
        return lambda values: values.stage_variables.get(name)
    if match := re.fullmatch(r"context\.([A-Za-z0-9_.-]+)", text):
        dotted = match.group(1)
        return lambda values: _context_value(values.context, dotted)
    raise MappingExpressionError(f"Invalid mapping expression specified: {text}")


def _rest_message_expression(text: str, rest: str, response: bool) -> Expression:
    if rest == "body" or rest.startswith("body."):
        return _body_expression(rest[len("body.") :] if rest != "body" else "", response, text)
    location, _, name = rest.partition(".")
    if not re.fullmatch(_NAME, name):
        raise MappingExpressionError(f"Invalid mapping expression specified: {text}")
    readers = _RESPONSE_READERS if response else _REQUEST_READERS
    if location not in readers:
        raise MappingExpressionError(f"Invalid mapping expression specified: {text}")
    reader = readers[location]
    return lambda values: reader(values, name)


def _last(found: list[str]) -> str | None:
    # A single-value source takes the last value; a multi-value one joins with "," ([LS] §1.6).
    return found[-1] if found else None


def _joined(found: list[str]) -> str | None:
    return ",".join(found) if found else None


_REQUEST_READERS: Final[dict[str, Callable[[MappingValues, str], str | None]]] = {
    "path": lambda v, n: v.path_parameters.get(n),
    "querystring": lambda v, n: _last(_lookup(v.querystring, n, case_insensitive=False)),
    "multivaluequerystring": lambda v, n: _joined(
        _lookup(v.querystring, n, case_insensitive=False)
    ),
    "header": lambda v, n: _last(_lookup(v.headers, n, case_insensitive=True)),
    "multivalueheader": lambda v, n: _joined(_lookup(v.headers, n, case_insensitive=True)),
}

_RESPONSE_READERS: Final[dict[str, Callable[[MappingValues, str], str | None]]] = {
    "header": lambda v, n: _last(_lookup(v.response_headers, n, case_insensitive=True)),
    "multivalueheader": lambda v, n: _joined(_lookup(v.response_headers, n, case_insensitive=True)),
}


def _body_expression(path: str, response: bool, text: str) -> Expression:
    if not path:
        if response:
            return lambda values: values.response_body.decode("utf-8", errors="replace")
        return lambda values: values.body.decode("utf-8", errors="replace")
    try:
        compiled = compile_path("$." + path if not path.startswith("[") else "$" + path)
    except JsonPathError as error:
        raise MappingExpressionError(f"Invalid mapping expression specified: {text}") from error
    if response:
        return lambda values: mapping_text(compiled.find(values.response_body_json))
    return lambda values: mapping_text(compiled.find(values.body_json))


# ---------------------------------------------------------------------------------------------
# REST request and response mappings
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IntegrationRequestParameters:
    """`integration.request.*` values to send; sources that resolved to nothing are left out."""

    header: Mapping[str, str] = field(default_factory=dict)
    querystring: Mapping[str, str] = field(default_factory=dict)
    path: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RestRequestMapping:
    entries: tuple[tuple[str, str, Expression], ...]
    illegal_header: str | None = None

    def evaluate(self, values: MappingValues) -> IntegrationRequestParameters:
        if self.illegal_header is not None:
            raise IllegalHeaderMapping(f"mapping to header {self.illegal_header} is not allowed")
        out: dict[str, dict[str, str]] = {"header": {}, "querystring": {}, "path": {}}
        for location, name, expression in self.entries:
            value = expression(values)
            if value is not None:
                out[location][name] = value
        return IntegrationRequestParameters(**out)


def compile_rest_request(
    parameters: Mapping[str, str], integration_type: str = "HTTP"
) -> RestRequestMapping:
    """`integration.request.{header|querystring|path}.NAME: expression` (spec §1.1.1)."""
    illegal = (
        ILLEGAL_REST_AWS_HEADERS
        if integration_type.upper() in {"AWS", "AWS_PROXY"}
        else ILLEGAL_REST_HEADERS
    )
    entries: list[tuple[str, str, Expression]] = []
    illegal_header: str | None = None
    for key, text in parameters.items():
        match = re.fullmatch(rf"integration\.request\.(header|querystring|path)\.({_NAME})", key)
        if match is None:
            raise MappingExpressionError(f"Invalid mapping expression parameter specified: {key}")
        location, name = match.groups()
        if location == "header" and name.lower() in illegal and illegal_header is None:
            illegal_header = name
        entries.append((location, name, compile_rest_expression(text)))
    return RestRequestMapping(entries=tuple(entries), illegal_header=illegal_header)


@dataclass(frozen=True)
class RestResponseMapping:
    entries: tuple[tuple[str, Expression], ...]

    def evaluate(self, values: MappingValues) -> dict[str, str]:
        """The `method.response.header.*` values; only these headers reach the client (§1.7)."""
        headers: dict[str, str] = {}
        for name, expression in self.entries:
            value = expression(values)
            if value is not None:
                headers[name] = value
        return headers


def compile_rest_response(parameters: Mapping[str, str]) -> RestResponseMapping:
    """`method.response.header.NAME: expression` (spec §1.1.3)."""
    entries: list[tuple[str, Expression]] = []
    for key, text in parameters.items():
        match = re.fullmatch(rf"method\.response\.header\.({_NAME})", key)
        if match is None:
            raise MappingExpressionError(f"Invalid mapping expression parameter specified: {key}")
        entries.append((match.group(1), compile_rest_expression(text, response=True)))
    return RestResponseMapping(entries=tuple(entries))


# ---------------------------------------------------------------------------------------------
# HTTP API mappings
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HttpMessage:
    """The parts an HTTP API mapping rewrites; header/query maps are multi-value."""

    path: str = "/"
    headers: Mapping[str, Sequence[str]] = field(default_factory=dict)
    querystring: Mapping[str, Sequence[str]] = field(default_factory=dict)
    status: int = 200


_BRACED = re.compile(r"\$\{([^}]*)\}")
_UNBRACED = re.compile(r"\$((?:request|response|context|stageVariables)\.[^\s$]+|request\.path)")


def compile_http_value(text: str, *, response: bool = False) -> Expression:
    """`$request.header.x`, `${request.querystring.q}-suffix`, `static`, ... (spec §1.1.2)."""
    pieces: list[str | Expression] = []
    position = 0
    for match in re.finditer(rf"{_BRACED.pattern}|{_UNBRACED.pattern}", text):
        if match.start() > position:
            pieces.append(text[position : match.start()])
        pieces.append(_http_variable(match.group(1) or match.group(2), response, text))
        position = match.end()
    if position < len(text):
        pieces.append(text[position:])
    return _concatenation(pieces)


def _concatenation(pieces: list[str | Expression]) -> Expression:
    if len(pieces) == 1 and not isinstance(pieces[0], str):
        return pieces[0]  # a lone variable that resolves to nothing maps nothing

    def evaluate(values: MappingValues) -> str | None:
        return "".join(p if isinstance(p, str) else (p(values) or "") for p in pieces)

    return evaluate


def _http_variable(variable: str, response: bool, text: str) -> Expression:
    root, _, rest = variable.partition(".")
    if root == "stageVariables" and rest:
        return lambda values: values.stage_variables.get(rest)
    if root == "context" and rest:
        return lambda values: _context_value(values.context, rest)
    if root == "request":
        return _http_request_variable(rest, text)
    if root == "response" and response:
        return _http_message_variable(rest, text, response=True)
    raise MappingExpressionError(f"Invalid mapping expression: {text}")


def _http_request_variable(rest: str, text: str) -> Expression:
    if rest == "path":
        return lambda values: values.request_path
    if rest.startswith("path."):
        name = rest[len("path.") :]
        return lambda values: values.path_parameters.get(name)
    return _http_message_variable(rest, text, response=False)


def _http_message_variable(rest: str, text: str, *, response: bool) -> Expression:
    location, _, name = rest.partition(".")
    if location == "body" and name:
        try:
            compiled = compile_path("$." + name, http_api=True)
        except JsonPathError as error:
            raise MappingExpressionError(f"Invalid mapping expression: {text}") from error
        if response:
            return lambda values: mapping_text(compiled.find(values.http_response_body_json))
        return lambda values: mapping_text(compiled.find(values.http_body_json))
    if location == "header" and name:
        if response:
            return lambda values: _joined(
                _lookup(values.response_headers, name, case_insensitive=True)
            )
        return lambda values: _joined(_lookup(values.headers, name, case_insensitive=True))
    if location == "querystring" and name and not response:
        return lambda values: _joined(_lookup(values.querystring, name, case_insensitive=False))
    raise MappingExpressionError(f"Invalid mapping expression: {text}")


def is_reserved_http_header(name: str) -> bool:
    lowered = name.lower()
    return lowered in RESERVED_HTTP_HEADERS or lowered.startswith(RESERVED_HTTP_HEADER_PREFIXES)


@dataclass(frozen=True)
class _HttpOperation:
    action: str  # append | overwrite | remove
    target: str  # header | querystring | path | statuscode
    name: str
    value: Expression | None


@dataclass(frozen=True)
class HttpMapping:
    operations: tuple[_HttpOperation, ...]

    def apply(self, message: HttpMessage, values: MappingValues) -> HttpMessage:
        """Apply the operations in the order the spec lists them."""
        for operation in self.operations:
            message = _apply(operation, message, values)
        return message


def compile_http_request(parameters: Mapping[str, str]) -> HttpMapping:
    return _compile_http(parameters, response=False)


def compile_http_response(parameters: Mapping[str, str]) -> HttpMapping:
    """One status code's `responseParameters` entry."""
    return _compile_http(parameters, response=True)


_HTTP_KEY = re.compile(
    r"(append|overwrite|remove):(header|querystring)\.(.+)|overwrite:(path|statuscode)"
)


def _compile_http(parameters: Mapping[str, str], *, response: bool) -> HttpMapping:
    operations: list[_HttpOperation] = []
    for key, text in parameters.items():
        match = _HTTP_KEY.fullmatch(key)
        target = (match.group(2) or match.group(4)) if match else None
        allowed = {"header", "statuscode"} if response else {"header", "querystring", "path"}
        if match is None or target not in allowed:
            raise MappingExpressionError(f"Invalid mapping key: {key}")
        action, name = match.group(1) or "overwrite", match.group(3) or ""
        if target == "header" and is_reserved_http_header(name):
            raise MappingExpressionError(f"Header {name} is reserved and cannot be mapped")
        value = None if action == "remove" else compile_http_value(str(text), response=response)
        operations.append(_HttpOperation(action, str(target), name, value))
    return HttpMapping(tuple(operations))


def _apply(operation: _HttpOperation, message: HttpMessage, values: MappingValues) -> HttpMessage:
    value = operation.value(values) if operation.value is not None else None
    if operation.action != "remove" and value is None:
        return message
    if operation.target == "path":
        return replace(message, path=str(value))
    if operation.target == "statuscode":
        status = int(value) if value is not None and value.strip().isdigit() else None
        return replace(message, status=status) if status and 100 <= status <= 599 else message
    case_insensitive = operation.target == "header"
    current = message.headers if case_insensitive else message.querystring
    updated = _update_multimap(current, operation, value, case_insensitive)
    if case_insensitive:
        return replace(message, headers=updated)
    return replace(message, querystring=updated)


def _update_multimap(
    current: Mapping[str, Sequence[str]],
    operation: _HttpOperation,
    value: str | None,
    case_insensitive: bool,
) -> dict[str, list[str]]:
    def same(key: str) -> bool:
        return key.lower() == operation.name.lower() if case_insensitive else key == operation.name

    kept = {key: list(vs) for key, vs in current.items() if not same(key)}
    existing = [v for key, vs in current.items() if same(key) for v in vs]
    if operation.action == "remove" or value is None:
        return kept
    if operation.action == "append":
        return {**kept, operation.name: [*existing, value]}
    return {**kept, operation.name: [value]}
