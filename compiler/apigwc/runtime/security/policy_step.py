"""The resource policy step (reference §1.1 step 4): the policy judged for the caller.

Flows in: the API's policy (`resourcePolicy` of the generated settings) and a route that the
plan gives this step only when the API has a policy; per request, the method ARN and the
condition values of the request. Flows out: nothing, or the 403 `GatewayError` of
`resource_policy.check`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..pipeline.context import Request
from ..pipeline.deployment import Deployment
from ..pipeline.plan import AUTHORIZER, ApiSettings, RouteEntry
from ..routing.router import Match
from . import resource_policy


class PolicyStep:
    """The policy for the anonymous caller. A method with its own authorization has a caller
    the policy's Allow is combined with later, so only an explicit Deny is decided here."""

    __slots__ = ("deny_only", "policy", "prefix", "source_vpce")

    def __init__(self, policy: Mapping[str, Any], api: ApiSettings, deny_only: bool) -> None:
        self.policy = policy
        self.deny_only = deny_only
        # Everything of the method ARN but the stage, verb and path, read once.
        self.prefix = (api.region, api.account, api.api_id)
        self.source_vpce = api.source_vpce or None

    def check(self, request: Request, match: Match[Any], stage: str) -> None:
        arn = resource_policy.method_arn(self.prefix, stage, request.method, request.path)
        denied = resource_policy.check(
            self.policy, arn, self.values(request), deny_only=self.deny_only
        )
        if denied is not None:
            raise denied

    def values(self, request: Request) -> dict[str, str]:
        return condition_values(request, self.source_vpce)


def condition_values(request: Request, source_vpce: str | None) -> dict[str, str]:
    """The condition keys a local request has values for (resource policies and the policies
    Lambda authorizers return)."""
    values = {
        "aws:sourceip": request.source_ip,
        "aws:securetransport": "true" if request.scheme == "https" else "false",
    }
    for key, header in (("aws:useragent", "user-agent"), ("aws:referer", "referer")):
        value = request.header(header)
        if value is not None:
            values[key] = value
    if source_vpce is not None:
        values["aws:sourcevpce"] = source_vpce
    return values


def compile(route: RouteEntry, deployment: Deployment) -> PolicyStep | None:
    policy = deployment.api.resource_policy
    if not policy:
        return None
    return PolicyStep(policy, deployment.api, deny_only=AUTHORIZER in route.security)
