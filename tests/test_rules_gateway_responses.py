"""Gateway response rules AGW460-AGW464, branch by branch."""

from __future__ import annotations

import pytest

from tests.rules_cases import HEAD, Case, check_case

E, W = "error", "warning"

CASES = [
    Case(
        "status-600",
        HEAD
        + "paths: {}\nx-amazon-apigateway-gateway-responses: {THROTTLED: {statusCode: '600'}}\n",
        "AGW460",
        E,
    ),
    Case(
        "querystring-key",
        HEAD
        + "paths: {}\nx-amazon-apigateway-gateway-responses: {DEFAULT_4XX: {responseParameters: {gatewayresponse.querystring.x: \"'y'\"}}}\n",
        "AGW462",
        None,
    ),
    Case(
        "request-header-value",
        HEAD
        + "paths: {}\nx-amazon-apigateway-gateway-responses: {DEFAULT_4XX: {responseParameters: {gatewayresponse.header.x: method.request.header.origin}}}\n",
        "AGW463",
        None,
    ),
    Case(
        "context-value",
        HEAD
        + "paths: {}\nx-amazon-apigateway-gateway-responses: {DEFAULT_4XX: {responseParameters: {gatewayresponse.header.x: context.requestId}}}\n",
        "AGW463",
        None,
    ),
    Case(
        "integration-value",
        HEAD
        + "paths: {}\nx-amazon-apigateway-gateway-responses: {DEFAULT_4XX: {responseParameters: {gatewayresponse.header.x: integration.response.header.y}}}\n",
        "AGW463",
        E,
    ),
    Case(
        "foreach",
        HEAD
        + "paths: {}\nx-amazon-apigateway-gateway-responses: {DEFAULT_4XX: {responseTemplates: {application/json: '#foreach($x in $y)#end'}}}\n",
        "AGW464",
        W,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_gateway_response_rule(case: Case) -> None:
    check_case(case)
