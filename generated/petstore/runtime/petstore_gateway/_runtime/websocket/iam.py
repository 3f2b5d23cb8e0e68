"""`AWS_IAM` on a WebSocket API (reference §10.1, §10.5): SigV4 on the `$connect` upgrade and on
`@connections` calls.

Flows in: the API's local IAM identities (`x-apigwc.identities.iamCredentials`, through the
gateway's `Deployment`), the WebSocket API's id; per handshake or `@connections` request, the
request as the pipeline reads it (`pipeline.context.Request`). Flows out: the caller's
`$context.identity` values (accessKey, accountId, caller, user, userArn), or the `GatewayError`
the handshake is refused with (403: a missing, malformed or wrong signature, or a caller whose
policy does not allow the action; the REST step's answers, security/iam_authorizer.py).

The REST step does the work (signature, session token, expiry, the identity policy's verdict by
the same IAM rules); what differs here is the resource and the action:
- `$connect`: `execute-api:Invoke` on `arn:aws:execute-api:{region}:{account}:{api}/{stage}/
  $connect` (no verb, as the Lambda authorizer's method ARN). WebSocket APIs have no resource
  policy (API Gateway offers them for REST APIs only), so only the identity's policy decides.
- `@connections`: `execute-api:ManageConnections` on `arn:aws:execute-api:{region}:{account}:
  {api}/{stage}/{VERB}/@connections/{connectionId}` (developer guide, "Control access to the
  @connections API"). The policy is judged for that action by keeping the statements whose
  `Action` (or `NotAction`) covers it, then asking the shared verdict code.
"""

from __future__ import annotations

import re
from typing import Any

from ..pipeline.context import Request
from ..pipeline.deployment import Deployment
from ..responses.gateway_responses import GatewayError
from ..security import resource_policy
from ..security.iam_authorizer import Caller, IamAuthorizer
from ..security.policy_step import condition_values

MANAGE_CONNECTIONS = "execute-api:manageconnections"
_INVOKE = "execute-api:Invoke"


class WebSocketIam:
    """SigV4 for one WebSocket API: the REST step with the WebSocket API's ARNs."""

    def __init__(self, deployment: Deployment, api_id: str) -> None:
        api = deployment.api
        self.step = IamAuthorizer(deployment, None)
        self.step.policy = None  # no resource policy on WebSocket APIs
        self.arn_prefix = f"arn:aws:execute-api:{api.region}:{api.account}:{api_id}"
        # `@connections` is signed when the API names local IAM identities: then only a caller
        # whose policy allows ManageConnections may use it (unsigned: 403).
        self.required = bool(api.iam_credentials)

    def connect(self, request: Request, stage: str) -> dict[str, str]:
        """The caller of a signed upgrade, allowed to invoke `$connect`; raises to refuse."""
        arn = f"{self.arn_prefix}/{stage}/$connect"
        caller = self.step.authenticate(request)
        self.step.authorize(caller, request, arn)
        return caller.values

    def manage(self, request: Request, stage: str, connection_id: str) -> None:
        """A signed `@connections` call by a caller allowed to manage connections; raises
        GatewayError (answered 403 ForbiddenException) otherwise."""
        caller = self.step.authenticate(request)
        arn = f"{self.arn_prefix}/{stage}/{request.method}/@connections/{connection_id}"
        policy = for_action(caller.credential.policy, MANAGE_CONNECTIONS)
        values = condition_values(request, None)
        if resource_policy.identity_verdict(policy, arn, values) != "Allow":
            raise GatewayError("ACCESS_DENIED", _denied(caller, arn))


def for_action(policy: Any, action: str) -> dict[str, Any]:
    """The statements of `policy` that cover `action`, each rewritten to name
    `execute-api:Invoke` (the action the shared verdict code judges)."""
    kept: list[dict[str, Any]] = []
    for statement in resource_policy.statements(policy):
        rest = {k: v for k, v in statement.items() if k not in ("Action", "NotAction")}
        if "NotAction" in statement:
            if not _covers(statement["NotAction"], action):
                kept.append({**rest, "Action": _INVOKE})
        elif _covers(statement.get("Action"), action):
            kept.append({**rest, "Action": _INVOKE})
    return {"Version": "2012-10-17", "Statement": kept}


def _covers(patterns: Any, action: str) -> bool:
    listed = [patterns] if isinstance(patterns, str) else patterns
    if not isinstance(listed, list):
        return False
    return any(isinstance(p, str) and _wildcard(p.lower()).fullmatch(action) for p in listed)


def _wildcard(pattern: str) -> re.Pattern[str]:
    """IAM's action wildcards: `*` any run of characters, `?` one."""
    return re.compile(".*".join(".".join(map(re.escape, p.split("?"))) for p in pattern.split("*")))


def _denied(caller: Caller, arn: str) -> str:
    return (
        f"User: {caller.credential.arn} is not authorized to perform: "
        f"execute-api:ManageConnections on resource: {arn}"
    )
