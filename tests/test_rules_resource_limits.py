"""Path, route, integration, template and name limits AGW500-AGW505, branch by branch."""

from __future__ import annotations

import pytest

from tests.rules_cases import HEAD, HTTP_HEAD, MOCK, OK, Case, check_case, findings, rest_op

E = "error"

CASES = [
    Case(
        "oas-range-status",
        rest_op(
            MOCK, path="/pets", responses="{'2XX': {description: ok}, '200': {description: ok}}"
        ),
        "AGW504",
        E,
    ),
    Case(
        "default-status-ok",
        rest_op(
            MOCK, path="/pets", responses="{default: {description: ok}, '200': {description: ok}}"
        ),
        "AGW504",
        None,
    ),
    Case(
        "header-name-ok",
        rest_op(MOCK, path="/pets", params="{name: X-Api-Version, in: header}"),
        "AGW505",
        None,
    ),
    Case(
        "cookie-ignored",
        rest_op(MOCK, path="/pets", params="{name: 'a b', in: cookie}"),
        "AGW505",
        None,
    ),
    Case(
        "path-brackets",
        rest_op(MOCK, path="/pets", params="{name: 'ids[]', in: query}"),
        "AGW505",
        E,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_limit_rule(case: Case) -> None:
    check_case(case)


def test_resources_count_intermediate_ones() -> None:
    """An import creates every intermediate resource: 150 paths two deep are 301 resources."""
    paths = "".join(
        f"  /a{n}/b:\n    get:\n      responses: {OK}\n      x-amazon-apigateway-integration: {MOCK}\n"
        for n in range(150)
    )
    assert ("AGW500", "warning") in findings(HEAD + "paths:\n" + paths)
    assert "AGW500" not in {c for c, _ in findings(HEAD + "paths:\n" + paths.split("  /a149")[0])}


def test_shared_integration_components_count_once() -> None:
    """301 routes sharing one integration component are 1 integration, not 301."""
    proxy = (
        "{type: HTTP_PROXY, httpMethod: ANY, uri: 'https://x.example', payloadFormatVersion: '1.0'}"
    )
    doc = (
        HTTP_HEAD
        + f"components:\n  x-amazon-apigateway-integrations:\n    shared: {proxy}\npaths:\n"
        + "".join(
            f"  /r{n}:\n    get:\n      responses: {OK}\n"
            "      x-amazon-apigateway-integration: {$ref: '#/components/x-amazon-apigateway-integrations/shared'}\n"
            for n in range(301)
        )
    )
    found = {c for c, _ in findings(doc)}
    assert "AGW501" in found
    assert "AGW502" not in found


def test_template_size_counts_bytes() -> None:
    """The 300 KB limit is on UTF-8 bytes: 110,000 three-byte characters are 330,000 bytes."""
    template = "€" * 110_000
    integration = (
        "{type: mock, requestTemplates: {application/json: '" + template + "'}, "
        "responses: {default: {statusCode: '200'}}}"
    )
    assert ("AGW503", E) in findings(rest_op(integration, path="/pets"))
