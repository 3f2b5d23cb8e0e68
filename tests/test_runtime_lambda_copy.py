"""A handler's result reaches the gateway as Lambda returns it: the JSON round trip of the value.

The runtime copies plain results directly (a fast path); this table pins that the copy equals
`json.loads(json.dumps(value))` and that unserialisable results fail the same way.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from apigwc.runtime.lambda_functions import _as_returned


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
