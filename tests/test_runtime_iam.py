"""End to end: `AWS_IAM` routes (reference §1.4, §2.1, §2.3, §3.4), REST and HTTP APIs.

Two generated gateways under uvicorn from `runtime_specs/iam.yaml`; requests are signed by
botocore's `SigV4Auth` / `SigV4QueryAuth` and sent with a real HTTP client. The Lambda behind the
routes appends a line to a file per call, so every refusal of the hostile tables is shown not to
reach the integration. Identities of the spec: `alice` (a user allowed `*/signed/*`, denied
`POST /signed/forbidden`), `temp` (an assumed role with a session token, allowed everything),
`expired` (a session token past its expiration).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import http.client
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

import botocore.auth
import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.runtime_server import Gateway, Reply, serve_spec, write_spec

ALICE = Credentials("AKIDALICE0000000000A", "alice-secret-key/0123456789abcdefghijklmn")
TEMP = Credentials(
    "ASIATEMP000000000000",
    "temp-secret-key/0123456789abcdefghijklmn",
    "local-session-token-0123456789",
)
EXPIRED = Credentials(
    "ASIAEXPIRED000000000",
    "expired-secret-key/0123456789abcdefghijk",
    "expired-session-token-0123456789",
)
ALICE_ARN = "arn:aws:iam::123456789012:user/alice"
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details."
)
INVALID_TOKEN = "The security token included in the request is invalid."
_TEMPLATE_ROUTE = """/template:
    get:
      security: [{sigv4: []}]
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses:
          default:
            statusCode: "200"
            responseTemplates:
              application/json: '{"accessKey":"$context.identity.accessKey","accountId":"$context.identity.accountId","caller":"$context.identity.caller","user":"$context.identity.user","userArn":"$context.identity.userArn","cognito":"$context.identity.cognitoIdentityId"}'
"""


@dataclass
class Served:
    gateway: Gateway
    calls: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.gateway.port}"

    def calls_made(self) -> int:
        return len(self.calls.read_text().splitlines()) if self.calls.exists() else 0


def _serve(tmp: Path, protocol: str) -> Iterator[Served]:
    calls = tmp / "calls.txt"
    rest = protocol == "REST"
    spec = write_spec(
        tmp,
        "iam.yaml",
        {
            "PROTOCOL": protocol,
            "CALLS": str(calls),
            "PAYLOAD": "" if rest else 'payloadFormatVersion: "2.0"',
            "REST_PATHS": _TEMPLATE_ROUTE if rest else "",
        },
    )
    with serve_spec(spec, tmp / "out") as gateway:
        yield Served(gateway, calls)


@pytest.fixture(scope="module")
def rest(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    yield from _serve(tmp_path_factory.mktemp("iam-rest"), "REST")


@pytest.fixture(scope="module")
def http_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    yield from _serve(tmp_path_factory.mktemp("iam-http"), "HTTP")


# -- signing with botocore and sending -------------------------------------------------------
@contextmanager
def signing_clock(offset_seconds: float) -> Iterator[None]:
    """botocore's signer reads its clock from `botocore.auth.get_current_datetime`: moved here,
    a real signature is made for another time (a replay, a client's skewed clock)."""
    moment = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    moment += datetime.timedelta(seconds=offset_seconds)
    with mock.patch.object(botocore.auth, "get_current_datetime", lambda: moment):
        yield


def request(
    served: Served,
    method: str,
    path: str,
    *,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> AWSRequest:
    return AWSRequest(method, served.base + path, data=body or None, headers=headers or {})


def sign(
    req: AWSRequest,
    credentials: Credentials = ALICE,
    *,
    service: str = "execute-api",
    region: str = "us-east-1",
    offset: float = 0,
) -> AWSRequest:
    with signing_clock(offset):
        SigV4Auth(credentials, service, region).add_auth(req)
    return req


def presign(
    req: AWSRequest, credentials: Credentials = ALICE, *, expires: int = 60, offset: float = 0
) -> AWSRequest:
    with signing_clock(offset):
        SigV4QueryAuth(credentials, "execute-api", "us-east-1", expires=expires).add_auth(req)
    return req


def send(served: Served, req: AWSRequest, headers: list[tuple[str, str]] | None = None) -> Reply:
    """Sends the request as signed (or with `headers` exactly, repeated names kept)."""
    parts = urlsplit(req.url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    conn = http.client.HTTPConnection("127.0.0.1", served.gateway.port, timeout=30)
    try:
        conn.putrequest(req.method, target, skip_host=True, skip_accept_encoding=True)
        sent = headers if headers is not None else list(req.headers.items())
        if not any(name.lower() == "host" for name, _ in sent):
            sent = [("Host", parts.netloc), *sent]
        body = req.body or b""
        if body and not any(name.lower() == "content-length" for name, _ in sent):
            sent.append(("Content-Length", str(len(body))))
        for name, value in sent:
            conn.putheader(name, value)
        conn.endheaders(body if body else None)
        response = conn.getresponse()
        return Reply(response.status, response.getheaders(), response.read())
    finally:
        conn.close()


def context_of(reply: Reply) -> dict[str, object]:
    assert reply.status == 200, reply.body
    found = json.loads(reply.body)
    assert isinstance(found, dict)
    return found


# -- allowed callers ----------------------------------------------------------------------------
def test_a_header_signature_reaches_the_integration_with_the_identity(rest: Served) -> None:
    before = rest.calls_made()
    reply = send(rest, sign(request(rest, "GET", "/signed/a%20b?b=2&a=x%2Fy&a=1")))
    identity = context_of(reply)["identity"]
    assert identity == {
        "accessKey": ALICE.access_key,
        "accountId": "123456789012",
        "caller": identity["caller"],  # type: ignore[index]
        "cognitoAuthenticationProvider": None,
        "cognitoAuthenticationType": None,
        "cognitoIdentityId": None,
        "cognitoIdentityPoolId": None,
        "principalOrgId": None,
        "sourceIp": "127.0.0.1",
        "user": identity["caller"],  # type: ignore[index]
        "userAgent": None,
        "userArn": ALICE_ARN,
    }
    caller = str(identity["caller"])  # type: ignore[index]
    assert caller.startswith("AIDA") and len(caller) == 21 and caller.isalnum()
    assert rest.calls_made() == before + 1


def test_a_signed_body_and_a_presigned_url_are_accepted(rest: Served) -> None:
    body = b'{"name": "rex", "tags": ["a b", "\xc3\xa9"]}'
    posted = sign(request(rest, "POST", "/signed/x", body=body, headers={"X-Custom": "  a   b "}))
    assert send(rest, posted).status == 200
    presigned = presign(request(rest, "GET", "/signed/q?z=2&y=%2B"))
    assert context_of(send(rest, presigned))["identity"]["userArn"] == ALICE_ARN  # type: ignore[index]


def test_temporary_credentials_present_their_session_token(rest: Served) -> None:
    identity = context_of(send(rest, sign(request(rest, "GET", "/admin"), TEMP)))["identity"]
    arn = "arn:aws:sts::123456789012:assumed-role/Deployer/ci-session"
    assert identity["userArn"] == arn  # type: ignore[index]
    caller = str(identity["caller"])  # type: ignore[index]
    assert caller.startswith("AROA") and caller.endswith(":ci-session")


def test_mapping_templates_read_the_callers_identity(rest: Served) -> None:
    reply = send(rest, sign(request(rest, "GET", "/template"), TEMP))
    found = context_of(reply)
    arn = "arn:aws:sts::123456789012:assumed-role/Deployer/ci-session"
    assert found["accessKey"] == TEMP.access_key and found["userArn"] == arn
    assert found["accountId"] == "123456789012" and found["caller"] == found["user"]
    assert found["cognito"] == ""  # null renders as nothing (reference §3.4)


def test_http_api_events_carry_the_caller_under_authorizer_iam(http_api: Served) -> None:
    context = context_of(send(http_api, sign(request(http_api, "GET", "/signed/a"))))
    iam = context["authorizer"]["iam"]  # type: ignore[index]
    assert iam == {
        "accessKey": ALICE.access_key,
        "accountId": "123456789012",
        "callerId": iam["callerId"],
        "cognitoIdentity": None,
        "principalOrgId": None,
        "userArn": ALICE_ARN,
        "userId": iam["callerId"],
    }


def test_routes_without_authorization_ignore_a_signature(rest: Served) -> None:
    assert send(rest, sign(request(rest, "GET", "/open"), ALICE, region="eu-west-1")).status == 200


# -- the hostile table: each refused with API Gateway's answer, none reaching the handler -----
def _moved_header(req: AWSRequest) -> list[tuple[str, str]]:
    return [(k, "other" if k == "X-Custom" else v) for k, v in req.headers.items()]


def _without(name: str) -> Callable[[AWSRequest], list[tuple[str, str]]]:
    return lambda req: [(k, v) for k, v in req.headers.items() if k.lower() != name]


def _host_unsigned(req: AWSRequest) -> list[tuple[str, str]]:
    value = req.headers["Authorization"].replace("SignedHeaders=host;", "SignedHeaders=")
    return [(k, value if k == "Authorization" else v) for k, v in req.headers.items()]


def _twice_dated(req: AWSRequest) -> list[tuple[str, str]]:
    return [*req.headers.items(), ("X-Amz-Date", "20200101T000000Z")]


def _oversized(req: AWSRequest) -> list[tuple[str, str]]:
    return [*req.headers.items(), ("X-Padding", "p" * 10300)]


def _bearer(req: AWSRequest) -> list[tuple[str, str]]:
    return [("Authorization", "Bearer abc.def")]


def _algorithm(req: AWSRequest) -> list[tuple[str, str]]:
    value = req.headers["Authorization"].replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512")
    return [(k, value if k == "Authorization" else v) for k, v in req.headers.items()]


def _incomplete(req: AWSRequest) -> list[tuple[str, str]]:
    return [("Authorization", f"AWS4-HMAC-SHA256 Credential={ALICE.access_key}/x")]


def _tampered(req: AWSRequest) -> AWSRequest:
    req.data = b'{"a":2}'  # same length: only the signature can tell
    return req


_B64 = base64.b64encode(hashlib.sha256(b"Bearer abc.def").digest()).decode()
WRONG_SECRET = Credentials(ALICE.access_key, "not-the-secret")
UNKNOWN_KEY = Credentials("AKIDUNKNOWN000000000", ALICE.secret_key)


@dataclass(frozen=True)
class Hostile:
    """One hostile request: how it is signed, how it is altered before sending, the answer."""

    sign: Callable[[Served], AWSRequest]
    alter: Callable[[AWSRequest], list[tuple[str, str]]] | None
    status: int
    message: str  # the body's message, or its start when `prefix`
    error_type: str | None
    prefix: bool = False
    key: str = "message"


def _get(path: str = "/signed/h") -> Callable[[Served], AWSRequest]:
    return lambda s: request(s, "GET", path)


HOSTILE: dict[str, Hostile] = {
    "unsigned": Hostile(
        _get(), None, 403, "Missing Authentication Token", "MissingAuthenticationTokenException"
    ),
    "replayed past the 5 minute skew": Hostile(
        lambda s: sign(request(s, "GET", "/signed/h"), offset=-330),
        None,
        403,
        "Signature expired: ",
        "InvalidSignatureException",
        prefix=True,
    ),
    "dated in the future past the skew": Hostile(
        lambda s: sign(request(s, "GET", "/signed/h"), offset=330),
        None,
        403,
        "Signature not yet current: ",
        "InvalidSignatureException",
        prefix=True,
    ),
    "a signed header changed after signing": Hostile(
        lambda s: sign(request(s, "GET", "/signed/h", headers={"X-Custom": "one"})),
        _moved_header,
        403,
        MISMATCH,
        "InvalidSignatureException",
    ),
    "the body changed after signing": Hostile(
        lambda s: _tampered(sign(request(s, "POST", "/signed/h", body=b'{"a":1}'))),
        None,
        403,
        MISMATCH,
        "InvalidSignatureException",
    ),
    "a signed header missing": Hostile(
        lambda s: sign(request(s, "GET", "/signed/h", headers={"X-Custom": "one"})),
        _without("x-custom"),
        403,
        MISMATCH,
        "InvalidSignatureException",
    ),
    "host not signed": Hostile(
        lambda s: sign(request(s, "GET", "/signed/h")),
        _host_unsigned,
        403,
        "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        "IncompleteSignatureException",
    ),
    "a presigned URL past its expiry": Hostile(
        lambda s: presign(request(s, "GET", "/signed/h"), expires=60, offset=-120),
        None,
        403,
        "Signature expired: ",
        "InvalidSignatureException",
        prefix=True,
    ),
    "the wrong secret": Hostile(
        lambda s: sign(request(s, "GET", "/signed/h"), WRONG_SECRET),
        None,
        403,
        MISMATCH,
        "InvalidSignatureException",
    ),
    "an unknown access key": Hostile(
        lambda s: sign(request(s, "GET", "/signed/h"), UNKNOWN_KEY),
        None,
        403,
        INVALID_TOKEN,
        "UnrecognizedClientException",
    ),
    "another service in the scope": Hostile(
        lambda s: sign(request(s, "GET", "/signed/h"), service="s3"),
        None,
        403,
        "Credential should be scoped to correct service: 'execute-api'. ",
        "InvalidSignatureException",
    ),
    "another region in the scope": Hostile(
        lambda s: sign(request(s, "GET", "/signed/h"), region="eu-west-1"),
        None,
        403,
        "Credential should be scoped to a valid region, not 'eu-west-1'. ",
        "InvalidSignatureException",
    ),
    "a Bearer token": Hostile(
        _get(),
        _bearer,
        403,
        "Invalid key=value pair (missing equal-sign) in Authorization header (hashed with "
        f"SHA-256 and encoded with Base64): '{_B64}'.",
        "IncompleteSignatureException",
    ),
    "another signing algorithm": Hostile(
        lambda s: sign(request(s, "GET", "/signed/h")),
        _algorithm,
        403,
        "Unsupported Authorization Type (hashed with SHA-256 and encoded with Base64): '",
        "IncompleteSignatureException",
        prefix=True,
    ),
    "an incomplete Authorization header": Hostile(
        _get(),
        _incomplete,
        403,
        "Authorization header requires 'Signature' parameter. Authorization header requires "
        "'SignedHeaders' parameter. Authorization header requires existence of either a "
        "'X-Amz-Date' or a 'Date' header.",
        "IncompleteSignatureException",
    ),
    "X-Amz-Date twice": Hostile(
        lambda s: sign(request(s, "GET", "/signed/h")),
        _twice_dated,
        403,
        "Date must be in ISO-8601 'basic format'. Got '",
        "IncompleteSignatureException",
        prefix=True,
    ),
    "a session token missing": Hostile(
        lambda s: sign(request(s, "GET", "/signed/h"), TEMP),
        _without("x-amz-security-token"),
        403,
        INVALID_TOKEN,
        "UnrecognizedClientException",
    ),
    "another session token": Hostile(
        lambda s: sign(
            request(s, "GET", "/signed/h"), Credentials(TEMP.access_key, TEMP.secret_key, "x")
        ),
        None,
        403,
        INVALID_TOKEN,
        "UnrecognizedClientException",
    ),
    "an expired session token": Hostile(
        lambda s: sign(request(s, "GET", "/signed/h"), EXPIRED),
        None,
        403,
        "The security token included in the request is expired",
        "ExpiredTokenException",
    ),
    "no policy allows the method": Hostile(
        lambda s: sign(request(s, "GET", "/admin")),
        None,
        403,
        f"User: {ALICE_ARN} is not authorized to perform: execute-api:Invoke on resource: "
        "arn:aws:execute-api:us-east-1:123456789012:",
        "AccessDeniedException",
        prefix=True,
        key="Message",
    ),
    "a policy denies the method": Hostile(
        lambda s: sign(request(s, "POST", "/signed/forbidden")),
        None,
        403,
        f"User: {ALICE_ARN} is not authorized to perform: execute-api:Invoke on resource: ",
        "AccessDeniedException",
        prefix=True,
        key="Message",
    ),
    "a method ARN over 1600 bytes": Hostile(
        lambda s: sign(request(s, "GET", "/signed/" + "x" * 1600)),
        None,
        414,
        "Request URI too long",
        None,
    ),
    "an oversized header": Hostile(
        lambda s: sign(request(s, "GET", "/signed/h")),
        _oversized,
        431,
        "Request Header Fields Too Large",
        None,
    ),
}


def _send_hostile(served: Served, case: Hostile) -> Reply:
    req = case.sign(served)
    return send(served, req, case.alter(req) if case.alter else None)


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_requests_get_api_gateways_answer(rest: Served, name: str) -> None:
    case = HOSTILE[name]
    before = rest.calls_made()
    reply = _send_hostile(rest, case)
    assert reply.status == case.status, reply.body
    message = json.loads(reply.body)[case.key]
    assert message.startswith(case.message) if case.prefix else message == case.message
    assert reply.header("x-amzn-ErrorType") == case.error_type
    assert rest.calls_made() == before, "a refused request reached the integration"


def test_refusals_never_echo_a_secret(rest: Served) -> None:
    for case in HOSTILE.values():
        body = _send_hostile(rest, case).body
        assert ALICE.secret_key.encode() not in body and TEMP.token.encode() not in body
        assert b"abc.def" not in body


def test_explicit_deny_and_expiry_wording(rest: Served) -> None:
    denied = _send_hostile(rest, HOSTILE["a policy denies the method"])
    assert json.loads(denied.body)["Message"].endswith(
        "/dev/POST/signed/forbidden with an explicit deny"
    )
    expired = json.loads(_send_hostile(rest, HOSTILE["replayed past the 5 minute skew"]).body)
    assert expired["message"].endswith(" - 5 min.)")
    presigned = json.loads(_send_hostile(rest, HOSTILE["a presigned URL past its expiry"]).body)
    assert presigned["message"].endswith(" - 60 sec.)")


@pytest.mark.parametrize("name", list(HOSTILE))
def test_http_apis_answer_every_refusal_forbidden(http_api: Served, name: str) -> None:
    # HTTP APIs have no gateway responses: one fixed 403 (reference §1.10, §4.3).
    case = HOSTILE[name]
    before = http_api.calls_made()
    reply = _send_hostile(http_api, case)
    if name == "an oversized header":
        assert reply.status == 431
    elif name == "a method ARN over 1600 bytes":  # REST's limit (reference §1.1 step 1)
        assert reply.status == 200
        before += 1
    else:
        assert (reply.status, reply.body) == (403, b'{"message":"Forbidden"}')
    assert http_api.calls_made() == before, "a refused request reached the integration"
