"""`AWS_IAM` on a WebSocket API (issue 15 point 5, reference §10.1, §10.5): SigV4 on the
`$connect` upgrade (botocore's `SigV4Auth` in headers, `SigV4QueryAuth` in the URL as a browser
client sends it) and on `@connections` (boto3's `apigatewaymanagementapi` client). The generated
runtime of `runtime_specs/websocket_iam.yaml` served on 127.0.0.1, a real `websockets` client.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.runtime_server import build_spec, run_package

SPEC = Path(__file__).parent / "runtime_specs" / "websocket_iam.yaml"
ALICE = Credentials("AKIDALICE0000000000A", "alice-secret-key/0123456789abcdefghijklmn")
BOB = Credentials("AKIDBOB00000000000BB", "bob-secret-key/0123456789abcdefghijklmnop")
CAROL = Credentials("AKIDCAROL0000000000C", "carol-secret-key/0123456789abcdefghijklm")
STRANGER = Credentials("AKIDSTRANGER0000000S", "stranger-secret-key/0123456789abcdefgh")


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    tmp = tmp_path_factory.mktemp("ws-iam")
    package = build_spec(SPEC, tmp / "out")
    with run_package(tmp / "out" / "runtime", package) as served:
        yield served


def _headers(port: int, credentials: Credentials) -> dict[str, str]:
    request = AWSRequest("GET", f"http://127.0.0.1:{port}/dev", headers={})
    SigV4Auth(credentials, "execute-api", "us-east-1").add_auth(request)
    return dict(request.headers.items())


def _presigned(port: int, credentials: Credentials) -> str:
    request = AWSRequest("GET", f"http://127.0.0.1:{port}/dev", headers={})
    SigV4QueryAuth(credentials, "execute-api", "us-east-1", expires=60).add_auth(request)
    return str(request.url).replace("http://", "ws://", 1)


async def _identity(url: str, headers: dict[str, str]) -> Any:
    try:
        async with connect(url, additional_headers=headers) as socket:
            await socket.send("who am I?")
            return json.loads(await asyncio.wait_for(socket.recv(), 5))
    except InvalidStatus as refused:
        return refused.response.status_code


def _connect(port: int, how: str, credentials: Credentials | None) -> Any:
    url, headers = f"ws://127.0.0.1:{port}/dev", {}
    if credentials is not None and how == "header":
        headers = _headers(port, credentials)
    elif credentials is not None:
        url = _presigned(port, credentials)
    return asyncio.run(asyncio.wait_for(_identity(url, headers), 20))


@pytest.mark.parametrize("how", ["header", "query"])
def test_a_signed_upgrade_connects_with_the_callers_identity(port: int, how: str) -> None:
    answer = _connect(port, how, ALICE)
    assert isinstance(answer, dict)
    identity = answer["identity"]
    assert identity["userArn"] == "arn:aws:iam::123456789012:user/alice"
    assert (identity["accessKey"], identity["accountId"]) == (ALICE.access_key, "123456789012")
    assert identity["sourceIp"] == "127.0.0.1"


@pytest.mark.parametrize(
    ("credentials", "status"),
    [
        (None, 403),  # unsigned: Missing Authentication Token
        (STRANGER, 403),  # an access key the gateway does not know
        (Credentials(ALICE.access_key, "a-wrong-secret-key/0123456789abcdefghi"), 403),
        (CAROL, 403),  # her policy allows ManageConnections, not Invoke on $connect
    ],
    ids=["unsigned", "unknown-key", "wrong-secret", "not-allowed-to-connect"],
)
@pytest.mark.parametrize("how", ["header", "query"])
def test_a_refused_upgrade(
    port: int, how: str, credentials: Credentials | None, status: int
) -> None:
    assert _connect(port, how, credentials) == status


def _management(port: int, credentials: Credentials) -> Any:
    return boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=f"http://127.0.0.1:{port}/dev",
        region_name="us-east-1",
        aws_access_key_id=credentials.access_key,
        aws_secret_access_key=credentials.secret_key,
        config=Config(retries={"max_attempts": 1}),
    )


def test_connections_needs_a_caller_allowed_to_manage_connections(port: int) -> None:
    async def client_() -> str:
        url, signed = f"ws://127.0.0.1:{port}/dev", _headers(port, ALICE)
        async with connect(url, additional_headers=signed) as socket:
            await socket.send("who am I?")
            connection_id = json.loads(await asyncio.wait_for(socket.recv(), 5))["connectionId"]
            await asyncio.to_thread(_manage, port, connection_id)
            return str(await asyncio.wait_for(socket.recv(), 5))

    assert asyncio.run(asyncio.wait_for(client_(), 20)) == "from carol"


def _manage(port: int, connection_id: str) -> None:
    # Unsigned: 403 ForbiddenException.
    quoted = connection_id.replace("=", "%3D")
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/dev/@connections/{quoted}", data=b"x", method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 403
    assert refused.value.headers["x-amzn-ErrorType"] == "ForbiddenException"
    # bob may connect (Invoke) but not manage connections.
    bob = _management(port, BOB)
    with pytest.raises(bob.exceptions.ForbiddenException):
        bob.post_to_connection(ConnectionId=connection_id, Data=b"from bob")
    # alice (execute-api:*) and carol (ManageConnections) may.
    alice = _management(port, ALICE)
    assert alice.get_connection(ConnectionId=connection_id)["Identity"]["SourceIp"] == "127.0.0.1"
    with pytest.raises(alice.exceptions.GoneException):
        alice.get_connection(ConnectionId="AAAAAAAAAAAAAAA=")
    _management(port, CAROL).post_to_connection(ConnectionId=connection_id, Data=b"from carol")
