"""`x-amazon-apigateway-integration` as IR: API Gateway's Integration and IntegrationResponse.

Every property of the extension (reference §1.1) has a field; REST-only and HTTP-only ones are
None when absent. Request/response parameter values may be intrinsics in template bodies.
"""

from __future__ import annotations

from pydantic import Field

from apigwc.ir.base import Deployable, Node
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

    @property
    def is_proxy(self) -> bool:
        return self.type in (IntegrationType.AWS_PROXY, IntegrationType.HTTP_PROXY)

    @property
    def is_lambda(self) -> bool:
        uri = self.uri
        return (isinstance(uri, str) and ":lambda:path/" in uri) or (
            not isinstance(uri, str) and uri is not None and "lambda:path" in str(uri.to_json())
        )
