"""Fuzzing the served gateway with schemathesis: no unexplained 5xx, no traceback.

The flagship spec and three corpus specs with request validators and mapping templates are
built and served as `apigwc serve` serves them (`python -m <pkg>` under uvicorn on 127.0.0.1;
HTTP integrations pointed at a real upstream on 127.0.0.1, as in `tests/corpus_routes.py`).
schemathesis generates requests for every operation of the spec, valid ones and invalid ones
(15 of each per operation, derandomized so a run is repeatable, no shrinking so the time is bounded),
and sends them over HTTP. Every answer must be one a client of API Gateway can get: a 5xx only
where the route explains it (`tests.corpus_routes.cause`: an authorizer or an AWS integration not
reproduced yet, a Lambda function with no local handler, ...), never a connection dropped; and
the server's log (its stderr) holds no traceback.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import requests
import schemathesis
import yaml
from schemathesis import GenerationMode

from tests.corpus import CORPUS
from tests.corpus_routes import UNEXPLAINED, answer_class, build, cause, loopback_copy
from tests.runtime_server import Reply, free_port, upstream, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
FUZZED = [
    ROOT / "specs" / "petstore.yaml",
    CORPUS / "specs" / "sessions-with-aws-sam" / "s12d__server__api.yaml",
    CORPUS
    / "specs"
    / "serverless-samples"
    / "fargate-private-api__javascript-private-nlb-ecs-sam__swagger.yaml",
    CORPUS / "specs" / "aws-api-gateway-developer-portal" / "PetStore-asfd-swagger-apigateway.json",
]
MAX_EXAMPLES = 15  # per generation mode: 30 cases per operation
SETTINGS = hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    suppress_health_check=list(hypothesis.HealthCheck),
)


def prepare(spec: Path, folder: Path, upstream_port: int) -> Path:
    """The spec (and the flagship's handlers) in `folder`, its backends on the upstream."""
    copy = loopback_copy(spec, folder, upstream_port)
    if spec.parent == ROOT / "specs":
        shutil.copytree(spec.parent / "features" / "handlers", folder / "features" / "handlers")
        # the vet clinic's backend is a stage variable: the upstream stands in for it
        text = copy.read_text(encoding="utf-8").replace(
            "127.0.0.1:9001", f"127.0.0.1:{upstream_port}"
        )
        copy.write_text(text, encoding="utf-8")
    return copy


@contextmanager
def served(runtime: Path, package: str, log: Path) -> Iterator[str]:
    """`python -m <pkg>` on a free port, its stderr into `log`; yields the base URL."""
    port = free_port()
    command = [sys.executable, "-m", package, "--port", str(port), "--no-access-log"]
    env = {"PYTHONPATH": str(runtime), "PATH": "/usr/bin:/bin"}
    with log.open("wb") as stderr:
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            wait_for_port(port, process, timeout=60)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=15)


def reply(response: Any) -> Reply:
    headers = [(name, value) for name, values in response.headers.items() for value in values]
    return Reply(response.status_code, headers, response.content)


def fuzz_operation(operation: Any, base_url: str, route: dict[str, Any], functions: Any) -> int:
    """Send the generated cases of one operation; returns how many were sent."""
    sent = []
    with requests.Session() as session:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @SETTINGS
            @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
            def send(case: Any) -> None:
                try:
                    response = case.call(base_url=base_url, session=session, timeout=30)
                except (ValueError, UnicodeError):
                    return  # a request the HTTP client itself refuses to write
                sent.append(1)
                answer = answer_class(reply(response))
                if response.status_code >= 500:
                    label = f"{case.method} {case.formatted_path}"
                    assert cause(answer, route, functions) != UNEXPLAINED, f"{label}: {answer}"

            try:
                send()
            except hypothesis.errors.Unsatisfiable:
                # nothing to make invalid (no parameter, no body): no negative case exists
                assert mode is GenerationMode.NEGATIVE, operation.label
    return len(sent)


@pytest.mark.parametrize("spec", FUZZED, ids=lambda p: p.stem[:40])
def test_fuzzed_requests_get_api_gateway_answers(spec: Path, tmp_path: Path) -> None:
    with upstream() as upstream_port:
        copy = prepare(spec, tmp_path / "spec", upstream_port)
        built = build(copy, tmp_path / "out")
        package, functions = built.package, built.functions
        by_operation = {(r["httpMethod"], r["resourcePath"]): r for r in built.routes}
        schema = schemathesis.openapi.from_dict(yaml.safe_load(copy.read_text(encoding="utf-8")))
        log = tmp_path / "server.log"
        sent = 0
        with served(tmp_path / "out" / "runtime", package, log) as base_url:
            for result in schema.get_all_operations():
                operation = result.ok()
                route = by_operation[(operation.method.upper(), operation.path)]
                sent += fuzz_operation(operation, base_url, route, functions)
    assert sent >= 5 * len(by_operation)  # most generated cases reached the server
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in text, text[-4000:]
