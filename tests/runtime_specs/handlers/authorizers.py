"""Lambda authorizers for the authorizer tests (`runtime_specs/authorizers.yaml`).

Each invocation appends its event as one JSON line to the file named by `AUTH_LOG`, so a test
can count how often the function ran (cache hits, refusals made without invoking). The token
(TOKEN) or the `X-User` header (REQUEST) is `KIND` or `KIND:nonce`; the kind says what to return.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any


def _log(event: dict[str, Any]) -> None:
    with open(os.environ["AUTH_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps(event) + "\n")


def _policy(effect: str, resource: Any) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
    }


def _stage_wide(method_arn: str) -> str:
    """`arn:…:{api}/{stage}/*`: every method of the stage."""
    prefix, _, rest = method_arn.partition("/")
    return f"{prefix}/{rest.split('/', 1)[0]}/*"


CONTEXT = {"role": "admin", "level": 3, "beta": True, "ratio": 1.5}


def _answer(kind: str, method_arn: str) -> Any:
    allow_all = _policy("Allow", _stage_wide(method_arn))
    answers: dict[str, Any] = {
        "allow": {"principalId": "user-1", "policyDocument": allow_all, "context": CONTEXT},
        "allow-no-context": {"principalId": "user-2", "policyDocument": allow_all},
        "null-context": {
            "principalId": "user-10",
            "policyDocument": allow_all,
            "context": {"gone": None, "n": 0, "f": False},
        },
        "scoped": {"principalId": "user-3", "policyDocument": _policy("Allow", method_arn)},
        "wildcard": {
            "principalId": "user-4",
            "policyDocument": _policy("Allow", method_arn[:-1] + "?"),
        },
        "deny": {
            "principalId": "user-5",
            "policyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"},
                    {"Action": "execute-api:*", "Effect": "Deny", "Resource": [method_arn]},
                ],
            },
        },
        "silent": {"principalId": "user-6", "policyDocument": _policy("Allow", "arn:aws:other")},
        "other-action": {
            "principalId": "user-7",
            "policyDocument": {
                "Statement": [{"Action": "s3:GetObject", "Effect": "Allow", "Resource": "*"}]
            },
        },
        "malformed": "just a string",
        "no-principal": {"policyDocument": allow_all},
        "no-policy": {"principalId": "user-8"},
        "empty-statement": {"principalId": "user-9", "policyDocument": {"Statement": []}},
        "bad-effect": {"principalId": "u", "policyDocument": _policy("Maybe", "*")},
        "object-context": {
            "principalId": "u",
            "policyDocument": allow_all,
            "context": {"nested": {"a": 1}},
        },
        "array-context": {"principalId": "u", "policyDocument": allow_all, "context": {"l": [1]}},
        "long-resource": {
            "principalId": "u",
            "policyDocument": _policy("Allow", [_stage_wide(method_arn), method_arn + "x" * 512]),
        },
    }
    if kind == "unauthorized":
        raise Exception("Unauthorized")
    if kind == "boom":
        raise ValueError("boom")
    if kind == "slow":
        time.sleep(3)
    return answers.get(kind, answers["silent"])


def token(event: dict[str, Any], context: Any) -> Any:
    _log(event)
    value = str(event.get("authorizationToken") or "")
    kind = value.removeprefix("Bearer ").split(":", 1)[0]
    return _answer(kind, str(event["methodArn"]))


def request(event: dict[str, Any], context: Any) -> Any:
    _log(event)
    user = (event.get("headers") or {}).get("X-User") or "allow"
    kind = user.split(":", 1)[0]
    answer = _answer(kind, str(event["methodArn"]))
    if isinstance(answer, dict) and kind == "allow":
        query = event.get("queryStringParameters") or {}
        answer = dict(answer, context={"tenant": query.get("tenant", ""), "user": user})
    return answer
