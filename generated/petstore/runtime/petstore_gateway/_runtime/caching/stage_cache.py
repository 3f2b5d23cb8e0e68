"""The stage cache step (reference §1.9): answers a cached route from the cache, or runs its
integration and keeps the answer.

Flows in: at start-up, the route, its integration step and the `Deployment` (the API's
stages, the state store, the hit and miss counts); per request, the request, its path
parameters and the `$context` the integration reads. Flows out: the integration's response, or
the cached one; 403 ACCESS_DENIED for an unauthorized invalidation under `FAIL_WITH_403`.

Per request of a cached verb on a stage whose cache covers the route (`settings.py`):
- `Cache-Control: max-age=0` from a caller who may invalidate (`invalidation.py`; anyone when
  `requireAuthorizationForCacheControl` is false): the integration runs and its answer replaces
  the entry (a miss). From any other caller, as `unauthorizedCacheControlHeaderStrategy` says:
  `FAIL_WITH_403` answers 403; `SUCCEED_WITH_RESPONSE_HEADER` ignores the header and adds a
  warning header to the answer; `SUCCEED_WITHOUT_RESPONSE_HEADER` ignores it silently. AWS's
  documentation says "add a warning header" and no recorded answer shows its name or text: the
  runtime writes HTTP's own `Warning` header (RFC 7234 §5.5, code 199, "Miscellaneous warning").
- Otherwise the entry under the request's key (`keys.py`) answers when fresh (a hit), else the
  integration runs and a successful answer up to 1 MB is kept for the TTL (a miss; `entries.py`).

With the in-memory store a hit, and a miss whose integration answers at once, run with no
coroutine; with Redis the lookup and the write each wait for one round trip, and a Redis that
does not answer is a miss whose answer is not kept (the store logs the outage once).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Mapping
from typing import Any

from ..pipeline.context import Request, context_values
from ..pipeline.deployment import Deployment, IntegrationStep
from ..pipeline.plan import RouteEntry
from ..responses.gateway_responses import GatewayError, Response
from ..routing.router import Match
from ..state.store import StateStore
from .counts import CacheCounts
from .entries import decode, encode
from .invalidation import InvalidationPolicy, asks_invalidation
from .keys import CacheKey, CacheKeyError
from .settings import FAIL_WITH_403, SUCCEED_WITH_RESPONSE_HEADER, RouteCache, route_cache

log = logging.getLogger("uvicorn.error.apigwc")

WARNING = ("Warning", '199 - "Cache-Control: max-age=0 ignored: not authorized to invalidate"')


class StageCache:
    """A cached route's integration, behind the stage cache."""

    __slots__ = (
        "api_data",
        "counts",
        "fill_context",
        "inner",
        "invalidation",
        "keys",
        "local",
        "method",
        "reads_context",
        "resource",
        "route_data",
        "stages",
        "store",
    )

    def __init__(
        self,
        inner: IntegrationStep,
        stages: Mapping[str, RouteCache],
        keys: CacheKey,
        deployment: Deployment,
        route: RouteEntry,
    ) -> None:
        self.inner = inner
        # The gateway then skips the `$context` tree, which a hit never reads: a miss builds it
        # here when the integration reads it (the same tree, after the same checks).
        self.reads_context = False
        self.fill_context = inner.reads_context
        self.api_data, self.route_data = deployment.api_data, route.to_data()
        self.stages = stages
        self.keys = keys
        self.store: StateStore = deployment.state
        self.local = self.store.local
        self.counts: CacheCounts = deployment.cache_counts
        self.invalidation = InvalidationPolicy(deployment.api)
        self.resource, self.method = route.resource_path, route.http_method

    def integrate(
        self, request: Request, match: Match[Any], context: Mapping[str, Any]
    ) -> Response | Awaitable[Response]:
        stage = request.stage
        cache = self.stages.get(stage)
        if cache is None or (cache.methods is not None and request.method not in cache.methods):
            return self.inner.integrate(request, match, self._context(request, context))
        canary = bool(request.canary) and not cache.canary_uses_stage_cache
        key = self.keys.key(request, match.path_parameters, stage, canary)
        lookup, warn = self._invalidation(request, stage, cache)
        if not self.local:
            return self._shared(request, match, context, (key, cache), lookup, warn)
        if lookup:
            entry = self.store.cache_get_now(key)
            response = decode(entry, request) if entry is not None else None
            if response is not None:
                self.counts.count(stage, self.resource, self.method, True)
                return _warned(response) if warn else response
        self.counts.count(stage, self.resource, self.method, False)
        answer = self.inner.integrate(request, match, self._context(request, context))
        if not isinstance(answer, Response):
            return self._keep_later(answer, request, key, cache, warn)
        self._keep_now(answer, request, key, cache)
        return _warned(answer) if warn else answer

    def _context(self, request: Request, given: Mapping[str, Any]) -> Mapping[str, Any]:
        """The `$context` tree the integration reads, or what the gateway gave."""
        if not self.fill_context:
            return given
        return context_values(request, self.api_data, request.stage, self.route_data)

    def _invalidation(self, request: Request, stage: str, cache: RouteCache) -> tuple[bool, bool]:
        """(look the entry up, add the warning header) for the request's `Cache-Control`."""
        if not asks_invalidation(request.header("cache-control")):
            return True, False
        refusal = self.invalidation.refusal(request, stage) if cache.require_authorization else None
        if refusal is None:
            return False, False  # fetched afresh; the answer replaces the entry
        if cache.strategy == FAIL_WITH_403:
            raise GatewayError("ACCESS_DENIED", refusal)
        return True, cache.strategy == SUCCEED_WITH_RESPONSE_HEADER

    def _keep_now(self, response: Response, request: Request, key: str, cache: RouteCache) -> None:
        entry = encode(response, request)
        if entry is not None:
            self.store.cache_set_now(key, entry, cache.ttl_s)

    async def _keep_later(
        self,
        pending: Awaitable[Response],
        request: Request,
        key: str,
        cache: RouteCache,
        warn: bool,
    ) -> Response:
        response = await pending
        self._keep_now(response, request, key, cache)
        return _warned(response) if warn else response

    async def _shared(
        self,
        request: Request,
        match: Match[Any],
        context: Mapping[str, Any],
        keyed: tuple[str, RouteCache],
        lookup: bool,
        warn: bool,
    ) -> Response:
        """The same, with a shared store (Redis): each read and write waits for it."""
        key, cache = keyed
        stage = request.stage
        if lookup:
            entry = await self.store.cache_get(key)
            cached = decode(entry, request) if entry is not None else None
            if cached is not None:
                self.counts.count(stage, self.resource, self.method, True)
                return _warned(cached) if warn else cached
        self.counts.count(stage, self.resource, self.method, False)
        answer = self.inner.integrate(request, match, self._context(request, context))
        response = answer if isinstance(answer, Response) else await answer
        entry = encode(response, request)
        if entry is not None:
            await self.store.cache_set(key, entry, cache.ttl_s)
        return _warned(response) if warn else response


def _warned(response: Response) -> Response:
    response.headers.append(WARNING)
    return response


def compile(route: RouteEntry, deployment: Deployment, inner: IntegrationStep) -> IntegrationStep:
    """The route's integration behind the stage cache; the integration itself when no stage
    caches the route (REST APIs only: HTTP APIs have no stage cache)."""
    api = deployment.api
    if api.protocol != "REST":
        return inner
    stages = {
        name: found
        for name, stage in api.stages.items()
        if (found := route_cache(stage.cache, route)) is not None
    }
    if not stages or route.integration.get("responseTransferMode") == "STREAM":
        return inner  # streamed answers are never cached ([DG] response-transfer-mode)
    namespace = route.cache_namespace or route.resource_id
    try:
        keys = CacheKey(api.api_id, api.deployment_id, namespace, route.cache_key_parameters)
    except CacheKeyError as error:
        # A key the runtime cannot read could make different requests share an entry: the
        # route is served uncached rather than wrongly.
        log.warning("route %s is not cached: %s", route.route_key, error)
        return inner
    return StageCache(inner, stages, keys, deployment, route)
