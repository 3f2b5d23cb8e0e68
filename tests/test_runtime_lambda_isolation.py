"""Local Lambda functions stay isolated, bounded and faithful, end to end on 127.0.0.1.

One gateway serves `runtime_specs/isolation/isolation.yaml` (its stderr kept in a file, for the
log lines). Each test names the Lambda behaviour it pins:
- a function's concurrency is its own (reserved concurrency): a runaway function is throttled
  (500, Lambda refused the invocation) and never starves another function;
- a function's first load happens once, and concurrent first callers wait for it;
- a result past Lambda's 6291556-byte response limit is a function error (502);
- a handler that exits (`sys.exit`, KeyboardInterrupt) is a function error (502), not a crash;
- an asynchronous (`Event`) Lambda custom invocation returns no body, and the function runs;
- a malformed result and a timeout each log one line: route, function, reason.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.runtime_server import Reply, build_spec, fetch, free_port, wait_for_port

SPEC_DIR = Path(__file__).resolve().parent / "runtime_specs" / "isolation"
INTERNAL = b'{"message": "Internal server error"}'


@dataclass
class Served:
    port: int
    log: Path
    tmp: Path

    def get(self, path: str, headers: dict[str, str] | None = None, body: bytes = b"") -> Reply:
        return fetch(self.port, "POST" if body else "GET", path, headers, body)

    def log_lines(self, needle: str, at_least: int = 1) -> list[str]:
        """Log lines holding `needle`, waiting (bounded) for the server to write them."""
        found: list[str] = []
        for _ in range(100):
            # "ERROR: <status> <type> <request id>: route …, integration …: <reason>", without
            # the level and the request id, which differ from run to run
            found = [
                ln.split(": ", 2)[2]
                for ln in self.log.read_text().splitlines()
                if needle in ln and ln.startswith("ERROR:")
            ]
            if len(found) >= at_least:
                break
            time.sleep(0.05)
        return found


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("isolation")
    for source in SPEC_DIR.iterdir():
        shutil.copy(source, tmp / source.name)
    package = build_spec(tmp / "isolation.yaml", tmp / "out")
    port = free_port()
    log = tmp / "stderr.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", package, "--port", str(port), "--no-access-log"],
            cwd=tmp,
            env={"PYTHONPATH": str(tmp / "out" / "runtime"), "PATH": "/usr/bin:/bin"},
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        try:
            wait_for_port(port, process)
            yield Served(port, log, tmp)
        finally:
            process.terminate()
            process.wait(timeout=10)


def _together(served: Served, paths: list[str]) -> list[Reply]:
    with ThreadPoolExecutor(len(paths)) as pool:
        return list(pool.map(served.get, paths))


def test_a_runaway_function_is_throttled_at_its_own_limit_and_never_starves_another(
    served: Served,
) -> None:
    # 40 invocations of Slow (reserved concurrency 3, function timeout 1 s) sleeping 3 s: with
    # one shared pool they held every thread and Fast answered 504 (its integration timeout is
    # 1 s). Now 3 run, 37 are throttled at once, and Fast has its own capacity.
    with ThreadPoolExecutor(41) as pool:
        slow = [pool.submit(served.get, "/slow?seconds=3") for _ in range(40)]
        throttled_first = next(as_completed(slow)).result()  # at once, or at 1 s before
        fast = served.get("/fast")
        replies = [f.result() for f in slow]
    assert (fast.status, fast.body) == (200, b"fast")
    assert sorted(r.status for r in replies) == [500] * 37 + [502] * 3
    assert (throttled_first.status, throttled_first.body) == (500, INTERNAL)
    assert throttled_first.header("x-amzn-ErrorType") == "InternalServerErrorException"
    # The 3 timed-out invocations still run (until their 3 s sleep ends) and still count.
    assert served.get("/slow?seconds=0").status == 500
    assert served.get("/fast").status == 200
    # Each failure logged once, with its reason: the function timeouts and the throttles.
    timed_out = served.log_lines("Sandbox.Timedout", at_least=3)
    assert (
        timed_out
        == [
            "route GET /slow, integration AWS_PROXY Slow: Lambda execution failed due to customer "
            "function error: Sandbox.Timedout: Task timed out after 1.00 seconds"
        ]
        * 3
    )
    throttled = served.log_lines("Lambda invocation throttled: function Slow", at_least=38)
    assert len(throttled) == 38


def test_without_reserved_concurrency_a_runaway_function_still_leaves_room(
    served: Served,
) -> None:
    # The pool has room for every function at its limit (Lambda's default 1000 here): 40
    # runaway invocations run, time out (502) and keep their threads, and Fast still answers.
    with ThreadPoolExecutor(41) as pool:
        slow = [pool.submit(served.get, "/slow/unreserved?seconds=2") for _ in range(40)]
        first = next(as_completed(slow)).result()
        fast = served.get("/fast")
        replies = [f.result() for f in slow]
    assert (first.status, fast.status, fast.body) == (502, 200, b"fast")
    assert {r.status for r in replies} == {502}


def test_reserved_concurrency_zero_throttles_every_invocation(served: Served) -> None:
    reply = served.get("/disabled")
    assert (reply.status, reply.body) == (500, INTERNAL)


def test_concurrent_first_calls_all_wait_for_the_import(served: Served) -> None:
    # lazy_import sleeps 0.5 s at import; Lazy and LazyTwin share it.
    replies = _together(served, ["/lazy"] * 8 + ["/lazy/twin"] * 4)
    assert [(r.status, r.body) for r in replies] == [(200, b"loaded")] * 12


@pytest.mark.parametrize(
    "kind", ["exit", "exit-none", "interrupt", "big"], ids=lambda kind: f"{kind}-502"
)
def test_a_failing_handler_is_a_function_error(served: Served, kind: str) -> None:
    # Lambda: a runtime that exits (Runtime.ExitError) and a result past 6291556 bytes
    # (Function.ResponseSizeTooLarge) are function errors; a proxy integration answers 502.
    reply = served.get(f"/shaped?kind={kind}")
    assert (reply.status, reply.body) == (502, INTERNAL)
    assert served.get("/shaped").body == b"shaped"  # the gateway lives on


def test_an_oversize_lambda_custom_result_is_selected_by_its_error_message(
    served: Served,
) -> None:
    reply = served.get("/custom", {"Content-Type": "application/json"}, b'{"big": true}')
    assert reply.status == 413
    assert json.loads(reply.body)["errorType"] == "Function.ResponseSizeTooLarge"


def test_an_event_invocation_returns_no_body_and_the_function_runs(served: Served) -> None:
    marker = served.tmp / "event.json"
    body = json.dumps({"marker": str(marker)}).encode()
    headers = {"Content-Type": "application/json", "InvocationType": "Event"}
    reply = served.get("/custom", headers, body)
    assert (reply.status, reply.body) == (200, b"")
    for _ in range(100):  # the function runs after the answer
        if marker.exists():
            break
        time.sleep(0.05)
    assert json.loads(marker.read_text()) == {"marker": str(marker)}
    # RequestResponse (and no header) still return the function's result.
    sync = served.tmp / "sync.json"
    body = json.dumps({"marker": str(sync)}).encode()
    headers["InvocationType"] = "RequestResponse"
    reply = served.get("/custom", headers, body)
    assert (reply.status, json.loads(reply.body)) == (200, {"recorded": str(sync)})


def test_an_unknown_invocation_type_is_refused(served: Served) -> None:
    headers = {"Content-Type": "application/json", "InvocationType": "Later"}
    reply = served.get("/custom", headers, b'{"marker": "/nonexistent/x"}')
    assert (reply.status, reply.body) == (500, INTERNAL)


def test_a_malformed_result_logs_route_function_and_reason(served: Served) -> None:
    reply = served.get("/shaped?kind=malformed")
    assert (reply.status, reply.body) == (502, INTERNAL)
    lines = served.log_lines("Malformed Lambda proxy response")
    assert lines == [
        "route GET /shaped, integration AWS_PROXY Shaped: Malformed Lambda proxy response: "
        "unknown keys ['wrongValue']"
    ]


def test_an_integration_timeout_logs_route_function_and_reason(served: Served) -> None:
    reply = served.get("/slow/short?seconds=1")
    assert (reply.status, reply.body) == (504, b'{"message": "Endpoint request timed out"}')
    lines = served.log_lines("GET /slow/short")
    assert lines == [
        "route GET /slow/short, integration AWS_PROXY Sleepy: "
        "Execution failed due to a timeout error (200 ms)"
    ]


def test_a_dry_run_invocation_runs_nothing(served: Served) -> None:
    # Lambda's DryRun checks the request and answers 204 without running the function.
    marker = served.tmp / "dry.json"
    body = json.dumps({"marker": str(marker)}).encode()
    headers = {"Content-Type": "application/json", "InvocationType": "DryRun"}
    assert served.get("/custom", headers, body).body == b""
    # A synchronous call after it has run to its end; the dry run wrote nothing.
    sync = json.dumps({"marker": str(served.tmp / "after-dry.json")}).encode()
    assert served.get("/custom", {"Content-Type": "application/json"}, sync).status == 200
    assert not marker.exists()
