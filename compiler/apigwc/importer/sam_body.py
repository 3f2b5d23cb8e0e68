"""Small accessors on an OpenAPI / Swagger body dict while the importer builds it.

Flows in: a body (Swagger 2.0 or OpenAPI 3.x, plain dicts). Flows out: the mutable places the
SAM and resource importers write into (security schemes, models, operations), the same place
whichever format the body is in.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

ANY_METHOD = "x-amazon-apigateway-any-method"
METHOD_KEYS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def is_openapi3(body: dict[str, Any]) -> bool:
    return "swagger" not in body


def method_key(method: str) -> str:
    """SAM's event `Method` (any case; `any` for every method) -> the body's operation key."""
    lowered = method.lower()
    return ANY_METHOD if lowered == "any" else lowered


def paths(body: dict[str, Any]) -> dict[str, Any]:
    current = body.get("paths")
    if not isinstance(current, dict):
        current = {}
        body["paths"] = current
    return current


def operations(body: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in (
        (body.get("paths") or {}).items() if isinstance(body.get("paths"), dict) else ()
    ):
        if not isinstance(item, dict):
            continue
        for method, operation in item.items():
            if (method in METHOD_KEYS or method == ANY_METHOD) and isinstance(operation, dict):
                yield path, method, operation


def security_schemes(body: dict[str, Any]) -> dict[str, Any]:
    """`securityDefinitions` (Swagger) or `components.securitySchemes` (OpenAPI 3), created
    when absent."""
    if not is_openapi3(body):
        holder, key = body, "securityDefinitions"
    else:
        components = body.get("components")
        if not isinstance(components, dict):
            components = {}
            body["components"] = components
        holder, key = components, "securitySchemes"
    current = holder.get(key)
    if not isinstance(current, dict):
        current = {}
        holder[key] = current
    return current


def models(body: dict[str, Any]) -> dict[str, Any]:
    """`definitions` (Swagger) or `components.schemas` (OpenAPI 3), created when absent."""
    if not is_openapi3(body):
        holder, key = body, "definitions"
    else:
        components = body.setdefault("components", {})
        holder, key = components, "schemas"
    current = holder.get(key)
    if not isinstance(current, dict):
        current = {}
        holder[key] = current
    return current


def prune_empty(body: dict[str, Any]) -> None:
    """Drop the empty containers the accessors above created and nothing filled."""
    for key in ("securityDefinitions", "definitions"):
        if body.get(key) == {}:
            del body[key]
    components = body.get("components")
    if isinstance(components, dict):
        for key in ("securitySchemes", "schemas"):
            if components.get(key) == {}:
                del components[key]
        if not components:
            del body["components"]


def mapping(value: Any) -> dict[str, Any]:
    """A property that should be a mapping, or an empty one (its shape is checked elsewhere)."""
    return value if isinstance(value, dict) else {}
