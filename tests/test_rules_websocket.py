"""WebSocket dialect rules AGW442-AGW444 (issue 15 point 8), branch by branch, and where they
point (file:line:col of the offending key or value in `x-apigwc.websocket`)."""

from __future__ import annotations

import pytest

from tests.rules_cases import HEAD, Case, check_case, diagnostics

E = "error"
MOCK = "{type: mock, requestTemplates: {$default: '{\"statusCode\": 200}'}}"
AUTH = (
    "    authorizers:\n      auth: {type: REQUEST, identitySource: route.request.header.Auth, "
    "authorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:123456789012:function:A/invocations}\n"
)


def ws(routes: str, api: str = "") -> str:
    indented = "".join(f"      {line}\n" for line in routes.strip("\n").splitlines())
    return HEAD + f"paths: {{}}\nx-apigwc:\n  websocket:\n{api}    routes:\n{indented}"


def _route(key: str, extra: str = "") -> str:
    return f"{key}: {{{extra}integration: {MOCK}}}"


CASES = [
    # -- AGW442 route keys ------------------------------------------------------------------------
    Case("predefined-keys", ws(_route("$connect") + "\n" + _route("$default")), "AGW442", None),
    Case("custom-key", ws(_route("sendMessage")), "AGW442", None),
    Case("custom-key-with-dollar", ws(_route("$join")), "AGW442", E),
    Case("key-too-long", ws(_route("k" * 129)), "AGW442", E),
    # -- AGW443 selection expressions -------------------------------------------------------------
    Case(
        "route-selection-bare",
        ws(_route("a"), "    routeSelectionExpression: $request.body.action\n"),
        "AGW443",
        None,
    ),
    Case(
        "route-selection-several",
        ws(_route("a"), "    routeSelectionExpression: ${request.body.a}-${request.body.b}\n"),
        "AGW443",
        None,
    ),
    Case(
        "route-selection-unclosed",
        ws(_route("a"), "    routeSelectionExpression: ${request.body.a\n"),
        "AGW443",
        E,
    ),
    Case(
        "route-selection-header",
        ws(_route("a"), "    routeSelectionExpression: $request.header.x\n"),
        "AGW443",
        E,
    ),
    Case(
        "route-selection-constant",
        ws(_route("a"), "    routeSelectionExpression: action\n"),
        "AGW443",
        E,
    ),
    Case(
        "api-key-selection",
        ws(_route("a"), "    apiKeySelectionExpression: $request.header.x-api-key\n"),
        "AGW443",
        None,
    ),
    Case(
        "api-key-selection-other",
        ws(_route("a"), "    apiKeySelectionExpression: $request.header.key\n"),
        "AGW443",
        E,
    ),
    Case(
        "route-response-selection",
        ws(_route("a", "routeResponseSelectionExpression: $default, ")),
        "AGW443",
        None,
    ),
    Case(
        "route-response-selection-other",
        ws(_route("a", "routeResponseSelectionExpression: $request.body.x, ")),
        "AGW443",
        E,
    ),
    Case("route-response-key", ws(_route("a", "routeResponses: {$default: {}}, ")), "AGW443", None),
    Case("route-response-key-other", ws(_route("a", "routeResponses: {ok: {}}, ")), "AGW443", E),
    Case(
        "model-selection-body",
        ws(_route("a", "modelSelectionExpression: '${request.body.kind}', ")),
        "AGW443",
        None,
    ),
    Case(
        "model-selection-constant",
        ws(_route("a", "modelSelectionExpression: \\$default, ")),
        "AGW443",
        None,
    ),
    Case(
        "model-selection-context",
        ws(_route("a", "modelSelectionExpression: $context.routeKey, ")),
        "AGW443",
        E,
    ),
    Case(
        "template-selection",
        ws("a: {integration: {type: mock, templateSelectionExpression: '${request.body.kind}'}}"),
        "AGW443",
        None,
    ),
    Case(
        "template-selection-unclosed",
        ws("a: {integration: {type: mock, templateSelectionExpression: '${request.body.kind'}}"),
        "AGW443",
        E,
    ),
    Case(
        "integration-response-selection",
        ws(
            "a: {integration: {type: mock, integrationResponseSelectionExpression: '${integration.response.statuscode}'}}"
        ),
        "AGW443",
        None,
    ),
    Case(
        "integration-response-selection-body",
        ws(
            "a: {integration: {type: mock, integrationResponseSelectionExpression: '$request.body.x'}}"
        ),
        "AGW443",
        E,
    ),
    # -- AGW444 authorization on $connect only ------------------------------------------------
    Case("connect-authorizer", ws(_route("$connect", "authorizer: auth, "), AUTH), "AGW444", None),
    Case("connect-iam", ws(_route("$connect", "authorizationType: AWS_IAM, ")), "AGW444", None),
    Case("connect-api-key", ws(_route("$connect", "apiKeyRequired: true, ")), "AGW444", None),
    Case("message-authorizer", ws(_route("sendMessage", "authorizer: auth, "), AUTH), "AGW444", E),
    Case("message-iam", ws(_route("$default", "authorizationType: AWS_IAM, ")), "AGW444", E),
    Case(
        "message-api-key", ws(_route("sendMessage", "apiKeyRequired: true, ")), "AGW444", "warning"
    ),
    Case("connect-jwt", ws(_route("$connect", "authorizationType: JWT, ")), "AGW444", E),
    Case(
        "connect-undefined-authorizer", ws(_route("$connect", "authorizer: nobody, ")), "AGW444", E
    ),
    Case(
        "connect-iam-and-authorizer",
        ws(_route("$connect", "authorizationType: AWS_IAM, authorizer: auth, "), AUTH),
        "AGW444",
        E,
    ),
    Case(
        "token-authorizer",
        ws(_route("$connect", "authorizer: auth, "), AUTH.replace("type: REQUEST", "type: TOKEN")),
        "AGW444",
        E,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_websocket_rules(case: Case) -> None:
    check_case(case)


def test_a_finding_points_at_the_offending_key_with_a_hint() -> None:
    text = ws(_route("$connect") + "\n" + _route("sendMessage", "apiKeyRequired: true, "))
    (found,) = [d for d in diagnostics(text) if d.code == "AGW444"]
    lines = text.splitlines()
    line = next(i for i, t in enumerate(lines, 1) if "sendMessage" in t)
    assert found.line == line
    assert found.column == lines[line - 1].index("apiKeyRequired") + 1
    assert "sendMessage" in found.message and "$connect only" in found.message
    assert found.severity.value == "warning"
    assert "$connect" in found.hint
