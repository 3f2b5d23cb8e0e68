"""The `x-apigwc` root extension -> IR `Deployment`, and `x-apigwc-ignore` suppressions.

The dialect is apigwc's own, so its shape is checked by the pydantic models themselves: each
validation error becomes a diagnostic at the offending property (unknown keys warn with AGW209
and are dropped; wrong types are AGW201 errors and the property falls back to its default).
WebSocket route integrations have the `x-amazon-apigateway-integration` shape and are lowered by
the integration family.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from apigwc.diagnostics.model import Origin
from apigwc.ir.deployment import Deployment
from apigwc.ir.integration import Integration
from apigwc.lowering.context import Context, json_kind
from apigwc.lowering.integration import lower_integration

APIGWC = "x-apigwc"
IGNORE = "x-apigwc-ignore"


def apply_ignores(ctx: Context) -> tuple[str, ...]:
    """Register `x-apigwc-ignore` at the root and on operations; returns the root codes."""
    data = ctx.doc.data
    root_codes = _codes(ctx, data.get(IGNORE), ctx.root.child(IGNORE))
    if root_codes:
        ctx.sink.ignore(root_codes)
    paths = data.get("paths")
    for path, item in (paths.items() if isinstance(paths, dict) else ()):
        if not isinstance(item, dict):
            continue
        for method, operation in item.items():
            if isinstance(operation, dict) and IGNORE in operation:
                origin = ctx.root.child("paths", path, method)
                codes = _codes(ctx, operation[IGNORE], origin.child(IGNORE))
                ctx.sink.ignore(codes, origin)
    return root_codes


def _codes(ctx: Context, value: Any, origin: Origin) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        ctx.report("AGW201", origin, what=IGNORE, expected="an array of codes", actual=json_kind(value))
        return ()
    return tuple(v.split()[0].upper() for v in value if v.strip())


def lower_deployment(ctx: Context) -> Deployment:
    raw = ctx.doc.data.get(APIGWC)
    origin = ctx.root.child(APIGWC)
    if raw is None:
        return Deployment()
    if not isinstance(raw, dict):
        ctx.report("AGW201", origin, what=APIGWC, expected="an object", actual=json_kind(raw))
        return Deployment()
    data, integrations = _take_websocket_integrations(raw, origin)
    deployment = _validate(ctx, data, origin)
    if deployment.websocket is None or not integrations:
        return deployment
    routes = dict(deployment.websocket.routes)
    for key, (value, route_origin) in integrations.items():
        if key in routes:
            lowered: Integration | None = lower_integration(ctx, value, route_origin)
            routes[key] = routes[key].model_copy(update={"integration": lowered})
    websocket = deployment.websocket.model_copy(update={"routes": routes})
    return deployment.model_copy(update={"websocket": websocket})


def _take_websocket_integrations(
    raw: dict[str, Any], origin: Origin
) -> tuple[dict[str, Any], dict[str, tuple[Any, Origin]]]:
    websocket = raw.get("websocket")
    if not isinstance(websocket, dict) or not isinstance(websocket.get("routes"), dict):
        return raw, {}
    routes: dict[str, Any] = websocket["routes"]
    taken: dict[str, tuple[Any, Origin]] = {}
    new_routes: dict[str, Any] = {}
    for key, route in routes.items():
        if isinstance(route, dict) and "integration" in route:
            where = origin.child("websocket", "routes", key, "integration")
            taken[key] = (route["integration"], where)
            route = {k: v for k, v in route.items() if k != "integration"}
        new_routes[key] = route
    return {**raw, "websocket": {**websocket, "routes": new_routes}}, taken


def _validate(ctx: Context, data: dict[str, Any], origin: Origin) -> Deployment:
    for _ in range(3):
        try:
            return Deployment.model_validate(data)
        except ValidationError as exc:
            data = _report_and_prune(ctx, exc, data, origin)
    return Deployment()


def _report_and_prune(ctx: Context, exc: ValidationError, data: Any, origin: Origin) -> Any:
    for error in exc.errors():
        loc = [str(p) for p in error["loc"]]
        where = origin.child(*loc)
        if error["type"] == "extra_forbidden":
            ctx.sink.report(
                "AGW209", where, at_key=True, where="." + ".".join(loc[:-1]) if len(loc) > 1 else "",
                prop=loc[-1], suggestion="",
            )
        else:
            ctx.report(
                "AGW201", where, what=APIGWC + "." + ".".join(loc), expected=error["msg"].lower(),
                actual=json_kind(error.get("input")),
            )
        data = _prune(data, error["loc"])
    return data


def _prune(data: Any, loc: tuple[Any, ...]) -> Any:
    """A copy of data without the value at loc (so that the rest can still be read)."""
    if not loc or not isinstance(data, (dict, list)):
        return data
    head, rest = loc[0], loc[1:]
    if isinstance(data, dict):
        if head not in data:
            return data
        if not rest:
            return {k: v for k, v in data.items() if k != head}
        return {**data, head: _prune(data[head], rest)}
    if isinstance(head, int) and head < len(data):
        copy = list(data)
        if not rest:
            del copy[head]
        else:
            copy[head] = _prune(copy[head], rest)
        return copy
    return data


