"""The state interface: what the gateway's traffic and cache features keep between requests.

Flows in: from the traffic step (`traffic/throttling.py`), an `Admission` (the token buckets a
request must take a token from, in API Gateway's order, and the usage-plan quota it counts
against); from caches, keys, values and times to live. Flows out: a verdict (`ADMITTED`,
`THROTTLED`, `QUOTA_EXCEEDED`), cached values while fresh, and the usage a key has left.

Two backends implement `StateStore`: `memory.MemoryStore` (one process, the default of `apigwc
serve`) and `redis_store.RedisStore` (several workers or machines share one Redis).
`backends.open_store` picks one from the `--state` option (`memory` or `redis://HOST:PORT/DB`).

An admission is all or nothing, as one atomic step: a request refused at one level takes no
token at any level and counts against no quota (a third party reports that throttled requests
do not use up quota, reference §7.3), so the levels never drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from .authorizer_cache import AuthorizerCache

# Verdicts of `StateStore.admit`, by the gateway response each maps to (reference §4.2).
ADMITTED = 0
THROTTLED = 1
QUOTA_EXCEEDED = 2


@dataclass(frozen=True, slots=True)
class Bucket:
    """A token bucket (reference §7.2): `burst` tokens at most, refilled at `rate` per second,
    one token per request. `key` names it in the store (namespaced by API, stage and plan)."""

    key: str
    rate: float
    burst: int


@dataclass(frozen=True, slots=True)
class QuotaWindow:
    """A usage-plan quota for one key in one period (reference §7.3): `limit` requests between
    `start` and `end` (epoch seconds, UTC boundaries); `offset` is taken off the limit in the
    plan's initial period, which `first_key` records (the period the store first saw)."""

    key: str
    first_key: str
    start: int
    end: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class Admission:
    """What one request must pass: `buckets` in API Gateway's order, with the quota (if any)
    checked before bucket number `quota_at` (after the usage plan's own buckets)."""

    buckets: tuple[Bucket, ...]
    quota: QuotaWindow | None = None
    quota_at: int = 0


class StateStore(Protocol):
    """The operations the features need; each backend's calls are bounded in time."""

    # True when `admit_now` answers at once (in-process memory): the step then runs with no
    # coroutine. A shared backend only has the async `admit`.
    local: bool

    async def admit(self, admission: Admission, now: float) -> int: ...

    def admit_now(self, admission: Admission, now: float) -> int: ...

    async def quota_usage(self, window: QuotaWindow) -> tuple[int, int] | None:
        """(requests counted, requests left) in the window; None when the store cannot tell."""
        ...

    async def bucket_tokens(self, bucket: Bucket, now: float) -> float | None:
        """The tokens a bucket holds at `now` (its burst when never used)."""
        ...

    async def cache_get(self, key: str) -> bytes | None: ...

    async def cache_set(self, key: str, value: bytes, ttl_s: float) -> None: ...

    # The cache's reads and writes answered at once, when `local` (else TypeError).
    def cache_get_now(self, key: str) -> bytes | None: ...

    def cache_set_now(self, key: str, value: bytes, ttl_s: float) -> None: ...

    def authorizer_cache(self, namespace: str) -> AuthorizerCache: ...

    async def close(self) -> None: ...
