"""Pass 2: every `x-amazon-apigateway-*` key is known, in its documented place and flavour.

The master list is reference §1.0. Sites come from the loader's `$ref` scan (no second walk).
Unknown names warn (AGW205, API Gateway ignores them); a known extension in the wrong place is
an error (AGW206); one for the other API flavour warns (AGW207: API Gateway ignores it, the HTTP
importer with a warning).
"""

from __future__ import annotations

from dataclasses import dataclass

from apigwc.diagnostics.model import Origin
from apigwc.ir.enums import OPENAPI_METHODS, Protocol, SourceFormat
from apigwc.loader.positions import split_pointer
from apigwc.lowering.context import Context, suggestion


@dataclass(frozen=True)
class Extension:
    places: tuple[str, ...]
    rest: bool = True
    http: bool = True
    where: str = ""


EXTENSIONS: dict[str, Extension] = {
    "x-amazon-apigateway-any-method": Extension(
        ("path-item",), where="in a Path Item, next to get/post"
    ),
    "x-amazon-apigateway-api-key-source": Extension(
        ("root",), http=False, where="at the document root"
    ),
    "x-amazon-apigateway-auth": Extension(("operation",), where="in an Operation object"),
    "x-amazon-apigateway-authorizer": Extension(("security-scheme",), where="in a security scheme"),
    "x-amazon-apigateway-authtype": Extension(("security-scheme",), where="in a security scheme"),
    "x-amazon-apigateway-binary-media-types": Extension(
        ("root",), http=False, where="at the document root"
    ),
    "x-amazon-apigateway-cors": Extension(("root",), rest=False, where="at the document root"),
    "x-amazon-apigateway-documentation": Extension(
        ("root",), http=False, where="at the document root"
    ),
    "x-amazon-apigateway-endpoint-access-mode": Extension(
        ("root",), http=False, where="at the document root"
    ),
    "x-amazon-apigateway-endpoint-configuration": Extension(
        ("root", "server"), where="at the root (Swagger 2.0) or in a servers[] entry (OpenAPI 3)"
    ),
    "x-amazon-apigateway-gateway-responses": Extension(
        ("root",), http=False, where="at the document root"
    ),
    "x-amazon-apigateway-importexport-version": Extension(
        ("root",), rest=False, where="at the document root"
    ),
    "x-amazon-apigateway-integration": Extension(("operation",), where="in an Operation object"),
    "x-amazon-apigateway-integrations": Extension(
        ("components",), rest=False, where="under components"
    ),
    "x-amazon-apigateway-minimum-compression-size": Extension(
        ("root",), http=False, where="at the document root"
    ),
    "x-amazon-apigateway-policy": Extension(("root",), http=False, where="at the document root"),
    "x-amazon-apigateway-request-validator": Extension(
        ("root", "operation"), http=False, where="at the root or in an Operation object"
    ),
    "x-amazon-apigateway-request-validators": Extension(
        ("root",), http=False, where="at the document root"
    ),
    "x-amazon-apigateway-security-policy": Extension(
        ("root",), http=False, where="at the document root"
    ),
    "x-amazon-apigateway-tag-value": Extension(
        ("tag",), rest=False, where="in a root tags[] entry"
    ),
}


def place_of(ctx: Context, holder: Origin) -> str | None:
    """Classify the object holding an extension by its pointer in the root file."""
    if holder.file != ctx.doc.root:
        return None  # inside a referenced file: the place depends on who refers to it
    tokens = split_pointer(holder.pointer)
    n = len(tokens)
    if n == 0:
        return "root"
    head = tokens[0]
    if head == "paths" and n == 2:
        return "path-item"
    if (
        head == "paths"
        and n == 3
        and (tokens[2] in (*OPENAPI_METHODS, "any") or tokens[2] in EXTENSIONS)
    ):
        return "operation"
    if (n == 3 and tokens[:2] in (["components", "securitySchemes"],)) or (
        n == 2 and head == "securityDefinitions"
    ):
        return "security-scheme"
    if head == "components" and n == 1:
        return "components"
    if head == "servers" and n == 2:
        return "server"
    if head == "tags" and n == 2:
        return "tag"
    return "elsewhere"


def check_extension_sites(ctx: Context) -> None:
    for name, holder in ctx.doc.extension_sites:
        origin = holder.child(name)
        spec = EXTENSIONS.get(name)
        if spec is None:
            if not _inside_extension_value(holder):
                ctx.sink.report(
                    "AGW205",
                    origin,
                    at_key=True,
                    name=name,
                    suggestion=suggestion(name, EXTENSIONS),
                )
            continue
        place = place_of(ctx, holder)
        if place is None or (place == "elsewhere" and _inside_extension_value(holder)):
            continue
        if place not in spec.places or _endpoint_config_misplaced(ctx, name, place):
            ctx.sink.report("AGW206", origin, at_key=True, name=name, where=spec.where)
            continue
        _check_flavour(ctx, name, spec, origin)


def _inside_extension_value(holder: Origin) -> bool:
    """Extension keys nested inside another extension's value (examples, documentation)."""
    return "/x-" in holder.pointer


def _endpoint_config_misplaced(ctx: Context, name: str, place: str) -> bool:
    if name != "x-amazon-apigateway-endpoint-configuration":
        return False
    if ctx.source_format is SourceFormat.SWAGGER2:
        return place != "root"
    return False  # OpenAPI 3: servers[] is documented; root is accepted as well (lenient)


def _check_flavour(ctx: Context, name: str, spec: Extension, origin: Origin) -> None:
    if ctx.protocol is Protocol.HTTP and not spec.http:
        ctx.sink.report("AGW207", origin, at_key=True, name=name, flavour="REST", api="HTTP")
    elif ctx.protocol is Protocol.REST and not spec.rest:
        ctx.sink.report("AGW207", origin, at_key=True, name=name, flavour="HTTP", api="REST")
