"""CloudWatch's metrics on the admin port (runtime/observability/metrics.py, admin.py): a
generated gateway served on 127.0.0.1 with `--admin-port`, requests sent over HTTP, the page
scraped over HTTP and read with prometheus-client's own parser, the counts compared with the
requests sent (reference §8.5: names, dimensions, detailed metrics only where enabled)."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.runtime_server import build_spec, fetch, free_port, run_package

LAMBDA = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:123456789012:function:Pid/invocations"
)
REST = f"""\
openapi: 3.0.1
info: {{title: "Metered \u2713", version: "1.0"}}
paths:
  /pets:
    get:
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {{application/json: '{{"statusCode": 200}}'}}
        responses: {{default: {{statusCode: "200", responseTemplates: {{application/json: pets}}}}}}
  /boom:
    get:
      responses: {{"500": {{description: boom}}}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {{application/json: '{{"statusCode": 200}}'}}
        responses: {{default: {{statusCode: "500"}}}}
  /pid:
    get:
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration: {{type: aws_proxy, httpMethod: POST, uri: "{LAMBDA}"}}
x-apigwc:
  functions:
    Pid: {{handler: "pid:handler", codeUri: ., timeout: 10}}
  stages:
    dev:
      methodSettings:
        /pets/GET: {{metrics: true}}
"""
HTTP = f"""\
openapi: 3.0.1
info: {{title: MeteredHttp, version: "1.0"}}
x-amazon-apigateway-importexport-version: "1.0"
paths:
  /items:
    post:
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration:
        {{type: AWS_PROXY, httpMethod: POST, uri: "{LAMBDA}", payloadFormatVersion: "2.0"}}
  /other:
    get:
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration:
        {{type: AWS_PROXY, httpMethod: POST, uri: "{LAMBDA}", payloadFormatVersion: "2.0"}}
x-apigwc:
  protocol: HTTP
  functions:
    Pid: {{handler: "pid:handler", codeUri: ., timeout: 10}}
  stages:
    $default:
      methodSettings:
        /items/POST: {{metrics: true}}
"""
HANDLER = """\
import os


def handler(event, context):
    return {"statusCode": 200, "body": str(os.getpid())}
"""
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@contextmanager
def metered(tmp_path: Path, spec: str, *args: str) -> Iterator[tuple[int, int]]:
    """The spec built and served with `--admin-port`: (API port, admin port)."""
    (tmp_path / "api.yaml").write_text(spec, encoding="utf-8")
    (tmp_path / "pid.py").write_text(HANDLER, encoding="utf-8")
    package = build_spec(tmp_path / "api.yaml", tmp_path / "out")
    admin = free_port()
    with run_package(
        tmp_path / "out" / "runtime", package, "--admin-port", str(admin), *args
    ) as port:
        yield port, admin


def scrape(admin: int) -> Samples:
    """The admin page over HTTP, read by prometheus-client's parser, once the workers published
    their last counts: each publishes every 50 ms (runtime/observability/background.py), so
    the page is read until two reads 0.2 s apart agree (at most 10 s)."""
    deadline = time.monotonic() + 10
    samples = _read_page(admin)
    while True:
        time.sleep(0.2)
        again = _read_page(admin)
        if again == samples or time.monotonic() > deadline:
            return again
        samples = again


def _read_page(admin: int) -> Samples:
    with urllib.request.urlopen(f"http://127.0.0.1:{admin}/metrics", timeout=5) as answer:
        assert answer.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = answer.read().decode("utf-8")
    return _parse(text)


def _parse(text: str) -> Samples:
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            name = sample.name.removesuffix("_total")  # the parser's name for a counter
            samples[(name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(f"apigateway_{name}", frozenset(labels.items()))]


def test_rest_metrics_are_summed_over_two_workers(tmp_path: Path) -> None:
    with metered(tmp_path, REST, "--workers", "2") as (port, admin):
        warm_up = _both_workers(port)
        paths = ["/pets"] * 30 + ["/boom"] * 7 + ["/nowhere"] * 5 + ["/pid"] * 40
        with ThreadPoolExecutor(8) as pool:  # fresh connections, spread over both workers
            replies = list(pool.map(lambda path: fetch(port, "GET", path), paths))
        samples = scrape(admin)
    assert [r.status for r in replies] == [200] * 30 + [500] * 7 + [403] * 5 + [200] * 40
    # `Resource`/`Method` only for the method with detailed metrics (`metricsEnabled`); the
    # stage's series counts the others. Non-ASCII characters leave ApiName (reference §8.5).
    stage = {"ApiName": "Metered ", "Stage": "dev"}
    pets = stage | {"Method": "GET", "Resource": "/pets"}
    expected = {
        ("Count", "pets"): 30,
        ("Count", "stage"): 52 + warm_up,
        ("4XXError", "pets"): 0,
        ("4XXError", "stage"): 5,
        ("5XXError", "pets"): 0,
        ("5XXError", "stage"): 7,
        ("Latency_count", "pets"): 30,
        ("Latency_count", "stage"): 52 + warm_up,
        ("IntegrationLatency_count", "pets"): 30,
        # no integration for an unknown route
        ("IntegrationLatency_count", "stage"): 47 + warm_up,
        ("CacheHitCount", "stage"): 0,
        ("CacheMissCount", "stage"): 0,
    }
    series = {"pets": pets, "stage": stage}
    assert {k: value(samples, k[0], **series[k[1]]) for k in expected} == expected
    names = {name for name, _ in samples}
    assert "apigateway_Count" in names and "apigateway_4xx" not in names
    assert value(samples, "Latency_bucket", **pets, le="+Inf") == 30
    assert value(samples, "Latency_sum", **pets) > 0


def test_http_api_metrics_use_the_http_names(tmp_path: Path) -> None:
    with metered(tmp_path, HTTP) as (port, admin):
        posted = [fetch(port, "POST", "/items", body=b"x" * 10) for _ in range(3)]
        other = [fetch(port, "GET", "/other"), fetch(port, "GET", "/none")]
        samples = scrape(admin)
    assert [r.status for r in posted + other] == [200, 200, 200, 200, 404]
    stage = {"ApiId": _only(samples, "ApiId"), "Stage": "$default"}
    items = stage | {"Route": "POST /items"}
    assert value(samples, "Count", **items) == 3
    assert value(samples, "Count", **stage) == 2
    assert value(samples, "4xx", **stage) == 1
    assert value(samples, "5xx", **stage) == 0
    # request and response bodies: 10 bytes in, the worker's pid out
    assert value(samples, "DataProcessed", **items) == sum(10 + len(r.body) for r in posted)
    assert not any(name.endswith(("4XXError", "CacheHitCount")) for name, _ in samples)


def test_the_admin_port_serves_only_the_metrics_and_the_api_port_none(tmp_path: Path) -> None:
    with metered(tmp_path, REST) as (port, admin):
        on_api = fetch(port, "GET", "/metrics")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{admin}/other", timeout=5)
        samples = scrape(admin)
    assert on_api.status == 403  # an unknown route of the API, as any other
    assert refused.value.code == 404
    # the scrape and the refused admin request are no API requests
    assert value(samples, "Count", ApiName="Metered ", Stage="dev") == 1


def test_the_admin_port_is_never_the_api_port(tmp_path: Path) -> None:
    (tmp_path / "api.yaml").write_text(REST, encoding="utf-8")
    package = build_spec(tmp_path / "api.yaml", tmp_path / "out")
    port = str(free_port())
    command = [sys.executable, "-m", package, "--port", port, "--admin-port", port]
    env = {"PYTHONPATH": str(tmp_path / "out" / "runtime")}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert "never served on the API's own port" in done.stderr


def _both_workers(port: int) -> int:
    """Requests to `/pid` until both worker processes have answered (the second one starts
    after the first listens); how many were sent."""
    pids: set[bytes] = set()
    deadline = time.monotonic() + 30
    sent = 0
    while len(pids) < 2 and time.monotonic() < deadline:
        with ThreadPoolExecutor(4) as pool:
            pids |= {r.body for r in pool.map(lambda _: fetch(port, "GET", "/pid"), range(8))}
        sent += 8
    assert len(pids) == 2, "the second worker never answered"
    return sent


def _only(samples: Samples, label: str) -> str:
    values = {dict(labels)[label] for _, labels in samples if label in dict(labels)}
    assert len(values) == 1, values
    return values.pop()


def _recorder(tmp_path: Path, spec: str) -> tuple[object, Path]:
    """The metrics recorder of a gateway of `spec` built in this process, counting in a folder."""
    from apigwc.runtime.observability.metrics import MetricsRecorder
    from apigwc.runtime.pipeline.plan import ApiSettings, load_routes

    (tmp_path / "api.yaml").write_text(spec, encoding="utf-8")
    (tmp_path / "pid.py").write_text(HANDLER, encoding="utf-8")
    package = build_spec(tmp_path / "api.yaml", tmp_path / "out")
    sys.path.insert(0, str(tmp_path / "out" / "runtime"))
    try:
        import importlib

        data = importlib.import_module(f"{package}.app")
    finally:
        sys.path.remove(str(tmp_path / "out" / "runtime"))
        for name in [n for n in sys.modules if n.split(".")[0] == package]:
            del sys.modules[name]  # another test may build a package of the same name
    folder = tmp_path / "metrics"
    folder.mkdir()
    settings = ApiSettings.from_data(data.API)
    recorder = MetricsRecorder(settings, load_routes(data.ROUTES), str(folder), "dev")
    return recorder, folder


def test_cache_lookups_count_in_their_methods_series(tmp_path: Path) -> None:
    """The stage cache's listener (`cache_lookup(stage, resource, method, hit)`): a hit or a
    miss in the method's series (detailed) or its stage's; other stages' and unknown methods'
    lookups count nowhere."""
    from apigwc.runtime.observability import admin

    recorder, folder = _recorder(tmp_path, REST)
    lookup = recorder.cache_lookup  # type: ignore[attr-defined]
    for hit in (True, True, False):
        lookup("dev", "/pets", "GET", hit)
    lookup("dev", "/boom", "GET", False)
    lookup("prod", "/pets", "GET", True)
    lookup("dev", "/nowhere", "GET", True)
    recorder.publish()  # type: ignore[attr-defined]  # as the background thread does
    samples = _parse(admin.exposition(folder).decode())
    stage = {"ApiName": "Metered ", "Stage": "dev"}
    pets = stage | {"Method": "GET", "Resource": "/pets"}
    assert [
        value(samples, "CacheHitCount", **pets),
        value(samples, "CacheMissCount", **pets),
        value(samples, "CacheHitCount", **stage),
        value(samples, "CacheMissCount", **stage),
    ] == [2, 1, 0, 1]


def test_label_values_are_escaped(tmp_path: Path) -> None:
    from apigwc.runtime.observability import admin

    spec = REST.replace('"Metered \u2713"', '"Say \\"hi\\" \\\\ there"')
    _, folder = _recorder(tmp_path, spec)
    samples = _parse(admin.exposition(folder).decode())
    assert value(samples, "Count", ApiName='Say "hi" \\ there', Stage="dev") == 0


def test_stage_cache_hits_and_misses_are_counted(tmp_path: Path) -> None:
    """A stage with its cache enabled (GET methods cached by default, reference §1.9): the
    first request misses, the next ones hit; no header says so, the metrics do."""
    cached = REST.replace("    dev:\n", "    dev:\n      cache: {enabled: true}\n")
    with metered(tmp_path, cached) as (port, admin):
        replies = [fetch(port, "GET", "/pets") for _ in range(3)]
        samples = scrape(admin)
    assert [r.status for r in replies] == [200, 200, 200]
    pets = {"ApiName": "Metered ", "Stage": "dev", "Method": "GET", "Resource": "/pets"}
    assert value(samples, "CacheMissCount", **pets) == 1
    assert value(samples, "CacheHitCount", **pets) == 2
    assert value(samples, "Count", **pets) == 3
