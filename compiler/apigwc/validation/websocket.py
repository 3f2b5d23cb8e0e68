"""WebSocket API rules (AGW442-AGW444): `x-apigwc.websocket` as API Gateway checks it (reference
§10.1-§10.3, spec reference §4.2, §5.4).

Flows in: the IR `Api` (`api.deployment.websocket`: routes, their integrations and route
responses, authorizers). Flows out: diagnostics only, pointing at `x-apigwc/websocket/...`.

What API Gateway refuses:
- route keys: `$connect`, `$disconnect`, `$default` and custom keys; a custom key must not start
  with `$` (developer guide, "Working with routes for WebSocket APIs"), and is at most 128
  characters (the route key quota);
- selection expressions: `${...}` delimits a variable and must be closed; the route selection
  expression, template and model selection expressions read `$request.body.<JSONPath>` (a
  template or model selection may also be a constant such as `\\$default`); an integration
  response selection expression reads `$integration.response.*`; the route response selection
  expression is `$default` only; the API key selection expression is
  `$request.header.x-api-key` or `$context.authorizer.usageIdentifierKey`;
- authorization: authorizers and `authorizationType` exist on `$connect` only and protect the
  whole API (elsewhere API Gateway answers "Currently, authorization is restricted to the
  $connect route only"); `apiKeyRequired` is checked on `$connect` only (a warning elsewhere); a WebSocket authorizer is a Lambda `REQUEST` authorizer (no TOKEN,
  no JWT, no Cognito); `authorizationType` is `NONE`, `AWS_IAM` or `CUSTOM`; a named authorizer
  must be defined; a route response key is `$default` only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from apigwc.diagnostics.catalogue import Code
from apigwc.diagnostics.model import Severity
from apigwc.ir.api import Api
from apigwc.ir.deployment import WebSocketApi, WebSocketRoute
from apigwc.validation.base import Report
from apigwc.validation.deployment import x_apigwc_at
from apigwc.validation.examples import document

E, W = Severity.ERROR, Severity.WARNING

PREDEFINED = frozenset({"$connect", "$disconnect", "$default"})
MAX_ROUTE_KEY = 128
API_KEY_SELECTIONS = ("$request.header.x-api-key", "$context.authorizer.usageIdentifierKey")
AUTHORIZATION_TYPES = ("NONE", "AWS_IAM", "CUSTOM")
_BODY = "request.body"
_RESPONSE = "integration.response."
# A variable: `${...}` (closed), or `$` and a bare name with dots, brackets and dashes.
_VARIABLE = re.compile(r"\$\{(?P<braced>[^}]*)\}|\$(?P<bare>[A-Za-z0-9_.\[\]'-]*)")


def _example(routes: str, extra: str = "") -> str:
    indented = "".join(f"      {line}\n" for line in routes.strip("\n").splitlines())
    return document(f"x-apigwc:\n  websocket:\n{extra}    routes:\n{indented}")


_MOCK = "{integration: {type: mock, requestTemplates: {$default: '{\"statusCode\": 200}'}}}"

CODES = (
    Code(
        "AGW442",
        "websocket-route-key",
        E,
        "WebSocket route key {key!r} {problem}",
        "use $connect, $disconnect, $default, or a custom key without a leading '$' (at most 128 characters)",
        "A WebSocket API's routes are `$connect`, `$disconnect`, `$default` and custom keys that "
        "the route selection expression evaluates to; a custom key may not start with `$`.",
        bad=_example(f"$join: {_MOCK}"),
        good=_example(f"join: {_MOCK}"),
    ),
    Code(
        "AGW443",
        "websocket-selection-expression",
        E,
        "{what} {expression!r} {problem}",
        "{hint}",
        "WebSocket selection expressions: `${...}` variables, `$request.body.<JSONPath>` for "
        "route, template and model selection, `$integration.response.*` for integration "
        "responses; the route response selection expression is `$default` only; the API key "
        "selection expression is `$request.header.x-api-key` or "
        "`$context.authorizer.usageIdentifierKey`.",
        bad=_example(f"join: {_MOCK}", "    routeSelectionExpression: ${request.body.action\n"),
        good=_example(f"join: {_MOCK}", "    routeSelectionExpression: ${request.body.action}\n"),
    ),
    Code(
        "AGW444",
        "websocket-authorization",
        E,
        "WebSocket route {key!r}: {problem}",
        "{hint}",
        "WebSocket APIs are authorized on `$connect` only (the whole API is protected there), "
        "with `AWS_IAM` or a Lambda `REQUEST` authorizer, and `apiKeyRequired` on `$connect`.",
        bad=_example(f"sendMessage: {{authorizationType: AWS_IAM, {_MOCK[1:]}"),
        good=_example(f"$connect: {{authorizationType: AWS_IAM, {_MOCK[1:]}"),
    ),
)


def check(api: Api, report: Report) -> None:
    ws = api.deployment.websocket
    if ws is None:
        return
    _check_api_expressions(api, ws, report)
    for key, route in ws.routes.items():
        where = x_apigwc_at(api, "websocket", "routes", key)
        problem = _route_key_problem(key)
        if problem is not None and where is not None:
            report("AGW442", where, at_key=True, key=key, problem=problem)
        for what, value, problem, hint in _route_expressions(route):
            at = x_apigwc_at(api, "websocket", "routes", key, *what)
            report("AGW443", at, what=what[-1], expression=value, problem=problem, hint=hint)
        for field, problem, hint in _authorization_problems(ws, key, route):
            at = x_apigwc_at(api, "websocket", "routes", key, field)
            # API Gateway refuses authorization off $connect ("Currently, authorization is
            # restricted to the $connect route only"); it stores apiKeyRequired anywhere and
            # checks the key on $connect only, so elsewhere the flag is a warning.
            severity = W if field == "apiKeyRequired" else None
            report(
                "AGW444", at, at_key=True, severity=severity, key=key, problem=problem, hint=hint
            )
    for name, authorizer in ws.authorizers.items():
        if str(authorizer.type).upper() != "REQUEST":
            at = x_apigwc_at(api, "websocket", "authorizers", name, "type")
            problem = f"authorizer {name!r} is of type {authorizer.type}; only REQUEST exists"
            hint = "use a Lambda REQUEST authorizer, or authorizationType AWS_IAM"
            report("AGW444", at, key="$connect", problem=problem, hint=hint)


def _route_key_problem(key: str) -> str | None:
    if key.startswith("$") and key not in PREDEFINED:
        return "starts with '$' (only $connect, $disconnect and $default do)"
    if not key or len(key) > MAX_ROUTE_KEY:
        return f"must be 1 to {MAX_ROUTE_KEY} characters"
    return None


def _check_api_expressions(api: Api, ws: WebSocketApi, report: Report) -> None:
    problem = expression_problem(ws.route_selection_expression, body=True, constant=False)
    if problem is not None:
        at = x_apigwc_at(api, "websocket", "routeSelectionExpression")
        hint = "write $request.body.<JSONPath>, e.g. $request.body.action"
        report(
            "AGW443",
            at,
            what="routeSelectionExpression",
            expression=ws.route_selection_expression,
            problem=problem,
            hint=hint,
        )
    selection = ws.api_key_selection_expression
    if selection is not None and selection not in API_KEY_SELECTIONS:
        report(
            "AGW443",
            x_apigwc_at(api, "websocket", "apiKeySelectionExpression"),
            what="apiKeySelectionExpression",
            expression=selection,
            problem="is not one API Gateway offers",
            hint=" or ".join(API_KEY_SELECTIONS),
        )


def _route_expressions(
    route: WebSocketRoute,
) -> Iterator[tuple[tuple[str, ...], str, str, str]]:
    """(where, expression, problem, hint) of each selection expression of a route."""
    body_hint = "write $request.body.<JSONPath> or a constant key such as \\$default"
    if route.model_selection_expression is not None:
        value = route.model_selection_expression
        problem = expression_problem(value, body=True, constant=True)
        if problem is not None:
            yield ("modelSelectionExpression",), value, problem, body_hint
    selection = route.route_response_selection_expression
    if selection is not None and selection != "$default":
        yield ("routeResponseSelectionExpression",), selection, "is not $default", "write $default"
    for response_key in route.route_responses:
        if response_key != "$default":
            problem = "is a route response key; only $default exists"
            yield ("routeResponses", response_key), response_key, problem, "use $default"
    integration = route.integration
    if integration is None:
        return
    template = integration.template_selection_expression
    if template is not None:
        problem = expression_problem(template, body=True, constant=True)
        if problem is not None:
            yield ("integration", "templateSelectionExpression"), template, problem, body_hint
    response = integration.integration_response_selection_expression
    if response is not None:
        problem = expression_problem(response, body=False, constant=True)
        if problem is not None:
            hint = "write ${integration.response.statuscode}"
            where = ("integration", "integrationResponseSelectionExpression")
            yield where, response, problem, hint


def expression_problem(text: str, *, body: bool, constant: bool) -> str | None:
    """What is wrong with a selection expression, or None. `body`: variables read the request
    body (else the integration response); `constant`: an expression without variables is fine."""
    unescaped = text.replace("\\$", "")
    if "${" in unescaped and unescaped.count("${") > unescaped.count("}"):
        return "has a '${' that is never closed with '}'"
    names = [m.group("braced") or m.group("bare") or "" for m in _VARIABLE.finditer(unescaped)]
    if not names:
        return None if constant else "reads no variable"
    for name in names:
        if body and not (name == _BODY or name.startswith((_BODY + ".", _BODY + "["))):
            return f"reads ${name}, not $request.body.<JSONPath>"
        if not body and not name.startswith(_RESPONSE):
            return f"reads ${name}, not $integration.response.*"
    return None


def _authorization_problems(
    ws: WebSocketApi, key: str, route: WebSocketRoute
) -> Iterator[tuple[str, str, str]]:
    """(field, problem, hint) of a route's authorization settings."""
    kind = (route.authorization_type or "").upper()
    if key != "$connect":
        hint = "move the authorization to the $connect route: it protects the whole API"
        if route.authorizer is not None:
            yield "authorizer", "an authorizer is allowed on $connect only", hint
        if kind not in ("", "NONE"):
            yield "authorizationType", f"authorizationType {kind} is allowed on $connect only", hint
        if route.api_key_required:
            problem = "apiKeyRequired is checked on $connect only and is ignored here"
            yield "apiKeyRequired", problem, "set apiKeyRequired on $connect: it protects the whole API"
        return
    if kind and kind not in AUTHORIZATION_TYPES:
        hint = "use NONE, AWS_IAM, or CUSTOM with a Lambda REQUEST authorizer"
        yield "authorizationType", f"authorizationType {kind} does not exist here", hint
    if isinstance(route.authorizer, str) and route.authorizer not in ws.authorizers:
        problem = (
            f"authorizer {route.authorizer!r} is not defined in x-apigwc.websocket.authorizers"
        )
        yield "authorizer", problem, "define it there, or name one of its authorizers"
    if kind == "AWS_IAM" and route.authorizer is not None:
        hint = "keep one: AWS_IAM, or CUSTOM with the authorizer"
        yield "authorizer", "AWS_IAM and an authorizer exclude each other", hint
