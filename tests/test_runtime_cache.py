"""End to end: the stage cache of REST APIs (issue 13 point 4; reference §1.9, §8.2, §8.3).

A generated gateway of `runtime_specs/caching.yaml` under uvicorn on 127.0.0.1 (stage `dev`,
whose cache is enabled), talked to with a real HTTP client. Its Lambda handler runs in the
gateway process and counts its invocations into each answer, so a test tells a cached answer
(the count stands still) from the integration's. Each test uses keys no other test uses (the
gateway and its cache are the module's). Then the counts the metrics read, canary requests and
`useStageCache` in process, and a real `redis-server` shared by two gateway processes, and by
the two workers of one (`--workers 2`): an entry one writes, the other serves.
"""

from __future__ import annotations

import asyncio
import copy
import http.client
import importlib
import json
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.redis_server import redis_session, redis_url
from tests.runtime_server import (
    Gateway,
    Reply,
    build_spec,
    run_package,
    serve_spec,
    write_spec,
)

__all__ = ["redis_session", "redis_url"]  # the fixtures, imported for pytest

FLUSHER = Credentials("AKIDFLUSHER00000000A", "flusher-secret-key/0123456789abcdefghijk")
READER = Credentials("AKIDREADER000000000A", "reader-secret-key/0123456789abcdefghijkl")
MAX_AGE_0 = {"Cache-Control": "max-age=0"}
WARNING = '199 - "Cache-Control: max-age=0 ignored: not authorized to invalidate"'


def spec(tmp: Path, use_stage_cache: str = "false") -> Path:
    return write_spec(tmp, "caching.yaml", {"USE_STAGE_CACHE": use_stage_cache})


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    tmp = tmp_path_factory.mktemp("caching")
    with serve_spec(spec(tmp), tmp / "out") as gateway:
        yield gateway


def invocation(reply: Reply) -> int:
    """The handler's invocation count in the answer (the integration ran when it moved)."""
    assert reply.status < 300, (reply.status, reply.body[:200])
    found = json.loads(reply.body)
    assert isinstance(found, dict)
    return int(found["count"])


def counts(
    gw: Gateway, path: str, times: int = 2, headers: dict[str, str] | None = None
) -> list[int]:
    return [invocation(gw.fetch("GET", path, headers)) for _ in range(times)]


def signed(gw: Gateway, path: str, credentials: Credentials, headers: dict[str, str]) -> Reply:
    """A request signed with botocore (SigV4, as the AWS SDKs sign), sent as signed."""
    request = AWSRequest("GET", f"http://127.0.0.1:{gw.port}{path}", headers=dict(headers))
    SigV4Auth(credentials, "execute-api", "us-east-1").add_auth(request)
    return gw.fetch("GET", path, dict(request.headers.items()))


# -- hits and keys (reference §1.9) -------------------------------------------------------------
def test_a_hit_answers_without_the_integration_and_no_header_tells(gw: Gateway) -> None:
    miss = gw.fetch("GET", "/pets?type=hit")
    hit = gw.fetch("GET", "/pets?type=hit")
    assert invocation(hit) == invocation(miss)
    assert (hit.status, hit.body) == (miss.status, miss.body)
    # The same header names (the function's and API Gateway's own), no X-Cache, no Age.
    assert [k.lower() for k, _ in hit.headers] == [k.lower() for k, _ in miss.headers]
    assert hit.header("X-Handler") == "counted"
    # Per-request headers are the hit's own.
    for name in ("x-amzn-RequestId", "X-Amzn-Trace-Id", "x-amz-apigw-id"):
        assert hit.header(name) != miss.header(name), name


# (id, first path, second path, headers of each, served by one entry?)
KEYS = [
    (
        "parameters outside the key are ignored",
        "/pets?type=k1&department=A",
        "/pets?type=k1&department=B",
        {},
        {},
        True,
    ),
    ("a key parameter's value keys the entry", "/pets?type=k2", "/pets?type=k3", {}, {}, False),
    ("a path parameter in the key", "/pets/k4", "/pets/k5", {}, {}, False),
    ("a path parameter outside the key is shared", "/shared/k6", "/shared/k7", {}, {}, True),
    (
        "a header in the key",
        "/by-header",
        "/by-header",
        {"X-Tenant": "k8"},
        {"X-Tenant": "k9"},
        False,
    ),
    (
        "the same header value",
        "/by-header",
        "/by-header",
        {"X-Tenant": "k10"},
        {"x-tenant": "k10"},
        True,
    ),
    ("resources of one cacheNamespace share entries", "/ns-a", "/ns-b", {}, {}, True),
]


@pytest.mark.parametrize(
    ("first", "second", "first_headers", "second_headers", "shared"),
    [case[1:] for case in KEYS],
    ids=[case[0] for case in KEYS],
)
def test_cache_keys(
    gw: Gateway,
    first: str,
    second: str,
    first_headers: dict[str, str],
    second_headers: dict[str, str],
    shared: bool,
) -> None:
    one = invocation(gw.fetch("GET", first, first_headers))
    two = invocation(gw.fetch("GET", second, second_headers))
    assert (one == two) is shared
    assert invocation(gw.fetch("GET", second, second_headers)) == two  # each is kept


# (id, method, path, cached?): "only GET methods have caching enabled by default" (§1.9).
METHODS = [
    ("stage-wide caching keeps GET", "GET", "/pets?type=m1", True),
    ("stage-wide caching does not keep POST", "POST", "/pets?type=m2", False),
    ("a method setting naming POST keeps it", "POST", "/orders", True),
    ("a method setting turning caching off", "GET", "/uncached", False),
]


@pytest.mark.parametrize(
    ("method", "path", "kept"), [c[1:] for c in METHODS], ids=[c[0] for c in METHODS]
)
def test_which_methods_are_cached(gw: Gateway, method: str, path: str, kept: bool) -> None:
    first, second = (invocation(gw.fetch(method, path)) for _ in range(2))
    assert (first == second) is kept


def test_an_entry_lives_for_its_ttl(gw: Gateway) -> None:
    # /short/GET sets ttlInSeconds 1.
    first, second = counts(gw, "/short")
    assert first == second
    time.sleep(1.2)
    assert invocation(gw.fetch("GET", "/short")) > first


@pytest.mark.parametrize(
    ("query", "kept"),
    [
        ("type=s1&size=1000000", True),  # about 1,000,080 bytes: under 1,048,576
        ("type=s2&size=1048600", False),  # over the 1 MB API Gateway caches
    ],
)
def test_answers_up_to_1_mb_are_cached(gw: Gateway, query: str, kept: bool) -> None:
    first, second = counts(gw, f"/pets?{query}")
    assert (first == second) is kept


@pytest.mark.parametrize("status", [201, 204])
def test_other_successful_answers_are_cached(gw: Gateway, status: int) -> None:
    replies = [gw.fetch("GET", f"/pets?type=ok{status}&status={status}") for _ in range(2)]
    assert [r.status for r in replies] == [status, status]
    if status != 204:
        assert invocation(replies[0]) == invocation(replies[1])


@pytest.mark.parametrize("status", [400, 404, 429, 500, 503])
def test_error_answers_are_not_cached(gw: Gateway, status: int) -> None:
    replies = [gw.fetch("GET", f"/pets?type=e{status}&status={status}") for _ in range(2)]
    assert [r.status for r in replies] == [status, status]
    assert json.loads(replies[0].body)["count"] != json.loads(replies[1].body)["count"]


def test_a_stage_without_a_cache_caches_nothing(tmp_path: Path) -> None:
    with serve_spec(spec(tmp_path), tmp_path / "out", "--stage", "nocache") as plain:
        first, second = counts(plain, "/pets?type=a")
        assert first != second


# -- Cache-Control: max-age=0 (reference §1.9) ---------------------------------------------------
def test_anyone_invalidates_where_no_authorization_is_required(gw: Gateway) -> None:
    # /anyone/GET: requireAuthorizationForCacheControl false.
    first = invocation(gw.fetch("GET", "/anyone"))
    fresh = gw.fetch("GET", "/anyone", MAX_AGE_0)
    assert invocation(fresh) > first
    assert fresh.header("Warning") is None
    # The fresh answer replaced the entry.
    assert invocation(gw.fetch("GET", "/anyone")) == invocation(fresh)


@pytest.mark.parametrize(
    ("path", "warning"),
    [
        ("/pets?type=i1", WARNING),  # SUCCEED_WITH_RESPONSE_HEADER, API Gateway's default
        ("/quiet", None),  # SUCCEED_WITHOUT_RESPONSE_HEADER
    ],
)
def test_an_unauthorized_invalidation_is_ignored(
    gw: Gateway, path: str, warning: str | None
) -> None:
    first = gw.fetch("GET", path)
    ignored = gw.fetch("GET", path, MAX_AGE_0)
    assert invocation(ignored) == invocation(first)
    assert ignored.header("Warning") == warning
    assert gw.fetch("GET", path).header("Warning") is None  # the entry does not keep it


def test_an_unauthorized_invalidation_fails_with_403(gw: Gateway) -> None:
    first = invocation(gw.fetch("GET", "/strict"))
    refused = gw.fetch("GET", "/strict", MAX_AGE_0)
    assert refused.status == 403
    assert refused.header("x-amzn-ErrorType") == "AccessDeniedException"
    message = json.loads(refused.body)["Message"]
    assert message.startswith("User: anonymous is not authorized to perform: ")
    assert message.endswith("execute-api:InvalidateCache on resource: " + arn(gw, "/strict"))
    assert invocation(gw.fetch("GET", "/strict")) == first


def arn(gw: Gateway, path: str) -> str:
    app = (gw.out / "runtime" / gw.package / "app.py").read_text(encoding="utf-8")
    found = re.search(r'"apiId": "([0-9a-z]+)"', app)
    assert found is not None
    api_id = found.group(1)
    return f"arn:aws:execute-api:us-east-1:123456789012:{api_id}/dev/GET{path}"


def test_an_iam_caller_allowed_execute_api_invalidate_cache_refreshes_the_entry(
    gw: Gateway,
) -> None:
    first = invocation(signed(gw, "/signed", READER, {}))
    assert invocation(signed(gw, "/signed", READER, {})) == first
    fresh = signed(gw, "/signed", FLUSHER, MAX_AGE_0)
    assert invocation(fresh) > first
    assert invocation(signed(gw, "/signed", READER, {})) == invocation(fresh)
    # The cache answers after the method's authorization: an unsigned request never gets it.
    assert gw.fetch("GET", "/signed").status == 403
    refused = signed(gw, "/signed", READER, MAX_AGE_0)  # Invoke only: FAIL_WITH_403
    assert refused.status == 403
    assert json.loads(refused.body) == {
        "Message": "User: arn:aws:iam::123456789012:user/reader is not authorized to perform: "
        "execute-api:InvalidateCache on resource: " + arn(gw, "/signed")
    }


# -- in process: the counts metrics read, canary requests (reference §8.2, §8.5) ---------------
@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Path]]:
    """The generated app module, imported in this process (its Lambda handler runs here too)."""
    tmp = tmp_path_factory.mktemp("caching-inprocess")
    package = build_spec(spec(tmp), tmp / "out")
    runtime = tmp / "out" / "runtime"
    sys.path.insert(0, str(runtime))
    try:
        yield importlib.import_module(f"{package}.app"), runtime / package
    finally:
        sys.path.remove(str(runtime))


def gateway_of(generated: tuple[Any, Path], stage: str, uses_stage_cache: bool = False) -> Any:
    """A gateway of the generated API serving `stage` (its canary's `useStageCache` set)."""
    module, package_dir = generated
    runtime = importlib.import_module(f"{module.__package__}._runtime.pipeline.gateway")
    options = importlib.import_module(f"{module.__package__}._runtime.pipeline.options")
    plan = importlib.import_module(f"{module.__package__}._runtime.pipeline.plan")
    api = copy.deepcopy(module.API)
    api["stages"][stage]["cache"]["canaryUsesStageCache"] = uses_stage_cache
    settings = plan.ApiSettings.from_data(api)
    routes = plan.load_routes(module.ROUTES)
    return runtime.Gateway(settings, routes, package_dir, options.GatewayOptions(stage=stage))


def get(app: Any, path: str, query: str = "") -> tuple[int, bytes]:
    """One GET through the gateway's ASGI entry."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }
    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


def count_of(answer: tuple[int, bytes]) -> int:
    assert answer[0] == 200, answer
    return int(json.loads(answer[1])["count"])


def test_hits_and_misses_are_counted_for_the_metrics(generated: tuple[Any, Path]) -> None:
    gateway = gateway_of(generated, "dev")
    seen: list[tuple[str, str, str, bool]] = []
    gateway.cache_counts.listeners.append(lambda *lookup: seen.append(lookup))
    for query in ("type=c1", "type=c1", "type=c1", "type=c2"):
        get(gateway, "/pets", query)
    get(gateway, "/uncached")  # not looked up: neither
    assert gateway.cache_counts.snapshot() == {
        "CacheHitCount": {("dev", "/pets", "GET"): 2},
        "CacheMissCount": {("dev", "/pets", "GET"): 2},
    }
    assert seen == [
        ("dev", "/pets", "GET", False),
        ("dev", "/pets", "GET", True),
        ("dev", "/pets", "GET", True),
        ("dev", "/pets", "GET", False),
    ]


@pytest.mark.parametrize("uses_stage_cache", [False, True])
def test_canary_requests_use_the_stage_cache_only_with_use_stage_cache(
    generated: tuple[Any, Path], uses_stage_cache: bool
) -> None:
    """`canaried` sends every request to its canary (percentTraffic 100); then none."""
    gateway = gateway_of(generated, "canaried", uses_stage_cache)
    canary = gateway.api["stages"]["canaried"]["canary"]
    query = f"type=canary-{uses_stage_cache}"
    filled = count_of(get(gateway, "/pets", query))
    assert count_of(get(gateway, "/pets", query)) == filled  # canary requests hit their entry
    canary["percentTraffic"] = 0
    base = count_of(get(gateway, "/pets", query))
    assert (base == filled) is uses_stage_cache
    assert count_of(get(gateway, "/pets", query)) == base


# -- Redis: one cache for several gateway processes (issue 13, "Real parts") -------------------
def test_an_entry_one_gateway_process_writes_the_other_serves(
    tmp_path: Path, redis_url: str
) -> None:
    package = build_spec(spec(tmp_path), tmp_path / "out")
    runtime = tmp_path / "out" / "runtime"
    with (
        run_package(runtime, package, "--state", redis_url) as one,
        run_package(runtime, package, "--state", redis_url) as two,
    ):
        a, b = Gateway(one, tmp_path / "out", package), Gateway(two, tmp_path / "out", package)
        written = a.fetch("GET", "/pets?type=shared")
        served = b.fetch("GET", "/pets?type=shared")
        assert (served.status, served.body) == (written.status, written.body)
        # The second process's handler never ran: its first own invocation counts 1.
        assert invocation(b.fetch("GET", "/pets?type=own")) == 1
        # An invalidation through one process replaces the entry the other serves.
        invocation(b.fetch("GET", "/anyone"))
        fresh = a.fetch("GET", "/anyone", MAX_AGE_0)
        assert b.fetch("GET", "/anyone").body == fresh.body


def test_an_entry_one_worker_writes_the_other_serves(tmp_path: Path, redis_url: str) -> None:
    """`--workers 2` on one port: a connection is served by one worker throughout, so a
    connection's uncached answer names its worker (the handler's pid), and the cached answer on
    the same connection names the worker that wrote the entry. Connections are opened until one
    lands on the other worker (at most 200: the kernel hands them to both)."""
    package = build_spec(spec(tmp_path), tmp_path / "out")
    runtime = tmp_path / "out" / "runtime"
    with run_package(runtime, package, "--workers", "2", "--state", redis_url) as port:

        def on_one_connection(*paths: str) -> list[dict[str, Any]]:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                answers = []
                for path in paths:
                    connection.request("GET", path)
                    reply = connection.getresponse()
                    assert reply.status == 200
                    answers.append(json.loads(reply.read()))
                return answers
            finally:
                connection.close()

        writer, written = on_one_connection("/uncached", "/pets?type=workers")
        assert written["pid"] == writer["pid"]  # the miss ran on this connection's worker
        for _ in range(200):
            worker, served = on_one_connection("/uncached", "/pets?type=workers")
            if worker["pid"] != writer["pid"]:
                break
        else:
            pytest.fail("200 connections all reached one worker")
        assert served == written  # the other worker served the entry, its handler not run


def test_without_redis_every_request_reaches_the_integration(tmp_path: Path) -> None:
    from tests.redis_server import free_redis_port

    package = build_spec(spec(tmp_path), tmp_path / "out")
    nowhere = f"redis://127.0.0.1:{free_redis_port()}/0"
    with run_package(tmp_path / "out" / "runtime", package, "--state", nowhere) as port:
        gateway = Gateway(port, tmp_path / "out", package)
        assert counts(gateway, "/pets?type=down", 3) == [1, 2, 3]
