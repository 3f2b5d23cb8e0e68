"""Parts of an imported definition that the template carries (and the SAM transform accepts)
but API Gateway would refuse, degraded so that the spec builds, each with a warning (AGW141,
AGW142).

Flows in: the body the importer built (after SAM's events, Auth and Cors), the template, where
the body sits in it, and whether the API is an HTTP API; for SAM's REST `Cors`, the property
before SAM writes it into the body (`quote_rest_cors`). Flows out: the body, changed in place
(or replaced, when it is no OpenAPI document at all); one warning per change, located at the
nearest place of the template that holds the part.

The corpus marks these templates valid because the SAM translator transforms them, yet some
upstream fixtures carry a body API Gateway itself rejects (SAM copies the body through
unchecked). Importing such a template must still give a spec that builds, so each broken part is
changed in the least surprising way, and the warning says what was written, why API Gateway
refuses it and what the spec holds instead. Where the intent is unambiguous (a parameter wrapped
in a one-key map, an `aws_proxy` integration pointing at an https URL, an unquoted Cors literal)
it is kept; where keeping it could widen access (credentials with any origin) the narrower
reading is taken; otherwise the part is left out.
"""

from __future__ import annotations

from typing import Any

from apigwc.diagnostics.model import Origin
from apigwc.importer.sam_body import ANY_METHOD, METHOD_KEYS
from apigwc.importer.template import Template
from apigwc.loader.document import RefError
from apigwc.validation.domains import policy_problem

INTEGRATION = "x-amazon-apigateway-integration"
POLICY = "x-amazon-apigateway-policy"
CORS = "x-amazon-apigateway-cors"
# The payload format apigwc gives an HTTP API Lambda proxy that names none: SAM's default for
# the integrations it writes itself, and the API Gateway console's default.
DEFAULT_PAYLOAD_FORMAT = "2.0"


def degrade(
    template: Template, body: dict[str, Any], where: Origin, http: bool, title: str
) -> dict[str, Any]:
    """The body with what API Gateway refuses degraded (see the module docstring)."""
    body = _openapi_document(template, body, where, http, title)
    _paths(template, body, where, http)
    _policy(template, body, where)
    _http_cors(template, body, where)
    return body


def _report(template: Template, where: Origin, tokens: tuple[Any, ...], **fields: Any) -> None:
    template.report("AGW142", _located(template, where, tokens), **fields)


def _located(template: Template, where: Origin, tokens: tuple[Any, ...]) -> Origin:
    """`where` + tokens, shortened to the longest prefix the template holds (a route SAM adds
    from an event, or a body read from an included file, is not in the template's text)."""
    for end in range(len(tokens), -1, -1):
        candidate = where.child(*tokens[:end]) if end else where
        try:
            template.doc.get(candidate)
        except RefError:  # no such place in the template: try a shorter pointer
            continue
        return candidate
    return where


# -- the document as a whole ---------------------------------------------------------------------


def _openapi_document(
    template: Template, body: dict[str, Any], where: Origin, http: bool, title: str
) -> dict[str, Any]:
    """A DefinitionBody such as `{this: is, a: swagger}`: SAM passes any mapping through when it
    has nothing to add, but API Gateway's import reads `openapi` / `swagger` and `paths`. The
    spec keeps the body's extensions and has no routes (what the template's author can deploy
    once the body is fixed)."""
    if any(key in body for key in ("openapi", "swagger", "paths")):
        return body
    others = sorted(str(k) for k in body if not str(k).startswith("x-"))
    reason = "no openapi, swagger or paths; it has " + (", ".join(others) or "no keys")
    template.report("AGW141", where, what="the API definition", reason=reason)
    version = {"openapi": "3.0.1"} if http else {"swagger": "2.0"}
    extensions = {k: v for k, v in body.items() if str(k).startswith("x-")}
    return {**version, "info": {"title": title, "version": "1.0"}, "paths": {}, **extensions}


# -- paths, operations, integrations -------------------------------------------------------------


def _paths(template: Template, body: dict[str, Any], where: Origin, http: bool) -> None:
    paths = body.get("paths")
    if not isinstance(paths, dict):
        return
    for path in list(paths):
        item = paths[path]
        if not _is_path_key(str(path), http):
            # e.g. `securitySchemes` indented one level too deep: API Gateway's import takes
            # only keys that start with '/' as resources
            del paths[path]
            _report(
                template,
                where,
                ("paths", path),
                what=f"paths key {path!r}",
                problem="does not start with '/'",
                action="without it",
            )
            continue
        if not isinstance(item, dict):
            continue
        _parameters(template, item, where, ("paths", path))
        for method, operation in item.items():
            if (method in METHOD_KEYS or method == ANY_METHOD) and isinstance(operation, dict):
                tokens = ("paths", path, method)
                label = f"{'ANY' if method == ANY_METHOD else method.upper()} {path}"
                _parameters(template, operation, where, tokens)
                _security(template, operation, where, tokens, label)
                _integration(template, operation, where, tokens, label, http)


def _is_path_key(path: str, http: bool) -> bool:
    return path.startswith(("/", "x-")) or (http and path == "$default")


def _parameters(
    template: Template, holder: dict[str, Any], where: Origin, tokens: tuple[Any, ...]
) -> None:
    """`parameters: [{status: {in: path, name: status}}]`: the parameter object wrapped in a
    one-key map named after it. API Gateway reads no `name` / `in` at the entry's top level and
    rejects it; the wrapped object is the parameter the author meant."""
    parameters = holder.get("parameters")
    if not isinstance(parameters, list):
        return
    for index, entry in enumerate(parameters):
        if not (isinstance(entry, dict) and len(entry) == 1 and "in" not in entry):
            continue
        ((name, inner),) = entry.items()
        if not (isinstance(inner, dict) and isinstance(inner.get("in"), str)):
            continue
        parameters[index] = {"name": name, **inner}
        _report(
            template,
            where,
            (*tokens, "parameters", index),
            what=f"parameter {name!r}",
            problem=f"is written as a map {{{name}: {{in: ...}}}} with no name or in of its own",
            action="as the parameter object it wraps",
        )


def _security(
    template: Template,
    operation: dict[str, Any],
    where: Origin,
    tokens: tuple[Any, ...],
    label: str,
) -> None:
    """`security: {MyAuthorizer: []}` (an object, not a list): kept as that one requirement, so
    the method stays behind the authorizer its author named rather than opening up."""
    security = operation.get("security")
    if not isinstance(security, dict):
        return
    operation["security"] = [security]
    _report(
        template,
        where,
        (*tokens, "security"),
        what=f"the security of {label}",
        problem="is an object, not a list of requirements",
        action="as a list holding that one requirement",
    )


def _integration(
    template: Template,
    operation: dict[str, Any],
    where: Origin,
    tokens: tuple[Any, ...],
    label: str,
    http: bool,
) -> None:
    integration = operation.get(INTEGRATION)
    if not isinstance(integration, dict) or "$ref" in integration:
        return  # a reused integration under components is read where it is defined
    at = (*tokens, INTEGRATION)
    kind = integration.get("type")
    what = f"the integration of {label}"
    if not isinstance(kind, str):
        # API Gateway requires `type`; with none, there is no integration to keep (the method
        # is imported without one: deploying it fails until one is written)
        del operation[INTEGRATION]
        _report(template, where, at, what=what, problem="has no type", action="without it")
        return
    proxy = kind.lower() == "aws_proxy"
    uri = integration.get("uri")
    targeted = any(k in integration for k in ("integrationSubtype", "integrationTarget"))
    if proxy and "uri" not in integration and not targeted:
        # a Lambda proxy that names no function (a `sam local` fixture): nothing to call
        del operation[INTEGRATION]
        _report(
            template, where, at, what=what, problem="is aws_proxy with no uri", action="without it"
        )
        return
    if proxy and isinstance(uri, str) and uri.lower().startswith(("http://", "https://")):
        # "Integrations of type 'AWS_PROXY' currently only supports Lambda function and
        # Firehose stream invocations" (control plane); an URL can only mean an HTTP proxy
        integration["type"] = "HTTP_PROXY" if kind.isupper() else "http_proxy"
        _report(
            template,
            where,
            (*at, "type"),
            what=what,
            problem=f"is aws_proxy to the URL {uri} (AWS_PROXY calls only Lambda and Firehose)",
            action="as an http_proxy integration to that URL",
        )
    if (
        http
        and proxy
        and integration.get("type") == kind
        and "payloadFormatVersion" not in integration
        and "integrationSubtype" not in integration
    ):
        # HTTP APIs require payloadFormatVersion on every integration
        integration["payloadFormatVersion"] = DEFAULT_PAYLOAD_FORMAT
        _report(
            template,
            where,
            at,
            what=what,
            problem="is an HTTP API Lambda proxy with no payloadFormatVersion",
            action=f"with payloadFormatVersion '{DEFAULT_PAYLOAD_FORMAT}' (SAM's default)",
        )


# -- API-wide extensions ----------------------------------------------------------------------


def _policy(template: Template, body: dict[str, Any], where: Origin) -> None:
    """A resource policy that is not an IAM policy document (a `Version` with no `Statement`, a
    statement with no Resource): API Gateway refuses to set it, so the API would not deploy.
    The spec has no policy; the warning says so, since that leaves the API open to callers the
    written policy meant to name."""
    policy = body.get(POLICY)
    if policy is None:
        return
    problem = policy_problem(policy)
    if not problem:
        return
    del body[POLICY]
    _report(
        template,
        where,
        (POLICY,),
        what="x-amazon-apigateway-policy",
        problem=problem,
        action="without a resource policy (the API is reachable by any caller IAM allows)",
    )


# Where a mapping value may name a source instead of a quoted literal (integration response
# parameters: SAM's preflight answers with these).
MAPPING_SOURCES = ("method.request.", "integration.response.", "context.", "stageVariables.")
CORS_VALUES = ("AllowOrigin", "AllowHeaders", "AllowMethods", "MaxAge")


def quote_rest_cors(template: Template, cors: Any, where: Origin) -> Any:
    """SAM's REST `Cors` values are written into the preflight's `responseParameters` as they
    are: SAM's `add_cors` expects them already single-quoted (`"'*'"`). An unquoted value such
    as `headers` reaches API Gateway as a mapping expression it rejects ("Invalid mapping
    expression specified"); the author meant the literal, so it is quoted."""
    if isinstance(cors, str):
        return _quoted(template, cors, where, "AllowOrigin") if cors else cors
    if not isinstance(cors, dict) or _intrinsic(cors):
        return cors
    result = dict(cors)
    for key in CORS_VALUES:
        value = result.get(key)
        if isinstance(value, str) and value:
            result[key] = _quoted(template, value, where.child(key), key)
    return result


def _quoted(template: Template, value: str, where: Origin, key: str) -> str:
    if value.startswith("'") or value.startswith(MAPPING_SOURCES):
        return value
    quoted = "'" + value.replace("'", "") + "'"
    template.report(
        "AGW142",
        _located(template, where, ()),
        what=f"Cors {key} {value!r}",
        problem="is not single-quoted (API Gateway reads it as a mapping expression)",
        action=f"as the literal {quoted}",
    )
    return quoted


def _intrinsic(value: dict[str, Any]) -> bool:
    return len(value) == 1 and str(next(iter(value))).startswith(("Fn::", "Ref"))


def _http_cors(template: Template, body: dict[str, Any], where: Origin) -> None:
    """HTTP API CORS that allows credentials with the wildcard origin: API Gateway refuses the
    configuration (and browsers refuse such responses). Credentials are turned off, the
    narrower of the two readings."""
    cors = body.get(CORS)
    if not isinstance(cors, dict) or cors.get("allowCredentials") is not True:
        return
    origins = cors.get("allowOrigins")
    if not (isinstance(origins, list) and "*" in origins):
        return
    cors["allowCredentials"] = False
    _report(
        template,
        where,
        (CORS, "allowCredentials"),
        what="the CORS configuration",
        problem="allows credentials with the wildcard origin '*'",
        action="with allowCredentials false",
    )
