"""CloudWatch alarms on an API's metrics -> `x-apigwc.monitoring` (what `apigwc build` emits).

Flows in: the template, the API's logical id, its body (a REST API's metrics name it by its
title) and the stage names imported. Flows out: the `monitoring` setting, or None. Only alarms
the dialect can say are read: namespace `AWS/ApiGateway`, the `5XXError` (HTTP APIs: `5xx`) rate
as an Average and `Latency` at p99, `GreaterThanThreshold`, by the API (`ApiName` = the title,
HTTP APIs `ApiId` = a `Ref` to it) and `Stage`. When the stages' alarms differ (thresholds,
actions), one `monitoring` cannot hold them and none is imported.
"""

from __future__ import annotations

import json
from typing import Any

from apigwc.importer.template import Template
from apigwc.ir.deployment import ALARM_DEFAULTS

# (metric name, statistic key, statistic) -> the alarm's key in `x-apigwc.monitoring`.
_ALARMS = {
    ("5XXError", "Statistic", "Average"): "serverErrorRate",
    ("5xx", "Statistic", "Average"): "serverErrorRate",
    ("Latency", "ExtendedStatistic", "p99"): "latencyP99",
}
_FIELDS = {
    "Threshold": "threshold",
    "Period": "period",
    "EvaluationPeriods": "evaluationPeriods",
    "DatapointsToAlarm": "datapointsToAlarm",
}


def import_monitoring(
    template: Template, api_id: str, body: dict[str, Any], stages: list[str], http: bool
) -> dict[str, Any] | None:
    per_stage: dict[str, dict[str, Any]] = {}
    for alarm in template.of_type("AWS::CloudWatch::Alarm"):
        found = _alarm(template, alarm.properties, api_id, body, http)
        if found is not None:
            stage, key, settings = found
            per_stage.setdefault(stage, {})[key] = settings
    if not per_stage:
        return None
    shapes = {json.dumps(alarms, sort_keys=True) for alarms in per_stage.values()}
    if len(shapes) != 1:
        return None
    alarms = next(iter(per_stage.values()))
    monitored = [s for s in stages if s in per_stage]  # stages the import did not find: none
    if not monitored:
        return None
    monitoring: dict[str, Any] = {}
    if monitored != stages:
        monitoring["stages"] = monitored
    for prop, key in (("AlarmActions", "alarmActions"), ("OKActions", "okActions")):
        actions = next((a[prop] for a in alarms.values() if a.get(prop)), None)
        if actions:
            monitoring[key] = actions
    for key, defaults in ALARM_DEFAULTS.items():
        found = alarms.get(key)
        if found is None:
            monitoring[key] = {"enabled": False}
            continue
        given = {k: v for k, v in found.items() if k in _FIELDS.values()}
        default = defaults.model_dump(by_alias=True, exclude_none=True)
        monitoring[key] = {k: v for k, v in given.items() if default.get(k) != v}
    return monitoring


def _alarm(
    template: Template, props: dict[str, Any], api_id: str, body: dict[str, Any], http: bool
) -> tuple[str, str, dict[str, Any]] | None:
    if props.get("Namespace") != "AWS/ApiGateway":
        return None
    if props.get("ComparisonOperator") != "GreaterThanThreshold":
        return None
    dimensions = props.get("Dimensions")
    named = {
        d.get("Name"): d.get("Value")
        for d in (dimensions if isinstance(dimensions, list) else [])
        if isinstance(d, dict)
    }
    stage = named.get("Stage")
    if not isinstance(stage, str) or set(named) != {"Stage", "ApiId" if http else "ApiName"}:
        return None
    info = body.get("info")
    title = info.get("title") if isinstance(info, dict) else None
    if (template.ref_target(named["ApiId"]) != api_id) if http else (named["ApiName"] != title):
        return None
    statistic = "ExtendedStatistic" if "ExtendedStatistic" in props else "Statistic"
    key = _ALARMS.get((str(props.get("MetricName")), statistic, str(props.get(statistic))))
    if key is None:
        return None
    settings: dict[str, Any] = {
        name: props[prop] for prop, name in _FIELDS.items() if props.get(prop) is not None
    }
    for prop in ("AlarmActions", "OKActions"):
        if props.get(prop):
            settings[prop] = props[prop]
    return stage, key, settings
