"""The root of the IR: `Api`, with its models, validators, gateway responses and root settings.

One `Api` describes a REST or an HTTP API whatever format it was read from. The `x-apigwc`
deployment extension hangs off it as `deployment`.
"""

from __future__ import annotations

from pydantic import Field

from apigwc.ir.auth import SecurityScheme
from apigwc.ir.base import Deployable, Intrinsic, Json, Node
from apigwc.ir.deployment import Deployment
from apigwc.ir.enums import (
    ApiKeySource,
    DocumentationLocationType,
    EndpointAccessMode,
    GatewayResponseType,
    Protocol,
    SourceFormat,
)
from apigwc.ir.integration import Integration
from apigwc.ir.method import Method, PathItem, SecurityRequirement

MODEL_REF_PREFIX = "#/models/"


def model_ref_name(ref: object) -> str | None:
    """`#/models/Pet` → `Pet`: the model a lowered `$ref` names (lowering writes every reference
    to a model so); anything else → None."""
    if isinstance(ref, str) and ref.startswith(MODEL_REF_PREFIX):
        return ref[len(MODEL_REF_PREFIX) :]
    return None


class Model(Node):
    """A named schema (Swagger `definitions`, OpenAPI `components.schemas`): API Gateway's Model.

    `schema` is JSON Schema (draft 4 as API Gateway reads it) with references to other models
    written `{"$ref": "#/models/<Name>"}`.
    """

    name: str
    schema_: Json = Field(alias="schema")
    content_type: str = "application/json"

    model_config = Node.model_config | {"populate_by_name": True}


class RequestValidator(Node):
    name: str
    validate_request_body: bool = False
    validate_request_parameters: bool = False


class GatewayResponse(Node):
    response_type: GatewayResponseType
    status_code: str | None = None
    response_parameters: dict[str, Deployable] = Field(default_factory=dict)
    response_templates: dict[str, Deployable] = Field(default_factory=dict)


class DocumentationLocation(Node):
    type: DocumentationLocationType
    path: str | None = None
    method: str | None = None
    status_code: str | None = None
    name: str | None = None


class DocumentationPart(Node):
    location: DocumentationLocation
    properties: Json


class Documentation(Node):
    version: str | None = None
    parts: tuple[DocumentationPart, ...] = ()


class Cors(Node):
    """HTTP APIs: `x-amazon-apigateway-cors`."""

    allow_origins: tuple[str, ...] = ()
    allow_credentials: bool | None = None
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()


class EndpointConfiguration(Node):
    disable_execute_api_endpoint: bool | None = None
    vpc_endpoint_ids: tuple[Deployable, ...] = ()
    ip_address_type: str | None = None


class Tag(Node):
    name: str
    description: str | None = None
    value: str | None = None  # x-amazon-apigateway-tag-value (HTTP APIs)
    external_docs: Json | None = None


class Api(Node):
    protocol: Protocol
    source_format: SourceFormat = Field(default=SourceFormat.OAS30, exclude=True)
    title: Deployable = ""
    version: str = ""
    description: str | None = None
    info: dict[str, Json] = Field(default_factory=dict)  # other Info fields: contact, license, ...
    host: str | None = None
    base_path: str | None = None  # §2.4: Swagger basePath / OpenAPI server variable or URL path
    paths: tuple[PathItem, ...] = ()
    models: tuple[Model, ...] = ()
    security_schemes: tuple[SecurityScheme, ...] = ()
    security: tuple[SecurityRequirement, ...] | None = None  # root level (ignored by REST)
    tags: tuple[Tag, ...] = ()
    external_docs: Json | None = None
    # root extensions
    api_key_source: ApiKeySource | None = None
    binary_media_types: tuple[str, ...] = ()
    minimum_compression_size: int | Intrinsic | None = None
    policy: Json | None = None
    security_policy: str | None = None
    endpoint_access_mode: EndpointAccessMode | None = None
    endpoint_configuration: EndpointConfiguration | None = None
    documentation: Documentation | None = None
    gateway_responses: tuple[GatewayResponse, ...] = ()
    request_validators: tuple[RequestValidator, ...] = ()
    default_request_validator: str | None = None
    cors: Cors | None = None
    integrations: dict[str, Integration] = Field(default_factory=dict)  # HTTP components
    deployment: Deployment = Field(default_factory=Deployment)
    ignored_codes: tuple[str, ...] = ()

    # -- lookups used by every consumer ------------------------------------------------------
    @property
    def methods(self) -> tuple[Method, ...]:
        return tuple(m for item in self.paths for m in item.methods)

    def model(self, name: str) -> Model | None:
        return next((m for m in self.models if m.name == name), None)

    def security_scheme(self, name: str) -> SecurityScheme | None:
        return next((s for s in self.security_schemes if s.name == name), None)

    def request_validator(self, name: str) -> RequestValidator | None:
        return next((v for v in self.request_validators if v.name == name), None)

    @property
    def slug(self) -> str:
        """A file- and package-safe name for generated artifacts."""
        import re

        title = self.title if isinstance(self.title, str) else "api"
        slug = re.sub(r"[^a-z0-9]+", "_", (title or "api").lower()).strip("_")
        if not slug or slug[0].isdigit():
            slug = "api_" + slug
        return slug
