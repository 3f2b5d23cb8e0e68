"""Route matching: a request method and path -> the route that serves it, with path parameters.

Flows in: the route table (generated data: `resourcePath`, `httpMethod`, `routeKey`, ...) and a
request's method and undecoded path (after the stage). Flows out: `Match` (route, path
parameters) or None, which the application turns into 403 Missing Authentication Token (REST)
or 404 Not Found (HTTP).

REST (reference §1.2): resources form a tree; at each level a literal segment is tried before a
`{param}` and a `{param}` before a greedy `{proxy+}`, and matching backtracks, so the most
specific resource that *has the method* (or `ANY`) wins and a greedy sibling catches the rest,
as AWS recordings show. `ANY` serves only methods the resource does not declare; `HEAD` is never
served by `GET`. A trailing slash is ignored, extra slashes right after the stage are dropped,
and values stay percent-encoded (a greedy value keeps inner double slashes).

`canonical_path` is the one path a request is routed by; the resource policy's method ARN is
built from it too, so `/secret/`, `//secret` and `/%73ecret` are judged as the `/secret` they
are served by.

HTTP APIs (reference §1.10): full matches (literal before `{param}`) first, then greedy routes
(longest prefix first), then `$default`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

Route = Mapping[str, Any]
# What the table serves: a route itself, or (the gateway) the plan compiled for it.
T = TypeVar("T")


@dataclass
class Resource(Generic[T]):
    """One node of the resource tree: API Gateway's Resource."""

    methods: dict[str, T] = field(default_factory=dict)
    literals: dict[str, Resource[T]] = field(default_factory=dict)
    param: tuple[str, Resource[T]] | None = None
    greedy: tuple[str, Resource[T]] | None = None

    def child(self, segment: str) -> Resource[T]:
        if segment.startswith("{") and segment.endswith("+}"):
            if self.greedy is None:
                self.greedy = (segment[1:-2], Resource())
            return self.greedy[1]
        if segment.startswith("{") and segment.endswith("}"):
            if self.param is None:
                self.param = (segment[1:-1], Resource())
            return self.param[1]
        return self.literals.setdefault(segment, Resource())

    def method(self, http_method: str) -> T | None:
        return self.methods.get(http_method) or self.methods.get("ANY")


class Match(Generic[T]):
    """The route a request matched and its path parameters (one per request: a slotted class)."""

    __slots__ = ("path_parameters", "route")

    def __init__(self, route: T, path_parameters: dict[str, str]) -> None:
        self.route = route
        self.path_parameters = path_parameters


_KNOWN_MAX = 4096


# Percent-escapes of unreserved characters (RFC 3986 §2.3: letters, digits, `-._~`), which
# name the same resource as the characters themselves (§6.2.2.2). Reserved ones (`%2F`, `%2B`)
# stay encoded, and parameter values are passed as sent (reference §1.2, recorded).
_UNRESERVED_ESCAPE = re.compile(
    r"%(4[1-9A-Fa-f]|5[0-9Aa]|6[1-9A-Fa-f]|7[0-9Aa]|3[0-9]|2[Dd]|2[Ee]|5[Ff]|7[Ee])"
)


def _unescape_unreserved(path: str) -> str:
    return _UNRESERVED_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), path)


def split_path(path: str) -> list[str]:
    """Segments for matching: leading slashes dropped, one trailing slash ignored."""
    path = path.lstrip("/")
    if path.endswith("/"):
        path = path[:-1]
    return path.split("/") if path else []


def canonical_path(path: str) -> str:
    """The resource path a request is routed by, `/`-led with no trailing slash: what the
    method ARN of a resource policy carries (ARNs have no trailing slash, §1.1 step 4), with
    escaped unreserved characters decoded as literal segments are matched."""
    return "/" + "/".join(split_path(_unescape_unreserved(path) if "%" in path else path))


class Router(Generic[T]):
    """The compiled route table of one API: `route_of` reads a served item as its route
    (`routeKey`, `resourcePath`, `httpMethod`); by default the items are the routes."""

    def __init__(
        self,
        routes: Iterable[T],
        protocol: str,
        route_of: Callable[[T], Route] | None = None,
    ) -> None:
        self.protocol = protocol
        self.root: Resource[T] = Resource()
        self.default_route: T | None = None
        self._known: dict[tuple[str, str], tuple[T, dict[str, str]]] = {}
        for item in routes:
            route: Route = route_of(item) if route_of else item  # type: ignore[assignment]
            if route.get("routeKey") == "$default":
                self.default_route = item
                continue
            node = self.root
            for segment in split_path(route["resourcePath"]):
                node = node.child(segment)
            node.methods[route["httpMethod"]] = item

    def match(self, method: str, path: str) -> Match[T] | None:
        """The route for a method and a (still encoded) path. The table is fixed, so a match is
        a function of the two: matches already made are remembered (bounded, since paths carry
        ids) and handed out with their own copy of the path parameters."""
        known = self._known.get((method, path))
        if known is not None:
            return Match(known[0], dict(known[1]))
        found = self._match(method, path)
        if found is not None and len(self._known) < _KNOWN_MAX:
            self._known[(method, path)] = (found.route, dict(found.path_parameters))
        return found

    def _match(self, method: str, path: str) -> Match[T] | None:
        segments = split_path(path)
        if self.protocol == "HTTP":
            found = _walk(self.root, segments, 0, method, {}, greedy=False)
            found = found or _walk(self.root, segments, 0, method, {}, greedy=True)
            if found is None and self.default_route is not None:
                return Match(self.default_route, {})
            return found
        return _walk(self.root, segments, 0, method, {}, greedy=True)


def _walk(
    node: Resource[T],
    segments: list[str],
    index: int,
    method: str,
    params: dict[str, str],
    *,
    greedy: bool,
) -> Match[T] | None:
    """Depth-first, literal > {param} > {greedy+}, backtracking when a branch lacks the method."""
    if index == len(segments):
        route = node.method(method)
        return Match(route, dict(params)) if route is not None else None
    segment = segments[index]
    literal = node.literals.get(segment)
    if literal is None and "%" in segment:  # `%73ecret` is the literal `secret`
        literal = node.literals.get(_unescape_unreserved(segment))
    if literal is not None:
        found = _walk(literal, segments, index + 1, method, params, greedy=greedy)
        if found is not None:
            return found
    if node.param is not None and segment:
        name, child = node.param
        found = _walk(child, segments, index + 1, method, {**params, name: segment}, greedy=greedy)
        if found is not None:
            return found
    if greedy and node.greedy is not None:
        name, child = node.greedy
        route = child.method(method)
        if route is not None:
            return Match(route, {**params, name: "/".join(segments[index:])})
    return None
