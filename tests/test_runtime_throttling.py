"""End to end: throttling and usage-plan quotas (issue 13 points 2-3; reference §7, §8.3, §4).

Generated gateways from `runtime_specs/throttling.yaml` under uvicorn, stage `dev` at the root:
rates of one token per 1,000 s, so only the bursts decide and every count below is exact. First
with the in-memory state (the default), then with a real `redis-server` shared by two gateway
processes and by two uvicorn workers, then with Redis unreachable; last an HTTP API's route
settings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.redis_server import RedisServer, free_redis_port, redis_session, redis_url
from tests.runtime_server import (
    Gateway,
    Reply,
    build_spec,
    fetch,
    free_port,
    run_package,
    serve_spec,
    wait_for_port,
    write_spec,
)

__all__ = ["redis_session", "redis_url"]  # the fixtures, imported for pytest

TOO_MANY = b'{"message":"Too Many Requests"}'
LIMIT_EXCEEDED = b'{"message":"Limit Exceeded"}'
GOLD = {"x-api-key": "goldKey0123456789abcdefgh"}
METERED = {"x-api-key": "meteredKey0123456789abcdef"}


def statuses(
    gw: Gateway, method: str, path: str, count: int, headers: dict[str, str] | None = None
) -> list[int]:
    return [gw.fetch(method, path, headers).status for _ in range(count)]


def assert_throttled(reply: Reply) -> None:
    assert (reply.status, reply.body) == (429, TOO_MANY)
    assert reply.header("x-amzn-ErrorType") == "TooManyRequestsException"
    assert reply.header("Retry-After") is None  # none observed from API Gateway (§7.2)


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    tmp = tmp_path_factory.mktemp("throttling")
    with serve_spec(write_spec(tmp, "throttling.yaml", {"QUOTA": "4"}), tmp / "out") as gateway:
        yield gateway


# -- stage throttling (reference §7.2, §8.3) -----------------------------------------------------
def test_the_stage_throttle_lets_its_burst_through_then_answers_429(gw: Gateway) -> None:
    assert statuses(gw, "GET", "/open", 6) == [200] * 6
    assert_throttled(gw.fetch("GET", "/open"))


def test_each_method_has_its_own_stage_bucket(gw: Gateway) -> None:
    """API Gateway applies a stage's throttle "at the API method level": /open-too keeps its
    burst whatever /open used."""
    statuses(gw, "GET", "/open", 7)
    assert statuses(gw, "GET", "/open-too", 7) == [200] * 6 + [429]


def test_a_method_setting_overrides_the_stage_default(gw: Gateway) -> None:
    # /limited/GET sets burstLimit 2; its rate comes from the stage (0.001).
    assert statuses(gw, "GET", "/limited", 3) == [200, 200, 429]


def test_a_method_throttled_to_zero_refuses_every_request(gw: Gateway) -> None:
    assert_throttled(gw.fetch("GET", "/closed"))


# -- usage plans (reference §7.1-§7.3, §1.3) --------------------------------------------------------
def test_usage_plan_throttles_per_key_and_per_method(gw: Gateway) -> None:
    """goldPlan: burst 3 per key, /keyed-method/GET burst 1. The refused /keyed-method request
    takes no token from the plan's bucket, which /keyed then uses up."""
    assert statuses(gw, "GET", "/keyed-method", 2, GOLD) == [200, 429]
    assert statuses(gw, "GET", "/keyed", 3, GOLD) == [200, 200, 429]
    assert_throttled(gw.fetch("GET", "/keyed", GOLD))


def test_the_quota_counts_every_method_of_the_plan_and_answers_limit_exceeded(
    gw: Gateway,
) -> None:
    # A method that does not require a key never counts, even with a key (reference §1.3).
    assert statuses(gw, "GET", "/free", 3, METERED) == [200] * 3
    assert statuses(gw, "GET", "/metered", 2, METERED) == [200] * 2
    assert statuses(gw, "POST", "/metered", 2, METERED) == [200] * 2
    reply = gw.fetch("GET", "/metered", METERED)
    assert (reply.status, reply.body) == (429, LIMIT_EXCEEDED)
    assert reply.header("x-amzn-ErrorType") == "LimitExceededException"
    # Rendered through the QUOTA_EXCEEDED gateway response, with its configured header.
    assert reply.header("x-quota") == "exceeded"
    assert gw.fetch("GET", "/metered").status == 403  # no key: the key check comes first


def test_the_quota_is_shared_by_the_plans_stages(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, "throttling.yaml", {"QUOTA": "2"})
    with serve_spec(spec, tmp_path / "out", "--all-stages") as gw:
        assert gw.fetch("GET", "/dev/metered", METERED).status == 200
        assert gw.fetch("GET", "/prod/metered", METERED).status == 200
        assert gw.fetch("GET", "/prod/metered", METERED).body == LIMIT_EXCEEDED
        assert gw.fetch("GET", "/dev/metered", METERED).body == LIMIT_EXCEEDED
        # prod sets no throttle: its methods meet only the account's default burst (5,000).
        assert statuses(gw, "GET", "/prod/closed", 8) == [200] * 8


# -- Redis: state shared across processes (issue 13 point 1) -----------------------------------------
def _spread(
    ports: list[int], path: str, count: int, headers: dict[str, str] | None = None
) -> Counter[int]:
    """`count` requests sent at once from 8 threads, round-robin over the gateways."""
    with ThreadPoolExecutor(8) as pool:
        replies = pool.map(
            lambda i: fetch(ports[i % len(ports)], "GET", path, headers), range(count)
        )
        return Counter(reply.status for reply in replies)


def test_two_gateways_share_buckets_and_quotas_through_redis(
    tmp_path: Path, redis_url: str
) -> None:
    """A burst spread over two gateway processes gets exactly the burst's 200s: each request is
    one atomic Lua script, so no token is taken twice (API Gateway calls its limits best-effort;
    here they are exact)."""
    spec = write_spec(tmp_path, "throttling.yaml", {"QUOTA": "5"})
    package = build_spec(spec, tmp_path / "out")
    with ExitStack() as stack:
        ports = [
            stack.enter_context(
                run_package(tmp_path / "out" / "runtime", package, "--state", redis_url)
            )
            for _ in range(2)
        ]
        assert _spread(ports, "/open", 20) == Counter({200: 6, 429: 14})
        assert _spread(ports, "/metered", 9, METERED) == Counter({200: 5, 429: 4})
        assert fetch(ports[0], "GET", "/metered", METERED).body == LIMIT_EXCEEDED


def test_two_workers_share_a_bucket_through_redis(tmp_path: Path, redis_url: str) -> None:
    spec = write_spec(tmp_path, "throttling.yaml", {"QUOTA": "5"})
    package = build_spec(spec, tmp_path / "out")
    runtime = tmp_path / "out" / "runtime"
    with run_package(runtime, package, "--workers", "2", "--state", redis_url) as port:
        assert _spread([port], "/open-too", 16) == Counter({200: 6, 429: 10})


def test_with_redis_unreachable_requests_go_through_and_one_line_is_logged(
    tmp_path: Path,
) -> None:
    """Reference §7.3: when API Gateway cannot evaluate the plan, the request goes through and
    the failure is logged; never a 5xx, never a hang."""
    spec = write_spec(tmp_path, "throttling.yaml", {"QUOTA": "1"})
    package = build_spec(spec, tmp_path / "out")
    port, nowhere = free_port(), free_redis_port()
    environ = dict(os.environ, PYTHONPATH=str(tmp_path / "out" / "runtime"))
    log = (tmp_path / "stderr.log").open("wb")
    command = [sys.executable, "-m", package, "--port", str(port), "--no-access-log"]
    command += ["--state", f"redis://127.0.0.1:{nowhere}/0"]
    process = subprocess.Popen(command, env=environ, stdout=subprocess.DEVNULL, stderr=log)
    try:
        wait_for_port(port, process)
        began = time.monotonic()
        replies = [fetch(port, "GET", "/closed") for _ in range(3)]
        replies += [fetch(port, "GET", "/metered", METERED) for _ in range(3)]
        assert time.monotonic() - began < 10
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
    assert [r.status for r in replies] == [200] * 6
    lines = (tmp_path / "stderr.log").read_text().splitlines()
    failures = [line for line in lines if "Usage Plan check failed" in line]
    assert len(failures) == 1, lines
    assert f"127.0.0.1:{nowhere}" in failures[0] and "Traceback" not in "\n".join(lines)


# -- HTTP APIs: route settings (reference §1.10, §8.3) ------------------------------------------------
HTTP_SPEC = """
openapi: 3.0.1
info: {title: RuntimeHttpThrottling, version: "1.0"}
x-amazon-apigateway-importexport-version: "1.0"
paths:
  /items:
    get:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration: &v2
        type: AWS_PROXY
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:EchoV2/invocations
        payloadFormatVersion: "2.0"
  /other:
    get:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration: *v2
x-apigwc:
  functions:
    EchoV2: {handler: lambdas:echo_v2, codeUri: handlers, timeout: 10}
  stages:
    dev:
      throttle: {rateLimit: 0.001, burstLimit: 3}
      methodSettings:
        /items/GET: {throttle: {rateLimit: 0.001, burstLimit: 1}}
"""


def test_http_api_route_settings_and_default_route_settings(tmp_path: Path) -> None:
    (tmp_path / "handlers").mkdir()
    write_spec(tmp_path, "throttling.yaml", {})  # copies the handlers beside the spec
    spec = tmp_path / "http.yaml"
    spec.write_text(HTTP_SPEC, encoding="utf-8")
    with serve_spec(spec, tmp_path / "out") as gw:
        assert statuses(gw, "GET", "/items", 2) == [200, 429]  # routeSettings "GET /items"
        assert statuses(gw, "GET", "/other", 4) == [200] * 3 + [429]  # defaultRouteSettings
        reply = gw.fetch("GET", "/items")
        assert (reply.status, reply.body) == (429, TOO_MANY)
        assert reply.header("x-amzn-ErrorType") is None  # HTTP APIs: a fixed body, no type


# -- apigwc usage (issue 13 point 3) -----------------------------------------------------------------
def test_apigwc_usage_prints_what_the_gateways_counted(tmp_path: Path, redis_url: str) -> None:
    from apigwc.cli import main
    from click.testing import CliRunner

    spec = write_spec(tmp_path, "throttling.yaml", {"QUOTA": "5"})
    package = build_spec(spec, tmp_path / "out")
    with run_package(tmp_path / "out" / "runtime", package, "--state", redis_url) as port:
        assert [fetch(port, "GET", "/metered", METERED).status for _ in range(3)] == [200] * 3
        assert fetch(port, "GET", "/keyed", GOLD).status == 200
    runner = CliRunner()
    text = runner.invoke(main, ["usage", str(spec), "--state", redis_url])
    assert text.exit_code == 0, text.output
    rows = {line.split()[0]: line.split() for line in text.output.splitlines()[1:]}
    assert rows["meteredPlan"][3:6] == ["DAY", "3", "2"]  # period, used, remaining
    assert rows["goldPlan"][3:] == ["-", "-", "-", "2.0"]  # no quota; 2 of its 3 tokens left
    shown = runner.invoke(main, ["usage", str(spec), "--state", redis_url, "--format", "json"])
    (plan,) = json.loads(shown.output)
    assert list(plan["items"].values()) == [[[3, 2]]]
    assert plan["startDate"] == plan["endDate"] == time.strftime("%Y-%m-%d", time.gmtime())
    refused = runner.invoke(main, ["usage", str(spec), "--state", "memory"])
    assert refused.exit_code == 2 and "lives in its own process" in refused.output


def test_a_redis_restart_under_load_never_answers_5xx(tmp_path: Path) -> None:
    """Issue 13: a Redis restart during load loses at most the in-flight counts (the restarted
    server starts empty) and never answers 5xx: requests during the outage go through. The
    load is on stage prod (no stage throttle) with a key whose plan has a quota of 1,000."""
    server = RedisServer(tmp_path).start()
    spec = write_spec(tmp_path, "throttling.yaml", {"QUOTA": "1000"})
    package = build_spec(spec, tmp_path / "out")
    runtime = tmp_path / "out" / "runtime"
    try:
        with run_package(runtime, package, "--all-stages", "--state", server.url) as port:
            with ThreadPoolExecutor(4) as pool:
                load = pool.map(lambda _: fetch(port, "GET", "/prod/metered", METERED), range(400))
                time.sleep(0.3)
                server.restart()
                seen = Counter(reply.status for reply in load)
            assert set(seen) == {200}, seen
            # Enforced again once Redis is back (the store retries after 1 s).
            time.sleep(1.2)
            assert fetch(port, "GET", "/prod/metered", METERED).status == 200
            assert _spread([port], "/dev/limited", 4) == Counter({200: 2, 429: 2})
    finally:
        server.stop()


def test_python_m_refuses_a_state_that_names_no_backend(gw: Gateway) -> None:
    environ = dict(os.environ, PYTHONPATH=str(gw.out / "runtime"))
    command = [sys.executable, "-m", gw.package, "--state", "memcached://127.0.0.1:11211"]
    done = subprocess.run(command, env=environ, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "expected 'memory' or redis://HOST:PORT/DB" in done.stderr
    assert "Traceback" not in done.stderr
