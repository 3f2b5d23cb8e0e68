"""The state interface (issue 13 point 1) against both backends: token buckets, quotas, caches.

Every case runs on the in-process `MemoryStore` and on a `RedisStore` talking to a real
`redis-server` (tests/redis_server.py), with the time passed in, so bucket refills and quota
periods are exact (reference §7.2, §7.3). Then the Redis backend's outage behaviour: with Redis
unreachable a request goes through, one line is logged, and the store reconnects by itself.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from apigwc.runtime.state.backends import StateError, open_store
from apigwc.runtime.state.memory import MemoryStore
from apigwc.runtime.state.redis_store import RedisStore
from apigwc.runtime.state.store import (
    ADMITTED,
    QUOTA_EXCEEDED,
    THROTTLED,
    Admission,
    Bucket,
    QuotaWindow,
    StateStore,
)
from apigwc.runtime.traffic import periods

from tests.redis_server import RedisServer, free_redis_port, redis_session, redis_url

__all__ = ["redis_session", "redis_url"]  # the fixtures, imported for pytest

T = TypeVar("T")
NOW = 1_765_000_000.0  # a fixed moment: Saturday 2025-12-06 05:46:40 UTC
BACKENDS = ["memory", "redis"]


def run(body: Callable[[StateStore], Awaitable[T]], backend: str, url: str) -> T:
    """`body` with a fresh store of `backend`, closed afterwards, in one event loop."""

    async def main() -> T:
        store = open_store("memory" if backend == "memory" else url)
        try:
            return await body(store)
        finally:
            await store.close()

    return asyncio.run(main())


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> tuple[str, str]:
    if request.param == "memory":
        return "memory", ""
    return "redis", request.getfixturevalue("redis_url")


DAY = periods.bounds("DAY", NOW)[0]  # the day holding NOW


def _window(limit: int, day: int = 0, offset: int = 0, key: str = "q") -> QuotaWindow:
    """A DAY quota window, `day` days after the one holding NOW."""
    start = DAY + day * 86_400
    return QuotaWindow(f"t:{key}", "t:first", start, start + 86_400, limit, offset)


async def _admit_all(store: StateStore, admission: Admission, times: list[float]) -> list[int]:
    return [await store.admit(admission, now) for now in times]


# -- token buckets (reference §7.2) --------------------------------------------------------------
@pytest.mark.parametrize(
    ("rate", "burst", "times", "expected"),
    [
        # A full bucket lets `burst` requests through at once, then refuses.
        (1.0, 3, [NOW] * 5, [ADMITTED] * 3 + [THROTTLED] * 2),
        # One token comes back each 1/rate seconds.
        (2.0, 1, [NOW, NOW, NOW + 0.5, NOW + 0.5], [ADMITTED, THROTTLED, ADMITTED, THROTTLED]),
        # After a long pause the bucket holds `burst` tokens, never more.
        (100.0, 2, [NOW, NOW + 3600, NOW + 3600, NOW + 3600], [0, 0, 0, THROTTLED]),
        # Burst 0 refuses every request (a method throttled to zero).
        (10.0, 0, [NOW, NOW + 10], [THROTTLED, THROTTLED]),
        # A fractional rate: 0.5 per second refills one token in two seconds, not one.
        (0.5, 1, [NOW, NOW + 1, NOW + 2], [ADMITTED, THROTTLED, ADMITTED]),
    ],
    ids=["burst", "refill", "capped-at-burst", "burst-zero", "fractional-rate"],
)
def test_a_token_bucket(
    backend: tuple[str, str], rate: float, burst: int, times: list[float], expected: list[int]
) -> None:
    admission = Admission((Bucket("t:b", rate, burst),))
    assert run(lambda s: _admit_all(s, admission, times), *backend) == expected


def test_a_refused_request_takes_no_token_at_any_level(backend: tuple[str, str]) -> None:
    """All or nothing: the stage bucket refusing leaves the plan bucket's tokens alone."""
    plan, stage = Bucket("t:plan", 0.001, 2), Bucket("t:stage", 0.001, 1)

    async def body(store: StateStore) -> list[int]:
        first = await store.admit(Admission((plan, stage)), NOW)
        second = await store.admit(Admission((plan, stage)), NOW)  # stage empty: refused
        alone = await store.admit(Admission((plan,)), NOW)  # plan still holds one token
        return [first, second, alone, await store.admit(Admission((plan,)), NOW)]

    assert run(body, *backend) == [ADMITTED, THROTTLED, ADMITTED, THROTTLED]


# -- quotas (reference §7.3) ---------------------------------------------------------------------
def test_a_quota_admits_its_limit_per_period(backend: tuple[str, str]) -> None:
    async def body(store: StateStore) -> list[Any]:
        today, tomorrow = _window(3), _window(3, day=1)
        verdicts: list[Any] = [await store.admit(Admission((), today), NOW) for _ in range(4)]
        verdicts.append(await store.quota_usage(today))
        verdicts.append(await store.admit(Admission((), tomorrow), NOW + 86_400))
        return [*verdicts, await store.quota_usage(tomorrow)]

    assert run(body, *backend) == [0, 0, 0, QUOTA_EXCEEDED, (3, 0), 0, (1, 2)]


def test_the_offset_is_taken_off_the_initial_period_only(backend: tuple[str, str]) -> None:
    async def body(store: StateStore) -> list[int]:
        first, second = _window(3, offset=2), _window(3, day=1, offset=2)
        verdicts = [await store.admit(Admission((), first), NOW) for _ in range(2)]
        return verdicts + [await store.admit(Admission((), second), NOW) for _ in range(4)]

    assert run(body, *backend) == [0, QUOTA_EXCEEDED, 0, 0, 0, QUOTA_EXCEEDED]


def test_throttled_requests_do_not_use_up_the_quota(backend: tuple[str, str]) -> None:
    async def body(store: StateStore) -> list[Any]:
        window = _window(10)
        admission = Admission((Bucket("t:b", 0.001, 1),), window, quota_at=1)
        verdicts: list[Any] = [await store.admit(admission, NOW) for _ in range(3)]
        return [*verdicts, await store.quota_usage(window)]

    assert run(body, *backend) == [ADMITTED, THROTTLED, THROTTLED, (1, 9)]


def test_the_quota_is_checked_after_the_plan_buckets(backend: tuple[str, str]) -> None:
    """quota_at=1: the plan's bucket first (429 Too Many Requests), then the quota, then the
    stage's bucket: an exhausted quota answers Limit Exceeded before the stage is looked at."""

    async def body(store: StateStore) -> list[int]:
        plan, stage = Bucket("t:plan", 0.001, 5), Bucket("t:stage", 0.001, 5)
        admission = Admission((plan, stage), _window(1), quota_at=1)
        return [await store.admit(admission, NOW) for _ in range(2)]

    assert run(body, *backend) == [ADMITTED, QUOTA_EXCEEDED]


# -- caches ----------------------------------------------------------------------------------------
def test_cache_entries_live_for_their_ttl(backend: tuple[str, str]) -> None:
    async def body(store: StateStore) -> list[Any]:
        await store.cache_set("t:c", b"value", 0.3)
        await store.cache_set("t:never", b"value", 0)  # TTL 0 stores nothing
        authorizers = store.authorizer_cache("t:authorizer")
        await authorizers.set("k", {"principalId": "me"}, 60)
        found = [await store.cache_get("t:c"), await store.cache_get("t:never")]
        found.append(await authorizers.get("k"))
        await asyncio.sleep(0.4)
        return [*found, await store.cache_get("t:c")]

    assert run(body, *backend) == [b"value", None, {"principalId": "me"}, None]


# -- periods ----------------------------------------------------------------------------------------
def _epoch(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("period", "moment", "start", "end"),
    [
        ("DAY", "2026-12-07T23:59:59", "2026-12-07", "2026-12-08"),
        ("DAY", "2026-12-08T00:00:00", "2026-12-08", "2026-12-09"),
        ("WEEK", "2026-12-06T00:00:00", "2026-12-06", "2026-12-13"),  # a Sunday
        ("WEEK", "2026-12-05T23:59:59", "2026-11-29", "2026-12-06"),  # the Saturday before
        ("MONTH", "2028-02-29T12:00:00", "2028-02-01", "2028-03-01"),  # a leap year
        ("MONTH", "2026-12-31T23:59:59", "2026-12-01", "2027-01-01"),
    ],
)
def test_quota_periods_start_on_utc_boundaries(
    period: str, moment: str, start: str, end: str
) -> None:
    begins, ends = periods.bounds(period, _epoch(moment))
    assert (periods.iso_date(begins), periods.iso_date(ends)) == (start, end)


def test_an_unknown_state_value_is_refused() -> None:
    with pytest.raises(StateError, match="expected 'memory' or redis://"):
        open_store("memcached://127.0.0.1:11211")


# -- Redis outages (reference §7.3) ---------------------------------------------------------------
def test_an_unreachable_redis_lets_requests_through_and_logs_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    port = free_redis_port()  # nothing listens there
    admission = Admission((Bucket("t:b", 0.001, 0),))  # would refuse every request

    async def body() -> tuple[list[int], float]:
        store = RedisStore(f"redis://127.0.0.1:{port}/0", timeout_s=0.2, retry_s=60)
        began = time.monotonic()
        verdicts = [await store.admit(admission, NOW) for _ in range(5)]
        await store.close()
        return verdicts, time.monotonic() - began

    with caplog.at_level(logging.ERROR, logger="uvicorn.error.apigwc"):
        verdicts, took = asyncio.run(body())
    assert verdicts == [ADMITTED] * 5
    assert took < 2  # bounded: one failed attempt, then no more tries until retry_s
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1, lines
    assert lines[0].startswith("Usage Plan check failed due to an internal error")
    assert f"127.0.0.1:{port}" in lines[0]


def test_the_redis_store_reconnects_by_itself(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server = RedisServer(tmp_path).start()
    admission = Admission((Bucket("t:b", 0.001, 1),))

    async def body() -> list[int]:
        store = RedisStore(server.url, timeout_s=0.2, retry_s=0.2)
        verdicts = [await store.admit(admission, NOW)]  # takes the only token
        server.restart()  # the restart loses the bucket (no persistence)
        verdicts.append(await store.admit(admission, NOW))  # the old connection fails: through
        await asyncio.sleep(0.3)
        verdicts += [await store.admit(admission, NOW) for _ in range(2)]  # enforced again
        await store.close()
        return verdicts

    try:
        with caplog.at_level(logging.WARNING, logger="uvicorn.error.apigwc"):
            verdicts = asyncio.run(body())
    finally:
        server.stop()
    assert verdicts[2:] == [ADMITTED, THROTTLED]
    assert verdicts[1] == ADMITTED
    messages = " ".join(r.getMessage() for r in caplog.records)
    if "Usage Plan check failed" in messages:  # the first call after a restart may reconnect
        assert "answers again" in messages


def test_a_memory_store_answers_without_a_coroutine() -> None:
    store = MemoryStore()
    assert store.local and store.admit_now(Admission((Bucket("t:b", 1, 1),)), NOW) == ADMITTED
