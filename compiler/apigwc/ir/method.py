"""Paths and operations as IR: API Gateway's Resource and Method (REST) / Route (HTTP).

Path-level parameters are merged into each method (an operation's own wins), as API Gateway
does on import. Schemas are JSON Schema with model references in the canonical form
`{"$ref": "#/models/<Name>"}` (see `apigwc.ir.api.Model`), whatever the source format wrote.
"""

from __future__ import annotations

from pydantic import Field

from apigwc.ir.base import Json, Node
from apigwc.ir.enums import ParameterLocation
from apigwc.ir.integration import Integration


class Parameter(Node):
    """A method request parameter: `method.request.<location>.<name>`."""

    name: str
    location: ParameterLocation
    required: bool = False
    description: str | None = None
    schema_: Json | None = Field(default=None, alias="schema")

    model_config = Node.model_config | {"populate_by_name": True}

    @property
    def mapping_source(self) -> str:
        loc = {"query": "querystring"}.get(self.location.value, self.location.value)
        return f"method.request.{loc}.{self.name}"


class MediaModel(Node):
    """A body schema for one media type (request model or method-response model)."""

    media_type: str
    schema_: Json | None = Field(default=None, alias="schema")

    model_config = Node.model_config | {"populate_by_name": True}


class RequestBody(Node):
    required: bool | None = None
    description: str | None = None
    content: tuple[MediaModel, ...] = ()


class ResponseHeader(Node):
    name: str
    description: str | None = None
    schema_: Json | None = Field(default=None, alias="schema")

    model_config = Node.model_config | {"populate_by_name": True}


class MethodResponse(Node):
    status_code: str  # "200", or "default" as OpenAPI allows
    description: str | None = None
    headers: tuple[ResponseHeader, ...] = ()
    content: tuple[MediaModel, ...] = ()


class SecurityRequirement(Node):
    """One alternative of an operation's `security`: scheme name -> scopes."""

    schemes: dict[str, tuple[str, ...]]


class Method(Node):
    path: str
    http_method: str  # GET, POST, ... or ANY (x-amazon-apigateway-any-method)
    operation_id: str | None = None
    summary: str | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()
    deprecated: bool = False
    external_docs: Json | None = None
    parameters: tuple[Parameter, ...] = ()
    request_body: RequestBody | None = None
    responses: tuple[MethodResponse, ...] = ()
    security: tuple[SecurityRequirement, ...] | None = None  # None: not stated on the operation
    auth_type: str | None = None  # x-amazon-apigateway-auth {type}: NONE | AWS_IAM
    integration: Integration | None = None
    integration_ref: str | None = None  # HTTP: name in components.x-amazon-apigateway-integrations
    request_validator: str | None = None  # x-amazon-apigateway-request-validator on the operation
    is_default_route: bool = False  # HTTP: isDefaultRoute on the any-method object

    @property
    def route_key(self) -> str:
        if self.is_default_route:
            return "$default"
        return f"{self.http_method} {self.path}"

    def parameter(self, location: str, name: str) -> Parameter | None:
        for p in self.parameters:
            if p.location.value == location and p.name == name:
                return p
        return None


class PathItem(Node):
    path: str
    methods: tuple[Method, ...] = ()
