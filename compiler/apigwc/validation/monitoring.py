"""Rules for `x-apigwc.monitoring`: the CloudWatch alarms the templates emit per stage.

Flows in: the IR `Api` (`api.deployment.monitoring`). Flows out: AGW467 (a stage the spec does
not have) and AGW468 (an alarm CloudWatch would refuse: `PutMetricAlarm`'s limits on the
period, the evaluation periods and the datapoints, or a negative threshold), at `x-apigwc/...`
pointers. The shape of the extension (types, unknown keys) is the lowering's (AGW201, AGW209).
"""

from __future__ import annotations

from apigwc.diagnostics.catalogue import Code
from apigwc.diagnostics.model import Severity
from apigwc.ir.api import Api
from apigwc.ir.deployment import Alarm
from apigwc.validation.base import Report
from apigwc.validation.deployment import example, x_apigwc_at

E = Severity.ERROR

CODES = (
    Code(
        "AGW467",
        "monitoring-stage",
        E,
        "x-apigwc.monitoring.stages names {stage!r}, which is not a stage of x-apigwc.stages",
        "name a stage of x-apigwc.stages, or leave `stages` out to monitor every stage",
        "Monitoring alarms are emitted per stage; a stage the API does not deploy has no metrics.",
        bad=example("stages: {prod: {}}\nmonitoring: {stages: [production]}"),
        good=example("stages: {prod: {}}\nmonitoring: {stages: [prod]}"),
    ),
    Code(
        "AGW468",
        "monitoring-alarm",
        E,
        "x-apigwc.monitoring.{alarm}: {problem}",
        "period 10, 30 or a multiple of 60 seconds; datapointsToAlarm at most evaluationPeriods; "
        "evaluationPeriods x period at most one day; a threshold of 0 or more",
        "CloudWatch refuses an alarm whose period is not 10, 30 or a multiple of 60 seconds, "
        "whose datapoints to alarm exceed its evaluation periods, or that evaluates more than a "
        "day of data (PutMetricAlarm).",
        bad=example("monitoring:\n  latencyP99: {threshold: 1000, period: 45}"),
        good=example("monitoring:\n  latencyP99: {threshold: 1000, period: 60}"),
    ),
)

_DAY = 86400


def check(api: Api, report: Report) -> None:
    monitoring = api.deployment.monitoring
    if monitoring is None:
        return
    for i, stage in enumerate(monitoring.stages):
        if stage not in api.deployment.stage_names:
            report("AGW467", x_apigwc_at(api, "monitoring", "stages", i), stage=stage)
    for key, alarm in monitoring.alarms().items():
        problem = alarm_problem(alarm)
        if problem:
            report("AGW468", x_apigwc_at(api, "monitoring", key), alarm=key, problem=problem)


def alarm_problem(alarm: Alarm) -> str:
    """What CloudWatch would refuse in an alarm with its defaults filled in ("" when nothing)."""
    period = 60 if alarm.period is None else alarm.period
    evaluations = 1 if alarm.evaluation_periods is None else alarm.evaluation_periods
    datapoints = evaluations if alarm.datapoints_to_alarm is None else alarm.datapoints_to_alarm
    if period not in (10, 30) and (period < 60 or period % 60):
        return f"period {period} is not 10, 30 or a multiple of 60 seconds"
    if evaluations < 1 or datapoints < 1:
        return "evaluationPeriods and datapointsToAlarm must be at least 1"
    if datapoints > evaluations:
        return f"datapointsToAlarm {datapoints} is more than evaluationPeriods {evaluations}"
    if period * evaluations > _DAY:
        return f"{evaluations} periods of {period} s evaluate more than one day"
    if alarm.threshold is not None and alarm.threshold < 0:
        return f"threshold {alarm.threshold:g} is negative"
    return ""
