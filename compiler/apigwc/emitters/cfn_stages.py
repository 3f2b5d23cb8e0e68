"""Stage settings of `x-apigwc.stages` in CloudFormation's vocabulary.

Flows in: one IR `Stage` (and the API's route keys for HTTP/WebSocket route settings). Flows
out: property dicts for `AWS::ApiGateway::Stage` (REST; SAM's `AWS::Serverless::Api` takes the
same names) and `AWS::ApiGatewayV2::Stage` (HTTP, WebSocket). Access-log destinations are left to
the caller, which owns the log groups.
"""

from __future__ import annotations

import fnmatch
from typing import Any

from apigwc.ir.deployment import MethodSetting, Stage, Throttle

Json = Any
STAGE_WIDE = ("/*", "*")  # API Gateway's key for "every resource, every method"


def split_key(key: str) -> tuple[str, str]:
    """`/pets/{id}/GET` -> (`/pets/{id}`, `GET`); `/*/*` -> (`/*`, `*`); `/GET` -> (`/`, `GET`)."""
    path, _, method = key.rpartition("/")
    return (path or "/", method.upper())


def resource_path(path: str) -> str:
    """MethodSettings `ResourcePath`: inner slashes escaped as `~1` (`/a/b` -> `/~1a~1b`)."""
    if path in ("/", "/*"):
        return path
    return "/" + ("/" + path.lstrip("/")).replace("/", "~1")


def _throttle(throttle: Throttle | None) -> dict[str, Json]:
    if throttle is None:
        return {}
    return _compact(
        ThrottlingRateLimit=throttle.rate_limit, ThrottlingBurstLimit=throttle.burst_limit
    )


def _rest_method_setting(setting: MethodSetting) -> dict[str, Json]:
    out = _throttle(setting.throttle)
    if setting.caching is not None:
        out |= _compact(
            CachingEnabled=setting.caching.enabled,
            CacheTtlInSeconds=setting.caching.ttl_in_seconds,
            CacheDataEncrypted=setting.caching.data_encrypted,
        )
    return out | _compact(
        MetricsEnabled=setting.metrics,
        LoggingLevel=setting.logging.value if setting.logging else None,
        DataTraceEnabled=setting.data_trace,
    )


def rest_method_settings(stage: Stage) -> list[dict[str, Json]]:
    """Stage-wide throttling and caching become the `/*` `*` entry, as the console writes them."""
    entries: dict[tuple[str, str], dict[str, Json]] = {}
    wide = _throttle(stage.throttle)
    if stage.cache is not None and stage.cache.enabled:
        wide |= _compact(
            CachingEnabled=True,
            CacheTtlInSeconds=stage.cache.ttl_in_seconds,
            CacheDataEncrypted=stage.cache.data_encrypted,
        )
    if wide:
        entries[STAGE_WIDE] = wide
    for key, setting in stage.method_settings.items():
        path, method = split_key(key)
        entries.setdefault((path, method), {}).update(_rest_method_setting(setting))
    return [
        {"ResourcePath": resource_path(path), "HttpMethod": method, **props}
        for (path, method), props in entries.items()
        if props
    ]


def rest_stage_properties(stage: Stage) -> dict[str, Json]:
    cache = stage.cache
    enabled = cache is not None and cache.enabled
    return _compact(
        Description=stage.description,
        Variables=dict(stage.variables) or None,
        CacheClusterEnabled=True if enabled else None,
        CacheClusterSize=(cache.cluster_size or "0.5") if cache is not None and enabled else None,
        MethodSettings=rest_method_settings(stage) or None,
        TracingEnabled=stage.tracing,
        CanarySetting=_canary(stage),
    )


def _canary(stage: Stage) -> dict[str, Json] | None:
    if stage.canary is None:
        return None
    return _compact(
        PercentTraffic=stage.canary.percent_traffic,
        StageVariableOverrides=dict(stage.canary.stage_variable_overrides) or None,
        UseStageCache=stage.canary.use_stage_cache,
    )


# -- HTTP and WebSocket ----------------------------------------------------------------------------
def _route_setting(
    setting: MethodSetting | None, throttle: Throttle | None, websocket: bool
) -> dict[str, Json]:
    out = _throttle(throttle)
    if setting is not None:
        out |= _throttle(setting.throttle)
        out |= _compact(DetailedMetricsEnabled=setting.metrics)
        if websocket:  # execution logging and data trace exist for WebSocket stages only
            out |= _compact(
                LoggingLevel=setting.logging.value if setting.logging else None,
                DataTraceEnabled=setting.data_trace,
            )
    return out


def route_settings(
    stage: Stage, route_keys: tuple[str, ...], websocket: bool
) -> tuple[dict[str, Json], dict[str, Json]]:
    """(DefaultRouteSettings, RouteSettings). A `/path/METHOD` key names the route `METHOD /path`;
    keys with wildcards apply to every route they match (V2 stages have no wildcard settings)."""
    default = _route_setting(stage.method_settings.get("/*/*"), stage.throttle, websocket)
    per_route: dict[str, Json] = {}
    for key, setting in stage.method_settings.items():
        if key == "/*/*":
            continue
        path, method = split_key(key)
        for route_key in route_keys:
            if _matches(route_key, path, method, websocket):
                per_route.setdefault(route_key, {}).update(_route_setting(setting, None, websocket))
    return default, {k: v for k, v in per_route.items() if v}


def _matches(route_key: str, path: str, method: str, websocket: bool) -> bool:
    if websocket:
        return method == "*" and fnmatch.fnmatchcase(route_key, path.lstrip("/"))
    route_method, _, route_path = route_key.partition(" ")
    return fnmatch.fnmatchcase(route_path, path) and fnmatch.fnmatchcase(route_method, method)


def _compact(**values: Json) -> dict[str, Json]:
    return {k: v for k, v in values.items() if v is not None}
