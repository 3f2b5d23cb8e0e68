"""Route rules AGW430-AGW440, branch by branch, for REST resources and HTTP API routes."""

from __future__ import annotations

import pytest

from tests.rules_cases import HEAD, HTTP_HEAD, MOCK, OK, Case, check_case, diagnostics, paths_doc

E, W, INFO = "error", "warning", "info"
PROXY = "{type: HTTP_PROXY, httpMethod: ANY, uri: 'https://x.example', payloadFormatVersion: '1.0'}"


def _http_paths(*paths: str) -> str:
    body = "paths:\n"
    for path in paths:
        body += f"  '{path}':\n    get:\n      responses: {OK}\n      x-amazon-apigateway-integration: {PROXY}\n"
    return HTTP_HEAD + body


def _default_route(verb: str, path: str = "/$default") -> str:
    return (
        f"  '{path}':\n    {verb}:\n      isDefaultRoute: true\n      responses: {OK}\n"
        f"      x-amazon-apigateway-integration: {PROXY}\n"
    )


def _rest_with_undeclared(path: str, declared: str = "") -> str:
    params = f"      parameters: [{declared}]\n" if declared else ""
    return (
        HEAD
        + f"paths:\n  '{path}':\n    get:\n{params}      responses: {OK}\n"
        + f"      x-amazon-apigateway-integration: {MOCK}\n"
    )


def _cors_default(root: str, operation: str) -> str:
    auth = (
        "components: {securitySchemes: {jwt: {type: oauth2, flows: {}, x-amazon-apigateway-authorizer: "
        "{type: jwt, identitySource: $request.header.Authorization, jwtConfiguration: "
        "{issuer: 'https://issuer.example.com', audience: [api]}}}}}\n"
    )
    return (
        HTTP_HEAD
        + "x-amazon-apigateway-cors: {allowOrigins: ['*']}\n"
        + auth
        + root
        + "paths:\n  /$default:\n    x-amazon-apigateway-any-method:\n      isDefaultRoute: true\n"
        + operation
        + f"      responses: {OK}\n      x-amazon-apigateway-integration: {PROXY}\n"
    )


CASES = [
    # AGW430 segment characters (REST only)
    Case("rest-at-sign", paths_doc("/pets/@me"), "AGW430", E),
    Case("rest-allowed-punctuation", paths_doc("/pets/a,b:c.d_e-f"), "AGW430", None),
    Case("http-api-not-bound", _http_paths("/pets/@me"), "AGW430", None),
    # AGW431 whole-segment parameters
    Case("prefix-text", paths_doc("/res{id}"), "AGW431", E),
    Case("suffix-text", paths_doc("/{id}.json"), "AGW431", E),
    Case("http-api-suffix", _http_paths("/{id}.json"), "AGW431", E),
    # AGW432 greedy last
    Case("http-api-greedy-middle", _http_paths("/a/{p+}/b"), "AGW432", E),
    Case("greedy-at-several-levels", paths_doc("/{proxy+}", "/parent/{proxy+}"), "AGW432", None),
    # AGW433 one variable child per parent
    Case("same-name-everywhere", paths_doc("/user/{id}/a", "/user/{id}/b"), "AGW433", None),
    Case("greedy-beside-variable", paths_doc("/user/{id}", "/user/{proxy+}"), "AGW433", E),
    Case("http-api-different-names", _http_paths("/user/{a}/x", "/user/{b}/y"), "AGW433", None),
    Case("root-level-variables", paths_doc("/{a}", "/{b}/x"), "AGW433", E),
    # AGW434 duplicates after normalisation
    Case("http-api-renamed-variable", _http_paths("/pets/{id}", "/pets/{petId}"), "AGW434", E),
    Case("distinct-paths", paths_doc("/pets", "/pets/{id}"), "AGW434", None),
    # AGW435 / AGW436 path parameters
    Case("undeclared-is-info", _rest_with_undeclared("/pets/{id}"), "AGW435", INFO),
    Case(
        "greedy-declared",
        _rest_with_undeclared("/{proxy+}", "{name: proxy, in: path, required: true}"),
        "AGW435",
        None,
    ),
    Case(
        "unused-declared",
        _rest_with_undeclared("/pets", "{name: id, in: path, required: true}"),
        "AGW436",
        W,
    ),
    # AGW438 $default
    Case(
        "two-defaults",
        HTTP_HEAD
        + "paths:\n"
        + _default_route("x-amazon-apigateway-any-method")
        + _default_route("x-amazon-apigateway-any-method", "/other"),
        "AGW438",
        E,
    ),
    Case(
        "rest-default-flag",
        HEAD
        + "x-apigwc: {protocol: REST}\npaths:\n"
        + _default_route("x-amazon-apigateway-any-method", "/x").replace(PROXY, MOCK),
        "AGW438",
        W,
    ),
    Case(
        "one-default",
        HTTP_HEAD + "paths:\n" + _default_route("x-amazon-apigateway-any-method"),
        "AGW438",
        None,
    ),
    # AGW441 CORS preflight with an authorized $default route
    Case("root-security-applies", _cors_default("security: [{jwt: []}]\n", ""), "AGW441", W),
    Case(
        "operation-opts-out",
        _cors_default("security: [{jwt: []}]\n", "      security: []\n"),
        "AGW441",
        None,
    ),
    Case("unauthorized-default", _cors_default("", ""), "AGW441", None),
    # AGW439 reserved paths
    Case("sping", paths_doc("/sping"), "AGW439", W),
    Case("nested-ping", paths_doc("/v1/ping"), "AGW439", None),
    # AGW440 path syntax
    Case("no-leading-slash", paths_doc("pets"), "AGW440", E),
    Case("root", paths_doc("/"), "AGW440", None),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_route_rule(case: Case) -> None:
    check_case(case)


def test_sibling_message_is_aws_wording() -> None:
    """The message repeats API Gateway's own words, naming the first variable seen."""
    found = diagnostics(paths_doc("/user/{bizId}/complaint", "/user/{userId}/fans"))
    messages = [d.message for d in found if d.code == "AGW433"]
    assert messages == [
        "Unable to create resource at path '/user/{userId}': A sibling ({bizId}) of this "
        "resource already has a variable path part -- only one is allowed"
    ]
