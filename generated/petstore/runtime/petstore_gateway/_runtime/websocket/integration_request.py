"""A WebSocket route's integration request for non-proxy and HTTP proxy integrations (reference
§10.2): the request template a message takes and the REST-shaped request the HTTP and AWS
integrations are called with.

Flows in: the route's integration config (`plan.WebSocketRouteEntry.integration`, REST's shape
plus `templateSelectionExpression` and `integrationResponseSelectionExpression`), read once; per
event, the connection's facts, the event's `requestContext` and the message. Flows out: an
`IntegrationRequest` — the integration config to call the backend with (its request template the
one the message selected) and the method request as REST's integration code reads it
(`pipeline.context.Request`, `vtl.VtlRequest`, `mapping.MappingValues`).

API Gateway's rules (developer guide, "WebSocket selection expressions", "Setting up data
mapping for WebSocket APIs"):
- `templateSelectionExpression` is evaluated against the message like the route selection
  expression (`${request.body.type}`, `\\$default`); the template of that key is used, else the
  `$default` template; with none, `passthroughBehavior` decides (`WHEN_NO_MATCH`, the default,
  passes the body through; `NEVER` refuses; `WHEN_NO_TEMPLATES` passes only when there are no
  templates). Without an expression the `$default` template is taken (or the only one).
- parameter mapping sources are `route.request.header.X`, `route.request.querystring.X` (and
  their `multivalue` forms; only `$connect` has headers and a query string: on other routes they
  are absent), `route.request.body.<JSONPath>`, `context.X`, `stageVariables.X` and `'static'`.
  They are REST's `method.request.*` sources under another name, so the REST mapping compiler
  reads them once renamed.
- `integrationResponseSelectionExpression` (`${integration.response.statuscode}`) selects the
  integration response whose key (`$default` or `/regex/`, REST's `selectionPattern`) matches the
  HTTP status, or a Lambda function's `errorMessage`; without the expression only the
  `$default` integration response applies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ..pipeline.context import Request
from ..transform.mapping import MappingValues
from ..transform.vtl import VtlRequest
from .events import ConnectionFacts
from .selection import SelectionExpression, compile_expression

_ROUTE_REQUEST, _METHOD_REQUEST = "route.request.", "method.request."
# The template key the REST code selects by the method request's media type: every WebSocket
# request is given this type, and the selected template is filed under it.
_JSON = "application/json"
# Handshake headers that are the connection's own, not the client's request to the backend.
_HANDSHAKE = frozenset(
    {
        "connection",
        "upgrade",
        "sec-websocket-key",
        "sec-websocket-version",
        "sec-websocket-extensions",
        "content-length",
        "content-type",
    }
)


class TemplateRefused(Exception):
    """No template for the message and `passthroughBehavior` forbids passing it through."""


@dataclass(frozen=True, slots=True)
class IntegrationRequest:
    """One event's request to a non-proxy (or HTTP proxy) backend."""

    integration: Mapping[str, Any]  # REST's shape; its request template the selected one
    request: Request
    vtl: VtlRequest
    values: MappingValues
    context: Mapping[str, Any]  # `$context`: the event's requestContext and the stage variables


class RequestShape:
    """A route's integration read once: its integration config per request template, the
    template selection expression, and mappings renamed to REST's sources."""

    def __init__(self, integration: Mapping[str, Any]) -> None:
        templates: Mapping[str, str] = integration.get("requestTemplates") or {}
        expression = integration.get("templateSelectionExpression")
        self.selection: SelectionExpression | None = (
            compile_expression(expression) if isinstance(expression, str) else None
        )
        self.templates = dict(templates)
        self.behavior = str(integration.get("passthroughBehavior") or "WHEN_NO_MATCH").upper()
        base = dict(integration)
        base["requestParameters"] = renamed(integration.get("requestParameters") or {})
        if not integration.get("integrationResponseSelectionExpression"):
            base["responses"] = [
                r
                for r in integration.get("responses") or ()
                if (r.get("selectionPattern") or "default") == "default"
            ]
        self.base = base
        # REST's template selection then finds the selected template under the request's type.
        self.by_key = {
            key: {**base, "requestTemplates": {_JSON: text}, "passthroughBehavior": None}
            for key, text in templates.items()
        }
        self.passthrough = {**base, "requestTemplates": {}, "passthroughBehavior": None}

    def template_key(self, body: str) -> str | None:
        """The key of the request template a message takes, None to pass it through; raises
        `TemplateRefused` when `passthroughBehavior` forbids that."""
        templates = self.templates
        if self.selection is not None:
            key = self.selection.evaluate(body)
            if key is not None and key in templates:
                return key
        if "$default" in templates:
            return "$default"
        if self.selection is None and len(templates) == 1:
            return next(iter(templates))
        if self.behavior == "WHEN_NO_MATCH" or (
            self.behavior == "WHEN_NO_TEMPLATES" and not templates
        ):
            return None
        raise TemplateRefused(f"no request template for this message ({self.behavior})")

    def config_for(self, body: str) -> Mapping[str, Any]:
        key = self.template_key(body)
        return self.passthrough if key is None else self.by_key[key]

    def request(
        self,
        facts: ConnectionFacts,
        event: Mapping[str, Any],
        body: str,
        stage_variables: Mapping[str, str],
    ) -> IntegrationRequest:
        integration = self.config_for(body)
        context = {**event["requestContext"], "stageVariables": stage_variables}
        connect = event["requestContext"].get("eventType") == "CONNECT"
        request = route_request(facts, integration, body, connect)
        values = MappingValues(
            request_path=request.raw_path,
            querystring=request.multi_query_map(),
            headers=request.multi_header_map() if connect else {},
            body=request.body,
            context=context,
            stage_variables=stage_variables,
        )
        vtl = VtlRequest(
            body=body,
            querystring=request.query_view() if connect else {},
            header=request.header_view() if connect else {},
        )
        return IntegrationRequest(integration, request, vtl, values, context)

    def mock_call(
        self,
        facts: ConnectionFacts,
        event: Mapping[str, Any],
        body: str,
        stage_variables: Mapping[str, str],
    ) -> MockCall:
        """What a MOCK integration's templates read: `$input` (the handshake's query string and
        headers on `$connect`) and `$context`; no backend request is built."""
        context = {**event["requestContext"], "stageVariables": stage_variables}
        if context.get("eventType") == "CONNECT":
            header = {k: v for k, v in facts.headers}
            vtl = VtlRequest(body=body, querystring=dict(facts.query), header=header)
        else:
            vtl = VtlRequest(body)
        return MockCall(self.config_for(body), vtl, context)


@dataclass(frozen=True, slots=True)
class MockCall:
    """One event's MOCK integration: the config (its selected template), `$input`, `$context`."""

    integration: Mapping[str, Any]
    vtl: VtlRequest
    context: Mapping[str, Any]


def renamed(parameters: Mapping[str, Any]) -> dict[str, str]:
    """`route.request.*` sources as REST's `method.request.*` (the same values by another name:
    headers and query strings of the handshake, the message body)."""
    out: dict[str, str] = {}
    for target, source in parameters.items():
        text = str(source)
        if text.startswith(_ROUTE_REQUEST):
            text = _METHOD_REQUEST + text[len(_ROUTE_REQUEST) :]
        out[str(target)] = text
    return out


def route_request(
    facts: ConnectionFacts, integration: Mapping[str, Any], body: str, connect: bool
) -> Request:
    """The method request REST's integration code reads: the handshake's headers and query
    string on `$connect` only (the other routes have neither), the message as a JSON body."""
    headers = (
        [(k.lower(), v) for k, v in facts.headers if k.lower() not in _HANDSHAKE] if connect else []
    )
    headers.append(("content-type", _JSON))
    query = "&".join(f"{_quote(k)}={_quote(v)}" for k, v in facts.query) if connect else ""
    method = str(integration.get("httpMethod") or "POST").upper()
    return Request(
        "POST" if method == "ANY" else method,
        f"/{facts.stage}",
        query,
        headers,
        body.encode("utf-8", "surrogatepass"),
        facts.source_ip,
    )


def _quote(text: str) -> str:
    return quote(text, safe="")
