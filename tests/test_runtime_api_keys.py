"""End to end: API keys of REST methods (reference §1.1 step 6, §1.3).

Two generated gateways under uvicorn from `runtime_specs/api_keys.yaml`, serving stage `dev`:
one reading keys from the `X-API-Key` header (HEADER, the default), one from the
`usageIdentifierKey` its Lambda authorizer returns (AUTHORIZER). The spec's keys: `partner`
(in a plan for dev), `retired` (disabled, in that plan), `prodOnly` (in a plan for prod only),
`planless` (in no plan).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.runtime_server import (
    Gateway,
    Reply,
    fetch,
    free_port,
    serve_spec,
    wait_for_port,
    write_spec,
)

FORBIDDEN = b'{"message":"Forbidden"}'
UNAUTHORIZED = b'{"message":"Unauthorized"}'
PARTNER = "partnerKey0123456789abcdef"
REFUSED_KEYS = [
    ("unknown", "unknownKey0123456789abcdef"),
    ("disabled", "retiredKey0123456789abcdef"),
    ("in a plan for another stage only", "prodOnlyKey0123456789abcdef"),
    ("in no plan", "planlessKey0123456789abcdef"),
    ("a prefix of a valid key", PARTNER[:-1]),
    ("empty", ""),
]


def _serve(tmp: Path, source: str) -> Iterator[Gateway]:
    spec = write_spec(tmp, "api_keys.yaml", {"KEY_SOURCE": source})
    with serve_spec(spec, tmp / "out") as gateway:
        yield gateway


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    yield from _serve(tmp_path_factory.mktemp("api-keys-header"), "HEADER")


@pytest.fixture(scope="module")
def gw_authorizer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    yield from _serve(tmp_path_factory.mktemp("api-keys-authorizer"), "AUTHORIZER")


def assert_forbidden(reply: Reply) -> None:
    assert (reply.status, reply.body) == (403, FORBIDDEN)
    assert reply.header("x-amzn-ErrorType") == "ForbiddenException"
    assert reply.header("Content-Type") == "application/json"


def partner_id(gw: Gateway) -> str:
    reply = gw.fetch("GET", "/keyed", {"x-api-key": PARTNER})
    assert reply.status == 200, reply.body
    key_id = json.loads(reply.body)["apiKeyId"]
    assert isinstance(key_id, str) and key_id
    return key_id


# -- HEADER source -----------------------------------------------------------------------------
def test_no_key_is_forbidden(gw: Gateway) -> None:
    assert_forbidden(gw.fetch("GET", "/keyed"))
    assert_forbidden(gw.fetch("GET", "/keyed-proxy"))


@pytest.mark.parametrize("value", [v for _, v in REFUSED_KEYS], ids=[n for n, _ in REFUSED_KEYS])
def test_a_key_that_is_not_valid_for_the_stage_is_forbidden(gw: Gateway, value: str) -> None:
    assert_forbidden(gw.fetch("GET", "/keyed", {"x-api-key": value}))


def test_a_valid_key_reaches_a_mock_template(gw: Gateway) -> None:
    reply = gw.fetch("GET", "/keyed", {"x-api-key": PARTNER})
    assert reply.status == 200
    seen = json.loads(reply.body)
    assert seen["apiKey"] == PARTNER
    # A stable id of API Gateway's look (10 lower-case characters), not the value.
    assert len(seen["apiKeyId"]) == 10 and seen["apiKeyId"] != PARTNER


@pytest.mark.parametrize("name", ["X-API-Key", "x-api-key", "X-Api-Key", "X-API-KEY"])
def test_the_header_name_is_case_insensitive(gw: Gateway, name: str) -> None:
    reply = gw.fetch("GET", "/keyed", {name: PARTNER})
    assert reply.status == 200
    assert json.loads(reply.body)["apiKey"] == PARTNER


def test_a_valid_key_reaches_the_lambda_proxy_event(gw: Gateway) -> None:
    reply = gw.fetch("GET", "/keyed-proxy", {"x-api-key": PARTNER})
    assert reply.status == 200, reply.body
    identity = json.loads(reply.body)["event"]["requestContext"]["identity"]
    assert identity["apiKey"] == PARTNER
    assert identity["apiKeyId"] == partner_id(gw)


def test_a_method_without_a_key_requirement_ignores_a_sent_key(gw: Gateway) -> None:
    for headers in ({}, {"x-api-key": "unknownKey0123456789abcdef"}, {"x-api-key": PARTNER}):
        reply = gw.fetch("GET", "/open", headers)
        assert reply.status == 200
        # `$context.identity.apiKey` exists only on methods that require a key.
        assert json.loads(reply.body) == {"apiKey": "", "apiKeyId": ""}


def test_the_authorizer_runs_before_the_key(gw: Gateway) -> None:
    # No token: the authorizer's 401 comes first, whatever the key (§1.1 steps 5 then 6).
    reply = gw.fetch("GET", "/authorized", {"x-api-key": PARTNER})
    assert (reply.status, reply.body) == (401, UNAUTHORIZED)
    reply = gw.fetch("GET", "/authorized", {"Authorization": "deny", "x-api-key": "nope"})
    assert (reply.status, reply.body) == (401, UNAUTHORIZED)
    # Allowed, then the key is checked (HEADER: a usageIdentifierKey is not read).
    assert_forbidden(gw.fetch("GET", "/authorized", {"Authorization": "allow"}))
    assert_forbidden(gw.fetch("GET", "/authorized", {"Authorization": f"allow:{PARTNER}"}))
    reply = gw.fetch("GET", "/authorized", {"Authorization": "allow", "x-api-key": PARTNER})
    assert reply.status == 200
    assert json.loads(reply.body)["apiKey"] == PARTNER


def test_each_stage_accepts_the_keys_of_its_own_plans(tmp_path: Path) -> None:
    """Under --all-stages one gateway serves /dev and /prod: a key is valid in the stages its
    usage plans list, with the same id in each."""
    prod_only = "prodOnlyKey0123456789abcdef"
    with serve_spec(
        write_spec(tmp_path, "api_keys.yaml", {"KEY_SOURCE": "HEADER"}),
        tmp_path / "out",
        "--all-stages",
    ) as gw:
        assert gw.fetch("GET", "/dev/keyed", {"x-api-key": PARTNER}).status == 200
        assert_forbidden(gw.fetch("GET", "/prod/keyed", {"x-api-key": PARTNER}))
        reply = gw.fetch("GET", "/prod/keyed", {"x-api-key": prod_only})
        assert reply.status == 200 and json.loads(reply.body)["apiKey"] == prod_only
        assert_forbidden(gw.fetch("GET", "/dev/keyed", {"x-api-key": prod_only}))


# -- AUTHORIZER source -------------------------------------------------------------------------
def test_authorizer_source_reads_the_usage_identifier_key(gw_authorizer: Gateway) -> None:
    reply = gw_authorizer.fetch("GET", "/authorized", {"Authorization": f"allow:{PARTNER}"})
    assert reply.status == 200, reply.body
    seen = json.loads(reply.body)
    assert seen["apiKey"] == PARTNER and len(seen["apiKeyId"]) == 10


@pytest.mark.parametrize("value", [v for _, v in REFUSED_KEYS], ids=[n for n, _ in REFUSED_KEYS])
def test_authorizer_source_refuses_an_invalid_usage_identifier_key(
    gw_authorizer: Gateway, value: str
) -> None:
    assert_forbidden(gw_authorizer.fetch("GET", "/authorized", {"Authorization": f"allow:{value}"}))


def test_authorizer_source_ignores_the_header(gw_authorizer: Gateway) -> None:
    # No usageIdentifierKey returned: a valid X-API-Key header does not stand in for it.
    reply = gw_authorizer.fetch(
        "GET", "/authorized", {"Authorization": "allow", "x-api-key": PARTNER}
    )
    assert_forbidden(reply)
    # A method with no authorizer has no usageIdentifierKey to read.
    assert_forbidden(gw_authorizer.fetch("GET", "/keyed", {"x-api-key": PARTNER}))


def test_authorizer_source_still_answers_the_authorizer_first(gw_authorizer: Gateway) -> None:
    reply = gw_authorizer.fetch("GET", "/authorized", {"Authorization": f"deny:{PARTNER}"})
    assert (reply.status, reply.body) == (401, UNAUTHORIZED)


# -- logs --------------------------------------------------------------------------------------
def test_no_key_value_reaches_the_server_log(tmp_path: Path) -> None:
    """`apigwc serve` with the CLF access log (`--access-log stderr`) and the console line:
    accepted, refused and ignored keys leave no trace in either (API Gateway's CLF line names no
    key variable; the console line no header)."""
    spec = write_spec(tmp_path, "api_keys.yaml", {"KEY_SOURCE": "HEADER"})
    port = free_port()
    command = [str(Path(sys.executable).parent / "apigwc"), "serve", str(spec), "--port", str(port)]
    command += ["--access-log", "stderr"]
    log = tmp_path / "output.txt"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=tmp_path, stdout=out, stderr=out, env=dict(os.environ)
        )
        try:
            wait_for_port(port, process)
            assert fetch(port, "GET", "/keyed", {"x-api-key": PARTNER}).status == 200
            refused = "retiredKey0123456789abcdef"
            assert fetch(port, "GET", "/keyed", {"x-api-key": refused}).status == 403
            assert fetch(port, "GET", "/open", {"x-api-key": PARTNER}).status == 200
        finally:
            process.terminate()
            process.wait(timeout=15)
    text = log.read_text(encoding="utf-8")
    assert text.count("GET /keyed HTTP/1.1") == 2  # the access log did write its lines
    assert len(re.findall(r"GET /keyed \d{3} ", text)) == 2  # and the console line
    assert PARTNER not in text and "retiredKey" not in text
