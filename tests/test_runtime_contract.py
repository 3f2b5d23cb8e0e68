"""`apigwc serve --validate-responses`: integration responses checked against the spec.

End to end: `apigwc serve` builds the spec in a temporary folder and runs the generated gateway
under uvicorn; Lambda proxy handlers and MOCK templates answer bodies that conform to their
response schema or break it. A violation adds `x-apigwc-contract-violation` and one log line
(without the body's values); nothing else of the response changes; without the option nothing
is checked.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.runtime_server import Gateway, Reply, fetch, free_port, run_package, wait_for_port

HEADER = "x-apigwc-contract-violation"
SECRET = "s3cr3t-value-9431"

SPEC = """\
openapi: 3.0.1
info: {title: Contract, version: "1.0"}
x-lambda: &pet
  type: aws_proxy
  httpMethod: POST
  uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:Pet/invocations
paths:
  /pets/{petId}:
    get:
      operationId: getPet
      parameters: [{name: petId, in: path, required: true, schema: {type: string}}]
      responses:
        "200":
          description: a pet
          content: {application/json: {schema: {$ref: "#/components/schemas/Pet"}}}
        "404":
          description: no such pet
          content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}
      x-amazon-apigateway-integration: *pet
  /mock/good:
    get:
      responses:
        "200":
          description: ok
          content: {application/json: {schema: {$ref: "#/components/schemas/Pet"}}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses:
          default: {statusCode: "200", responseTemplates: {application/json: '{"id": 7, "name": "Tom"}'}}
  /mock/bad:
    get:
      responses:
        "200":
          description: ok
          content: {application/json: {schema: {$ref: "#/components/schemas/Pet"}}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses:
          default: {statusCode: "200", responseTemplates: {application/json: '{"id": 7}'}}
components:
  schemas:
    Pet:
      type: object
      required: [id, name]
      properties:
        id: {type: integer}
        name: {type: string}
        tag: {type: string}
    Error:
      type: object
      required: [message]
      properties: {message: {type: string}}
x-apigwc:
  functions:
    Pet: {handler: pets:handler, codeUri: functions, timeout: 10}
"""

HANDLER = f"""\
import json

BODIES = {{
    "1": (200, {{"id": 1, "name": "Rex"}}),
    "2": (200, {{"id": "{SECRET}", "name": "Rex"}}),
    "3": (200, {{"name": "Rex", "tag": "{SECRET}"}}),
    "4": (404, {{"message": "no such pet"}}),
    "5": (418, {{"message": "teapot"}}),
}}


def handler(event, context):
    status, body = BODIES[event["pathParameters"]["petId"]]
    return {{"statusCode": status, "headers": {{"Content-Type": "application/json"}},
            "body": json.dumps(body)}}
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("contract")
    (root / "functions").mkdir()
    (root / "functions" / "pets.py").write_text(HANDLER)
    (root / "contract.yaml").write_text(SPEC)
    return root


@pytest.fixture(scope="module")
def served(project: Path) -> Iterator[tuple[Gateway, Path]]:
    """`apigwc serve --validate-responses` in the project folder; yields the gateway and the
    file its stderr goes to."""
    port = free_port()
    log = project / "serve.log"
    apigwc = Path(sys.executable).parent / "apigwc"
    command = [str(apigwc), "serve", "contract.yaml", "--port", str(port)]
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [*command, "--validate-responses"],
            cwd=project,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env=dict(os.environ),
        )
        try:
            wait_for_port(port, process, timeout=60)
            yield Gateway(port, project / ".apigwc-cache" / "contract", "contract_gateway"), log
        finally:
            process.terminate()
            process.wait(timeout=20)


def _check(served: tuple[Gateway, Path], path: str) -> Reply:
    return served[0].fetch("GET", path, {"Accept": "application/json"})


def test_conforming_responses_have_no_header(served: tuple[Gateway, Path]) -> None:
    for path in ("/pets/1", "/pets/4", "/mock/good"):
        reply = _check(served, path)
        assert reply.status in (200, 404), (path, reply.status)
        assert reply.header(HEADER) is None, (path, reply.header(HEADER))


@pytest.mark.parametrize(
    ("path", "status", "reason"),
    [
        ("/pets/2", 200, 'body /id: type "integer"'),
        ("/pets/3", 200, 'body /: required ["id"]'),
        ("/mock/bad", 200, 'body /: required ["name"]'),
        ("/pets/5", 418, "status 418 is not a declared response"),
    ],
)
def test_violations_get_the_header_and_keep_the_response(
    served: tuple[Gateway, Path], path: str, status: int, reason: str
) -> None:
    reply = _check(served, path)
    assert reply.status == status
    assert reply.header(HEADER) == reason
    if path in ("/pets/2", "/pets/3"):
        assert SECRET in json.loads(reply.body).values()  # the handler's body, untouched


def test_one_log_line_per_violation_without_values(served: tuple[Gateway, Path]) -> None:
    _check(served, "/pets/2")
    log = served[1].read_text(errors="replace")
    lines = [line for line in log.splitlines() if "contract violation" in line]
    assert any('GET /pets/{petId} -> 200: body /id: type "integer"' in line for line in lines)
    assert SECRET not in log


def test_without_the_option_nothing_is_checked(served: tuple[Gateway, Path]) -> None:
    """The same build without the option: same status, body and headers, minus the header."""
    varying = {"date", "x-amzn-requestid", "x-amz-apigw-id", "x-amzn-trace-id", HEADER}
    runtime = served[0].out / "runtime"
    with run_package(runtime, "contract_gateway") as port:
        for path in ("/pets/1", "/pets/2", "/pets/5", "/mock/bad"):
            plain = fetch(port, "GET", path, {"Accept": "application/json"})
            checked = _check(served, path)
            assert plain.header(HEADER) is None
            assert (plain.status, plain.body) == (checked.status, checked.body)
            assert [h for h in plain.headers if h[0].lower() not in varying] == [
                h for h in checked.headers if h[0].lower() not in varying
            ]


def test_the_runtime_declares_openapi_core_only_as_an_extra(served: tuple[Gateway, Path]) -> None:
    pyproject = (served[0].out / "runtime" / "pyproject.toml").read_text()
    dependencies, extras = pyproject.split("[project.optional-dependencies]")
    assert "openapi-core" not in dependencies
    assert 'contract = [\n  "openapi-core>=' in extras


@pytest.mark.slow
def test_contract_extra_runs_without_apigwc(served: tuple[Gateway, Path], tmp_path: Path) -> None:
    """pip installs the build's runtime with `[contract]` into a fresh venv (no apigwc); `python
    -m <pkg> --validate-responses` checks responses there too."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = str(venv / "bin" / "python")
    runtime = tmp_path / "runtime"  # a copy: pip writes build/ into the folder it installs
    shutil.copytree(served[0].out / "runtime", runtime)
    install = subprocess.run(
        [python, "-m", "pip", "install", "-q", f"{runtime}[contract]"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stderr
    absent = subprocess.run([python, "-c", "import apigwc"], capture_output=True, timeout=60)
    assert absent.returncode != 0
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    args = ("--validate-responses",)
    with run_package(tmp_path / "empty", "contract_gateway", *args, python=python, env=env) as port:
        assert fetch(port, "GET", "/pets/2").header(HEADER) == 'body /id: type "integer"'
        assert fetch(port, "GET", "/pets/1").header(HEADER) is None
