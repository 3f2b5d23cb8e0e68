"""Bounded templates and parsers in a served gateway (runtime reference §1.5, §1.6, §3).

The generated runtime of tests/runtime_specs/vtl_limits.yaml under uvicorn: a hostile template
answers 500 `{"message": "Internal server error"}` within its budget while other routes stay
served; bodies nested too deep answer 400 on a validated route and 500 in a template; and a
request template's overrides reach the response template as AWS recorded.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.runtime_server import Gateway, Reply, serve_spec, write_spec

INTERNAL_ERROR = {"message": "Internal server error"}
DEEP = b"[" * 1000 + b"]" * 1000  # 2 KB nested 1,000 levels


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    tmp = tmp_path_factory.mktemp("vtl-limits")
    spec = write_spec(tmp, "vtl_limits.yaml", {})
    with serve_spec(spec, Path(tmp) / "out") as gateway:
        yield gateway


def test_hostile_regex_does_not_stop_other_routes(gw: Gateway) -> None:
    hostile: list[Reply] = []
    sender = threading.Thread(
        target=lambda: hostile.append(gw.fetch("GET", "/hostile?x=" + "a" * 60))
    )
    sender.start()
    try:
        # The hostile request is in flight (or done); a normal route must still answer. Before
        # the render budget this request waited behind a regex that ran for hours.
        ordinary = gw.fetch("GET", "/ok")
        assert (ordinary.status, ordinary.json()) == (200, {"ok": True})
    finally:
        sender.join(timeout=30)
    assert hostile, "the hostile request got no answer"
    assert (hostile[0].status, hostile[0].json()) == (500, INTERNAL_ERROR)
    assert hostile[0].header("x-amzn-ErrorType") == "InternalServerErrorException"


def test_nested_loops_exceed_the_step_budget(gw: Gateway) -> None:
    reply = gw.fetch("GET", "/loops")
    assert (reply.status, reply.json()) == (500, INTERNAL_ERROR)
    assert gw.fetch("GET", "/ok").status == 200


def test_deep_body_on_a_validated_route_is_an_invalid_body(gw: Gateway) -> None:
    headers = {"Content-Type": "application/json"}
    reply = gw.fetch("POST", "/validated", headers, DEEP)
    assert (reply.status, reply.json()) == (400, {"message": "Invalid request body"})
    # A recursive model over a document within the nesting bound still validates.
    nested = b'{"child": ' * 200 + b"{}" + b"}" * 200
    valid = gw.fetch("POST", "/validated", headers, nested)
    assert (valid.status, valid.json()) == (200, {"valid": True})


@pytest.mark.parametrize("how", ["path", "json", "parse"])
def test_deep_body_in_a_template_is_a_500(gw: Gateway, how: str) -> None:
    headers = {"Content-Type": "application/json"}
    reply = gw.fetch("POST", f"/deep/{how}", headers, DEEP)
    assert (reply.status, reply.json()) == (500, INTERNAL_ERROR)
    shallow = gw.fetch("POST", f"/deep/{how}", headers, b'{"a": [1]}')
    assert (shallow.status, shallow.json()) == (200, {"rendered": True})


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("path1", "path was path one"),
        ("path2", "path was path two"),
        ("other", "this is the else clause"),
    ],
)
def test_request_override_path_read_back_in_the_response(
    gw: Gateway, message: str, expected: str
) -> None:
    # [AWS-REC] test_integration_mock_with_request_overrides_in_response_template
    data = base64.b64encode(json.dumps({"message": message}).encode()).decode()
    reply = gw.fetch("GET", "/carry/" + data)
    assert (reply.status, reply.json()) == (200, {"response": expected})


def test_response_override_set_in_the_request_template_is_visible(gw: Gateway) -> None:
    # [AWS-REC] test_integration_mock_with_response_override_in_request_template[True]
    reply = gw.fetch("GET", "/response-override")
    assert reply.status == 444
    assert reply.header("foo") == "bar"
    assert reply.json() == {
        "custom": "is also passed around",
        "fooHeader": "bar",
        "statusOverride": "444",
    }


def test_map_assignations_reach_the_response_template(gw: Gateway) -> None:
    # [AWS-REC] test_integration_mock_with_vtl_map_assignation
    reply = gw.fetch("GET", "/map-assignation")
    assert (reply.status, reply.json()) == (
        200,
        {"value": "bar", "value2": "putBar", "value3": "nestedFoo"},
    )
