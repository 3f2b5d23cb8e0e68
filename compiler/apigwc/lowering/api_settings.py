"""REST API settings extensions: request validators, gateway responses, documentation; HTTP CORS.

`x-amazon-apigateway-request-validators` / `-request-validator` (§1.7),
`x-amazon-apigateway-gateway-responses` (§1.8), `x-amazon-apigateway-documentation` (§1.14),
`x-amazon-apigateway-cors` (§1.15).
"""

from __future__ import annotations

from typing import Any

from apigwc.ir.api import (
    Cors,
    Documentation,
    DocumentationLocation,
    DocumentationPart,
    GatewayResponse,
    RequestValidator,
)
from apigwc.ir.enums import DocumentationLocationType, GatewayResponseType
from apigwc.lowering.context import Context, Fields, as_fields, json_kind, suggestion

VALIDATORS = "x-amazon-apigateway-request-validators"
GATEWAY_RESPONSES = "x-amazon-apigateway-gateway-responses"
DOCUMENTATION = "x-amazon-apigateway-documentation"
CORS = "x-amazon-apigateway-cors"


def lower_request_validators(ctx: Context, data: dict[str, Any]) -> tuple[RequestValidator, ...]:
    raw = data.get(VALIDATORS)
    if raw is None:
        return ()
    base = ctx.root.child(VALIDATORS)
    if not isinstance(raw, dict):
        ctx.report("AGW201", base, what=VALIDATORS, expected="an object", actual=json_kind(raw))
        return ()
    out = []
    for name, value in raw.items():
        f = as_fields(ctx, value, base.child(name), f"request validator {name!r}")
        if f is None:
            continue
        out.append(
            RequestValidator(
                name=name,
                validate_request_body=bool(f.bool("validateRequestBody")),
                validate_request_parameters=bool(f.bool("validateRequestParameters")),
                origin=base.child(name),
            )
        )
        f.finish(())
    return tuple(out)


def lower_gateway_responses(ctx: Context, data: dict[str, Any]) -> tuple[GatewayResponse, ...]:
    raw = data.get(GATEWAY_RESPONSES)
    if raw is None:
        return ()
    base = ctx.root.child(GATEWAY_RESPONSES)
    if not isinstance(raw, dict):
        ctx.report(
            "AGW201", base, what=GATEWAY_RESPONSES, expected="an object", actual=json_kind(raw)
        )
        return ()
    out = []
    for kind, value in raw.items():
        origin = base.child(kind)
        try:
            response_type = GatewayResponseType(kind)
        except ValueError:
            ctx.sink.report(
                "AGW202",
                origin,
                at_key=True,
                what="gateway response type",
                value=kind,
                expected="one of the 21 types"
                + suggestion(kind, [t.value for t in GatewayResponseType]),
            )
            continue
        f = as_fields(ctx, value, origin, f"gateway response {kind}")
        if f is None:
            continue
        out.append(
            GatewayResponse(
                response_type=response_type,
                status_code=f.str("statusCode", coerce=True),
                response_parameters=f.deployable_map("responseParameters"),
                response_templates=f.deployable_map("responseTemplates"),
                origin=origin,
            )
        )
        f.finish(("statusCode", "responseParameters", "responseTemplates", "defaultResponse"))
    return tuple(out)


def lower_documentation(ctx: Context, data: dict[str, Any]) -> Documentation | None:
    raw = data.get(DOCUMENTATION)
    if raw is None:
        return None
    f = as_fields(ctx, raw, ctx.root.child(DOCUMENTATION), DOCUMENTATION)
    if f is None:
        return None
    parts_raw = f.raw("documentationParts")
    if parts_raw is None:
        parts_raw = []
    if not isinstance(parts_raw, list):
        ctx.report(
            "AGW201",
            f.at("documentationParts"),
            what="documentationParts",
            expected="an array",
            actual=json_kind(parts_raw),
        )
        parts_raw = []
    parts = []
    for i, part in enumerate(parts_raw):
        lowered = _documentation_part(ctx, part, f, i)
        if lowered is not None:
            parts.append(lowered)
    result = Documentation(
        version=f.str("version", coerce=True), parts=tuple(parts), origin=f.origin
    )
    f.finish(("createdDate",))  # present in AWS's own exports
    return result


def _documentation_part(ctx: Context, part: Any, f: Fields, i: int) -> DocumentationPart | None:
    origin = f.at("documentationParts").child(i)
    p = as_fields(ctx, part, origin, "documentation part")
    if p is None or not p.require("location"):
        return None
    loc_raw = p.map("location")
    if loc_raw is None:
        return None
    loc = Fields(ctx, loc_raw, p.at("location"), "documentation location")
    if not loc.require("type"):
        return None
    kind = loc.enum("type", DocumentationLocationType)
    if kind is None:
        return None
    location = DocumentationLocation(
        type=kind,
        path=loc.str("path"),
        method=loc.str("method"),
        status_code=loc.str("statusCode", coerce=True),
        name=loc.str("name"),
        origin=loc.origin,
    )
    loc.finish(())
    properties = p.raw("properties")
    p.finish(())
    return DocumentationPart(location=location, properties=properties, origin=origin)


def lower_cors(ctx: Context, data: dict[str, Any]) -> Cors | None:
    raw = data.get(CORS)
    if raw is None:
        return None
    f = as_fields(ctx, raw, ctx.root.child(CORS), CORS)
    if f is None:
        return None
    result = Cors(
        allow_origins=f.str_list("allowOrigins"),
        allow_credentials=f.bool("allowCredentials"),
        expose_headers=f.str_list("exposeHeaders"),
        max_age=f.int("maxAge"),
        allow_methods=f.str_list("allowMethods"),
        allow_headers=f.str_list("allowHeaders"),
        origin=f.origin,
    )
    f.finish(())
    return result
