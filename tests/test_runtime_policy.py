"""Resource policies (`x-amazon-apigateway-policy`) in the local gateway (reference §1.1 step 4).

The caller of a method without authorization is "anonymous": an explicit Deny wins, else an
Allow must match, else the request is implicitly denied, 403 ACCESS_DENIED with IAM's
`Message`. What the gateway cannot judge fails closed. One table in process, then the wiring
through a served build.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from apigwc.runtime.security.resource_policy import UNRESOLVED, check, method_arn

from tests.runtime_server import Gateway, serve_spec

ARN = method_arn(("us-east-1", "123456789012", "abc123"), "dev", "GET", "/pets/1")
LOCAL = {"aws:sourceip": "127.0.0.1", "aws:securetransport": "false", "aws:useragent": "curl/8"}
ALL = "arn:aws:execute-api:us-east-1:123456789012:abc123/*"


def allow(**extra: Any) -> dict[str, Any]:
    return {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "execute-api:Invoke",
        "Resource": ALL,
    } | extra


def deny(**extra: Any) -> dict[str, Any]:
    return {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "execute-api:Invoke",
        "Resource": ALL,
    } | extra


# (id, statements, expected: "allow" | "implicit" | "explicit")
ROWS: list[tuple[str, list[dict[str, Any]], str]] = [
    ("allow all", [allow()], "allow"),
    ("no statement: implicit deny", [], "implicit"),
    ("allow another path only", [allow(Resource=ALL[:-1] + "dev/GET/orders/*")], "implicit"),
    ("allow this path by wildcard", [allow(Resource=ALL[:-1] + "dev/GET/pets/*")], "allow"),
    ("? matches one character", [allow(Resource=ALL[:-1] + "dev/GET/pets/?")], "allow"),
    ("principal AWS *", [allow(Principal={"AWS": ["*"]})], "allow"),
    (
        "another principal: not anonymous",
        [allow(Principal={"AWS": "arn:aws:iam::1:root"})],
        "implicit",
    ),
    ("action execute-api:*", [allow(Action="execute-api:*")], "allow"),
    ("action of another service", [allow(Action="s3:GetObject")], "implicit"),
    (
        "NotAction excluding invoke",
        [allow(Action=None, NotAction="execute-api:Invoke")],
        "implicit",
    ),
    ("deny wins over allow", [allow(), deny()], "explicit"),
    ("deny on another method", [allow(), deny(Resource=ALL[:-1] + "dev/POST/*")], "allow"),
    ("NotResource deny elsewhere", [allow(), deny(Resource=None, NotResource=ARN)], "allow"),
    (
        "allow from local IP",
        [allow(Condition={"IpAddress": {"aws:SourceIp": ["127.0.0.0/8"]}})],
        "allow",
    ),
    (
        "allow from another network",
        [allow(Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})],
        "implicit",
    ),
    (
        "deny unless from the office",
        [allow(), deny(Condition={"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}})],
        "explicit",
    ),
    (
        "deny a user agent",
        [allow(), deny(Condition={"StringLike": {"aws:UserAgent": "curl/*"}})],
        "explicit",
    ),
    (
        "deny insecure transport",
        [allow(), deny(Condition={"Bool": {"aws:SecureTransport": "false"}})],
        "explicit",
    ),
    (
        "absent key fails a matching operator",
        [allow(Condition={"StringEquals": {"aws:Referer": "https://example.com"}})],
        "implicit",
    ),
    (
        "absent key satisfies a negated operator (private API pattern)",
        [allow(), deny(Condition={"StringNotEquals": {"aws:SourceVpce": "vpce-1"}})],
        "explicit",
    ),
    (
        "IfExists on an absent key",
        [allow(Condition={"StringEqualsIfExists": {"aws:Referer": "https://example.com"}})],
        "allow",
    ),
    (
        "unknown key: an allow does not match (fail closed)",
        [allow(Condition={"StringEquals": {"aws:PrincipalTag/team": "a"}})],
        "implicit",
    ),
    (
        "unknown operator: a deny matches (fail closed)",
        [allow(), deny(Condition={"NumericLessThan": {"aws:SourceIp": "1"}})],
        "explicit",
    ),
    (
        "unresolved statement: a deny matches",
        [allow(), {"Effect": "Deny", UNRESOLVED: True}],
        "explicit",
    ),
    (
        "unresolved statement: an allow does not",
        [{"Effect": "Allow", UNRESOLVED: True}],
        "implicit",
    ),
]


@pytest.mark.parametrize(
    ("statements", "expected"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS]
)
def test_policy(statements: list[dict[str, Any]], expected: str) -> None:
    statements = [{k: v for k, v in s.items() if v is not None} for s in statements]
    denied = check({"Version": "2012-10-17", "Statement": statements}, ARN, LOCAL)
    if expected == "allow":
        assert denied is None
        return
    assert denied is not None and denied.response_type == "ACCESS_DENIED"
    message = f"User: anonymous is not authorized to perform: execute-api:Invoke on resource: {ARN}"
    if expected == "explicit":
        message += " with an explicit deny"
    assert denied.message == message


def test_a_method_with_its_own_authorization_is_only_checked_for_deny() -> None:
    policy = {"Statement": []}  # no Allow for the anonymous caller
    assert check(policy, ARN, LOCAL, deny_only=True) is None
    assert check({"Statement": [deny()]}, ARN, LOCAL, deny_only=True) is not None


SPEC = """\
openapi: 3.0.1
info: {title: Guarded, version: "1.0"}
paths:
  /open:
    get:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration: &mock
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses: {default: {statusCode: "200", responseTemplates: {application/json: '{"ok": true}'}}}
  /closed:
    get:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration: *mock
  /unlisted:
    get:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration: *mock
x-amazon-apigateway-policy:
  Version: "2012-10-17"
  Statement:
    - {Effect: Allow, Principal: "*", Action: execute-api:Invoke, Resource: ["execute-api:/*/GET/open", "execute-api:/*/GET/closed"]}
    - Effect: Deny
      Principal: "*"
      Action: execute-api:Invoke
      Resource: {"Fn::Sub": "arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:*/*/GET/closed"}
x-apigwc:
  region: eu-west-1
  account: "111122223333"
  stages: {dev: {}}
"""


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    tmp = tmp_path_factory.mktemp("policy")
    spec = tmp / "guarded.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    with serve_spec(spec, tmp / "out") as gateway:
        yield gateway


def _arn(gw: Gateway, path: str) -> str:
    """The method ARN with the build's API id (written into the generated app.py)."""
    text = (gw.out / "runtime" / gw.package / "app.py").read_text(encoding="utf-8")
    api_id = text.split('"apiId": "', 1)[1].split('"', 1)[0]
    return f"arn:aws:execute-api:eu-west-1:111122223333:{api_id}/dev/GET{path}"


def test_served_policy(gw: Gateway) -> None:
    assert gw.fetch("GET", "/open").status == 200
    closed = gw.fetch("GET", "/closed")
    assert closed.status == 403
    assert closed.header("x-amzn-ErrorType") == "AccessDeniedException"
    prefix = "User: anonymous is not authorized to perform: execute-api:Invoke on resource: "
    assert closed.json() == {"Message": f"{prefix}{_arn(gw, '/closed')} with an explicit deny"}
    unlisted = gw.fetch("GET", "/unlisted")
    assert (unlisted.status, unlisted.json()) == (403, {"Message": prefix + _arn(gw, "/unlisted")})
    assert gw.fetch("GET", "/nowhere").status == 403  # routing first: Missing Authentication Token
    assert gw.fetch("GET", "/nowhere").json() == {"message": "Missing Authentication Token"}


# (request path, expected status, the ARN path the policy judged). One canonical path feeds the
# routing and the method ARN (ARNs carry no trailing slash): a trailing slash, a doubled leading
# slash or an escaped letter reaches `/closed` and meets its Deny, and `/open/` its Allow.
CANONICAL = [
    ("trailing slash", "/closed/", 403, "/closed"),
    ("doubled leading slash", "//closed", 403, "/closed"),
    ("escaped unreserved letter", "/%63losed", 403, "/closed"),
    ("trailing slash on an allowed path", "/open/", 200, "/open"),
    ("escaped letter on an allowed path", "/%6Fpen", 200, "/open"),
]


@pytest.mark.parametrize(
    ("path", "status", "arn_path"), [r[1:] for r in CANONICAL], ids=[r[0] for r in CANONICAL]
)
def test_policy_judges_the_routed_path(gw: Gateway, path: str, status: int, arn_path: str) -> None:
    reply = gw.fetch("GET", path)
    assert reply.status == status, reply.body
    if status == 403:
        prefix = "User: anonymous is not authorized to perform: execute-api:Invoke on resource: "
        assert reply.json() == {"Message": f"{prefix}{_arn(gw, arn_path)} with an explicit deny"}
