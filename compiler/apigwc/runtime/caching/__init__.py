"""The stage cache of REST APIs (reference §1.9): responses kept per stage, method and cache key.

Where it sits: a step of each route's plan (`pipeline/steps.py`) that wraps the route's
integration, after every check (resource policy, authorizer, API key, throttling, request
validation) and before the integration request, as API Gateway's cache lookup (§1.1 step 9).
A hit answers without running the integration; a miss runs it and keeps a successful answer.

- `settings.py`: which requests of a route are cached, for how long, and how a client's
  `Cache-Control: max-age=0` is handled, resolved once per route and stage at start-up from
  the stage's cache settings and method settings (`plan.StageCache`).
- `keys.py`: the cache key of a request (stage, deployment, `cacheNamespace` or resource, verb,
  the values of the integration's `cacheKeyParameters`).
- `entries.py`: a response as the bytes the state store keeps (`state/store.py`: this
  process's memory, or Redis, so an entry one gateway worker wrote is served by another).
- `invalidation.py`: whether a caller may invalidate an entry (`execute-api:InvalidateCache`).
- `stage_cache.py`: the step itself.
- `counts.py`: the hit and miss counts (below).

Hit and miss counts, for metrics (`CacheHitCount`, `CacheMissCount`, reference §8.5): every
gateway has one `counts.CacheCounts` at `Gateway.cache_counts` (also `Deployment.cache_counts`).
Read `counts.snapshot()` for this process's totals by `(stage, resourcePath, httpMethod)`, or
register `counts.listeners.append(fn)`; each lookup then calls `fn(stage, resource_path,
http_method, hit)` once (hit True or False) on the event loop, and must return at once. A
request the cache does not look up (a method that is not cached) counts as neither. No response
header tells a hit from a miss, as in API Gateway.
"""
