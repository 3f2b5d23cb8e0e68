"""The authorizer result cache (reference §1.4): a validated authorizer result kept for its TTL.

Flows in: a key (the authorizer step hashes the authorizer, the stage and the identity values
into it, so no token is kept as a key) and the result, a JSON-able mapping (principalId, policy
document, context), with `authorizerResultTtlInSeconds`. Flows out: the result while it is
fresh, else None.

`AuthorizerCache` is the interface a backend implements: two async methods, so a shared store
(issue 13: Redis) serves every worker, and `peek`, the result a backend holds in this process,
answered without waiting (a memory backend; a shared one always says None and is asked with
`get`): a cached result then costs the route no coroutine. `MemoryAuthorizerCache` is the one-process
backend, bounded in size: past `max_entries` the least recently used entry goes, so a client
sending endless distinct tokens cannot grow the process.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, Protocol

DEFAULT_MAX_ENTRIES = 10_000


class AuthorizerCache(Protocol):
    def peek(self, key: str) -> Mapping[str, Any] | None: ...

    async def get(self, key: str) -> Mapping[str, Any] | None: ...

    async def set(self, key: str, value: Mapping[str, Any], ttl_s: float) -> None: ...


class MemoryAuthorizerCache:
    """Results in one process's memory, least recently used first out."""

    __slots__ = ("_clock", "_entries", "max_entries")

    def __init__(
        self,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, Mapping[str, Any]]] = OrderedDict()

    async def get(self, key: str) -> Mapping[str, Any] | None:
        return self.peek(key)

    def peek(self, key: str) -> Mapping[str, Any] | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, value = entry
        if self._clock() >= expires:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    async def set(self, key: str, value: Mapping[str, Any], ttl_s: float) -> None:
        if ttl_s <= 0:
            return
        self._entries[key] = (self._clock() + ttl_s, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
