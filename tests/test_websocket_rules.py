"""WebSocket rules in process (reference §10): route selection expressions (expression,
message -> the key it selects; None: the message is not JSON, so `$default` is taken), how a
Lambda proxy result is read, ids and error frames."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from apigwc.runtime.websocket.endpoint import _error_frame
from apigwc.runtime.websocket.events import event_id
from apigwc.runtime.websocket.integration import IntegrationFailed, Outcome, _proxy_outcome
from apigwc.runtime.websocket.selection import compile_expression

ROWS = [
    ("$request.body.action", '{"action":"join"}', "join"),
    ("${request.body.action}", '{"action":"join"}', "join"),
    # several variables, literal text around them; a missing path is the empty string
    ("${request.body.action}-${request.body.invalidPath}", '{"action":"join"}', "join-"),
    ("${request.body.action}-${request.body.room}", '{"action":"a","room":"b"}', "a-b"),
    ("prefix/${request.body.action}", '{"action":"x"}', "prefix/x"),
    # `\\$` is a literal dollar
    ("\\$default", '{"action":"x"}', "$default"),
    ("\\${request.body.action}", '{"action":"x"}', "${request.body.action}"),
    # JSONPath: nested names, indexes, brackets; results stringified
    ("$request.body.message.type", '{"message":{"type":"chat"}}', "chat"),
    ("$request.body.items[1]", '{"items":["a","b"]}', "b"),
    ("$request.body['the key']", '{"the key":"v"}', "v"),
    ("$request.body.count", '{"count":3}', "3"),
    ("$request.body.flag", '{"flag":true}', "true"),
    ("$request.body.obj", '{"obj":{"a":1}}', '{"a":1}'),
    ("$request.body.action", '{"action":null}', ""),
    ("$request.body.action", '{"other":1}', ""),
    ("$request.body.action", '["join"]', ""),
    # variables a message has no value for
    ("$request.header.x", '{"action":"a"}', ""),
    ("$context.routeKey", '{"action":"a"}', ""),
    # not JSON
    ("$request.body.action", "hello", None),
    ("$request.body.action", "", None),
    ("$request.body.action", '{"action":', None),
    ("constant", "not json", None),
    ("$request.body.action", "[" * 300 + "]" * 300, None),  # nested too deep for the parser
]


@pytest.mark.parametrize(("expression", "message", "selected"), ROWS)
def test_selection(expression: str, message: str, selected: str | None) -> None:
    assert compile_expression(expression).evaluate(message) == selected


@pytest.mark.parametrize(
    ("result", "outcome"),
    [
        (None, Outcome(200)),  # a handler that returns nothing connects
        ({"statusCode": 200}, Outcome(200)),
        ({"statusCode": 401, "body": "no"}, Outcome(401, "no")),
        ({"statusCode": "204"}, Outcome(204)),
        ({"body": {"a": 1}}, Outcome(200, '{"a": 1}')),
        ("text", Outcome(200, "text")),
        ([1, 2], Outcome(200, "[1, 2]")),
        (
            {"statusCode": 200, "headers": {"Sec-WebSocket-Protocol": "chat", "X-N": 1}},
            Outcome(200, None, [("Sec-WebSocket-Protocol", "chat"), ("X-N", "1")]),
        ),
        ({"statusCode": 200, "headers": {"X-Bad": {"nested": 1}}}, Outcome(200)),
    ],
)
def test_a_lambda_proxy_result_as_read(result: Any, outcome: Outcome) -> None:
    assert _proxy_outcome(result) == outcome


@pytest.mark.parametrize("status", ["OK", 200.5, None, True])
def test_a_status_that_is_not_a_number_is_an_integration_failure(status: Any) -> None:
    with pytest.raises(IntegrationFailed):
        _proxy_outcome({"statusCode": status})


def test_ids_have_api_gateways_shape_and_are_path_safe() -> None:
    ids = {event_id() for _ in range(2000)}
    assert len(ids) == 2000
    assert all(re.fullmatch(r"[A-Za-z0-9]{15}=", i) for i in ids)


def test_error_frames_keep_the_recorded_spacing() -> None:
    frame = _error_frame("Forbidden", "R1kmxc2VNjMCFIA=", "R1koeHsUtjMFbRw=")
    assert frame == (
        '{"message": "Forbidden", "connectionId":"R1kmxc2VNjMCFIA=", "requestId":"R1koeHsUtjMFbRw="}'
    )
    assert json.loads(frame)["connectionId"] == "R1kmxc2VNjMCFIA="
