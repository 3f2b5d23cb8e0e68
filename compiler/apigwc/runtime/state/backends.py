"""The state backend a `--state` value names: `memory` or `redis://HOST:PORT/DB`.

Flows in: the option's text (from `GatewayOptions`, `python -m <pkg> --state`, `apigwc usage`).
Flows out: a `store.StateStore`. The Redis backend and its client are imported only when chosen,
so a gateway on the in-memory state never loads redis-py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .store import StateStore

MEMORY = "memory"


class StateError(ValueError):
    """A `--state` value that names no backend."""


REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def check_state(url: str) -> None:
    """Refuses a `--state` value that names no backend (before any worker starts)."""
    if url not in ("", MEMORY) and not url.startswith(REDIS_SCHEMES):
        raise StateError(f"--state {url!r}: expected 'memory' or redis://HOST:PORT/DB")


def open_store(url: str, options: Mapping[str, Any] | None = None) -> StateStore:
    """The backend a `--state` value names: `memory`, or `redis://HOST:PORT/DB` (also
    `rediss://` and `unix://`, as redis-py reads them)."""
    check_state(url)
    if url in ("", MEMORY):
        from .memory import MemoryStore

        return MemoryStore()
    from .redis_store import RedisStore

    return RedisStore(url, **dict(options or {}))
