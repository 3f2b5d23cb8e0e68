"""A TOKEN authorizer for the API key tests (`runtime_specs/api_keys.yaml`).

The token is `allow` (no `usageIdentifierKey`), `allow:KEY` (returns KEY as the
`usageIdentifierKey`, read when the API's key source is AUTHORIZER) or anything else (401).
"""

from __future__ import annotations

from typing import Any


def token(event: dict[str, Any], context: Any) -> dict[str, Any]:
    kind, _, key = event["authorizationToken"].partition(":")
    if kind != "allow":
        raise Exception("Unauthorized")
    prefix, _, _ = event["methodArn"].partition("/")
    answer: dict[str, Any] = {
        "principalId": "user-1",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": prefix + "/*"}
            ],
        },
    }
    if key:
        answer["usageIdentifierKey"] = key
    return answer
