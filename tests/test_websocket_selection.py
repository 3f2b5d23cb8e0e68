"""WebSocket route selection expressions (reference §10.2), in process: expression, message ->
the key it selects (None: the message is not JSON, so `$default` is taken)."""

from __future__ import annotations

import pytest
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
