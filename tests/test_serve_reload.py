"""`apigwc serve --reload` as a user sees it: edit a handler, the next requests run the new code
and the gateway's state is kept; edit the spec, the rebuilt gateway takes over with no refused
connection; break the spec, the diagnostics are printed and the previous gateway keeps serving.
Each reload says so in one log line."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.runtime_server import Reply, fetch, free_port, wait_for_port

SPEC = """\
openapi: 3.0.1
info: {title: Reloaded, version: "1.0"}
paths:
  /hello:
    get:
      security: [{api_key: []}]
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:Hello/invocations
  /mock:
    get:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses: {default: {statusCode: "200", responseTemplates: {application/json: 'MOCK'}}}
components:
  securitySchemes:
    api_key: {type: apiKey, name: x-api-key, in: header}
x-apigwc:
  functions:
    Hello: {handler: app:handler, codeUri: handlers}
  stages: {dev: {}}
  apiKeys:
    metered: {value: meteredKey0123456789abcdef}
  usagePlans:
    plan: {stages: [dev], apiKeys: [metered], quota: {limit: 3, period: DAY}}
"""

HANDLER = """\
def handler(event, context):
    return {"statusCode": 200, "body": "VERSION"}
"""
KEY = {"x-api-key": "meteredKey0123456789abcdef"}


@contextmanager
def reloading_server(folder: Path) -> Iterator[tuple[int, list[str]]]:
    """`apigwc serve api.yaml --reload` in `folder`; yields its port and its stderr lines."""
    port = free_port()
    apigwc = Path(sys.executable).parent / "apigwc"
    command = [str(apigwc), "serve", "api.yaml", "--port", str(port), "--reload"]
    process = subprocess.Popen(
        command, cwd=folder, stderr=subprocess.PIPE, text=True, env=dict(os.environ)
    )
    lines: list[str] = []
    assert process.stderr is not None
    reader = threading.Thread(target=lambda: lines.extend(process.stderr or ()), daemon=True)
    reader.start()
    try:
        wait_for_port(port, process)  # type: ignore[arg-type]
        yield port, lines
    finally:
        process.terminate()
        process.wait(timeout=20)


def wait_for(predicate: object, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def project(tmp_path: Path) -> Path:
    (tmp_path / "handlers").mkdir()
    (tmp_path / "handlers" / "app.py").write_text(HANDLER.replace("VERSION", "one"), "utf-8")
    (tmp_path / "api.yaml").write_text(SPEC.replace("MOCK", "first"), encoding="utf-8")
    return tmp_path


def test_an_edited_handler_runs_at_once_and_the_quota_is_kept(tmp_path: Path) -> None:
    folder = project(tmp_path)
    with reloading_server(folder) as (port, lines):
        assert fetch(port, "GET", "/hello", KEY).body == b"one"
        assert fetch(port, "GET", "/hello", KEY).body == b"one"  # 2 of the quota's 3
        time.sleep(0.1)
        handler = folder / "handlers" / "app.py"
        handler.write_text(HANDLER.replace("VERSION", "two, edited"), encoding="utf-8")
        wait_for(lambda: any("reloaded app.py" in line for line in lines), "the reload line")
        third = fetch(port, "GET", "/hello", KEY)
        assert (third.status, third.body) == (200, b"two, edited")
        # The usage plan's quota counted on: the gateway was not restarted.
        over = fetch(port, "GET", "/hello", KEY)
        assert over.status == 429 and b"Limit Exceeded" in over.body, over
    reload_lines = [line for line in lines if "reloaded " in line]
    assert len(reload_lines) == 1 and "functions Hello run the new code" in reload_lines[0]


def test_an_edited_spec_is_swapped_in_without_refusing_a_connection(tmp_path: Path) -> None:
    folder = project(tmp_path)
    with reloading_server(folder) as (port, lines):
        assert fetch(port, "GET", "/mock").body == b"first"
        replies: list[Reply | OSError] = []
        stop = threading.Event()

        def hammer() -> None:
            while not stop.is_set():
                try:
                    replies.append(fetch(port, "GET", "/mock"))
                except OSError as error:
                    replies.append(error)

        thread = threading.Thread(target=hammer)
        thread.start()
        try:
            (folder / "api.yaml").write_text(SPEC.replace("MOCK", "second"), encoding="utf-8")
            wait_for(
                lambda: any(r.body == b"second" for r in replies if isinstance(r, Reply)), "v2"
            )
        finally:
            stop.set()
            thread.join()
        assert not [r for r in replies if isinstance(r, OSError)], "a connection was refused"
        assert {r.body for r in replies if isinstance(r, Reply)} <= {b"first", b"second"}
        wait_for(lambda: any(x.startswith("reloaded api.yaml") for x in lines), "the swap line")
    swapped = [line for line in lines if line.startswith("reloaded api.yaml")]
    assert len(swapped) == 1 and "took over without dropping a connection" in swapped[0]


def test_a_broken_spec_keeps_the_previous_gateway_serving(tmp_path: Path) -> None:
    folder = project(tmp_path)
    with reloading_server(folder) as (port, lines):
        assert fetch(port, "GET", "/mock").body == b"first"  # served (and watched)
        broken = SPEC.replace("MOCK", "first").replace("type: mock", "type: nonsense")
        (folder / "api.yaml").write_text(broken, encoding="utf-8")
        wait_for(lambda: any("still serving the previous build" in x for x in lines), "refusal")
        assert fetch(port, "GET", "/mock").body == b"first"
        assert any("error[" in line for line in lines), lines
