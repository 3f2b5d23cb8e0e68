"""`@connections` across workers with the Redis state backend (issue 15 point 7): a connection held
by one gateway process (or uvicorn worker) receives the `POST` sent to another, `GET` and `DELETE`
reach it too. A real `redis-server` (tests/redis_server.py), the generated runtime of
`runtime_specs/websocket.yaml` served twice on 127.0.0.1 (two gateways sharing one Redis, as two
machines would) and once with `--workers 2`, a real `websockets` client and boto3's
`apigatewaymanagementapi` client.
"""

from __future__ import annotations

import asyncio
import json
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from websockets.asyncio.client import ClientConnection, connect

from tests.redis_server import RedisServer, redis_session, redis_url
from tests.runtime_server import build_spec, run_package, write_spec

__all__ = ["redis_session", "redis_url"]  # the fixtures, imported for pytest


@pytest.fixture
def package(tmp_path: Path) -> tuple[Path, str]:
    records = tmp_path / "records"
    records.mkdir()
    spec = write_spec(tmp_path, "websocket.yaml", {"RECORD_DIR": str(records)})
    return tmp_path / "out" / "runtime", build_spec(spec, tmp_path / "out")


def _management(port: int) -> Any:
    return boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=f"http://127.0.0.1:{port}/dev",
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(retries={"max_attempts": 1}),
    )


async def _connection_id(socket: ClientConnection) -> str:
    await socket.send('{"action":"whoami"}')
    event = json.loads(await asyncio.wait_for(socket.recv(), 5))
    return str(event["requestContext"]["connectionId"])


def test_a_connection_on_one_gateway_is_reached_through_another(
    package: tuple[Path, str], redis_url: str
) -> None:
    runtime, name = package
    with ExitStack() as stack:
        held, other = (
            stack.enter_context(run_package(runtime, name, "--state", redis_url)) for _ in range(2)
        )

        async def client() -> tuple[str, dict[str, Any]]:
            async with connect(f"ws://127.0.0.1:{held}/dev?token=allow") as socket:
                connection_id = await _connection_id(socket)
                api = _management(other)
                await asyncio.to_thread(
                    api.post_to_connection, ConnectionId=connection_id, Data=b"across"
                )
                received = str(await asyncio.wait_for(socket.recv(), 5))
                description = await asyncio.to_thread(
                    api.get_connection, ConnectionId=connection_id
                )
                await asyncio.to_thread(api.delete_connection, ConnectionId=connection_id)
                await asyncio.wait_for(socket.wait_closed(), 5)
                return received, description

        received, description = asyncio.run(asyncio.wait_for(client(), 30))
        assert received == "across"
        assert description["Identity"]["SourceIp"] == "127.0.0.1"
        assert description["ConnectedAt"] <= description["LastActiveAt"]
        # Once closed, neither gateway knows it.
        for port in (held, other):
            api = _management(port)
            with pytest.raises(api.exceptions.GoneException):
                api.get_connection(ConnectionId="AAAAAAAAAAAAAAA=")


def test_every_connection_of_two_workers_is_reached_from_either(
    package: tuple[Path, str], redis_url: str
) -> None:
    """uvicorn's `--workers 2` share the port; wherever the kernel puts each connection and
    each `@connections` call, every call reaches its connection."""
    runtime, name = package
    with run_package(runtime, name, "--state", redis_url, "--workers", "2") as port:
        time.sleep(1)  # both workers up

        async def client() -> list[str]:
            url = f"ws://127.0.0.1:{port}/dev?token=allow"
            sockets = [await connect(url) for _ in range(8)]
            try:
                ids = [await _connection_id(s) for s in sockets]
                api = _management(port)
                for index, connection_id in enumerate(ids):
                    data = f"to {index}".encode()
                    await asyncio.to_thread(
                        api.post_to_connection, ConnectionId=connection_id, Data=data
                    )
                return [str(await asyncio.wait_for(s.recv(), 5)) for s in sockets]
            finally:
                for socket in sockets:
                    await socket.close()

        assert asyncio.run(asyncio.wait_for(client(), 60)) == [f"to {i}" for i in range(8)]


def test_without_redis_connections_keep_working_within_their_worker(
    package: tuple[Path, str], redis_session: RedisServer
) -> None:
    runtime, name = package
    with run_package(runtime, name, "--state", redis_session.url) as port:
        redis_session.stop()
        try:

            async def client() -> str:
                async with connect(f"ws://127.0.0.1:{port}/dev?token=allow") as socket:
                    connection_id = await _connection_id(socket)
                    api = _management(port)
                    await asyncio.to_thread(
                        api.post_to_connection, ConnectionId=connection_id, Data=b"local"
                    )
                    return str(await asyncio.wait_for(socket.recv(), 5))

            assert asyncio.run(asyncio.wait_for(client(), 30)) == "local"
        finally:
            redis_session.start()
