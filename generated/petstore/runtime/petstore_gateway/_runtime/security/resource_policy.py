"""Resource policies (`x-amazon-apigateway-policy`) for the caller a local gateway sees.

Flows in: the API's policy document (generated data: plain JSON, short-form resources already
expanded to ARNs, statements the build could not resolve marked `UNRESOLVED`) and, per request,
the method ARN and the request's condition values. Flows out: None (allowed) or the
`GatewayError` API Gateway answers, 403 ACCESS_DENIED with its `Message` (reference §1.1, step 4).

The caller of an API without an authorizer is "anonymous" (reference §1.1: a policy-only API
needs an explicit Allow for it). IAM's rule: a matching Deny wins, else a matching Allow is
needed, else the request is implicitly denied. A statement the gateway cannot judge (an
operator or condition key it does not know, an intrinsic the build could not resolve) fails
closed: as an Allow it does not match, as a Deny it does.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from ..responses.gateway_responses import GatewayError
from ..routing.router import canonical_path

UNRESOLVED = "apigwc:unresolved"
INVOKE = "execute-api:invoke"
# The longest method ARN a REST method with authorization is called with (reference §1.4).
MAX_METHOD_ARN_BYTES = 1600
# The region, account and API id every method ARN of an API starts with.
ApiArn = tuple[str, str, str]
_UNKNOWN = object()  # a condition the gateway cannot evaluate


@lru_cache(maxsize=1024)
def method_arn(api: ApiArn, stage: str, method: str, request_path: str) -> str:
    """`arn:aws:execute-api:{region}:{account}:{api}/{stage}/{VERB}/{path}` (§1.1) of a request
    path as sent (percent-encoded), read as the router reads it (`canonical_path`: what API
    Gateway puts in the ARNs it evaluates, with no trailing slash). The resource policy and
    each authorizer ask for it on every request, so the last paths' ARNs are remembered."""
    region, account, api_id = api
    path = canonical_path(request_path).lstrip("/")
    return f"arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/{method}/{path}"


def authorizer_method_arn(
    api: ApiArn, stage: str, method: str, request_path: str, rest: bool = True
) -> str:
    """The method ARN an authorizer judges. With authorization on a REST method, an ARN over
    1600 bytes is refused with 414 before any authorizer runs (reference §1.1 step 1, §1.4);
    the body is the gateway's own for an over-long URI."""
    arn = method_arn(api, stage, method, request_path)
    if rest and len(arn.encode()) > MAX_METHOD_ARN_BYTES:
        raise GatewayError("DEFAULT_4XX", "Request URI too long", status=414)
    return arn


def check(
    policy: Mapping[str, Any] | None,
    arn: str,
    values: Mapping[str, str],
    *,
    deny_only: bool = False,
) -> GatewayError | None:
    """None when the policy allows the anonymous caller to invoke `arn`, else the denial.

    `deny_only`: the method has its own authorization, so only an explicit Deny is decided
    here, before the authorizer (§1.1 step 4); the Allow is combined with its result."""
    if not policy:
        return None
    allowed = False
    for statement in statements(policy):
        effect = statement.get("Effect")
        if effect == "Deny" and _applies(statement, arn, values, deny=True):
            return _denied(arn, explicit=True)
        if effect == "Allow" and _applies(statement, arn, values, deny=False):
            allowed = True
    return None if allowed or deny_only else _denied(arn, explicit=False)


def identity_verdict(
    policy: Any, arn: str, values: Mapping[str, str], action: str = INVOKE
) -> str | None:
    """An identity-based policy (a Lambda authorizer's `policyDocument`, reference §1.4, §2.7:
    statements without a Principal) judged for invoking `arn` by the same rule: "Deny" when a
    Deny statement matches (it wins over any Allow), "Allow" when an Allow does, None when
    nothing matches (an implicit deny). `action`: another `execute-api` action, lower case
    (`execute-api:invalidatecache`, the stage cache's, reference §1.9)."""
    return _verdict(policy, arn, values, anonymous=False, action=action)


def caller_verdict(
    policy: Any, arn: str, values: Mapping[str, str], caller: frozenset[str], action: str = INVOKE
) -> str | None:
    """A resource policy judged for an IAM-authenticated caller (reference §1.1, the policy
    table): its statements apply when their Principal is everyone or names the caller (`caller`:
    its ARN, its account id and `arn:aws:iam::{account}:root`). "Deny", "Allow" or None."""
    return _verdict(policy, arn, values, caller=caller, action=action)


def _verdict(policy: Any, arn: str, values: Mapping[str, str], **whom: Any) -> str | None:
    """ "Deny" when a Deny statement applies (it wins over any Allow), "Allow" when an Allow
    does, None when none does (an implicit deny); `whom` says whom statements must name."""
    allowed = False
    for statement in statements(policy):
        effect = statement.get("Effect")
        if effect == "Deny" and _applies(statement, arn, values, deny=True, **whom):
            return "Deny"
        if effect == "Allow" and _applies(statement, arn, values, deny=False, **whom):
            allowed = True
    return "Allow" if allowed else None


def statements(policy: Any) -> list[Mapping[str, Any]]:
    """A policy's statements: `Statement` may be one object or a list; others are ignored."""
    found = policy.get("Statement") if isinstance(policy, Mapping) else None
    if isinstance(found, Mapping):
        found = [found]
    return [s for s in found if isinstance(s, Mapping)] if isinstance(found, list) else []


def _denied(arn: str, *, explicit: bool) -> GatewayError:
    """403 ACCESS_DENIED; the gateway response writes it under `Message` (§0.2, §4)."""
    suffix = " with an explicit deny" if explicit else ""
    message = f"User: anonymous is not authorized to perform: execute-api:Invoke on resource: {arn}{suffix}"
    return GatewayError("ACCESS_DENIED", message)


def _applies(
    statement: Mapping[str, Any],
    arn: str,
    values: Mapping[str, str],
    *,
    deny: bool,
    anonymous: bool = True,
    caller: frozenset[str] = frozenset(),
    action: str = INVOKE,
) -> bool:
    """`anonymous`: a resource policy's statement must name the anonymous caller (or one of
    `caller`'s names, an IAM caller); an identity policy's statements apply to the identity
    they were returned for."""
    if statement.get(UNRESOLVED):
        return deny
    if anonymous and not _principal(statement, caller):
        return False
    if not (_action(statement, action) and _resource(statement, arn)):
        return False
    verdict = _conditions(statement.get("Condition"), values)
    return deny if verdict is _UNKNOWN else bool(verdict)


def _principal(statement: Mapping[str, Any], caller: frozenset[str] = frozenset()) -> bool:
    """Does the statement name the caller: everyone (`*`, or `{"AWS": "*"}`), or one of the
    names of an IAM caller?"""
    if "NotPrincipal" in statement:
        return not _names(statement["NotPrincipal"], caller)
    return _names(statement.get("Principal"), caller)


def _names(principal: Any, caller: frozenset[str]) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        aws = _strings(principal.get("AWS"))
        return "*" in aws or not caller.isdisjoint(aws)
    return False


def _action(statement: Mapping[str, Any], action: str = INVOKE) -> bool:
    if "NotAction" in statement:
        return not any(_wildcard(p.lower(), action) for p in _strings(statement["NotAction"]))
    return any(_wildcard(p.lower(), action) for p in _strings(statement.get("Action")))


def _resource(statement: Mapping[str, Any], arn: str) -> bool:
    if "NotResource" in statement:
        return not any(_wildcard(p, arn) for p in _strings(statement["NotResource"]))
    return any(_wildcard(p, arn) for p in _strings(statement.get("Resource")))


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _wildcard(pattern: str, text: str) -> bool:
    """IAM's `*` (any run, `/` included) and `?` (one character)."""
    return _pattern(pattern).fullmatch(text) is not None


@lru_cache(maxsize=1024)
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(
        "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern),
        re.DOTALL,
    )


def _conditions(conditions: Any, values: Mapping[str, str]) -> bool | object:
    """All operators must hold; an operator or key the gateway does not know is `_UNKNOWN`."""
    if conditions is None:
        return True
    if not isinstance(conditions, Mapping):
        return _UNKNOWN
    for operator, tests in conditions.items():
        if not isinstance(tests, Mapping):
            return _UNKNOWN
        for key, expected in tests.items():
            verdict = _condition(str(operator), str(key).lower(), _strings(expected), values)
            if verdict is not True:
                return verdict
    return True


def _string_equals(value: str, wanted: str) -> bool:
    return value == wanted


def _string_equals_ignore_case(value: str, wanted: str) -> bool:
    return value.lower() == wanted.lower()


def _string_like(value: str, wanted: str) -> bool:
    return _wildcard(wanted, value)


_STRING_TESTS: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": _string_equals,
    "StringEqualsIgnoreCase": _string_equals_ignore_case,
    "StringLike": _string_like,
}
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "NotIpAddress": "IpAddress",
}
# Condition keys the gateway evaluates (lower case, as IAM compares them): the ones a local
# request has, and `aws:SourceVpc`, which it never has. Others are unknown.
KNOWN_KEYS = frozenset(
    {
        "aws:sourceip",
        "aws:useragent",
        "aws:referer",
        "aws:securetransport",
        "aws:sourcevpce",
        "aws:sourcevpc",
    }
)
OPERATORS = frozenset({*_STRING_TESTS, *_NEGATED, "IpAddress", "Bool"})


def unsupported_condition(conditions: Any) -> str | None:
    """What in a statement's `Condition` the gateway cannot evaluate (None: nothing), for
    `apigwc validate` to say before `serve` fails the statement closed."""
    if conditions is None:
        return None
    if not isinstance(conditions, Mapping):
        return "a Condition that is not an object"
    for operator, tests in conditions.items():
        if str(operator).removesuffix("IfExists") not in OPERATORS:
            return f"the condition operator {operator}"
        if not isinstance(tests, Mapping):
            return f"a {operator} condition that is not an object"
        for key in tests:
            if str(key).lower() not in KNOWN_KEYS:
                return f"the condition key {key}"
    return None


def _condition(
    operator: str, key: str, expected: Sequence[str], values: Mapping[str, str]
) -> bool | object:
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists")
    if key not in KNOWN_KEYS:
        return _UNKNOWN
    value = values.get(key)
    negated = base in _NEGATED
    positive = _NEGATED.get(base, base)
    if value is None:
        # IAM: an absent key fails a matching operator and satisfies a negated one;
        # `...IfExists` is satisfied by an absent key.
        return if_exists or negated
    if positive == "IpAddress":
        matched = _in_networks(value, expected)
    elif positive == "Bool":
        matched = value.lower() in {e.lower() for e in expected}
    elif positive in _STRING_TESTS:
        test = _STRING_TESTS[positive]
        matched = any(test(value, wanted) for wanted in expected)
    else:
        return _UNKNOWN
    return not matched if negated else matched


def _in_networks(address: str, networks: Sequence[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for network in networks:
        try:
            if ip in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            continue
    return False
