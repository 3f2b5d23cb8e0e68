"""Custom domains, endpoint type, TLS security policy and resource policy (reference §1.11 to §1.13, §5).

Flows in: the IR `Api`: `x-apigwc.domains` and `x-apigwc.endpointType`, and the REST root's
`x-amazon-apigateway-policy`, `-security-policy`, `-endpoint-access-mode` and endpoint
configuration. Flows out: AGW492 to AGW497 (the rest of the deployment codes are in
`deployment`), and AGW478 for policy statements the local gateway cannot evaluate. Certificate
ARNs that are intrinsics or hold `${...}` are not checked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from apigwc.diagnostics.catalogue import Code
from apigwc.diagnostics.model import Origin, Severity
from apigwc.ir.api import Api
from apigwc.ir.base import PSEUDO_PARAMETERS, Json, UnresolvedIntrinsic, resolve_pseudo
from apigwc.ir.deployment import DEFAULT_REGION, Domain
from apigwc.ir.enums import EndpointType, Protocol
from apigwc.validation.base import Report
from apigwc.validation.deployment import deploy_time, example, x_apigwc_at
from apigwc.validation.examples import document

E, W = Severity.ERROR, Severity.WARNING
_CERT = "arn:aws:acm:{region}:123456789012:certificate/1a2b3c4d"
_POLICY = (
    "x-amazon-apigateway-policy:\n  Version: '2012-10-17'\n  Statement:\n"
    "    - {Effect: Allow, Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/*'}\n"
)


CODES = (
    Code(
        "AGW492",
        "domain-certificate",
        E,
        "custom domain {domain!r}: {problem}",
        "an EDGE domain needs an ACM certificate in us-east-1; a REGIONAL one a certificate in the API's region ({region})",
        "CloudFront serves edge-optimized domains, so their certificate lives in us-east-1; regional "
        "domains use a certificate in the API's own region.",
        bad=example(
            "region: eu-west-1\ndomains:\n  - {name: api.example.com, endpointType: EDGE, certificateArn: '"
            + _CERT.format(region="eu-west-1")
            + "'}"
        ),
        good=example(
            "region: eu-west-1\ndomains:\n  - {name: api.example.com, endpointType: EDGE, certificateArn: '"
            + _CERT.format(region="us-east-1")
            + "'}"
        ),
    ),
    Code(
        "AGW493",
        "domain-endpoint-type",
        E,
        "custom domain {domain!r} is {endpoint}; HTTP APIs are served by REGIONAL domains only",
        "set endpointType: REGIONAL",
        "HTTP APIs have no edge-optimized or private endpoints (HTTP vs REST).",
        bad=example(
            "protocol: HTTP\ndomains:\n  - {name: api.example.com, endpointType: EDGE, certificateArn: '"
            + _CERT.format(region="us-east-1")
            + "'}"
        ),
        good=example(
            "protocol: HTTP\ndomains:\n  - {name: api.example.com, endpointType: REGIONAL, certificateArn: '"
            + _CERT.format(region="us-east-1")
            + "'}"
        ),
    ),
    Code(
        "AGW494",
        "base-path-mapping",
        E,
        "custom domain {domain!r}: base path {path!r} {problem}",
        "base paths use letters, digits and $-_.+!*'()/ (at most 300 characters) and map to a defined stage",
        "Base path mappings: charset $-_.+!*'()/ plus letters and digits, at most 300 characters, to an existing stage.",
        bad=example(
            "stages: {prod: {}}\ndomains:\n  - {name: api.example.com, certificateArn: '"
            + _CERT.format(region="us-east-1")
            + "', basePaths: {'v 1': prod}}"
        ),
        good=example(
            "stages: {prod: {}}\ndomains:\n  - {name: api.example.com, certificateArn: '"
            + _CERT.format(region="us-east-1")
            + "', basePaths: {v1: prod}}"
        ),
    ),
    Code(
        "AGW495",
        "private-api-endpoint",
        E,
        "this PRIVATE API {problem}",
        "{hint}",
        "A private REST API cannot be deployed without a resource policy, and is reachable only "
        "through the VPC endpoints named in its endpoint configuration.",
        bad=example("endpointType: PRIVATE"),
        good=example(
            "endpointType: PRIVATE",
            extra=_POLICY
            + "servers:\n  - url: https://example.com\n    x-amazon-apigateway-endpoint-configuration:\n"
            "      vpcEndpointIds: [vpce-0123456789abcdef0]\n",
        ),
    ),
    Code(
        "AGW496",
        "security-policy-pairing",
        E,
        "{where}: {problem}",
        "see the API Gateway guide's list of security policies: an enhanced (SecurityPolicy_*) policy needs an endpoint access mode, a legacy one none",
        "TLS security policies and endpoint access modes go together: "
        "SecurityPolicy_* names need BASIC or STRICT, legacy TLS_1_0/TLS_1_2 take none, and "
        "*_EDGE policies are for edge-optimized endpoints only.",
        bad=document("x-amazon-apigateway-security-policy: SecurityPolicy_TLS13_1_3_2025_09\n"),
        good=document(
            "x-amazon-apigateway-security-policy: SecurityPolicy_TLS13_1_3_2025_09\n"
            "x-amazon-apigateway-endpoint-access-mode: BASIC\n"
        ),
    ),
    Code(
        "AGW478",
        "policy-fails-closed-locally",
        W,
        "`apigwc serve` cannot evaluate statement {index} of the resource policy ({what}): "
        "locally this {effect} {consequence}",
        "test requests this statement decides against a deployed stage",
        "The local gateway evaluates resource policies for the anonymous caller with the source IP, "
        "user agent, referer, secure transport and VPC endpoint condition keys, the String, IP "
        "and Bool operators, and pseudo-parameter intrinsics; a statement using anything else "
        "fails closed (an Allow never matches, a Deny always does).",
        bad=document(
            "x-amazon-apigateway-policy:\n  Version: '2012-10-17'\n  Statement:\n"
            "    - {Effect: Allow, Principal: '*', Action: 'execute-api:Invoke', "
            "Resource: 'execute-api:/*', Condition: {StringEquals: {'aws:PrincipalOrgID': o-1}}}\n"
        ),
        good=document(_POLICY),
    ),
    Code(
        "AGW497",
        "resource-policy-shape",
        E,
        "resource policy {problem}",
        "write an IAM policy document: Version '2012-10-17' and a Statement list, each with Effect, Principal, Action and Resource",
        "x-amazon-apigateway-policy is an IAM resource policy document of at most 8,192 characters.",
        bad=document(
            "x-amazon-apigateway-policy:\n  Version: '2012-10-17'\n  Statement:\n"
            "    - {Effect: Allow, Action: 'execute-api:Invoke', Resource: 'execute-api:/*'}\n"
        ),
        good=document(_POLICY),
    ),
)

_CERT_REGION = re.compile(r"arn:aws[a-z-]*:acm:([a-z0-9-]+):[^:]*:certificate/.+")
_BASE_PATH = re.compile(r"[A-Za-z0-9$\-_.+!*'()/]{0,300}")
LEGACY_POLICIES = ("TLS_1_0", "TLS_1_2")


def check(api: Api, report: Report) -> None:
    for i, domain in enumerate(api.deployment.domains):
        _check_domain(api, i, domain, report)
    _check_private_endpoint(api, report)
    _check_security_policy(api, report)
    if api.policy is not None:
        _check_policy(api, report)


# -- custom domains ----------------------------------------------------------------------------
def _check_domain(api: Api, index: int, domain: Domain, report: Report) -> None:
    region = api.deployment.region or DEFAULT_REGION
    at = x_apigwc_at(api, "domains", index)
    if api.protocol is Protocol.HTTP and domain.endpoint_type is not EndpointType.REGIONAL:
        where = x_apigwc_at(api, "domains", index, "endpointType")
        report("AGW493", where, domain=domain.name, endpoint=domain.endpoint_type.value)
    problem = _certificate_problem(domain, region)
    if problem:
        where = (
            x_apigwc_at(api, "domains", index, "certificateArn") if domain.certificate_arn else at
        )
        report("AGW492", where, domain=domain.name, problem=problem, region=region)
    stages = api.deployment.stage_names
    for path, stage in domain.base_paths.items():
        where = x_apigwc_at(api, "domains", index, "basePaths", path)
        if not _BASE_PATH.fullmatch(path):
            report(
                "AGW494",
                where,
                at_key=True,
                domain=domain.name,
                path=path,
                problem="has characters outside $-_.+!*'()/ or is over 300 characters",
            )
        elif stage not in stages:
            report(
                "AGW494",
                where,
                domain=domain.name,
                path=path,
                problem=f"maps to stage {stage!r}, which x-apigwc does not define",
            )
    if domain.security_policy is not None:
        _check_policy_pairing(
            report,
            x_apigwc_at(api, "domains", index, "securityPolicy"),
            f"custom domain {domain.name!r}",
            domain.security_policy,
            domain.endpoint_access_mode,
            domain.endpoint_type,
        )


def _certificate_problem(domain: Domain, region: str) -> str:
    arn = domain.certificate_arn
    if arn is None:
        return "has no certificateArn"
    if deploy_time(arn):
        return ""
    match = _CERT_REGION.fullmatch(str(arn))
    if match is None:
        return f"certificateArn {arn!r} is not an ACM certificate ARN"
    wanted = "us-east-1" if domain.endpoint_type is EndpointType.EDGE else region
    if match.group(1) != wanted:
        kind = domain.endpoint_type.value
        return f"the certificate is in {match.group(1)}, but a {kind} domain needs one in {wanted}"
    return ""


# -- endpoint type, TLS policy, resource policy -------------------------------------------------
def _check_private_endpoint(api: Api, report: Report) -> None:
    if (
        api.protocol is not Protocol.REST
        or api.deployment.endpoint_type is not EndpointType.PRIVATE
    ):
        return
    where = x_apigwc_at(api, "endpointType")
    if api.policy is None:
        hint = "add x-amazon-apigateway-policy allowing execute-api:Invoke from your VPC endpoints"
        report(
            "AGW495",
            where,
            problem="has no resource policy; API Gateway refuses to deploy it",
            hint=hint,
        )
    config = api.endpoint_configuration
    if config is None or not config.vpc_endpoint_ids:
        hint = "list them in x-amazon-apigateway-endpoint-configuration.vpcEndpointIds"
        problem = "names no VPC endpoint ids; it is reachable only through private DNS"
        report("AGW495", where, severity=W, problem=problem, hint=hint)


def _check_security_policy(api: Api, report: Report) -> None:
    if api.security_policy is None:
        if api.endpoint_access_mode is not None and api.origin is not None:
            where = api.origin.child("x-amazon-apigateway-endpoint-access-mode")
            problem = "an endpoint access mode is set but no x-amazon-apigateway-security-policy"
            report("AGW496", where, where="the API", problem=problem)
        return
    mode = api.endpoint_access_mode.value if api.endpoint_access_mode else None
    # OpenAPI cannot say the endpoint type: check the policy against it only when x-apigwc does.
    explicit = api.deployment.endpoint_type
    at = api.origin.child("x-amazon-apigateway-security-policy") if api.origin else None
    _check_policy_pairing(report, at, "the API", api.security_policy, mode, explicit)


def _check_policy_pairing(
    report: Report,
    where: Origin | None,
    what: str,
    policy: str,
    mode: str | None,
    endpoint: EndpointType | None,
) -> None:
    problem = ""
    enhanced = policy.startswith("SecurityPolicy_")
    if not enhanced and policy not in LEGACY_POLICIES:
        problem = (
            f"security policy {policy!r} is neither TLS_1_0, TLS_1_2 nor a SecurityPolicy_* name"
        )
    elif enhanced and not mode:
        problem = f"security policy {policy} needs an endpoint access mode (BASIC or STRICT)"
    elif not enhanced and mode:
        problem = f"legacy security policy {policy} takes no endpoint access mode (set {mode})"
    elif (
        enhanced
        and endpoint is not None
        and policy.endswith("_EDGE") != (endpoint is EndpointType.EDGE)
    ):
        kind = "edge-optimized" if policy.endswith("_EDGE") else "Regional and private"
        problem = f"security policy {policy} is for {kind} endpoints, not {endpoint.value}"
    if problem:
        report("AGW496", where, where=what, problem=problem)


def _check_policy(api: Api, report: Report) -> None:
    where = api.origin.child("x-amazon-apigateway-policy") if api.origin else None
    problem, tokens = policy_problem_at(api.policy)
    if where is not None and tokens:
        where = where.child(*tokens)  # the offending key, not the whole policy
    if not problem:
        size = len(json.dumps(api.policy, separators=(",", ":")))
        problem = f"is {size:,} characters, over the 8,192 limit" if size > 8192 else ""
    if problem:
        report("AGW497", where, problem=problem)
        return
    if api.protocol is Protocol.REST:
        _check_local_evaluation(api, report)


def _check_local_evaluation(api: Api, report: Report) -> None:
    """AGW478: statements `serve` fails closed (runtime/resource_policy.py decides)."""
    from apigwc.runtime.security.resource_policy import statements, unsupported_condition

    for index, statement in enumerate(statements(api.policy)):
        what = unsupported_condition(statement.get("Condition")) or _unresolved(statement)
        if what is None:
            continue
        deny = statement.get("Effect") == "Deny"
        origin = api.origin.child("x-amazon-apigateway-policy") if api.origin else None
        report(
            "AGW478",
            origin.child("Statement").child(str(index)) if origin else None,
            index=index,
            what=what,
            effect="Deny" if deny else "Allow",
            consequence="applies to every request" if deny else "never applies",
        )


def _unresolved(statement: Mapping[str, Json]) -> str | None:
    """The intrinsic in a statement the build cannot resolve (emitters/runtime_data.py
    resolves pseudo parameters only), or None."""
    try:
        resolve_pseudo(dict(statement), dict.fromkeys(PSEUDO_PARAMETERS, ""))
    except UnresolvedIntrinsic as unresolved:
        return str(unresolved)
    return None


def policy_problem(policy: Json) -> str:
    """What makes `policy` not an IAM policy document; "" when it is well formed."""
    return policy_problem_at(policy)[0]


def policy_problem_at(policy: Json) -> tuple[str, tuple[str | int, ...]]:
    """`policy_problem`, and the path inside the policy of what is wrong."""
    if not isinstance(policy, dict):
        return "is not an object", ()
    if "Version" not in policy:
        return "has no Version", ()
    statements = policy.get("Statement")
    listed = isinstance(statements, list)
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        return "has no Statement list", ("Statement",) if "Statement" in policy else ()
    for i, statement in enumerate(statements):
        missing = _statement_missing(statement)
        if missing:
            at: tuple[str | int, ...] = ("Statement", i) if listed else ("Statement",)
            if isinstance(statement, dict) and "Effect" in statement and "Effect" in missing:
                at += ("Effect",)
            return f"statement {i} {missing}", at
    return "", ()


def _statement_missing(statement: Json) -> str:
    if not isinstance(statement, dict):
        return "is not an object"
    if statement.get("Effect") not in ("Allow", "Deny"):
        return "needs Effect Allow or Deny"
    for pair in (
        ("Principal", "NotPrincipal"),
        ("Action", "NotAction"),
        ("Resource", "NotResource"),
    ):
        if not any(key in statement for key in pair):
            return f"has no {pair[0]}"
    return ""
