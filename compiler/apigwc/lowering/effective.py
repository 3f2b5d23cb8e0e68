"""What the lowered IR means for one method, stated once for validation and the emitters.

Sits after lowering: flows in the IR `Api` (and one `Method` or `Integration`), flows out plain
values. Validation (rules about what API Gateway enforces) and the runtime-data emitter (what the
built gateway enforces) both ask these questions; each has one answer here.

- `effective_security(api, method)`: the security requirements API Gateway applies to a method.
  An operation's own `security` wins (an empty list turns protection off); otherwise an HTTP API
  applies the root-level `security`, and a REST API applies none (its importer ignores the root
  requirement, AGW474).
- `is_protected(api, method)`: the method needs some authorization (IAM or a scheme).
- `request_validator(api, method)`: the request validator API Gateway applies to a method: its
  own `x-amazon-apigateway-request-validator`, else the API's (runtime reference §1.5); none on
  an HTTP API, which has no request validation (spec reference §2.10).
- `local_pseudo_parameters(api)`: `AWS::Region` and friends as the local account sees them.
- `integration_uri(api, integration)`: the URI the built gateway calls, with pseudo-parameter
  intrinsics resolved; None when only CloudFormation can resolve it (a `Fn::GetAtt`, or a
  `Fn::Sub` of another resource's attribute).
"""

from __future__ import annotations

from apigwc.ir.api import Api, RequestValidator
from apigwc.ir.base import UnresolvedIntrinsic, resolve_pseudo
from apigwc.ir.enums import Protocol
from apigwc.ir.integration import Integration
from apigwc.ir.method import Method, SecurityRequirement


def effective_security(api: Api, method: Method) -> tuple[SecurityRequirement, ...]:
    if method.security is not None:
        return method.security
    if api.protocol is Protocol.HTTP:
        return api.security or ()
    return ()


def uses_iam_auth(method: Method) -> bool:
    """`x-amazon-apigateway-auth: {type: AWS_IAM}` on the operation."""
    return (method.auth_type or "").upper() == "AWS_IAM"


def is_protected(api: Api, method: Method) -> bool:
    return uses_iam_auth(method) or any(r.schemes for r in effective_security(api, method))


def request_validator(api: Api, method: Method) -> RequestValidator | None:
    if api.protocol is not Protocol.REST:
        return None
    name = method.request_validator or api.default_request_validator
    return api.request_validator(name) if name else None


def local_pseudo_parameters(api: Api) -> dict[str, str]:
    """The pseudo parameters as the local account sees them."""
    return {
        "AWS::Partition": "aws",
        "AWS::URLSuffix": "amazonaws.com",
        "AWS::Region": str(api.deployment.region),
        "AWS::AccountId": str(api.deployment.account),
    }


def integration_uri(api: Api, integration: Integration) -> str | None:
    uri = integration.uri
    if uri is None or isinstance(uri, str):
        return uri
    try:
        resolved = resolve_pseudo(uri.to_json(), local_pseudo_parameters(api))
    except UnresolvedIntrinsic:
        return None
    return resolved if isinstance(resolved, str) else None
