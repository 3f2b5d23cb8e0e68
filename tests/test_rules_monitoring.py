"""`x-apigwc.monitoring` (the CloudWatch alarms of the templates): its shape and its rules, as
a table of documents and the code each reports (or must not report)."""

from __future__ import annotations

import pytest

from tests.rules_cases import HEAD, MOCK, OK, Case, diagnostics


def _doc(monitoring: str) -> str:
    return (
        HEAD
        + f"paths:\n  /pets:\n    get:\n      responses: {OK}\n"
        + f"      x-amazon-apigateway-integration: {MOCK}\n"
        + f"x-apigwc:\n  stages: {{dev: {{}}, prod: {{}}}}\n  monitoring: {monitoring}\n"
    )


CASES = [
    Case("defaults", _doc("{}"), "AGW468", None),
    Case("known stages", _doc("{stages: [dev, prod]}"), "AGW467", None),
    Case("unknown stage", _doc("{stages: [production]}"), "AGW467", "error"),
    Case("period 45", _doc("{latencyP99: {period: 45}}"), "AGW468", "error"),
    Case("period 10", _doc("{latencyP99: {period: 10}}"), "AGW468", None),
    Case("period 120", _doc("{serverErrorRate: {period: 120}}"), "AGW468", None),
    Case(
        "datapoints over evaluations",
        _doc("{serverErrorRate: {evaluationPeriods: 2, datapointsToAlarm: 3}}"),
        "AGW468",
        "error",
    ),
    Case(
        "default datapoints over fewer evaluations",
        _doc("{serverErrorRate: {evaluationPeriods: 2}}"),
        "AGW468",
        "error",
    ),
    Case(
        "more than a day",
        _doc("{latencyP99: {period: 3600, evaluationPeriods: 25, datapointsToAlarm: 1}}"),
        "AGW468",
        "error",
    ),
    Case("negative threshold", _doc("{latencyP99: {threshold: -1}}"), "AGW468", "error"),
    Case(
        "a disabled alarm is not checked",
        _doc("{latencyP99: {enabled: false, period: 45}}"),
        "AGW468",
        None,
    ),
    Case("threshold not a number", _doc("{latencyP99: {threshold: high}}"), "AGW201", "error"),
    Case("unknown key", _doc("{latencyP90: {threshold: 1}}"), "AGW209", "warning"),
    Case("actions not a list", _doc("{alarmActions: 3}"), "AGW201", "error"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_monitoring_rules(case: Case) -> None:
    found = {(d.code, d.severity.value) for d in diagnostics(case.document)}
    if case.severity is None:
        assert case.code not in {code for code, _ in found}, found
    else:
        assert (case.code, case.severity) in found, found
