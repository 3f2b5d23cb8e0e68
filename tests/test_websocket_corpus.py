"""The corpus's WebSocket APIs served (issue 15, "the corpus's WebSocket definitions serve"): each
AWS-authored CloudFormation sample of ../shared/corpus with a WebSocket API is imported with
`apigwc import`, built, served on 127.0.0.1 and connected to with a real `websockets` client.

What a sample leaves to AWS is supplied as a user would: `ws-api.yaml`'s `$connect` proxies to a
public petstore endpoint, pointed here at a local HTTP server answering that path;
`ws-subprotocol.yaml`'s Node.js function gets a Python port in `x-apigwc.functions` (the import
warns that a CloudFormation function needs a local handler).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Subprotocol

from tests.corpus import CORPUS
from tests.import_oracles import import_and_compile
from tests.runtime_server import build_spec, run_package, upstream

DEVGUIDE = CORPUS / "templates" / "awsdocs-apigw-devguide"
SAMPLES = ("WebSocket__ws-api.yaml", "WebSocket__ws-subprotocol.yaml")
# The sample's Node.js `$connect` handler, in Python: accept `myprotocol`, else 400.
SUBPROTOCOL_HANDLER = """
def handler(event, context):
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    offered = [p.strip() for p in headers.get("sec-websocket-protocol", "").split(",")]
    if "myprotocol" in offered:
        return {"statusCode": 200, "headers": {"Sec-WebSocket-Protocol": "myprotocol"}}
    return {"statusCode": 400}
"""


def test_every_corpus_websocket_sample_is_covered() -> None:
    manifest = (CORPUS / "MANIFEST.tsv").read_text(encoding="utf-8")
    listed = {line.split("\t")[0] for line in manifest.splitlines() if "\twebsocket\t" in line}
    assert listed == {f"templates/awsdocs-apigw-devguide/{name}" for name in SAMPLES}


def _imported(name: str, tmp: Path) -> dict[str, object]:
    outcome = import_and_compile(DEVGUIDE / name, tmp / "import")
    assert outcome.spec_path is not None and outcome.api is not None
    assert outcome.api.deployment.websocket is not None
    return dict(yaml.safe_load(outcome.spec_path.read_text(encoding="utf-8")))


def _served(spec: dict[str, object], tmp: Path) -> Iterator[int]:
    path = tmp / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    package = build_spec(path, tmp / "out")
    with run_package(tmp / "out" / "runtime", package) as port:
        yield port


async def _handshake(url: str, subprotocols: list[str] | None = None) -> tuple[int, str | None]:
    offered = [Subprotocol(p) for p in subprotocols] if subprotocols else None
    try:
        async with connect(url, subprotocols=offered) as socket:
            return 101, socket.subprotocol
    except InvalidStatus as refused:
        return refused.response.status_code, None


def _status(url: str, subprotocols: list[str] | None = None) -> tuple[int, str | None]:
    return asyncio.run(asyncio.wait_for(_handshake(url, subprotocols), 20))


def test_ws_api_connects_through_its_http_proxy(tmp_path: Path) -> None:
    spec = _imported("WebSocket__ws-api.yaml", tmp_path)
    routes = spec["x-apigwc"]["websocket"]["routes"]  # type: ignore[index]
    uri = routes["$connect"]["integration"]["uri"]
    assert uri == "http://petstore.execute-api.us-west-1.amazonaws.com/petstore/pets"
    with upstream() as backend:
        local = uri.replace("petstore.execute-api.us-west-1.amazonaws.com", f"127.0.0.1:{backend}")
        routes["$connect"]["integration"]["uri"] = local
        for port in _served(spec, tmp_path):
            assert _status(f"ws://127.0.0.1:{port}/dev") == (101, None)


def test_ws_subprotocol_accepts_its_subprotocol(tmp_path: Path) -> None:
    spec = _imported("WebSocket__ws-subprotocol.yaml", tmp_path)
    code = tmp_path / "handlers"
    code.mkdir()
    (code / "subprotocol.py").write_text(SUBPROTOCOL_HANDLER, encoding="utf-8")
    deployment = spec["x-apigwc"]
    deployment["functions"] = {  # type: ignore[index]
        "MyLambdaFunction": {"handler": "subprotocol:handler", "codeUri": str(code)}
    }
    for port in _served(spec, tmp_path):
        url = f"ws://127.0.0.1:{port}/beta"
        assert _status(url, ["myprotocol"]) == (101, "myprotocol")
        assert _status(url, ["other", "myprotocol"]) == (101, "myprotocol")
        assert _status(url, ["other"]) == (400, None)
        assert _status(url) == (400, None)


@pytest.mark.parametrize("name", SAMPLES)
def test_the_samples_validate_clean_of_websocket_rules(name: str, tmp_path: Path) -> None:
    outcome = import_and_compile(DEVGUIDE / name, tmp_path)
    codes = {d.code for d in outcome.compile_diagnostics}
    assert not codes & {"AGW442", "AGW443", "AGW444"}, codes
