"""IR -> an OpenAPI document (OAS 3.0 or Swagger 2.0), like API Gateway's GetExport.

One writer, two dialects: `OpenApiWriter` builds everything that is the same in both, and the
few places where the formats differ (servers vs host/basePath, where models and security
schemes live, how bodies and media types are written) are hooks that `Oas30Writer` and
`SwaggerWriter` fill. Loading the output gives an IR equal to the input (the round-trip tests), and the output is
valid OpenAPI (openapi-spec-validator, tests/test_corpus.py): where the IR lacks what OpenAPI
requires, the writer fills it in a way loading reads back to the same IR — a string schema for a
parameter or header without one, an empty response description, a `default` response and
undeclared path parameters (both marked `x-apigwc-filler`; a greedy `{proxy+}` only in exports
with `x-apigwc`, as API Gateway rejects a parameter named `proxy+`), and an intrinsic title as
text (with the intrinsic itself in `info.x-apigwc-title` in exports with `x-apigwc`).
"""

from __future__ import annotations

import abc
import re
from typing import Any

from apigwc.export.extensions import compact, deployables, integration_json, scheme_extensions
from apigwc.export.options import ExportOptions
from apigwc.ir.api import Api, model_ref_name
from apigwc.ir.base import INTRINSIC_TYPES, deployable_json
from apigwc.ir.enums import Protocol
from apigwc.ir.method import MediaModel, Method, MethodResponse, Parameter, SecurityRequirement
from apigwc.loader.positions import escape_token
from apigwc.lowering.integration import SWAGGER_COMPONENTS, SWAGGER_INTEGRATIONS_PREFIX
from apigwc.lowering.paths import EXPORT_FILLER, STRING_SCHEMA
from apigwc.lowering.root import SWAGGER_HOST, TITLE_INTRINSIC
from apigwc.lowering.security import SWAGGER_FLOWS

ANY_METHOD = "x-amazon-apigateway-any-method"
INTEGRATIONS_REF = "#/components/x-amazon-apigateway-integrations/"


_INTRINSIC_BY_KIND = {t.model_fields["kind"].default: t for t in INTRINSIC_TYPES}


def intrinsics_to_json(value: Any) -> Any:
    """Dumped IR intrinsics (`{"kind": "Fn::Sub", ...}`) back to their JSON form."""
    if isinstance(value, dict):
        kind = value.get("kind")
        if isinstance(kind, str) and kind in _INTRINSIC_BY_KIND:
            return _INTRINSIC_BY_KIND[kind].model_validate(value).to_json()  # type: ignore[attr-defined]
        return {k: intrinsics_to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [intrinsics_to_json(v) for v in value]
    return value


class OpenApiWriter(abc.ABC):
    model_ref_prefix = ""
    integrations_ref = INTEGRATIONS_REF

    def __init__(self, api: Api, options: ExportOptions) -> None:
        self.api = api
        self.options = options

    # -- schema references -------------------------------------------------------------------
    def schema(self, value: Any) -> Any:
        if isinstance(value, dict):
            name = model_ref_name(value.get("$ref"))
            if name is not None:
                return {
                    **{k: self.schema(v) for k, v in value.items()},
                    "$ref": self.model_ref_prefix + escape_token(name),
                }
            return {k: self.schema(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.schema(v) for v in value]
        return value

    # -- document ----------------------------------------------------------------------------
    def document(self) -> dict[str, Any]:
        doc = self.header()
        doc["info"] = self.info()
        doc.update(self.location())
        doc["paths"] = {
            item.path: self.path_item(item.path, item.methods) for item in self.api.paths
        }
        doc.update(self.definitions())
        if self.api.security is not None:
            doc["security"] = self.security(self.api.security)
        if self.api.tags:
            doc["tags"] = [self.tag(t) for t in self.api.tags]
        if self.api.external_docs is not None:
            doc["externalDocs"] = self.api.external_docs
        doc.update(self.root_extensions())
        return doc

    @abc.abstractmethod
    def header(self) -> dict[str, Any]:
        """Filled by each format's writer."""

    @abc.abstractmethod
    def location(self) -> dict[str, Any]:
        """Filled by each format's writer."""

    @abc.abstractmethod
    def definitions(self) -> dict[str, Any]:
        """Filled by each format's writer."""

    def info(self) -> dict[str, Any]:
        api = self.api
        title = api.title
        text = isinstance(title, str) or self.options.cloudformation
        info: dict[str, Any] = {"title": deployable_json(title) if text else _text(title)}
        if not text and self.options.apigwc:
            info[TITLE_INTRINSIC] = deployable_json(title)
        info["version"] = api.version
        if api.description is not None:
            info["description"] = api.description
        return {**info, **api.info}

    def tag(self, tag: Any) -> dict[str, Any]:
        value = compact(
            {"name": tag.name, "description": tag.description, "externalDocs": tag.external_docs}
        )
        if tag.value is not None and self.options.apigateway:
            value["x-amazon-apigateway-tag-value"] = tag.value
        return value

    # -- paths -------------------------------------------------------------------------------
    def path_item(self, path: str, methods: tuple[Method, ...]) -> dict[str, Any]:
        item: dict[str, Any] = {
            ANY_METHOD if m.http_method == "ANY" else m.http_method.lower(): self.operation(m)
            for m in methods
        }
        # `{proxy+}` is declared as `proxy` in API Gateway specs; a parameter named `proxy+` is
        # one API Gateway rejects, so it is written only where loading will skip it again.
        undeclared = [
            name
            for name in _PATH_VARIABLE.findall(path)
            if not all(_declares(m, name) for m in methods)
            and (self.options.apigwc or not name.endswith("+"))
        ]
        if methods and undeclared:
            item["parameters"] = [self.filler_parameter(name) for name in undeclared]
        return item

    def filler_parameter(self, name: str) -> dict[str, Any]:
        """A path parameter OpenAPI needs declared (`{proxy+}` is declared as `proxy` in API
        Gateway specs), which loading skips."""
        return {"name": name, "in": "path", "required": True, **self.string_schema()}

    def string_schema(self) -> dict[str, Any]:
        return {"schema": dict(STRING_SCHEMA)} | self.filler()

    @staticmethod
    def filler() -> dict[str, Any]:
        """The mark of a filler, which loading skips (a CloudFormation body is loaded again)."""
        return {EXPORT_FILLER: True}

    @abc.abstractmethod
    def response(self, r: MethodResponse) -> dict[str, Any]:
        """Filled by each format's writer."""

    def responses(self, m: Method) -> dict[str, Any]:
        # OpenAPI needs one; a CloudFormation body is for API Gateway, whose own exports write
        # `{}` there, and a `default` method response is not something to create on deploy.
        if not m.responses and not self.options.cloudformation:
            return {"default": {"description": ""} | self.filler()}
        return {r.status_code: self.response(r) for r in m.responses}

    def operation(self, m: Method) -> dict[str, Any]:
        op: dict[str, Any] = compact(
            {
                "tags": list(m.tags),
                "summary": m.summary,
                "description": m.description,
                "operationId": m.operation_id,
                "externalDocs": m.external_docs,
            }
        )
        op.update(self.operation_io(m))
        if m.security is not None:
            op["security"] = self.security(m.security)
        if m.deprecated:
            op["deprecated"] = True
        if m.is_default_route:
            op["isDefaultRoute"] = True
        op.update(self.operation_extensions(m))
        return op

    @abc.abstractmethod
    def operation_io(self, m: Method) -> dict[str, Any]:
        """Filled by each format's writer."""

    def operation_extensions(self, m: Method) -> dict[str, Any]:
        ext: dict[str, Any] = {}
        opts = self.options
        if opts.apigateway and m.auth_type is not None:
            ext["x-amazon-apigateway-auth"] = {"type": m.auth_type}
        if opts.apigateway and m.request_validator is not None:
            ext["x-amazon-apigateway-request-validator"] = m.request_validator
        if opts.with_integrations and m.integration is not None:
            if m.integration_ref is not None:
                ext["x-amazon-apigateway-integration"] = {
                    "$ref": self.integrations_ref + m.integration_ref
                }
            else:
                ext["x-amazon-apigateway-integration"] = integration_json(
                    m.integration, self.api.protocol
                )
        return ext

    @staticmethod
    def security(requirements: tuple[SecurityRequirement, ...]) -> list[dict[str, list[str]]]:
        return [{k: list(v) for k, v in r.schemes.items()} for r in requirements]

    def parameter_base(self, p: Parameter) -> dict[str, Any]:
        value: dict[str, Any] = {"name": p.name, "in": p.location.value}
        if p.required:
            value["required"] = True
        if p.description is not None:
            value["description"] = p.description
        return value

    def integration_components(self) -> dict[str, Any]:
        if not (self.api.integrations and self.options.with_integrations):
            return {}
        return {
            "x-amazon-apigateway-integrations": {
                name: integration_json(i, self.api.protocol)
                for name, i in self.api.integrations.items()
            }
        }

    # -- security schemes --------------------------------------------------------------------
    def security_schemes(self) -> dict[str, Any]:
        out = {}
        for s in self.api.security_schemes:
            value = self.scheme_body(s)
            if self.options.authorizers:
                value.update(scheme_extensions(s))
            out[s.name] = value
        return out

    def scheme_body(self, s: Any) -> dict[str, Any]:
        return compact(
            {
                "type": s.type,
                "description": s.description,
                "name": s.param_name,
                "in": s.location,
                "scheme": s.scheme,
                "bearerFormat": s.bearer_format,
                "flows": s.flows,
                "openIdConnectUrl": s.open_id_connect_url,
            }
        )

    # -- root extensions ---------------------------------------------------------------------
    def root_extensions(self) -> dict[str, Any]:
        api, opts = self.api, self.options
        ext: dict[str, Any] = {}
        if api.protocol is Protocol.HTTP:
            ext["x-amazon-apigateway-importexport-version"] = "1.0"
        if opts.apigateway:
            ext.update(self.apigateway_extensions())
        if opts.documentation and api.documentation is not None:
            ext["x-amazon-apigateway-documentation"] = self.documentation()
        if opts.apigwc:
            ext.update(self.apigwc_extension())
        return ext

    def apigateway_extensions(self) -> dict[str, Any]:
        api = self.api
        return compact(
            {
                "x-amazon-apigateway-api-key-source": api.api_key_source
                and api.api_key_source.value,
                "x-amazon-apigateway-binary-media-types": list(api.binary_media_types),
                "x-amazon-apigateway-minimum-compression-size": deployable_json(
                    api.minimum_compression_size
                ),
                "x-amazon-apigateway-policy": api.policy,
                "x-amazon-apigateway-security-policy": api.security_policy,
                "x-amazon-apigateway-endpoint-access-mode": api.endpoint_access_mode
                and api.endpoint_access_mode.value,
                "x-amazon-apigateway-gateway-responses": {
                    g.response_type.value: compact(
                        {
                            "statusCode": g.status_code,
                            "responseParameters": deployables(g.response_parameters),
                            "responseTemplates": deployables(g.response_templates),
                        }
                    )
                    for g in api.gateway_responses
                },
                "x-amazon-apigateway-request-validators": {
                    v.name: {
                        "validateRequestBody": v.validate_request_body,
                        "validateRequestParameters": v.validate_request_parameters,
                    }
                    for v in api.request_validators
                },
                "x-amazon-apigateway-request-validator": api.default_request_validator,
            }
        ) | ({"x-amazon-apigateway-cors": self.cors()} if api.cors is not None else {})

    def cors(self) -> dict[str, Any]:
        c = self.api.cors
        assert c is not None
        return compact(
            {
                "allowOrigins": list(c.allow_origins),
                "allowCredentials": c.allow_credentials,
                "exposeHeaders": list(c.expose_headers),
                "maxAge": c.max_age,
                "allowMethods": list(c.allow_methods),
                "allowHeaders": list(c.allow_headers),
            }
        )

    def endpoint_configuration(self) -> dict[str, Any] | None:
        e = self.api.endpoint_configuration
        if e is None or not self.options.apigateway:
            return None
        return (
            compact(
                {
                    "disableExecuteApiEndpoint": e.disable_execute_api_endpoint,
                    "vpcEndpointIds": [deployable_json(v) for v in e.vpc_endpoint_ids],
                    "ipAddressType": e.ip_address_type,
                }
            )
            or {}
        )

    def documentation(self) -> dict[str, Any]:
        d = self.api.documentation
        assert d is not None
        parts = [
            {
                "location": compact(
                    {
                        "type": p.location.type.value,
                        "path": p.location.path,
                        "method": p.location.method,
                        "statusCode": p.location.status_code,
                        "name": p.location.name,
                    }
                ),
                "properties": p.properties,
            }
            for p in d.parts
        ]
        return compact({"version": d.version, "documentationParts": parts})

    def apigwc_extension(self) -> dict[str, Any]:
        ext: dict[str, Any] = {}
        deployment = self.api.deployment.model_dump(
            mode="json", by_alias=True, exclude_defaults=True
        )
        websocket = self.api.deployment.websocket
        if websocket is not None:
            routes = deployment.get("websocket", {}).get("routes", {})
            for key, route in websocket.routes.items():
                if route.integration is not None and key in routes:
                    routes[key]["integration"] = integration_json(route.integration, Protocol.REST)
        if deployment:
            ext["x-apigwc"] = intrinsics_to_json(deployment)
        if self.api.ignored_codes:
            ext["x-apigwc-ignore"] = list(self.api.ignored_codes)
        return ext


class Oas30Writer(OpenApiWriter):
    model_ref_prefix = "#/components/schemas/"

    def header(self) -> dict[str, Any]:
        return {"openapi": "3.0.1"}

    def location(self) -> dict[str, Any]:
        api = self.api
        endpoint = self.endpoint_configuration()
        if api.host is None and api.base_path is None and endpoint is None:
            return {}
        url = f"https://{api.host}" if api.host else ""
        server: dict[str, Any] = {"url": url + "/{basePath}" if api.base_path else (url + "/")}
        if api.base_path:
            server["variables"] = {"basePath": {"default": api.base_path}}
        if endpoint is not None:
            server["x-amazon-apigateway-endpoint-configuration"] = endpoint
        return {"servers": [server]}

    def definitions(self) -> dict[str, Any]:
        components: dict[str, Any] = {}
        if self.api.models:
            components["schemas"] = {m.name: self.schema(m.schema_) for m in self.api.models}
        schemes = self.security_schemes()
        if schemes:
            components["securitySchemes"] = schemes
        components.update(self.integration_components())
        return {"components": components} if components else {}

    def operation_io(self, m: Method) -> dict[str, Any]:
        io: dict[str, Any] = {}
        if m.parameters:
            io["parameters"] = [self.parameter(p) for p in m.parameters]
        if m.request_body is not None:
            b = m.request_body
            io["requestBody"] = compact(
                {
                    "description": b.description,
                    "required": b.required,
                    "content": self.content(b.content),
                }
            )
        io["responses"] = self.responses(m)
        return io

    def parameter(self, p: Parameter) -> dict[str, Any]:
        value = self.parameter_base(p)
        value["schema"] = self.schema(p.schema_ if p.schema_ is not None else STRING_SCHEMA)
        return value

    def content(self, content: tuple[MediaModel, ...]) -> dict[str, Any]:
        return {c.media_type: {"schema": self.schema(c.schema_)} for c in content}

    def response(self, r: MethodResponse) -> dict[str, Any]:
        headers = {
            h.name: compact(
                {
                    "description": h.description,
                    "schema": self.schema(h.schema_ if h.schema_ is not None else STRING_SCHEMA),
                }
            )
            for h in r.headers
        }
        content = self.content(r.content)
        return {"description": r.description or ""} | compact(
            {"headers": headers, "content": content}
        )


class SwaggerWriter(OpenApiWriter):
    model_ref_prefix = "#/definitions/"
    integrations_ref = SWAGGER_INTEGRATIONS_PREFIX

    def header(self) -> dict[str, Any]:
        return {"swagger": "2.0"}

    def location(self) -> dict[str, Any]:
        api = self.api
        out: dict[str, Any] = {}
        if api.host is not None and _SWAGGER_HOST.match(api.host):
            out["host"] = api.host
        elif api.host is not None and self.options.apigwc:
            out[SWAGGER_HOST] = api.host  # Swagger's host admits no `{placeholder}`
        if api.base_path is not None:
            out["basePath"] = api.base_path
        if "host" in out:
            out["schemes"] = ["https"]
        endpoint = self.endpoint_configuration()
        if endpoint is not None:
            out["x-amazon-apigateway-endpoint-configuration"] = endpoint
        return out

    def definitions(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.api.models:
            out["definitions"] = {m.name: self.schema(m.schema_) for m in self.api.models}
        schemes = self.security_schemes()
        if schemes:
            out["securityDefinitions"] = schemes
        # Swagger 2.0 has no `components`: HTTP integration components go under an extension
        # of the same shape (API Gateway imports HTTP APIs from OpenAPI 3.0 only).
        integrations = self.integration_components()
        if integrations:
            out[SWAGGER_COMPONENTS] = integrations
        return out

    def scheme_body(self, s: Any) -> dict[str, Any]:
        body = super().scheme_body(s)
        if s.type == "http" and s.scheme == "basic":
            body = {k: v for k, v in body.items() if k != "scheme"} | {"type": "basic"}
        if s.type == "oauth2" and s.flows:
            body.pop("flows", None)
            name, flow = next(iter(s.flows.items()))
            reverse = {v: k for k, v in SWAGGER_FLOWS.items()}
            body["flow"] = reverse.get(name, name)
            body.update(
                {
                    k: v
                    for k, v in (flow or {}).items()
                    if k in ("authorizationUrl", "tokenUrl", "scopes")
                }
            )
        return body

    def operation_io(self, m: Method) -> dict[str, Any]:
        io: dict[str, Any] = {}
        body = m.request_body
        if body is not None and body.content:
            io["consumes"] = [c.media_type for c in body.content]
        produces = _unique(c.media_type for r in m.responses for c in r.content)
        if produces:
            io["produces"] = produces
        params = [self.parameter(p) for p in m.parameters]
        if body is not None:
            params.append(self.body_parameter(m))
        if params:
            io["parameters"] = params
        io["responses"] = self.responses(m)
        return io

    def string_schema(self) -> dict[str, Any]:
        return {**STRING_SCHEMA} | self.filler()

    def parameter(self, p: Parameter) -> dict[str, Any]:
        value = self.parameter_base(p)
        value.update(self.schema(p.schema_ if isinstance(p.schema_, dict) else STRING_SCHEMA))
        return value

    def body_parameter(self, m: Method) -> dict[str, Any]:
        b = m.request_body
        assert b is not None
        value: dict[str, Any] = {"in": "body", "name": "body"}
        if b.required is not None:
            value["required"] = b.required
        if b.description is not None:
            value["description"] = b.description
        value["schema"] = self.schema(b.content[0].schema_) if b.content else {}
        return value

    def response(self, r: MethodResponse) -> dict[str, Any]:
        headers = {}
        for h in r.headers:
            header = compact({"description": h.description})
            header.update(self.schema(h.schema_ if isinstance(h.schema_, dict) else STRING_SCHEMA))
            headers[h.name] = header
        value = {"description": r.description or ""} | compact({"headers": headers})
        if r.content:
            value["schema"] = self.schema(r.content[0].schema_)
        return value


_SWAGGER_HOST = re.compile(r"^[^{}/ :\\]+(?::\d+)?$")  # Swagger 2.0's pattern for `host`
_PATH_VARIABLE = re.compile(r"\{([^{}]+)\}")


def _declares(m: Method, name: str) -> bool:
    return any(p.location.value == "path" and p.name == name for p in m.parameters)


def _text(value: Any) -> str:
    """A title intrinsic as readable text: the `Fn::Sub` template, else `${Name}`."""
    template = getattr(value, "template", None)
    if isinstance(template, str):
        return template
    json = value.to_json()
    ((fn, argument),) = json.items()
    return f"${{{argument}}}" if fn == "Ref" else f"${{{fn}}}"


def _unique(values: Any) -> list[str]:
    out: list[str] = []
    for v in values:
        if v not in out:
            out.append(v)
    return out


WRITERS: dict[str, type[OpenApiWriter]] = {"oas30": Oas30Writer, "swagger": SwaggerWriter}
