"""Lambda authorizers used by the feature specs (see ``specs/features/authorizers-rest.yaml``,
``http-api.yaml`` and ``apigwc-deployment.yaml``).

Accepted credentials, everywhere: the token ``allow`` (optionally ``Bearer allow``) is allowed,
``deny`` is explicitly denied, anything else is unauthorized.
"""

from __future__ import annotations

from typing import Any

_USERS = {"allow": ("user|alice", "Allow"), "deny": ("user|mallory", "Deny")}


def _token(value: str | None) -> str:
    value = (value or "").strip()
    return value[7:].strip() if value.lower().startswith("bearer ") else value


def _policy(principal: str, effect: str, method_arn: str, context: dict[str, Any]) -> dict[str, Any]:
    # Cover the whole stage: cached results are reused for other methods of the API.
    arn_prefix, _, path = method_arn.partition("/")
    stage = path.split("/", 1)[0] if path else "*"
    return {
        "principalId": principal,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": f"{arn_prefix}/{stage or '*'}/*"}],
        },
        "context": context,
    }


def token(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """REST TOKEN authorizer: ``{"type": "TOKEN", "authorizationToken", "methodArn"}``."""
    user = _USERS.get(_token(event.get("authorizationToken")))
    if user is None:
        raise Exception("Unauthorized")
    return _policy(user[0], user[1], event.get("methodArn", ""), {"authorizer": "token"})


def request(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """REST REQUEST authorizer (payload 1.0) and WebSocket ``$connect`` authorizer.

    The token comes from the ``X-Tenant-Token`` header or the ``token`` query parameter; the tenant from
    the ``X-Tenant`` header. The returned context carries the tenant to the backend.
    """
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    query = event.get("queryStringParameters") or {}
    user = _USERS.get(_token(headers.get("x-tenant-token") or query.get("token")))
    if user is None:
        raise Exception("Unauthorized")
    tenant = headers.get("x-tenant", "default")
    return _policy(user[0], user[1], event.get("methodArn", ""), {"authorizer": "request", "tenant": tenant})


def http_simple(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """HTTP API REQUEST authorizer, payload 2.0 with ``enableSimpleResponses: true``."""
    header = (event.get("headers") or {}).get("authorization")
    if header is None:
        header = (event.get("identitySource") or [None])[0]
    user = _USERS.get(_token(header))
    return {
        "isAuthorized": bool(user and user[1] == "Allow"),
        "context": {"principal": user[0] if user else "anonymous", "authorizer": "http_simple"},
    }
