"""Stages in the served runtime: canary releases (reference §8.2) and the stage a build serves.

A canary stage sends each request to the canary with probability `percentTraffic`; the tests
pin the draw with 0 and 100 percent. Canary requests see the stage variables overlaid with
`stageVariableOverrides` and `$context.isCanaryRequest` true ([AWS-REC]
test_apigateway_canary.snapshot.json#test_invoking_canary_deployment: `variable: canary`,
`nonExistingDefault: canary` from an override-only key, `nonOverridden: default`,
`isCanary: "true"`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.runtime_server import Gateway, build_spec, fetch, run_package, serve_spec

SPEC = """\
openapi: 3.0.1
info: {title: Canaries, version: "1.0"}
paths:
  /vars:
    get:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses:
          default:
            statusCode: "200"
            responseTemplates:
              application/json: '{"variable":"$stageVariables.variable","nonExistingDefault":"$stageVariables.nonExistingDefault","nonOverridden":"$stageVariables.nonOverridden"}'
  /context:
    get:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses:
          default:
            statusCode: "200"
            responseTemplates:
              application/json: '{"stage":"$context.stage","isCanary":"$context.isCanaryRequest","variable":"$stageVariables.variable"}'
x-apigwc:
  stages:
    plain:
      variables: {variable: default, nonOverridden: default}
    always:
      variables: {variable: default, nonOverridden: default}
      canary: {percentTraffic: 100, stageVariableOverrides: {variable: canary, nonExistingDefault: canary}}
    never:
      variables: {variable: default, nonOverridden: default}
      canary: {percentTraffic: 0, stageVariableOverrides: {variable: canary, nonExistingDefault: canary}}
"""


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    spec = tmp_path_factory.mktemp("stages") / "canaries.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    return spec


@pytest.fixture(scope="module")
def gw(spec: Path) -> Iterator[Gateway]:
    with serve_spec(spec, spec.parent / "out", "--all-stages") as gateway:
        yield gateway


DEFAULT = {"variable": "default", "nonExistingDefault": "", "nonOverridden": "default"}
CANARY = {"variable": "canary", "nonExistingDefault": "canary", "nonOverridden": "default"}

# (id, path, expected JSON body)
ROWS = [
    ("no canary: the stage's variables", "/plain/vars", DEFAULT),
    ("100 percent: overrides applied", "/always/vars", CANARY),
    ("0 percent: base traffic", "/never/vars", DEFAULT),
    (
        "100 percent: isCanaryRequest true",
        "/always/context",
        {"stage": "always", "isCanary": "true", "variable": "canary"},
    ),
    (
        "0 percent: isCanaryRequest false",
        "/never/context",
        {"stage": "never", "isCanary": "false", "variable": "default"},
    ),
    (
        "no canary: no isCanaryRequest",
        "/plain/context",
        {"stage": "plain", "isCanary": "", "variable": "default"},
    ),
]


@pytest.mark.parametrize(("path", "expected"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_canary(gw: Gateway, path: str, expected: dict[str, str]) -> None:
    reply = gw.fetch("GET", path)
    assert (reply.status, reply.json()) == (200, expected)


def test_python_m_serves_the_stage_the_build_was_made_for(tmp_path: Path) -> None:
    """`apigwc build --stage NAME`: `python -m <pkg>` serves NAME at / unless told otherwise."""
    spec, stage = tmp_path / "canaries.yaml", "never"
    spec.write_text(SPEC, encoding="utf-8")
    package = build_spec(spec, tmp_path / "out", stage=stage)
    with run_package(tmp_path / "out" / "runtime", package) as port:
        assert fetch(port, "GET", "/context").json()["stage"] == stage  # type: ignore[index]
    with run_package(tmp_path / "out" / "runtime", package, "--stage", "plain") as port:
        assert fetch(port, "GET", "/context").json()["stage"] == "plain"  # type: ignore[index]
