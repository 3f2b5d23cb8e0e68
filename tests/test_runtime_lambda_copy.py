"""A handler's result reaches the gateway as Lambda returns it: the JSON round trip of the value.

The runtime copies plain results directly (a fast path); this table pins that the copy equals
`json.loads(json.dumps(value))`, that unserialisable results fail the same way, and that a
result serialising past Lambda's 6291556-byte limit fails as Lambda's
`Function.ResponseSizeTooLarge`, whichever path it takes.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from apigwc.runtime.integrations.lambda_functions import (
    MAX_RESPONSE_BYTES,
    FunctionError,
    _as_returned,
)


def _nested(levels: int) -> Any:
    value: Any = "deep"
    for _ in range(levels):
        value = [value]
    return value


CIRCULAR: list[Any] = []
CIRCULAR.append(CIRCULAR)

SAME = [
    pytest.param({"statusCode": 200, "body": "{}", "headers": {"a": "b"}}, id="proxy-response"),
    pytest.param({"k": [1, 2.5, True, None, "s", {"n": []}]}, id="nested-plain"),
    pytest.param((1, 2), id="tuple-becomes-list"),
    pytest.param({1: "a", "b": (3,)}, id="int-key-becomes-string"),
    pytest.param("text", id="bare-string"),
    pytest.param(None, id="none"),
    pytest.param(_nested(40), id="deeper-than-the-fast-path"),
]


@pytest.mark.parametrize("value", SAME)
def test_copy_equals_the_json_round_trip(value: Any) -> None:
    assert _as_returned(value) == json.loads(json.dumps(value))


def test_nan_survives_as_json_would() -> None:
    assert math.isnan(_as_returned({"x": float("nan")})["x"])


@pytest.mark.parametrize(
    "value", [pytest.param(CIRCULAR, id="circular"), pytest.param({"s": {1, 2}}, id="a-set")]
)
def test_unserialisable_results_fail_as_json_does(value: Any) -> None:
    with pytest.raises((ValueError, TypeError)):
        json.dumps(value)
    with pytest.raises((ValueError, TypeError)):
        _as_returned(value)


TOO_LARGE = "Response payload size exceeded maximum allowed payload size (6291556 bytes)."


@pytest.mark.parametrize(
    ("value", "fits"),
    [
        pytest.param("x" * (MAX_RESPONSE_BYTES - 2), True, id="string-at-the-limit"),
        pytest.param("x" * (MAX_RESPONSE_BYTES - 1), False, id="string-one-byte-over"),
        pytest.param({"body": "x" * MAX_RESPONSE_BYTES}, False, id="proxy-body-over"),
        # No long string: the size is in the structure (each float prints 18 characters).
        pytest.param([1.2345678901234567] * 400_000, False, id="many-floats-over"),
        pytest.param([[1.2345678901234567]] * 100_000, True, id="many-floats-under"),
        pytest.param(((1.2345678901234567,),) * 400_000, False, id="tuples-over"),
    ],
)
def test_a_result_past_lambdas_response_limit_is_a_function_error(value: Any, fits: bool) -> None:
    assert MAX_RESPONSE_BYTES == 6291556
    assert (len(json.dumps(value)) <= MAX_RESPONSE_BYTES) is fits
    if fits:
        assert _as_returned(value) == json.loads(json.dumps(value))
        return
    with pytest.raises(FunctionError) as raised:
        _as_returned(value)
    assert (raised.value.error_type, raised.value.error_message) == (
        "Function.ResponseSizeTooLarge",
        TOO_LARGE,
    )
