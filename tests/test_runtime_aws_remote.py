"""Lambda functions that are not local, caller credentials, and AppConfig, through the served gateway.

moto cannot invoke a Lambda function without Docker (absent here) and has no AppConfig
`GetConfiguration`, so these routes call the small Lambda- and AppConfig-compatible endpoint of
`tests/aws_signed_endpoint.py` on 127.0.0.1, which checks each request's SigV4 signature with
botocore's signer and records the path, the payload and who signed. What is asserted is what
the gateway controls: the Invoke call (path `/2015-03-31/functions/{ARN}/invocations`, the
proxy event as payload, signed for `lambda` with the integration's role keys or the caller's),
and how Lambda's answer becomes the response (reference §2.2, §1.7; Lambda's documentation
services-apigateway-errors: a function error 502, a refused invocation 500).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.aws_signed_endpoint import SignedEndpoint, signed_endpoint
from tests.runtime_server import (
    build_spec,
    fetch,
    free_port,
    run_package,
    wait_for_port,
    write_spec,
)

botocore = pytest.importorskip("botocore")

INVOKER = ("AKIDINVOKER000000000", "invoker-secret-key/0123456789abcdefghij")
ALICE = ("AKIDALICE0000000000A", "alice-secret-key/0123456789abcdefghijklmn")
KEYS = {"endpoint-key": "endpoint-secret", INVOKER[0]: INVOKER[1], ALICE[0]: ALICE[1]}


def _environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "APIGWC_AWS"))}


def _remote_fn(event: Any) -> Any:
    return {
        "statusCode": 201,
        "headers": {"x-remote": "yes"},
        "body": json.dumps({"id": (event.get("pathParameters") or {}).get("id")}),
    }


def _failing_fn(event: Any) -> Any:
    raise ValueError("no such pet")


def _custom_fn(event: Any) -> Any:
    if event["order"] == "gone":
        raise LookupError("item out of stock")
    return {"total": 42}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[SignedEndpoint]:
    with signed_endpoint(KEYS) as found:
        found.functions.update(
            {
                "remote-fn": _remote_fn,
                "failing-fn": _failing_fn,
                "custom-fn": _custom_fn,
                "whoami": lambda event: {"ok": True},
            }
        )
        found.configurations[("shop", "prod", "feature flags")] = (
            "application/json",
            b'{"darkMode": true}',
        )
        yield found


@pytest.fixture(scope="module")
def rest(endpoint: SignedEndpoint, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    tmp = tmp_path_factory.mktemp("remote")
    spec = write_spec(tmp, "aws_remote.yaml", {"ENDPOINT": endpoint.url})
    package = build_spec(spec, tmp / "out")
    with run_package(tmp / "out" / "runtime", package, env=_environment()) as port:
        yield port


@pytest.fixture(scope="module")
def http(endpoint: SignedEndpoint, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    tmp = tmp_path_factory.mktemp("remote_http")
    spec = write_spec(tmp, "aws_remote_http.yaml", {"ENDPOINT": endpoint.url})
    package = build_spec(spec, tmp / "out")
    with run_package(tmp / "out" / "runtime", package, env=_environment()) as port:
        yield port


def _last(endpoint: SignedEndpoint, path_part: str) -> Any:
    found = [r for r in endpoint.received if path_part in r.path]
    assert found, [r.path for r in endpoint.received]
    return found[-1]


# -- Lambda proxy, no local handler ---------------------------------------------------------------


def test_rest_proxy_calls_the_invoke_api(rest: int, endpoint: SignedEndpoint) -> None:
    reply = fetch(rest, "GET", "/remote/p-7")
    assert reply.status == 201, reply.body
    assert reply.json() == {"id": "p-7"} and reply.header("x-remote") == "yes"
    call = _last(endpoint, "remote-fn")
    assert call.path == (
        "/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:remote-fn/invocations"
    )
    assert (call.service, call.region, call.access_key) == ("lambda", "us-east-1", INVOKER[0])
    event = json.loads(call.body)
    assert event["resource"] == "/remote/{id}" and event["httpMethod"] == "GET"
    assert event["requestContext"]["path"] == "/dev/remote/p-7"


def test_http_api_proxy_payload_2_calls_the_invoke_api(http: int, endpoint: SignedEndpoint) -> None:
    reply = fetch(http, "GET", "/remote/p-8")
    assert reply.status == 201 and reply.json() == {"id": "p-8"}
    event = json.loads(_last(endpoint, "remote-fn").body)
    assert event["version"] == "2.0" and event["routeKey"] == "GET /remote/{id}"
    # No credentials on the integration: the endpoint's keys sign the call.
    assert _last(endpoint, "remote-fn").access_key == "endpoint-key"


def test_function_error_is_502(rest: int) -> None:
    reply = fetch(rest, "GET", "/remote-fail")
    assert (reply.status, reply.json()) == (502, {"message": "Internal server error"})


def test_unknown_function_is_500(rest: int) -> None:
    reply = fetch(rest, "GET", "/remote-unknown")
    assert (reply.status, reply.json()) == (500, {"message": "Internal server error"})


def test_non_proxy_invoke_selects_function_errors_by_message(
    rest: int, endpoint: SignedEndpoint
) -> None:
    body = json.dumps({"order": "o-1"}).encode()
    ok = fetch(rest, "POST", "/custom", {"Content-Type": "application/json"}, body)
    assert (ok.status, ok.json()) == (200, {"total": 42})
    assert json.loads(_last(endpoint, "custom-fn").body) == {"order": "o-1"}
    gone = json.dumps({"order": "gone"}).encode()
    refused = fetch(rest, "POST", "/custom", {"Content-Type": "application/json"}, gone)
    assert (refused.status, refused.json()) == (409, {"error": "item out of stock"})


# -- caller credentials ---------------------------------------------------------------------------


def _signed(port: int, path: str, body: bytes) -> Any:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    url = f"http://127.0.0.1:{port}{path}"
    request = AWSRequest("POST", url, data=body, headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(*ALICE), "execute-api", "us-east-1").add_auth(request)
    return fetch(port, "POST", path, dict(request.headers.items()), body)


def test_caller_credentials_sign_with_the_callers_keys(rest: int, endpoint: SignedEndpoint) -> None:
    reply = _signed(rest, "/caller", b'{"n": 1}')
    assert (reply.status, reply.json()) == (200, {"ok": True})
    call = _last(endpoint, "whoami")
    # The signature verified against alice's secret, made for Lambda, not for execute-api.
    assert (call.access_key, call.service) == (ALICE[0], "lambda")


def test_caller_credentials_without_a_signed_caller_fail_closed(
    rest: int, endpoint: SignedEndpoint
) -> None:
    before = len(endpoint.received)
    reply = fetch(rest, "POST", "/caller-open", {"Content-Type": "application/json"}, b"{}")
    assert (reply.status, reply.json()) == (500, {"message": "Internal server error"})
    assert len(endpoint.received) == before  # no call was made


# -- AppConfig-GetConfiguration -------------------------------------------------------------------


def test_appconfig_get_configuration(http: int, endpoint: SignedEndpoint) -> None:
    reply = fetch(http, "GET", "/config/prod?have=0", {"x-client-id": "web-1"})
    assert reply.status == 200, reply.body
    assert reply.body == b'{"darkMode": true}'
    assert reply.header("Content-Type") == "application/json"
    call = _last(endpoint, "/applications/")
    assert call.method == "GET"
    assert call.path == "/applications/shop/environments/prod/configurations/feature%20flags"
    assert call.query == {"client_id": "web-1", "client_configuration_version": "0"}
    assert (call.service, call.access_key) == ("appconfig", "endpoint-key")


def test_appconfig_missing_required_parameter_is_400_without_a_call(
    http: int, endpoint: SignedEndpoint
) -> None:
    before = len(endpoint.received)
    reply = fetch(http, "GET", "/config/prod")  # no x-client-id: ClientId maps to nothing
    assert (reply.status, reply.json()) == (400, {"message": "Bad Request"})
    assert len(endpoint.received) == before


def test_appconfig_dot_segment_is_refused(http: int, endpoint: SignedEndpoint) -> None:
    reply = fetch(http, "GET", "/config/..", {"x-client-id": "web-1"})
    assert reply.status in (400, 404)  # never a call to another AppConfig path
    assert all("/../" not in r.path for r in endpoint.received)


# -- nowhere to call ------------------------------------------------------------------------------


def test_no_endpoint_and_no_credentials_is_500_with_a_log_line(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, "aws_remote.yaml", {"ENDPOINT": "http://unused"})
    spec.write_text(spec.read_text().split("  awsEndpoint:")[0] + _identities(spec))
    package = build_spec(spec, tmp_path / "out")
    env = {
        **_environment(),
        "PYTHONPATH": str(tmp_path / "out" / "runtime"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    port = free_port()
    log = tmp_path / "stderr.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", package, "--port", str(port), "--no-access-log"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        try:
            wait_for_port(port, process)
            reply = fetch(port, "GET", "/remote/p-1")
        finally:
            process.terminate()
            process.wait(timeout=10)
    assert (reply.status, reply.json()) == (500, {"message": "Internal server error"})
    text = log.read_text()
    assert "'remote-fn' has no local handler and no Lambda endpoint is configured" in text
    assert "APIGWC_AWS_REAL_ENDPOINTS" in text


def _identities(spec: Path) -> str:
    return "  identities:" + spec.read_text().split("  identities:")[1]


# -- Step Functions StartSyncExecution (moto has no Express workflows) ----------------------------


def test_rest_start_sync_execution_answers_the_output(rest: int, endpoint: SignedEndpoint) -> None:
    body = b'{"order": "o-9"}'
    reply = fetch(rest, "POST", "/states/sync", {"Content-Type": "application/json"}, body)
    # Reference §9.2: the response template `$input.path('$.output')` returns the output.
    assert (reply.status, reply.json()) == (200, {"order": "o-9"})
    call = endpoint.received[-1]
    assert call.headers["x-amz-target"] == "AWSStepFunctions.StartSyncExecution"  # filled (§9.1)
    assert call.headers["content-type"] == "application/x-amz-json-1.0"
    assert (call.service, call.access_key) == ("states", INVOKER[0])


def test_subtype_start_sync_execution(http: int, endpoint: SignedEndpoint) -> None:
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793"
    headers = {"Content-Type": "application/json", "x-run": "run-7", "X-Amzn-Trace-Id": trace}
    reply = fetch(http, "POST", "/states/sync", headers, b'{"order": 4}')
    assert reply.status == 200
    assert reply.json()["status"] == "SUCCEEDED" and reply.json()["name"] == "run-7"
    sent = json.loads(endpoint.received[-1].body)
    assert sent["stateMachineArn"].endswith(":stateMachine:express-machine")
    assert json.loads(sent["input"]) == {"order": 4} and sent["name"] == "run-7"
    assert sent["traceHeader"] == trace
