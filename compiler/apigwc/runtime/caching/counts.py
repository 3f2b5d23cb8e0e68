"""Hit and miss counts of the stage cache in one gateway process (reference §8.5: the
`CacheHitCount` and `CacheMissCount` metrics).

Flows in: one `hit` or `miss` per cache lookup from `stage_cache.py`. Flows out: totals by
`(stage, resourcePath, httpMethod)` (`snapshot`), and a call to each registered listener per
lookup, so a metrics module (`observability/`) can count as it likes, in this process; several
workers each count their own.
"""

from __future__ import annotations

from collections.abc import Callable

# (stage, resource path, HTTP method) -> count
Totals = dict[tuple[str, str, str], int]
Listener = Callable[[str, str, str, bool], None]


class CacheCounts:
    """This process's stage-cache lookups: `hits` and `misses` by (stage, resource, method)."""

    __slots__ = ("hits", "listeners", "misses")

    def __init__(self) -> None:
        self.hits: Totals = {}
        self.misses: Totals = {}
        # Each called as fn(stage, resource_path, http_method, hit) after every lookup.
        self.listeners: list[Listener] = []

    def count(self, stage: str, resource_path: str, http_method: str, hit: bool) -> None:
        totals = self.hits if hit else self.misses
        key = (stage, resource_path, http_method)
        totals[key] = totals.get(key, 0) + 1
        for listener in self.listeners:
            listener(stage, resource_path, http_method, hit)

    def snapshot(self) -> dict[str, Totals]:
        """{"CacheHitCount": {...}, "CacheMissCount": {...}}, copies of the totals."""
        return {"CacheHitCount": dict(self.hits), "CacheMissCount": dict(self.misses)}
