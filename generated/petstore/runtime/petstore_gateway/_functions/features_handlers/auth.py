"""Lambda TOKEN authorizer for the pet store example (``PetsAuthorizer`` in ``specs/petstore.yaml``).

Input (REST TOKEN authorizer event)::

    {"type": "TOKEN", "authorizationToken": "Bearer allow",
     "methodArn": "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/DELETE/pets/1"}

Tokens (the part after ``Bearer``):

* ``allow``  -> Allow policy, principalId ``user|alice``, context ``role=admin``
* ``deny``   -> explicit Deny policy (the client gets 403)
* anything else -> ``Exception("Unauthorized")`` (the client gets 401)

The policy covers every method of the stage (``…/{stage}/*``) because API Gateway caches the result
for ``authorizerResultTtlInSeconds`` and reuses it for other methods using the same authorizer.
"""

from __future__ import annotations

from typing import Any

_TOKENS: dict[str, tuple[str, str, str]] = {
    # token: (principalId, effect, role)
    "allow": ("user|alice", "Allow", "admin"),
    "deny": ("user|mallory", "Deny", "guest"),
}


def _stage_wildcard(method_arn: str) -> str:
    # arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{VERB}/{path...}
    arn_prefix, _, path = method_arn.partition("/")
    stage = path.split("/", 1)[0] if path else "*"
    return f"{arn_prefix}/{stage or '*'}/*"


def authorize(event: dict[str, Any], context: Any) -> dict[str, Any]:
    header = event.get("authorizationToken") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or token.strip() not in _TOKENS:
        raise Exception("Unauthorized")  # API Gateway answers 401 for exactly this message
    principal_id, effect, role = _TOKENS[token.strip()]
    return {
        "principalId": principal_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "execute-api:Invoke",
                    "Effect": effect,
                    "Resource": _stage_wildcard(event.get("methodArn", "")),
                }
            ],
        },
        "context": {"role": role, "tokenType": "bearer"},
    }
