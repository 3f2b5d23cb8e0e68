"""Which requests of a route the stage cache keeps, for how long, and how it treats a client's
`Cache-Control: max-age=0` (reference §1.9, §8.3).

Flows in: a stage's cache settings (`plan.StageCache`: the stage-wide caching, the stage's
`cache` under its `/*/*` method setting, and the other method settings' caching keyed
`/pets/GET`) and one route. Flows out: a `RouteCache`, or None when the route is not cached on
that stage; resolved once at start-up.

API Gateway's rules: nothing is cached unless the stage's cache cluster is enabled; a method's
own setting wins over the stage-wide one, value by value; the TTL defaults to 300 s, at most
3600, and 0 turns caching off. Enabling the cache stage-wide caches only GET methods ("only GET
methods have caching enabled by default"); another verb is cached only where a method setting
naming that verb (`/orders/POST`) enables caching. Method settings default to
`requireAuthorizationForCacheControl: true` and `unauthorizedCacheControlHeaderStrategy:
SUCCEED_WITH_RESPONSE_HEADER` (the `*/*` defaults AWS records, §8.3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..pipeline.plan import MethodCaching, RouteEntry, StageCache
from ..traffic.limits import method_setting_key

DEFAULT_TTL_S = 300
MAX_TTL_S = 3600
FAIL_WITH_403 = "FAIL_WITH_403"
SUCCEED_WITH_RESPONSE_HEADER = "SUCCEED_WITH_RESPONSE_HEADER"
SUCCEED_WITHOUT_RESPONSE_HEADER = "SUCCEED_WITHOUT_RESPONSE_HEADER"
STRATEGIES = (FAIL_WITH_403, SUCCEED_WITH_RESPONSE_HEADER, SUCCEED_WITHOUT_RESPONSE_HEADER)


@dataclass(frozen=True, slots=True)
class RouteCache:
    """How one route is cached on one stage."""

    ttl_s: int
    methods: frozenset[str] | None  # the request verbs cached; None: every verb of the route
    require_authorization: bool
    strategy: str
    canary_uses_stage_cache: bool


def route_cache(cache: StageCache | None, route: RouteEntry) -> RouteCache | None:
    """The route's caching on a stage with this cache; None when nothing of it is cached."""
    if cache is None:
        return None
    key = method_setting_key(cache.methods, route)
    own = cache.methods[key] if key is not None else None
    levels = (own, cache.wide) if own is not None else (cache.wide,)
    enabled = _first(levels, "enabled", False)
    ttl = min(int(_first(levels, "ttl_in_seconds", DEFAULT_TTL_S)), MAX_TTL_S)
    if not enabled or ttl <= 0:
        return None
    strategy = str(_first(levels, "unauthorized_strategy", SUCCEED_WITH_RESPONSE_HEADER))
    return RouteCache(
        ttl_s=ttl,
        methods=None if _names_verb(own, key) else frozenset({"GET"}),
        require_authorization=bool(_first(levels, "require_authorization", True)),
        # An unknown strategy (the build's validator refuses one) fails closed: 403.
        strategy=strategy if strategy in STRATEGIES else FAIL_WITH_403,
        canary_uses_stage_cache=cache.canary_uses_stage_cache,
    )


def _first(levels: tuple[MethodCaching, ...], name: str, default: Any) -> Any:
    """The first level's value that is set (the method's own, then the stage's)."""
    return next((v for level in levels if (v := getattr(level, name)) is not None), default)


def _names_verb(own: MethodCaching | None, key: str | None) -> bool:
    """Whether a method setting naming the route's verb (not `*`) enables caching itself."""
    return own is not None and own.enabled is True and key is not None and not key.endswith("/*")
