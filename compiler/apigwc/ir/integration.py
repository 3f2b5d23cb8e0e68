"""`x-amazon-apigateway-integration` as IR: API Gateway's Integration and IntegrationResponse.

Every property of the extension (reference §1.1) has a field; REST-only and HTTP-only ones are
None when absent. Request/response parameter values may be intrinsics in template bodies.
"""

from __future__ import annotations

import re

from pydantic import Field

from apigwc.ir.base import Deployable, GetAtt, Node, Sub
from apigwc.ir.enums import (
    ConnectionType,
    ContentHandling,
    IntegrationType,
    PassthroughBehavior,
    ResponseTransferMode,
)


class IntegrationResponse(Node):
    """One entry of `responses`: selected by `selection_pattern` (a regex, or "default")."""

    selection_pattern: str
    status_code: str
    response_templates: dict[str, Deployable] = Field(default_factory=dict)
    response_parameters: dict[str, Deployable] = Field(default_factory=dict)
    content_handling: ContentHandling | None = None


class TlsConfig(Node):
    insecure_skip_verification: bool | None = None
    server_name_to_verify: str | None = None


class Integration(Node):
    type: IntegrationType
    uri: Deployable | None = None
    http_method: str | None = None
    timeout_in_millis: int | None = None
    passthrough_behavior: PassthroughBehavior | None = None
    content_handling: ContentHandling | None = None
    request_templates: dict[str, Deployable] = Field(default_factory=dict)
    request_parameters: dict[str, Deployable] = Field(default_factory=dict)
    responses: tuple[IntegrationResponse, ...] = ()
    cache_key_parameters: tuple[str, ...] = ()
    cache_namespace: str | None = None
    connection_type: ConnectionType | None = None
    connection_id: Deployable | None = None
    credentials: Deployable | None = None
    tls_config: TlsConfig | None = None
    # HTTP APIs
    payload_format_version: Deployable | None = None
    integration_subtype: str | None = None
    response_parameters: dict[str, dict[str, Deployable]] = Field(default_factory=dict)
    # REST, 2025: VPC links V2 and response streaming
    integration_target: Deployable | None = None
    response_transfer_mode: ResponseTransferMode | None = None
    description: str | None = None
    # WebSocket routes (`x-apigwc.websocket`, reference §10.2): which request template a message
    # takes, and what the integration responses' keys are matched against.
    template_selection_expression: str | None = None
    integration_response_selection_expression: str | None = None

    @property
    def is_proxy(self) -> bool:
        return self.type in (IntegrationType.AWS_PROXY, IntegrationType.HTTP_PROXY)

    @property
    def is_lambda(self) -> bool:
        uri = self.uri
        return (isinstance(uri, str) and ":lambda:path/" in uri) or (
            not isinstance(uri, str) and uri is not None and "lambda:path" in str(uri.to_json())
        )


# The parts of a Lambda integration URI (`…:lambda:path/2015-03-31/functions/{target}/invocations`).
_LAMBDA_TARGET = re.compile(r"/functions/(.+)/invocations")
_FUNCTION_ARN_IN_SUB = re.compile(r"\$\{([A-Za-z0-9]+)\.Arn\}")
_FUNCTION_IN_ARN = re.compile(r":function:([^/]+?)(?:/invocations)?$")
_SUB_VARIABLE = re.compile(r"\$\{([A-Za-z0-9]+)\}")


def lambda_function(uri: Deployable | None) -> str | None:
    """The function a Lambda integration URI invokes, as the build and `validate` read it: the
    name in `…:function:Name[:alias]` (alias or version kept; a `${stageVariables.x}` kept for
    the runtime to render), the logical id of a `Fn::Sub` `${Logical.Arn}` or `${Logical}` (a
    Ref gives the function's name), or of `Fn::GetAtt [Logical, Arn]`; None when the URI does
    not say (a parameter holding the ARN)."""
    if isinstance(uri, GetAtt):
        return uri.resource
    text = uri.template if isinstance(uri, Sub) else uri
    if not isinstance(text, str):
        return None
    inner = _LAMBDA_TARGET.search(text)
    target = inner.group(1) if inner else text
    found = _FUNCTION_ARN_IN_SUB.search(target)
    if found:
        return found.group(1)
    named = _FUNCTION_IN_ARN.search(target)
    if named is None:
        return None
    ref = _SUB_VARIABLE.fullmatch(named.group(1)) if isinstance(uri, Sub) else None
    return ref.group(1) if ref else named.group(1)
