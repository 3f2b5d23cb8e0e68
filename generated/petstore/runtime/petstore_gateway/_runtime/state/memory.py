"""The in-process state backend: the embedded default of `apigwc serve` (one worker).

Flows in: admissions (`store.Admission`) and cache entries from this process's requests. Flows
out: verdicts at once, with no coroutine (`admit_now`), so a throttled route costs a few dict
look-ups. Nothing is shared with another process: with `--workers N` each worker would keep its
own buckets, which is why several workers take `--state redis://...`.

Memory stays bounded: buckets and quota counters are keyed by what the spec declares (stages,
methods, usage plans and their API keys, never a value a client chose), a quota counter holds its
current period only, and the response cache drops its least recently used entries past
`max_entries` or past `max_cache_bytes` of cached values (each at most 1 MB: the stage cache's
limit, reference §1.9). Its reads and writes also answer at once (`cache_get_now`,
`cache_set_now`), so a stage-cache hit costs the route no coroutine.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from .authorizer_cache import AuthorizerCache, MemoryAuthorizerCache
from .store import ADMITTED, QUOTA_EXCEEDED, THROTTLED, Admission, Bucket, QuotaWindow

DEFAULT_MAX_ENTRIES = 10_000
# The response cache's bound in this process: API Gateway's smallest cache cluster is 0.5 GB; a
# local gateway keeps less, dropping its least recently used entries first.
DEFAULT_MAX_CACHE_BYTES = 128 * 1024 * 1024


def refill(tokens: float, last: float, bucket: Bucket, now: float) -> float:
    """The tokens of a bucket at `now`: what it held at `last` plus `rate` per second elapsed,
    never more than `burst` (reference §7.2). A clock going back adds nothing."""
    if now <= last:
        return tokens
    return min(float(bucket.burst), tokens + (now - last) * bucket.rate)


class MemoryStore:
    __slots__ = (
        "_authorizers",
        "_buckets",
        "_cache",
        "_cache_bytes",
        "_first",
        "_quotas",
        "max_cache_bytes",
        "max_entries",
    )

    local = True

    def __init__(
        self, max_entries: int = DEFAULT_MAX_ENTRIES, max_cache_bytes: int = DEFAULT_MAX_CACHE_BYTES
    ) -> None:
        self.max_entries = max_entries
        self.max_cache_bytes = max_cache_bytes
        self._cache_bytes = 0
        self._buckets: dict[str, list[float]] = {}  # key -> [tokens, time of that count]
        # key -> [period start, requests counted, the period's limit]
        self._quotas: dict[str, list[int]] = {}
        self._first: dict[str, int] = {}  # a plan's initial period start (QuotaWindow.first_key)
        self._cache: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._authorizers: dict[str, MemoryAuthorizerCache] = {}

    async def admit(self, admission: Admission, now: float) -> int:
        return self.admit_now(admission, now)

    def admit_now(self, admission: Admission, now: float) -> int:
        """Every bucket in order, then the quota at its place; tokens are taken and the quota
        counted only when every level lets the request through.

        The throttling step's whole cost on a keyed route, so one frame: each bucket's `refill`
        is written inline (marked), a bucket's state is updated in place, and the quota's
        counter is read once and counted in place."""
        states = self._buckets
        window = admission.quota
        quota_at = admission.quota_at
        counter: list[int] | None = None
        taken: list[tuple[Bucket, list[float] | None, float]] = []
        for index, bucket in enumerate(admission.buckets):
            if index == quota_at and window is not None:
                counter = self._counter_with_room(window)
                if counter is None:
                    return QUOTA_EXCEEDED
            state = states.get(bucket.key)
            if state is None:
                tokens = float(bucket.burst)
            else:  # `refill(state[0], state[1], bucket, now)`, inline
                tokens, last = state
                if now > last:
                    tokens += (now - last) * bucket.rate
                    if tokens > bucket.burst:
                        tokens = float(bucket.burst)
            if tokens < 1:
                return THROTTLED
            taken.append((bucket, state, tokens))
        if window is not None and counter is None:  # the quota after every bucket
            counter = self._counter_with_room(window)
            if counter is None:
                return QUOTA_EXCEEDED
        for bucket, state, tokens in taken:
            if state is None:
                states[bucket.key] = [tokens - 1, now]
            else:
                state[0] = tokens - 1
                state[1] = now
        if counter is not None:
            counter[1] += 1
        return ADMITTED

    def _counter_with_room(self, window: QuotaWindow) -> list[int] | None:
        """The window's counter, `[period start, requests counted, the period's limit]` (a new
        period's starts at 0), or None when the period's requests are used up."""
        counter = self._quotas.get(window.key)
        if counter is None or counter[0] != window.start:
            counter = self._quotas[window.key] = [window.start, 0, self._limit(window)]
        return counter if counter[1] < counter[2] else None

    def _limit(self, window: QuotaWindow) -> int:
        """The window's limit, less the offset in the plan's initial period."""
        initial = self._first.setdefault(window.first_key, window.start) == window.start
        return window.limit - window.offset if initial else window.limit

    def _used(self, window: QuotaWindow) -> int:
        counter = self._quotas.get(window.key)
        return counter[1] if counter is not None and counter[0] == window.start else 0

    async def quota_usage(self, window: QuotaWindow) -> tuple[int, int] | None:
        used = self._used(window)
        return used, max(0, self._limit(window) - used)

    async def bucket_tokens(self, bucket: Bucket, now: float) -> float | None:
        state = self._buckets.get(bucket.key)
        return float(bucket.burst) if state is None else refill(state[0], state[1], bucket, now)

    async def cache_get(self, key: str) -> bytes | None:
        return self.cache_get_now(key)

    def cache_get_now(self, key: str) -> bytes | None:
        entry = self._cache.get(key)
        if entry is None:
            return None
        if time.monotonic() >= entry[0]:
            self._drop(key)
            return None
        self._cache.move_to_end(key)
        return entry[1]

    async def cache_set(self, key: str, value: bytes, ttl_s: float) -> None:
        self.cache_set_now(key, value, ttl_s)

    def cache_set_now(self, key: str, value: bytes, ttl_s: float) -> None:
        if ttl_s <= 0 or len(value) > self.max_cache_bytes:
            return
        self._drop(key)
        self._cache[key] = (time.monotonic() + ttl_s, value)
        self._cache_bytes += len(value)
        while len(self._cache) > self.max_entries or self._cache_bytes > self.max_cache_bytes:
            _, (_, dropped) = self._cache.popitem(last=False)
            self._cache_bytes -= len(dropped)

    def _drop(self, key: str) -> None:
        entry = self._cache.pop(key, None)
        if entry is not None:
            self._cache_bytes -= len(entry[1])

    def authorizer_cache(self, namespace: str) -> AuthorizerCache:
        return self._authorizers.setdefault(namespace, MemoryAuthorizerCache(self.max_entries))

    async def close(self) -> None:
        return None
