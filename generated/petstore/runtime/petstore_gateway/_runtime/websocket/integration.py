"""A WebSocket route's integration (reference §10.2-§10.4): Lambda proxy and MOCK.

Flows in: the route's record (`plan.WebSocketRouteEntry`: its integration config, in the shape
of a REST route's), the API's functions and compiled templates; per event, the Lambda proxy
event (events.py), the message body and the stage variables. Flows out: an `Outcome` (status,
body, headers), or `IntegrationFailed` when API Gateway would report an integration failure
(the function failed, timed out or was throttled, no local handler, a template that cannot
render, an integration type not served locally).

Lambda proxy: the function's result is read as API Gateway reads it for WebSocket routes:
`statusCode` (it decides `$connect`; on a message it does not affect the connection), `body`
(sent back when the route has a route response) and `headers` (on `$connect`, added to the 101,
the way a subprotocol is accepted, §10.1). A result without `statusCode` (a handler that returns
nothing) counts as 200: the reference records none, and AWS's samples for `$connect` return
only a status. MOCK: the request template (`$default` key, else the only one; the IR carries no
`templateSelectionExpression`) gives the status (`{"statusCode": N}`), the integration response
selected by that status renders the body.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..integrations.lambda_functions import FunctionError, Functions, Throttled
from ..integrations.lambda_step import REST_TIMEOUT_MS
from ..integrations.mock import Templates, mock_status, select_response
from ..pipeline.plan import WebSocketRouteEntry
from ..responses.gateway_responses import GatewayError
from ..transform.vtl import VtlRequest

# A route's integration timeout when the spec sets none: 29 s, as REST's (§10 quotas).
DEFAULT_TIMEOUT_MS = REST_TIMEOUT_MS


class IntegrationFailed(Exception):
    """The integration did not answer; `reason` is for the server log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Outcome:
    status: int
    body: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)


class RouteIntegration:
    """One route's integration, read once at start-up."""

    def __init__(self, route: WebSocketRouteEntry, functions: Functions, templates: Templates):
        self.route = route
        self.functions = functions
        self.templates = templates
        integration = route.integration
        self.kind = integration.get("type")
        function = integration.get("function")
        self.function = functions.resolve(function) if isinstance(function, str) else None
        timeout = integration.get("timeoutInMillis")
        self.timeout_s = (timeout if isinstance(timeout, int) else DEFAULT_TIMEOUT_MS) / 1000

    async def run(
        self, event: dict[str, Any], body: str, stage_variables: Mapping[str, str]
    ) -> Outcome:
        if self.kind == "AWS_PROXY":
            return await self._lambda(event)
        if self.kind == "MOCK":
            # `$context` of a WebSocket template: the event's `requestContext` names (§10.4).
            context = {**event["requestContext"], "stageVariables": stage_variables}
            return self._mock(body, context, stage_variables)
        raise IntegrationFailed(f"integration type {self.kind} is not served locally")

    async def _lambda(self, event: dict[str, Any]) -> Outcome:
        if self.function is None:
            raise IntegrationFailed("the function has no local handler (x-apigwc.functions)")
        try:
            result = await self.functions.invoke(self.function, event, self.timeout_s)
        except FunctionError as error:
            raise IntegrationFailed(f"the function failed ({error.error_type})") from None
        except (TimeoutError, Throttled) as error:
            raise IntegrationFailed(f"the invocation failed ({type(error).__name__})") from None
        return _proxy_outcome(result)

    def _mock(
        self, body: str, context: Mapping[str, Any], stage_variables: Mapping[str, str]
    ) -> Outcome:
        integration = self.route.integration
        request = VtlRequest(body)
        template = _pick(integration.get("requestTemplates") or {})
        try:
            rendered = (
                body
                if template is None
                else self.templates.render(template, request, context, stage_variables).body
            )
            status = mock_status(rendered)
            responses = list(integration.get("responses") or ())
            if not responses:
                return Outcome(status)
            chosen = select_response(responses, str(status))
            answer = _pick(chosen.get("responseTemplates") or {})
            text = (
                None
                if answer is None
                else self.templates.render(answer, VtlRequest(""), context, stage_variables).body
            )
        except GatewayError as error:
            raise IntegrationFailed(
                f"the MOCK integration failed ({error.response_type})"
            ) from None
        code = str(chosen.get("statusCode"))
        return Outcome(int(code) if code.isdigit() else status, text)


def _pick(templates: Mapping[str, str]) -> str | None:
    """The template by `$default` key, else the only one."""
    if "$default" in templates:
        return templates["$default"]
    if len(templates) == 1:
        return next(iter(templates.values()))
    return None


def _proxy_outcome(result: Any) -> Outcome:
    if result is None:
        return Outcome(200)
    if not isinstance(result, Mapping):
        return Outcome(200, result if isinstance(result, str) else json.dumps(result))
    status = result.get("statusCode", 200)
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if type(status) is not int:
        raise IntegrationFailed("the function returned a statusCode that is not a number")
    body = result.get("body")
    text = None if body is None else body if isinstance(body, str) else json.dumps(body)
    headers = result.get("headers") or {}
    pairs = (
        [(str(k), str(v)) for k, v in headers.items() if isinstance(v, str | int | float)]
        if isinstance(headers, Mapping)
        else []
    )
    return Outcome(status, text, pairs)
