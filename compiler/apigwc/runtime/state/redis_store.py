"""The Redis state backend: buckets, quotas and caches shared by every worker and machine.

Flows in: the `--state redis://HOST:PORT/DB` URL, then admissions and cache entries. Flows out:
verdicts decided by one atomic Lua script per request (every bucket and the quota read and
written in one round trip, so two workers never both take the last token), cached values, the
usage a key has left.

Redis's clients are redis-py's asyncio client (with hiredis as its parser when installed), and
every call is bounded in time (`timeout_s`, connection and socket timeouts alike), so a Redis that
is slow or gone never holds a request. When Redis cannot be reached the gateway does what API
Gateway does when it cannot evaluate a usage plan (reference §7.3): the request goes through, and
one line is logged, `Usage Plan check failed due to an internal error`, once per outage, not per
request. For `retry_s` after a failure requests go through without trying Redis, then the next
request tries again (redis-py opens a new connection): the store reconnects by itself, and logs
one line when Redis answers again.

Keys are namespaced by the caller (`apigwc:{apiId}:...`, see `traffic/limits.py`); a bucket is a
hash (`t` tokens, `ts` time of that count) expiring once it would be full again, a quota counter
a string expiring after its period.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Mapping
from typing import Any

import redis.asyncio as redis
from redis.exceptions import RedisError

from .authorizer_cache import AuthorizerCache
from .memory import refill
from .store import ADMITTED, Admission, Bucket, QuotaWindow

log = logging.getLogger("uvicorn.error.apigwc")

DEFAULT_TIMEOUT_S = 1.0
DEFAULT_RETRY_S = 1.0

# One call admits a batch of requests, in order, each all or nothing as if alone.
# ARGV[1]: how many. Then per request: now, n (buckets), quota_at (0-based; -1: no quota), limit,
# offset, period start, period end, then rate, burst and time to live (ms) of each bucket.
# KEYS per request: its n buckets, then (with a quota) the counter and the plan's initial-period
# marker. Returns one verdict per request: 0 admitted, 1 throttled, 2 quota exceeded.
ADMIT = """
local results = {}
local k = 1
local a = 2
for r = 1, tonumber(ARGV[1]) do
  local now = tonumber(ARGV[a])
  local n = tonumber(ARGV[a + 1])
  local quota_at = tonumber(ARGV[a + 2])
  local q = k + n
  local verdict = 0
  local function quota_left()
    local limit = tonumber(ARGV[a + 3])
    redis.call('SET', KEYS[q + 1], ARGV[a + 5], 'NX')
    if redis.call('GET', KEYS[q + 1]) == ARGV[a + 5] then
      limit = limit - tonumber(ARGV[a + 4])
    end
    return tonumber(redis.call('GET', KEYS[q]) or '0') < limit
  end
  local levels = {}
  local times = {}
  for i = 1, n do
    if i - 1 == quota_at and not quota_left() then
      verdict = 2
      break
    end
    local b = a + 7 + (i - 1) * 3
    local rate = tonumber(ARGV[b])
    local burst = tonumber(ARGV[b + 1])
    local state = redis.call('HMGET', KEYS[k + i - 1], 't', 'ts')
    local tokens = burst
    local last = now
    if state[1] then
      tokens = tonumber(state[1])
      last = tonumber(state[2])
      if now > last then
        tokens = math.min(burst, tokens + (now - last) * rate)
        last = now
      end
    end
    if tokens < 1 then
      verdict = 1
      break
    end
    levels[i] = tokens - 1
    times[i] = last
  end
  if verdict == 0 and quota_at >= n and not quota_left() then verdict = 2 end
  if verdict == 0 then
    for i = 1, n do
      local key = KEYS[k + i - 1]
      redis.call('HSET', key, 't', tostring(levels[i]), 'ts', tostring(times[i]))
      local ttl = tonumber(ARGV[a + 7 + (i - 1) * 3 + 2])
      if ttl > 0 then redis.call('PEXPIRE', key, ttl) end
    end
    if quota_at >= 0 then
      redis.call('INCR', KEYS[q])
      redis.call('EXPIRE', KEYS[q], math.max(1, math.ceil(tonumber(ARGV[a + 6]) - now) + 86400))
    end
  end
  results[r] = verdict
  if quota_at >= 0 then k = q + 2 else k = q end
  a = a + 7 + n * 3
end
return results
"""
# At most this many requests per script call (a long script would hold Redis up).
MAX_BATCH = 256


class RedisStore:
    __slots__ = (
        "_admit",
        "_client",
        "_down_until",
        "_failing",
        "_flusher",
        "_flushing",
        "_pending",
        "retry_s",
        "timeout_s",
        "where",
    )

    local = False

    def __init__(
        self, url: str, timeout_s: float = DEFAULT_TIMEOUT_S, retry_s: float = DEFAULT_RETRY_S
    ) -> None:
        self.timeout_s = timeout_s
        self.retry_s = retry_s
        self._client = redis.Redis.from_url(
            url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s
        )
        kwargs = self._client.connection_pool.connection_kwargs
        # Where Redis is, for log lines: never the URL, which may carry a password.
        self.where = kwargs.get("path") or f"{kwargs.get('host')}:{kwargs.get('port')}"
        self._admit = self._client.register_script(ADMIT)
        self._down_until = 0.0
        self._failing = False
        # Requests waiting for the next script call, and whether one is on its way.
        self._pending: list[tuple[Admission, float, asyncio.Future[int]]] = []
        self._flushing = False
        self._flusher: asyncio.Task[None] | None = None  # held: a task nobody holds may go

    async def admit(self, admission: Admission, now: float) -> int:
        """The request's verdict. Requests arriving while a call is on its way go together in
        the next one (one round trip for all of them, each judged in arrival order as if
        alone): under load a worker makes one Redis call per round trip, not per request."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[int] = loop.create_future()
        self._pending.append((admission, now, future))
        if not self._flushing:
            self._flushing = True
            self._flusher = loop.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
                verdicts: Any = _UNAVAILABLE
                try:
                    keys, args = _admit_call(batch)
                    verdicts = await self._call(self._admit(keys=keys, args=args))
                finally:
                    _settle(batch, verdicts)
        finally:
            self._flushing = False

    def admit_now(self, admission: Admission, now: float) -> int:
        raise TypeError("RedisStore answers through admit() only")

    async def quota_usage(self, window: QuotaWindow) -> tuple[int, int] | None:
        keys = (f"{window.key}:{window.start}", window.first_key)
        values = await self._call(self._client.mget(keys))
        if values is _UNAVAILABLE:
            return None
        used, first = int(values[0] or 0), values[1]
        # The plan's initial period is the first the store counted (or the current one).
        initial = first is None or int(first) == window.start
        limit = window.limit - window.offset if initial else window.limit
        return used, max(0, limit - used)

    async def bucket_tokens(self, bucket: Bucket, now: float) -> float | None:
        state = await self._call(self._client.hmget(bucket.key, ["t", "ts"]))
        if state is _UNAVAILABLE:
            return None
        if state[0] is None:
            return float(bucket.burst)
        return refill(float(state[0]), float(state[1]), bucket, now)

    async def cache_get(self, key: str) -> bytes | None:
        value = await self._call(self._client.get(key))
        return value if isinstance(value, bytes) else None

    async def cache_set(self, key: str, value: bytes, ttl_s: float) -> None:
        if ttl_s > 0:
            await self._call(self._client.set(key, value, px=max(1, int(ttl_s * 1000))))

    def cache_get_now(self, key: str) -> bytes | None:
        raise TypeError("RedisStore answers through cache_get() only")

    def cache_set_now(self, key: str, value: bytes, ttl_s: float) -> None:
        raise TypeError("RedisStore answers through cache_set() only")

    def authorizer_cache(self, namespace: str) -> AuthorizerCache:
        return RedisAuthorizerCache(self, namespace)

    async def close(self) -> None:
        await self._client.aclose()

    async def ping(self) -> bool:
        return await self._call(self._client.ping()) is True

    async def _call(self, pending: Any) -> Any:
        """One Redis call, bounded in time; `_UNAVAILABLE` (and the outage logged once) when
        Redis does not answer, so callers let the request through."""
        if self._failing and time.monotonic() < self._down_until:
            pending.close()  # a coroutine never awaited: closed, not left to warn
            return _UNAVAILABLE
        try:
            async with asyncio.timeout(self.timeout_s * 2):
                result = await pending
        except (RedisError, OSError, TimeoutError) as error:
            self._down(error)
            return _UNAVAILABLE
        if self._failing:
            self._failing = False
            log.warning("state store %s answers again: usage plans are enforced", self.where)
        return result

    def _down(self, error: BaseException) -> None:
        self._down_until = time.monotonic() + self.retry_s
        if not self._failing:
            self._failing = True
            log.error(
                "Usage Plan check failed due to an internal error: state store %s: %s; "
                "requests go through until it answers",
                self.where,
                type(error).__name__,
            )


class _Unavailable:
    """What `_call` returns when Redis did not answer (None is a value Redis can return)."""

    def __bool__(self) -> bool:
        return False


_UNAVAILABLE: Any = _Unavailable()


def _settle(batch: list[tuple[Admission, float, asyncio.Future[int]]], verdicts: Any) -> None:
    """Each waiting request its verdict; all admitted when Redis did not answer (§7.3)."""
    answered = isinstance(verdicts, list) and len(verdicts) == len(batch)
    for index, (_, _, future) in enumerate(batch):
        if not future.done():
            future.set_result(int(verdicts[index]) if answered else ADMITTED)


def _admit_call(
    batch: list[tuple[Admission, float, asyncio.Future[int]]],
) -> tuple[list[str], list[str | int | float]]:
    keys: list[str] = []
    args: list[str | int | float] = [len(batch)]
    for admission, now, _ in batch:
        buckets = admission.buckets
        keys += [bucket.key for bucket in buckets]
        quota = admission.quota
        args += [repr(now), len(buckets)]
        if quota is None:
            args += [-1, 0, 0, 0, 0]
        else:
            keys += [f"{quota.key}:{quota.start}", quota.first_key]
            args += [admission.quota_at, quota.limit, quota.offset, str(quota.start), quota.end]
        for bucket in buckets:
            # Past this time a bucket is full again, as one never seen: it may go.
            full_ms = int(bucket.burst / bucket.rate * 1000) + 1000 if bucket.rate > 0 else 0
            args += [repr(float(bucket.rate)), bucket.burst, full_ms]
    return keys, args


class RedisAuthorizerCache:
    """The authorizer result cache (reference §1.4) in Redis, so every worker reuses a result:
    JSON values under `{namespace}:{key}` (the key is already a hash of the identity)."""

    __slots__ = ("namespace", "store")

    def __init__(self, store: RedisStore, namespace: str) -> None:
        self.store = store
        self.namespace = namespace

    def peek(self, key: str) -> Mapping[str, Any] | None:
        return None  # the result lives in Redis: `get` asks for it

    async def get(self, key: str) -> Mapping[str, Any] | None:
        raw = await self.store.cache_get(f"{self.namespace}:{key}")
        if raw is None:
            return None
        try:
            value = json.loads(raw)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    async def set(self, key: str, value: Mapping[str, Any], ttl_s: float) -> None:
        try:
            data = json.dumps(value, separators=(",", ":")).encode()
        except (TypeError, ValueError):  # a result JSON cannot carry: not shared, not kept
            return
        await self.store.cache_set(f"{self.namespace}:{key}", data, ttl_s)
