"""Stage properties of a template -> `x-apigwc.stages` entries.

Flows in: the properties of an `AWS::ApiGateway::Stage` (the same names an
`AWS::Serverless::Api` takes) or an `AWS::ApiGatewayV2::Stage`. Flows out: one stage as the
`x-apigwc` dialect writes it (camelCase, API Gateway's names). Method settings are keyed
`/{resource path}/{METHOD}` as API Gateway's own `patchOperations` paths are; CloudFormation
writes the resource path with `/` escaped as `~1` (`/~1pets` for `/pets`), undone here.
"""

from __future__ import annotations

from typing import Any

from apigwc.diagnostics.model import Origin
from apigwc.importer.template import Template

WILDCARD = "/*/*"


def rest_stage(template: Template, props: dict[str, Any], origin: Origin) -> dict[str, Any]:
    stage: dict[str, Any] = {}
    _put(stage, "description", _text(template, props.get("Description")))
    variables = _string_map(template, props.get("Variables"), origin.child("Variables"))
    if variables:
        stage["variables"] = variables
    settings = _method_settings(template, props.get("MethodSettings"))
    throttle = settings.get(WILDCARD, {}).pop("throttle", None)
    if settings.get(WILDCARD) == {}:
        del settings[WILDCARD]
    _put(stage, "throttle", throttle)
    cache = _cache(template, props)
    _stage_cache_ttl(cache, settings)
    _put(stage, "cache", cache)
    if settings:
        stage["methodSettings"] = settings
    _put(stage, "accessLog", _access_log(template, props.get("AccessLogSetting")))
    tracing = template.scalar(props.get("TracingEnabled"))
    _put(stage, "tracing", tracing if isinstance(tracing, bool) else None)
    _put(stage, "canary", _canary(template, props.get("CanarySetting"), origin))
    return stage


def http_stage(template: Template, props: dict[str, Any], origin: Origin) -> dict[str, Any]:
    stage: dict[str, Any] = {}
    _put(stage, "description", _text(template, props.get("Description")))
    variables = _string_map(template, props.get("StageVariables"), origin.child("StageVariables"))
    if variables:
        stage["variables"] = variables
    default = props.get("DefaultRouteSettings")
    if isinstance(default, dict):
        setting = _route_setting(template, default)
        _put(stage, "throttle", setting.pop("throttle", None))
        if setting:
            stage["methodSettings"] = {WILDCARD: setting}
    routes = props.get("RouteSettings")
    for route_key, config in (routes.items() if isinstance(routes, dict) else ()):
        method, _, path = str(route_key).partition(" ")
        if isinstance(config, dict) and path:
            settings = stage.setdefault("methodSettings", {})
            settings[f"{path}/{method}"] = _route_setting(template, config)
    _put(stage, "accessLog", _access_log(template, props.get("AccessLogSettings")))
    return stage


def _stage_cache_ttl(cache: dict[str, Any] | None, settings: dict[str, Any]) -> None:
    """The stage's cache TTL is a `/*/*` method setting in CloudFormation (CacheTtlInSeconds):
    read it back as the stage cache's own TTL."""
    wildcard = settings.get(WILDCARD, {})
    caching = wildcard.get("caching")
    if cache is None or not isinstance(caching, dict) or "ttlInSeconds" not in caching:
        return
    cache["ttlInSeconds"] = caching.pop("ttlInSeconds")
    if caching.get("enabled") == cache["enabled"]:
        caching.pop("enabled")
    if not caching:
        del wildcard["caching"]
    if not wildcard:
        del settings[WILDCARD]


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    if value is not None and value != {}:
        target[key] = value


def _text(template: Template, value: Any) -> str | None:
    value = template.scalar(value)
    return value if isinstance(value, str) else None


def _number(template: Template, value: Any, kind: type) -> Any:
    value = template.scalar(value)
    if isinstance(value, str):
        try:
            value = kind(value)
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return kind(value)


def _flag(template: Template, value: Any) -> bool | None:
    value = template.scalar(value)
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value if isinstance(value, bool) else None


def _string_map(template: Template, values: Any, origin: Origin) -> dict[str, str]:
    """Stage variables: strings, or parameter defaults; an intrinsic that needs a deployed
    stack (a resource's attribute) has no local value and is reported (AGW139)."""
    result: dict[str, str] = {}
    for name, value in (values.items() if isinstance(values, dict) else ()):
        resolved = template.scalar(value)
        if isinstance(resolved, (str, int, float)) and not isinstance(resolved, bool):
            result[str(name)] = str(resolved)
        else:
            template.report(
                "AGW139",
                origin.child(name),
                what=f"stage variable {name}",
                reason="its value is only known once the stack is deployed",
            )
    return result


def _throttle(template: Template, rate: Any, burst: Any) -> dict[str, Any] | None:
    throttle: dict[str, Any] = {}
    _put(throttle, "rateLimit", _number(template, rate, float))
    _put(throttle, "burstLimit", _number(template, burst, int))
    return throttle or None


def _method_settings(template: Template, settings: Any) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = {}
    for entry in settings if isinstance(settings, list) else ():
        if not isinstance(entry, dict):
            continue
        path = str(template.scalar(entry.get("ResourcePath", "/*")))
        path = path.replace("~1", "/").replace("~0", "~")
        if path.startswith("//"):
            path = path[1:]
        method = str(template.scalar(entry.get("HttpMethod", "*")))
        result[f"{path}/{method}"] = _method_setting(template, entry)
    return result


def _method_setting(template: Template, entry: dict[str, Any]) -> dict[str, Any]:
    setting: dict[str, Any] = {}
    _put(
        setting,
        "throttle",
        _throttle(template, entry.get("ThrottlingRateLimit"), entry.get("ThrottlingBurstLimit")),
    )
    caching: dict[str, Any] = {}
    _put(caching, "enabled", _flag(template, entry.get("CachingEnabled")))
    _put(caching, "ttlInSeconds", _number(template, entry.get("CacheTtlInSeconds"), int))
    _put(caching, "dataEncrypted", _flag(template, entry.get("CacheDataEncrypted")))
    _put(setting, "caching", caching)
    _put(setting, "metrics", _flag(template, entry.get("MetricsEnabled")))
    level = _text(template, entry.get("LoggingLevel"))
    _put(setting, "logging", level.upper() if level else None)
    _put(setting, "dataTrace", _flag(template, entry.get("DataTraceEnabled")))
    return setting


def _route_setting(template: Template, entry: dict[str, Any]) -> dict[str, Any]:
    setting: dict[str, Any] = {}
    _put(
        setting,
        "throttle",
        _throttle(template, entry.get("ThrottlingRateLimit"), entry.get("ThrottlingBurstLimit")),
    )
    _put(setting, "metrics", _flag(template, entry.get("DetailedMetricsEnabled")))
    level = _text(template, entry.get("LoggingLevel"))
    _put(setting, "logging", level.upper() if level else None)
    _put(setting, "dataTrace", _flag(template, entry.get("DataTraceEnabled")))
    return setting


def _cache(template: Template, props: dict[str, Any]) -> dict[str, Any] | None:
    enabled = _flag(template, props.get("CacheClusterEnabled"))
    if enabled is None:
        return None
    cache: dict[str, Any] = {"enabled": enabled}
    size = template.scalar(props.get("CacheClusterSize"))
    if isinstance(size, (str, int, float)) and not isinstance(size, bool):
        cache["clusterSize"] = str(size)
    return cache


def _access_log(template: Template, setting: Any) -> dict[str, Any] | None:
    if not isinstance(setting, dict):
        return None
    fmt = _text(template, setting.get("Format"))
    if fmt is None:
        return None
    log: dict[str, Any] = {"format": fmt}
    destination = setting.get("DestinationArn")
    target = template.resources.get(template.ref_target(destination) or "")
    if destination is not None and not (target and target.type == "AWS::Logs::LogGroup"):
        # A log group declared in the same template is the deployment's own plumbing, which
        # the emitters create again; any other destination is the user's and is kept.
        log["destinationArn"] = destination
    return log


def _canary(template: Template, setting: Any, origin: Origin) -> dict[str, Any] | None:
    if not isinstance(setting, dict):
        return None
    canary: dict[str, Any] = {}
    _put(canary, "percentTraffic", _number(template, setting.get("PercentTraffic"), float))
    overrides = _string_map(
        template,
        setting.get("StageVariableOverrides"),
        origin.child("CanarySetting", "StageVariableOverrides"),
    )
    _put(canary, "stageVariableOverrides", overrides)
    _put(canary, "useStageCache", _flag(template, setting.get("UseStageCache")))
    return canary or None
