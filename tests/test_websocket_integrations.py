"""WebSocket routes with HTTP proxy, HTTP, AWS and MOCK integrations (issue 15 point 3,
reference §10.2): the generated runtime of `runtime_specs/websocket_integrations.yaml` served on
127.0.0.1, a real WebSocket client (`websockets`), a real HTTP backend on 127.0.0.1 that records
what it gets, a moto server for SQS, a Lambda handler in the gateway's process.
"""

from __future__ import annotations

import asyncio
import http.server
import json
import os
import re
import threading
import urllib.parse
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from tests.runtime_server import build_spec, run_package, write_spec
from tests.test_runtime_aws import client, moto  # noqa: F401  (the moto fixture)

ID = re.compile(r"^[A-Za-z0-9]{15}=$")
INTERNAL = re.compile(r'^\{"message": "Internal server error", "connectionId":"[^"]+", ')


@dataclass
class Backend:
    """What the HTTP backend received, in order."""

    port: int = 0
    seen: list[dict[str, Any]] = field(default_factory=list)

    def last(self, path: str) -> dict[str, Any]:
        found = [r for r in self.seen if r["path"].startswith(path)]
        assert found, f"the backend got nothing on {path}"
        return found[-1]


def _handler(backend: Backend) -> type[http.server.BaseHTTPRequestHandler]:
    class Answer(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            record = {
                "method": self.command,
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body,
            }
            backend.seen.append(record)
            token = self.headers.get("X-Token") or ""
            status = int(token) if self.path.startswith("/connect") and token.isdigit() else 200
            status = 418 if "teapot" in body else status
            payload = json.dumps({**record, "status": status}).encode()
            if self.path == "/raw":
                payload = b"raw answer: " + body.encode()
            if status == 204:  # no body, or the keep-alive connection's next answer breaks
                payload = b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _answer

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    return Answer


@dataclass
class Served:
    port: int
    backend: Backend
    endpoint: str

    def url(self, query: str = "") -> str:
        return f"ws://127.0.0.1:{self.port}/dev{query}"


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory, moto: str) -> Iterator[Served]:  # noqa: F811
    client(moto, "sqs").create_queue(QueueName="ws-queue")
    backend = Backend()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(backend))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    backend.port = int(server.server_address[1])
    tmp = tmp_path_factory.mktemp("ws-integrations")
    values = {"UPSTREAM": str(backend.port), "ENDPOINT": moto}
    package = build_spec(write_spec(tmp, "websocket_integrations.yaml", values), tmp / "out")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    try:
        with run_package(tmp / "out" / "runtime", package, env=env) as port:
            yield Served(port, backend, moto)
    finally:
        server.shutdown()
        server.server_close()


def run(client_: Callable[[], Awaitable[Any]]) -> Any:
    return asyncio.run(asyncio.wait_for(client_(), 20))


async def _recv(socket: ClientConnection, timeout: float = 5) -> str:
    frame = await asyncio.wait_for(socket.recv(), timeout)
    assert isinstance(frame, str)
    return frame


async def _exchange(url: str, message: str) -> str:
    async with connect(url) as socket:
        await socket.send(message)
        return await _recv(socket)


# ---- $connect through an HTTP proxy integration --------------------------------------------


@pytest.mark.parametrize(("token", "status"), [("200", 101), ("204", 101), ("403", 403)])
def test_connect_through_http_proxy_is_decided_by_the_backend_status(
    ws: Served, token: str, status: int
) -> None:
    async def client_() -> int:
        try:
            async with connect(ws.url(f"?token={token}"), user_agent_header="chat-test/1"):
                return 101
        except InvalidStatus as refused:
            return refused.response.status_code

    assert run(client_) == status
    seen = ws.backend.last("/connect")
    # `route.request.querystring.*` and `route.request.header.*` map on $connect.
    assert seen["method"] == "GET"
    assert (seen["headers"]["x-token"], seen["headers"]["x-agent"]) == (token, "chat-test/1")
    assert "sec-websocket-key" not in seen["headers"]


# ---- messages through an HTTP proxy integration --------------------------------------------


def test_a_message_through_http_proxy_with_mapped_parameters(ws: Served) -> None:
    message = '{"action":"proxy","topic":"news"}'
    answer = json.loads(run(lambda: _exchange(ws.url("?token=200"), message)))
    assert (answer["method"], answer["path"], answer["body"]) == (
        "POST",
        "/proxy?room=lobby",
        message,
    )
    headers = answer["headers"]
    assert ID.match(headers["connectionid"])  # `context.connectionId`
    assert headers["x-topic"] == "news"  # `route.request.body.topic`
    # Headers and query strings of the handshake exist on $connect only.
    assert "x-token" not in headers


def test_a_one_way_route_sends_nothing_back(ws: Served) -> None:
    async def client_() -> bool:
        async with connect(ws.url()) as socket:
            await socket.send('{"action":"oneway","n":1}')
            try:
                await _recv(socket, timeout=1)
            except TimeoutError:
                return True
            return False

    assert run(client_)
    assert ws.backend.last("/oneway")["body"] == '{"action":"oneway","n":1}'


# ---- HTTP (non-proxy): templates and integration responses ---------------------------------


@pytest.mark.parametrize(
    ("message", "sent"),
    [
        (
            '{"action":"http","kind":"greeting","text":"hello"}',
            {"said": "hello", "connection": "<id>", "room": "lobby"},
        ),
        ('{"action":"http","kind":"other"}', {"other": True, "route": "http"}),
        ('{"action":"http"}', {"other": True, "route": "http"}),
    ],
    ids=["selected-template", "default-template", "no-key-default-template"],
)
def test_template_selection_expression_picks_the_request_template(
    ws: Served, message: str, sent: dict[str, Any]
) -> None:
    answer = json.loads(run(lambda: _exchange(ws.url(), message)))
    assert answer["via"] == "default"
    got = json.loads(answer["sent"])
    if "connection" in got:
        assert ID.match(got["connection"])
        got["connection"] = "<id>"
    assert got == sent


def test_integration_response_selected_by_the_status(ws: Served) -> None:
    message = '{"action":"http","kind":"greeting","text":"teapot"}'
    answer = json.loads(run(lambda: _exchange(ws.url(), message)))
    assert answer == {"via": "4xx", "status": "418"}


def test_passthrough_never_without_a_template_is_an_integration_failure(ws: Served) -> None:
    answer = run(lambda: _exchange(ws.url(), '{"action":"strict","kind":"unknown"}'))
    assert INTERNAL.match(answer)
    ok = run(lambda: _exchange(ws.url(), '{"action":"strict","kind":"greeting","text":"x"}'))
    assert json.loads(ok)["body"] == '{"said": "x"}'


def test_without_integration_responses_the_backend_body_goes_back(ws: Served) -> None:
    message = '{"action":"raw","x":1}'
    assert run(lambda: _exchange(ws.url(), message)) == "raw answer: " + message


# ---- AWS: a Lambda function (non-proxy) and an AWS service ---------------------------------


@pytest.mark.parametrize(
    ("n", "answer"),
    [(21, {"doubled": 42}), (-1, {"refused": "negative numbers are refused"})],
    ids=["success", "function-error-selected-by-message"],
)
def test_a_lambda_custom_integration(ws: Served, n: int, answer: dict[str, Any]) -> None:
    message = json.dumps({"action": "double", "n": n})
    assert json.loads(run(lambda: _exchange(ws.url(), message))) == answer


def test_an_sqs_integration_sends_the_message(ws: Served) -> None:
    message = '{"action":"enqueue","text":"queued words"}'
    assert json.loads(run(lambda: _exchange(ws.url(), message))) == {"queued": True}
    sqs = client(ws.endpoint, "sqs")
    url = sqs.get_queue_url(QueueName="ws-queue")["QueueUrl"]
    got = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], WaitTimeSeconds=2)
    (received,) = got["Messages"]
    assert urllib.parse.unquote(received["Body"]) in ('"queued words"', "queued words")
    assert ID.match(received["MessageAttributes"]["connection"]["StringValue"])


# ---- request validation: modelSelectionExpression and requestModels --------------------------

INVALID = re.compile(
    r'^\{"message": "Invalid request body", "connectionId":"[^"]+", "requestId":"[^"]+"\}$'
)


@pytest.mark.parametrize(
    ("message", "valid"),
    [
        ('{"action":"validated","messageType":"email","address":"ada@example.com"}', True),
        ('{"action":"validated","messageType":"email"}', False),  # the model's `required`
        ('{"action":"validated","messageType":"email","address":7}', False),
        (
            '{"action":"validated","messageType":"sms","address":"x"}',
            False,
        ),  # no model, no $default
        ('{"action":"fallback","messageType":"sms","address":"x"}', True),  # the $default model
        ('{"action":"fallback"}', False),
    ],
)
def test_a_message_is_validated_against_the_selected_model(
    ws: Served, message: str, valid: bool
) -> None:
    answer = run(lambda: _exchange(ws.url(), message))
    if valid:
        assert answer == "accepted"
    else:
        assert INVALID.match(answer), answer
