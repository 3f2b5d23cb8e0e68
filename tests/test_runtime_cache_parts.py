"""The stage cache's parts as tables (reference §1.9, §8.2, §8.3): which requests a route's
settings cache and for how long, the cache key, the stored entry, `Cache-Control: max-age=0`,
the validator's rules; no server (tests/test_runtime_cache.py serves the same end to end)."""

from __future__ import annotations

import pytest
from apigwc.runtime.caching.entries import MAX_CACHED_BYTES, decode, encode
from apigwc.runtime.caching.invalidation import asks_invalidation
from apigwc.runtime.caching.keys import CacheKey, CacheKeyError
from apigwc.runtime.caching.settings import RouteCache, route_cache
from apigwc.runtime.pipeline.context import Request
from apigwc.runtime.pipeline.plan import MethodCaching, RouteEntry, StageCache
from apigwc.runtime.responses.gateway_responses import Response
from apigwc.runtime.state.memory import MemoryStore

from tests.rules_cases import HEAD, MOCK, OK, Case, check_case


def route(method: str = "GET", path: str = "/pets") -> RouteEntry:
    return RouteEntry(
        route_key=f"{method} {path}",
        resource_path=path,
        http_method=method,
        resource_id="abc123",
        operation_name=None,
        security=(),
        integration={"type": "MOCK"},
        validation=None,
    )


STAGE = MethodCaching(enabled=True, ttl_in_seconds=300)
GET_ONLY = frozenset({"GET"})
DEFAULTS = {"require_authorization": True, "strategy": "SUCCEED_WITH_RESPONSE_HEADER"}


def cached(ttl: int, methods: frozenset[str] | None = GET_ONLY, **rest: object) -> RouteCache:
    values = {**DEFAULTS, "canary_uses_stage_cache": False, **rest}
    return RouteCache(ttl, methods, **values)  # type: ignore[arg-type]


# (id, stage cache, route, expected): reference §1.9 and the `*/*` defaults of §8.3.
SETTINGS = [
    ("no cache cluster: nothing cached", None, route(), None),
    ("stage cache: GET for 300 s", StageCache(STAGE), route(), cached(300)),
    ("stage default TTL is 300", StageCache(MethodCaching(enabled=True)), route(), cached(300)),
    (
        "stage-wide caching covers GET only, even on a POST method",
        StageCache(STAGE),
        route("POST"),
        cached(300),
    ),
    (
        "a method setting naming POST caches the POST",
        StageCache(STAGE, {"/pets/POST": MethodCaching(enabled=True)}),
        route("POST"),
        cached(300, None),
    ),
    (
        "a wildcard verb enabling caching still caches GET only",
        StageCache(STAGE, {"/pets/*": MethodCaching(enabled=True)}),
        route("POST"),
        cached(300),
    ),
    (
        "a method setting turns caching off",
        StageCache(STAGE, {"/pets/GET": MethodCaching(enabled=False)}),
        route(),
        None,
    ),
    (
        "a method's TTL wins over the stage's",
        StageCache(STAGE, {"/pets/GET": MethodCaching(ttl_in_seconds=30)}),
        route(),
        cached(30),
    ),
    (
        "TTL 0 disables",
        StageCache(STAGE, {"/pets/GET": MethodCaching(ttl_in_seconds=0)}),
        route(),
        None,
    ),
    (
        "TTL over 3600 is held to 3600",
        StageCache(MethodCaching(enabled=True, ttl_in_seconds=7200)),
        route(),
        cached(3600),
    ),
    (
        "a stage whose /*/* turns caching off caches nothing",
        StageCache(MethodCaching(enabled=False, ttl_in_seconds=300)),
        route(),
        None,
    ),
    (
        "a method enables caching the stage turned off",
        StageCache(MethodCaching(enabled=False), {"/pets/GET": MethodCaching(enabled=True)}),
        route(),
        cached(300, None),
    ),
    (
        "another method's setting does not apply",
        StageCache(STAGE, {"/pets/{id}/GET": MethodCaching(enabled=False)}),
        route(),
        cached(300),
    ),
    (
        "the cache-control settings, per method",
        StageCache(
            STAGE,
            {
                "/pets/GET": MethodCaching(
                    require_authorization=False, unauthorized_strategy="FAIL_WITH_403"
                )
            },
        ),
        route(),
        cached(300, require_authorization=False, strategy="FAIL_WITH_403"),
    ),
    (
        "an unknown strategy fails closed with 403",
        StageCache(MethodCaching(enabled=True, unauthorized_strategy="MAYBE")),
        route(),
        cached(300, strategy="FAIL_WITH_403"),
    ),
    (
        "canary useStageCache is carried",
        StageCache(STAGE, canary_uses_stage_cache=True),
        route(),
        cached(300, canary_uses_stage_cache=True),
    ),
]


@pytest.mark.parametrize(
    ("cache", "entry", "expected"), [c[1:] for c in SETTINGS], ids=[c[0] for c in SETTINGS]
)
def test_route_cache_settings(
    cache: StageCache | None, entry: RouteEntry, expected: RouteCache | None
) -> None:
    assert route_cache(cache, entry) == expected


def test_stage_cache_settings_round_trip_through_the_generated_data() -> None:
    cache = StageCache(STAGE, {"/pets/GET": MethodCaching(False, 5, False, "FAIL_WITH_403")}, True)
    assert StageCache.from_data(cache.to_data()) == cache


def request(
    method: str = "GET", query: str = "", headers: list[tuple[str, str]] | None = None
) -> Request:
    return Request(method, "/pets", query, headers or [], b"", "127.0.0.1")


KEY = CacheKey(
    "api",
    "deployment",
    "abc123",
    (
        "method.request.querystring.type",
        "method.request.multivaluequerystring.tag",
        "method.request.header.X-Tenant",
        "method.request.path.id",
    ),
)

# (id, first request, second request, same entry?)
KEYS = [
    (
        "parameters outside the key are ignored",
        request(query="type=a&d=1"),
        request(query="type=a&d=2"),
        True,
    ),
    ("a key parameter's value", request(query="type=a"), request(query="type=b"), False),
    (
        "querystring reads the last value",
        request(query="type=x&type=a"),
        request(query="type=a"),
        True,
    ),
    (
        "multivaluequerystring reads them all",
        request(query="tag=x&tag=a"),
        request(query="tag=a"),
        False,
    ),
    (
        "header names are case-insensitive",
        request(headers=[("x-tenant", "t")]),
        request(headers=[("x-tenant", "t")]),
        True,
    ),
    (
        "a header's value",
        request(headers=[("x-tenant", "t")]),
        request(headers=[("x-tenant", "u")]),
        False,
    ),
    ("the verb is part of the key", request("GET"), request("POST"), False),
]


@pytest.mark.parametrize(
    ("first", "second", "same"), [c[1:] for c in KEYS], ids=[c[0] for c in KEYS]
)
def test_cache_keys(first: Request, second: Request, same: bool) -> None:
    path = {"id": "1"}
    assert (KEY.key(first, path, "dev", False) == KEY.key(second, path, "dev", False)) is same


def test_keys_differ_by_path_parameter_stage_canary_namespace_and_deployment() -> None:
    one = request(query="type=a")
    key = KEY.key(one, {"id": "1"}, "dev", False)
    assert key != KEY.key(one, {"id": "2"}, "dev", False)
    assert key != KEY.key(one, {"id": "1"}, "prod", False)
    assert key != KEY.key(one, {"id": "1"}, "dev", True)
    other_namespace = CacheKey("api", "deployment", "shared", KEY_PARAMETERS)
    assert key != other_namespace.key(one, {"id": "1"}, "dev", False)
    redeployed = CacheKey("api", "deployment2", "abc123", KEY_PARAMETERS)
    assert key != redeployed.key(one, {"id": "1"}, "dev", False)
    # No client text in the store's key name: the values are hashed.
    assert "type" not in key and key.startswith("apigwc:api:cache:dev:")


KEY_PARAMETERS = KEY.parameters


@pytest.mark.parametrize(
    "parameter",
    ["integration.request.header.x", "method.request.body", "method.request.cookie.x", "x"],
)
def test_an_unreadable_key_parameter_is_refused(parameter: str) -> None:
    with pytest.raises(CacheKeyError):
        CacheKey("api", "d", "n", (parameter,))


@pytest.mark.parametrize(
    ("status", "size", "kept"),
    [
        (200, 10, True),
        (204, 0, True),
        (299, 10, True),
        (304, 0, False),
        (404, 10, False),
        (429, 10, False),
        (500, 10, False),
        (200, MAX_CACHED_BYTES, True),
        (200, MAX_CACHED_BYTES + 1, False),
    ],
)
def test_which_answers_are_kept(status: int, size: int, kept: bool) -> None:
    answer = Response(status, [("Content-Type", "application/json")], b"x" * size)
    assert (encode(answer, request()) is not None) is kept


@pytest.mark.parametrize(
    "headers", [[("X-A", "a\0b")], [("X\0A", "b")], [("\x01X-Amzn-Trace-Id", "x")]]
)
def test_an_answer_with_headers_http_cannot_carry_is_not_kept(
    headers: list[tuple[str, str]],
) -> None:
    assert encode(Response(200, headers, b"{}"), request()) is None


def test_an_entry_replays_the_answer_with_the_hit_requests_trace_id() -> None:
    first, second = request(), request()
    answer = Response(200, [("X-A", "1"), ("X-Amzn-Trace-Id", first.trace_header())], b"{}\n")
    entry = encode(answer, first)
    assert entry is not None
    replayed = decode(entry, second)
    assert replayed is not None
    assert (replayed.status, replayed.body) == (200, b"{}\n")
    assert replayed.headers == [("X-A", "1"), ("X-Amzn-Trace-Id", second.trace_header())]


@pytest.mark.parametrize(
    "entry",
    [
        b"",
        b"garbage",
        b"[1,2]\nbody",
        b'["200",[]]\n',
        b"{\n",
        b"9\n200",
        b"3\nabc",
        b"2\n\xff\xfe",
    ],
)
def test_bytes_that_are_no_entry_are_a_miss(entry: bytes) -> None:
    assert decode(entry, request()) is None


@pytest.mark.parametrize(
    ("header", "asks"),
    [
        ("max-age=0", True),
        ("Max-Age=0", True),
        ("no-store, max-age=0", True),
        ("max-age = 0", True),
        ("max-age=10", False),
        ("no-cache", False),
        ("max-age=00", False),
        (None, False),
    ],
)
def test_cache_control_max_age_0_asks_for_invalidation(header: str | None, asks: bool) -> None:
    assert asks_invalidation(header) is asks


def test_the_memory_store_keeps_cached_bytes_bounded() -> None:
    store = MemoryStore(max_cache_bytes=100)
    store.cache_set_now("a", b"x" * 60, 10)
    store.cache_set_now("b", b"y" * 60, 10)  # over 100 bytes: the least recently used goes
    assert store.cache_get_now("a") is None
    assert store.cache_get_now("b") == b"y" * 60
    store.cache_set_now("b", b"z" * 10, 10)  # replacing an entry frees its bytes
    store.cache_set_now("c", b"w" * 80, 10)
    assert store.cache_get_now("b") == b"z" * 10
    store.cache_set_now("huge", b"h" * 101, 10)  # never kept
    assert store.cache_get_now("huge") is None


CACHING_DOC = (
    HEAD
    + f"paths:\n  /pets:\n    get:\n      responses: {OK}\n      x-amazon-apigateway-integration: {MOCK}\n"
    + "x-apigwc:\n  stages:\n    prod:\n      cache: {enabled: true}\n"
    + "      methodSettings:\n        /pets/GET: {caching: {SETTING}}\n"
)


def caching_doc(setting: str) -> str:
    return CACHING_DOC.replace("SETTING", setting)


RULES = [
    Case("ttl-over-3600", caching_doc("ttlInSeconds: 3601"), "AGW485", "error"),
    Case("ttl-3600", caching_doc("ttlInSeconds: 3600"), "AGW485", None),
    Case("ttl-negative", caching_doc("ttlInSeconds: -1"), "AGW485", "error"),
    Case(
        "unknown-strategy",
        caching_doc("unauthorizedCacheControlHeaderStrategy: FAIL"),
        "AGW485",
        "error",
    ),
    *[
        Case(
            strategy.lower(),
            caching_doc(f"unauthorizedCacheControlHeaderStrategy: {strategy}"),
            "AGW485",
            None,
        )
        for strategy in (
            "FAIL_WITH_403",
            "SUCCEED_WITH_RESPONSE_HEADER",
            "SUCCEED_WITHOUT_RESPONSE_HEADER",
        )
    ],
]


@pytest.mark.parametrize("case", RULES, ids=[c.id for c in RULES])
def test_cache_settings_rules(case: Case) -> None:
    check_case(case)
