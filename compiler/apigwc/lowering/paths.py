"""Paths and operations -> IR `PathItem`s and `Method`s (REST Resources/Methods, HTTP Routes).

Reads the operations (`get` … `trace` and `x-amazon-apigateway-any-method`), merges path-level
parameters into each (the operation's own win, as on import), reads request bodies (OpenAPI 3
`requestBody`, Swagger `in: body` + `consumes`) and responses (`content`, or `schema` +
`produces`) into the same shape, and the per-operation extensions: integration, auth,
request validator, `isDefaultRoute`.
"""

from __future__ import annotations

from typing import Any, Final

from apigwc.diagnostics.model import Origin
from apigwc.ir.enums import OPENAPI_METHODS, ParameterLocation, SourceFormat
from apigwc.ir.integration import Integration
from apigwc.ir.method import (
    MediaModel,
    Method,
    MethodResponse,
    Parameter,
    PathItem,
    RequestBody,
    ResponseHeader,
)
from apigwc.lowering.context import Context, Fields, as_fields, json_kind
from apigwc.lowering.integration import lower_integration_use
from apigwc.lowering.models import ModelTable
from apigwc.lowering.protocol import ANY_METHOD
from apigwc.lowering.security import lower_security_requirements

DEFAULT_MEDIA = "application/json"  # API Gateway's default when Swagger names no media type
PARAMETER_CORE = ("name", "in", "required", "description", "schema")
PARAMETER_IGNORED = (
    "style",
    "explode",
    "example",
    "examples",
    "allowEmptyValue",
    "deprecated",
    "content",
    "allowReserved",
)
OPERATION_PROPERTIES = (
    "operationId",
    "summary",
    "description",
    "tags",
    "deprecated",
    "externalDocs",
    "parameters",
    "requestBody",
    "responses",
    "security",
    "consumes",
    "produces",
    "schemes",
    "callbacks",
    "servers",
)


class PathLowering:
    def __init__(
        self, ctx: Context, models: ModelTable, integrations: dict[str, Integration]
    ) -> None:
        self.ctx = ctx
        self.models = models
        self.integrations = integrations
        data = ctx.doc.data
        self.consumes = _media_list(data.get("consumes"))
        self.produces = _media_list(data.get("produces"))

    def lower(self) -> tuple[PathItem, ...]:
        paths = self.ctx.doc.data.get("paths")
        base = self.ctx.root.child("paths")
        if paths is None:
            return ()
        if not isinstance(paths, dict):
            self.ctx.report(
                "AGW201", base, what="paths", expected="an object", actual=json_kind(paths)
            )
            return ()
        items = []
        for path, raw in paths.items():
            if path.startswith("x-"):
                continue
            item = self._path_item(path, raw, base.child(path))
            if item is not None:
                items.append(item)
        return tuple(items)

    def _path_item(self, path: str, raw: Any, origin: Origin) -> PathItem | None:
        value, item_origin = self.ctx.deref(raw, origin)
        if value is None:
            return PathItem(path=path, origin=origin)
        if not isinstance(value, dict):
            self.ctx.report("AGW210", origin, what=f"path {path!r}")
            return None
        shared = self._parameters(value.get("parameters"), item_origin.child("parameters"))
        methods = []
        for key, operation in value.items():
            if key == "any":  # SAM CLI's spelling; API Gateway knows only the extension
                self.ctx.sink.report("AGW304", item_origin.child(key), at_key=True, path=path)
                key = ANY_METHOD
            if key in OPENAPI_METHODS or key == ANY_METHOD:
                where = item_origin.child(
                    "any"
                    if key == ANY_METHOD and "any" in value and ANY_METHOD not in value
                    else key
                )
                method = self._method(path, key, operation, where, shared)
                if method is not None:
                    methods.append(method)
        return PathItem(path=path, methods=tuple(methods), origin=origin)

    # -- operations -----------------------------------------------------------------------
    def _method(
        self, path: str, key: str, raw: Any, origin: Origin, shared: tuple[Parameter, ...]
    ) -> Method | None:
        verb = "ANY" if key == ANY_METHOD else key.upper()
        if not isinstance(raw, dict):
            self.ctx.report("AGW210", origin, what=f"{verb} {path}")
            return None
        f = Fields(self.ctx, raw, origin, f"{verb} {path}")
        own = self._parameters(f.raw("parameters"), f.at("parameters"))
        body = self._request_body(f, own)
        parameters = _merge_parameters(shared, own)
        integration, integration_ref = self._integration(f)
        method = Method(
            path=path,
            http_method=verb,
            operation_id=f.str("operationId", coerce=True),
            summary=f.str("summary"),
            description=f.str("description"),
            tags=tuple(str(t) for t in f.str_list("tags")),
            deprecated=bool(f.bool("deprecated")),
            external_docs=f.raw("externalDocs"),
            parameters=parameters,
            request_body=body,
            responses=self._responses(f),
            security=lower_security_requirements(self.ctx, f.raw("security"), f.at("security")),
            auth_type=self._auth(f),
            integration=integration,
            integration_ref=integration_ref,
            request_validator=f.str("x-amazon-apigateway-request-validator"),
            is_default_route=bool(f.bool("isDefaultRoute")),
            origin=origin,
        )
        f.finish(OPERATION_PROPERTIES)
        return method

    def _integration(self, f: Fields) -> tuple[Integration | None, str | None]:
        key = "x-amazon-apigateway-integration"
        raw = f.raw(key)
        if raw is None:
            return None, None
        return lower_integration_use(self.ctx, raw, f.at(key), self.integrations)

    def _auth(self, f: Fields) -> str | None:
        key = "x-amazon-apigateway-auth"
        raw = f.map(key)
        if raw is None:
            return None
        a = Fields(self.ctx, raw, f.at(key), key)
        kind = a.str("type")
        a.finish(("type",))
        return kind.upper() if kind else None

    # -- parameters -----------------------------------------------------------------------
    def _parameters(self, raw: Any, origin: Origin) -> tuple[Parameter, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list):
            self.ctx.report(
                "AGW201", origin, what="parameters", expected="an array", actual=json_kind(raw)
            )
            return ()
        out = []
        for i, item in enumerate(raw):
            value, item_origin = self.ctx.deref(item, origin.child(i))
            parameter = self._parameter(value, item_origin)
            if parameter is not None:
                out.append(parameter)
        return tuple(out)

    def _parameter(self, value: Any, origin: Origin) -> Parameter | None:
        if isinstance(value, dict) and value.get(EXPORT_FILLER) is True:
            return None  # declared by apigwc's export only to make the document valid OpenAPI
        p = as_fields(self.ctx, value, origin, "parameter")
        if p is None or not p.require("name") or not p.require("in"):
            return None
        if p.raw("in") == "body":
            return None  # a Swagger body parameter is read as the request body
        location = p.enum("in", ParameterLocation, upper=False)
        if location is None:
            return None
        schema = p.raw("schema")
        if schema is None and self.ctx.source_format is SourceFormat.SWAGGER2:
            schema = {
                k: v for k, v in value.items() if k not in PARAMETER_CORE and not k.startswith("x-")
            }
        result = Parameter(
            name=p.str("name", coerce=True) or "",
            location=location,
            required=bool(p.bool("required")) or location is ParameterLocation.PATH,
            description=p.str("description"),
            schema=self.models.normalize(schema, p.at("schema")) if schema else dict(STRING_SCHEMA),
            origin=origin,
        )
        p.read.update(PARAMETER_IGNORED)
        return result

    # -- bodies ---------------------------------------------------------------------------
    def _request_body(self, f: Fields, own: tuple[Parameter, ...]) -> RequestBody | None:
        if self.ctx.source_format is SourceFormat.SWAGGER2:
            return self._swagger_body(f)
        raw = f.raw("requestBody")
        if raw is None:
            return None
        value, origin = self.ctx.deref(raw, f.at("requestBody"))
        b = as_fields(self.ctx, value, origin, "requestBody")
        if b is None:
            return None
        body = RequestBody(
            required=b.bool("required"),
            description=b.str("description"),
            content=self._content(b.map("content"), b.at("content")),
            origin=origin,
        )
        return body

    def _swagger_body(self, f: Fields) -> RequestBody | None:
        params = f.raw("parameters")
        for i, raw in enumerate(params if isinstance(params, list) else []):
            value, origin = self.ctx.deref(raw, f.at("parameters").child(i))
            if isinstance(value, dict) and value.get("in") == "body":
                media = _media_list(f.raw("consumes")) or self.consumes or (DEFAULT_MEDIA,)
                schema = value.get("schema")
                content = (
                    tuple(
                        MediaModel(
                            media_type=m,
                            schema=self.models.normalize(schema, origin.child("schema")),
                        )
                        for m in media
                    )
                    if schema is not None
                    else ()
                )
                required = value.get("required")
                return RequestBody(
                    required=required if isinstance(required, bool) else None,
                    description=(
                        value.get("description")
                        if isinstance(value.get("description"), str)
                        else None
                    ),
                    content=content,
                    origin=origin,
                )
        return None

    def _content(self, content: dict[str, Any] | None, origin: Origin) -> tuple[MediaModel, ...]:
        if not content:
            return ()
        out = []
        for media, entry in content.items():
            if isinstance(entry, dict) and entry.get("schema") is not None:
                schema = self.models.normalize(entry["schema"], origin.child(media, "schema"))
                out.append(MediaModel(media_type=media, schema=schema, origin=origin.child(media)))
        return tuple(out)

    def _responses(self, f: Fields) -> tuple[MethodResponse, ...]:
        raw = f.map("responses")
        if not raw:
            return ()
        out = []
        for status, value in raw.items():
            if status.startswith("x-"):
                continue
            response, origin = self.ctx.deref(value, f.at("responses").child(status))
            if isinstance(response, dict) and response.get(EXPORT_FILLER) is True:
                continue  # apigwc's export writes one where OpenAPI needs a response
            r = as_fields(self.ctx, response, origin, f"response {status}")
            if r is None:
                continue
            out.append(
                MethodResponse(
                    status_code=status,
                    description=r.str("description") or None,  # "" says nothing either
                    headers=self._headers(r),
                    content=self._response_content(f, r),
                    origin=origin,
                )
            )
        return tuple(out)

    def _response_content(self, op: Fields, r: Fields) -> tuple[MediaModel, ...]:
        if self.ctx.source_format is not SourceFormat.SWAGGER2:
            return self._content(r.map("content"), r.at("content"))
        schema = r.raw("schema")
        if schema is None:
            return ()
        media = _media_list(op.raw("produces")) or self.produces or (DEFAULT_MEDIA,)
        normalized = self.models.normalize(schema, r.at("schema"))
        return tuple(
            MediaModel(media_type=m, schema=normalized, origin=r.at("schema")) for m in media
        )

    def _headers(self, r: Fields) -> tuple[ResponseHeader, ...]:
        raw = r.map("headers")
        if not raw:
            return ()
        out = []
        for name, value in raw.items():
            header, origin = self.ctx.deref(value, r.at("headers").child(name))
            if not isinstance(header, dict):
                header = {}
            schema = header.get("schema")
            if schema is None and self.ctx.source_format is SourceFormat.SWAGGER2:
                schema = {
                    k: v for k, v in header.items() if k != "description" and not k.startswith("x-")
                } or None
            description = header.get("description")
            out.append(
                ResponseHeader(
                    name=name,
                    description=description if isinstance(description, str) else None,
                    schema=self.models.normalize(schema, origin) if schema else dict(STRING_SCHEMA),
                    origin=origin,
                )
            )
        return tuple(out)


# A parameter or header without a schema is a string: API Gateway passes every method request
# parameter and response header as text, and OpenAPI needs a schema there.
STRING_SCHEMA: Final = {"type": "string"}
# An object apigwc's export adds only so that the document is valid OpenAPI (a response for an
# operation without any, a path parameter the operations do not declare): not part of the API.
EXPORT_FILLER: Final = "x-apigwc-filler"


def _media_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str))
    if isinstance(value, str):
        return (value,)
    return ()


def _merge_parameters(
    shared: tuple[Parameter, ...], own: tuple[Parameter, ...]
) -> tuple[Parameter, ...]:
    """Operation parameters win over path-level ones with the same name and location."""
    keys = {(p.location, p.name) for p in own}
    return tuple(p for p in shared if (p.location, p.name) not in keys) + own
