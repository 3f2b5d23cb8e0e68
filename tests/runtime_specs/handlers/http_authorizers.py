"""The HTTP API Lambda authorizer of `runtime_specs/http_authorizers.yaml`.

Each invocation appends its event as one JSON line to the file named by `AUTH_LOG`. The `X-User`
header is `KIND:nonce`; the kind says what to answer: a simple response (`yes`, `no`,
`not-boolean`, `claims`: a context using the reserved key), a policy (`allow`, `deny`, `silent`), or a failure (`boom`).
"""

from __future__ import annotations

import json
import os
from typing import Any

CONTEXT = {"role": "admin", "level": 3, "beta": True, "tags": ["a", "b"], "org": {"id": 7}}


def _log(event: dict[str, Any]) -> None:
    with open(os.environ["AUTH_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps(event) + "\n")


def _policy(effect: str, resource: str) -> dict[str, Any]:
    statement = {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}
    return {"Version": "2012-10-17", "Statement": [statement]}


def authorize(event: dict[str, Any], context: Any) -> Any:
    _log(event)
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    kind = str(headers.get("x-user", "")).split(":", 1)[0]
    arn = str(event.get("routeArn") or event.get("methodArn"))
    if not kind:  # no identity (an authorizer without caching is invoked anyway)
        return {"isAuthorized": False}
    if kind == "boom":
        raise ValueError("boom")
    flat = {"role": "admin", "level": 3, "beta": True}
    answers: dict[str, Any] = {
        "yes": {"isAuthorized": True, "context": CONTEXT},
        "no": {"isAuthorized": False, "context": CONTEXT},
        "not-boolean": {"isAuthorized": "true"},
        "claims": {"isAuthorized": True, "context": {"claims": {"sub": "x"}}},
        "allow": {
            "principalId": "user-1",
            "policyDocument": _policy("Allow", arn),
            "context": flat,
        },
        "deny": {"principalId": "user-2", "policyDocument": _policy("Deny", arn)},
        "silent": {"principalId": "user-3", "policyDocument": _policy("Allow", "arn:aws:other")},
    }
    return answers.get(kind, answers["silent"])
