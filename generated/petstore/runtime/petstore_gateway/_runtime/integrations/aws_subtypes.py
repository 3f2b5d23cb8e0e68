"""HTTP API first-class AWS integrations (`AWS_PROXY` with `integrationSubtype`, reference §9.3).

Flows in: the route's integration config (`integrationSubtype`, `requestParameters` as a flat
map `ParamName -> value`, `credentials`, `timeoutInMillis`), compiled once; per request, the
request's mapping values (`$request.*`, `$context.*`, `$stageVariables.*`, static text, `${…}`
concatenations: transform/mapping.py's HTTP API values). Flows out: the service's answer as the
route's response (status, `Content-Type`, body), or a `GatewayError` (HTTP APIs answer 500
`Internal Server Error`, 503 on a timeout).

Each subtype is one service action called with the service's JSON protocol; its parameters take
the service API's member names (`StateMachineArn` -> `stateMachineArn`), numbers where the API
wants numbers, and `Region` chooses the region the call is signed for. `AppConfig-
GetConfiguration` calls AppConfig's REST API instead (`GET /applications/{Application}/
environments/{Environment}/configurations/{Configuration}?client_id=…`, signed for `appconfig`).
A required parameter that maps to nothing answers 400 `{"message":"Bad Request"}` without
calling the service (a user's report of an SQS-SendMessage route whose `$request.body.MessageBody`
was absent: "always received BadRequest", aws-samples/sessions-with-aws-sam#38).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import quote

from ..responses.gateway_responses import GatewayError
from ..transform.mapping import (
    Expression,
    MappingExpressionError,
    MappingValues,
    compile_http_value,
)
from .aws_service import SERVICES, ServiceRequest, ServiceTarget

Body = Callable[[Mapping[str, str]], Any]
_PLACEHOLDER: Final = re.compile(r"\{([A-Za-z]+)\}")


@dataclass(frozen=True, slots=True)
class Subtype:
    """One first-class integration: the service action, its parameters and its request body."""

    service: str
    action: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    integers: frozenset[str] = frozenset()  # members the API takes as numbers
    structured: frozenset[str] = frozenset()  # members that are JSON lists or maps
    blobs: frozenset[str] = frozenset()  # blob members: base64 in the JSON protocol, as SDKs send
    renamed: Mapping[str, str] = field(default_factory=dict)  # parameter -> API member
    entries: bool = False  # EventBridge: the parameters are one entry of `Entries`
    # A REST-JSON action (AppConfig): its path with `{Parameter}` placeholders, and the
    # parameters sent in the query string, by query name.
    path: str | None = None
    query: Mapping[str, str] = field(default_factory=dict)

    def body(self, values: Mapping[str, str]) -> bytes:
        members = {self.renamed.get(k, k): self._typed(k, v) for k, v in values.items()}
        members.pop("Region", None)
        document: Any = {"Entries": [members]} if self.entries else members
        return json.dumps(document).encode()

    def _typed(self, name: str, value: str) -> Any:
        if name in self.blobs:
            return base64.b64encode(value.encode()).decode()
        if name in self.integers and value.strip().lstrip("-").isdigit():
            return int(value)
        if name in self.structured:
            try:
                return json.loads(value)
            except ValueError:
                return [value]  # one name given as text (AttributeNames: All)
        return value


_SQS_SEND = ("DelaySeconds", "MessageAttributes", "MessageDeduplicationId", "MessageGroupId")
_STATES = {"StateMachineArn": "stateMachineArn", "Name": "name", "Input": "input"}
SUBTYPES: Final[Mapping[str, Subtype]] = {
    "SQS-SendMessage": Subtype(
        "sqs",
        "SendMessage",
        ("QueueUrl", "MessageBody"),
        (*_SQS_SEND, "MessageSystemAttributes", "Region"),
        integers=frozenset({"DelaySeconds"}),
        structured=frozenset({"MessageAttributes", "MessageSystemAttributes"}),
    ),
    "SQS-ReceiveMessage": Subtype(
        "sqs",
        "ReceiveMessage",
        ("QueueUrl",),
        (
            "AttributeNames",
            "MaxNumberOfMessages",
            "MessageAttributeNames",
            "ReceiveRequestAttemptId",
            "VisibilityTimeout",
            "WaitTimeSeconds",
            "Region",
        ),
        integers=frozenset({"MaxNumberOfMessages", "VisibilityTimeout", "WaitTimeSeconds"}),
        structured=frozenset({"AttributeNames", "MessageAttributeNames"}),
    ),
    "SQS-DeleteMessage": Subtype(
        "sqs", "DeleteMessage", ("ReceiptHandle", "QueueUrl"), ("Region",)
    ),
    "SQS-PurgeQueue": Subtype("sqs", "PurgeQueue", ("QueueUrl",), ("Region",)),
    "Kinesis-PutRecord": Subtype(
        "kinesis",
        "PutRecord",
        ("StreamName", "Data", "PartitionKey"),
        ("SequenceNumberForOrdering", "ExplicitHashKey", "Region"),
        blobs=frozenset({"Data"}),
    ),
    "StepFunctions-StartExecution": Subtype(
        "states",
        "StartExecution",
        ("StateMachineArn",),
        ("Name", "Input", "Region"),
        renamed=_STATES,
    ),
    "StepFunctions-StartSyncExecution": Subtype(
        "states",
        "StartSyncExecution",
        ("StateMachineArn",),
        ("Name", "Input", "Region", "TraceHeader"),
        renamed={**_STATES, "TraceHeader": "traceHeader"},
    ),
    "StepFunctions-StopExecution": Subtype(
        "states",
        "StopExecution",
        ("ExecutionArn",),
        ("Cause", "Error", "Region"),
        renamed={"ExecutionArn": "executionArn", "Cause": "cause", "Error": "error"},
    ),
    "AppConfig-GetConfiguration": Subtype(
        "appconfig",
        "GetConfiguration",
        ("Application", "Environment", "Configuration", "ClientId"),
        ("ClientConfigurationVersion", "Region"),
        path="applications/{Application}/environments/{Environment}/configurations/{Configuration}",
        query={
            "ClientId": "client_id",
            "ClientConfigurationVersion": "client_configuration_version",
        },
    ),
    "EventBridge-PutEvents": Subtype(
        "events",
        "PutEvents",
        ("Detail", "DetailType", "Source"),
        ("Time", "EventBusName", "Resources", "Region", "TraceHeader"),
        structured=frozenset({"Resources"}),
        entries=True,
    ),
}


def _whole_body(values: MappingValues) -> str | None:
    """`$request.body`: the whole body as text, a value first-class integrations take (§9.3)
    beside the parameter mappings' `$request.body.<JSONPath>`."""
    return values.body.decode("utf-8", "replace") or None


@dataclass(frozen=True, slots=True)
class SubtypeCall:
    """A route's subtype and its parameter expressions, compiled once (None: not reproduced, or
    a parameter expression that does not compile: every request answers 500)."""

    subtype: Subtype | None
    parameters: Mapping[str, Expression]
    reason: str = "integration subtype not run"

    @classmethod
    def compile(cls, integration: Mapping[str, Any]) -> SubtypeCall:
        subtype = SUBTYPES.get(str(integration.get("integrationSubtype")))
        unresolved = integration.get("unresolvedParameters")
        if unresolved:
            # A CloudFormation intrinsic (`Ref: MyQueue`) the local build cannot resolve: a
            # misconfigured integration (500), not the client's missing value (400).
            reason = f"parameter {unresolved[0]} is an intrinsic known only when deployed"
            return cls(None, {}, reason)
        try:
            parameters = {
                name: _whole_body if value == "$request.body" else compile_http_value(value)
                for name, value in (integration.get("requestParameters") or {}).items()
                if isinstance(value, str)
            }
        except MappingExpressionError:
            return cls(None, {})
        if subtype is not None and set(parameters) - {*subtype.required, *subtype.optional}:
            return cls(None, {})  # API Gateway refuses unknown parameters at import
        return cls(subtype, parameters)

    def request(self, values: MappingValues) -> tuple[ServiceTarget, ServiceRequest]:
        """The service call, or 500 when the subtype is not reproduced or a required parameter
        maps to nothing."""
        subtype = self.subtype
        if subtype is None:
            raise GatewayError("API_CONFIGURATION_ERROR", reason=self.reason)
        mapped = {
            name: found
            for name, expression in self.parameters.items()
            if (found := expression(values))
        }
        missing = [name for name in subtype.required if name not in mapped]
        if missing:
            reason = f"required parameter {missing[0]} maps to nothing"
            raise GatewayError("BAD_REQUEST_PARAMETERS", reason=reason)
        region = mapped.get("Region", "")
        if subtype.path is not None:
            return _rest_request(subtype, subtype.path, region, mapped)
        target = ServiceTarget(region, subtype.service, "action", subtype.action)
        protocol = SERVICES[subtype.service]
        headers = (
            ("Content-Type", f"application/x-amz-json-{protocol.json_version}"),
            ("X-Amz-Target", f"{protocol.target_prefix}.{subtype.action}"),
        )
        return target, ServiceRequest("POST", "/", (), headers, subtype.body(mapped))


def _rest_request(
    subtype: Subtype, path: str, region: str, mapped: Mapping[str, str]
) -> tuple[ServiceTarget, ServiceRequest]:
    """A REST-JSON service's GET: the path's placeholders filled (each value one escaped
    segment: a request's value never reaches another of the service's paths), the query
    parameters by their query names."""
    if any(mapped[name] in (".", "..") for name in _PLACEHOLDER.findall(path)):
        raise GatewayError("BAD_REQUEST_PARAMETERS", reason="a path parameter is a dot segment")
    filled = "/" + _PLACEHOLDER.sub(lambda found: quote(mapped[found.group(1)], safe="-._~"), path)
    query = tuple((name, mapped[key]) for key, name in subtype.query.items() if key in mapped)
    target = ServiceTarget(region, subtype.service, "path", filled)
    return target, ServiceRequest("GET", filled, query, (), b"")
