"""Lambda handlers for the runtime tests: each answers something a test can check."""

from __future__ import annotations

import json
import time
from typing import Any

# ?shape=NAME -> what the function returns (reference §2.2 table rows).
SHAPES: dict[str, Any] = {
    "status-only": {"statusCode": 200},
    "status-string": {"statusCode": "201", "body": "created"},
    "no-status": {"headers": {"test-header": "value"}},
    "bool-header": {"statusCode": 200, "headers": {"test-header": "value", "header-bool": True}},
    "null-headers": {"statusCode": 200, "headers": None},
    "multi": {"statusCode": 200, "multiValueHeaders": {"test-multi": ["value1", "value2"]}},
    "multi-and-single": {
        "statusCode": 200,
        "multiValueHeaders": {"tesT-Multi": ["value-multi"]},
        "headers": {"test-multi": "value-solo"},
    },
    "empty": {},
    "extra-key": {"statusCode": 200, "wrongValue": "x"},
    "bad-status": {"statusCode": "test"},
    "multi-not-list": {"statusCode": 200, "multiValueHeaders": {"a": "b"}},
    "string": "justAString",
    "remapped": {"statusCode": 200, "headers": {"Server": "lambda", "Date": "yesterday"}},
    "base64": {"statusCode": 200, "body": "aGVsbG8=", "isBase64Encoded": True},
    "content-type": {"statusCode": 200, "headers": {"Content-Type": "text/plain"}, "body": "hi"},
    "error-type": {"statusCode": 409, "headers": {"X-Amzn-ErrorType": "ConflictException"}},
}


def echo(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Answers with the whole event and a few context fields."""
    answer = {
        "event": event,
        "context": {
            "function_name": context.function_name,
            "remaining": context.get_remaining_time_in_millis(),
            "memory": context.memory_limit_in_mb,
            "arn": context.invoked_function_arn,
            "request_id": context.aws_request_id,
            "same_request_id": context.aws_request_id == context.aws_request_id,
            "log_group": context.log_group_name,
        },
    }
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(answer),
    }


def echo_v2(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """HTTP API payload 2.0: a result without statusCode is itself the JSON body."""
    return {"event": event}


def shaped(event: dict[str, Any], context: Any) -> Any:
    shape = (event.get("queryStringParameters") or {}).get("shape", "")
    if shape == "crash":
        raise RuntimeError("boom")
    if shape == "unserialisable":
        return {"statusCode": 200, "body": object()}
    return SHAPES[shape]


def slow(event: dict[str, Any], context: Any) -> dict[str, Any]:
    time.sleep(float((event.get("queryStringParameters") or {}).get("seconds", "2")))
    return {"statusCode": 200, "body": "late"}


def custom(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A Lambda custom (non-proxy) function: the event is the rendered request template."""
    if event.get("fail"):
        raise ValueError("bad input: " + event["fail"])
    return {"echo": event}


def recorder(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Appends one line per call to `$CALLS_FILE` and answers with the event's requestContext,
    so a test sees both what the handler was given and whether a refused request reached it."""
    import os

    with open(os.environ["CALLS_FILE"], "a", encoding="utf-8") as calls:
        calls.write(event.get("rawPath") or event.get("path") or "?")
        calls.write("\n")
    return {"statusCode": 200, "body": json.dumps(event["requestContext"])}
