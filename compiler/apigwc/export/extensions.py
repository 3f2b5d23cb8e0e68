"""IR -> the JSON of the `x-amazon-apigateway-*` extensions (the inverse of lowering's readers).

REST exports write types in lower case (`aws_proxy`, `when_no_match`), as API Gateway's REST
export and documentation do; HTTP exports write them upper case, as ExportApi does.
"""

from __future__ import annotations

from typing import Any

from apigwc.ir.auth import Authorizer, SecurityScheme
from apigwc.ir.base import deployable_json
from apigwc.ir.enums import Protocol
from apigwc.ir.integration import Integration, IntegrationResponse


def compact(mapping: dict[str, Any]) -> dict[str, Any]:
    """Drop None values and empty containers (absent in the IR means absent in the document)."""
    return {k: v for k, v in mapping.items() if v is not None and v != {} and v != [] and v != ()}


def _case(value: str | None, protocol: Protocol) -> str | None:
    if value is None:
        return None
    return value.lower() if protocol is Protocol.REST else value


def deployables(mapping: dict[str, Any]) -> dict[str, Any]:
    return {k: deployable_json(v) for k, v in mapping.items()}


def integration_json(integration: Integration, protocol: Protocol) -> dict[str, Any]:
    i = integration
    return compact(
        {
            "type": _case(i.type.value, protocol),
            "uri": deployable_json(i.uri),
            "httpMethod": i.http_method,
            "timeoutInMillis": i.timeout_in_millis,
            "passthroughBehavior": _case(
                i.passthrough_behavior and i.passthrough_behavior.value, protocol
            ),
            "contentHandling": i.content_handling and i.content_handling.value,
            "requestTemplates": deployables(i.request_templates),
            "requestParameters": deployables(i.request_parameters),
            "responses": {r.selection_pattern: _response_json(r) for r in i.responses},
            "cacheKeyParameters": list(i.cache_key_parameters),
            "cacheNamespace": i.cache_namespace,
            "connectionType": i.connection_type and i.connection_type.value,
            "connectionId": deployable_json(i.connection_id),
            "credentials": deployable_json(i.credentials),
            "tlsConfig": i.tls_config
            and compact(
                {
                    "insecureSkipVerification": i.tls_config.insecure_skip_verification,
                    "serverNameToVerify": i.tls_config.server_name_to_verify,
                }
            ),
            "payloadFormatVersion": deployable_json(i.payload_format_version),
            "integrationSubtype": i.integration_subtype,
            "responseParameters": {k: deployables(v) for k, v in i.response_parameters.items()},
            "integrationTarget": deployable_json(i.integration_target),
            "responseTransferMode": i.response_transfer_mode and i.response_transfer_mode.value,
            "description": i.description,
            "templateSelectionExpression": i.template_selection_expression,
            "integrationResponseSelectionExpression": i.integration_response_selection_expression,
        }
    )


def _response_json(r: IntegrationResponse) -> dict[str, Any]:
    return compact(
        {
            "statusCode": r.status_code,
            "responseTemplates": deployables(r.response_templates),
            "responseParameters": deployables(r.response_parameters),
            "contentHandling": r.content_handling and r.content_handling.value,
        }
    )


def authorizer_json(a: Authorizer) -> dict[str, Any]:
    jwt = a.jwt_configuration
    return compact(
        {
            "type": a.type.value.lower(),
            "authorizerUri": deployable_json(a.authorizer_uri),
            "authorizerCredentials": deployable_json(a.authorizer_credentials),
            "identitySource": a.identity_source,
            "identityValidationExpression": a.identity_validation_expression,
            "authorizerResultTtlInSeconds": a.result_ttl_in_seconds,
            "providerARNs": [deployable_json(p) for p in a.provider_arns],
            "authorizerPayloadFormatVersion": a.payload_format_version,
            "enableSimpleResponses": a.enable_simple_responses,
            "jwtConfiguration": jwt
            and compact(
                {
                    "issuer": deployable_json(jwt.issuer),
                    "audience": [deployable_json(x) for x in jwt.audience],
                }
            ),
        }
    )


def scheme_extensions(scheme: SecurityScheme) -> dict[str, Any]:
    return compact(
        {
            "x-amazon-apigateway-authtype": scheme.auth_type,
            "x-amazon-apigateway-authorizer": scheme.authorizer
            and authorizer_json(scheme.authorizer),
        }
    )
