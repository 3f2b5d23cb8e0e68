"""Velocity (VTL) mapping templates, as API Gateway renders them (runtime reference §3).

Part of the runtime support library copied verbatim into every generated gateway: relative imports
only. Needs the PyPI package `airspeed-ext` (LocalStack's maintained fork of airspeed, import name
`airspeed`), pinned `airspeed-ext==0.6.9`.

Flow: template text → `Template.compile(text)` once at start-up (syntax errors raise
`VtlTemplateError` there; a fast-path template is parsed by the engine only if a request needs it) → `template.render(request, context, stage_variables)` per request →
`RenderResult(body, request_override, response_override)`; a response template is rendered with
`carried=` the request template's `response_override.carried`, so it reads the overrides that
template set. Any failure while rendering (a budget of `render_budget` exceeded included) raises
`VtlRenderError`, which the pipeline answers with `500 {"message": "Internal server error"}`.
Templates that are plain text plus simple references (`$input.params('x')`, `$input.body`,
`$input.json('$.a')`, `$context.a.b`, `$stageVariables.x`) render without the engine, to the same
bytes (the fast path below; tests/test_runtime_vtl_fast.py compares the two).

What the template sees:
- `$input`: `body`, `json(path)`, `path(path)`, `params()`, `params(name)` over `VtlRequest` (§3.2);
  in a response template the pipeline passes the integration response body as `VtlRequest.body`
  while `params` stay the method request's.
- `$util`: `escapeJavaScript`, `parseJson`, `urlEncode`, `urlDecode`, `base64Encode`,
  `base64Decode` (§3.3).
- `$context`: the dict the pipeline passes (§3.4) without its `stageVariables`, iterating in the
  recorded Java HashMap order, plus `requestOverride.{path,header,querystring}`
  and `responseOverride.{header,status}` that `#set` may assign once each (§3.6);
  `identity` and the override maps print as nothing, as AWS's do.
- request data is parsed by `json_input.loads` (nesting bounded).
- `$stageVariables` (§3.5).

Java/Velocity semantics come from `velocity.py` (printing, members) and `velocity_engine.py`
(`#foreach` cap, conditions, operators, whitespace), which adapts the engine at compile time.
"""

from __future__ import annotations

import base64
import functools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import airspeed  # type: ignore[import-untyped]

from . import json_input
from .jsonpath import MISSING, JsonPathError, compile_path
from .render_budget import bounded_text
from .velocity import (
    FOREACH_LIMIT,
    NULL,
    SilentMap,
    VtlObject,
    VtlRenderError,
    hash_map_order,
    is_null,
    java_string,
    to_vtl,
)
from .velocity_engine import adopt_java_semantics, merge

__all__ = [
    "FOREACH_LIMIT",
    "RenderResult",
    "RequestOverride",
    "ResponseOverride",
    "Template",
    "VtlRenderError",
    "VtlRequest",
    "VtlTemplateError",
    "escape_javascript",
    "url_decode",
    "url_encode",
]

OVERRIDE_STATUS_RANGE: Final = range(100, 600)


class VtlTemplateError(ValueError):
    """The template text does not parse (raised by `Template.compile`)."""


class VtlRequest:
    """The method request as `$input` sees it: body text and single-value parameter maps.

    Read-only by convention (`with_body` makes a changed copy); a slotted class rather than a
    frozen dataclass, whose constructor costs a `object.__setattr__` per field, since a MOCK
    route builds two per request."""

    __slots__ = ("body", "header", "path", "querystring")

    def __init__(
        self,
        body: str = "",
        path: Mapping[str, str] | None = None,
        querystring: Mapping[str, str] | None = None,
        header: Mapping[str, str] | None = None,
    ) -> None:
        self.body = body
        self.path: Mapping[str, str] = {} if path is None else path
        self.querystring: Mapping[str, str] = {} if querystring is None else querystring
        self.header: Mapping[str, str] = {} if header is None else header

    def with_body(self, body: str) -> VtlRequest:
        return VtlRequest(body, self.path, self.querystring, self.header)


@dataclass(frozen=True)
class RequestOverride:
    """`$context.requestOverride.*` values a request template set (§3.6)."""

    header: Mapping[str, str] = field(default_factory=dict)
    path: Mapping[str, str] = field(default_factory=dict)
    querystring: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ResponseOverride:
    """`$context.responseOverride.*` values; `status` is None unless validly set (§3.6).

    `carried` holds the request template's `$context.requestOverride` / `responseOverride` maps
    as it left them, for the response template to read back: AWS's response template sees the
    path override, the status, the headers and any other key the request template set
    ([AWS-REC] test_integration_mock_with_request_overrides_in_response_template,
    test_integration_mock_with_response_override_in_request_template,
    test_integration_mock_with_vtl_map_assignation)."""

    status: int | None = None
    header: Mapping[str, str] = field(default_factory=dict)
    carried: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def then(self, later: ResponseOverride) -> ResponseOverride:
        """Combine a request template's override (self) with the response template's (later).

        API Gateway honours a response override set in a request template (MOCK returned 444,
        [AWS-REC] §1.6); a value set again by the response template wins.
        """
        if later.status is None and not later.header:
            return self  # the response template set nothing (the usual case): no new object
        status = later.status if later.status is not None else self.status
        return ResponseOverride(status, {**self.header, **later.header}, self.carried)


@dataclass(frozen=True)
class RenderResult:
    body: str
    request_override: RequestOverride
    response_override: ResponseOverride


class Template:
    """A mapping template parsed once; `render` is safe to call concurrently."""

    def __init__(self, text: str, engine_template: Any, parts: tuple[_Part, ...] | None) -> None:
        self.text = text
        self._engine_template = engine_template
        self._parts = parts

    @classmethod
    def compile(cls, text: str) -> Template:
        parts = _plain_parts(text)
        # A fast-path template parses by construction; its engine form is needed only when a
        # value defers to the engine, so it is parsed then (start-up of a 1,000-route gateway
        # spent most of its time parsing templates the fast path renders).
        return cls(text, None if parts is not None else _engine_template(text), parts)

    def _engine(self) -> Any:
        if self._engine_template is None:
            self._engine_template = _engine_template(self.text)
        return self._engine_template

    def render(
        self,
        request: VtlRequest,
        context: Mapping[str, Any],
        stage_variables: Mapping[str, str],
        carried: Mapping[str, Any] | None = None,
    ) -> RenderResult:
        """`carried`: a response template's view of the overrides its request template set
        (`ResponseOverride.carried`); the fast path never reads the override maps."""
        if self._parts is not None:
            body = _format(self._parts, request, context, stage_variables)
            if body is not None:
                return RenderResult(body, _NO_REQUEST_OVERRIDE, _NO_RESPONSE_OVERRIDE)
        return self._merge(request, context, stage_variables, carried)

    def _merge(
        self,
        request: VtlRequest,
        context: Mapping[str, Any],
        stage_variables: Mapping[str, str],
        carried: Mapping[str, Any] | None = None,
    ) -> RenderResult:
        """Render with the Velocity engine (every template the fast path does not cover)."""
        vtl_context = _LazyContext(context, carried)
        namespace = {
            "input": Input(request),
            "util": _UTIL,
            "context": vtl_context,
            "stageVariables": dict(stage_variables),
        }
        body = merge(self._engine(), namespace)
        # An override map the template never read is still pending: nothing was set.
        request_values = vtl_context.converted("requestOverride")
        response_values = vtl_context.converted("responseOverride")
        if _untouched(request_values) and _untouched(response_values):
            return RenderResult(body, _NO_REQUEST_OVERRIDE, _NO_RESPONSE_OVERRIDE)
        carry = {"requestOverride": request_values, "responseOverride": response_values}
        return RenderResult(
            body=body,
            request_override=(
                _NO_REQUEST_OVERRIDE
                if _untouched(request_values)
                else _request_override(request_values)
            ),
            response_override=_response_override(response_values, carry),
        )


def _engine_template(text: str) -> Any:
    """The template parsed by the engine, with Java semantics adopted."""
    engine_template = airspeed.Template(text)
    try:
        engine_template.ensure_compiled()
    except airspeed.TemplateError as error:
        raise VtlTemplateError(str(error)) from error
    adopt_java_semantics(engine_template.root_element)
    return engine_template


# ---------------------------------------------------------------------------------------------
# Fast path: plain text plus simple references
# ---------------------------------------------------------------------------------------------

# Most templates in real APIs are JSON text with a few references. Those render without the
# engine: at compile time the text is split into literals and references, and per request each
# reference is read the way the engine reads it. Anything else (directives, `$!`, `${}`, escapes,
# method calls on a value, overrides) goes through the engine. A context or stage variable
# that is missing or not a string also defers to the engine, which owns how Velocity prints
# those (a missing reference prints as its own text, a number the Java way).
_IDENTIFIER: Final = r"[A-Za-z_][A-Za-z0-9_]*"
_REFERENCE: Final = re.compile(
    r"\$(?:"
    r"input\.params\((?P<quote>['\"])(?P<param>[A-Za-z0-9_]+)(?P=quote)\)"
    rf"|input\.json\('(?P<json>\$(?:\.{_IDENTIFIER})*)'\)"
    r"|input\.(?P<body>body)"
    rf"|context(?P<context>(?:\.{_IDENTIFIER})+)"
    rf"|stageVariables\.(?P<stage>{_IDENTIFIER})"
    r")"
)
# After a reference, these would continue it (a member, an index, a call, a longer name).
_CONTINUES: Final = re.compile(r"[A-Za-z0-9_\-.\[(]")
_OVERRIDES: Final = frozenset({"requestOverride", "responseOverride"})
# `$context` names the fast path leaves to the engine: the override maps, and the stage
# variables the pipeline keeps beside `$context` but a template sees only as `$stageVariables`.
_ENGINE_CONTEXT: Final = _OVERRIDES | {"stageVariables"}
# A part is literal text, or (kind, argument) with kind one of the reference kinds above.
_Part = str | tuple[str, Any]


def _plain_parts(text: str) -> tuple[_Part, ...] | None:
    """The template as literals and references, or None when it needs the engine."""
    parts: list[_Part] = []
    position = 0
    while position < len(text):
        special = _next_special(text, position)
        if special > position:
            parts.append(text[position:special])
        if special == len(text):
            break
        if text[special] != "$":  # `#` directives and comments, `\` escapes
            return None
        found = _REFERENCE.match(text, special)
        if found is None or _CONTINUES.match(text, found.end()):
            return None
        part = _reference_part(found)
        if part is None:
            return None
        parts.append(part)
        position = found.end()
    return tuple(parts)


def _next_special(text: str, start: int) -> int:
    indexes = [index for index in (text.find(c, start) for c in "$#\\") if index >= 0]
    return min(indexes, default=len(text))


def _reference_part(found: re.Match[str]) -> _Part | None:
    if found.group("param") is not None:
        return ("params", found.group("param"))
    if found.group("json") is not None:
        return ("json", found.group("json"))
    if found.group("body") is not None:
        return ("body", None)
    if found.group("context") is not None:
        names = tuple(found.group("context")[1:].split("."))
        return None if names[0] in _ENGINE_CONTEXT else ("context", names)
    return ("stage", found.group("stage"))


def _format(
    parts: tuple[_Part, ...],
    request: VtlRequest,
    context: Mapping[str, Any],
    stage_variables: Mapping[str, str],
) -> str | None:
    """The rendered text, or None when a value needs the engine's printing."""
    out: list[str] = []
    source: Input | None = None
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        kind, argument = part
        if kind == "context":
            value: Any = _context_value(context, argument)
        elif kind == "stage":
            value = stage_variables.get(argument)
        else:
            source = source or Input(request)
            if kind == "params":
                value = source.params(argument)
            elif kind == "json":
                value = source.json(argument)
            else:
                value = source.body
        if type(value) is not str:
            return None
        out.append(value)
    return "".join(out)


def _context_value(context: Mapping[str, Any], names: tuple[str, ...]) -> Any:
    value: Any = context
    for name in names:
        if not isinstance(value, Mapping):
            return None
        value = value.get(name)
    return value


# ---------------------------------------------------------------------------------------------
# $input and $util
# ---------------------------------------------------------------------------------------------


class Input(VtlObject):
    """`$input` (§3.2)."""

    members = frozenset({"body", "json", "path", "params"})

    def __init__(self, request: VtlRequest) -> None:
        self._request = request
        self._document: Any = MISSING
        # An empty payload renders as `{}` and is the empty JSON object to JSONPath ([AWS-REC]).
        self.body = request.body if request.body else "{}"

    def _parsed(self) -> Any:
        if self._document is MISSING:
            try:
                self._document = json_input.loads(self.body)
            except json_input.JsonTooDeep as error:
                # Too deep to walk safely: the template fails (500) rather than guess (inferred).
                raise VtlRenderError(f"$input: {error}") from error
            except ValueError:
                # Not JSON: `$` is the text itself and deeper paths select nothing (inferred).
                self._document = self.body
        return self._document

    def _select(self, path: Any) -> Any:
        try:
            return compile_path(str(path)).find(self._parsed())
        except JsonPathError as error:
            raise VtlRenderError(str(error)) from error

    def json(self, path: Any) -> str:
        value = self._select(path)
        if value is MISSING:
            # Jayway answers null for a missing leaf; LocalStack (AWS-validated) prints `null`.
            return "null"
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)

    def path(self, path: Any) -> Any:
        # A missing path and a JSON null alike give AWS's null object: it prints as nothing and
        # equals both `$null` and `""`, also once `#set` into a variable ([AWS-REC]
        # test_input_path_template_formatting, `empty-body` and `nested-null-list`).
        value = self._select(path)
        return NULL if value is MISSING or value is None else to_vtl(value)

    def params(self, name: Any = None) -> Any:
        request = self._request
        if name is None:
            return {
                "path": dict(request.path),
                "querystring": dict(request.querystring),
                "header": dict(request.header),
            }
        key = str(name)
        # Search order path → querystring → header; missing ⇒ "" (§3.2).
        for source in (request.path, request.querystring):
            if key in source:
                return source[key]
        lowered = key.lower()
        for header, value in request.header.items():
            if header.lower() == lowered:
                return value
        return ""


class Util(VtlObject):
    """`$util` (§3.3)."""

    members = frozenset(
        {"escapeJavaScript", "parseJson", "urlEncode", "urlDecode", "base64Encode", "base64Decode"}
    )

    # Results that grow their argument are bounded like every text a render builds.
    def escapeJavaScript(self, value: Any) -> str:
        return bounded_text(escape_javascript(_required_text(value, "escapeJavaScript")))

    def parseJson(self, value: Any) -> Any:
        try:
            return to_vtl(json_input.loads(_required_text(value, "parseJson")))
        except ValueError as error:
            raise VtlRenderError(f"$util.parseJson: {error}") from error

    def urlEncode(self, value: Any) -> str:
        # Null encodes to nothing: `$util.urlEncode($input.body.testAccess)` renders empty
        # ([AWS-REC] test_input_body_formatting, `response-url-encode`).
        if is_null(value):
            return ""
        return bounded_text(url_encode(_required_text(value, "urlEncode")))

    def urlDecode(self, value: Any) -> str:
        return url_decode(_required_text(value, "urlDecode"))

    def base64Encode(self, value: Any) -> str:
        raw = _required_text(value, "base64Encode").encode()
        return bounded_text(base64.b64encode(raw).decode("ascii"))

    def base64Decode(self, value: Any) -> str:
        try:
            raw = base64.b64decode(_required_text(value, "base64Decode"), validate=False)
        except ValueError as error:
            raise VtlRenderError(f"$util.base64Decode: {error}") from error
        return raw.decode("utf-8", errors="replace")


_UTIL: Final = Util()  # stateless: one instance serves every render


def _required_text(value: Any, function: str) -> str:
    # commons-lang / java.net throw on a null argument; the template fails with 500.
    if is_null(value):
        raise VtlRenderError(f"$util.{function} called with null")
    return value if isinstance(value, str) else java_string(value)


_JS_ESCAPES: Final = {
    "\b": "\\b",
    "\n": "\\n",
    "\t": "\\t",
    "\f": "\\f",
    "\r": "\\r",
    "'": "\\'",
    '"': '\\"',
    "\\": "\\\\",
    "/": "\\/",
}


def escape_javascript(text: str) -> str:
    """Apache Commons Lang 2 `StringEscapeUtils.escapeJavaScript`, unit by UTF-16 unit (§3.3)."""
    out: list[str] = []
    for char in text:
        code = ord(char)
        if char in _JS_ESCAPES:
            out.append(_JS_ESCAPES[char])
        elif code > 0xFFFF:
            high, low = divmod(code - 0x10000, 0x400)
            out.append(f"\\u{0xD800 + high:04X}\\u{0xDC00 + low:04X}")
        elif code < 0x20 or code > 0x7F:
            out.append(f"\\u{code:04X}")
        else:
            out.append(char)
    return "".join(out)


_URL_SAFE: Final = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-*_")


def url_encode(text: str) -> str:
    """Java `URLEncoder.encode(s, "UTF-8")`: space → `+`, `.-*_` kept, rest `%XX` (§3.3)."""
    out: list[str] = []
    for byte in text.encode("utf-8", errors="surrogatepass"):
        if byte in _URL_SAFE:
            out.append(chr(byte))
        elif byte == 0x20:
            out.append("+")
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def url_decode(text: str) -> str:
    """Java `URLDecoder.decode(s, "UTF-8")`: `+` → space, `%XX` → byte."""
    data = bytearray()
    index = 0
    while index < len(text):
        char = text[index]
        if char == "%" and re.fullmatch(r"[0-9A-Fa-f]{2}", text[index + 1 : index + 3]):
            data.append(int(text[index + 1 : index + 3], 16))
            index += 3
            continue
        if char == "%":
            raise VtlRenderError(f"$util.urlDecode: illegal escape at {index}")
        data.extend(b" " if char == "+" else char.encode("utf-8"))
        index += 1
    return data.decode("utf-8", errors="replace")


# ---------------------------------------------------------------------------------------------
# $context and overrides
# ---------------------------------------------------------------------------------------------


class _OverrideMap(SilentMap):
    """An override map: each name may be assigned once; twice ⇒ 5XX (§3.6). A value carried
    from the request template (`ResponseOverride.carried`) may be assigned again by the
    response template, whose value then wins (`ResponseOverride.then`)."""

    __slots__ = ("_carried",)

    def __init__(self, carried: Any = None) -> None:
        super().__init__()
        self._carried: frozenset[str] = frozenset()
        if isinstance(carried, Mapping):
            for key, value in carried.items():
                copied = _OverrideMap(value) if isinstance(value, _OverrideMap) else value
                dict.__setitem__(self, key, copied)
            self._carried = frozenset(carried)

    def __setitem__(self, key: str, value: Any) -> None:
        if key in self and key not in self._carried:
            raise VtlRenderError(f"override {key!r} set twice")
        self._carried -= {key}
        super().__setitem__(key, value)


class _LazyContext(dict[str, Any]):
    """`$context` for one render, converted lazily: a pipeline value is copied (`_plain`) and
    converted (`to_vtl`) when the template first reads it, and the override maps are created
    when first read, so a template that reads two variables does not pay for the whole tree on
    every request.

    It is a real dict (member access, `#set`, `#foreach` and Java printing treat it as a map);
    reads of one key go through `__missing__`/`get`/`in`, and every operation over the whole map
    first converts what is left, in the order AWS's HashMap iterates (`_context_order`), so a
    template sees the same map as an eager copy would.
    """

    __slots__ = ("_carried", "_order", "_pending")

    def __init__(self, source: Mapping[str, Any], carried: Mapping[str, Any] | None = None) -> None:
        super().__init__()
        pending = dict(source)
        # Not a `$context` variable ([AWS-REC] keySet, §3.4): templates use `$stageVariables`.
        pending.pop("stageVariables", None)
        # The override maps replace any pipeline value of the same name, in its place.
        pending["requestOverride"] = _NEW_REQUEST_OVERRIDE
        pending["responseOverride"] = _NEW_RESPONSE_OVERRIDE
        self._carried: Mapping[str, Any] = carried or {}
        self._pending: dict[str, Any] = pending
        self._order: tuple[str, ...] = tuple(pending)

    def converted(self, key: str) -> Any:
        """The value of `key` if the template read or set it, else None (nothing converted)."""
        return dict.get(self, key)

    def __missing__(self, key: str) -> Any:
        if key not in self._pending:
            raise KeyError(key)
        value = _converted(key, self._pending.pop(key), self._carried)
        dict.__setitem__(self, key, value)
        return value

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key) or key in self._pending

    def __setitem__(self, key: str, value: Any) -> None:
        self._pending.pop(key, None)
        dict.__setitem__(self, key, value)

    def __delitem__(self, key: str) -> None:
        if self._pending.pop(key, _ABSENT) is _ABSENT or dict.__contains__(self, key):
            dict.__delitem__(self, key)

    def pop(self, key: str, *default: Any) -> Any:
        if key in self._pending:
            self[key]  # converts the pending value before it is handed out
        return dict.pop(self, key, *default)

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key in self:
            return self[key]
        dict.__setitem__(self, key, default)
        return default

    def _convert_all(self) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        converted = dict(dict.items(self))
        dict.clear(self)
        for key in _context_order(self._order):
            if key in pending:
                dict.__setitem__(self, key, _converted(key, pending[key], self._carried))
            elif key in converted:
                dict.__setitem__(self, key, converted.pop(key))
        for key, value in converted.items():  # keys the template added, in its order
            dict.__setitem__(self, key, value)

    def keys(self) -> Any:
        self._convert_all()
        return dict.keys(self)

    def values(self) -> Any:
        self._convert_all()
        return dict.values(self)

    def items(self) -> Any:
        self._convert_all()
        return dict.items(self)

    def __iter__(self) -> Iterator[str]:
        self._convert_all()
        return dict.__iter__(self)

    def __len__(self) -> int:
        return dict.__len__(self) + len(self._pending)

    def __eq__(self, other: object) -> bool:
        self._convert_all()
        return dict.__eq__(self, other)

    __hash__ = None

    def __repr__(self) -> str:
        self._convert_all()
        return dict.__repr__(self)

    def copy(self) -> dict[str, Any]:
        self._convert_all()
        return dict(dict.items(self))

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._convert_all()
        dict.update(self, *args, **kwargs)

    def popitem(self) -> tuple[str, Any]:
        self._convert_all()
        return dict.popitem(self)

    def clear(self) -> None:
        self._pending = {}
        dict.clear(self)


_ABSENT: Final = object()
_NEW_REQUEST_OVERRIDE: Final = object()
_NEW_RESPONSE_OVERRIDE: Final = object()


# The order AWS put the keys of `$context` and `$context.identity` in: the recorded keySet()
# orders ([AWS-REC] test_apigateway_sqs.snapshot.json#test_sqs_amz_json_protocol, §3.4). As
# HashMaps they iterate in bucket order (`hash_map_order`), and keys sharing a bucket in this
# order; a key not recorded (`authorizer`, `isCanaryRequest`) is put after them.
_CONTEXT_PUT_ORDER: Final = (
    "resourceId", "resourcePath", "httpMethod", "extendedRequestId", "requestTime", "path",
    "accountId", "protocol", "requestOverride", "stage", "domainPrefix", "requestTimeEpoch",
    "requestId", "identity", "domainName", "deploymentId", "responseOverride", "apiId",
)  # fmt: skip
_IDENTITY_PUT_ORDER: Final = (
    "cognitoIdentityPoolId", "accountId", "cognitoIdentityId", "caller", "sourceIp",
    "principalOrgId", "accessKey", "cognitoAuthenticationType", "cognitoAuthenticationProvider",
    "userArn", "userAgent", "user",
)  # fmt: skip


@functools.lru_cache(maxsize=64)
def _java_map_order(keys: tuple[str, ...], put_order: tuple[str, ...]) -> tuple[str, ...]:
    known = [key for key in put_order if key in keys]
    return hash_map_order((*known, *(key for key in keys if key not in put_order)))


def _context_order(keys: tuple[str, ...]) -> tuple[str, ...]:
    return _java_map_order(keys, _CONTEXT_PUT_ORDER)


def _converted(key: str, value: Any, carried: Mapping[str, Any]) -> Any:
    # `$context.identity` and the override maps print as nothing: AWS rendered
    # `$context.get('identity')`, `$context.get('requestOverride')`,
    # `$context.requestOverride.get('path')` and `$context.responseOverride.get('header')` as ""
    # ([AWS-REC] test_apigateway_sqs.snapshot.json#test_sqs_amz_json_protocol, §3.4).
    if value is _NEW_REQUEST_OVERRIDE:
        # Created in HashMap order: keySet() is `[path, header, querystring]` ([AWS-REC] §3.4).
        earlier = carried.get("requestOverride")
        earlier = earlier if isinstance(earlier, Mapping) else {}
        request_override = SilentMap()
        for name in ("path", "header", "querystring"):
            request_override[name] = _OverrideMap(earlier.get(name))
        return request_override
    if value is _NEW_RESPONSE_OVERRIDE:
        response_override = _OverrideMap(carried.get("responseOverride"))
        if "header" not in response_override:
            dict.__setitem__(response_override, "header", _OverrideMap())
        return response_override
    if key == "identity" and isinstance(value, Mapping):
        order = _java_map_order(tuple(value), _IDENTITY_PUT_ORDER)
        return SilentMap(to_vtl(_plain({name: value[name] for name in order})))
    return to_vtl(_plain(value))


def _plain(value: Any) -> Any:
    # A per-request deep copy, so a template's #set never leaks into the pipeline's dicts.
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _untouched(values: Any) -> bool:
    """True when a template left an override map with nothing in it (most renders): the
    result is then the empty override, shared rather than rebuilt."""
    return values is None or (isinstance(values, dict) and not any(values.values()))


def _override_value(value: Any) -> str:
    # A list assigned to a header override becomes a comma-joined header (§3.6).
    if isinstance(value, list | tuple):
        return ",".join(java_string(item) for item in value)
    return java_string(value)


def _override_map(values: Any, name: str) -> dict[str, str]:
    # A template may have replaced the map itself (`#set($context.requestOverride = {})`).
    found = values.get(name) if isinstance(values, Mapping) else None
    if not isinstance(found, Mapping):
        return {}
    # `$input.path`'s null object may be `#set` (it is a value to Velocity); as an override it
    # is null, which overrides nothing, as `#set` of a plain null would.
    return {str(k): _override_value(v) for k, v in found.items() if not is_null(v)}


def _request_override(values: Any) -> RequestOverride:
    return RequestOverride(
        header=_override_map(values, "header"),
        path=_override_map(values, "path"),
        querystring=_override_map(values, "querystring"),
    )


def _response_override(values: Any, carried: Mapping[str, Any]) -> ResponseOverride:
    status = values.get("status") if isinstance(values, Mapping) else None
    return ResponseOverride(_override_status(status), _override_map(values, "header"), carried)


_NO_REQUEST_OVERRIDE: Final = RequestOverride()
_NO_RESPONSE_OVERRIDE: Final = ResponseOverride()


def _override_status(value: Any) -> int | None:
    # Non-integer or out-of-range statuses are ignored ([LS] §1.6).
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and value in OVERRIDE_STATUS_RANGE:
        return value
    return None
