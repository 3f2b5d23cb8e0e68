"""Security schemes and `x-amazon-apigateway-authorizer` / `-authtype` as IR.

A `SecurityScheme` is the OpenAPI object (3.0 vocabulary; Swagger 2.0 `basic` becomes
`http`/`basic`). An `Authorizer` is API Gateway's Authorizer, named after its scheme. A scheme
with `x-amazon-apigateway-authtype: awsSigv4` (anything starting "aws") means AWS_IAM.
"""

from __future__ import annotations

from pydantic import Field

from apigwc.ir.base import Deployable, Json, Node
from apigwc.ir.enums import AuthorizerType


class JwtConfiguration(Node):
    issuer: Deployable | None = None
    audience: tuple[Deployable, ...] = ()


class Authorizer(Node):
    name: str
    type: AuthorizerType
    authorizer_uri: Deployable | None = None
    authorizer_credentials: Deployable | None = None
    identity_source: str | None = None
    identity_validation_expression: str | None = None
    result_ttl_in_seconds: int | None = None
    provider_arns: tuple[Deployable, ...] = ()
    payload_format_version: str | None = None
    enable_simple_responses: bool | None = None
    jwt_configuration: JwtConfiguration | None = None


class SecurityScheme(Node):
    name: str
    type: str  # apiKey | http | oauth2 | openIdConnect
    description: str | None = None
    param_name: str | None = None  # apiKey: the header / query parameter name
    location: str | None = None  # apiKey: header | query | cookie
    scheme: str | None = None  # http: basic | bearer
    bearer_format: str | None = None
    flows: dict[str, Json] = Field(default_factory=dict)  # oauth2, OpenAPI 3.0 shape
    open_id_connect_url: str | None = None
    auth_type: str | None = None  # x-amazon-apigateway-authtype
    authorizer: Authorizer | None = None  # x-amazon-apigateway-authorizer

    @property
    def is_iam(self) -> bool:
        """`awsSigv4` (and any auth type starting "aws") is reserved for AWS_IAM ([DG23])."""
        return self.authorizer is None and (self.auth_type or "").lower().startswith("aws")

    @property
    def is_api_key(self) -> bool:
        """An apiKey scheme with no authorizer and no IAM auth type requires an API key."""
        return self.type == "apiKey" and self.authorizer is None and not self.is_iam
