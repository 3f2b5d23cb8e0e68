"""The gateway's own access log (runtime/observability/access_log.py), through `apigwc serve` on
127.0.0.1: the CLF line, a stage's `accessLog.format`, only the stages that set one by default,
and `--no-access-log`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.runtime_server import Reply, fetch, free_port, wait_for_port

SPEC = """\
openapi: 3.0.1
info: {title: Logged, version: "1.0"}
paths:
  /pets/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses: {default: {statusCode: "200", responseTemplates: {application/json: 'pet'}}}
x-apigwc:
  stages:
    dev: {STAGE}
"""


class _AnyTime(str):
    """Equal to any CLF time (`07/Dec/2026:17:54:22 +0000`)."""

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, str)
            and re.fullmatch(r"\d\d/\w{3}/\d{4}(:\d\d){3} \+0000", other) is not None
        )

    __hash__ = str.__hash__


ANY_TIME = _AnyTime("<time>")
JSON_FORMAT = '{"requestId":"$context.requestId","status":"$context.status"}'
# The default line: API Gateway's CLF example format (access_log.DEFAULT_FORMAT).
CLF = re.compile(
    r'^(\S+) - - \[(\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d \+0000)\] "(\S+) (\S+) HTTP/1.1" '
    r"(\d{3}) (\d+) ([0-9a-f-]{36}) (\S+=)$"
)


@contextmanager
def served(tmp_path: Path, stage: str, *options: str) -> Iterator[tuple[int, Path]]:
    """`apigwc serve` of SPEC; yields the port and the file the server's stderr goes to (read
    it after the block: the server has exited and flushed its log by then)."""
    spec = tmp_path / "api.yaml"
    spec.write_text(SPEC.replace("{STAGE}", stage), encoding="utf-8")
    port = free_port()
    apigwc = Path(sys.executable).parent / "apigwc"
    command = [str(apigwc), "serve", "api.yaml", "--port", str(port), *options]
    log = tmp_path / "stderr.txt"
    with log.open("wb") as err:
        process = subprocess.Popen(command, cwd=tmp_path, stderr=err, env=dict(os.environ))
        try:
            wait_for_port(port, process)
            yield port, log
        finally:
            process.terminate()
            process.wait(timeout=15)


def _get(port: int, path: str) -> Reply:
    headers = {"Authorization": "Bearer secret-token", "x-api-key": "secret-key"}
    return fetch(port, "GET", path, headers)


def test_default_line_once_per_request(tmp_path: Path) -> None:
    """`--access-log stderr` named: every stage's line, the CLF line where no format is set."""
    with served(tmp_path, "{}", "--access-log", "stderr") as (port, log):
        replies = [_get(port, "/pets/1?token=secret-query"), _get(port, "/nowhere")]
    text = log.read_text(encoding="utf-8")
    lines = [found for line in text.splitlines() if (found := CLF.match(line))]
    assert [(r.status, r.header("x-amzn-RequestId")) for r in replies] == [
        (200, lines[0].group(7)),
        (403, lines[1].group(7)),
    ]
    assert len(lines) == 2
    assert lines[0].group(1) == "127.0.0.1"
    assert lines[0].group(3, 4, 5, 6) == ("GET", "/pets/{id}", "200", "3")
    assert lines[0].group(8) == replies[0].header("x-amz-apigw-id")
    assert lines[1].group(4, 5) == ("-", "403")  # no route matched: no resource path
    for secret in ("secret-token", "secret-key", "secret-query"):
        assert secret not in text
    assert '"GET /pets/1' not in text  # uvicorn's own access log is off


def test_stage_format_written_exactly(tmp_path: Path) -> None:
    stage = "{accessLog: {format: '" + JSON_FORMAT + "'}}"
    with served(tmp_path, stage) as (port, log):
        replies = [_get(port, "/pets/7"), _get(port, "/pets")]
    entries = [
        json.loads(line)
        for line in log.read_text(encoding="utf-8").splitlines()
        if line.startswith('{"requestId"')
    ]
    assert entries == [
        {"requestId": r.header("x-amzn-RequestId"), "status": str(r.status)} for r in replies
    ]
    assert [e["status"] for e in entries] == ["200", "403"]


def test_lines_go_to_the_file_named(tmp_path: Path) -> None:
    """`--access-log FILE`: the lines are appended to the file (a preset's, by name), none on
    stderr; a second server appends to the same file."""
    target = tmp_path / "logs" / "access.jsonl"
    target.parent.mkdir()
    replies = []
    for _ in range(2):
        with served(tmp_path, "{accessLog: {format: JSON}}", "--access-log", str(target)) as (
            port,
            log,
        ):
            replies.append(_get(port, "/pets/3"))
        assert replies[-1].header("x-amzn-RequestId") not in log.read_text(encoding="utf-8")
    entries = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [(e["requestId"], e["resourcePath"], e["status"]) for e in entries] == [
        (r.header("x-amzn-RequestId"), "/pets/{id}", "200") for r in replies
    ]


def test_lines_go_to_stdout(tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(SPEC.replace("{STAGE}", "{accessLog: {format: CSV}}"), encoding="utf-8")
    port = free_port()
    apigwc = Path(sys.executable).parent / "apigwc"
    command = [str(apigwc), "serve", "api.yaml", "--port", str(port), "--access-log", "stdout"]
    out = tmp_path / "stdout.txt"
    with out.open("wb") as sink:
        process = subprocess.Popen(command, cwd=tmp_path, stdout=sink, stderr=subprocess.DEVNULL)
        try:
            wait_for_port(port, process)
            reply = _get(port, "/pets/5")
        finally:
            process.terminate()
            process.wait(timeout=15)
    lines = [line.split(",") for line in out.read_text(encoding="utf-8").splitlines()]
    request_id = reply.header("x-amzn-RequestId")
    # the console's CSV preset: sourceIp, caller, user, requestTime, httpMethod, resourcePath,
    # protocol, status, responseLength, requestId, extendedRequestId
    ids = [str(request_id), str(reply.header("x-amz-apigw-id"))]
    assert [line for line in lines if request_id in line] == [
        ["127.0.0.1", "-", "-", ANY_TIME, "GET", "/pets/{id}", "HTTP/1.1", "200", "3", *ids]
    ]


def test_a_destination_that_cannot_be_opened_is_refused(tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(SPEC.replace("{STAGE}", "{}"), encoding="utf-8")
    apigwc = Path(sys.executable).parent / "apigwc"
    command = [str(apigwc), "serve", "api.yaml", "--port", str(free_port())]
    command += ["--access-log", str(tmp_path)]  # a folder
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert f"--access-log {tmp_path}: Is a directory" in done.stderr


def test_only_stages_that_set_a_format_log_by_default(tmp_path: Path) -> None:
    """`apigwc serve` without `--access-log`: as API Gateway, an access log only for the stage
    whose spec sets `accessLog.format` (here `prod`, under `--all-stages`), none for `dev`."""
    stages = "{}\n    prod: {accessLog: {format: '" + JSON_FORMAT + "'}}"
    with served(tmp_path, stages, "--all-stages") as (port, log):
        replies = [_get(port, "/dev/pets/1"), _get(port, "/prod/pets/2"), _get(port, "/dev/x")]
    assert [r.status for r in replies] == [200, 200, 403]
    text = log.read_text(encoding="utf-8")
    assert [json.loads(line) for line in text.splitlines() if line.startswith("{")] == [
        {"requestId": replies[1].header("x-amzn-RequestId"), "status": "200"}
    ]
    assert not [line for line in text.splitlines() if CLF.match(line)]
    with served(tmp_path, stages) as (port, log):  # `dev` served at `/`: no line
        reply = _get(port, "/pets/1")
    assert reply.status == 200
    assert str(reply.header("x-amzn-RequestId")) not in log.read_text(encoding="utf-8")


def test_no_access_log(tmp_path: Path) -> None:
    stage = "{accessLog: {format: '" + JSON_FORMAT + "'}}"
    with served(tmp_path, stage, "--no-access-log") as (port, log):
        reply = _get(port, "/pets/1")
    assert reply.status == 200
    text = log.read_text(encoding="utf-8")
    assert str(reply.header("x-amzn-RequestId")) not in text
    assert not [line for line in text.splitlines() if CLF.match(line)]


def test_unknown_and_unset_variables_print_a_dash() -> None:
    from apigwc.runtime.observability.access_log import Entry, compile_format, render
    from apigwc.runtime.pipeline.context import Request

    request = Request("GET", "/a", "k=v", [("host", "h.example.com")], b"", "10.0.0.1")
    route = {"resourcePath": "/a", "resourceId": "abc123"}
    entry = Entry(request, route, "dev", 204, 0, request.epoch, {"apiId": "x1"})
    pieces = compile_format(
        "$context.status $context.responseLength $context.integrationLatency "
        "$context.identity.caller $context.nope.deep $context.path. $context.domainPrefix"
    )
    assert render(pieces, entry) == "204 0 - - - /dev/a. h"


def test_authorizer_variables_print_what_the_authorizer_let_through() -> None:
    """`$context.authorizer.<key>` in an access log: the principal and context values of the
    Lambda authorizer that allowed the request; `-` for a request no authorizer allowed."""
    from apigwc.runtime.observability.access_log import Entry, compile_format, render
    from apigwc.runtime.pipeline.context import Request

    pieces = compile_format(
        "$context.authorizer.principalId $context.authorizer.tier "
        "$context.authorizer.nope $context.authorizer.tier.deep"
    )
    allowed = Request("GET", "/a", "", [], b"", "10.0.0.1")
    allowed.authorizer = {"principalId": "user-1", "tier": "3", "integrationLatency": 4}
    anonymous = Request("GET", "/a", "", [], b"", "10.0.0.1")
    entries = [Entry(r, None, "dev", 200, 0, r.epoch, {}) for r in (allowed, anonymous)]
    assert [render(pieces, e) for e in entries] == ["user-1 3 - -", "- - - -"]


def test_api_key_variables_print_only_when_the_format_names_them() -> None:
    """`$context.identity.apiKey`/`apiKeyId`: the key a method requiring one accepted (as AWS
    prints it when the format names it), `-` otherwise; the default line never holds it."""
    from apigwc.runtime.observability.access_log import (
        DEFAULT_FORMAT,
        Entry,
        compile_format,
        render,
    )
    from apigwc.runtime.pipeline.context import Request

    pieces = compile_format("$context.identity.apiKey $context.identity.apiKeyId")
    keyed = Request("GET", "/a", "", [("x-api-key", "secretKey0123456789abc")], b"", "10.0.0.1")
    keyed.api_key = ("secretKey0123456789abc", "abcdef1234")
    anonymous = Request("GET", "/a", "", [("x-api-key", "sent")], b"", "10.0.0.1")
    entries = [Entry(r, None, "dev", 200, 0, r.epoch, {}) for r in (keyed, anonymous)]
    assert [render(pieces, e) for e in entries] == ["secretKey0123456789abc abcdef1234", "- -"]
    assert "secretKey" not in render(compile_format(DEFAULT_FORMAT), entries[0])
