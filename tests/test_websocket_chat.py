"""The chat example (`specs/chat.yaml`, issue 15 point 8): two real WebSocket clients chat through
the served gateway; the `sendMessage` handler (`specs/features/handlers/chat_room.py`) broadcasts
with boto3's `apigatewaymanagementapi` client built from `requestContext.domainName` and `stage`.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from tests.runtime_server import build_spec, run_package

SPEC = Path(__file__).resolve().parent.parent / "specs" / "chat.yaml"


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    tmp = tmp_path_factory.mktemp("chat")
    package = build_spec(SPEC, tmp / "out")
    # No AWS settings of the machine: the example's own environment gives boto3 what it needs.
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    with run_package(tmp / "out" / "runtime", package, env=env) as served:
        yield served


async def _next(socket: ClientConnection) -> Any:
    return json.loads(await asyncio.wait_for(socket.recv(), 10))


def test_two_clients_chat(port: int) -> None:
    async def chat() -> list[Any]:
        url = f"ws://127.0.0.1:{port}/dev"
        async with connect(url + "?name=ada") as ada, connect(url + "?name=bob") as bob:
            await ada.send(json.dumps({"action": "sendMessage", "message": "hello bob"}))
            seen = [await _next(ada), await _next(bob)]
            await bob.send(json.dumps({"action": "sendMessage", "message": "hi ada"}))
            seen += [await _next(ada), await _next(bob)]
            await bob.send("what?")
            seen.append(await _next(bob))
            await bob.close()
            await ada.send(json.dumps({"action": "sendMessage", "message": "bye"}))
            seen.append(await _next(ada))
            return seen

    seen = asyncio.run(asyncio.wait_for(chat(), 30))
    assert seen[:4] == [
        {"from": "ada", "message": "hello bob"},
        {"from": "ada", "message": "hello bob"},
        {"from": "bob", "message": "hi ada"},
        {"from": "bob", "message": "hi ada"},
    ]
    unknown = seen[4]
    assert unknown["error"] == "unknown action" and unknown["connectionId"].endswith("=")
    # bob left: the room is ada alone ($disconnect removed him).
    assert seen[5] == {"from": "ada", "message": "bye"}
