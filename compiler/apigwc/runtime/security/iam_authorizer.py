"""`AWS_IAM` authorization (reference §1.1 step 5, §1.4): the caller is whoever signed the request.

Flows in: the API's local IAM identities (`plan.IamCredential`, from
`x-apigwc.identities.iamCredentials`), its region, account and resource policy; per request,
the request's SigV4 signature (`sigv4.py`). Flows out: nothing when the signature is valid and
the caller may invoke the method (then `request.caller` holds the caller's `$context.identity`
values: accessKey, accountId, caller, user, userArn; set from the verified signature on, so a
denial's gateway response and access log have them too), else the `GatewayError` API Gateway
answers (the SigV4 answers are listed in `sigv4.py`; a caller not allowed to invoke: 403
ACCESS_DENIED `User: {userArn} is not authorized to perform: execute-api:Invoke on resource:
{methodArn}`, with ` with an explicit deny` when a Deny matched).

Who may invoke (reference §1.1, the policy table): the identity's own policy and the API's
resource policy are judged with the same IAM rules (`resource_policy.py`); a Deny on either side
wins; a caller of the API's account needs an Allow on either side, a caller of another account
an Allow on both. HTTP APIs have no gateway responses: every refusal there is 403
`{"message":"Forbidden"}` (reference §1.10, §4.3; the reference gives no other HTTP API text).

The `caller` and `user` of an IAM identity are its unique id (`AIDA…` for a user, `AROA…:session`
for an assumed role), made up locally from the ARN, stable across runs. Secrets (the secret key,
the session token, the signature) never reach a log or an answer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

from ..pipeline.context import Request
from ..pipeline.deployment import Deployment
from ..pipeline.plan import IamCredential, RouteEntry
from ..responses.gateway_responses import GatewayError
from ..routing.router import Match
from . import resource_policy, sigv4
from .api_key import ApiKeyCheck
from .policy_step import condition_values

# SigV4 refusal families -> (gateway response type, x-amzn-ErrorType when not the type's own).
_ANSWERS: dict[str, tuple[str, str | None]] = {
    "MISSING": ("MISSING_AUTHENTICATION_TOKEN", None),
    "INCOMPLETE": ("MISSING_AUTHENTICATION_TOKEN", "IncompleteSignatureException"),
    "SIGNATURE": ("INVALID_SIGNATURE", None),
    "UNRECOGNIZED": ("INVALID_SIGNATURE", "UnrecognizedClientException"),
    "EXPIRED": ("EXPIRED_TOKEN", None),
}


# Decisions remembered per (access key, method ARN) when no policy has a Condition (then the
# request's values cannot change them); bounded, cleared when full.
_MAX_DECISIONS = 10000


class Caller:
    """A local identity as the step uses it: its credential, its `$context.identity` values and
    the names a resource policy's Principal may give it, computed once."""

    __slots__ = ("credential", "names", "values")

    def __init__(self, credential: IamCredential) -> None:
        self.credential = credential
        self.values = identity_values(credential)
        account = self.values["accountId"]
        self.names = frozenset({credential.arn, account, f"arn:aws:iam::{account}:root"})


class IamAuthorizer:
    """The `AWS_IAM` step of one route."""

    __slots__ = (
        "account",
        "api_key",
        "arn_api",
        "callers",
        "decisions",
        "policy",
        "region",
        "rest",
        "vpce",
    )

    def __init__(self, deployment: Deployment, api_key: ApiKeyCheck | None) -> None:
        api = deployment.api
        self.callers = {c.access_key_id: Caller(c) for c in api.iam_credentials.values()}
        self.region, self.account = api.region, api.account
        self.arn_api = (api.region, api.account, api.api_id)
        self.policy = api.resource_policy
        self.vpce = api.source_vpce or None
        self.rest = deployment.protocol == "REST"
        self.api_key = api_key  # the method's API key check (step 6), or None
        policies = [self.policy, *(c.policy for c in api.iam_credentials.values())]
        # None: some statement has a Condition, so every request is judged afresh.
        self.decisions: dict[tuple[str, str], str | None] | None = (
            None if any(_has_condition(p) for p in policies) else {}
        )

    def check(self, request: Request, match: Match[Any], stage: str) -> None:
        arn = resource_policy.authorizer_method_arn(
            self.arn_api, stage, request.method, request.path, self.rest
        )
        try:
            caller = self.authenticate(request)
            self.authorize(caller, request, arn)
        except GatewayError:
            if self.rest:
                raise
            raise GatewayError("ACCESS_DENIED") from None
        if self.api_key is not None:
            self.api_key.verify(request, stage, None)

    def authenticate(self, request: Request) -> Caller:
        signed = sigv4.SignedRequest(
            request.method,
            request.raw_path,
            request.query_string,
            request.headers,
            request.body,
            request.header_view(),  # the request's own map of its headers, made once
        )
        now = time.time()
        try:
            claim = sigv4.parse(signed)
            sigv4.check_scope(claim, self.region)
            sigv4.check_time(claim, now)
            caller = self.callers.get(claim.access_key)
            if caller is None:
                raise sigv4.SigV4Error("UNRECOGNIZED", sigv4.UNRECOGNIZED)
            _check_token(caller.credential, claim.token, now)
            sigv4.verify(claim, caller.credential.secret_access_key, signed)
        except sigv4.SigV4Error as error:
            response_type, error_type = _ANSWERS[error.kind]
            raise GatewayError(response_type, error.message, error_type=error_type) from None
        return caller

    def authorize(self, caller: Caller, request: Request, arn: str) -> None:
        """`execute-api:Invoke` on the method ARN, for this caller (reference §1.1, §1.4).
        The caller is known once the signature is verified: `$context.identity` has it even in
        an ACCESS_DENIED gateway response and the access log of a denied request."""
        request.caller = caller.values
        decisions = self.decisions
        key = (caller.credential.access_key_id, arn)
        if decisions is not None and key in decisions:
            refusal = decisions[key]
        else:
            refusal = self.decide(caller, arn, condition_values(request, self.vpce))
            if decisions is not None:
                if len(decisions) >= _MAX_DECISIONS:
                    decisions.clear()
                decisions[key] = refusal
        if refusal is not None:  # a fresh error each time: a raised one carries its traceback
            raise GatewayError("ACCESS_DENIED", refusal)

    def decide(self, caller: Caller, arn: str, values: dict[str, str]) -> str | None:
        """The policy table of reference §1.1: a Deny on either side wins; a caller of the
        API's account needs an Allow on either side, another account's on both. None, or the
        ACCESS_DENIED message."""
        credential = caller.credential
        own = resource_policy.identity_verdict(credential.policy, arn, values)
        api_side = (
            resource_policy.caller_verdict(self.policy, arn, values, caller.names)
            if self.policy
            else None
        )
        if "Deny" in (own, api_side):
            return _denied(credential.arn, arn, explicit=True)
        if caller.values["accountId"] == self.account:
            allowed = "Allow" in (own, api_side)
        else:
            allowed = own == "Allow" and api_side == "Allow"
        return None if allowed else _denied(credential.arn, arn, explicit=False)


def _has_condition(policy: Any) -> bool:
    return any("Condition" in s for s in resource_policy.statements(policy))


def _check_token(credential: IamCredential, token: str | None, now: float) -> None:
    """Temporary credentials must present their session token, unexpired; long-term ones none."""
    expected = credential.session_token
    if (token is None) != (expected is None) or (
        token is not None
        and expected is not None
        and not hmac.compare_digest(token.encode("utf-8", "replace"), expected.encode())
    ):
        raise sigv4.SigV4Error("UNRECOGNIZED", sigv4.UNRECOGNIZED)
    if credential.expiration is not None and now >= credential.expiration:
        raise sigv4.SigV4Error("EXPIRED")


def _denied(user_arn: str, arn: str, *, explicit: bool) -> str:
    """The 403 ACCESS_DENIED message in IAM's words for the caller (reference §1.4; the
    gateway response writes it under `Message`)."""
    suffix = " with an explicit deny" if explicit else ""
    return f"User: {user_arn} is not authorized to perform: execute-api:Invoke on resource: {arn}{suffix}"


def identity_values(credential: IamCredential) -> dict[str, str]:
    """The caller's `$context.identity` values (reference §3.4): accessKey, accountId, caller,
    user, userArn."""
    arn = credential.arn
    parts = arn.split(":", 5)
    account = parts[4] if len(parts) == 6 else ""
    resource = parts[5] if len(parts) == 6 else ""
    role = resource.startswith("assumed-role/")
    unique = ("AROA" if role else "AIDA") + _unique_suffix(arn)
    caller = f"{unique}:{resource.rsplit('/', 1)[-1]}" if role else unique
    return {
        "accessKey": credential.access_key_id,
        "accountId": account,
        "caller": caller,
        "user": caller,
        "userArn": arn,
    }


def _unique_suffix(arn: str) -> str:
    """17 characters like AWS's unique ids (upper-case letters and digits), from the ARN."""
    digest = base64.b32encode(hashlib.sha256(arn.encode()).digest()).decode()
    return digest[:17]


def compile(
    route: RouteEntry, deployment: Deployment, api_key: ApiKeyCheck | None
) -> IamAuthorizer:
    return IamAuthorizer(deployment, api_key)
