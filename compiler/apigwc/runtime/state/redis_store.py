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

DEFAULT_TIMEOUT_S = 0.25
DEFAULT_RETRY_S = 1.0

# KEYS: the buckets (1..n), then the quota counter and the plan's initial-period marker.
# ARGV: now, n, quota_at (0-based; -1: no quota), limit, offset, period start, period end, then
# rate, burst and time to live (ms) of each bucket. Returns 0 admitted, 1 throttled, 2 quota.
ADMIT = """
local now = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
local quota_at = tonumber(ARGV[3])
local function quota_left()
  local limit = tonumber(ARGV[4])
  redis.call('SET', KEYS[n + 2], ARGV[6], 'NX')
  if redis.call('GET', KEYS[n + 2]) == ARGV[6] then limit = limit - tonumber(ARGV[5]) end
  return tonumber(redis.call('GET', KEYS[n + 1]) or '0') < limit
end
local levels = {}
local times = {}
for i = 1, n do
  if i - 1 == quota_at and not quota_left() then return 2 end
  local base = 8 + (i - 1) * 3
  local rate = tonumber(ARGV[base])
  local burst = tonumber(ARGV[base + 1])
  local state = redis.call('HMGET', KEYS[i], 't', 'ts')
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
  if tokens < 1 then return 1 end
  levels[i] = tokens - 1
  times[i] = last
end
if quota_at >= n and not quota_left() then return 2 end
for i = 1, n do
  redis.call('HSET', KEYS[i], 't', tostring(levels[i]), 'ts', tostring(times[i]))
  local ttl = tonumber(ARGV[8 + (i - 1) * 3 + 2])
  if ttl > 0 then redis.call('PEXPIRE', KEYS[i], ttl) end
end
if quota_at >= 0 then
  redis.call('INCR', KEYS[n + 1])
  redis.call('EXPIRE', KEYS[n + 1], math.max(1, math.ceil(tonumber(ARGV[7]) - now) + 86400))
end
return 0
"""


class RedisStore:
    __slots__ = ("_admit", "_client", "_down_until", "_failing", "retry_s", "timeout_s", "where")

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

    async def admit(self, admission: Admission, now: float) -> int:
        keys, args = _admit_call(admission, now)
        verdict = await self._call(self._admit(keys=keys, args=args))
        return ADMITTED if verdict is _UNAVAILABLE else int(verdict)

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

    def authorizer_cache(self, namespace: str) -> AuthorizerCache:
        return RedisAuthorizerCache(self, namespace)

    async def close(self) -> None:
        await self._client.aclose()

    async def ping(self) -> bool:
        return await self._call(self._client.ping()) is True

    async def _call(self, pending: Any) -> Any:
        """One Redis call, bounded in time; None (and the outage logged once) when Redis does
        not answer, so callers let the request through."""
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


def _admit_call(admission: Admission, now: float) -> tuple[list[str], list[str | int | float]]:
    buckets = admission.buckets
    keys = [bucket.key for bucket in buckets]
    quota = admission.quota
    args: list[str | int | float] = [repr(now), len(buckets)]
    if quota is None:
        args += [-1, 0, 0, 0, 0]
    else:
        keys += [f"{quota.key}:{quota.start}", quota.first_key]
        args += [admission.quota_at, quota.limit, quota.offset, str(quota.start), quota.end]
    for bucket in buckets:
        # Past this time a bucket is full again, the state of a bucket never seen: it may go.
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
