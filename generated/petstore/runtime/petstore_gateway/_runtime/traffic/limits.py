"""Which token buckets and quota a request of one route meets, in API Gateway's order.

Flows in: the API's settings (stages with their throttles and method settings, usage plans, API
keys, the region) and one route. Flows out: per stage, a `StageLimits`: the `Admission` of a
request that counts against no usage plan, and one `PlanLimits` per API key valid on the stage,
all resolved once at start-up.

The order (reference §7.2, §1.1 steps 6-7): usage-plan per-method throttle, usage-plan
throttle, the plan's quota, then the stage's per-method throttle, then the account's. API
Gateway applies a stage's throttling per method ("per-API, per-stage throttling limits are
applied at the API method level for a stage"): the stage's `throttle` and its `/*/*` method
setting are the default of every method, and each method has its own bucket. A value a level
leaves unset is the level below's (the account's by default: 10,000 requests per second, burst
5,000; 2,500 and 1,250 in af-south-1 and eu-south-1). A usage plan's throttle and quota are per
API key, shared by every stage the plan covers (reference §7.1); its per-method throttles are
per key, stage and method. HTTP APIs have route settings and default route settings instead
(§1.10), carried the same way.

Bucket keys are namespaced by API, stage and plan (`apigwc:{apiId}:...`), and the account's by
account and region, so one Redis serves several APIs and gateways.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..pipeline.plan import (
    API_KEY,
    ApiSettings,
    QuotaSettings,
    RouteEntry,
    ThrottleLimits,
    UsagePlanEntry,
)
from ..state.store import Admission, Bucket, QuotaWindow
from . import periods

ACCOUNT_DEFAULT = (10_000.0, 5_000)
# Regions whose account-level default is lower (reference §7.2).
ACCOUNT_BY_REGION = {"af-south-1": (2_500.0, 1_250), "eu-south-1": (2_500.0, 1_250)}


@dataclass(slots=True)
class PlanLimits:
    """A request with an API key of a usage plan: its buckets and its quota, whose window
    moves with the period (recomputed when the period ends)."""

    name: str
    buckets: tuple[Bucket, ...]
    quota_at: int
    quota: QuotaSettings | None
    quota_key: str
    first_key: str
    _admission: Admission | None = None
    _until: float = 0.0

    def admission(self, now: float) -> Admission:
        if self._admission is None or now >= self._until:
            window = self.window(now)
            self._admission = Admission(self.buckets, window, self.quota_at)
            self._until = window.end if window is not None else float("inf")
        return self._admission

    def window(self, now: float) -> QuotaWindow | None:
        quota = self.quota
        if quota is None:
            return None
        start, end = periods.bounds(quota.period, now)
        return QuotaWindow(self.quota_key, self.first_key, start, end, quota.limit, quota.offset)


@dataclass(frozen=True, slots=True)
class StageLimits:
    open: Admission
    plans: Mapping[str, PlanLimits] = field(default_factory=dict)  # by API key id


def stage_limits(api: ApiSettings, route: RouteEntry, stage: str) -> StageLimits:
    account = account_bucket(api)
    method = f"{route.http_method} {route.resource_path}"
    settings = api.stages[stage]
    rate, burst = _resolve(
        (_for_method(settings.method_throttles, route), settings.throttle),
        (account.rate, account.burst),
    )
    tail: tuple[Bucket, ...] = (account,)
    if (rate, burst) != (account.rate, account.burst):
        tail = (Bucket(f"apigwc:{api.api_id}:{stage}:method:{method}", rate, burst), account)
    plans: dict[str, PlanLimits] = {}
    if API_KEY in route.security and api.protocol == "REST":
        for key_id, name, plan in _plans_of_stage(api, stage):
            plans[key_id] = plan_limits(
                api, route, stage, key_id, (name, plan), tail, (rate, burst)
            )
    return StageLimits(Admission(tail), plans)


def plan_limits(
    api: ApiSettings,
    route: RouteEntry,
    stage: str,
    key_id: str,
    named: tuple[str, UsagePlanEntry],
    tail: tuple[Bucket, ...],
    below: tuple[float, int],
) -> PlanLimits:
    name, plan = named
    bucket_key, quota_key, first_key = plan_keys(api, plan, key_id)
    head: list[Bucket] = []
    plan_rate, plan_burst = _resolve((plan.throttle,), below)
    per_method = _for_method(plan.method_throttles, route)
    if per_method is not None:
        rate, burst = _resolve((per_method,), (plan_rate, plan_burst))
        method = f"{route.http_method} {route.resource_path}"
        head.append(Bucket(f"{bucket_key}:{stage}:method:{method}", rate, burst))
    if plan.throttle is not None:
        head.append(Bucket(bucket_key, plan_rate, plan_burst))
    return PlanLimits(
        name=name,
        buckets=(*head, *tail),
        quota_at=len(head),
        quota=plan.quota,
        quota_key=quota_key,
        first_key=first_key,
    )


def plan_keys(api: ApiSettings, plan: UsagePlanEntry, key_id: str) -> tuple[str, str, str]:
    """The store keys of an API key in a plan: its plan bucket, its quota counter (the period's
    start is appended by the store), and the plan's initial-period marker."""
    prefix = f"apigwc:{api.api_id}:plan:{plan.plan_id}"
    return f"{prefix}:{key_id}", f"{prefix}:{key_id}:quota", f"{prefix}:first"


def throttled(api: ApiSettings) -> bool:
    """Whether the API sets any throttle or usage plan (else its routes need no step)."""
    stages = api.stages.values()
    return bool(api.usage_plans) or any(s.throttle or s.method_throttles for s in stages)


def account_bucket(api: ApiSettings) -> Bucket:
    rate, burst = ACCOUNT_BY_REGION.get(api.region, ACCOUNT_DEFAULT)
    return Bucket(f"apigwc:account:{api.account}:{api.region}", rate, burst)


def _plans_of_stage(api: ApiSettings, stage: str) -> list[tuple[str, str, UsagePlanEntry]]:
    """(key id, plan name, plan) for each key in a plan covering `stage`: a key is in at most one
    plan per stage (reference §7.1), so the first plan naming it wins."""
    found: dict[str, tuple[str, str, UsagePlanEntry]] = {}
    for name, plan in api.usage_plans.items():
        if stage not in plan.stages:
            continue
        for key_name in plan.api_keys:
            key = api.api_keys.get(key_name)
            if key is not None and key.key_id not in found:
                found[key.key_id] = (key.key_id, name, plan)
    return list(found.values())


def _for_method(
    throttles: Mapping[str, ThrottleLimits], route: RouteEntry
) -> ThrottleLimits | None:
    key = method_setting_key(throttles, route)
    return throttles[key] if key is not None else None


def method_setting_key(settings: Mapping[str, object], route: RouteEntry) -> str | None:
    """The key of the method setting (`/path/METHOD`) that names this route: the exact key first,
    then the most specific key with `*` wildcards (`/*/*` is the stage's default, not looked up
    here). The stage cache (`caching/settings.py`) finds its method settings the same way."""
    path, method = route.resource_path, route.http_method
    for exact in (f"{path}/{method}", f"{path.rstrip('/')}/{method}"):
        if exact in settings:
            return exact
    matching = [
        (key.count("*"), key)
        for key in settings
        if "*" in key and key != "/*/*" and _matches(key, path, method)
    ]
    return min(matching)[1] if matching else None


def _matches(key: str, path: str, method: str) -> bool:
    key_path, _, key_method = key.rpartition("/")
    return fnmatch.fnmatchcase(path, key_path or "/") and fnmatch.fnmatchcase(
        method, key_method.upper()
    )


def _resolve(
    levels: tuple[ThrottleLimits | None, ...], below: tuple[float, int]
) -> tuple[float, int]:
    """Rate and burst of a level: the first level setting each, else the level below's."""
    rate = next((t.rate_limit for t in levels if t and t.rate_limit is not None), below[0])
    burst = next((t.burst_limit for t in levels if t and t.burst_limit is not None), below[1])
    return float(rate), int(burst)
