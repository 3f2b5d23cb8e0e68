"""Root-level settings: info, base path and host, tags, and the root scalar extensions.

Covers `x-amazon-apigateway-api-key-source`, `-binary-media-types`, `-minimum-compression-size`,
`-policy`, `-security-policy`, `-endpoint-access-mode`, `-endpoint-configuration`,
the root `-request-validator` (the default validator, §1.7),
`-importexport-version` and `-tag-value` (reference §1.6, §1.9-§1.13, §1.15). The base path is
derived as API Gateway's importer does (§2.4): Swagger `basePath`; OpenAPI 3 a server variable
named `basePath`, else the path of the first server URL.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from apigwc.diagnostics.model import Origin
from apigwc.ir.api import EndpointConfiguration, Tag
from apigwc.ir.base import Deployable, is_intrinsic
from apigwc.ir.enums import ApiKeySource, EndpointAccessMode, SourceFormat
from apigwc.lowering.context import Context, Fields, as_fields, json_kind

ENDPOINT_CONFIGURATION = "x-amazon-apigateway-endpoint-configuration"
# Where apigwc's export keeps an intrinsic title (OpenAPI's `title` is text): read back here.
TITLE_INTRINSIC = "x-apigwc-title"
INFO_CORE = ("title", "version", "description", TITLE_INTRINSIC)
# Where apigwc's Swagger export keeps a host Swagger's `host` cannot hold (`{region}`).
SWAGGER_HOST = "x-apigwc-host"


def lower_info(
    ctx: Context, data: dict[str, Any]
) -> tuple[Deployable, str, str | None, dict[str, Any]]:
    info = data.get("info")
    if not isinstance(info, dict):
        return "", "", None, {}
    f = Fields(ctx, info, ctx.root.child("info"), "info")
    key = TITLE_INTRINSIC if TITLE_INTRINSIC in info else "title"
    raw_title = f.raw(key)
    title = str(raw_title) if isinstance(raw_title, (int, float)) else f.deployable(key) or ""
    version = f.str("version", coerce=True) or ""
    extra = {k: v for k, v in info.items() if k not in INFO_CORE}
    return title, version, f.str("description"), extra


def lower_host_and_base_path(ctx: Context, data: dict[str, Any]) -> tuple[str | None, str | None]:
    if ctx.source_format is SourceFormat.SWAGGER2:
        raw = data.get("host", data.get(SWAGGER_HOST))
        host = raw if isinstance(raw, str) else None
        return host, _clean_base_path(data.get("basePath"))
    servers = data.get("servers")
    if not isinstance(servers, list) or not servers or not isinstance(servers[0], dict):
        return None, None
    variables = servers[0].get("variables")
    raw_url = servers[0].get("url")
    url: str = raw_url if isinstance(raw_url, str) else ""
    parts = urlsplit(url)
    host = parts.netloc or None
    if isinstance(variables, dict) and isinstance(variables.get("basePath"), dict):
        return host, _clean_base_path(variables["basePath"].get("default"))
    path = parts.path if parts.netloc or url.startswith("/") else ""
    return host, _clean_base_path(path)


def _clean_base_path(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    path = value.strip()
    if not path or path == "/" or "{" in path:
        return None
    return "/" + path.strip("/")


def lower_tags(ctx: Context, data: dict[str, Any]) -> tuple[Tag, ...]:
    tags = data.get("tags")
    if tags is None:
        return ()
    base = ctx.root.child("tags")
    if not isinstance(tags, list):
        ctx.report("AGW201", base, what="tags", expected="an array", actual=json_kind(tags))
        return ()
    out = []
    for i, raw in enumerate(tags):
        f = as_fields(ctx, raw, base.child(i), "tag")
        if f is None or not f.require("name"):
            continue
        out.append(
            Tag(
                name=f.str("name", coerce=True) or "",
                description=f.str("description"),
                value=f.str("x-amazon-apigateway-tag-value", coerce=True),
                external_docs=f.raw("externalDocs"),
                origin=base.child(i),
            )
        )
        f.finish(("name", "description", "externalDocs"))
    return tuple(out)


def lower_root_extensions(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """The root scalar extensions as Api fields."""
    f = Fields(ctx, data, ctx.root, "document")
    version = f.str("x-amazon-apigateway-importexport-version", coerce=True)
    if version is not None and version != "1.0":
        ctx.report(
            "AGW202",
            f.at("x-amazon-apigateway-importexport-version"),
            what="x-amazon-apigateway-importexport-version",
            value=version,
            expected="1.0",
        )
    return {
        "api_key_source": f.enum("x-amazon-apigateway-api-key-source", ApiKeySource),
        "binary_media_types": _binary_media_types(f),
        "minimum_compression_size": _compression_size(ctx, f),
        "policy": _policy(ctx, f),
        "security_policy": f.str("x-amazon-apigateway-security-policy"),
        "default_request_validator": f.str("x-amazon-apigateway-request-validator"),
        "endpoint_access_mode": _access_mode(f),
        "endpoint_configuration": lower_endpoint_configuration(ctx, data),
    }


def _binary_media_types(f: Fields) -> tuple[str, ...]:
    key = "x-amazon-apigateway-binary-media-types"
    if isinstance(f.value.get(key), str):  # the extension is a list, even of one media type
        f._wrong(key, "an array of strings")
        return ()
    return f.str_list(key)


def _compression_size(ctx: Context, f: Fields) -> Any:
    key = "x-amazon-apigateway-minimum-compression-size"
    value = f.value.get(key)
    if is_intrinsic(value):
        f.read.add(key)
        return ctx.deployable(value, f.at(key), key)
    return f.int(key)


def _policy(ctx: Context, f: Fields) -> Any:
    value = f.raw("x-amazon-apigateway-policy")
    if value is None or isinstance(value, dict):
        return value
    if isinstance(value, str):  # CloudFormation accepts a JSON string; so does apigwc
        import json

        try:
            return json.loads(value)
        except ValueError:
            pass
    ctx.report(
        "AGW201",
        f.at("x-amazon-apigateway-policy"),
        what="x-amazon-apigateway-policy",
        expected="an IAM policy document (object)",
        actual=json_kind(value),
    )
    return None


def _access_mode(f: Fields) -> EndpointAccessMode | None:
    if f.value.get("x-amazon-apigateway-endpoint-access-mode") == "":
        f.read.add("x-amazon-apigateway-endpoint-access-mode")
        return None  # "" unsets it when going back to a legacy security policy (§1.13)
    return f.enum("x-amazon-apigateway-endpoint-access-mode", EndpointAccessMode)


def lower_endpoint_configuration(
    ctx: Context, data: dict[str, Any]
) -> EndpointConfiguration | None:
    for value, origin in _endpoint_configuration_sites(ctx, data):
        f = as_fields(ctx, value, origin, ENDPOINT_CONFIGURATION)
        if f is None:
            return None
        result = EndpointConfiguration(
            disable_execute_api_endpoint=f.bool("disableExecuteApiEndpoint"),
            vpc_endpoint_ids=tuple(f.deployable_list("vpcEndpointIds")),
            ip_address_type=f.str("ipAddressType"),
            origin=origin,
        )
        f.finish(("disableExecuteApiEndpoint", "vpcEndpointIds", "ipAddressType", "types"))
        return result
    return None


def _endpoint_configuration_sites(ctx: Context, data: dict[str, Any]) -> list[tuple[Any, Origin]]:
    sites = []
    if ENDPOINT_CONFIGURATION in data:
        sites.append((data[ENDPOINT_CONFIGURATION], ctx.root.child(ENDPOINT_CONFIGURATION)))
    servers = data.get("servers")
    if isinstance(servers, list):
        for i, server in enumerate(servers):
            if isinstance(server, dict) and ENDPOINT_CONFIGURATION in server:
                origin = ctx.root.child("servers", i, ENDPOINT_CONFIGURATION)
                sites.append((server[ENDPOINT_CONFIGURATION], origin))
    return sites
