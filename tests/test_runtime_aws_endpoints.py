"""Where AWS service integrations are sent and with which keys (runtime/integrations/
aws_endpoints.py): the SDKs' endpoint variables, then x-apigwc.awsEndpoint, then AWS itself only
by opt-in; role keys from x-apigwc.identities; the URI's region. Each case resolves a
destination as the gateway does per call (no network: resolving never connects)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from apigwc.runtime.integrations.aws_endpoints import AwsEndpoints, Destination
from apigwc.runtime.integrations.aws_service import ServiceTarget
from apigwc.runtime.responses.gateway_responses import GatewayError

SPEC = {"url": "http://127.0.0.1:5000/", "accessKeyId": "spec", "secretAccessKey": "s1"}
ROLE = "arn:aws:iam::123456789012:role/Sqs"
ROLES = {ROLE: {"accessKeyId": "role", "secretAccessKey": "s2"}}
ENV_KEYS = {"AWS_ACCESS_KEY_ID": "chain", "AWS_SECRET_ACCESS_KEY": "s3"}


def resolve(
    uri: str,
    environ: dict[str, str],
    endpoint: dict[str, Any] | None = SPEC,
    role: str | None = None,
) -> Destination:
    endpoints = AwsEndpoints(endpoint, ROLES, "eu-west-1", environ)
    target = ServiceTarget.parse(uri)

    async def destination() -> Destination | GatewayError:
        try:
            return await endpoints.destination(target, role)
        except GatewayError as error:  # handed back: asyncio.run cannot re-raise a frozen one
            return error

    found = asyncio.run(destination())
    if isinstance(found, GatewayError):
        raise GatewayError(found.response_type, reason=found.reason)
    return found


@pytest.fixture(autouse=True)
def chain_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """The standard chain (botocore, reading the process environment) finds these keys."""
    for name, value in ENV_KEYS.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)


SQS = "arn:aws:apigateway:us-east-2:sqs:path/123456789012/q"
STATES = "arn:aws:apigateway:us-east-2:states:action/StartExecution"


@pytest.mark.parametrize(
    ("uri", "environ", "url", "key"),
    [
        (SQS, {}, "http://127.0.0.1:5000", "spec"),
        (
            SQS,
            {"AWS_ENDPOINT_URL": "http://127.0.0.1:7000", **ENV_KEYS},
            "http://127.0.0.1:7000",
            "chain",
        ),
        (
            SQS,
            {
                "AWS_ENDPOINT_URL": "http://127.0.0.1:7000",
                "AWS_ENDPOINT_URL_SQS": "http://127.0.0.1:7001",
                **ENV_KEYS,
            },
            "http://127.0.0.1:7001",
            "chain",
        ),
        # Step Functions' SDK service id is SFN
        (
            STATES,
            {"AWS_ENDPOINT_URL_SFN": "https://sfn.local:8443", **ENV_KEYS},
            "https://sfn.local:8443",
            "chain",
        ),
        (
            SQS,
            {
                "AWS_ENDPOINT_URL": "http://127.0.0.1:7000",
                "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true",
            },
            "http://127.0.0.1:5000",
            "spec",
        ),
    ],
    ids=["spec", "env-global", "env-service", "env-sfn", "env-ignored"],
)
def test_where_calls_go(uri: str, environ: dict[str, str], url: str, key: str) -> None:
    destination = resolve(uri, environ)
    assert (destination.base_url, destination.keys.access_key) == (url, key)
    assert destination.region == "us-east-2"  # the URI's region is signed for


def test_role_keys_from_identities_win() -> None:
    destination = resolve(SQS, {}, role=ROLE)
    assert destination.keys.access_key == "role"


def test_no_endpoint_no_call_unless_opted_in() -> None:
    with pytest.raises(GatewayError) as refused:
        resolve(SQS, ENV_KEYS, endpoint=None)
    assert refused.value.response_type == "API_CONFIGURATION_ERROR"
    assert "AWS_ENDPOINT_URL" in refused.value.reason
    real = resolve(SQS, {"APIGWC_AWS_REAL_ENDPOINTS": "1", **ENV_KEYS}, endpoint=None)
    assert (
        real.base_url == "https://sqs.us-east-2.amazonaws.com"
        and real.host == "sqs.us-east-2.amazonaws.com"
    )


def test_start_sync_execution_has_its_own_aws_host() -> None:
    uri = "arn:aws:apigateway:us-east-2:states:action/StartSyncExecution"
    real = resolve(uri, {"APIGWC_AWS_REAL_ENDPOINTS": "1", **ENV_KEYS}, endpoint=None)
    assert real.base_url == "https://sync-states.us-east-2.amazonaws.com"


def test_caller_identity_credentials_fail_closed() -> None:
    with pytest.raises(GatewayError):
        resolve(SQS, {}, role="arn:aws:iam::*:user/*")


def test_region_when_the_uri_names_none() -> None:
    uri = "arn:aws:apigateway::sqs:path/123456789012/q"
    assert resolve(uri, {}).region == "eu-west-1"  # the API's (no endpoint region, no AWS_REGION)
    assert resolve(uri, {"AWS_REGION": "ap-south-1"}).region == "ap-south-1"
    with_region = {**SPEC, "region": "sa-east-1"}
    assert resolve(uri, {"AWS_REGION": "ap-south-1"}, endpoint=with_region).region == "sa-east-1"


@pytest.mark.parametrize(
    "uri",
    [
        "arn:aws:apigateway:us-east-1:sqs:queue/q",
        "arn:aws:apigateway:us-east-1:dynamodb:action/Get Item",
        "https://example.com",
        "",
    ],
)
def test_uris_api_gateway_would_not_call(uri: str) -> None:
    from apigwc.runtime.integrations.aws_service import ServiceUriError

    with pytest.raises(ServiceUriError):
        ServiceTarget.parse(uri)


# -- the written-out signer signs as botocore does ------------------------------------------------

SIGNED_REQUESTS = [
    ("POST", "http://127.0.0.1:5000/", [("Content-Type", "application/x-amz-json-1.0")], b"{}"),
    (
        "POST",
        "http://127.0.0.1:5000/?Action=SendMessage&QueueUrl=http%3A%2F%2Fh%2F1%2Fq&MessageBody=a%20b",
        [("Content-Type", "application/x-www-form-urlencoded"), ("X-Custom", "  two   spaces ")],
        b"",
    ),
    ("GET", "https://ssm.eu-west-1.amazonaws.com/a/./b/../c//d", [("Accept", "*/*")], b""),
    (
        "POST",
        "http://localhost:4566/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:f/invocations",
        [("User-Agent", "AmazonAPIGateway_x"), ("X-Amzn-Trace-Id", "Root=1-a"), ("Z", "1")],
        b'{"k": "\xc3\xa9"}',
    ),
    ("GET", "http://h/applications/a%20b/x?client_id=c&b=2&b=1&a", [], b""),
]


@pytest.mark.parametrize("token", [None, "session-token"])
@pytest.mark.parametrize("method,url,headers,body", SIGNED_REQUESTS)
def test_written_out_signer_matches_botocore(
    method: str, url: str, headers: list[tuple[str, str]], body: bytes, token: str | None
) -> None:
    import datetime
    from unittest import mock

    import botocore.auth
    from apigwc.runtime.integrations.aws_endpoints import Destination, Keys, botocore_sign
    from apigwc.runtime.integrations.aws_signing import fast_path, sign_v4

    host = url.split("/")[2]
    sent = [("Host", host), *headers]
    assert fast_path(False, sent)
    moment = datetime.datetime(2026, 12, 7, 18, 30, 5)
    destination = Destination("", host, "eu-west-1", Keys("AKID", "secret/key", token))
    with mock.patch.object(botocore.auth, "get_current_datetime", lambda: moment):
        expected = botocore_sign(destination, "sqs", False, method, url, sent, body)
    ours = sign_v4(
        method,
        url,
        sent,
        body,
        ("eu-west-1", "sqs"),
        ("AKID", "secret/key", token),
        now=moment.replace(tzinfo=datetime.UTC).timestamp(),
    )
    assert ours == expected


def test_botocore_signs_what_the_written_out_signer_does_not() -> None:
    from apigwc.runtime.integrations.aws_signing import fast_path

    assert not fast_path(True, [("Host", "h")])  # S3: its own payload header
    assert not fast_path(False, [("Host", "h"), ("Date", "x")])
    assert not fast_path(False, [("Host", "h"), ("x-amz-content-sha256", "UNSIGNED-PAYLOAD")])
    assert not fast_path(False, [("Host", "h"), ("A", "1"), ("a", "2")])
