"""State a gateway keeps between requests, behind small async interfaces.

Flows in: what a step wants to remember (an authorizer's validated result) with a time to live.
Flows out: what is still fresh. Each interface is async so that a shared backend (Redis, for
several worker processes) can stand in for the in-memory one without changing its callers.

- `authorizer_cache`: the authorizer result cache (reference §1.4), `AuthorizerCache` and its
  in-memory backend.
"""
