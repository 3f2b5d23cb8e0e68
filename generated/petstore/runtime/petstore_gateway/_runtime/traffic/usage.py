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

from ..pipeline.plan import ApiSettings
from ..state.store import Bucket, QuotaWindow, StateStore
from . import periods
from .limits import ACCOUNT_BY_REGION, ACCOUNT_DEFAULT


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
        prefix = f"apigwc:{api.api_id}:plan:{plan.plan_id}"
        for key_name in plan.api_keys:
            key = api.api_keys.get(key_name)
            if key is None:
                continue
            counted: tuple[int, int] | None = None
            start = end = 0
            if plan.quota is not None:
                start, end = periods.bounds(plan.quota.period, now)
                window = QuotaWindow(
                    f"{prefix}:{key.key_id}:quota",
                    f"{prefix}:first",
                    start,
                    end,
                    plan.quota.limit,
                    plan.quota.offset,
                )
                counted = await store.quota_usage(window)
            tokens = None
            if plan.throttle is not None:
                rate, burst = ACCOUNT_BY_REGION.get(api.region, ACCOUNT_DEFAULT)
                bucket = Bucket(
                    f"{prefix}:{key.key_id}",
                    plan.throttle.rate_limit if plan.throttle.rate_limit is not None else rate,
                    plan.throttle.burst_limit if plan.throttle.burst_limit is not None else burst,
                )
                tokens = await store.bucket_tokens(bucket, now)
            found.append(
                KeyUsage(
                    name,
                    plan.plan_id,
                    key_name,
                    key.key_id,
                    plan.quota.period if plan.quota else None,
                    start,
                    end,
                    counted[0] if counted else None,
                    counted[1] if counted else None,
                    tokens,
                )
            )
    return found


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
