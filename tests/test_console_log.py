"""`apigwc serve` as a developer runs it: the project's `apigwc.toml`, the console line per
request, handler output tagged with its request id, and each function's own environment.

Real parts: `apigwc serve` started as a user starts it, in the project folder, on 127.0.0.1;
handlers that print, log and read `os.environ` as Lambda handlers do."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.runtime_server import fetch, free_port, wait_for_port

LAMBDA = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:123456789012:function:{name}/invocations"
)
SPEC = f"""\
openapi: 3.0.1
info: {{title: Console, version: "1.0"}}
paths:
  /hello:
    get:
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration:
        {{type: aws_proxy, httpMethod: POST, uri: "{LAMBDA.format(name="Hello")}"}}
  /other:
    get:
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration:
        {{type: aws_proxy, httpMethod: POST, uri: "{LAMBDA.format(name="Other")}"}}
  /mock:
    get:
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {{application/json: '{{"statusCode": 200}}'}}
        responses: {{default: {{statusCode: "200"}}}}
x-apigwc:
  region: eu-west-1
  functions:
    Hello: {{handler: app:hello, codeUri: handlers, memorySize: 256, environment: {{GREETING: hi}}}}
    Other: {{handler: app:other, codeUri: handlers}}
"""
HANDLERS = """\
import json, logging, os

logger = logging.getLogger()
logger.setLevel(logging.INFO)
KEYS = ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_SAM_LOCAL",
        "IS_OFFLINE", "GREETING", "FROM_CONFIG", "ONLY_OTHER", "SET_BY_HELLO", "_HANDLER")


def hello(event, context):
    print("hello from the handler\\nsecond line")
    logger.info("logged %s", os.environ["GREETING"])
    os.environ["SET_BY_HELLO"] = "1"
    return {"statusCode": 200, "body": json.dumps({k: os.environ.get(k) for k in KEYS})}


def other(event, context):
    return {"statusCode": 200, "body": json.dumps({k: os.getenv(k) for k in KEYS})}
"""
TEXT_LINE = re.compile(
    r"^\d\d:\d\d:\d\d\.\d{3} (\S+) (\S+) (\d{3}) [\d.]+ms (.+) \((\S+)\) ([0-9a-f-]{36})$"
)


def project(tmp_path: Path, config: str = "") -> Path:
    (tmp_path / "handlers").mkdir()
    (tmp_path / "handlers" / "app.py").write_text(HANDLERS, encoding="utf-8")
    (tmp_path / "api.yaml").write_text(SPEC, encoding="utf-8")
    if config:
        (tmp_path / "apigwc.toml").write_text(config, encoding="utf-8")
    return tmp_path


@contextmanager
def served(
    folder: Path, *args: str, env: dict[str, str] | None = None, port: int | None = None
) -> Iterator[tuple[int, Path, Path]]:
    """`apigwc serve` run in `folder`; yields the port it answers on and the files its stdout
    and stderr go to (complete once the block is left: the server has exited)."""
    port = port or free_port()
    apigwc = Path(sys.executable).parent / "apigwc"
    out, err = folder / "stdout.txt", folder / "stderr.txt"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("APIGWC_")}
    environ |= {"APIGWC_TEST_PORT_BASE": os.environ.get("APIGWC_TEST_PORT_BASE", "")}
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            [str(apigwc), "serve", *args],
            cwd=folder,
            stdout=stdout,
            stderr=stderr,
            env=environ | (env or {}),
        )
        try:
            wait_for_port(port, process)
            yield port, out, err
        finally:
            process.terminate()
            process.wait(timeout=15)


def test_one_console_line_per_request_and_tagged_handler_output(tmp_path: Path) -> None:
    folder = project(tmp_path)
    port = free_port()
    with served(folder, "api.yaml", "--port", str(port), port=port) as (_, out, err):
        replies = [fetch(port, "GET", p) for p in ("/hello", "/mock?key=secret", "/nowhere")]
    ids = [r.header("x-amzn-RequestId") for r in replies]
    lines = [m.groups() for line in out.read_text().splitlines() if (m := TEXT_LINE.match(line))]
    assert lines == [
        ("GET", "/hello", "200", "GET /hello", "AWS_PROXY", ids[0]),
        ("GET", "/mock", "200", "GET /mock", "MOCK", ids[1]),
        ("GET", "/nowhere", "403", "-", "-", ids[2]),
    ]
    text = out.read_text()
    assert f"{ids[0]} Hello | hello from the handler\n{ids[0]} Hello | second line\n" in text
    assert "secret" not in text and "\x1b[" not in text  # no query string; not a terminal
    # logging: Lambda's Python format, with the request id
    assert re.search(rf"^\[INFO\]\t\S+Z\t{ids[0]}\tlogged hi$", err.read_text(), re.M)
    # one line per request: the stage sets no access log format, so no access log (as in API
    # Gateway); `--access-log stderr` would add API Gateway's CLF line there
    assert '"GET /hello HTTP/1.1" 200' not in err.read_text()


def test_json_lines_for_machines(tmp_path: Path) -> None:
    folder = project(tmp_path)
    port = free_port()
    with served(folder, "api.yaml", "--port", str(port), "--log-format", "json", port=port) as (
        _,
        out,
        _e,
    ):
        reply = fetch(port, "GET", "/hello")
    records = [json.loads(line) for line in out.read_text().splitlines()]
    request_id = reply.header("x-amzn-RequestId")
    assert {"requestId": request_id, "function": "Hello", "message": "second line"} in records
    (line,) = [r for r in records if "status" in r]
    assert line["latencyMs"] >= 0 and line["time"].endswith("Z")
    del line["latencyMs"], line["time"]
    assert line == {
        "requestId": request_id,
        "method": "GET",
        "path": "/hello",
        "status": 200,
        "routeKey": "GET /hello",
        "integration": "AWS_PROXY",
        "stage": "dev",
    }


def test_log_format_off_writes_no_console_line(tmp_path: Path) -> None:
    folder = project(tmp_path)
    port = free_port()
    with served(folder, "api.yaml", "--port", str(port), "--log-format", "off", port=port) as (
        _,
        out,
        _e,
    ):
        reply = fetch(port, "GET", "/hello")
    assert reply.status == 200
    assert out.read_text() == "hello from the handler\nsecond line\n"  # untagged, as it was


def test_each_function_sees_its_own_environment(tmp_path: Path) -> None:
    """Lambda's defined variables, the local-run markers, the spec's and the configuration's
    variables; nothing of one function leaks into another."""
    config = '[env]\nFROM_CONFIG = "yes"\n[env.Other]\nONLY_OTHER = 1\nAWS_REGION = "nope"\n'
    folder = project(tmp_path, config)
    port = free_port()
    with served(folder, "api.yaml", "--port", str(port), env={"GREETING": "process"}, port=port):
        hello = fetch(port, "GET", "/hello").json()
        other = fetch(port, "GET", "/other").json()
    assert hello == {
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_LAMBDA_FUNCTION_NAME": "Hello",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_SAM_LOCAL": "true",
        "IS_OFFLINE": "true",
        "GREETING": "hi",
        "FROM_CONFIG": "yes",
        "ONLY_OTHER": None,
        "SET_BY_HELLO": "1",  # set by the handler itself: its function keeps it
        "_HANDLER": "app:hello",
    }
    assert other["AWS_LAMBDA_FUNCTION_NAME"] == "Other"
    assert other["AWS_REGION"] == "eu-west-1"  # a reserved variable: not overridden
    assert other["ONLY_OTHER"] == "1" and other["FROM_CONFIG"] == "yes"
    assert other["GREETING"] == "process"  # the process's, not Hello's "hi"
    assert other["SET_BY_HELLO"] is None  # what Hello set stays in Hello's environment


def test_flag_beats_environment_beats_file(tmp_path: Path) -> None:
    port_file, port_env, port_flag = free_port(), free_port(), free_port()
    folder = project(tmp_path, f'spec = "api.yaml"\nport = {port_file}\nlog-format = "json"\n')
    with served(folder, port=port_file):  # everything from the file, the spec too
        assert fetch(port_file, "GET", "/mock").status == 200
    assert json.loads((folder / "stdout.txt").read_text().splitlines()[-1])["status"] == 200
    with served(folder, env={"APIGWC_PORT": str(port_env)}, port=port_env):
        assert fetch(port_env, "GET", "/mock").status == 200
    env = {"APIGWC_PORT": str(port_env), "APIGWC_LOG_FORMAT": "text"}
    with served(folder, "--port", str(port_flag), env=env, port=port_flag):
        assert fetch(port_flag, "GET", "/mock").status == 200
    assert TEXT_LINE.match((folder / "stdout.txt").read_text().splitlines()[-1])


def test_pyproject_tool_table_is_read(tmp_path: Path) -> None:
    from apigwc.config import load

    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.apigwc]\nspec = "api/openapi.yaml"\nstage = "prod"\n',
        encoding="utf-8",
    )
    (tmp_path / "sub").mkdir()
    config = load(tmp_path / "sub")  # found from a subfolder, as ruff and black find theirs
    assert config.path == tmp_path / "pyproject.toml"
    assert config.defaults("serve") == {"spec": str(tmp_path / "api/openapi.yaml"), "stage": "prod"}
    assert config.defaults("build") == config.defaults("serve")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('port = 80\nstage = "a"\nprot = 1\n', 3, "unknown key 'prot'"),
        ('stage = "a"\nport = "8080"\n', 2, "port must be a port number, not '8080'"),
        ("port = 99999\n", 1, "port must be a port number"),
        ('\n\nlog-format = "xml"\n', 3, "log-format must be text, json or off"),
        ('stage = "a"\nport = \n', 2, "Invalid value"),
        ('[env]\nA = "1"\nB = [1]\n', 3, "B must be a string"),
        ("workers = 0\n", 1, "workers must be a number of workers"),
    ],
    ids=["unknown-key", "wrong-type", "port-range", "log-format", "toml-syntax", "env", "workers"],
)
def test_bad_configuration_says_file_and_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    from apigwc.cli import main
    from click.testing import CliRunner

    (tmp_path / "apigwc.toml").write_text(text, encoding="utf-8")
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(main, ["serve", "api.yaml"])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 2
    assert f"error: {tmp_path / 'apigwc.toml'}:{line}: " in result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_colour_only_on_a_terminal_without_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    from apigwc.runtime.observability.console_log import render_text, use_colour

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_colour(Terminal()) and not use_colour(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_colour(Terminal())
    record = (0.0, 0.001, "GET", "/a\x1b[2J\n", 503, None, "id", "dev")
    assert "\x1b[31m503\x1b[0m" in render_text([record], True)
    plain = render_text([record], False)
    assert "/a\\x1b[2J\\x0a 503" in plain and "\n" not in plain  # a path cannot forge a line


def test_readme_configuration_example_is_what_apigwc_reads(tmp_path: Path) -> None:
    from apigwc.config import load

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    (example,) = re.findall(r"^```toml\n(.*?)^```", readme, re.S | re.M)
    (tmp_path / "apigwc.toml").write_text(example, encoding="utf-8")
    config = load(tmp_path)
    assert config.defaults("serve") == {
        "spec": str(tmp_path / "specs/petstore.yaml"),
        "stage": "dev",
        "host": "127.0.0.1",
        "port": 8080,
        "workers": 1,
        "state": "memory",
        "aws_endpoint": "http://127.0.0.1:5000",
        "log_format": "text",
    }
    assert config.env == {"": {"LOG_LEVEL": "debug"}, "GetPet": {"TABLE_NAME": "pets-local"}}
    assert config.stage_variables == {"": {}, "prod": {"vetBackend": "http://127.0.0.1:9002"}}
    for name in re.findall(r"`(APIGWC_[A-Z_]+)`", readme.split("### Configuration")[1][:2500]):
        assert (
            f'envvar="{name}"'
            in (Path(__file__).parent.parent / "compiler/apigwc/cli.py").read_text()
        )


def test_stage_variables_from_the_configuration(tmp_path: Path) -> None:
    """`[stage-variables]`: every stage's, then one stage's, over the spec's own."""
    spec = (
        SPEC.split("  /other:")[0]
        + '  /vars:\n    get:\n      responses: {"200": {description: ok}}\n'
        + "      x-amazon-apigateway-integration:\n        type: mock\n"
        + "        requestTemplates: {application/json: '{\"statusCode\": 200}'}\n"
        + '        responses: {default: {statusCode: "200", responseTemplates: '
        + "{application/json: '$stageVariables.a $stageVariables.b $stageVariables.c'}}}\n"
        + "x-apigwc:\n  stages:\n    dev: {variables: {a: spec, b: spec, c: spec}}\n"
        + "    prod: {variables: {a: spec, b: spec, c: spec}}\n"
    )
    folder = project(tmp_path, '[stage-variables]\nb = "all"\n[stage-variables.prod]\nc = "prod"\n')
    (folder / "api.yaml").write_text(spec, encoding="utf-8")
    port = free_port()
    with served(folder, "api.yaml", "--port", str(port), "--all-stages", port=port):
        dev, prod = (fetch(port, "GET", f"/{s}/vars").body for s in ("dev", "prod"))
    assert (dev, prod) == (b"spec all spec", b"spec all prod")
