"""The stage cache's key of a request (reference §1.9).

Flows in: a route (its `cacheKeyParameters`, `cacheNamespace`, resource id) at start-up; per
request, the request, its path parameters, the stage and whether it is a canary request. Flows
out: the store key, `apigwc:{apiId}:cache:{stage}:[canary:]{digest}`, the digest covering the
deployment, the namespace, the verb and the key parameters' values.

API Gateway keys an entry by the method, the resource (or the integration's `cacheNamespace`,
which resources share) and the values of the `cacheKeyParameters`; request parameters outside
them are ignored (`?type=admin&department=A` and `...department=B` share an entry). So a
`{proxy+}` or `{id}` resource whose path parameter is not a key parameter serves one entry for
every path, as in API Gateway. A single-value source takes the request's last value, a
multi-value one all of them, as the integration's parameter mappings read them (§1.6).

The request's verb is always part of the key (a GET answer never serves another verb). The
values are hashed (BLAKE2b) into the key, so no client text reaches a store key name and keys
stay short whatever the client sends. Canary requests (reference §8.2) have their own keys
unless the canary uses the stage cache (`useStageCache`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping

from ..pipeline.context import Request

# A parameter's values in one request, from the request and its path parameters.
Reader = Callable[[Request, Mapping[str, str]], list[str]]

_PREFIX = "method.request."


class CacheKeyError(ValueError):
    """A cache key parameter this runtime cannot read (the route is then never cached)."""


def reader(parameter: str) -> Reader:
    """How to read `method.request.{path|querystring|multivaluequerystring|header|
    multivalueheader}.NAME` from a request."""
    location, _, name = parameter.removeprefix(_PREFIX).partition(".")
    if not parameter.startswith(_PREFIX) or not name:
        raise CacheKeyError(f"cache key parameter {parameter!r} is not method.request.*")
    lowered = name.lower()
    readers: dict[str, Reader] = {
        "path": lambda request, path: [path[name]] if name in path else [],
        "querystring": lambda request, path: _one(request.query_view().get(name)),
        "multivaluequerystring": lambda request, path: _query(request, name),
        "header": lambda request, path: _one(request.header(lowered)),
        "multivalueheader": lambda request, path: _headers(request, lowered),
    }
    found = readers.get(location)
    if found is None:
        raise CacheKeyError(f"cache key parameter {parameter!r}: unknown location {location!r}")
    return found


def _one(value: str | None) -> list[str]:
    return [] if value is None else [value]


def _query(request: Request, name: str) -> list[str]:
    return [value for key, value in request.query_pairs() if key == name]


def _headers(request: Request, lowered: str) -> list[str]:
    return [value for key, value in request.headers if key == lowered]


class CacheKey:
    """The keys of one route's requests."""

    __slots__ = ("namespace", "parameters", "prefix", "readers")

    def __init__(
        self, api_id: str, deployment_id: str, namespace: str, parameters: tuple[str, ...]
    ) -> None:
        self.prefix = f"apigwc:{api_id}:cache:"
        self.namespace = _field(deployment_id) + _field(namespace)
        self.parameters = parameters
        self.readers = tuple(reader(p) for p in parameters)

    def key(self, request: Request, path: Mapping[str, str], stage: str, canary: bool) -> str:
        # Each value is written with its length, so no two requests' values read alike.
        material = [self.namespace, _field(request.method)]
        for read in self.readers:
            values = read(request, path)
            material.append(f"{len(values)};")
            material += [_field(value) for value in values]
        text = "".join(material).encode("utf-8", "surrogatepass")
        digest = hashlib.blake2b(text, digest_size=20).hexdigest()
        return f"{self.prefix}{stage}:{'canary:' if canary else ''}{digest}"


def _field(text: str) -> str:
    return f"{len(text)}:{text}"
