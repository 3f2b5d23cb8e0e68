"""`x-amazon-apigateway-integration` and `-integrations` -> IR `Integration` (reference §1.1, §1.2).

Types and enum values are read case-insensitively (REST examples write `aws_proxy`, HTTP ones
`AWS_PROXY`) and stored upper-case as the API spells them. Status codes written as numbers
(`statusCode: 200`, accepted by AWS: LocalStack's integer-status-code import) become strings.
"""

from __future__ import annotations

from typing import Any

from apigwc.diagnostics.model import Origin
from apigwc.ir.base import Deployable
from apigwc.ir.enums import (
    ConnectionType,
    ContentHandling,
    IntegrationType,
    PassthroughBehavior,
    Protocol,
    ResponseTransferMode,
    SourceFormat,
)
from apigwc.ir.integration import Integration, IntegrationResponse, TlsConfig
from apigwc.lowering.context import Context, Fields, as_fields, json_kind

INTEGRATION_PROPERTIES = (
    "type",
    "uri",
    "httpMethod",
    "timeoutInMillis",
    "passthroughBehavior",
    "contentHandling",
    "requestTemplates",
    "requestParameters",
    "responses",
    "cacheKeyParameters",
    "cacheNamespace",
    "connectionType",
    "connectionId",
    "credentials",
    "tlsConfig",
    "payloadFormatVersion",
    "integrationSubtype",
    "responseParameters",
    "integrationTarget",
    "responseTransferMode",
    "description",
)
# WebSocket routes only (reference §10.2); elsewhere they are reported and ignored.
WEBSOCKET_PROPERTIES = ("templateSelectionExpression", "integrationResponseSelectionExpression")
RESPONSE_PROPERTIES = ("statusCode", "responseTemplates", "responseParameters", "contentHandling")
INTEGRATIONS_PREFIX = "#/components/x-amazon-apigateway-integrations/"
# Swagger 2.0 has no `components`: apigwc's Swagger export keeps HTTP integration components here.
SWAGGER_COMPONENTS = "x-apigwc-components"
SWAGGER_INTEGRATIONS_PREFIX = f"#/{SWAGGER_COMPONENTS}/x-amazon-apigateway-integrations/"


def lower_integration(
    ctx: Context, value: Any, origin: Origin, websocket: bool = False
) -> Integration | None:
    f = as_fields(ctx, value, origin, "x-amazon-apigateway-integration")
    if f is None or not f.require("type"):
        return None
    kind = f.enum("type", IntegrationType)
    if kind is None:
        return None
    result = Integration(
        type=kind,
        uri=f.deployable("uri"),
        http_method=_http_method(f),
        timeout_in_millis=f.int("timeoutInMillis"),
        passthrough_behavior=f.enum("passthroughBehavior", PassthroughBehavior),
        content_handling=f.enum("contentHandling", ContentHandling),
        request_templates=_templates(f, "requestTemplates"),
        request_parameters=f.deployable_map("requestParameters"),
        responses=_responses(ctx, f),
        cache_key_parameters=f.str_list("cacheKeyParameters"),
        cache_namespace=f.str("cacheNamespace"),
        connection_type=f.enum("connectionType", ConnectionType),
        connection_id=f.deployable("connectionId"),
        credentials=f.deployable("credentials"),
        tls_config=_tls(ctx, f),
        payload_format_version=_coerced_deployable(f, "payloadFormatVersion"),
        integration_subtype=f.str("integrationSubtype"),
        response_parameters=_http_response_parameters(ctx, f),
        integration_target=f.deployable("integrationTarget"),
        response_transfer_mode=f.enum("responseTransferMode", ResponseTransferMode),
        description=f.str("description"),
        template_selection_expression=f.str("templateSelectionExpression"),
        integration_response_selection_expression=f.str("integrationResponseSelectionExpression"),
        origin=origin,
    )
    if not websocket:
        result = _without_websocket_properties(ctx, f, result)
    if ctx.protocol is Protocol.REST and "payloadFormatVersion" in f.value:
        # REST documents carry it (LocalStack's AWS-validated imports) and API Gateway ignores it
        ctx.sink.report(
            "AGW301",
            f.at("payloadFormatVersion"),
            at_key=True,
            feature="integration 'payloadFormatVersion'",
            api="REST",
        )
    f.finish(INTEGRATION_PROPERTIES + WEBSOCKET_PROPERTIES)
    return result


def _without_websocket_properties(ctx: Context, f: Fields, result: Integration) -> Integration:
    """A REST method's or HTTP API route's integration with a WebSocket-only property: reported
    (AGW301) and dropped, as API Gateway ignores it there."""
    present = [name for name in WEBSOCKET_PROPERTIES if name in f.value]
    for name in present:
        api = "HTTP" if ctx.protocol is Protocol.HTTP else "REST"
        ctx.sink.report("AGW301", f.at(name), at_key=True, feature=f"integration {name!r}", api=api)
    if not present:
        return result
    return result.model_copy(
        update={
            "template_selection_expression": None,
            "integration_response_selection_expression": None,
        }
    )


def _http_method(f: Fields) -> str | None:
    method = f.str("httpMethod")
    return method.upper() if method else method


def _responses(ctx: Context, f: Fields) -> tuple[IntegrationResponse, ...]:
    responses = f.map("responses")
    if not responses:
        return ()
    if ctx.protocol is Protocol.HTTP:
        ctx.sink.report(
            "AGW301", f.at("responses"), at_key=True, feature="integration 'responses'", api="HTTP"
        )
    out = []
    for pattern, raw in responses.items():
        response = _response(ctx, pattern, raw, f.at("responses").child(pattern))
        if response is not None:
            out.append(response)
    return tuple(out)


def _response(ctx: Context, pattern: str, value: Any, origin: Origin) -> IntegrationResponse | None:
    r = as_fields(ctx, value, origin, f"integration response {pattern!r}")
    if r is None or not r.require("statusCode"):
        return None
    status = r.str("statusCode", coerce=True)
    if status is None:
        return None
    result = IntegrationResponse(
        selection_pattern=pattern,
        status_code=status,
        response_templates=_templates(r, "responseTemplates"),
        response_parameters=r.deployable_map("responseParameters"),
        content_handling=r.enum("contentHandling", ContentHandling),
        origin=origin,
    )
    r.finish(RESPONSE_PROPERTIES)
    return result


def _templates(f: Fields, key: str) -> dict[str, Deployable]:
    """Mapping templates; `null` values (an empty template in some exports) read as ''."""
    raw = f.map(key)
    if raw is None:
        return {}
    cleaned = {k: ("" if v is None else v) for k, v in raw.items()}
    f.value = {**f.value, key: cleaned}
    return f.deployable_map(key)


def _coerced_deployable(f: Fields, key: str) -> Deployable | None:
    """`payloadFormatVersion: 1.0` is a YAML number; AWS reads it as the string "1.0"."""
    raw = f.raw(key)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return f.str(key, coerce=True)
    return f.deployable(key)


def _tls(ctx: Context, f: Fields) -> TlsConfig | None:
    raw = f.map("tlsConfig")
    if raw is None:
        return None
    t = Fields(ctx, raw, f.at("tlsConfig"), "tlsConfig")
    result = TlsConfig(
        insecure_skip_verification=t.bool("insecureSkipVerification"),
        server_name_to_verify=t.str("serverNameToVerify"),
        origin=t.origin,
    )
    t.finish(("insecureSkipVerification", "serverNameToVerify"))
    return result


def _http_response_parameters(ctx: Context, f: Fields) -> dict[str, dict[str, Deployable]]:
    """HTTP APIs: status code -> {"overwrite:header.x": value}."""
    raw = f.map("responseParameters")
    if not raw:
        return {}
    out: dict[str, dict[str, Deployable]] = {}
    for status, mapping in raw.items():
        origin = f.at("responseParameters").child(status)
        if not isinstance(mapping, dict):
            ctx.report(
                "AGW201",
                origin,
                what=f"responseParameters.{status}",
                expected="an object",
                actual=json_kind(mapping),
            )
            continue
        inner = Fields(ctx, mapping, origin, f"responseParameters.{status}")
        out[status] = {k: v for k in mapping if (v := inner.deployable(k)) is not None}
    return out


def lower_integration_use(
    ctx: Context, value: Any, origin: Origin, components: dict[str, Integration]
) -> tuple[Integration | None, str | None]:
    """An operation's integration: inline, or (HTTP) a `$ref` to a named component."""
    if isinstance(value, dict) and isinstance(value.get("$ref"), str):
        ref = value["$ref"]
        prefix = next((p for p in _PREFIXES if ref.startswith(p)), None)
        if prefix is not None:
            name = ref[len(prefix) :]
            if name in components:
                return components[name], name
        target, target_origin = ctx.deref(value, origin)
        if target is None:
            return None, None
        return lower_integration(ctx, target, target_origin), None
    return lower_integration(ctx, value, origin), None


_PREFIXES = (INTEGRATIONS_PREFIX, SWAGGER_INTEGRATIONS_PREFIX)


def lower_integration_components(ctx: Context) -> dict[str, Integration]:
    holder = "components"
    if ctx.source_format is SourceFormat.SWAGGER2 and SWAGGER_COMPONENTS in ctx.doc.data:
        holder = SWAGGER_COMPONENTS
    components = ctx.doc.data.get(holder)
    if not isinstance(components, dict):
        return {}
    raw = components.get("x-amazon-apigateway-integrations")
    if raw is None:
        return {}
    base = ctx.root.child(holder, "x-amazon-apigateway-integrations")
    if not isinstance(raw, dict):
        ctx.report(
            "AGW201",
            base,
            what="x-amazon-apigateway-integrations",
            expected="an object",
            actual=json_kind(raw),
        )
        return {}
    out = {}
    for name, value in raw.items():
        integration = lower_integration(ctx, value, base.child(name))
        if integration is not None:
            out[name] = integration
    return out
