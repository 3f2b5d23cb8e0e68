"""Velocity (VTL) mapping templates, as API Gateway renders them (runtime reference §3).

Part of the runtime support library copied verbatim into every generated gateway: relative imports
only. Needs the PyPI package `airspeed-ext` (LocalStack's maintained fork of airspeed, import name
`airspeed`), pinned `airspeed-ext==0.6.9`.

Flow: template text → `Template.compile(text)` once at start-up (syntax errors raise
`VtlTemplateError` there) → `template.render(request, context, stage_variables)` per request →
`RenderResult(body, request_override, response_override)`. Any failure while rendering raises
`VtlRenderError`, which the pipeline answers with `500 {"message": "Internal server error"}`.

What the template sees:
- `$input`: `body`, `json(path)`, `path(path)`, `params()`, `params(name)` over `VtlRequest` (§3.2);
  in a response template the pipeline passes the integration response body as `VtlRequest.body`
  while `params` stay the method request's.
- `$util`: `escapeJavaScript`, `parseJson`, `urlEncode`, `urlDecode`, `base64Encode`,
  `base64Decode` (§3.3).
- `$context`: the dict the pipeline passes (§3.4), plus `requestOverride.{header,path,querystring}`
  and `responseOverride.{header,status}` that `#set` may assign once each (§3.6).
- `$stageVariables` (§3.5).

Java/Velocity semantics come from `velocity.py` (printing, members) and `velocity_engine.py`
(`#foreach` cap, conditions, operators, whitespace), which adapts the engine at compile time.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import airspeed  # type: ignore[import-untyped]

from .jsonpath import MISSING, JsonPathError, compile_path
from .velocity import FOREACH_LIMIT, NULL, VtlObject, VtlRenderError, is_null, java_string, to_vtl
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


@dataclass(frozen=True)
class VtlRequest:
    """The method request as `$input` sees it: body text and single-value parameter maps."""

    body: str = ""
    path: Mapping[str, str] = field(default_factory=dict)
    querystring: Mapping[str, str] = field(default_factory=dict)
    header: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RequestOverride:
    """`$context.requestOverride.*` values a request template set (§3.6)."""

    header: Mapping[str, str] = field(default_factory=dict)
    path: Mapping[str, str] = field(default_factory=dict)
    querystring: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ResponseOverride:
    """`$context.responseOverride.*` values; `status` is None unless validly set (§3.6)."""

    status: int | None = None
    header: Mapping[str, str] = field(default_factory=dict)

    def then(self, later: ResponseOverride) -> ResponseOverride:
        """Combine a request template's override (self) with the response template's (later).

        API Gateway honours a response override set in a request template (MOCK returned 444,
        [AWS-REC] §1.6); a value set again by the response template wins.
        """
        status = later.status if later.status is not None else self.status
        return ResponseOverride(status=status, header={**self.header, **later.header})


@dataclass(frozen=True)
class RenderResult:
    body: str
    request_override: RequestOverride
    response_override: ResponseOverride


class Template:
    """A mapping template parsed once; `render` is safe to call concurrently."""

    def __init__(self, text: str, engine_template: Any) -> None:
        self.text = text
        self._engine_template = engine_template

    @classmethod
    def compile(cls, text: str) -> Template:
        engine_template = airspeed.Template(text)
        try:
            engine_template.ensure_compiled()
        except airspeed.TemplateError as error:
            raise VtlTemplateError(str(error)) from error
        adopt_java_semantics(engine_template.root_element)
        return cls(text, engine_template)

    def render(
        self,
        request: VtlRequest,
        context: Mapping[str, Any],
        stage_variables: Mapping[str, str],
    ) -> RenderResult:
        vtl_context = _context_with_overrides(context)
        namespace = {
            "input": Input(request),
            "util": Util(),
            "context": vtl_context,
            "stageVariables": dict(stage_variables),
        }
        body = merge(self._engine_template, namespace)
        return RenderResult(
            body=body,
            request_override=_request_override(vtl_context.get("requestOverride")),
            response_override=_response_override(vtl_context.get("responseOverride")),
        )


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
                self._document = json.loads(self.body)
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
        value = self._select(path)
        return NULL if value is MISSING else to_vtl(value)

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

    def escapeJavaScript(self, value: Any) -> str:
        return escape_javascript(_required_text(value, "escapeJavaScript"))

    def parseJson(self, value: Any) -> Any:
        try:
            return to_vtl(json.loads(_required_text(value, "parseJson")))
        except ValueError as error:
            raise VtlRenderError(f"$util.parseJson: {error}") from error

    def urlEncode(self, value: Any) -> str:
        return url_encode(_required_text(value, "urlEncode"))

    def urlDecode(self, value: Any) -> str:
        return url_decode(_required_text(value, "urlDecode"))

    def base64Encode(self, value: Any) -> str:
        return base64.b64encode(_required_text(value, "base64Encode").encode()).decode("ascii")

    def base64Decode(self, value: Any) -> str:
        try:
            raw = base64.b64decode(_required_text(value, "base64Decode"), validate=False)
        except ValueError as error:
            raise VtlRenderError(f"$util.base64Decode: {error}") from error
        return raw.decode("utf-8", errors="replace")


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


class _OverrideMap(dict[str, Any]):
    """An override map: each name may be assigned once; twice ⇒ 5XX (§3.6)."""

    def __setitem__(self, key: str, value: Any) -> None:
        if key in self:
            raise VtlRenderError(f"override {key!r} set twice")
        super().__setitem__(key, value)


def _context_with_overrides(context: Mapping[str, Any]) -> dict[str, Any]:
    vtl_context = {key: to_vtl(_plain(value)) for key, value in context.items()}
    vtl_context["requestOverride"] = {
        "header": _OverrideMap(),
        "path": _OverrideMap(),
        "querystring": _OverrideMap(),
    }
    response_override = _OverrideMap()
    dict.__setitem__(response_override, "header", _OverrideMap())
    vtl_context["responseOverride"] = response_override
    return vtl_context


def _plain(value: Any) -> Any:
    # A per-request deep copy, so a template's #set never leaks into the pipeline's dicts.
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


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
    return {str(k): _override_value(v) for k, v in found.items()}


def _request_override(values: Any) -> RequestOverride:
    return RequestOverride(
        header=_override_map(values, "header"),
        path=_override_map(values, "path"),
        querystring=_override_map(values, "querystring"),
    )


def _response_override(values: Any) -> ResponseOverride:
    status = values.get("status") if isinstance(values, Mapping) else None
    return ResponseOverride(status=_override_status(status), header=_override_map(values, "header"))


def _override_status(value: Any) -> int | None:
    # Non-integer or out-of-range statuses are ignored ([LS] §1.6).
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and value in OVERRIDE_STATUS_RANGE:
        return value
    return None
