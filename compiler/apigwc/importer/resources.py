"""An explicit `AWS::ApiGateway::Resource` / `Method` / `Authorizer` / `Model` /
`RequestValidator` / `GatewayResponse` tree -> OpenAPI 3.0 paths, operations and extensions.

Flows in: the `Template`, the RestApi's logical id and the body to fill (a fresh OpenAPI 3.0.1
document when the RestApi has no Body, or the Body itself, which the resources extend as they
extend the deployed API). Flows out: the same body. Resource paths are rebuilt from `ParentId`
chains ending at `!GetAtt Api.RootResourceId`; properties are renamed to the extension fields
API Gateway's exporter writes for them.
"""

from __future__ import annotations

from typing import Any

from apigwc.importer.sam_body import method_key, models, paths, security_schemes
from apigwc.importer.template import Resource, Template

INTEGRATION_FIELDS = {
    "Uri": "uri",
    "IntegrationHttpMethod": "httpMethod",
    "Credentials": "credentials",
    "RequestTemplates": "requestTemplates",
    "RequestParameters": "requestParameters",
    "PassthroughBehavior": "passthroughBehavior",
    "ContentHandling": "contentHandling",
    "TimeoutInMillis": "timeoutInMillis",
    "CacheKeyParameters": "cacheKeyParameters",
    "CacheNamespace": "cacheNamespace",
    "ConnectionType": "connectionType",
    "ConnectionId": "connectionId",
}
AUTHORIZER_FIELDS = {
    "AuthorizerUri": "authorizerUri",
    "AuthorizerCredentials": "authorizerCredentials",
    "IdentitySource": "identitySource",
    "IdentityValidationExpression": "identityValidationExpression",
    "AuthorizerResultTtlInSeconds": "authorizerResultTtlInSeconds",
    "ProviderARNs": "providerARNs",
}


def _owned(template: Template, api_id: str, kind: str) -> list[Resource]:
    return [
        r
        for r in template.of_type(f"AWS::ApiGateway::{kind}")
        if template.ref_target(r.properties.get("RestApiId")) == api_id
    ]


def has_tree(template: Template, api_id: str) -> bool:
    return bool(_owned(template, api_id, "Method"))


def empty_body(title: str) -> dict[str, Any]:
    return {"openapi": "3.0.1", "info": {"title": title, "version": "1.0"}, "paths": {}}


def add_tree(template: Template, api_id: str, body: dict[str, Any]) -> None:
    authorizers = _add_authorizers(template, api_id, body)
    _add_models(template, api_id, body)
    validators = _add_validators(template, api_id, body)
    _add_gateway_responses(template, api_id, body)
    for method in _owned(template, api_id, "Method"):
        path = _resource_path(template, method.properties.get("ResourceId"), api_id)
        verb = template.text(method.properties.get("HttpMethod"), "ANY")
        if path is None:
            template.report(
                "AGW138",
                method.prop("ResourceId"),
                what=f"method {method.logical_id}",
                reason="its ResourceId is not a Resource of this RestApi",
            )
            continue
        operation = _operation(template, method.properties, authorizers, validators)
        paths(body).setdefault(path, {})[method_key(verb)] = operation


def _resource_path(template: Template, ref: Any, api_id: str, depth: int = 0) -> str | None:
    target = template.ref_target(ref)
    if target == api_id:  # !GetAtt Api.RootResourceId
        return "/"
    resource = template.resources.get(target or "")
    if resource is None or resource.type != "AWS::ApiGateway::Resource" or depth > 64:
        return None
    parent = _resource_path(template, resource.properties.get("ParentId"), api_id, depth + 1)
    part = template.text(resource.properties.get("PathPart"), "")
    if parent is None or not part:
        return None
    return parent.rstrip("/") + "/" + part


def _operation(
    template: Template,
    props: dict[str, Any],
    authorizers: dict[str, str],
    validators: dict[str, str],
) -> dict[str, Any]:
    operation: dict[str, Any] = {}
    name = template.scalar(props.get("OperationName"))
    if isinstance(name, str):
        operation["operationId"] = name
    parameters = _parameters(props.get("RequestParameters"))
    if parameters:
        operation["parameters"] = parameters
    request_models = props.get("RequestModels")
    if isinstance(request_models, dict) and request_models:
        operation["requestBody"] = {
            "content": {
                media: {"schema": {"$ref": "#/components/schemas/" + str(_model_name(template, m))}}
                for media, m in request_models.items()
            }
        }
    operation["responses"] = _method_responses(props.get("MethodResponses"))
    security = _security(template, props, authorizers)
    if security is not None:
        operation["security"] = security
    if props.get("AuthorizationType") == "AWS_IAM":
        operation["x-amazon-apigateway-auth"] = {"type": "AWS_IAM"}
    validator = template.ref_target(props.get("RequestValidatorId"))
    if validator in validators:
        operation["x-amazon-apigateway-request-validator"] = validators[validator]
    integration = props.get("Integration")
    if isinstance(integration, dict):
        operation["x-amazon-apigateway-integration"] = _integration(integration)
    return operation


def _parameters(request_parameters: Any) -> list[dict[str, Any]]:
    result = []
    for key, required in (
        request_parameters.items() if isinstance(request_parameters, dict) else ()
    ):
        parts = str(key).split(".")
        if len(parts) < 4 or parts[2] not in ("path", "querystring", "header"):
            continue
        location = {"querystring": "query"}.get(parts[2], parts[2])
        param: dict[str, Any] = {
            "name": ".".join(parts[3:]),
            "in": location,
            "schema": {"type": "string"},
            "required": True if location == "path" else required is True,
        }
        result.append(param)
    return result


def _model_name(template: Template, value: Any) -> Any:
    target = template.ref_target(value)
    if target in template.resources:
        return template.text(template.resources[target].properties.get("Name"), target)
    return template.scalar(value)


def _method_responses(responses: Any) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for entry in responses if isinstance(responses, list) else ():
        if not isinstance(entry, dict) or "StatusCode" not in entry:
            continue
        response: dict[str, Any] = {"description": f"{entry['StatusCode']} response"}
        params = entry.get("ResponseParameters")
        headers = {
            str(k).split(".", 3)[-1]: {"schema": {"type": "string"}}
            for k in (params if isinstance(params, dict) else {})
            if str(k).startswith("method.response.header.")
        }
        if headers:
            response["headers"] = headers
        result[str(entry["StatusCode"])] = response
    return result or {"200": {"description": "200 response"}}


def _security(
    template: Template, props: dict[str, Any], authorizers: dict[str, str]
) -> list[dict[str, Any]] | None:
    security: list[dict[str, Any]] = []
    kind = props.get("AuthorizationType")
    authorizer = template.ref_target(props.get("AuthorizerId"))
    if kind in ("CUSTOM", "COGNITO_USER_POOLS") and authorizer in authorizers:
        scopes = props.get("AuthorizationScopes")
        security.append({authorizers[authorizer]: list(scopes) if isinstance(scopes, list) else []})
    if props.get("ApiKeyRequired") is True:
        security.append({"api_key": []})
    return security or None


def _integration(config: dict[str, Any]) -> dict[str, Any]:
    integration: dict[str, Any] = {"type": str(config.get("Type", "MOCK")).lower()}
    for prop, key in INTEGRATION_FIELDS.items():
        if prop in config:
            integration[key] = config[prop]
    responses: dict[str, Any] = {}
    for entry in config.get("IntegrationResponses") or []:
        if not isinstance(entry, dict) or "StatusCode" not in entry:
            continue
        response: dict[str, Any] = {"statusCode": str(entry["StatusCode"])}
        for prop, key in (
            ("ResponseTemplates", "responseTemplates"),
            ("ResponseParameters", "responseParameters"),
            ("ContentHandling", "contentHandling"),
        ):
            if prop in entry:
                response[key] = entry[prop]
        responses[str(entry.get("SelectionPattern") or "default")] = response
    if responses:
        integration["responses"] = responses
    return integration


def _add_authorizers(template: Template, api_id: str, body: dict[str, Any]) -> dict[str, str]:
    names: dict[str, str] = {}
    for resource in _owned(template, api_id, "Authorizer"):
        props = resource.properties
        name = template.text(props.get("Name"), resource.logical_id)
        kind = str(props.get("Type", "TOKEN")).lower()
        authorizer = {"type": kind}
        authorizer.update({key: props[p] for p, key in AUTHORIZER_FIELDS.items() if p in props})
        source = str(props.get("IdentitySource", "method.request.header.Authorization"))
        header = source.split(".")[-1] if source.startswith("method.request.header.") else "Unused"
        security_schemes(body)[name] = {
            "type": "apiKey",
            "name": header,
            "in": "header",
            "x-amazon-apigateway-authtype": (
                "cognito_user_pools" if kind.startswith("cognito") else "custom"
            ),
            "x-amazon-apigateway-authorizer": authorizer,
        }
        names[resource.logical_id] = name
    if any(m.properties.get("ApiKeyRequired") is True for m in _owned(template, api_id, "Method")):
        security_schemes(body)["api_key"] = {"type": "apiKey", "name": "x-api-key", "in": "header"}
    return names


def _add_models(template: Template, api_id: str, body: dict[str, Any]) -> None:
    for resource in _owned(template, api_id, "Model"):
        name = template.text(resource.properties.get("Name"), resource.logical_id)
        schema = resource.properties.get("Schema", {})
        models(body).setdefault(name, schema if isinstance(schema, dict) else {})


def _add_validators(template: Template, api_id: str, body: dict[str, Any]) -> dict[str, str]:
    names: dict[str, str] = {}
    for resource in _owned(template, api_id, "RequestValidator"):
        name = template.text(resource.properties.get("Name"), resource.logical_id)
        validators = body.setdefault("x-amazon-apigateway-request-validators", {})
        validators[name] = {
            "validateRequestBody": resource.properties.get("ValidateRequestBody") is True,
            "validateRequestParameters": resource.properties.get("ValidateRequestParameters")
            is True,
        }
        names[resource.logical_id] = name
    return names


def _add_gateway_responses(template: Template, api_id: str, body: dict[str, Any]) -> None:
    for resource in _owned(template, api_id, "GatewayResponse"):
        props = resource.properties
        kind = template.text(props.get("ResponseType"), "")
        if not kind:
            continue
        response: dict[str, Any] = {}
        if "StatusCode" in props:
            response["statusCode"] = str(template.scalar(props["StatusCode"]))
        for prop, key in (
            ("ResponseParameters", "responseParameters"),
            ("ResponseTemplates", "responseTemplates"),
        ):
            if isinstance(props.get(prop), dict):
                response[key] = props[prop]
        body.setdefault("x-amazon-apigateway-gateway-responses", {})[kind] = response
