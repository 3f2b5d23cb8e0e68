"""The throttling and quota step (reference §1.1 steps 6-7, §7): after the API key check,
before request validation.

Flows in: the route's limits per stage (`limits.stage_limits`, resolved at start-up), the state
store (`Deployment.state`) and, per request, the stage and the API key the key check accepted
(`request.api_key`). Flows out: nothing when the request may go on; else 429 through the
`THROTTLED` gateway response (`{"message":"Too Many Requests"}`, `TooManyRequestsException`;
HTTP APIs their fixed `{"message":"Too Many Requests"}`) or `QUOTA_EXCEEDED` (`{"message":"Limit
Exceeded"}`, `LimitExceededException`).

A method that does not require an API key never counts against a usage plan, even when a key
is sent (reference §1.3: "Request will not contribute to throttle or quota limits"); it still
meets the stage's and the account's buckets. An API that sets no throttle and no usage plan
anywhere carries no throttling step at all: its routes meet only the account's default (10,000
requests per second, burst 5,000), which one local gateway process does not reach. With the in-memory store the step answers at once
(no coroutine); with Redis it waits for one round trip, and when Redis does not answer the
request goes through (the store logs it, reference §7.3).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from ..pipeline.context import Request
from ..pipeline.deployment import Deployment
from ..pipeline.plan import RouteEntry
from ..responses.gateway_responses import GatewayError
from ..routing.router import Match
from ..state.store import ADMITTED, QUOTA_EXCEEDED, THROTTLED, Admission, StateStore
from .limits import StageLimits, stage_limits, throttled

# Verdict -> the gateway response it is answered with (reference §4.2).
REFUSALS = {THROTTLED: "THROTTLED", QUOTA_EXCEEDED: "QUOTA_EXCEEDED"}


class Throttling:
    __slots__ = ("clock", "local", "stages", "store")

    def __init__(
        self,
        stages: Mapping[str, StageLimits],
        store: StateStore,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.stages = stages
        self.store = store
        self.local = store.local
        self.clock = clock

    def check(self, request: Request, match: Match[Any], stage: str) -> Awaitable[None] | None:
        limits = self.stages.get(stage)
        if limits is None:
            return None
        now = self.clock()
        admission = limits.open
        key = request.api_key
        if key is not None and limits.plans:
            plan = limits.plans.get(key[1])
            if plan is not None:
                admission = plan.admission(now)
        if self.local:
            verdict = self.store.admit_now(admission, now)
            if verdict != ADMITTED:  # no call on the usual path
                _raise_for(verdict)
            return None
        return self._admit(admission, now)

    async def _admit(self, admission: Admission, now: float) -> None:
        _raise_for(await self.store.admit(admission, now))


def _raise_for(verdict: int) -> None:
    if verdict != ADMITTED:
        raise GatewayError(REFUSALS.get(verdict, "THROTTLED"))


def compile(route: RouteEntry, deployment: Deployment) -> Throttling | None:
    """The route's step; None when the API sets no throttle and no usage plan anywhere."""
    api = deployment.api
    if not throttled(api):
        return None
    stages = {name: stage_limits(api, route, name) for name in api.stages}
    return Throttling(stages, deployment.state)
