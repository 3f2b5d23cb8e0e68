"""The WebSocket API of `x-apigwc.websocket` as `AWS::ApiGatewayV2::*` resources.

Flows in: the template builder and the IR `WebSocketApi`. Flows out: an `Api` (ProtocolType
WEBSOCKET), per route an `Integration` (+ `IntegrationResponse`s for non-proxy ones), a `Route`
and its `RouteResponse`s, `Authorizer`s, one `Deployment` that waits for every route (its logical
id carries a hash of them, so a changed route redeploys) and one `Stage` per stage. WebSocket APIs
cannot be imported from OpenAPI, so both templates spell every resource out (SAM has no WebSocket
resource type either).
"""

from __future__ import annotations

from typing import Any

from apigwc.emitters.cfn_parts import TemplateParts
from apigwc.emitters.cfn_stages import route_settings
from apigwc.emitters.cfn_template import ref, sub
from apigwc.ir.base import deployable_json
from apigwc.ir.deployment import WebSocketApi, WebSocketAuthorizer, WebSocketRoute
from apigwc.ir.integration import Integration, IntegrationResponse

Json = Any
WS_API = "WebSocketApi"


def add_websocket(builder: TemplateParts, ws: WebSocketApi) -> None:
    template = builder.template
    api_id = template.new_id(WS_API)
    title = builder.api.title if isinstance(builder.api.title, str) else builder.api.slug
    template.add_resource(
        api_id,
        "AWS::ApiGatewayV2::Api",
        {
            "Name": ws.name or f"{title or builder.api.slug}-websocket",
            "Description": ws.description,
            "ProtocolType": "WEBSOCKET",
            "RouteSelectionExpression": ws.route_selection_expression,
            "ApiKeySelectionExpression": ws.api_key_selection_expression,
        },
    )
    authorizers = {
        name: _authorizer(builder, api_id, name, authorizer)
        for name, authorizer in ws.authorizers.items()
    }
    routes = [_route(builder, api_id, key, route, authorizers) for key, route in ws.routes.items()]
    snapshot = builder.template.resources
    deployment = builder.deployment_id(api_id, [snapshot[r] for r in routes])
    template.add_resource(
        deployment,
        "AWS::ApiGatewayV2::Deployment",
        {"ApiId": ref(api_id)},
        DependsOn=routes or None,
    )
    for name, stage in builder.stages:
        default, per_route = route_settings(stage, tuple(ws.routes), websocket=True)
        props: dict[str, Json] = {
            "ApiId": ref(api_id),
            "StageName": name,
            "DeploymentId": ref(deployment),
            "Description": stage.description,
            "StageVariables": dict(stage.variables) or None,
            "DefaultRouteSettings": default or None,
            "RouteSettings": per_route or None,
        }
        props |= builder.access_log(f"{api_id}{name}", stage, "AccessLogSettings")
        template.add_resource(
            template.new_id(api_id, "Stage", name),
            "AWS::ApiGatewayV2::Stage",
            props,
            DependsOn=builder.logging_dependency(stage, websocket=True),
        )
        builder.add_stage_output(name, "wss", api_id)


def _route(
    builder: TemplateParts,
    api_id: str,
    key: str,
    route: WebSocketRoute,
    authorizers: dict[str, str],
) -> str:
    template = builder.template
    route_id = template.new_id(api_id, "Route", key)
    props: dict[str, Json] = {"ApiId": ref(api_id), "RouteKey": key}
    if route.integration is not None:
        integration_id = _integration(builder, api_id, key, route.integration)
        props["Target"] = sub(f"integrations/${{{integration_id}}}")
    authorizer_id = None
    if isinstance(route.authorizer, str):
        authorizer_id = authorizers.get(route.authorizer)
    elif route.authorizer is not None:
        authorizer_id = _authorizer(builder, api_id, f"{key}Authorizer", route.authorizer)
    selection = route.route_response_selection_expression
    if route.route_responses and selection is None:
        selection = (
            "$default"  # a route answers its client only with a response selection expression
        )
    props |= _compact(
        AuthorizationType=route.authorization_type or ("CUSTOM" if authorizer_id else None),
        AuthorizerId=ref(authorizer_id) if authorizer_id else None,
        ApiKeyRequired=route.api_key_required,
        RouteResponseSelectionExpression=selection,
        ModelSelectionExpression=route.model_selection_expression,
        RequestModels=dict(route.request_models) or None,
    )
    template.add_resource(route_id, "AWS::ApiGatewayV2::Route", props)
    for response_key, response in route.route_responses.items():
        _route_response(builder, api_id, route_id, response_key, response)
    if route.integration is not None and route.integration.is_lambda:
        builder.add_permission(route.integration.uri, api_id, f"*/{key}")
    return route_id


def _integration(builder: TemplateParts, api_id: str, key: str, integration: Integration) -> str:
    template = builder.template
    integration_id = template.new_id(api_id, "Integration", key)
    bind = builder.binder.bind
    props: dict[str, Json] = {"ApiId": ref(api_id), "IntegrationType": integration.type.value}
    props |= _compact(
        IntegrationUri=bind(deployable_json(integration.uri)),
        IntegrationMethod=integration.http_method if integration.uri is not None else None,
        TimeoutInMillis=integration.timeout_in_millis,
        CredentialsArn=bind(deployable_json(integration.credentials)),
        ConnectionType=integration.connection_type.value if integration.connection_type else None,
        ConnectionId=bind(deployable_json(integration.connection_id)),
        PassthroughBehavior=_value(integration.passthrough_behavior),
        ContentHandlingStrategy=_value(integration.content_handling),
        RequestTemplates={
            k: bind(deployable_json(v)) for k, v in integration.request_templates.items()
        }
        or None,
        RequestParameters={
            k: bind(deployable_json(v)) for k, v in integration.request_parameters.items()
        }
        or None,
        TemplateSelectionExpression=integration.template_selection_expression,
    )
    template.add_resource(integration_id, "AWS::ApiGatewayV2::Integration", props)
    if not integration.is_proxy:
        for response in integration.responses:
            _integration_response(builder, api_id, integration_id, response)
    return integration_id


def _integration_response(
    builder: TemplateParts, api_id: str, integration_id: str, response: IntegrationResponse
) -> None:
    pattern = response.selection_pattern
    key = "$default" if pattern == "default" else f"/{pattern}/"
    bind = builder.binder.bind
    builder.template.add_resource(
        builder.template.new_id(integration_id, "Response", response.status_code),
        "AWS::ApiGatewayV2::IntegrationResponse",
        {"ApiId": ref(api_id), "IntegrationId": ref(integration_id), "IntegrationResponseKey": key}
        | _compact(
            ResponseTemplates={
                k: bind(deployable_json(v)) for k, v in response.response_templates.items()
            }
            or None,
            ResponseParameters={
                k: bind(deployable_json(v)) for k, v in response.response_parameters.items()
            }
            or None,
            ContentHandlingStrategy=_value(response.content_handling),
        ),
    )


def _route_response(
    builder: TemplateParts, api_id: str, route_id: str, key: str, response: Json
) -> None:
    body = response if isinstance(response, dict) else {}
    builder.template.add_resource(
        builder.template.new_id(route_id, "Response", key),
        "AWS::ApiGatewayV2::RouteResponse",
        {"ApiId": ref(api_id), "RouteId": ref(route_id), "RouteResponseKey": key}
        | _compact(
            ModelSelectionExpression=body.get("modelSelectionExpression"),
            ResponseModels=body.get("responseModels"),
            ResponseParameters=body.get("responseParameters"),
        ),
    )


def _authorizer(
    builder: TemplateParts, api_id: str, name: str, authorizer: WebSocketAuthorizer
) -> str:
    template = builder.template
    authorizer_id = template.new_id(api_id, "Authorizer", name)
    sources = authorizer.identity_source
    bind = builder.binder.bind
    template.add_resource(
        authorizer_id,
        "AWS::ApiGatewayV2::Authorizer",
        {
            "ApiId": ref(api_id),
            "Name": name,
            "AuthorizerType": "REQUEST",  # the only type WebSocket APIs take
            "AuthorizerUri": bind(deployable_json(authorizer.authorizer_uri)),
            "AuthorizerCredentialsArn": bind(deployable_json(authorizer.authorizer_credentials)),
            "IdentitySource": [sources] if isinstance(sources, str) else list(sources) or None,
        },
    )
    if authorizer.authorizer_uri is not None:
        builder.add_permission(authorizer.authorizer_uri, api_id, "authorizers/*")
    return authorizer_id


def _value(member: Any) -> str | None:
    return None if member is None else str(member.value)


def _compact(**values: Json) -> dict[str, Json]:
    return {k: v for k, v in values.items() if v is not None}
