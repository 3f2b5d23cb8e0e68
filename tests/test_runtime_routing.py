"""The support library's router in process: tables of method + path -> route (reference §1.2,
§1.10), for the cases a served spec cannot isolate (no greedy, no `$default`)."""

from __future__ import annotations

import pytest
from apigwc.runtime.routing.router import Router, split_path


def table(protocol: str, *keys: str) -> Router:
    routes = []
    for key in keys:
        method, _, path = key.partition(" ")
        routes.append({"routeKey": key, "httpMethod": method, "resourcePath": path})
    return Router(routes, protocol)


REST = table("REST", "GET /a", "GET /a/{id}", "ANY /a/{id}/b", "HEAD /h", "GET /g/{rest+}")
HTTP = table("HTTP", "GET /a", "GET /a/{id}", "GET /a/{proxy+}")
# The developer guide's own example routes (§1.10).
HTTP_DG = table(
    "HTTP",
    "GET /pets/dog/1",
    "GET /pets/dog/{id}",
    "GET /pets/{proxy+}",
    "ANY /{proxy+}",
    "POST /only-post",
    "$default",
)

ROWS = [
    ("REST literal", REST, "GET", "/a", "/a", {}),
    ("REST param", REST, "GET", "/a/x%20y", "/a/{id}", {"id": "x%20y"}),
    ("REST ANY", REST, "PATCH", "/a/1/b", "/a/{id}/b", {"id": "1"}),
    ("REST HEAD declared", REST, "HEAD", "/h", "/h", {}),
    ("REST no HEAD from GET", REST, "HEAD", "/a", None, None),
    ("REST wrong method", REST, "POST", "/a", None, None),
    ("REST greedy needs a segment", REST, "GET", "/g", None, None),
    ("REST greedy", REST, "GET", "/g/1//2", "/g/{rest+}", {"rest": "1//2"}),
    ("REST case-sensitive", REST, "GET", "/A", None, None),
    ("REST empty segment matches no param", REST, "GET", "/a//", None, None),
    ("HTTP no $default: no match", HTTP, "GET", "/b", None, None),
    ("HTTP param before greedy", HTTP, "GET", "/a/1", "/a/{id}", {"id": "1"}),
    ("HTTP greedy", HTTP, "GET", "/a/1/2", "/a/{proxy+}", {"proxy": "1/2"}),
    ("HTTP literal beats param", HTTP_DG, "GET", "/pets/dog/1", "/pets/dog/1", {}),
    ("HTTP param", HTTP_DG, "GET", "/pets/dog/2", "/pets/dog/{id}", {"id": "2"}),
    ("HTTP longer greedy first", HTTP_DG, "GET", "/pets/cat", "/pets/{proxy+}", {"proxy": "cat"}),
    (
        "HTTP ANY greedy for other methods",
        HTTP_DG,
        "POST",
        "/pets/cat",
        "/{proxy+}",
        {"proxy": "pets/cat"},
    ),
    ("HTTP full match before greedy", HTTP_DG, "POST", "/only-post", "/only-post", {}),
    ("HTTP $default last", HTTP_DG, "GET", "/", "", {}),  # the $default route has no path
]


@pytest.mark.parametrize(
    ("router", "method", "path", "resource", "params"),
    [r[1:] for r in ROWS],
    ids=[r[0] for r in ROWS],
)
def test_match(
    router: Router, method: str, path: str, resource: str | None, params: dict[str, str] | None
) -> None:
    found = router.match(method, path)
    if resource is None:
        assert found is None
        return
    assert found is not None
    assert (found.route["resourcePath"], found.path_parameters) == (resource, params)


@pytest.mark.parametrize(
    ("path", "segments"),
    [("/", []), ("", []), ("/a/", ["a"]), ("//a/b", ["a", "b"]), ("/a//b", ["a", "", "b"])],
)
def test_split_path(path: str, segments: list[str]) -> None:
    assert split_path(path) == segments


@pytest.mark.parametrize(
    ("router", "method", "path"), [r[1:4] for r in ROWS], ids=[r[0] for r in ROWS]
)
def test_a_remembered_match_is_the_match(router: Router, method: str, path: str) -> None:
    """The router remembers matches it made; asking again gives the same answer, and each
    answer has its own path parameters (a caller may change them)."""
    first, second = router.match(method, path), router.match(method, path)
    if first is None:
        assert second is None
        return
    assert second is not None
    assert (second.route, second.path_parameters) == (first.route, first.path_parameters)
    first.path_parameters["changed"] = "yes"
    third = router.match(method, path)
    assert third is not None and "changed" not in third.path_parameters
