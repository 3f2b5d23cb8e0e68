"""State a gateway keeps between requests, behind small async interfaces.

Flows in: what a step wants to remember (a token taken, a request counted against a quota, an
authorizer's validated result) with a time to live. Flows out: verdicts and what is still fresh.
Each interface is async so that a shared backend (Redis, for several worker processes or
machines) stands in for the in-memory one without changing its callers.

- `store`: the `StateStore` interface (token-bucket admission, quota usage, cache get/set with
  TTL, authorizer caches);
- `backends`: `open_store`, the backend a `--state` value names;
- `memory`: the in-process backend (the default);
- `redis_store`: the Redis backend (atomic Lua scripts, bounded calls, outages let requests
  through and are logged);
- `authorizer_cache`: the authorizer result cache (reference §1.4), `AuthorizerCache` and its
  in-memory backend.
"""
