"""Round trip: every spec in specs/ -> `apigwc build`'s CloudFormation -> `apigwc import` -> an IR
equal to the original.

Equal means the whole API (paths, integrations, authorizers, models, root settings) and every
`x-apigwc` setting CloudFormation carries: stages, usage plans, API key names and state, custom
domains, the endpoint type and the WebSocket API. Left out of the comparison, because the
CloudFormation template does not hold them: Lambda handlers (`functions`: the template refers to
deployed functions by ARN), local identities and the local AWS endpoint, region and account
(the stack's own), API key values (NoEcho parameters), the name the emitter gives a WebSocket
API, and whether the protocol was stated or inferred. WebSocket authorizers are compared in the
form CloudFormation takes (type upper case, identity sources as a list, no result TTL: the
emitter writes `AWS::ApiGatewayV2::Authorizer` so).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from apigwc.emitters import EmitContext, cloudformation
from apigwc.ir import Api, dump
from apigwc.pipeline import compile_spec

from tests.import_oracles import import_and_compile

ROOT = Path(__file__).resolve().parents[1]
SPECS = sorted(
    p
    for p in (ROOT / "specs").rglob("*")
    if p.suffix in (".yaml", ".json") and "keys" not in p.parts and "components" not in p.parts
)
NOT_IN_TEMPLATES = ("functions", "identities", "aws_endpoint")


def comparable(api: Api) -> dict[str, Any]:
    data: dict[str, Any] = dump(api)
    deployment = data.get("deployment", {})
    for key in NOT_IN_TEMPLATES:
        deployment.pop(key, None)
    deployment["protocol"] = data["protocol"]
    for key in deployment.get("api_keys", {}).values():
        key.pop("value", None)
    websocket = deployment.get("websocket")
    if isinstance(websocket, dict):
        websocket.pop("name", None)
        inline = [r.get("authorizer") for r in websocket.get("routes", {}).values()]
        for authorizer in [*inline, *websocket.get("authorizers", {}).values()]:
            if isinstance(authorizer, dict):
                _cloudformation_authorizer(authorizer)
    return data


def _cloudformation_authorizer(authorizer: dict[str, Any]) -> None:
    authorizer["type"] = str(authorizer.get("type", "")).upper()
    source = authorizer.get("identity_source")
    authorizer["identity_source"] = [source] if isinstance(source, str) else source
    authorizer.pop("authorizer_result_ttl_in_seconds", None)


@pytest.mark.parametrize("spec", SPECS, ids=[str(p.relative_to(ROOT / "specs")) for p in SPECS])
def test_emitted_cloudformation_imports_to_the_same_ir(spec: Path, tmp_path: Path) -> None:
    original = compile_spec(spec)
    assert original.api is not None and not original.sink.has_errors, original.sink.sorted()
    files = cloudformation.emit(original.api, EmitContext(spec.resolve(), "0" * 64))
    template = tmp_path / "template.yaml"
    template.write_bytes(files["cloudformation/template.yaml"])
    imported = import_and_compile(template, tmp_path / "imported")
    assert imported.api is not None and not imported.errors, imported.describe()
    assert comparable(imported.api) == comparable(original.api)
