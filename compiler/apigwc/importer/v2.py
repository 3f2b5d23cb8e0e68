"""`AWS::ApiGatewayV2::Route` / `Integration` / `Authorizer` resources -> an HTTP API's OpenAPI 3.0
paths, or a WebSocket API's `x-apigwc.websocket`.

Flows in: the `Template`, the `AWS::ApiGatewayV2::Api` resource and (HTTP) the body to fill.
Flows out: paths keyed by the route key's path with the integration written as
`x-amazon-apigateway-integration` and JWT / Lambda authorizers as security schemes (what API
Gateway's HTTP API export writes), or the websocket dict of the `x-apigwc` dialect. A route's
`Target` is `integrations/<IntegrationId>`, usually built with `Fn::Join` or `Fn::Sub`.
"""

from __future__ import annotations

from typing import Any

from apigwc.importer.sam_body import method_key, paths, security_schemes
from apigwc.importer.template import Resource, Template

INTEGRATION_FIELDS = {
    "IntegrationUri": "uri",
    "IntegrationMethod": "httpMethod",
    "PayloadFormatVersion": "payloadFormatVersion",
    "TimeoutInMillis": "timeoutInMillis",
    "ConnectionType": "connectionType",
    "ConnectionId": "connectionId",
    "CredentialsArn": "credentials",
    "RequestParameters": "requestParameters",
    "RequestTemplates": "requestTemplates",
    "ResponseParameters": "responseParameters",
    "IntegrationSubtype": "integrationSubtype",
    "PassthroughBehavior": "passthroughBehavior",
    "ContentHandlingStrategy": "contentHandling",
    "TemplateSelectionExpression": "templateSelectionExpression",
}


def _owned(template: Template, api_id: str, kind: str) -> list[Resource]:
    return [
        r
        for r in template.of_type(f"AWS::ApiGatewayV2::{kind}")
        if template.ref_target(r.properties.get("ApiId")) == api_id
    ]


def _target_integration(template: Template, target: Any) -> Resource | None:
    """The Integration a route's Target (`integrations/<id>`) names."""
    for ref in _refs(target):
        resource = template.resources.get(ref)
        if resource is not None and resource.type == "AWS::ApiGatewayV2::Integration":
            return resource
    return None


def _refs(value: Any) -> list[str]:
    if isinstance(value, dict):
        if "Ref" in value and isinstance(value["Ref"], str):
            return [value["Ref"]]
        if "Fn::Sub" in value and isinstance(value["Fn::Sub"], str):
            text = value["Fn::Sub"]
            return [part.split("}")[0] for part in text.split("${")[1:]]
        return [r for v in value.values() for r in _refs(v)]
    if isinstance(value, list):
        return [r for v in value for r in _refs(v)]
    return []


def _integration(template: Template, resource: Resource | None) -> dict[str, Any] | None:
    if resource is None:
        return None
    props = resource.properties
    integration: dict[str, Any] = {"type": str(props.get("IntegrationType", "HTTP_PROXY")).lower()}
    for prop, key in INTEGRATION_FIELDS.items():
        if prop in props:
            integration[key] = props[prop]
    if integration["type"] == "aws_proxy" and "httpMethod" not in integration:
        integration["httpMethod"] = "POST"  # Lambda is always invoked with POST
    return integration


def add_http_routes(template: Template, api: Resource, body: dict[str, Any]) -> None:
    authorizers = _http_authorizers(template, api.logical_id, body)
    props = api.properties
    if "Target" in props:  # quick create: one default route to the target
        _quick_create(template, api, body, authorizers)
    for route in _owned(template, api.logical_id, "Route"):
        route_key = template.text(route.properties.get("RouteKey"), "")
        operation: dict[str, Any] = {"responses": {"default": {"description": "Default response"}}}
        integration_out = _integration(
            template, _target_integration(template, route.properties.get("Target"))
        )
        if integration_out is not None:
            operation["x-amazon-apigateway-integration"] = integration_out
        security = _route_security(template, route.properties, authorizers)
        if security is not None:
            operation["security"] = security
        if route_key:
            _put_route(body, route_key, operation)
    cors = props.get("CorsConfiguration")
    if isinstance(cors, dict):
        body["x-amazon-apigateway-cors"] = {k[0].lower() + k[1:]: v for k, v in cors.items()}


def _quick_create(
    template: Template, api: Resource, body: dict[str, Any], authorizers: dict[str, str]
) -> None:
    """`Target` on the Api: API Gateway creates one route (RouteKey, default `$default`) with a
    Lambda proxy integration; `AWS::ApiGatewayV2::ApiGatewayManagedOverrides` then changes that
    route's authorization and that integration's settings."""
    props = api.properties
    integration: dict[str, Any] = {
        "type": "aws_proxy",
        "httpMethod": "POST",
        "uri": props["Target"],
        "payloadFormatVersion": "2.0",
    }
    operation: dict[str, Any] = {"x-amazon-apigateway-integration": integration}
    for override in _owned(template, api.logical_id, "ApiGatewayManagedOverrides"):
        route = override.properties.get("Route")
        if isinstance(route, dict):
            security = _route_security(template, route, authorizers)
            if security is not None:
                operation["security"] = security
        changes = override.properties.get("Integration")
        for prop, key in (
            ("TimeoutInMillis", "timeoutInMillis"),
            ("PayloadFormatVersion", "payloadFormatVersion"),
        ):
            if isinstance(changes, dict) and prop in changes:
                integration[key] = changes[prop]
    _put_route(body, template.text(props.get("RouteKey"), "$default"), operation)


def _put_route(body: dict[str, Any], route_key: str, operation: dict[str, Any]) -> None:
    if route_key == "$default":
        operation["isDefaultRoute"] = True
        paths(body).setdefault("$default", {})["x-amazon-apigateway-any-method"] = operation
        return
    method, _, path = route_key.partition(" ")
    paths(body).setdefault(path or "/", {})[method_key(method)] = operation


def _route_security(
    template: Template, props: dict[str, Any], authorizers: dict[str, str]
) -> list[dict[str, Any]] | None:
    kind = props.get("AuthorizationType")
    if kind == "AWS_IAM":
        security_schemes_name = "sigv4"
        return [{security_schemes_name: []}]
    authorizer = template.ref_target(props.get("AuthorizerId"))
    if kind in ("JWT", "CUSTOM") and authorizer in authorizers:
        scopes = props.get("AuthorizationScopes")
        return [{authorizers[authorizer]: list(scopes) if isinstance(scopes, list) else []}]
    return None


def _http_authorizers(template: Template, api_id: str, body: dict[str, Any]) -> dict[str, str]:
    names: dict[str, str] = {}
    routes = _owned(template, api_id, "Route")
    if any(r.properties.get("AuthorizationType") == "AWS_IAM" for r in routes):
        security_schemes(body)["sigv4"] = {
            "type": "apiKey",
            "name": "Authorization",
            "in": "header",
            "x-amazon-apigateway-authtype": "awsSigv4",
        }
    for resource in _owned(template, api_id, "Authorizer"):
        props = resource.properties
        name = template.text(props.get("Name"), resource.logical_id)
        names[resource.logical_id] = name
        security_schemes(body)[name] = _http_authorizer(props)
    return names


def _http_authorizer(props: dict[str, Any]) -> dict[str, Any]:
    kind = str(props.get("AuthorizerType", "JWT")).lower()
    authorizer: dict[str, Any] = {"type": "jwt" if kind == "jwt" else "request"}
    if "IdentitySource" in props:
        authorizer["identitySource"] = props["IdentitySource"]
    jwt = props.get("JwtConfiguration")
    if isinstance(jwt, dict):
        authorizer["jwtConfiguration"] = {k[0].lower() + k[1:]: v for k, v in jwt.items()}
    for prop, key in (
        ("AuthorizerUri", "authorizerUri"),
        ("AuthorizerCredentialsArn", "authorizerCredentials"),
        ("AuthorizerPayloadFormatVersion", "authorizerPayloadFormatVersion"),
        ("EnableSimpleResponses", "enableSimpleResponses"),
        ("AuthorizerResultTtlInSeconds", "authorizerResultTtlInSeconds"),
    ):
        if prop in props:
            authorizer[key] = props[prop]
    if kind == "jwt":
        return {"type": "oauth2", "x-amazon-apigateway-authorizer": authorizer}
    return {
        "type": "apiKey",
        "name": "Unused",
        "in": "header",
        "x-amazon-apigateway-authorizer": authorizer,
    }


# -- WebSocket ---------------------------------------------------------------------------------


def websocket(template: Template, api: Resource) -> dict[str, Any]:
    """A WebSocket API's routes, integrations and authorizers -> `x-apigwc.websocket`."""
    props = api.properties
    result: dict[str, Any] = {}
    name = template.scalar(props.get("Name"))
    if isinstance(name, str):
        result["name"] = name
    for prop, key in (
        ("Description", "description"),
        ("RouteSelectionExpression", "routeSelectionExpression"),
        ("ApiKeySelectionExpression", "apiKeySelectionExpression"),
    ):
        value = template.scalar(props.get(prop))
        if isinstance(value, str):
            result[key] = value
    authorizers = {
        r.logical_id: (template.text(r.properties.get("Name"), r.logical_id), r)
        for r in _owned(template, api.logical_id, "Authorizer")
    }
    if authorizers:
        result["authorizers"] = {name: _ws_authorizer(r) for name, r in authorizers.values()}
    routes: dict[str, Any] = {}
    for route in _owned(template, api.logical_id, "Route"):
        key = template.text(route.properties.get("RouteKey"), "")
        if key:
            routes[key] = _ws_route(template, route, authorizers)
    _add_route_responses(template, api.logical_id, routes)
    _inline_authorizers(result, routes)
    result["routes"] = routes
    return result


def _inline_authorizers(result: dict[str, Any], routes: dict[str, Any]) -> None:
    """An authorizer named `<route key>Authorizer` and used by that route alone is the route's
    own (x-apigwc writes it inline on the route; `apigwc build` names it so); the
    CUSTOM authorization type and a `$default` route response selection are implied."""
    named = result.get("authorizers", {})
    for key, route in routes.items():
        name = route.get("authorizer")
        users = [r for r in routes.values() if r.get("authorizer") == name]
        if name == f"{key}Authorizer" and name in named and len(users) == 1:
            route["authorizer"] = named.pop(name)
        if "authorizer" in route and route.get("authorizationType") == "CUSTOM":
            del route["authorizationType"]
        if (
            route.get("routeResponses")
            and route.get("routeResponseSelectionExpression") == "$default"
        ):
            del route["routeResponseSelectionExpression"]
    if "authorizers" in result and not named:
        del result["authorizers"]


def _ws_authorizer(resource: Resource) -> dict[str, Any]:
    props = resource.properties
    entry: dict[str, Any] = {"type": str(props.get("AuthorizerType", "REQUEST"))}
    for prop, key in (
        ("AuthorizerUri", "authorizerUri"),
        ("AuthorizerCredentialsArn", "authorizerCredentials"),
        ("AuthorizerResultTtlInSeconds", "authorizerResultTtlInSeconds"),
    ):
        if prop in props:
            entry[key] = props[prop]
    source = props.get("IdentitySource")
    if isinstance(source, list):
        entry["identitySource"] = [str(s) for s in source]
    elif isinstance(source, str):
        entry["identitySource"] = source
    return entry


def _ws_route(
    template: Template, route: Resource, authorizers: dict[str, tuple[str, Resource]]
) -> dict[str, Any]:
    props = route.properties
    entry: dict[str, Any] = {}
    integration = _integration(template, _target_integration(template, props.get("Target")))
    if integration is not None:
        entry["integration"] = integration
    authorizer = template.ref_target(props.get("AuthorizerId"))
    if authorizer in authorizers:
        entry["authorizer"] = authorizers[authorizer][0]
    for prop, key in (
        ("AuthorizationType", "authorizationType"),
        ("ApiKeyRequired", "apiKeyRequired"),
        ("RouteResponseSelectionExpression", "routeResponseSelectionExpression"),
        ("ModelSelectionExpression", "modelSelectionExpression"),
    ):
        value = template.scalar(props.get(prop))
        if isinstance(value, (str, bool)):
            entry[key] = value
    return entry


def _add_route_responses(template: Template, api_id: str, routes: dict[str, Any]) -> None:
    for response in _owned(template, api_id, "RouteResponse"):
        route = template.resources.get(
            template.ref_target(response.properties.get("RouteId")) or ""
        )
        if route is None:
            continue
        key = template.text(route.properties.get("RouteKey"), "")
        response_key = template.text(response.properties.get("RouteResponseKey"), "$default")
        if key in routes:
            routes[key].setdefault("routeResponses", {})[response_key] = {}
