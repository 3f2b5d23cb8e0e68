"""IAM authorization in process: the canonical request agrees with botocore's signer on tricky
paths and query strings, the identity policy and the resource policy combine as API Gateway
combines them (reference §1.1, the policy table), the access log prints the caller, and the
build writes the identities (reference §1.4, §3.4).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from apigwc.diagnostics import Sink
from apigwc.emitters import EmitContext
from apigwc.emitters.runtime_data import api_settings, route_entry
from apigwc.loader import load_text
from apigwc.lowering import lower
from apigwc.runtime.observability.access_log import Entry, compile_format, render
from apigwc.runtime.pipeline.context import Request
from apigwc.runtime.pipeline.gateway import Gateway
from apigwc.runtime.responses.gateway_responses import GatewayError
from apigwc.runtime.security import sigv4
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.rules_cases import HEAD, MOCK, OK

KEY, SECRET = "AKIDLOCAL00000000000", "local-secret/0123456789"
CREDENTIALS = Credentials(KEY, SECRET)
API_ID_ARN = "arn:aws:execute-api:us-east-1:123456789012:*"


def _signed(method: str, url: str, body: bytes = b"") -> AWSRequest:
    req = AWSRequest(method, url, data=body or None)
    SigV4Auth(CREDENTIALS, "execute-api", "us-east-1").add_auth(req)
    return req


def _as_gateway_sees(req: AWSRequest) -> sigv4.SignedRequest:
    parts = urlsplit(req.url)
    headers = [(k.lower(), v) for k, v in req.headers.items()]
    headers.append(("host", parts.netloc))
    return sigv4.SignedRequest(req.method, parts.path, parts.query, headers, req.body or b"")


@pytest.mark.parametrize(
    "target",
    [
        "/a%20b",
        "/a/./b/../c",
        "/double//slash/",
        "/~user/:@!$&'()*+,;=",
        "/caf%C3%A9/%2F",
        "/q?b=2&a=1&a=0",
        "/q?x=%2F%2B%20&k&j=",
        "/q?%C3%A9=%C3%A9",
        "/",
    ],
)
def test_the_canonical_request_is_botocores(target: str) -> None:
    req = _signed("PUT", "http://127.0.0.1:9000" + target, b"payload")
    signed = _as_gateway_sees(req)
    claim = sigv4.parse(signed)
    sigv4.verify(claim, SECRET, signed)  # raises when any canonical part differs
    with pytest.raises(sigv4.SigV4Error):
        sigv4.verify(claim, SECRET + "x", signed)


def test_a_repeated_header_is_joined_whether_or_not_the_request_map_is_shared() -> None:
    # The gateway hands SignedRequest its own last-value map; it is used only when no name
    # repeats (a repeated one is joined with `,`, each value trimmed, as SigV4 joins them).
    headers = [("host", "h"), ("x-a", " 1   2 "), ("x-a", "3"), ("x-b", "  4 ")]
    for last in (None, dict(headers)):
        signed = sigv4.SignedRequest("GET", "/", "", headers, b"", last)
        assert (signed.canonical("x-a"), signed.joined("x-a")) == ("1 2,3", " 1   2 ,3")
        assert (signed.canonical("x-b"), signed.canonical("x-c"), signed.joined("x-c")) == (
            "4",
            None,
            None,
        )
    single = headers[:1] + headers[2:]
    signed = sigv4.SignedRequest("GET", "/", "", single, b"", dict(single))
    assert (signed.canonical("x-a"), signed.joined("x-b")) == ("3", "  4 ")


def test_unsigned_payload_is_refused() -> None:
    # API Gateway refuses UNSIGNED-PAYLOAD (aws/aws-sdk-java-v2#5581): the body is always hashed.
    req = AWSRequest("POST", "http://127.0.0.1:9000/p", data=b"body")
    req.headers["X-Amz-Content-SHA256"] = "UNSIGNED-PAYLOAD"
    SigV4Auth(CREDENTIALS, "execute-api", "us-east-1").add_auth(req)
    signed = _as_gateway_sees(req)
    with pytest.raises(sigv4.SigV4Error) as refused:
        sigv4.verify(sigv4.parse(signed), SECRET, signed)
    assert (refused.value.kind, refused.value.message) == ("SIGNATURE", None)


# -- the identity policy and the resource policy (reference §1.1) -----------------------------
def _policy(effect: str, principal: Any = None) -> str:
    statement: dict[str, Any] = {
        "Effect": effect,
        "Action": "execute-api:Invoke",
        "Resource": API_ID_ARN,
    }
    if principal is not None:
        statement["Principal"] = principal
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _spec(identity_policy: str | None, resource_policy: str | None, arn: str) -> str:
    policy = f"    policy: {identity_policy}\n" if identity_policy else ""
    return (
        HEAD
        + (f"x-amazon-apigateway-policy: {resource_policy}\n" if resource_policy else "")
        + f"paths:\n  /pets:\n    get:\n      security: [{{sigv4: []}}]\n      responses: {OK}\n"
        + f"      x-amazon-apigateway-integration: {MOCK}\n"
        + "components:\n  securitySchemes:\n"
        + "    sigv4: {type: apiKey, name: Authorization, in: header,"
        + " x-amazon-apigateway-authtype: awsSigv4}\n"
        + "x-apigwc:\n  identities:\n    iamCredentials:\n      ci:\n"
        + f"        accessKeyId: {KEY}\n        secretAccessKey: {SECRET}\n        arn: '{arn}'\n"
        + policy.replace("    policy", "        policy")
    )


def _run_checks(text: str) -> Request:
    request, refusal = _checked(text)
    if refusal is not None:
        raise refusal
    return request


def _checked(text: str) -> tuple[Request, GatewayError | None]:
    sink = Sink()
    doc = load_text(text, "case.yaml", sink)
    assert doc is not None
    api = lower(doc, sink)
    assert api is not None, [d.message for d in sink.sorted()]
    settings = api_settings(api, EmitContext(Path("case.yaml"), "0" * 64), {})
    gateway = Gateway(settings, tuple(route_entry(api, m) for m in api.methods), Path("."))
    found = gateway.router.match("GET", "/pets")
    assert found is not None
    req = _signed("GET", "http://127.0.0.1:9000/pets")
    signed = _as_gateway_sees(req)
    request = Request("GET", "/pets", "", signed.headers, b"", "127.0.0.1")
    try:
        for check in found.route.checks:
            assert check(request, found, "dev") is None  # IAM checks never wait
    except GatewayError as refusal:
        return request, refusal
    return request, None


def test_a_denied_caller_is_still_the_identity_of_the_request() -> None:
    # `$context.identity` of a denial (its gateway response, its access log line) names the
    # caller whose signature was verified.
    request, refusal = _checked(_spec(DENY, None, USER))
    assert refusal is not None and refusal.response_type == "ACCESS_DENIED"
    assert request.caller is not None and request.caller["userArn"] == USER


USER = "arn:aws:iam::123456789012:user/ci"
OTHER_ACCOUNT_USER = "arn:aws:iam::999999999999:user/ci"
ALLOW, DENY = _policy("Allow"), _policy("Deny")
CASES = {
    # caller arn, identity policy, resource policy -> refusal message suffix (None: allowed)
    "identity allows, no resource policy": (USER, ALLOW, None, None),
    "identity silent, no resource policy": (USER, None, None, ""),
    "identity silent, resource policy allows the user": (
        USER,
        None,
        _policy("Allow", {"AWS": USER}),
        None,
    ),
    "identity silent, resource policy allows the account": (
        USER,
        None,
        _policy("Allow", {"AWS": ["123456789012"]}),
        None,
    ),
    "identity silent, resource policy allows another user": (
        USER,
        None,
        _policy("Allow", {"AWS": "arn:aws:iam::123456789012:user/else"}),
        "",
    ),
    "identity allows, resource policy denies the user": (
        USER,
        ALLOW,
        _policy("Deny", {"AWS": USER}),
        " with an explicit deny",
    ),
    "identity denies, resource policy allows everyone": (
        USER,
        DENY,
        _policy("Allow", "*"),
        " with an explicit deny",
    ),
    "another account, identity allows only": (OTHER_ACCOUNT_USER, ALLOW, None, ""),
    "another account, both allow": (
        OTHER_ACCOUNT_USER,
        ALLOW,
        _policy("Allow", {"AWS": "arn:aws:iam::999999999999:root"}),
        None,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_policies_combine_as_api_gateway_combines_them(name: str) -> None:
    arn, identity, resource, refusal = CASES[name]
    text = _spec(identity, resource, arn)
    if refusal is None:
        assert _run_checks(text).caller is not None
        return
    with pytest.raises(GatewayError) as denied:
        _run_checks(text)
    assert denied.value.response_type == "ACCESS_DENIED"
    message = denied.value.message or ""
    assert message.startswith(f"User: {arn} is not authorized to perform: execute-api:Invoke")
    assert message.endswith("/dev/GET/pets" + refusal)


def test_the_access_log_prints_the_caller() -> None:
    request = _run_checks(_spec(ALLOW, None, USER))
    pieces = compile_format(
        "$context.identity.accessKey $context.identity.userArn $context.identity.accountId "
        "$context.identity.caller $context.identity.user $context.identity.cognitoIdentityId"
    )
    line = render(pieces, Entry(request, None, "dev", 200, 0, 0.0, {}))
    caller = request.caller["caller"] if request.caller else ""
    assert line == f"{KEY} {USER} 123456789012 {caller} {caller} -"
    anonymous = Request("GET", "/pets", "", [], b"", "127.0.0.1")
    assert render(pieces, Entry(anonymous, None, "dev", 200, 0, 0.0, {})) == "- - - - - -"


def test_the_build_writes_identities_with_a_default_arn() -> None:
    text = _spec(ALLOW, None, USER).replace(f"        arn: '{USER}'\n", "")
    sink = Sink()
    doc = load_text(text, "case.yaml", sink)
    assert doc is not None
    api = lower(doc, sink)
    assert api is not None
    settings = api_settings(api, EmitContext(Path("case.yaml"), "0" * 64), {})
    (credential,) = settings.iam_credentials.values()
    assert credential.arn == "arn:aws:iam::123456789012:user/ci"
    assert SECRET not in repr(credential)
    assert [r.iam for r in (route_entry(api, m) for m in api.methods)] == [True]


def test_the_readme_names_local_identities_as_the_compilers_model() -> None:
    # One set of names (issue 12 point 7): every key of the model's identities, and only those,
    # in the README's `identities` row (its example is validated by tests/test_readme.py).
    from apigwc.ir.deployment import IamIdentity, Identities, UserPool

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    (row,) = [line for line in readme.splitlines() if line.startswith("| `identities` |")]
    for model in (Identities, UserPool, IamIdentity):
        for name, info in model.model_fields.items():
            if name == "origin":  # where the node came from, not a spec key
                continue
            alias = info.alias or name
            assert f"`{alias}`" in row, alias
