"""Gateway response rules (AGW460-AGW469): `x-amazon-apigateway-gateway-responses` entries.

Flows in: the IR `Api`'s gateway responses (lowering has already refused unknown response
types). Flows out: diagnostics only. Facts from reference §1.8: status codes `[1-5]\\d\\d`, no
REQUEST_TOO_LARGE customisation, header mapping keys and values, templates that are substitution
only (not VTL).
"""

from __future__ import annotations

import re

from apigwc.diagnostics.catalogue import Code
from apigwc.diagnostics.model import Severity
from apigwc.ir.api import Api, GatewayResponse
from apigwc.ir.enums import GatewayResponseType, Protocol
from apigwc.validation.base import Report
from apigwc.validation.mapping_expressions import (
    GATEWAY_RESPONSE_KEY,
    is_gateway_response_source,
    text_of,
)

E, W = Severity.ERROR, Severity.WARNING

_DOC = "openapi: 3.0.1\ninfo: {title: t, version: '1'}\npaths: {}\n"


def _responses(entry: str) -> str:
    return _DOC + f"x-amazon-apigateway-gateway-responses:\n  {entry}\n"


CODES = (
    Code(
        "AGW460",
        "gateway-response-status",
        E,
        "gateway response {type} has statusCode {status!r}; API Gateway accepts only a status matching [1-5]\\d\\d",
        "use a three-digit status such as '403'",
        "Gateway response status codes are three digits from 100 to 599 ([API1] StatusCode).",
        bad=_responses("ACCESS_DENIED: {statusCode: '4xx'}"),
        good=_responses("ACCESS_DENIED: {statusCode: '403'}"),
    ),
    Code(
        "AGW461",
        "request-too-large-customised",
        W,
        "API Gateway does not support customising the REQUEST_TOO_LARGE gateway response; this entry has no effect",
        "remove it; a too-large request always gets API Gateway's own 413 response",
        "API Gateway accepts the entry but keeps its built-in 413 answer (reference §1.8).",
        bad=_responses(
            "REQUEST_TOO_LARGE: {statusCode: '413', responseTemplates: {application/json: '{\"m\": \"too big\"}'}}"
        ),
        good=_responses(
            "THROTTLED: {statusCode: '429', responseTemplates: {application/json: '{\"m\": \"slow down\"}'}}"
        ),
    ),
    Code(
        "AGW462",
        "gateway-response-parameter-key",
        E,
        "gateway response {type} maps {key!r}; keys are gatewayresponse.header.<name> (or .path / .querystring)",
        "write the key as gatewayresponse.header.<name>",
        "Gateway responses set response headers through gatewayresponse.header.* keys (reference §1.8).",
        bad=_responses(
            "DEFAULT_4XX: {responseParameters: {method.response.header.Access-Control-Allow-Origin: \"'*'\"}}"
        ),
        good=_responses(
            "DEFAULT_4XX: {responseParameters: {gatewayresponse.header.Access-Control-Allow-Origin: \"'*'\"}}"
        ),
    ),
    Code(
        "AGW463",
        "gateway-response-parameter-value",
        E,
        "gateway response {type} maps {key!r} from {value!r}, which is not method.request.*, stageVariables.*, context.* or a 'single-quoted' literal",
        "quote a literal value: \"'{value}'\"",
        "Gateway response header values are request data, stage or context variables, or quoted "
        "literals (reference §1.8).",
        bad=_responses(
            "DEFAULT_4XX: {responseParameters: {gatewayresponse.header.Access-Control-Allow-Origin: '*'}}"
        ),
        good=_responses(
            "DEFAULT_4XX: {responseParameters: {gatewayresponse.header.Access-Control-Allow-Origin: \"'*'\"}}"
        ),
    ),
    Code(
        "AGW464",
        "gateway-response-template-vtl",
        W,
        "the {media} template of gateway response {type} uses the VTL directive {directive!r}; gateway response templates only substitute variables",
        "remove the directive; only $context.*, $stageVariables.* and method.request.* references are replaced",
        "Gateway response templates are not processed by the VTL engine (reference §1.8): "
        "directives such as #if and #set reach the client as written.",
        bad=_responses(
            "DEFAULT_5XX: {responseTemplates: {application/json: '#if($context.error.message)x#end'}}"
        ),
        good=_responses(
            "DEFAULT_5XX: {responseTemplates: {application/json: '{\"message\": $context.error.messageString}'}}"
        ),
    ),
)

_STATUS = re.compile(r"^[1-5]\d\d$")
_DIRECTIVE = re.compile(
    r"#(if|elseif|else|end|set|foreach|define|macro|parse|include|stop|break)\b"
)


def check(api: Api, report: Report) -> None:
    if api.protocol is not Protocol.REST:
        return  # HTTP APIs have no gateway responses; lowering warns about the extension
    for response in api.gateway_responses:
        _check_response(response, report)


def _check_response(response: GatewayResponse, report: Report) -> None:
    kind = response.response_type.value
    origin = response.origin
    if response.response_type is GatewayResponseType.REQUEST_TOO_LARGE:
        report("AGW461", origin, at_key=True)
    status = response.status_code
    if status is not None and not _STATUS.match(status):
        report("AGW460", origin.child("statusCode") if origin else None, type=kind, status=status)
    params = origin.child("responseParameters") if origin else None
    for key, value in response.response_parameters.items():
        at = params.child(key) if params else None
        if not GATEWAY_RESPONSE_KEY.match(key):
            report("AGW462", at, at_key=True, type=kind, key=key)
            continue
        text = text_of(value)
        if text is not None and not is_gateway_response_source(text):
            report("AGW463", at, type=kind, key=key, value=text)
    templates = origin.child("responseTemplates") if origin else None
    for media, template in response.response_templates.items():
        directive = _DIRECTIVE.search(text_of(template) or "")
        if directive is not None:
            at = templates.child(media) if templates else None
            report("AGW464", at, type=kind, media=media, directive=directive.group(0))
