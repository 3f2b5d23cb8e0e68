"""The `x-apigwc` root extension -> IR `Deployment`, and `x-apigwc-ignore` suppressions.

The dialect is apigwc's own, so its shape is checked by the pydantic models themselves: each
validation error becomes a diagnostic at the offending property (unknown keys warn with AGW209
and are dropped; wrong types are AGW201, values outside an enum AGW202, missing required keys
AGW203 errors; the offending value falls back to its default and the rest is kept).
WebSocket route integrations have the `x-amazon-apigateway-integration` shape and are lowered by
the integration family.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from apigwc.diagnostics.model import Origin
from apigwc.ir.deployment import Deployment
from apigwc.ir.integration import Integration
from apigwc.lowering.context import Context, json_kind
from apigwc.lowering.integration import lower_integration

APIGWC = "x-apigwc"
IGNORE = "x-apigwc-ignore"
_UPPER_CASE = ("protocol", "endpointType")


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
        ctx.report(
            "AGW201", origin, what=IGNORE, expected="an array of codes", actual=json_kind(value)
        )
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
    # read case-insensitively, as protocol inference reads `protocol` (protocol.detect_protocol)
    data = {**data, **{k: data[k].upper() for k in _UPPER_CASE if isinstance(data.get(k), str)}}
    deployment = _validate(ctx, data, origin)
    if deployment.websocket is None or not integrations:
        return deployment
    routes = dict(deployment.websocket.routes)
    for key, (value, route_origin) in integrations.items():
        if key in routes:
            lowered: Integration | None = lower_integration(
                ctx, value, route_origin, websocket=True
            )
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


Loc = tuple[str | int, ...]


def _validate(ctx: Context, data: dict[str, Any], origin: Origin) -> Deployment:
    """Validate, reporting each problem once and dropping only the offending value, until the
    rest validates: one bad property never costs the whole extension."""
    seen: set[Loc] = set()
    while True:
        try:
            return Deployment.model_validate(data)
        except ValidationError as exc:
            problems = _problems(exc, data)
        for loc, errors in problems.items():
            if loc not in seen:  # a "missing" left by our own pruning was reported already
                seen.add(loc)
                _report(ctx, loc, errors, origin)
        loc, errors = next(iter(problems.items()))
        pruned = _prune(data, loc[:-1] if errors[0]["type"] == "missing" else loc)
        if pruned == data:
            return Deployment()
        data = pruned


def _problems(exc: ValidationError, data: Any) -> dict[Loc, list[ErrorDetails]]:
    """Errors grouped by the data location they are about. A union (`str | Intrinsic`,
    `str | WebSocketAuthorizer`) fails once per member: a member rejecting the value's kind is
    noise when another member accepted the kind and found a deeper problem."""
    groups: dict[Loc, list[ErrorDetails]] = {}
    for error in exc.errors():
        groups.setdefault(_data_loc(data, error), []).append(error)
    for loc in [k for k, errs in groups.items() if all(e["type"].endswith("_type") for e in errs)]:
        if any(other != loc and other[: len(loc)] == loc for other in groups):
            del groups[loc]
    return groups


def _data_loc(data: Any, error: ErrorDetails) -> Loc:
    """The error's location as keys of the data; pydantic also lists union members' names."""
    loc, value, last = [], data, len(error["loc"]) - 1
    for i, token in enumerate(error["loc"]):
        if _has(value, token):
            value = value[token]
        elif not (i == last and error["type"] in ("missing", "extra_forbidden")):
            continue  # a union member's name, not a key
        loc.append(token)
    return tuple(loc)


def _has(value: Any, token: str | int) -> bool:
    if isinstance(value, dict):
        return token in value
    return isinstance(value, list) and isinstance(token, int) and token < len(value)


def _report(ctx: Context, loc: Loc, errors: list[ErrorDetails], origin: Origin) -> None:
    first, path = errors[0], "".join(f".{t}" for t in loc)
    if first["type"] == "extra_forbidden":
        where = "".join(f".{t}" for t in loc[:-1])
        ctx.sink.report(
            "AGW209", origin.child(*loc), at_key=True, where=where, prop=str(loc[-1]), suggestion=""
        )
    elif first["type"] == "missing":
        parent = "".join(f".{t}" for t in loc[:-1])
        ctx.report("AGW203", origin.child(*loc[:-1]), what=APIGWC + parent, prop=str(loc[-1]))
    elif first["type"] == "enum":
        expected = first.get("ctx", {}).get("expected", "")
        ctx.report(
            "AGW202",
            origin.child(*loc),
            what=APIGWC + path,
            value=first["input"],
            expected=expected,
        )
    else:
        expected = " or ".join(
            dict.fromkeys(e["msg"].removeprefix("Input should be ") for e in errors)
        )
        actual = json_kind(first.get("input"))
        ctx.report(
            "AGW201", origin.child(*loc), what=APIGWC + path, expected=expected, actual=actual
        )


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
