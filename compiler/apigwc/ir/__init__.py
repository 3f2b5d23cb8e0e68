"""The intermediate representation: frozen pydantic models, one API whatever its source format.

Flows in: built by `apigwc.lowering` from a loaded Document. Flows out: read (never mutated) by
validation, the emitters and the export. Each node keeps its origin (file + JSON pointer).
"""

from apigwc.ir.api import (
    MODEL_REF_PREFIX,
    Api,
    Cors,
    Documentation,
    DocumentationLocation,
    DocumentationPart,
    EndpointConfiguration,
    GatewayResponse,
    Model,
    RequestValidator,
    Tag,
)
from apigwc.ir.auth import Authorizer, JwtConfiguration, SecurityScheme
from apigwc.ir.base import (
    Deployable,
    Fn,
    GetAtt,
    If,
    Intrinsic,
    Json,
    Node,
    Ref,
    Sub,
    deployable_json,
    dump,
    intrinsic,
    ir_equal,
)
from apigwc.ir.deployment import Deployment
from apigwc.ir.enums import *  # noqa: F403
from apigwc.ir.integration import Integration, IntegrationResponse, TlsConfig
from apigwc.ir.method import (
    MediaModel,
    Method,
    MethodResponse,
    Parameter,
    PathItem,
    RequestBody,
    ResponseHeader,
    SecurityRequirement,
)

__all__ = [
    "MODEL_REF_PREFIX",
    "Api",
    "Authorizer",
    "Cors",
    "Deployable",
    "Deployment",
    "Documentation",
    "DocumentationLocation",
    "DocumentationPart",
    "EndpointConfiguration",
    "Fn",
    "GatewayResponse",
    "GetAtt",
    "If",
    "Integration",
    "IntegrationResponse",
    "Intrinsic",
    "Json",
    "JwtConfiguration",
    "MediaModel",
    "Method",
    "MethodResponse",
    "Model",
    "Node",
    "Parameter",
    "PathItem",
    "Ref",
    "RequestBody",
    "RequestValidator",
    "ResponseHeader",
    "SecurityRequirement",
    "SecurityScheme",
    "Sub",
    "Tag",
    "TlsConfig",
    "deployable_json",
    "dump",
    "intrinsic",
    "ir_equal",
]
