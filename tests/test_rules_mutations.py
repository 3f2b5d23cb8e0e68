"""One-defect mutations of valid documents: each is reported, at the offending key."""

from __future__ import annotations

import pytest

from tests.rules_cases import HEAD, HTTP_HEAD, MOCK, OK, diagnostics, rest_op

HTTP_BACKEND = "{type: http, httpMethod: GET, uri: 'https://example.com/pets'"


def _op(path: str, extra: str = "", integration: str = MOCK) -> str:
    return (
        f"  {path}:\n    get:\n{extra}      responses: {OK}\n"
        f"      x-amazon-apigateway-integration: {integration}\n"
    )


# (id, document, code, severity, the text the finding's position starts with)
MUTATIONS = [
    (
        "duplicate-operation-id",
        HEAD
        + "paths:\n"
        + _op("/a", "      operationId: listPets\n")
        + _op("/b", "      operationId: listPets\n"),
        "AGW212",
        "warning",
        "listPets",
    ),
    (
        "payload-format-version-on-rest",
        rest_op(
            HTTP_BACKEND
            + ", payloadFormatVersion: '1.0', responses: {default: {statusCode: '200'}}}",
            path="/pets",
        ),
        "AGW301",
        "warning",
        "payloadFormatVersion",
    ),
    (
        "authtype-without-authorizer",
        HEAD
        + "paths: {}\ncomponents:\n  securitySchemes:\n    k:\n      type: apiKey\n"
        + "      name: Authorization\n      in: header\n      x-amazon-apigateway-authtype: custom\n",
        "AGW213",
        "warning",
        "custom",
    ),
    (
        "binary-media-types-not-a-list",
        HEAD + "x-amazon-apigateway-binary-media-types: image/png\npaths: {}\n",
        "AGW201",
        "error",
        "image/png",
    ),
    (
        "integration-responses-without-default",
        rest_op(HTTP_BACKEND + ", responses: {'2\\d{2}': {statusCode: '200'}}}", path="/pets"),
        "AGW424",
        "warning",
        "responses: {'2",
    ),
    (
        "jwt-authorizer-without-issuer",
        HTTP_HEAD
        + "paths: {}\ncomponents:\n  securitySchemes:\n    jwt:\n      type: oauth2\n"
        + "      flows: {}\n      x-amazon-apigateway-authorizer:\n        type: jwt\n"
        + "        identitySource: $request.header.Authorization\n"
        + "        jwtConfiguration:\n          audience: [a]\n",
        "AGW408",
        "error",
        "jwtConfiguration",
    ),
    (
        "policy-statement-effect",
        HEAD
        + "x-amazon-apigateway-policy:\n  Version: '2012-10-17'\n  Statement:\n"
        + "    - {Effect: Permit, Principal: '*', Action: 'execute-api:Invoke', Resource: '*'}\n"
        + "paths: {}\n",
        "AGW497",
        "error",
        "Permit",
    ),
]


@pytest.mark.parametrize(
    ("document", "code", "severity", "at"),
    [m[1:] for m in MUTATIONS],
    ids=[m[0] for m in MUTATIONS],
)
def test_one_defect_is_reported_at_its_key(
    document: str, code: str, severity: str, at: str
) -> None:
    found = [d for d in diagnostics(document) if d.code == code]
    assert found, [d.code for d in diagnostics(document)]
    (finding,) = found
    assert finding.severity.value == severity
    assert finding.position is not None
    lines = document.splitlines(keepends=True)
    text = "".join(lines[finding.position.line - 1 :])[finding.position.column - 1 :]
    assert text.startswith(at), text[:60]
