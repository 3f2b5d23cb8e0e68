"""`x-apigwc.monitoring` as CloudWatch alarms, in both templates.

Flows in: the template builder (its IR `Api`, template and binder, as `cfn_parts.TemplateParts`). Flows out: one
`AWS::CloudWatch::Alarm` per monitored stage and enabled alarm: the server error rate (the
stage's `5XXError` metric, a 0-or-1 value per request, as an Average: the share of requests
that failed) and the p99 latency (`Latency` with `ExtendedStatistic: p99`, in milliseconds).

The metrics are API Gateway's (CloudWatch namespace `AWS/ApiGateway`, "Amazon API Gateway
dimensions and metrics", developer guide): a REST API's by `ApiName` (the name its body's
`info.title` gives it) and `Stage`; an HTTP API's are named `5xx` and `Latency`, by `ApiId` and
`Stage`. A period without requests sends no data point: `notBreaching`, so an idle stage is not
an alarm. WebSocket APIs (other metric names) get none.
"""

from __future__ import annotations

from typing import Any

from apigwc.emitters.cfn_parts import TemplateParts
from apigwc.emitters.cfn_template import ref
from apigwc.ir.base import deployable_json
from apigwc.ir.deployment import Alarm
from apigwc.ir.enums import Protocol

Json = Any
NAMESPACE = "AWS/ApiGateway"
# The alarm key of `x-apigwc.monitoring` -> (REST metric, HTTP API metric, statistic, what).
METRICS = {
    "serverErrorRate": ("5XXError", "5xx", {"Statistic": "Average"}, "server error rate"),
    "latencyP99": ("Latency", "Latency", {"ExtendedStatistic": "p99"}, "p99 latency (ms)"),
}
_DESCRIPTION_LIMIT = 1024  # AlarmDescription's length limit


def add_alarms(builder: TemplateParts, api_id: str) -> None:
    monitoring = builder.deployment.monitoring
    if monitoring is None:
        return
    names = builder.deployment.stage_names
    stages = [s for s in monitoring.stages if s in names] if monitoring.stages else list(names)
    alarm_actions = [builder.binder.bind(deployable_json(a)) for a in monitoring.alarm_actions]
    ok_actions = [builder.binder.bind(deployable_json(a)) for a in monitoring.ok_actions]
    for stage in stages:
        for key, alarm in monitoring.alarms().items():
            props = _alarm(builder, api_id, stage, key, alarm)
            props["AlarmActions"] = alarm_actions or None
            props["OKActions"] = ok_actions or None
            logical_id = builder.template.new_id(api_id, stage, METRICS[key][0], "Alarm")
            builder.template.add_resource(logical_id, "AWS::CloudWatch::Alarm", props)


def _alarm(
    builder: TemplateParts, api_id: str, stage: str, key: str, alarm: Alarm
) -> dict[str, Json]:
    rest_metric, http_metric, statistic, what = METRICS[key]
    rest = builder.api.protocol is Protocol.REST
    api_dimension = (
        {"Name": "ApiName", "Value": _api_name(builder)}
        if rest
        else {"Name": "ApiId", "Value": ref(api_id)}
    )
    title = builder.api.title if isinstance(builder.api.title, str) else builder.api.slug
    description = f"{title} stage {stage}: {what} above {alarm.threshold:g} (x-apigwc.monitoring)"
    return {
        "AlarmDescription": description[:_DESCRIPTION_LIMIT],
        "Namespace": NAMESPACE,
        "MetricName": rest_metric if rest else http_metric,
        "Dimensions": [api_dimension, {"Name": "Stage", "Value": stage}],
        **statistic,
        "Period": alarm.period,
        "EvaluationPeriods": alarm.evaluation_periods,
        "DatapointsToAlarm": alarm.datapoints_to_alarm,
        "Threshold": alarm.threshold,
        "ComparisonOperator": "GreaterThanThreshold",
        "TreatMissingData": "notBreaching",
    }


def _api_name(builder: TemplateParts) -> Json:
    """A REST API's name: the body's `info.title` (an intrinsic there is bound as in the body)."""
    title = builder.api.title
    return title if isinstance(title, str) else builder.binder.bind(deployable_json(title))
