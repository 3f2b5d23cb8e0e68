"""MOCK integrations and the integration-response step shared by non-proxy integrations.

Flows in: the route's integration config (request templates, passthrough behaviour, integration
responses) and the request. Flows out: a `Response`, or a `GatewayError` (415 when passthrough
forbids the request's content type, 500 when the status cannot be read or no integration
response matches and there is no default).

A MOCK's status comes from its rendered request template, `{"statusCode": 200}` (CDK's unquoted
`{statusCode: 200}` too, which AWS accepts); that status selects the integration response by
`selectionPattern` (a whole-string regex match) and the endpoint body is empty (reference §1.6,
§1.7). Request and response templates are Velocity (`vtl.py`), compiled once at start-up by
`Templates`; a template that does not compile or fails to render answers 500, and
`$context.responseOverride` (set in either template) wins over the selected status and headers.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..responses.gateway_responses import GatewayError, Response
from ..transform import payloads
from ..transform.vtl import (
    RenderResult,
    RequestOverride,
    ResponseOverride,
    Template,
    VtlRenderError,
    VtlRequest,
    VtlTemplateError,
)
from ..validation.java_regex import whole_match

_VELOCITY_SYNTAX = re.compile(r"[$#\\]")
_STATUS = re.compile(r"""["']?statusCode["']?\s*:\s*["']?(\d{3})\b""")
JSON = "application/json"
# Overrides are frozen and only read: the empty ones are shared, not built per request.
_NO_REQUEST_OVERRIDE = RequestOverride()
_NO_RESPONSE_OVERRIDE = ResponseOverride()


class Templates:
    """Every mapping template of the API, compiled once at start-up and keyed by its text."""

    def __init__(self, texts: Iterable[str]) -> None:
        self._compiled: dict[str, Template | RenderResult | None] = {}
        for text in texts:
            if text not in self._compiled:
                self._compiled[text] = _prepare(text)

    def render(
        self,
        text: str,
        request: VtlRequest,
        context: Mapping[str, Any],
        stage_variables: Mapping[str, str],
        carried: Mapping[str, Any] | None = None,
    ) -> RenderResult:
        """`carried`: for a response template, `ResponseOverride.carried` of the request's."""
        template = self._compiled[text] if text in self._compiled else _prepare(text)
        if isinstance(template, RenderResult):
            return template
        if template is None:  # did not compile: "Execution failed due to configuration error"
            raise GatewayError("API_CONFIGURATION_ERROR")
        try:
            return template.render(request, context, stage_variables, carried)
        except VtlRenderError:
            raise GatewayError("API_CONFIGURATION_ERROR") from None


def _prepare(text: str) -> Template | RenderResult | None:
    if not _VELOCITY_SYNTAX.search(text):
        # Plain text renders as itself: skip the engine (most MOCK request templates). The result
        # is frozen, so one instance serves every request.
        return RenderResult(text, _NO_REQUEST_OVERRIDE, _NO_RESPONSE_OVERRIDE)
    return _compile(text)


def _compile(text: str) -> Template | None:
    try:
        return Template.compile(text)
    except VtlTemplateError:
        return None


def integration_templates(integration: Mapping[str, Any]) -> list[str]:
    """The request and response templates of one integration config."""
    texts = list((integration.get("requestTemplates") or {}).values())
    for response in integration.get("responses") or ():
        texts.extend((response.get("responseTemplates") or {}).values())
    return texts


def reads_context(integration: Mapping[str, Any]) -> bool:
    """Whether a MOCK's templates or response parameters can read `$context` / `context.*`.

    Velocity reaches `$context` only by its name (`$context`, `${context}`, `$!context`), and a
    response parameter only by a `context.` source, so a config never mentioning the word gets
    the same bytes without the pipeline building the tree (conservative: any mention counts)."""
    sources = [
        str(source)
        for response in integration.get("responses") or ()
        for source in (response.get("responseParameters") or {}).values()
    ]
    return any("context" in text for text in [*integration_templates(integration), *sources])


def request_template(integration: Mapping[str, Any], content_type: str | None) -> str | None:
    """The request template for the request's media type, or None to pass the body through.

    Raises 415 UNSUPPORTED_MEDIA_TYPE as passthrough behaviour requires (reference §1.6); the
    selection itself is `payloads.select_request_template`."""
    templates: Mapping[str, str] = integration.get("requestTemplates") or {}
    try:
        key = payloads.select_request_template(
            templates, content_type, integration.get("passthroughBehavior")
        )
    except payloads.PayloadError as error:
        raise GatewayError(error.response_type) from None
    return None if key is None else templates[key]


# A MOCK's rendered request template is most often the same text on every request (a plain
# template is rendered once, at start-up): its status is read once. Errors are not cached.
@functools.lru_cache(maxsize=256)
def mock_status(rendered: str) -> int:
    """The statusCode of a MOCK's rendered template; an empty template means 200."""
    if not rendered.strip():
        return 200
    found = _STATUS.search(rendered)
    if found is None:
        # "Execution failed due to configuration error: Unable to parse statusCode"
        raise GatewayError("API_CONFIGURATION_ERROR")
    return int(found.group(1))


def select_response(responses: list[Mapping[str, Any]], selector: str) -> Mapping[str, Any]:
    """The integration response whose selectionPattern matches, else the default one."""
    default = None
    for response in responses:
        pattern = response.get("selectionPattern") or ""
        if pattern in ("", "default"):
            default = default or response
            continue
        if whole_match(pattern, selector):
            return response
    if default is None:
        # "No match for output mapping and no default output mapping configured"
        raise GatewayError("API_CONFIGURATION_ERROR")
    return default


def response_template(templates: Mapping[str, str], accept: str | None) -> tuple[str, str] | None:
    """(media type, template) by the first Accept type, else application/json, else the first
    (§1.7; the selection is `payloads.select_response_template`); None passes the body through."""
    key = payloads.select_response_template(templates, accept)
    return None if key is None else (key, templates[key])


def response_headers(
    parameters: Mapping[str, str], stage_variables: Mapping[str, str], context: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """`method.response.header.X` <- `'static'`, `stageVariables.X` or `context.X`."""
    headers = []
    prefix = "method.response.header."
    for target, source in parameters.items():
        if not target.startswith(prefix):
            continue
        value = _source_value(str(source), stage_variables, context)
        if value is not None:
            headers.append((target[len(prefix) :], value))
    return headers


def _source_value(
    source: str, stage_variables: Mapping[str, str], context: Mapping[str, Any]
) -> str | None:
    if _is_literal(source):
        return source[1:-1]
    if source.startswith("stageVariables."):
        return stage_variables.get(source[len("stageVariables.") :])
    if source.startswith("context."):
        value: Any = context
        for part in source[len("context.") :].split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        return None if value is None else str(value)
    return None


def method_response_headers(
    content_type: str, mapped: list[tuple[str, str]], overrides: Mapping[str, str]
) -> list[tuple[str, str]]:
    """The method response's headers (`mapped` is changed in place and returned).

    `$context.responseOverride.header.X` wins over a mapped `X` (§1.6: overrides apply after the
    parameter mappings and win), so it replaces it rather than adding a second one; the payload's
    `Content-Type` is the default only (§0.1), sent when neither a mapping nor an override sets
    one (`method.response.header.Content-Type: "'text/html'"` answers one `text/html`)."""
    if overrides:
        names = {name.lower() for name in overrides}
        mapped = [header for header in mapped if header[0].lower() not in names]
        mapped.extend(overrides.items())
    if not mapped or all(name.lower() != "content-type" for name, _ in mapped):
        mapped.insert(0, ("Content-Type", content_type))
    return mapped


class ChosenResponse:
    """One integration response as the response step reads it, worked out once: its headers
    when every source is a literal, its templates by Accept, its content handling."""

    __slots__ = (
        "_by_accept",
        "parameters",
        "response",
        "static_headers",
        "status_code",
        "templates",
        "to_binary",
    )

    def __init__(self, response: Mapping[str, Any]) -> None:
        self.response = response
        status = response.get("statusCode")
        # The method response's status, when the config names one (else the selector's).
        self.status_code = int(status) if status else None
        self.parameters: Mapping[str, str] = response.get("responseParameters") or {}
        literal = all(_is_literal(str(source)) for source in self.parameters.values())
        self.static_headers = response_headers(self.parameters, {}, {}) if literal else None
        self.templates: Mapping[str, str] = response.get("responseTemplates") or {}
        self._by_accept: dict[str | None, tuple[str, str] | None] = {}
        self.to_binary = response.get("contentHandling") == payloads.CONVERT_TO_BINARY

    def headers(
        self, stage_variables: Mapping[str, str], context: Mapping[str, Any]
    ) -> list[tuple[str, str]]:
        if self.static_headers is not None:
            return list(self.static_headers)
        return response_headers(self.parameters, stage_variables, context)

    def template(self, accept: str | None) -> tuple[str, str] | None:
        """`response_template` for this Accept value, remembered (a client sends few)."""
        if accept in self._by_accept:
            return self._by_accept[accept]
        picked = response_template(self.templates, accept)
        if len(self._by_accept) < _ACCEPTS_MAX:
            self._by_accept[accept] = picked
        return picked


def _is_literal(source: str) -> bool:
    return len(source) >= 2 and source[0] == "'" and source[-1] == "'"


_ACCEPTS_MAX = 64
_SELECTORS_MAX = 64


class MockPlan:
    """A MOCK integration's config read once at start-up (routes are read-only data): the
    request template of the usual request (no Content-Type), and per selector the integration
    response selection chose."""

    def __init__(self, integration: Mapping[str, Any]) -> None:
        self.integration = integration
        templates: Mapping[str, str] = integration.get("requestTemplates") or {}
        self.json_template = templates.get(JSON)
        self._chosen: dict[str, ChosenResponse] = {}

    def request_template(self, content_type: str | None) -> str | None:
        if not content_type and self.json_template is not None:
            return self.json_template
        return request_template(self.integration, content_type)

    def chosen(self, selector: str) -> ChosenResponse:
        chosen = self._chosen.get(selector)
        if chosen is None:
            responses = list(self.integration.get("responses") or ())
            chosen = ChosenResponse(select_response(responses, selector))
            if len(self._chosen) < _SELECTORS_MAX:
                self._chosen[selector] = chosen
        return chosen


def mock_response(
    plan: MockPlan,
    templates: Templates,
    vtl_request: VtlRequest,
    content_type: str | None,
    accept: str | None,
    stage_variables: Mapping[str, str],
    context: Mapping[str, Any],
) -> Response:
    template = plan.request_template(content_type)
    override = _NO_RESPONSE_OVERRIDE
    if template is None:  # passthrough: the request body stands for the rendered template
        rendered = vtl_request.body
    else:
        result = templates.render(template, vtl_request, context, stage_variables)
        rendered, override = result.body, result.response_override
    status = mock_status(rendered)
    chosen = plan.chosen(str(status))
    headers = chosen.headers(stage_variables, context)
    picked = chosen.template(accept)
    body, content = b"", JSON
    if picked is not None:
        # A MOCK endpoint has no body: `$input` reads an empty one, with the method's params.
        endpoint = VtlRequest("", vtl_request.path, vtl_request.querystring, vtl_request.header)
        result = templates.render(picked[1], endpoint, context, stage_variables, override.carried)
        body, content = result.body.encode(), picked[0]
        override = override.then(result.response_override)
    if chosen.to_binary:
        # A MOCK's payload is the rendered text: CONVERT_TO_BINARY base64-decodes it whatever
        # the Accept and binaryMediaTypes (§6.1 response table, text rows).
        try:
            body = payloads.convert_response(
                body,
                payload_is_binary=False,
                accept=None,
                binary_media_types=(),
                content_handling=payloads.CONVERT_TO_BINARY,
            )
        except payloads.PayloadError as error:
            raise GatewayError(error.response_type) from None
    if headers or override.header:
        headers = method_response_headers(content, headers, override.header)
    else:  # the usual MOCK: no mapped headers, no override
        headers.append(("Content-Type", content))
    status_code = override.status or chosen.status_code or status
    return Response(status_code, headers, body)
