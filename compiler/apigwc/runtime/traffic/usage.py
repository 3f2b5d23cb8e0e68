"""Each API key's usage, like API Gateway's `GetUsage`: what `apigwc usage` prints.

Flows in: the API's settings (usage plans, API keys) and the state store the gateways write to
(Redis: a gateway's in-memory state lives in its own process). Flows out: one `KeyUsage` per key
of each usage plan: the current quota period (UTC boundaries, `periods.py`), requests counted
and left in it, and the tokens left in the key's plan bucket; and GetUsage's JSON shape
(`usagePlanId`, `startDate`, `endDate`, `items` keyed by API key id, each `[[used,
remaining]]` for the one period shown).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..pipeline.plan import ApiKeyEntry, ApiSettings, UsagePlanEntry
from ..state.store import Bucket, QuotaWindow, StateStore
from . import periods
from .limits import ACCOUNT_BY_REGION, ACCOUNT_DEFAULT, plan_keys


@dataclass(frozen=True, slots=True)
class KeyUsage:
    plan: str
    plan_id: str
    key: str
    key_id: str
    period: str | None  # None: the plan has no quota
    start: int
    end: int
    used: int | None  # None: the store did not answer
    remaining: int | None
    tokens: float | None  # left in the key's plan bucket; None: the plan has no throttle


async def usage(api: ApiSettings, store: StateStore, now: float) -> list[KeyUsage]:
    found: list[KeyUsage] = []
    for name, plan in api.usage_plans.items():
        for key_name in plan.api_keys:
            key = api.api_keys.get(key_name)
            if key is not None:
                found.append(await _key_usage(api, store, now, (name, plan), (key_name, key)))
    return found


async def _key_usage(
    api: ApiSettings,
    store: StateStore,
    now: float,
    named_plan: tuple[str, UsagePlanEntry],
    named_key: tuple[str, ApiKeyEntry],
) -> KeyUsage:
    """One key's row: the same bucket and quota keys as `limits.plan_limits` writes."""
    (name, plan), (key_name, key) = named_plan, named_key
    bucket_key, quota_key, first_key = plan_keys(api, plan, key.key_id)
    counted: tuple[int, int] | None = None
    start = end = 0
    if plan.quota is not None:
        start, end = periods.bounds(plan.quota.period, now)
        quota = plan.quota
        window = QuotaWindow(quota_key, first_key, start, end, quota.limit, quota.offset)
        counted = await store.quota_usage(window)
    tokens = None
    if plan.throttle is not None:
        rate, burst = ACCOUNT_BY_REGION.get(api.region, ACCOUNT_DEFAULT)
        throttle = plan.throttle
        bucket = Bucket(
            bucket_key,
            throttle.rate_limit if throttle.rate_limit is not None else rate,
            throttle.burst_limit if throttle.burst_limit is not None else burst,
        )
        tokens = await store.bucket_tokens(bucket, now)
    period = plan.quota.period if plan.quota else None
    used, left = counted if counted is not None else (None, None)
    return KeyUsage(
        name, plan.plan_id, key_name, key.key_id, period, start, end, used, left, tokens
    )


def get_usage(rows: list[KeyUsage]) -> list[dict[str, Any]]:
    """The rows in GetUsage's shape, one document per usage plan with a quota."""
    plans: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row.period is None:
            continue
        plan = plans.setdefault(
            row.plan_id,
            {
                "usagePlanId": row.plan_id,
                "startDate": periods.iso_date(row.start),
                "endDate": periods.iso_date(row.end - 1),
                "items": {},
            },
        )
        plan["items"][row.key_id] = [[row.used, row.remaining]]
    return list(plans.values())
