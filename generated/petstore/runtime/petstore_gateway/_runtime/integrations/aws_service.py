"""AWS service integrations (REST `AWS` type): the HTTP request API Gateway makes to a service.

Flows in: the integration's URI (`arn:aws:apigateway:{region}:{service}:action/{Action}` or
`…:{service}:path/{service path}`, stage variables already rendered), its `httpMethod`, the
rendered integration request (body from the mapping template or passthrough, mapped
`integration.request.{header,querystring,path}.*` with `$context.requestOverride` applied).
Flows out: a `ServiceRequest` (method, path, query, headers, body) for `aws_endpoints.py` to
sign and send, or `ServiceUriError` for a URI API Gateway would not call (500).

Reference §9.1/§9.2:
- path style calls the service's REST path with the integration's verb; `{name}` placeholders
  take `integration.request.path.name` (S3 `path/{bucket}/{key}`); the body and the client's
  `Content-Type` go as for HTTP custom integrations.
- action style calls the named API action at the service root. JSON-protocol services get
  `Content-Type: application/x-amz-json-1.0|1.1` unless one is mapped, and `X-Amz-Target` is
  filled by API Gateway for DynamoDB, Kinesis, Step Functions and SSM only (LocalStack's tests
  validated against AWS: EventBridge needs it mapped or set through `requestOverride`; for
  Firehose and SQS's JSON protocol nothing recorded says API Gateway fills it, so it is not).
- Query-protocol services (SQS, SNS) take the action as `Action=` in the query string; the
  mapped query strings and the form body carry the parameters.
- SSM's action calls follow the recorded Query protocol (`test_apigateway_ssm`: parameters as
  integration query strings, the answer as `{"GetParameterResponse": {"GetParameterResult": …,
  "ResponseMetadata": {"RequestId": …}}}`). SSM's own API is JSON today, so the query strings
  are sent as the JSON body with `X-Amz-Target` and the JSON answer is wrapped as recorded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

_URI: Final = re.compile(
    r"^arn:aws[a-z-]*:apigateway:(?P<region>[a-z0-9-]*):(?P<service>[A-Za-z0-9.-]+)"
    r":(?P<style>action|path)/(?P<name>.*)$",
    re.DOTALL,
)
_PLACEHOLDER: Final = re.compile(r"\{([A-Za-z0-9._$-]+?)(\+?)\}")
_ACTION: Final = re.compile(r"^[A-Za-z0-9]+$")
WITHOUT_BODY: Final = frozenset({"GET", "HEAD", "OPTIONS"})


class ServiceUriError(ValueError):
    """An integration URI that names no service call API Gateway could make."""


@dataclass(frozen=True, slots=True)
class ServiceProtocol:
    """How a service takes its API calls (botocore's service metadata, as API Gateway sends)."""

    endpoint_id: str  # `AWS_ENDPOINT_URL_<ID>`: the SDKs' service id, upper case
    json_version: str | None = None  # JSON protocol: `application/x-amz-json-<version>`
    target_prefix: str | None = None  # JSON protocol: `X-Amz-Target: <prefix>.<Action>`
    fills_target: bool = False  # API Gateway sets `X-Amz-Target` for action URIs (§9.1)
    query: bool = False  # Query protocol: `Action=<Action>` in the query string
    legacy_query: bool = False  # SSM: Query-protocol action calls, answered in JSON (§9.1)
    s3: bool = False  # S3 signs its payload (`x-amz-content-sha256`)


SERVICES: Final[Mapping[str, ServiceProtocol]] = {
    "sqs": ServiceProtocol("SQS", "1.0", "AmazonSQS", query=True),
    "sns": ServiceProtocol("SNS", query=True),
    "kinesis": ServiceProtocol("KINESIS", "1.1", "Kinesis_20131202", fills_target=True),
    "states": ServiceProtocol("SFN", "1.0", "AWSStepFunctions", fills_target=True),
    "dynamodb": ServiceProtocol("DYNAMODB", "1.0", "DynamoDB_20120810", fills_target=True),
    "events": ServiceProtocol("EVENTBRIDGE", "1.1", "AWSEvents"),
    "ssm": ServiceProtocol("SSM", "1.1", "AmazonSSM", fills_target=True, legacy_query=True),
    "firehose": ServiceProtocol("FIREHOSE", "1.1", "Firehose_20150804"),
    "s3": ServiceProtocol("S3", s3=True),
    "lambda": ServiceProtocol("LAMBDA"),
}
# A service not in the table is still called (path style, or an action as its JSON body):
# the signing name is the URI's service token, the endpoint id that token upper-cased.


@dataclass(frozen=True, slots=True)
class ServiceTarget:
    """The parts of an integration URI: region, service, `action` or `path`, and the name."""

    region: str
    service: str
    style: str
    name: str

    @classmethod
    def parse(cls, uri: str) -> ServiceTarget:
        found = _URI.match(uri)
        if found is None:
            # API Gateway refuses such a URI at import: `AWS ARN for integration must contain
            # path or action` (§9.1); one made so by a stage variable fails the call.
            raise ServiceUriError("AWS ARN for integration must contain path or action")
        target = cls(**found.groupdict())
        if target.style == "action" and not _ACTION.match(target.name):
            raise ServiceUriError(f"not an action name: {target.name[:64]!r}")
        return target

    @property
    def protocol(self) -> ServiceProtocol:
        return SERVICES.get(self.service) or ServiceProtocol(self.service.upper())


@dataclass(frozen=True, slots=True)
class ServiceRequest:
    """What goes to the service, before signing: the headers are the mapped ones plus those
    API Gateway adds for the service's protocol."""

    method: str
    path: str  # percent-encoded, from `/`
    query: tuple[tuple[str, str], ...]
    headers: tuple[tuple[str, str], ...]
    body: bytes


def service_request(
    target: ServiceTarget,
    http_method: str,
    body: bytes,
    headers: Mapping[str, str],
    querystring: Mapping[str, str],
    path_values: Mapping[str, str],
    content_type: str | None = None,
) -> ServiceRequest:
    """The request for `target`: `headers` are the mapped ones, `content_type` the client's
    (sent, as by HTTP custom integrations, unless mapped or the protocol names its own)."""
    method = http_method.upper()
    mapped = dict(headers)
    if method in WITHOUT_BODY:
        body = b""
    if target.style == "path":
        if content_type and body:
            _default(mapped, "Content-Type", content_type)
        path = "/" + fill_path(target.name, path_values)
        return ServiceRequest(method, path, tuple(querystring.items()), _pairs(mapped), body)
    protocol = target.protocol
    if content_type and body and (protocol.query or protocol.json_version is None):
        _default(mapped, "Content-Type", content_type)
    return _action_request(target, method, body, mapped, dict(querystring))


def _action_request(
    target: ServiceTarget,
    method: str,
    body: bytes,
    headers: dict[str, str],
    query: dict[str, str],
) -> ServiceRequest:
    protocol, action = target.protocol, target.name
    if protocol.legacy_query:
        body, query = json.dumps(query).encode(), {}
        if method in WITHOUT_BODY:
            method = "POST"  # the JSON protocol only takes POST
    if protocol.query:
        query.setdefault("Action", action)
    elif protocol.json_version is not None:
        _default(headers, "Content-Type", f"application/x-amz-json-{protocol.json_version}")
        if protocol.fills_target and protocol.target_prefix:
            _default(headers, "X-Amz-Target", f"{protocol.target_prefix}.{action}")
    return ServiceRequest(method, "/", tuple(query.items()), _pairs(headers), body)


def _default(headers: dict[str, str], name: str, value: str) -> None:
    """`name` set to `value` unless the integration request maps it (any case)."""
    lowered = name.lower()
    if not any(key.lower() == lowered for key in headers):
        headers[name] = value


def fill_path(template: str, values: Mapping[str, str]) -> str:
    """A path-style URI's service path with `{name}` taken from `integration.request.path.name`
    (a value's `/` kept for a greedy `{name+}`, escaped otherwise, as a path segment must be)."""

    def value(found: re.Match[str]) -> str:
        text = values.get(found.group(1))
        if text is None:
            return found.group(0)
        return _escape(text, keep_slash=bool(found.group(2)) or "/" not in text)

    return _PLACEHOLDER.sub(value, template)


def _escape(text: str, keep_slash: bool) -> str:
    from urllib.parse import quote

    # A mapped value is already how the client sent it (`method.request.path.*` stays
    # percent-encoded), so existing escapes are kept.
    return quote(text, safe="/%:@!$&'()*+,;=-._~" if keep_slash else "%:@!$&'()*+,;=-._~")


def legacy_query_answer(action: str, body: bytes, request_id: str) -> bytes:
    """SSM's JSON answer in the recorded Query-protocol JSON shape (§9.1)."""
    try:
        result = json.loads(body) if body.strip() else {}
    except ValueError:
        return body
    wrapped = {
        f"{action}Response": {
            f"{action}Result": result,
            "ResponseMetadata": {"RequestId": request_id},
        }
    }
    return json.dumps(wrapped).encode()


def _pairs(headers: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(headers.items())
