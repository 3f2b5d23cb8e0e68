"""Security schemes with `x-amazon-apigateway-authorizer` / `-authtype` -> IR (reference §1.4, §1.5).

Swagger 2.0 `securityDefinitions` are read into the OpenAPI 3.0 vocabulary (`basic` becomes
`http`/`basic`, an oauth2 `flow` becomes a `flows` entry) so both formats give the same IR.
"""

from __future__ import annotations

from typing import Any

from apigwc.diagnostics.model import Origin
from apigwc.ir.auth import Authorizer, JwtConfiguration, SecurityScheme
from apigwc.ir.enums import AuthorizerType, SourceFormat
from apigwc.ir.method import SecurityRequirement
from apigwc.lowering.context import Context, Fields, as_fields, json_kind

AUTHORIZER_PROPERTIES = (
    "type",
    "authorizerUri",
    "authorizerCredentials",
    "identitySource",
    "identityValidationExpression",
    "authorizerResultTtlInSeconds",
    "providerARNs",
    "authorizerPayloadFormatVersion",
    "enableSimpleResponses",
    "jwtConfiguration",
)
SCHEME_PROPERTIES = (
    "type",
    "description",
    "name",
    "in",
    "scheme",
    "bearerFormat",
    "flows",
    "openIdConnectUrl",
    "flow",
    "authorizationUrl",
    "tokenUrl",
    "scopes",
)
# Swagger 2.0 oauth2 `flow` -> OpenAPI 3.0 `flows` key
SWAGGER_FLOWS = {
    "implicit": "implicit",
    "password": "password",
    "application": "clientCredentials",
    "accessCode": "authorizationCode",
}


def lower_security_schemes(ctx: Context) -> tuple[SecurityScheme, ...]:
    data = ctx.doc.data
    if ctx.source_format is SourceFormat.SWAGGER2:
        schemes, base = data.get("securityDefinitions"), ctx.root.child("securityDefinitions")
    else:
        components = data.get("components") if isinstance(data.get("components"), dict) else {}
        schemes, base = components.get("securitySchemes"), ctx.root.child(
            "components", "securitySchemes"
        )
    if schemes is None:
        return ()
    if not isinstance(schemes, dict):
        ctx.report(
            "AGW201", base, what="security schemes", expected="an object", actual=json_kind(schemes)
        )
        return ()
    out = []
    for name, raw in schemes.items():
        value, origin = ctx.deref(raw, base.child(name))
        scheme = _scheme(ctx, name, value, origin)
        if scheme is not None:
            out.append(scheme)
    return tuple(out)


def _scheme(ctx: Context, name: str, value: Any, origin: Origin) -> SecurityScheme | None:
    f = as_fields(ctx, value, origin, f"security scheme {name!r}")
    if f is None:
        return None
    kind = f.str("type") or "apiKey"
    scheme, flows = f.str("scheme"), _flows(f)
    if kind == "basic":  # Swagger 2.0
        kind, scheme = "http", "basic"
    authorizer_raw = f.raw("x-amazon-apigateway-authorizer")
    authorizer = None
    if authorizer_raw is not None:
        authorizer = lower_authorizer(
            ctx, name, authorizer_raw, f.at("x-amazon-apigateway-authorizer")
        )
    result = SecurityScheme(
        name=name,
        type=kind,
        description=f.str("description"),
        param_name=f.str("name"),
        location=f.str("in"),
        scheme=scheme,
        bearer_format=f.str("bearerFormat"),
        flows=flows,
        open_id_connect_url=f.str("openIdConnectUrl"),
        auth_type=f.str("x-amazon-apigateway-authtype"),
        authorizer=authorizer,
        origin=origin,
    )
    _check_auth_type(ctx, f, result)
    f.finish(SCHEME_PROPERTIES)
    return result


# `x-amazon-apigateway-authtype` values that need no authorizer object: IAM (SigV4) authorization.
_IAM_AUTH_TYPES = ("awssigv4", "aws_iam")


def _check_auth_type(ctx: Context, f: Fields, scheme: SecurityScheme) -> None:
    """A custom or Cognito authtype names an authorizer the scheme must then define."""
    kind = scheme.auth_type
    if kind is None or scheme.authorizer is not None or kind.lower() in _IAM_AUTH_TYPES:
        return
    ctx.report("AGW213", f.at("x-amazon-apigateway-authtype"), scheme=scheme.name, auth_type=kind)


def _flows(f: Fields) -> dict[str, Any]:
    flows = f.map("flows")
    if flows is not None:
        return dict(flows)
    flow = f.str("flow")
    if flow is None:
        return {}
    entry = {k: f.raw(k) for k in ("authorizationUrl", "tokenUrl") if f.has(k)}
    entry["scopes"] = f.raw("scopes") or {}
    return {SWAGGER_FLOWS.get(flow, flow): entry}


def lower_authorizer(ctx: Context, name: str, value: Any, origin: Origin) -> Authorizer | None:
    f = as_fields(ctx, value, origin, "x-amazon-apigateway-authorizer")
    if f is None or not f.require("type"):
        return None
    kind = f.enum("type", AuthorizerType)
    if kind is None:
        return None
    result = Authorizer(
        name=name,
        type=kind,
        authorizer_uri=f.deployable("authorizerUri"),
        authorizer_credentials=f.deployable("authorizerCredentials"),
        identity_source=_identity_source(f),
        identity_validation_expression=f.str("identityValidationExpression"),
        result_ttl_in_seconds=f.int("authorizerResultTtlInSeconds"),
        provider_arns=f.deployable_list("providerARNs"),
        payload_format_version=f.str("authorizerPayloadFormatVersion", coerce=True),
        enable_simple_responses=f.bool("enableSimpleResponses"),
        jwt_configuration=_jwt(ctx, f),
        origin=origin,
    )
    f.finish(AUTHORIZER_PROPERTIES)
    return result


def _identity_source(f: Fields) -> str | None:
    """A comma-separated string in the extension; some documents write an array (CFN's v2 shape)."""
    raw = f.raw("identitySource")
    if isinstance(raw, list) and all(isinstance(x, str) for x in raw):
        return ", ".join(raw)
    return f.str("identitySource")


def _jwt(ctx: Context, f: Fields) -> JwtConfiguration | None:
    raw = f.map("jwtConfiguration")
    if raw is None:
        return None
    j = Fields(ctx, raw, f.at("jwtConfiguration"), "jwtConfiguration")
    result = JwtConfiguration(
        issuer=j.deployable("issuer"), audience=j.deployable_list("audience"), origin=j.origin
    )
    j.finish(("issuer", "audience"))
    return result


def lower_security_requirements(
    ctx: Context, value: Any, origin: Origin
) -> tuple[SecurityRequirement, ...] | None:
    """An OpenAPI `security` array: alternatives of {scheme: [scopes]}."""
    if value is None:
        return None
    if not isinstance(value, list):
        ctx.report("AGW201", origin, what="security", expected="an array", actual=json_kind(value))
        return None
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            ctx.report(
                "AGW201",
                origin.child(i),
                what="security requirement",
                expected="an object",
                actual=json_kind(item),
            )
            continue
        schemes: dict[str, tuple[str, ...]] = {}
        for scheme, scopes in item.items():
            if not isinstance(scopes, list):
                ctx.report(
                    "AGW201",
                    origin.child(i, scheme),
                    what=f"security scopes of {scheme!r}",
                    expected="an array",
                    actual=json_kind(scopes),
                )
                scopes = []
            schemes[scheme] = tuple(str(s) for s in scopes)
        out.append(SecurityRequirement(schemes=schemes, origin=origin.child(i)))
    return tuple(out)
