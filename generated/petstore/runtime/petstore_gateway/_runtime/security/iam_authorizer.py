"""`AWS_IAM` authorization (reference §1.1 step 5, §1.4): the caller is whoever signed the request.

Flows in: the API's local IAM identities (`plan.IamCredential`, from
`x-apigwc.identities.iamCredentials`), its region, account and resource policy; per request,
the request's SigV4 signature (`sigv4.py`). Flows out: nothing when the signature is valid and
the caller may invoke the method (then `request.caller` holds the caller's `$context.identity`
values: accessKey, accountId, caller, user, userArn), else the `GatewayError` API Gateway
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
from ..routing.router import Match, canonical_path
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


class IamAuthorizer:
    """The `AWS_IAM` step of one route."""

    __slots__ = (
        "account",
        "api_key",
        "arn_prefix",
        "credentials",
        "policy",
        "region",
        "rest",
        "vpce",
    )

    def __init__(self, deployment: Deployment, api_key: ApiKeyCheck | None) -> None:
        api = deployment.api
        self.credentials = {c.access_key_id: c for c in api.iam_credentials.values()}
        self.region, self.account = api.region, api.account
        self.arn_prefix = f"arn:aws:execute-api:{api.region}:{api.account}:{api.api_id}"
        self.policy = api.resource_policy
        self.vpce = api.source_vpce or None
        self.rest = deployment.protocol == "REST"
        self.api_key = api_key  # the method's API key check (step 6), or None

    def check(self, request: Request, match: Match[Any], stage: str) -> None:
        try:
            credential = self.authenticate(request)
            self.authorize(credential, request, stage)
        except GatewayError:
            if self.rest:
                raise
            raise GatewayError("ACCESS_DENIED") from None
        if self.api_key is not None:
            self.api_key.verify(request, stage, None)

    def authenticate(self, request: Request) -> IamCredential:
        signed = sigv4.SignedRequest(
            request.method, request.raw_path, request.query_string, request.headers, request.body
        )
        now = time.time()
        try:
            claim = sigv4.parse(signed)
            sigv4.check_scope(claim, self.region)
            sigv4.check_time(claim, now)
            credential = self.credentials.get(claim.access_key)
            if credential is None:
                raise sigv4.SigV4Error("UNRECOGNIZED", sigv4.UNRECOGNIZED)
            _check_token(credential, claim.token, now)
            sigv4.verify(claim, credential.secret_access_key, signed)
        except sigv4.SigV4Error as error:
            response_type, error_type = _ANSWERS[error.kind]
            raise GatewayError(response_type, error.message, error_type=error_type) from None
        return credential

    def authorize(self, credential: IamCredential, request: Request, stage: str) -> None:
        """`execute-api:Invoke` on the method ARN, for this caller (reference §1.1, §1.4)."""
        arn = (
            f"{self.arn_prefix}/{stage}/{request.method}/{canonical_path(request.path).lstrip('/')}"
        )
        caller = identity_values(credential)
        values = condition_values(request, self.vpce)
        own = resource_policy.identity_verdict(credential.policy, arn, values)
        names = frozenset(
            {credential.arn, caller["accountId"], f"arn:aws:iam::{caller['accountId']}:root"}
        )
        api_side = (
            resource_policy.caller_verdict(self.policy, arn, values, names) if self.policy else None
        )
        if "Deny" in (own, api_side):
            raise _denied(credential.arn, arn, explicit=True)
        same_account = caller["accountId"] == self.account
        allowed = (
            "Allow" in (own, api_side) if same_account else own == "Allow" and api_side == "Allow"
        )
        if not allowed:
            raise _denied(credential.arn, arn, explicit=False)
        request.caller = caller


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


def _denied(user_arn: str, arn: str, *, explicit: bool) -> GatewayError:
    """403 ACCESS_DENIED in IAM's words for the caller (reference §1.4; key `Message`)."""
    suffix = " with an explicit deny" if explicit else ""
    return GatewayError(
        "ACCESS_DENIED",
        f"User: {user_arn} is not authorized to perform: execute-api:Invoke on resource: {arn}{suffix}",
    )


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
