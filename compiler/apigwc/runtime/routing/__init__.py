"""Routing: which resource and method a request reaches (runtime reference §1.2).

Flows in: the HTTP method and the raw path. Flows out: a `Match` (the route, its path parameters and
resource path) or none, and the canonical path both routing and the method ARN use.
"""
