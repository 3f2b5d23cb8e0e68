"""SAM function events of type `Api` / `HttpApi` -> operations with Lambda proxy integrations.

Flows in: the `Template`, the logical id of the API being imported, that API's SAM `Auth` and
`Models`, and the body being built. Flows out: one operation per event (path + method), with the
`aws_proxy` integration the SAM translator writes (`arn:${AWS::Partition}:apigateway:…:lambda:
path/2015-03-31/functions/${Function.Arn}/invocations`), its security, request model and request
parameters. An event the SAM transform rejects is reported (AGW137) and left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apigwc.diagnostics.model import Origin
from apigwc.importer.sam_auth import API_KEY_SCHEME, EVENT_MARKER, IAM_SCHEME, event_uri
from apigwc.importer.sam_body import (
    ANY_METHOD,
    is_openapi3,
    mapping,
    method_key,
    paths,
    security_schemes,
)
from apigwc.importer.template import Resource, Template

IMPLICIT_REST = "ServerlessRestApi"
IMPLICIT_HTTP = "ServerlessHttpApi"
FUNCTION_TYPES = ("AWS::Serverless::Function",)


@dataclass(frozen=True)
class Event:
    function: Resource
    name: str
    kind: str  # "Api" | "HttpApi"
    properties: dict[str, Any]
    origin: Origin


def api_events(template: Template) -> list[Event]:
    """Every `Api` / `HttpApi` event of every SAM function, in template order."""
    found: list[Event] = []
    for function in template.of_type(*FUNCTION_TYPES):
        events = function.properties.get("Events")
        for name, event in (events.items() if isinstance(events, dict) else ()):
            if isinstance(event, dict) and event.get("Type") in ("Api", "HttpApi"):
                props = event.get("Properties")
                found.append(
                    Event(
                        function,
                        name,
                        event["Type"],
                        props if isinstance(props, dict) else {},
                        function.prop("Events", name),
                    )
                )
    return found


def event_api_id(template: Template, event: Event) -> str:
    """The API an event attaches to: its RestApiId / ApiId, else SAM's implicit API."""
    key = "RestApiId" if event.kind == "Api" else "ApiId"
    value = event.properties.get(key)
    target = template.ref_target(value)
    if target is not None:
        return target
    if isinstance(value, str) and value in template.resources:
        return value  # SAM also takes the API's logical id written as a plain string
    return IMPLICIT_REST if event.kind == "Api" else IMPLICIT_HTTP


@dataclass
class EventContext:
    template: Template
    body: dict[str, Any]
    auth: dict[str, Any]
    models: dict[str, Any] | None  # the API's Models, None when it declares none
    http: bool
    merge: bool = False  # MergeDefinitions: the event's operation is merged over the body's


def add_events(ctx: EventContext, events: list[Event]) -> None:
    for event in events:
        operation = _operation(ctx, event)
        if operation is None:
            continue
        path, method = _route(event, ctx.http)
        item = paths(ctx.body).setdefault(path, {})
        if not isinstance(item, dict):
            continue  # the body's own path item is malformed; lowering reports it
        existing = item.get(method)
        has_integration = (
            isinstance(existing, dict) and "x-amazon-apigateway-integration" in existing
        )
        if has_integration and not ctx.merge:
            continue  # SAM keeps an integration the body already states for this method
        merged = {**existing, **operation} if isinstance(existing, dict) else operation
        item[method] = merged


def _route(event: Event, http: bool) -> tuple[str, str]:
    path = event.properties.get("Path")
    method = event.properties.get("Method")
    if http and path is None and method is None:
        return "$default", ANY_METHOD  # an HttpApi event with neither is the default route
    return str(path or "/"), method_key(str(method or "any"))


def _operation(ctx: EventContext, event: Event) -> dict[str, Any] | None:
    integration: dict[str, Any] = {
        "type": "aws_proxy",
        "httpMethod": "POST",
        "uri": event_uri(event.function.logical_id, ctx.http),
    }
    if ctx.http:
        integration["payloadFormatVersion"] = str(
            event.properties.get("PayloadFormatVersion", "2.0")
        )
        if "TimeoutInMillis" in event.properties:
            integration["timeoutInMillis"] = ctx.template.scalar(
                event.properties["TimeoutInMillis"]
            )
    operation: dict[str, Any] = {
        EVENT_MARKER: True,
        "x-amazon-apigateway-integration": integration,
        "responses": {},
    }
    if not _add_security(ctx, event, operation):
        return None
    if not _add_request_model(ctx, event, operation):
        return None
    _add_request_parameters(ctx, event, operation, integration)
    if _route(event, ctx.http) == ("$default", ANY_METHOD):
        operation["isDefaultRoute"] = True
    return operation


def _add_security(ctx: EventContext, event: Event, operation: dict[str, Any]) -> bool:
    auth = event.properties.get("Auth")
    auth = auth if isinstance(auth, dict) else {}
    api_auth = ctx.auth
    authorizers = mapping(api_auth.get("Authorizers"))
    name = auth.get("Authorizer", api_auth.get("DefaultAuthorizer"))
    if ctx.http and "Authorizer" not in auth and _route(event, True)[1] == "options":
        name = None  # SAM leaves an HTTP API's OPTIONS routes (CORS preflight) open
    key_required = auth.get("ApiKeyRequired", api_auth.get("ApiKeyRequired")) is True
    if auth.get("OverrideApiAuth") and not (
        "Authorizer" in auth or "ApiKeyRequired" in auth or "ResourcePolicy" in auth
    ):
        ctx.template.report(
            "AGW137",
            event.origin.child("Properties", "Auth"),
            event=event.name,
            resource=event.function.logical_id,
            reason="Must define one of: Authorizer, ApiKeyRequired or ResourcePolicy when using "
            "the OverrideApiAuth property.",
        )
        return False
    path, method = _route(event, ctx.http)
    problem = _auth_problem(auth, name, api_auth, f"on API method [{method}] for path [{path}]")
    if problem:
        ctx.template.report(
            "AGW137",
            event.origin.child("Properties", "Auth"),
            event=event.name,
            resource=event.function.logical_id,
            reason=problem,
        )
        return False
    security: list[dict[str, Any]] = []
    if name == "AWS_IAM":
        security_schemes(ctx.body)["AWS_IAM"] = dict(IAM_SCHEME)
        security.append({"AWS_IAM": []})
    elif isinstance(name, str) and name != "NONE":
        if name not in authorizers:
            _missing_authorizer(ctx, event, name, bool(authorizers))
            return False
        scopes = auth.get("AuthorizationScopes")
        if not isinstance(scopes, list):
            config = authorizers.get(name)
            scopes = config.get("AuthorizationScopes") if isinstance(config, dict) else None
        security.append({name: list(scopes) if isinstance(scopes, list) else []})
    if name == "NONE":
        # SAM writes an explicit NONE requirement to lift the API's default authorizer
        security.append({"NONE": []})
    if key_required:
        security_schemes(ctx.body)["api_key"] = dict(API_KEY_SCHEME)
        security.append({"api_key": []})
    if security:
        operation["security"] = security
    return True


def _auth_problem(auth: dict[str, Any], name: Any, api_auth: dict[str, Any], where: str) -> str:
    """The SAM translator's complaint about an event's Auth ('' when it has none)."""
    if name is not None and not isinstance(name, str):
        return (
            f"Unable to set Authorizer [{name}] {where}. The method authorizer must be a string "
            "with a corresponding dict entry in the api authorizer."
        )
    if auth.get("Authorizer") == "NONE" and not isinstance(api_auth.get("DefaultAuthorizer"), str):
        return (
            f"Unable to set Authorizer {where} because 'NONE' is only a valid value when a "
            "DefaultAuthorizer on the API is specified."
        )
    scopes = auth.get("AuthorizationScopes")
    if scopes is not None and not (
        isinstance(scopes, list) and all(isinstance(s, str) for s in scopes)
    ):
        return f"Unable to set Authorizer {where} because 'AuthorizationScopes' must be a list of strings."
    if scopes is not None and name is None:
        return "AuthorizationScopes works only when Authorizer is set"
    return ""


def _missing_authorizer(ctx: EventContext, event: Event, name: str, has_any: bool) -> None:
    path, method = _route(event, ctx.http)
    because = (
        "it wasn't defined in the API's Authorizers"
        if has_any
        else "the related API does not define any Authorizers"
    )
    ctx.template.report(
        "AGW137",
        event.origin.child("Properties", "Auth", "Authorizer"),
        event=event.name,
        resource=event.function.logical_id,
        reason=f"Unable to set Authorizer [{name}] on API method [{method}] for path [{path}] "
        f"because {because}.",
    )


def _add_request_model(ctx: EventContext, event: Event, operation: dict[str, Any]) -> bool:
    config = event.properties.get("RequestModel")
    if not isinstance(config, dict):
        return True
    model = config.get("Model")
    path, method = _route(event, ctx.http)
    problem = None
    if ctx.models is None:
        problem = "the related API does not define any Models"
    elif not isinstance(model, str):
        problem = "the related API does not contain valid Models"
    elif model not in ctx.models:
        problem = "it wasn't defined in the API's Models"
    if problem is not None:
        ctx.template.report(
            "AGW137",
            event.origin.child("Properties", "RequestModel", "Model"),
            event=event.name,
            resource=event.function.logical_id,
            reason=f"Unable to set RequestModel [{model}] on API method [{method}] for path "
            f"[{path}] because {problem}.",
        )
        return False
    assert isinstance(model, str)
    ref = ("#/components/schemas/" if is_openapi3(ctx.body) else "#/definitions/") + model
    required = config.get("Required") is True
    if is_openapi3(ctx.body):
        operation["requestBody"] = {
            "content": {"application/json": {"schema": {"$ref": ref}}},
            "required": required,
        }
    else:
        operation["parameters"] = [
            {"in": "body", "name": model, "required": required, "schema": {"$ref": ref}}
        ]
    if config.get("ValidateBody") or config.get("ValidateParameters"):
        name = _validator_name(config)
        operation["x-amazon-apigateway-request-validator"] = name
        validators = ctx.body.setdefault("x-amazon-apigateway-request-validators", {})
        validators[name] = {
            "validateRequestBody": bool(config.get("ValidateBody")),
            "validateRequestParameters": bool(config.get("ValidateParameters")),
        }
    return True


def _validator_name(config: dict[str, Any]) -> str:
    body, params = bool(config.get("ValidateBody")), bool(config.get("ValidateParameters"))
    return {(True, True): "body-and-params", (True, False): "body-only"}.get(
        (body, params), "params-only"
    )


def _add_request_parameters(
    ctx: EventContext, event: Event, operation: dict[str, Any], integration: dict[str, Any]
) -> None:
    """`RequestParameters: [method.request.header.X, {method.request.querystring.y: {Required,
    Caching}}]` -> OpenAPI parameters, and cached ones as the integration's cache keys."""
    entries = event.properties.get("RequestParameters")
    if not isinstance(entries, list):
        return
    parameters: list[dict[str, Any]] = list(operation.get("parameters") or [])
    cache_keys: list[str] = []
    for entry in entries:
        name, settings = (entry, {}) if isinstance(entry, str) else _single(entry)
        parts = name.split(".") if isinstance(name, str) else []
        if len(parts) < 4 or parts[:2] != ["method", "request"]:
            continue
        location = {"querystring": "query"}.get(parts[2], parts[2])
        param: dict[str, Any] = {"in": location, "name": ".".join(parts[3:])}
        param["required"] = settings.get("Required") is True
        if is_openapi3(ctx.body):
            param["schema"] = {"type": "string"}
        else:
            param["type"] = "string"
        parameters.append(param)
        if settings.get("Caching") is True:
            cache_keys.append(name)
    if parameters:
        operation["parameters"] = parameters
    if cache_keys:
        integration["cacheKeyParameters"] = cache_keys


def _single(entry: Any) -> tuple[Any, dict[str, Any]]:
    if isinstance(entry, dict) and len(entry) == 1:
        ((name, settings),) = entry.items()
        return name, settings if isinstance(settings, dict) else {}
    return None, {}
