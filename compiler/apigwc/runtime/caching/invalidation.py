"""A client's `Cache-Control: max-age=0` (reference §1.9): may this caller invalidate the entry?

Flows in: the API's local IAM identities and resource policy (at start-up); per request, its
`Cache-Control` header, the IAM caller the route's `AWS_IAM` authorization verified
(`request.caller`), the stage and the method ARN. Flows out: whether the request asks to
invalidate, and None (allowed) or the refusal message, in IAM's words.

API Gateway fetches a fresh answer and replaces the entry when the caller is allowed
`execute-api:InvalidateCache` on `arn:aws:execute-api:{region}:{account}:{api}/{stage}/{VERB}/
{path}`; with `requireAuthorizationForCacheControl: false` any client may. The permission is
IAM's, judged like `execute-api:Invoke` (the caller's policy and the API's resource policy,
`security/resource_policy.py`): a Deny wins, a caller of the API's account needs an Allow on
either side. A request without a verified IAM caller (a method whose authorization is not
`AWS_IAM`) has no identity to grant it, so it is refused: the safe answer.
"""

from __future__ import annotations

from ..pipeline.context import Request
from ..pipeline.plan import ApiSettings, IamCredential
from ..security import resource_policy
from ..security.policy_step import condition_values

INVALIDATE = "execute-api:invalidatecache"


def asks_invalidation(cache_control: str | None) -> bool:
    """`Cache-Control: max-age=0` among the header's directives (case and spaces aside)."""
    if not cache_control or "max-age" not in cache_control.lower():
        return False
    directives = (d.strip().lower().replace(" ", "") for d in cache_control.split(","))
    return "max-age=0" in directives


class InvalidationPolicy:
    """Who may invalidate entries of this API."""

    __slots__ = ("account", "arn_api", "credentials", "policy", "vpce")

    def __init__(self, api: ApiSettings) -> None:
        self.credentials = {c.access_key_id: c for c in api.iam_credentials.values()}
        self.policy = api.resource_policy
        self.account = api.account
        self.vpce = api.source_vpce or None
        self.arn_api = (api.region, api.account, api.api_id)

    def refusal(self, request: Request, stage: str) -> str | None:
        """None when the caller may invalidate the request's entry, else why not."""
        arn = resource_policy.method_arn(self.arn_api, stage, request.method, request.path)
        caller = request.caller
        credential = self.credentials.get(caller["accessKey"]) if caller else None
        if credential is None:
            return _denied("anonymous", arn, explicit=False)
        values = condition_values(request, self.vpce)
        own = resource_policy.identity_verdict(credential.policy, arn, values, INVALIDATE)
        api_side = (
            resource_policy.caller_verdict(self.policy, arn, values, _names(credential), INVALIDATE)
            if self.policy
            else None
        )
        if "Deny" in (own, api_side):
            return _denied(credential.arn, arn, explicit=True)
        same_account = credential.arn.split(":")[4:5] == [self.account]
        allowed = "Allow" in (own, api_side) if same_account else own == api_side == "Allow"
        return None if allowed else _denied(credential.arn, arn, explicit=False)


def _names(credential: IamCredential) -> frozenset[str]:
    """The names a resource policy's Principal may give the caller (as `iam_authorizer.py`)."""
    account = credential.arn.split(":")[4] if credential.arn.count(":") >= 5 else ""
    return frozenset({credential.arn, account, f"arn:aws:iam::{account}:root"})


def _denied(user: str, arn: str, *, explicit: bool) -> str:
    """The 403 ACCESS_DENIED message, in the words API Gateway uses for `execute-api:Invoke`."""
    suffix = " with an explicit deny" if explicit else ""
    return (
        f"User: {user} is not authorized to perform: execute-api:InvalidateCache "
        f"on resource: {arn}{suffix}"
    )
