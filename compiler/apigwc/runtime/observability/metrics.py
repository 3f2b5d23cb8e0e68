"""API Gateway's CloudWatch metrics, counted by each worker process for the admin port.

Flows in: the API's settings and routes (the series a process counts: per stage, and per method
where the stage's method settings turn detailed metrics on), then, per request, the finished
request and its response (`record`), its integration's duration (`TimedIntegration`) and the
stage cache's verdict (`cache_hit` / `cache_miss`). Flows out: counters in a file of this
process (`<pid>.bin`, with its series in `<pid>.json`) under the metrics folder that
`python -m <pkg> --admin-port N` made; `admin.py` sums every process's files into a
Prometheus page.

The names are CloudWatch's (reference §8.5), each after the prefix `apigateway_` (a Prometheus
name cannot start with a digit): REST APIs count `Count`, `4XXError`, `5XXError`,
`CacheHitCount`, `CacheMissCount` and time `Latency` and `IntegrationLatency` (milliseconds, as
histograms) by `ApiName` and `Stage`, and by `Method` and `Resource` too for the methods whose
stage sets `metricsEnabled` (`x-apigwc.stages.<s>.methodSettings.<key>.metrics`); HTTP APIs count
`Count`, `4xx`, `5xx`, `DataProcessed` (request and response body bytes) and time `Latency` and
`IntegrationLatency` by `ApiId` and `Stage`, and `Route` with detailed metrics. A request is
counted in one series: its method's when detailed, else its stage's (Prometheus sums the
method series of a stage with `sum by (ApiName, Stage)`, as CloudWatch's stage dimension does).

Why not prometheus-client's multiprocess mode: its counters take a lock and pack a value into
an mmap per increment, and its folder must be set before the library is imported. Here each
process owns its file and is its only writer: the event loop adds to a list of floats (an item
of a list is read and written by specialised bytecode; the same addition in a `memoryview` of
the mmap cost three times as much, measured), and the background thread (`background.py`)
copies the list into the file every `background.INTERVAL` seconds and at exit (`publish`), in
one copy: no lock, no allocation per request, nothing imported beyond the standard library. A
reader sees each 8-byte aligned value whole, at most one interval old (CloudWatch's own
metrics arrive a minute late). A worker that exits leaves its file: its counts stay in the
sums, as counters must (never going down).

Cache hook (the stage cache, `runtime/caching/`): `cache_lookup(stage, resource_path, http_method,
hit)` counts one lookup of a method with caching enabled, the signature of the stage cache's
per-lookup listener (the gateway registers it when the metrics are on). CloudWatch's
`CacheMissCount` counts requests served from the backend "when API caching is enabled";
reference §1.9: no header reveals a hit, the metrics do.
"""

from __future__ import annotations

import atexit
import json
import os
import time
from array import array
from bisect import bisect_left
from collections.abc import Awaitable, Callable, Mapping
from mmap import mmap
from pathlib import Path
from time import perf_counter
from typing import Any

from ..pipeline.context import Request
from ..pipeline.pending import Pending
from ..pipeline.plan import ApiSettings, RouteEntry
from ..responses.gateway_responses import Response
from ..traffic.limits import method_setting_key
from .background import every_interval

PREFIX = "apigateway_"
# Histogram bounds of `Latency` and `IntegrationLatency`, in milliseconds (API Gateway's
# integration timeout is 29 s by default).
BOUNDS: tuple[float, ...] = (1.0, 2.5, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0)
BOUNDS += (2500.0, 5000.0, 10000.0, 30000.0)
BUCKETS = len(BOUNDS) + 1  # the last one is +Inf
FIRST = BOUNDS[0]  # a local request's usual latency is below it: bucket 0 without a bisect
# The slots of one series: counters, then the two histograms (their sum, then their buckets).
COUNT, ERRORS_4XX, ERRORS_5XX, CACHE_HIT, CACHE_MISS, DATA = range(6)
LATENCY = 6  # sum; buckets from LATENCY + 1
INTEGRATION = LATENCY + 1 + BUCKETS  # sum; buckets from INTEGRATION + 1
WIDTH = INTEGRATION + 1 + BUCKETS


class MetricsRecorder:
    """The counters of one process: its series' slots in an mmap of its own file."""

    def __init__(
        self,
        api: ApiSettings,
        routes: tuple[RouteEntry, ...],
        directory: str,
        served: str,
        all_stages: bool = False,
    ) -> None:
        self.protocol = api.protocol
        self.served = served  # the stage served at `/` (requests without a stage prefix)
        self.all_stages = all_stages  # else every request is the served stage's
        series, self.bases = _layout(api, routes)
        # The same slots by (method, resource path), as the stage cache names a method.
        self.methods = {
            stage: {(r.http_method, r.resource_path): by_route[r.route_key] for r in routes}
            for stage, by_route in self.bases.items()
        }
        # The counts, added to by the event loop; `published` is a memoryview of doubles over
        # the file's mmap that `publish` copies them into.
        self.published, self._file = _counters(Path(directory), series)
        self.values: list[float] = [0.0] * len(self.published)
        every_interval(self.publish)
        atexit.register(self.publish)
        # One answered request: `Count`, its error class, `Latency` (and `DataProcessed`).
        self.record: Callable[[Request, Response], None] = _record(self)

    def publish(self) -> None:
        """The counts into the file, in one copy (on the background thread, and at exit).
        `Count` is not added to per request: every counted request is one observation of its
        series' `Latency`, so a series' count is the sum of its `Latency` buckets, summed here."""
        values = self.values
        for base in range(0, len(values), WIDTH):
            values[base + COUNT] = sum(values[base + LATENCY + 1 : base + LATENCY + 1 + BUCKETS])
        self.published[:] = array("d", values)

    def base(self, request: Request) -> int:
        """The first slot of the series `request` is counted in."""
        by_route = self.bases[request.stage_prefix[1:] or self.served]
        route = request.route
        return by_route.get(route["routeKey"], by_route[""]) if route else by_route[""]

    def integration(self, base: int, milliseconds: float) -> None:
        """`IntegrationLatency` of the series at `base`: the time the integration took."""
        self.values[base + INTEGRATION] += milliseconds
        self.values[base + INTEGRATION + 1 + _bucket(milliseconds)] += 1.0

    def cache_lookup(self, stage: str, resource_path: str, http_method: str, hit: bool) -> None:
        """`CacheHitCount` or `CacheMissCount`: one stage-cache lookup of a method with caching
        enabled (REST), as the stage cache reports each (its counts' listener signature)."""
        by_method = self.methods.get(stage)
        base = by_method.get((http_method, resource_path)) if by_method else None
        if base is not None:
            self.values[base + (CACHE_HIT if hit else CACHE_MISS)] += 1.0


def _bucket(milliseconds: float) -> int:
    """The histogram bucket of a duration: 0 within the first bound (a local request's usual
    latency: a comparison, no bisect), else the first bound at or above it (Prometheus's `le`).
    The two per-request paths (`record`, a timed integration answering at once) write this
    expression inline, a call less each."""
    return 0 if milliseconds <= FIRST else bisect_left(BOUNDS, milliseconds)


def _record(metrics: MetricsRecorder) -> Callable[[Request, Response], None]:
    """`metrics.record`, with what it reads bound once: a few float additions per request (the
    served stage's series bound too; under `--all-stages`, the request's stage's looked up)."""
    values, bases, served = metrics.values, metrics.bases, metrics.served
    all_stages, http = metrics.all_stages, metrics.protocol == "HTTP"
    now, bucket, bounds, first = time.time, bisect_left, BOUNDS, FIRST
    latency, errors_4xx, errors_5xx, data = LATENCY, ERRORS_4XX, ERRORS_5XX, DATA
    served_routes = bases[served]
    served_base = served_routes[""]

    def record(request: Request, response: Response) -> None:
        by_route = served_routes
        stage_base = served_base
        if all_stages:
            by_route = bases[request.stage_prefix[1:] or served]
            stage_base = by_route[""]
        route = request.route
        base = by_route.get(route["routeKey"], stage_base) if route else stage_base
        status = response.status
        if status >= 400:
            values[base + (errors_5xx if status >= 500 else errors_4xx)] += 1.0
        milliseconds = (now() - request.epoch) * 1000.0
        values[base + latency] += milliseconds  # and `Count`, summed from it (publish)
        at = 0 if milliseconds <= first else bucket(bounds, milliseconds)  # _bucket, inline
        values[base + latency + 1 + at] += 1.0
        if http:
            values[base + data] += len(request.body) + len(response.body)

    return record


class TimedIntegration:
    """A route's integration step, timed for `IntegrationLatency` (compiled in only when the
    metrics are on: a gateway without `--admin-port` runs the step itself). Serving one stage,
    the route's series is known here, and `integrate` is a closure over it and the step's own
    method (no attribute read per request); under `--all-stages` the series is the request's
    stage's."""

    __slots__ = ("base", "integrate", "metrics", "reads_context", "step")

    def __init__(self, step: Any, metrics: MetricsRecorder, route_key: str) -> None:
        self.step = step
        self.reads_context: bool = step.reads_context
        self.metrics = metrics
        served = metrics.bases[metrics.served]
        self.base = None if metrics.all_stages else served.get(route_key, served[""])
        self.integrate: Callable[..., Response | Awaitable[Response]] = (
            self._any_stage if self.base is None else self._one_stage(self.base)
        )

    def _one_stage(self, base: int) -> Callable[..., Response | Awaitable[Response]]:
        integrate, values, clock = self.step.integrate, self.metrics.values, perf_counter
        settled, timed = self._settled, self._timed
        total, buckets = base + INTEGRATION, base + INTEGRATION + 1

        def timed_integrate(
            request: Request, match: Any, context: Mapping[str, Any]
        ) -> Response | Awaitable[Response]:
            start = clock()
            answer = integrate(request, match, context)
            if answer.__class__ is not Response:
                if isinstance(answer, Pending):  # timed when it settles, with no coroutine
                    return answer.then(settled, request, start)
                return timed(answer, request, start)
            milliseconds = (clock() - start) * 1000.0
            values[total] += milliseconds
            at = 0 if milliseconds <= FIRST else bisect_left(BOUNDS, milliseconds)  # _bucket
            values[buckets + at] += 1.0
            return answer

        return timed_integrate

    def _any_stage(
        self, request: Request, match: Any, context: Mapping[str, Any]
    ) -> Response | Awaitable[Response]:
        start = perf_counter()
        answer = self.step.integrate(request, match, context)
        if answer.__class__ is not Response:
            if isinstance(answer, Pending):
                return answer.then(self._settled, request, start)
            return self._timed(answer, request, start)
        self._observe(request, (perf_counter() - start) * 1000.0)
        return answer

    async def _timed(self, answer: Awaitable[Response], request: Request, start: float) -> Response:
        try:
            return await answer
        finally:
            self._observe(request, (perf_counter() - start) * 1000.0)

    def _settled(
        self, response: Any, error: BaseException | None, request: Request, start: float
    ) -> Any:
        self._observe(request, (perf_counter() - start) * 1000.0)
        if error is not None:
            raise error
        return response

    def _observe(self, request: Request, milliseconds: float) -> None:
        base = self.metrics.base(request) if self.base is None else self.base
        self.metrics.integration(base, milliseconds)


def api_name(api: ApiSettings) -> str:
    """The `ApiName` dimension: the API's name without its non-ASCII characters, or its id when
    none is left (reference §8.5)."""
    name = "".join(c for c in api.title if c.isascii())
    return name or api.api_id


def _layout(
    api: ApiSettings, routes: tuple[RouteEntry, ...]
) -> tuple[list[dict[str, str]], dict[str, dict[str, int]]]:
    """Every series' labels, in slot order, and each stage's first slot by route key (`""`: the
    stage's own series, for requests no detailed route counts)."""
    series: list[dict[str, str]] = []
    bases: dict[str, dict[str, int]] = {}
    rest = api.protocol == "REST"
    first = {"ApiName": api_name(api)} if rest else {"ApiId": api.api_id}
    for stage, settings in api.stages.items():
        by_route = bases[stage] = {"": len(series) * WIDTH}
        series.append(first | {"Stage": stage})
        for route in routes:
            if _detailed(settings.detailed_metrics, route):
                by_route[route.route_key] = len(series) * WIDTH
                method = {"Method": route.http_method, "Resource": route.resource_path}
                series.append(first | ({"Stage": stage} | method if rest else _http(stage, route)))
        for route in routes:
            by_route.setdefault(route.route_key, by_route[""])
    return series, bases


def _http(stage: str, route: RouteEntry) -> dict[str, str]:
    return {"Stage": stage, "Route": route.route_key}


def _detailed(settings: Mapping[str, bool], route: RouteEntry) -> bool:
    """Whether the method's detailed metrics are on: its own method setting (the most specific
    key naming it), else the stage's `/*/*`, else off (API Gateway's default)."""
    key = method_setting_key(settings, route)
    return settings[key] if key is not None else settings.get("/*/*", False)


def _counters(directory: Path, series: list[dict[str, str]]) -> tuple[Any, mmap]:
    """This process's counter file, zeroed and mapped, and its series beside it (written after
    the counters exist, so a reader that finds the series finds the counters)."""
    pid = os.getpid()
    size = max(1, len(series)) * WIDTH * 8
    fd = os.open(directory / f"{pid}.bin", os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.ftruncate(fd, size)
        mapped = mmap(fd, size)
    finally:
        os.close(fd)
    layout = directory / f"{pid}.json.tmp"
    layout.write_text(json.dumps({"width": WIDTH, "series": series}), encoding="utf-8")
    layout.replace(directory / f"{pid}.json")
    return memoryview(mapped).cast("d"), mapped
