"""Route rules (AGW430-AGW441): REST resource paths and HTTP API routes as API Gateway builds them.
(AGW442-AGW444, WebSocket routes, are in `websocket`.)

Flows in: the IR `Api` (its path items and methods). Flows out: diagnostics only. Facts from
reference §2.2 (segment characters), §2.6 (greedy segments, one variable child per parent, path
parameters), §2.7 (HTTP routes, `$default`), §1.3 (ANY) and §2.2's reserved `/ping` `/sping`.
"""

from __future__ import annotations

import re

from apigwc.diagnostics.catalogue import Code
from apigwc.diagnostics.model import Origin, Severity
from apigwc.ir.api import Api
from apigwc.ir.enums import HTTP_METHODS, ParameterLocation, Protocol
from apigwc.ir.method import Method, PathItem
from apigwc.lowering.effective import is_protected
from apigwc.validation.base import Report

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

_DOC = "openapi: 3.0.1\ninfo: {title: t, version: '1'}\n"
_HTTP = "x-amazon-apigateway-importexport-version: '1.0'\n"
_MOCK = "{type: mock, requestTemplates: {application/json: '{\"statusCode\": 200}'}, responses: {default: {statusCode: '200'}}}"
_PARAM = "{{name: {0}, in: path, required: true, schema: {{type: string}}}}"


def _get(path: str, params: tuple[str, ...] = (), verb: str = "get") -> str:
    declared = ", ".join(_PARAM.format(p) for p in params)
    return (
        f"  {path}:\n    {verb}:\n"
        + (f"      parameters: [{declared}]\n" if params else "")
        + "      responses: {'200': {description: ok}}\n"
        + f"      x-amazon-apigateway-integration: {_MOCK}\n"
    )


def _doc(*paths: str) -> str:
    return _DOC + "paths:\n" + "".join(paths)


_HTTP_ROUTE = (
    "{type: HTTP_PROXY, httpMethod: ANY, uri: 'https://example.com', payloadFormatVersion: '1.0'}"
)
_CORS = "x-amazon-apigateway-cors: {allowOrigins: ['https://app.example.com']}\n"
_AUTH = (
    "components: {securitySchemes: {jwt: {type: oauth2, flows: {}, x-amazon-apigateway-authorizer: "
    "{type: jwt, identitySource: $request.header.Authorization, jwtConfiguration: "
    "{issuer: 'https://issuer.example.com', audience: [api]}}}}}\n"
)
_DEFAULT_ROUTE = (
    "  /$default:\n    x-amazon-apigateway-any-method:\n      isDefaultRoute: true\n"
    "      security: [{jwt: []}]\n      responses: {'200': {description: ok}}\n"
    f"      x-amazon-apigateway-integration: {_HTTP_ROUTE}\n"
)

CODES: tuple[Code, ...] = (
    Code(
        "AGW212",
        "duplicate-operation-id",
        W,
        "operationId {operation_id!r} of {route} is already the operationId of {other}",
        "give every operation its own operationId",
        "OpenAPI requires operationIds to be unique in a document; API Gateway names the "
        "operations of exports and generated SDK methods after them, so a repeated id makes "
        "them collide. No AWS record shows the import refusing it, so this is a warning.",
        bad=_doc(_get("/a").replace("get:\n", "get:\n      operationId: getPets\n"))
        + _get("/b").replace("get:\n", "get:\n      operationId: getPets\n"),
        good=_doc(_get("/a").replace("get:\n", "get:\n      operationId: getPets\n"))
        + _get("/b").replace("get:\n", "get:\n      operationId: getOtherPets\n"),
    ),
    Code(
        "AGW430",
        "path-segment-characters",
        E,
        "path segment {segment!r} of {path!r} has characters API Gateway does not allow in a resource path ({chars})",
        "use only letters, digits and _ - . , : in path segments, and { } around a whole-segment parameter",
        "REST resource path parts allow only alphanumerics, _, -, ., ,, :, { and } (reference §2.2).",
        bad=_doc(_get("/pets/@me")),
        good=_doc(_get("/pets/me")),
    ),
    Code(
        "AGW431",
        "partial-segment-parameter",
        E,
        "path segment {segment!r} of {path!r} mixes a parameter with other text; a parameter must be a whole segment",
        "write the parameter as its own segment, e.g. /res/{{id}} instead of /res{{id}}",
        "API Gateway path parameters are whole segments (reference §2.2): '/res/{id}' is valid, "
        "'/res{id}' and '/{id}.json' are not.",
        bad=_doc(_get("/pets/{id}.json", ("id",))),
        good=_doc(_get("/pets/{id}", ("id",))),
    ),
    Code(
        "AGW432",
        "greedy-segment-not-last",
        E,
        "{reason}",
        "make the greedy {{name+}} segment the last one, and give it no child resources",
        "A greedy path variable matches every remaining segment, so it must end the path and a "
        "greedy resource cannot have children (reference §2.6, §2.7).",
        bad=_doc(_get("/files/{proxy+}/meta", ("proxy",))),
        good=_doc(_get("/files/{proxy+}", ("proxy",))),
    ),
    Code(
        "AGW433",
        "sibling-variable-path-part",
        E,
        "Unable to create resource at path '{path}': A sibling ({sibling}) of this resource already has a variable path part -- only one is allowed",
        "use the same parameter name at this position in every path (e.g. {sibling} everywhere)",
        "A REST resource may have only one variable child: '/user/{bizId}/x' and '/user/{userId}/y' "
        "are rejected at import, by design (aws-apigateway-importer#202), and so are '/{id}' and "
        "'/{proxy+}' (winglang/wing#5210).",
        bad=_doc(
            _get("/user/{bizId}/complaint", ("bizId",)), _get("/user/{userId}/fans", ("userId",))
        ),
        good=_doc(
            _get("/user/{bizId}/complaint", ("bizId",)), _get("/user/{bizId}/fans", ("bizId",))
        ),
    ),
    Code(
        "AGW434",
        "duplicate-route",
        E,
        "{route} is the same route as {other} (paths compare equal once trailing slashes and parameter names are ignored)",
        "merge the two operations into one path",
        "Two paths that normalise to the same resource and method conflict: API Gateway would "
        "create one method twice.",
        bad=_doc(_get("/pets"), _get("/pets/")),
        good=_doc(_get("/pets")),
    ),
    Code(
        "AGW435",
        "path-parameter-undeclared",
        INFO,
        "{path!r} has the variable {{{name}}} but {route} declares no 'in: path' parameter {name!r}",
        "add {{name: {name}, in: path, required: true}} to the operation's parameters",
        "API Gateway imports it and creates method.request.path.<name> itself (valid SAM and AWS "
        "samples omit it), but OpenAPI tools and generated clients expect the declaration.",
        bad=_doc(_get("/pets/{id}")),
        good=_doc(_get("/pets/{id}", ("id",))),
    ),
    Code(
        "AGW436",
        "path-parameter-unused",
        W,
        "{route} declares the path parameter {name!r}, but {path!r} has no {{{name}}} segment",
        "rename the parameter to match the path variable, or remove it",
        "A declared path parameter that is not in the path can never receive a value; with request "
        "validation on, a required one makes every call fail with 400.",
        bad=_doc(_get("/pets/{id}", ("id", "petId"))),
        good=_doc(_get("/pets/{id}", ("id",))),
    ),
    Code(
        "AGW437",
        "any-method-overlap",
        INFO,
        "ANY {path} catches only {methods}; the explicitly declared {declared} keep their own integrations",
        "this is how API Gateway resolves it; nothing to change if it is intended",
        "ANY on a resource answers only the methods that the resource does not declare itself.",
        bad=_doc(
            _get("/pets")
            + "    x-amazon-apigateway-any-method:\n"
            + f"      responses: {{'200': {{description: ok}}}}\n      x-amazon-apigateway-integration: {_MOCK}\n"
        ),
        good=_doc(_get("/pets")),
    ),
    Code(
        "AGW438",
        "default-route",
        E,
        "{reason}",
        "{hint}",
        "HTTP APIs have one `$default` route, an x-amazon-apigateway-any-method with "
        "isDefaultRoute: true (reference §1.3, §2.7).",
        bad=_DOC
        + _HTTP
        + "paths:\n  /$default:\n    get:\n      isDefaultRoute: true\n"
        + f"      responses: {{'200': {{description: ok}}}}\n      x-amazon-apigateway-integration: {_HTTP_ROUTE}\n",
        good=_DOC
        + _HTTP
        + "paths:\n  /$default:\n    x-amazon-apigateway-any-method:\n      isDefaultRoute: true\n"
        + f"      responses: {{'200': {{description: ok}}}}\n      x-amazon-apigateway-integration: {_HTTP_ROUTE}\n",
    ),
    Code(
        "AGW439",
        "reserved-path",
        W,
        "{path!r} is reserved by API Gateway for health checks; a resource with this name misbehaves behind a custom domain",
        "rename the resource, e.g. /health",
        "API Gateway reserves /ping and /sping at the root (reference §2.2).",
        bad=_doc(_get("/ping")),
        good=_doc(_get("/health")),
    ),
    Code(
        "AGW440",
        "path-syntax",
        E,
        "path {path!r} {reason}",
        "paths start with '/' and have no empty segments",
        "A path key must be an absolute path of non-empty segments.",
        bad=_doc(_get("/pets//toys")),
        good=_doc(_get("/pets/toys")),
    ),
    Code(
        "AGW441",
        "cors-preflight-authorized",
        W,
        "the $default route requires authorization and the API configures CORS, but no OPTIONS route answers preflight requests",
        "add an OPTIONS /{{proxy+}} route without authorization (security: [])",
        "With CORS and an authorizer on $default, preflight OPTIONS requests reach the authorizer "
        "and fail without credentials (reference §2.7).",
        bad=_DOC + _HTTP + _CORS + _AUTH + "paths:\n" + _DEFAULT_ROUTE,
        good=_DOC
        + _HTTP
        + _CORS
        + _AUTH
        + "paths:\n"
        + _DEFAULT_ROUTE
        + "  /{proxy+}:\n    options:\n      security: []\n"
        + f"      responses: {{'204': {{description: ok}}}}\n      x-amazon-apigateway-integration: {_HTTP_ROUTE}\n",
    ),
)

_SEGMENT_CHARS = re.compile(r"[A-Za-z0-9_.,:{}\-]")
_VARIABLE = re.compile(r"^\{([^{}]+?)(\+?)\}$")
_RESERVED = ("/ping", "/sping")


def check(api: Api, report: Report) -> None:
    rest = api.protocol is Protocol.REST
    for item in api.paths:
        _check_path(api, item, report)
        for method in item.methods:
            if rest:
                _check_parameters(method, report)
        if rest and item.path.rstrip("/") in _RESERVED:
            report("AGW439", item.origin, at_key=True, path=item.path)
        _check_any(item, report)
    if rest:
        _check_siblings(api, report)
    _check_duplicates(api, report)
    _check_operation_ids(api, report)
    if not rest:
        _check_default_routes(api, report)
        _check_cors_preflight(api, report)
    else:
        _check_rest_default_flag(api, report)


def segments(path: str) -> list[str]:
    """The segments of a path, without the leading slash and a trailing slash."""
    return [s for s in path.strip("/").split("/")] if path.strip("/") else []


def _is_default_path(api: Api, path: str) -> bool:
    return api.protocol is Protocol.HTTP and path == "/$default"


# -- one path ---------------------------------------------------------------------------------


def _check_path(api: Api, item: PathItem, report: Report) -> None:
    path = item.path
    if _is_default_path(api, path):
        return
    if not path.startswith("/"):
        report("AGW440", item.origin, at_key=True, path=path, reason="does not start with '/'")
        return
    parts = segments(path)
    if "" in parts:
        report("AGW440", item.origin, at_key=True, path=path, reason="has an empty segment ('//')")
        return
    for n, segment in enumerate(parts):
        if not _check_segment(api, item, segment, report):
            return
        if _VARIABLE.match(segment) and segment.endswith("+}") and n < len(parts) - 1:
            reason = f"the greedy segment {segment!r} of {path!r} is not the last segment"
            report("AGW432", item.origin, at_key=True, reason=reason)
            return


def _check_segment(api: Api, item: PathItem, segment: str, report: Report) -> bool:
    braces = "{" in segment or "}" in segment
    if braces and not _VARIABLE.match(segment):
        report("AGW431", item.origin, at_key=True, segment=segment, path=item.path)
        return False
    if api.protocol is not Protocol.REST or braces:
        return True  # HTTP API route paths are not bound to the REST resource character set
    bad = sorted({c for c in segment if not _SEGMENT_CHARS.match(c)})
    if bad:
        chars = " ".join(repr(c) for c in bad)
        report("AGW430", item.origin, at_key=True, segment=segment, path=item.path, chars=chars)
        return False
    return True


def _check_parameters(method: Method, report: Report) -> None:
    variables = {m.group(1) for s in segments(method.path) if (m := _VARIABLE.match(s))}
    declared = {p.name for p in method.parameters if p.location is ParameterLocation.PATH}
    route = f"{method.http_method} {method.path}"
    for name in sorted(variables - declared):
        report("AGW435", method.origin, at_key=True, path=method.path, name=name, route=route)
    for p in method.parameters:
        if p.location is ParameterLocation.PATH and p.name not in variables:
            report("AGW436", p.origin, route=route, name=p.name, path=method.path)


def _check_any(item: PathItem, report: Report) -> None:
    verbs = {m.http_method for m in item.methods}
    if "ANY" not in verbs or len(verbs) == 1:
        return
    any_method = next(m for m in item.methods if m.http_method == "ANY")
    if any_method.is_default_route:
        return
    declared = sorted(verbs - {"ANY"})
    rest = [v for v in HTTP_METHODS if v not in verbs]
    report(
        "AGW437",
        any_method.origin,
        at_key=True,
        path=item.path,
        methods=", ".join(rest) or "no method",
        declared=", ".join(declared),
    )


# -- the resource tree ------------------------------------------------------------------------


def _check_siblings(api: Api, report: Report) -> None:
    """One variable child per parent, with one name (reference §2.6). A greedy resource's
    children always carry the greedy segment before their end, so AGW432 has found them."""
    first: dict[str, tuple[str, str]] = {}  # parent prefix -> (variable segment, path)
    for item in api.paths:
        parts = segments(item.path) if item.path.startswith("/") else []
        for n, segment in enumerate(parts):
            match = _VARIABLE.match(segment)
            if match is None:
                continue
            parent = "/" + "/".join(parts[:n])
            prefix = "/" + "/".join(parts[: n + 1])
            seen = first.setdefault(parent, (segment, prefix))
            if seen[0] != segment:
                _report_sibling(item, prefix, seen[0], segment, report)
                break


def _report_sibling(
    item: PathItem, prefix: str, sibling: str, segment: str, report: Report
) -> None:
    # A greedy variable counts too: '/{proxy+}' beside '/{id}' fails the same way
    # ("Unable to create resource at path '/{proxy+}': A sibling ({id}) ...", winglang/wing#5210).
    report("AGW433", item.origin, at_key=True, path=prefix, sibling=sibling)


def _normalised(path: str) -> str:
    parts = segments(path)
    return "/" + "/".join(
        "{+}" if s.endswith("+}") else "{}" if _VARIABLE.match(s) else s for s in parts
    )


def _check_operation_ids(api: Api, report: Report) -> None:
    first: dict[str, Method] = {}
    for method in api.methods:
        if method.operation_id is None:
            continue
        other = first.setdefault(method.operation_id, method)
        if other is not method:
            report(
                "AGW212",
                method.origin.child("operationId") if method.origin else None,
                operation_id=method.operation_id,
                route=f"{method.http_method} {method.path}",
                other=f"{other.http_method} {other.path}",
            )


def _check_duplicates(api: Api, report: Report) -> None:
    seen: dict[tuple[str, str], Method] = {}
    for method in api.methods:
        if method.is_default_route or _is_default_path(api, method.path):
            continue
        # REST: differently named variables at one position are AGW433 already.
        path = (
            _normalised(method.path) if api.protocol is Protocol.HTTP else method.path.rstrip("/")
        )
        key = (method.http_method, path or "/")
        other = seen.setdefault(key, method)
        if other is not method:
            report(
                "AGW434",
                method.origin,
                at_key=True,
                route=f"{method.http_method} {method.path}",
                other=f"{other.http_method} {other.path}",
            )


# -- HTTP API $default ------------------------------------------------------------------------


def _check_default_routes(api: Api, report: Report) -> None:
    defaults: list[Method] = []
    for method in api.methods:
        if not method.is_default_route:
            continue
        if method.http_method != "ANY":
            reason = f"isDefaultRoute on {method.http_method} {method.path}: only x-amazon-apigateway-any-method can be the $default route"
            hint = "move the operation under x-amazon-apigateway-any-method"
            report("AGW438", _flag(method), reason=reason, hint=hint)
            continue
        defaults.append(method)
    for extra in defaults[1:]:
        reason = f"a second $default route ({extra.path}); an HTTP API has only one"
        hint = f"keep isDefaultRoute on one operation (the first is {defaults[0].path})"
        report("AGW438", _flag(extra), reason=reason, hint=hint)


def _check_cors_preflight(api: Api, report: Report) -> None:
    if api.cors is None or any(m.http_method == "OPTIONS" for m in api.methods):
        return
    for method in api.methods:
        if method.is_default_route and is_protected(api, method):
            report("AGW441", method.origin, at_key=True)


def _check_rest_default_flag(api: Api, report: Report) -> None:
    for method in api.methods:
        if method.is_default_route:
            reason = (
                "isDefaultRoute is for HTTP APIs; a REST API ignores it and has no $default route"
            )
            hint = "remove it, or use a greedy {proxy+} resource with ANY"
            report("AGW438", _flag(method), severity=W, reason=reason, hint=hint)


def _flag(method: Method) -> Origin | None:
    return method.origin.child("isDefaultRoute") if method.origin else None
