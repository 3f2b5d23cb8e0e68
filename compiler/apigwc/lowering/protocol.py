"""Pass 1: which format the document is written in, and which API flavour it describes.

The protocol is HTTP when the document uses HTTP-only features (reference §1.0 and DESIGN: the
importexport version, CORS, integration components, `isDefaultRoute`, `payloadFormatVersion`,
JWT or payload-format authorizers, `integrationSubtype`, tag values) and REST otherwise;
`x-apigwc.protocol` forces it (AGW303 when the evidence disagrees).

A document with REST-only features too (REST root extensions, non-proxy integrations, mapping
templates, integration responses) is a REST API when its only HTTP evidence is an extension API
Gateway's REST import ignores (`x-amazon-apigateway-cors`, tag values):
a SAM `AWS::Serverless::Api` with a stray `x-amazon-apigateway-cors` must not be read as an HTTP
API and judged by HTTP rules. Either way such a conflict is reported (AGW307) with the choice.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from apigwc.ir.enums import OPENAPI_METHODS, Protocol, SourceFormat
from apigwc.lowering.context import Context

ANY_METHOD = "x-amazon-apigateway-any-method"
_HTTP_ROOT_EXTENSIONS = ("x-amazon-apigateway-importexport-version", "x-amazon-apigateway-cors")
# Not `payloadFormatVersion`: REST documents carry it too and API Gateway ignores it there
# (LocalStack's AWS-validated cognito and stage-variable imports are REST APIs with it).
_HTTP_INTEGRATION_KEYS = ("integrationSubtype",)
_HTTP_AUTHORIZER_KEYS = (
    "authorizerPayloadFormatVersion",
    "enableSimpleResponses",
    "jwtConfiguration",
)


def detect_format(ctx: Context) -> SourceFormat | None:
    data = ctx.doc.data
    swagger, openapi = data.get("swagger"), data.get("openapi")
    if swagger is not None:
        if str(swagger).strip() in ("2.0", "2"):
            return SourceFormat.SWAGGER2
        ctx.report(
            "AGW120", ctx.root.child("swagger"), reason=f"swagger: {swagger!r} (only 2.0 exists)"
        )
        return None
    if openapi is None:
        ctx.report("AGW120", ctx.root, reason="neither 'openapi' nor 'swagger' is set")
        return None
    text = str(openapi).strip()
    if text.startswith("3.0") or text == "3":
        return SourceFormat.OAS30
    if text.startswith("3.1"):
        ctx.report("AGW121", ctx.root.child("openapi"), version=text)
        return SourceFormat.OAS31
    ctx.report(
        "AGW120",
        ctx.root.child("openapi"),
        reason=f"openapi: {openapi!r}; only OpenAPI 3.x.x and Swagger 2.0 are supported",
    )
    return None


def http_evidence(data: dict[str, Any]) -> str | None:
    """The first HTTP-only feature the document uses, named for messages; None for REST."""
    return next(_http_evidence(data), None)


def _http_evidence(data: dict[str, Any]) -> Iterator[str]:
    """Every HTTP-only feature the document uses, root extensions first."""
    yield from (key for key in _HTTP_ROOT_EXTENSIONS if key in data)
    components = data.get("components")
    if isinstance(components, dict):
        if "x-amazon-apigateway-integrations" in components:
            yield "x-amazon-apigateway-integrations"
        for scheme in _dicts(components.get("securitySchemes")):
            found = _authorizer_evidence(scheme)
            if found:
                yield found
    for scheme in _dicts(data.get("securityDefinitions")):
        found = _authorizer_evidence(scheme)
        if found:
            yield found
    for item in _dicts(data.get("paths")):
        found = _path_item_evidence(item)
        if found:
            yield found
    for tag in _dicts(data.get("tags") or []):
        if "x-amazon-apigateway-tag-value" in tag:
            yield "x-amazon-apigateway-tag-value"
            break
    found = _payload_format_evidence(data)
    if found:
        yield found


# HTTP-only extensions that API Gateway's REST import ignores (it imports the API without them;
# a REST API answers CORS from its OPTIONS methods), so they cannot outweigh REST-only features.
# Not the import/export version: API Gateway writes it into every HTTP API export, so it states
# the flavour rather than configuring a feature.
_IGNORED_BY_REST_IMPORT = frozenset(
    {
        "x-amazon-apigateway-cors",
        "x-amazon-apigateway-tag-value",
    }
)
_NON_PROXY_TYPES = frozenset({"aws", "http", "mock"})


def rest_evidence(data: dict[str, Any]) -> str | None:
    """The first REST-only feature the document uses, named for messages; None if none."""
    found = next((k for k in _REST_ROOT_EXTENSIONS if k in data), None)
    if found:
        return found
    for integration in _integrations(data):
        kind = str(integration.get("type", "")).lower()
        if kind in _NON_PROXY_TYPES:
            return f"a {kind.upper()} integration"
        key = next((k for k in _REST_INTEGRATION_KEYS if k in integration), None)
        if key:
            return f"integration {key}"
    return None


_REST_ROOT_EXTENSIONS = (
    "x-amazon-apigateway-api-key-source",
    "x-amazon-apigateway-binary-media-types",
    "x-amazon-apigateway-documentation",
    "x-amazon-apigateway-gateway-responses",
    "x-amazon-apigateway-minimum-compression-size",
    "x-amazon-apigateway-policy",
    "x-amazon-apigateway-request-validator",
    "x-amazon-apigateway-request-validators",
    "x-amazon-apigateway-security-policy",
    "x-amazon-apigateway-endpoint-access-mode",
)
_REST_INTEGRATION_KEYS = (
    "responses",
    "requestTemplates",
    "passthroughBehavior",
    "contentHandling",
    "cacheKeyParameters",
    "cacheNamespace",
)


def _payload_format_evidence(data: dict[str, Any]) -> str | None:
    """`payloadFormatVersion: "2.0"` exists only for HTTP APIs, unless REST-only things are there.

    "1.0" alone proves nothing: REST documents carry it and API Gateway ignores it there
    (LocalStack's AWS-validated cognito and stage-variable imports are REST APIs with it), so such
    a document is REST unless `x-apigwc.protocol` says HTTP.
    """
    if "swagger" in data or any(k in data for k in _REST_ROOT_EXTENSIONS):
        return None
    integrations = _integrations(data)
    if any(k in i for i in integrations for k in _REST_INTEGRATION_KEYS):
        return None
    for integration in integrations:
        if str(integration.get("payloadFormatVersion", "")).startswith("2"):
            return "payloadFormatVersion 2.0"
    return None


def _integrations(data: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for item in _dicts(data.get("paths")):
        for method, operation in item.items():
            if (method in OPENAPI_METHODS or method == ANY_METHOD) and isinstance(operation, dict):
                integration = operation.get("x-amazon-apigateway-integration")
                if isinstance(integration, dict):
                    found.append(integration)
    return found


def _dicts(values: Any) -> list[dict[str, Any]]:
    """The objects among a mapping's values or a list's items; none for anything else (no crash
    on `paths: [...]` or `securitySchemes: [...]`, which later passes report as AGW201)."""
    if isinstance(values, dict):
        values = values.values()
    if not isinstance(values, (list, tuple, type({}.values()))):
        return []
    return [v for v in values if isinstance(v, dict)]


def _authorizer_evidence(scheme: dict[str, Any]) -> str | None:
    authorizer = scheme.get("x-amazon-apigateway-authorizer")
    if not isinstance(authorizer, dict):
        return None
    if str(authorizer.get("type", "")).lower() == "jwt":
        return "a JWT authorizer"
    return next((k for k in _HTTP_AUTHORIZER_KEYS if k in authorizer), None)


def _path_item_evidence(item: dict[str, Any]) -> str | None:
    for method, operation in item.items():
        if method not in OPENAPI_METHODS and method != ANY_METHOD:
            continue
        if not isinstance(operation, dict):
            continue
        if method == ANY_METHOD and "isDefaultRoute" in operation:
            return "isDefaultRoute"
        integration = operation.get("x-amazon-apigateway-integration")
        if isinstance(integration, dict):
            found = next((k for k in _HTTP_INTEGRATION_KEYS if k in integration), None)
            if found:
                return found
    return None


def detect_protocol(ctx: Context) -> Protocol:
    protocol = _protocol(ctx)
    if protocol is Protocol.HTTP and ctx.source_format is SourceFormat.SWAGGER2:
        # API Gateway rejects it: HTTP APIs import OpenAPI 3.0 only ([DG] http-api-open-api.md)
        ctx.report("AGW302", ctx.root.child("swagger"))
    return protocol


def _protocol(ctx: Context) -> Protocol:
    data = ctx.doc.data
    evidence = http_evidence(data)
    inferred = Protocol.HTTP if evidence else Protocol.REST
    forced = _forced_protocol(data)
    if forced is None:
        return _weigh(ctx, data, inferred) if evidence else inferred
    if forced is not inferred and evidence:
        ctx.report(
            "AGW303",
            ctx.root.child("x-apigwc").child("protocol"),
            forced=forced.value,
            evidence=evidence,
        )
    return forced


def _weigh(ctx: Context, data: dict[str, Any], inferred: Protocol) -> Protocol:
    """HTTP evidence against REST-only features: REST wins unless an HTTP feature that REST
    import does not ignore is there; the conflict is reported with the choice (AGW307)."""
    rest = rest_evidence(data)
    if rest is None:
        return inferred
    found = list(_http_evidence(data))
    strong = [name for name in found if name not in _IGNORED_BY_REST_IMPORT]
    chosen = Protocol.HTTP if strong else Protocol.REST
    http = strong[0] if strong else found[0]
    at = ctx.root.child(http) if http in data else ctx.root
    ctx.report(
        "AGW307",
        at,
        at_key=http in data,
        rest=rest,
        http=http,
        chosen=chosen.value,
        other=(Protocol.REST if strong else Protocol.HTTP).value,
    )
    return chosen


def _forced_protocol(data: dict[str, Any]) -> Protocol | None:
    apigwc = data.get("x-apigwc")
    if not isinstance(apigwc, dict):
        return None
    value = apigwc.get("protocol")
    if isinstance(value, str) and value.upper() in ("REST", "HTTP"):
        return Protocol(value.upper())
    return None
