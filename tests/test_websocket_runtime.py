"""WebSocket APIs served by the generated runtime (issue 15, reference §10).

Each module-scoped server is a spec of `runtime_specs/websocket*.yaml` built with apigwc and run
as `python -m <pkg>` (uvicorn) on 127.0.0.1; a real WebSocket client (the `websockets`
library) talks to it, the `@connections` API is called with boto3's `apigatewaymanagementapi`
client, and the Lambda handlers (`runtime_specs/handlers/websocket_handlers.py`) run in the
gateway's process, returning the events they get or writing them to a folder the test reads.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from apigwc.pipeline import build
from botocore.config import Config
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.runtime_server import build_spec, fetch, run_package, write_spec

MEMBER = {"x-api-key": "memberKey0123456789abcdef"}
# API Gateway's ids: 16 base64 characters ending in `=` (reference §10.4).
ID = re.compile(r"^[A-Za-z0-9]{15}=$")
IDLE_S, MAX_DURATION_S = 1.5, 4.0
INTERNAL = '{{"message": "Internal server error", "connectionId":"{0}", "requestId":"{1}"}}'
FORBIDDEN = re.compile(
    r'^\{"message": "Forbidden", "connectionId":"(?P<c>[^"]+)", "requestId":"(?P<r>[^"]+)"\}$'
)


@dataclass
class Served:
    port: int
    records: Path

    def url(self, path: str = "/dev") -> str:
        return f"ws://127.0.0.1:{self.port}{path}"

    def disconnects(self, wait_s: float = 5.0, count: int = 1) -> list[dict[str, Any]]:
        """The `$disconnect` events recorded so far, waiting for `count` of them."""
        sink = self.records / "disconnects.jsonl"
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if sink.exists():
                lines = sink.read_text(encoding="utf-8").splitlines()
                if len(lines) >= count:
                    return [json.loads(line) for line in lines]
            time.sleep(0.05)
        return []

    def disconnect_of(self, connection_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            for event in self.disconnects(wait_s=0.1):
                if event["requestContext"]["connectionId"] == connection_id:
                    return event
            time.sleep(0.05)
        raise AssertionError(f"no $disconnect for {connection_id}")


def _serve(tmp: Path, name: str) -> Iterator[Served]:
    records = tmp / "records"
    records.mkdir()
    spec = write_spec(tmp, name, {"RECORD_DIR": str(records)})
    package = build_spec(spec, tmp / "out")
    env = dict(os.environ)
    env["APIGWC_WEBSOCKET_IDLE_TIMEOUT"] = str(IDLE_S)
    env["APIGWC_WEBSOCKET_MAX_DURATION"] = str(MAX_DURATION_S)
    with run_package(tmp / "out" / "runtime", package, env=env) as port:
        yield Served(port, records)


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    yield from _serve(tmp_path_factory.mktemp("ws"), "websocket.yaml")


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    yield from _serve(tmp_path_factory.mktemp("ws-plain"), "websocket_plain.yaml")


def run(client: Callable[[], Awaitable[Any]]) -> Any:
    return asyncio.run(asyncio.wait_for(client(), 20))


async def _recv(socket: ClientConnection, timeout: float = 5) -> str:
    frame = await asyncio.wait_for(socket.recv(), timeout)
    assert isinstance(frame, str)
    return frame


async def _whoami(socket: ClientConnection) -> dict[str, Any]:
    await socket.send('{"action":"whoami"}')
    event = json.loads(await _recv(socket))
    assert isinstance(event, dict)
    return event


# ---- 1. the upgrade reaches the WebSocket protocol; other upgrades stay requests -------------


def test_an_upgrade_on_the_stage_path_is_a_websocket_connection(ws: Served) -> None:
    async def client() -> tuple[int, str]:
        async with connect(ws.url("/dev?token=allow")) as socket:
            assert socket.response is not None
            return (
                socket.response.status_code,
                (await _whoami(socket))["requestContext"]["eventType"],
            )

    assert run(client) == (101, "CONNECT")
    # The stage is also served at the root, as the REST routes are.
    assert run(lambda: _connect_status(ws.url("/?token=allow"))) == 101


def test_an_upgrade_on_a_rest_route_is_an_ordinary_request(ws: Served) -> None:
    upgrade = {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version": "13",
    }
    ok = fetch(ws.port, "GET", "/ok", upgrade)
    assert (ok.status, ok.body) == (200, b'{"ok":true}')
    unknown = fetch(ws.port, "GET", "/socket", upgrade)
    assert (unknown.status, unknown.body) == (403, b'{"message":"Missing Authentication Token"}')
    assert fetch(ws.port, "GET", "/ok").status == 200


# ---- 2. $connect: its authorizer and integration decide the handshake ------------------------


async def _connect_status(
    url: str, subprotocols: list[str] | None = None, headers: dict[str, str] | None = None
) -> int:
    try:
        async with connect(
            url, subprotocols=subprotocols, additional_headers=headers  # type: ignore[arg-type]
        ) as socket:
            assert socket.response is not None
            return socket.response.status_code
    except InvalidStatus as refused:
        return refused.response.status_code


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("token=allow", 101),
        ("token=allow&status=204", 101),  # any 2xx connects
        ("token=allow&status=403", 403),  # another status refuses with that status
        ("token=allow&status=500", 500),
        ("token=allow&status=501", 501),
        ("token=allow&fail=1", 502),  # the function failed
        ("token=deny", 403),  # the authorizer's policy denies
        ("", 403),  # without caching the identity source is optional: the policy denies
        ("token=unauthorized", 401),  # the function failed with "Unauthorized"
        ("token=broken", 500),  # no string principalId: the authorizer cannot answer
    ],
)
def test_connect_outcomes(ws: Served, query: str, status: int) -> None:
    assert run(lambda: _connect_status(ws.url(f"/dev?{query}"))) == status


def test_a_refused_connect_runs_no_disconnect(ws: Served) -> None:
    before = len(ws.disconnects(wait_s=0.2))
    assert run(lambda: _connect_status(ws.url("/dev?token=allow&status=403"))) == 403
    time.sleep(0.3)
    assert len(ws.disconnects(wait_s=0.1)) == before


def test_headers_returned_by_connect_accept_a_subprotocol(ws: Served) -> None:
    async def client() -> str | None:
        async with connect(ws.url("/dev?token=allow"), subprotocols=["chat"]) as socket:  # type: ignore[list-item]
            return socket.subprotocol

    assert run(client) == "chat"


# ---- 3. events of API Gateway's shape ---------------------------------------------------------


def test_the_connect_event(ws: Served) -> None:
    async def client() -> dict[str, Any]:
        headers = {"X-Custom": "one", "User-Agent": "ws-test"}
        async with connect(ws.url("/dev?token=allow&room=a"), additional_headers=headers) as s:
            return await _whoami(s)

    event = run(client)
    assert list(event) == [
        "headers",
        "multiValueHeaders",
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "requestContext",
        "isBase64Encoded",
    ]
    # The client's casing, as API Gateway keeps it (the server's HTTP protocol records it).
    assert (event["headers"]["X-Custom"], event["headers"]["User-Agent"]) == ("one", "ws-test")
    assert event["multiValueHeaders"]["X-Custom"] == ["one"]
    assert event["headers"]["Sec-WebSocket-Version"] == "13"
    assert event["queryStringParameters"] == {"token": "allow", "room": "a"}
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert (context["routeKey"], context["eventType"], context["stage"]) == (
        "$connect",
        "CONNECT",
        "dev",
    )
    assert context["messageDirection"] == "IN"
    assert context["identity"] == {"userAgent": "ws-test", "sourceIp": "127.0.0.1"}
    assert context["domainName"] == f"127.0.0.1:{ws.port}"
    assert ID.match(context["connectionId"]) and ID.match(context["requestId"])
    assert context["requestId"] == context["extendedRequestId"]
    assert re.match(r"^\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d \+0000$", context["requestTime"])
    assert abs(context["requestTimeEpoch"] - time.time() * 1000) < 60_000
    # The authorizer's context, stringified, with principalId and integrationLatency (§2.8).
    authorizer = context["authorizer"]
    assert (authorizer["tier"], authorizer["user"]) == ("3", "allow")
    assert authorizer["principalId"] == "user-allow"
    assert isinstance(authorizer["integrationLatency"], int)


def test_the_message_event(ws: Served) -> None:
    async def client() -> tuple[dict[str, Any], str]:
        async with connect(ws.url("/dev?token=allow")) as socket:
            connection_id = (await _whoami(socket))["requestContext"]["connectionId"]
            await socket.send('{"action":"echo","text":"hi"}')
            return json.loads(await _recv(socket)), connection_id

    event, connection_id = run(client)
    assert list(event) == ["requestContext", "body", "isBase64Encoded"]
    assert event["body"] == '{"action":"echo","text":"hi"}'
    context = event["requestContext"]
    assert list(context)[:3] == ["routeKey", "messageId", "eventType"]
    assert (context["routeKey"], context["eventType"]) == ("echo", "MESSAGE")
    assert context["connectionId"] == connection_id
    assert ID.match(context["messageId"])
    assert context["authorizer"]["principalId"] == "user-allow"  # every event carries it


def test_the_disconnect_event_after_a_client_close(ws: Served) -> None:
    async def client() -> str:
        async with connect(ws.url("/dev?token=allow")) as socket:
            connection_id: str = (await _whoami(socket))["requestContext"]["connectionId"]
            await socket.close(4000, "bye")
            return connection_id

    connection_id = run(client)
    event = ws.disconnect_of(connection_id)
    assert list(event["headers"]) == ["Host", "x-api-key", "X-Forwarded-For", "x-restapi"]
    assert event["headers"]["Host"] == f"127.0.0.1:{ws.port}"
    context = event["requestContext"]
    assert (context["routeKey"], context["eventType"]) == ("$disconnect", "DISCONNECT")
    assert (context["disconnectStatusCode"], context["disconnectReason"]) == (4000, "bye")
    assert list(context)[:3] == ["routeKey", "disconnectStatusCode", "eventType"]


# ---- 4. routing and route responses ----------------------------------------------------------


async def _exchange(url: str, messages: list[str], expect: int) -> list[str]:
    """Send each message, then read `expect` frames."""
    async with connect(url) as socket:
        for message in messages:
            await socket.send(message)
        return [await _recv(socket) for _ in range(expect)]


def _route_of(frame: str) -> str:
    return str(json.loads(frame)["requestContext"]["routeKey"])


@pytest.mark.parametrize(
    ("message", "route"),
    [
        ('{"action":"echo"}', "echo"),
        ('{"action":"nothing-like-it"}', "$default"),  # no route of that key
        ('{"other":"echo"}', "$default"),  # the path selects nothing: ""
        ("not json", "$default"),  # a message that is not JSON
        ('{"action":"$connect"}', "$default"),  # a message never selects a $ route
        ('["echo"]', "$default"),
    ],
)
def test_route_selection(ws: Served, message: str, route: str) -> None:
    (frame,) = run(lambda: _exchange(ws.url("/dev?token=allow"), [message], 1))
    assert _route_of(frame) == route


def test_a_route_without_route_response_sends_nothing_back(ws: Served) -> None:
    frames = run(
        lambda: _exchange(
            ws.url("/dev?token=allow"), ['{"action":"silent"}', '{"action":"echo"}'], 1
        )
    )
    assert [_route_of(f) for f in frames] == ["echo"]  # the first frame is echo's


def test_a_failed_integration_sends_the_error_frame_and_keeps_the_connection(ws: Served) -> None:
    async def client() -> tuple[str, str, str, str]:
        async with connect(ws.url("/dev?token=allow")) as socket:
            connection_id = (await _whoami(socket))["requestContext"]["connectionId"]
            await socket.send('{"action":"boom"}')
            failed = await _recv(socket)
            await socket.send('{"action":"slow","seconds":3}')  # past its 1 s timeout
            timed_out = await _recv(socket)
            await socket.send('{"action":"echo"}')
            return connection_id, failed, timed_out, _route_of(await _recv(socket))

    connection_id, failed, timed_out, after = run(client)
    for frame in (failed, timed_out):
        parsed = json.loads(frame)
        assert frame == INTERNAL.format(connection_id, parsed["requestId"])
        assert ID.match(parsed["requestId"])
    assert after == "echo"


def test_a_mock_route_renders_its_integration_response(ws: Served) -> None:
    (frame,) = run(lambda: _exchange(ws.url("/dev?token=allow"), ['{"action":"mock"}'], 1))
    answer = json.loads(frame)
    assert (answer["room"], answer["route"]) == ("lobby", "mock")
    assert ID.match(answer["connection"])


@pytest.mark.parametrize(
    ("message", "answer"),
    [
        ('{"action":"join","room":"lobby"}', "welcome to the lobby"),
        ('{"action":"join"}', "join-"),  # a missing path is "": the route `join-`
        ('{"action":"join","room":"attic"}', "Forbidden"),  # no route, no $default
        ("plain text", "Forbidden"),  # not JSON, no $default
    ],
)
def test_several_variables_and_no_default_route(plain: Served, message: str, answer: str) -> None:
    async def client() -> tuple[str, str]:
        async with connect(plain.url(), additional_headers=MEMBER) as socket:
            await socket.send(message)
            first = await _recv(socket)
            await socket.send('{"action":"join","room":"lobby"}')  # still open
            return first, await _recv(socket)

    first, after = run(client)
    assert after == "welcome to the lobby"
    if answer == "Forbidden":
        found = FORBIDDEN.match(first)
        assert found is not None and ID.match(found["c"]) and ID.match(found["r"])
    elif answer == "join-":
        assert _route_of(first) == "join-"
    else:
        assert first == answer


@pytest.mark.parametrize(
    ("key", "status"),
    [
        ("memberKey0123456789abcdef", 101),
        (None, 403),
        ("", 403),
        ("guessed", 403),
        ("retiredKey0123456789abcdef", 403),  # disabled
        ("prodOnlyKey0123456789abcdef", 403),  # its plan does not cover the stage
    ],
)
def test_api_key_required_on_connect(plain: Served, key: str | None, status: int) -> None:
    headers = {} if key is None else {"x-api-key": key}
    assert run(lambda: _connect_status(plain.url("/dev"), headers=headers)) == status


def test_only_the_served_stage_accepts_upgrades(plain: Served) -> None:
    assert run(lambda: _connect_status(plain.url("/dev"), headers=MEMBER)) == 101
    # Another stage is no WebSocket endpoint here: the REST side answers (no such route).
    assert run(lambda: _connect_status(plain.url("/prod"), headers=MEMBER)) == 403


# ---- 5. limits -----------------------------------------------------------------------------


async def _closed_with(
    url: str, send: Callable[[ClientConnection], Awaitable[None]]
) -> tuple[str, int | None]:
    """The connection's id and the close code the client read (None when the server's close
    of the TCP connection came before the client could read its close frame: a client still
    writing gets a broken pipe; the `$disconnect` record holds the code then)."""
    async with connect(url, max_size=None) as socket:
        connection_id: str = (await _whoami(socket))["requestContext"]["connectionId"]
        try:
            await send(socket)
            while True:
                await asyncio.wait_for(socket.recv(), 10)
        except ConnectionClosed as closed:
            return connection_id, closed.rcvd.code if closed.rcvd is not None else None


async def _fragments(socket: ClientConnection, size: int, pieces: int) -> None:
    part = size // pieces
    await socket.send(['{"action":"silent","pad":"', *("x" * part for _ in range(pieces)), '"}'])


@pytest.mark.parametrize(
    ("send", "code"),
    [
        (lambda s: s.send("x" * (32 * 1024 + 1)), 1009),  # one frame over 32 KB
        (lambda s: _fragments(s, 130 * 1024, 8), 1009),  # a message over 128 KB in small frames
        (lambda s: s.send(b"\x00\x01"), 1003),  # binary frames are not supported
    ],
)
def test_frame_and_message_limits(
    ws: Served, send: Callable[[ClientConnection], Awaitable[None]], code: int
) -> None:
    connection_id, read = run(lambda: _closed_with(ws.url("/dev?token=allow"), send))
    assert read in (code, None)
    disconnect = ws.disconnect_of(connection_id)["requestContext"]
    assert disconnect["disconnectStatusCode"] == code


def test_a_fragmented_message_under_128_kb_is_one_message(ws: Served) -> None:
    async def client() -> str:
        async with connect(ws.url("/dev?token=allow")) as socket:
            await _fragments(socket, 120 * 1024, 6)  # frames of 20 KB
            await socket.send('{"action":"echo"}')
            return _route_of(await _recv(socket))

    assert run(client) == "echo"


def test_an_idle_connection_is_closed_with_1001(ws: Served) -> None:
    async def client() -> tuple[int, str, float]:
        started = time.monotonic()
        async with connect(ws.url("/dev?token=allow")) as socket:
            connection_id = (await _whoami(socket))["requestContext"]["connectionId"]
            try:
                await asyncio.wait_for(socket.recv(), 10)
            except ConnectionClosed as closed:
                assert closed.rcvd is not None
                return closed.rcvd.code, connection_id, time.monotonic() - started
        raise AssertionError("not closed")

    code, connection_id, elapsed = run(client)
    assert code == 1001
    assert IDLE_S <= elapsed < IDLE_S + 3
    assert ws.disconnect_of(connection_id)["requestContext"]["disconnectStatusCode"] == 1001


def test_a_connection_is_closed_at_its_maximum_duration(ws: Served) -> None:
    async def client() -> tuple[int, float]:
        started = time.monotonic()
        async with connect(ws.url("/dev?token=allow")) as socket:
            try:
                while True:  # never idle: a message every half second
                    await socket.send('{"action":"silent"}')
                    await asyncio.sleep(0.5)
            except ConnectionClosed as closed:
                assert closed.rcvd is not None
                return closed.rcvd.code, time.monotonic() - started

    code, elapsed = run(client)
    assert code == 1001
    assert MAX_DURATION_S <= elapsed < MAX_DURATION_S + 3


# ---- 6. @connections -------------------------------------------------------------------------


def _management(port: int, stage: str = "dev") -> Any:
    return boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=f"http://127.0.0.1:{port}/{stage}",
        region_name="us-east-1",
        aws_access_key_id="AKIDLOCAL",
        aws_secret_access_key="local-secret",
        config=Config(retries={"max_attempts": 1}),
    )


def test_connections_post_get_and_delete_with_boto3(ws: Served) -> None:
    api = _management(ws.port)

    async def client() -> tuple[str, str, dict[str, Any], int]:
        async with connect(ws.url("/dev?token=allow"), user_agent_header="ws-test") as socket:
            connection_id = (await _whoami(socket))["requestContext"]["connectionId"]
            await asyncio.to_thread(
                api.post_to_connection, ConnectionId=connection_id, Data=b"pushed"
            )
            pushed = await _recv(socket)
            described = await asyncio.to_thread(api.get_connection, ConnectionId=connection_id)
            await asyncio.to_thread(api.delete_connection, ConnectionId=connection_id)
            try:
                await asyncio.wait_for(socket.recv(), 5)
            except ConnectionClosed as closed:
                assert closed.rcvd is not None
                return connection_id, pushed, described, closed.rcvd.code
        raise AssertionError("not closed")

    connection_id, pushed, described, code = run(client)
    assert pushed == "pushed"
    assert described["Identity"] == {"SourceIp": "127.0.0.1", "UserAgent": "ws-test"}
    assert described["ConnectedAt"] <= described["LastActiveAt"]
    assert code == 1000
    assert ws.disconnect_of(connection_id)["requestContext"]["eventType"] == "DISCONNECT"
    # The connection is gone now: every operation answers 410 GoneException.
    for call in (api.get_connection, api.delete_connection):
        with pytest.raises(api.exceptions.GoneException):
            call(ConnectionId=connection_id)
    with pytest.raises(api.exceptions.GoneException):
        api.post_to_connection(ConnectionId=connection_id, Data=b"late")


def test_a_post_over_128_kb_is_refused(ws: Served) -> None:
    api = _management(ws.port)
    with pytest.raises(api.exceptions.PayloadTooLargeException):
        api.post_to_connection(ConnectionId="R1kmxc2VNjMCFIA=", Data=b"x" * 131073)


def test_a_handler_calls_back_through_its_domain_name_and_stage(ws: Served) -> None:
    frames = run(lambda: _exchange(ws.url("/dev?token=allow"), ['{"action":"callback"}'], 2))
    assert frames == ["called back", "post answered 200"]


# ---- 7. the example spec's WebSocket API serves ------------------------------------------------

EXAMPLE = Path(__file__).resolve().parent.parent / "specs" / "features" / "apigwc-deployment.yaml"


def test_the_example_chat_api_serves(tmp_path: Path) -> None:
    """`specs/features/apigwc-deployment.yaml`: `$connect` behind its inline REQUEST authorizer
    (`features/handlers/authorizers.py`), `sendMessage` and `$default` with route responses."""
    package = build_spec(EXAMPLE, tmp_path / "out")
    with run_package(tmp_path / "out" / "runtime", package) as port:
        url = f"ws://127.0.0.1:{port}/dev"

        async def client() -> tuple[dict[str, Any], dict[str, Any]]:
            async with connect(url + "?token=allow") as socket:
                await socket.send('{"action":"sendMessage","message":"hi"}')
                sent = json.loads(await _recv(socket))
                await socket.send("hello?")
                return sent, json.loads(await _recv(socket))

        sent, default = run(client)
        assert (sent["action"], sent["message"]) == ("sendMessage", "hi")
        assert ID.match(sent["from"])
        assert default["error"] == "unknown action"
        assert run(lambda: _connect_status(url + "?token=deny")) == 403
        assert run(lambda: _connect_status(url)) == 401


@pytest.mark.parametrize(
    ("authorization", "status"),
    [
        # IAM with no local identity to sign: every upgrade is refused (403, as unsigned).
        ("authorizationType: AWS_IAM", 403),
        # a TOKEN authorizer (WebSocket APIs take REQUEST ones only): refused with 500.
        ("authorizer: tokenAuth", 500),
        ("authorizationType: JWT", 500),
    ],
    ids=["iam", "token", "jwt"],
)
def test_an_authorization_the_runtime_cannot_run_refuses_every_handshake(
    tmp_path: Path, authorization: str, status: int
) -> None:
    spec = write_spec(tmp_path, "websocket_closed.yaml", {"AUTHORIZATION": authorization})
    # `validate` refuses the spec's TOKEN authorizer (and JWT) on a WebSocket API (AGW444);
    # built anyway, the runtime still lets nobody in.
    refused = build(spec, tmp_path / "refused").compilation.sink.diagnostics
    assert "AGW444" in {d.code for d in refused}
    package = build_spec(spec, tmp_path / "out", allow_errors=True)
    with run_package(tmp_path / "out" / "runtime", package) as port:
        for query in ("", "?token=allow"):
            url = f"ws://127.0.0.1:{port}/dev{query}"
            assert run(lambda url=url: _connect_status(url)) == status  # type: ignore[misc]
