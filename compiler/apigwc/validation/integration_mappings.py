"""Integration mapping rules (AGW417-AGW425): parameter mappings, cache keys, integration responses.

Flows in: one integration with the method that uses it (None for an unused HTTP API integration
component: then only the method-independent checks run). Flows out: diagnostics. The codes are
registered through `apigwc.validation.integrations`, which calls `check_integration`.
Facts: reference §1.1 (`cacheKeyParameters`), §1.1.1 (REST request mapping), §1.1.2 (HTTP API
mapping, reserved headers, subtypes), §1.1.3 (integration responses), §6 items 5-6.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from apigwc.diagnostics.catalogue import Code
from apigwc.diagnostics.model import Origin, Severity
from apigwc.ir.base import Deployable
from apigwc.ir.enums import IntegrationType, Protocol
from apigwc.ir.integration import Integration, IntegrationResponse
from apigwc.ir.method import Method
from apigwc.runtime.transform.mapping import RESERVED_HTTP_HEADER_PREFIXES, RESERVED_HTTP_HEADERS
from apigwc.runtime.validation.java_regex import PatternError, java_pattern, whole_match
from apigwc.validation.base import Report
from apigwc.validation.mapping_expressions import (
    INTEGRATION_REQUEST_KEY,
    METHOD_RESPONSE_HEADER_KEY,
    is_integration_response_source,
    is_request_source,
    method_request_source,
    text_of,
)

if TYPE_CHECKING:
    from apigwc.ir.api import Api

E, W = Severity.ERROR, Severity.WARNING

_DOC = "openapi: 3.0.1\ninfo: {title: t, version: '1'}\n"
_HTTP = "x-amazon-apigateway-importexport-version: '1.0'\n"
_MOCK = "type: mock, requestTemplates: {application/json: '{\"statusCode\": 200}'}"


def _op(integration: str, params: str = "", responses: str = "{'200': {description: ok}}") -> str:
    return (
        _DOC
        + "paths:\n  /pets/{id}:\n    get:\n"
        + "      parameters: [{name: id, in: path, required: true, schema: {type: string}}"
        + params
        + "]\n"
        + f"      responses: {responses}\n"
        + f"      x-amazon-apigateway-integration: {integration}\n"
    )


_HTTP_INT = "type: http, httpMethod: GET, uri: 'https://example.com/pets/{id}'"
_ROUTE = _DOC + _HTTP + "paths:\n  /pets:\n    get:\n      responses: {'200': {description: ok}}\n"

CODES = (
    Code(
        "AGW417",
        "request-parameter-mapping",
        E,
        "{reason}",
        "keys are integration.request.<header|querystring|path>.<name>; values are method.request.*, "
        "stageVariables.*, context.* or a 'single-quoted' literal",
        "API Gateway rejects a malformed mapping at import: 'Invalid mapping expression specified: "
        "Validation Result: warnings : [], errors : [Invalid mapping identifier specified]' "
        "(aws-apigateway-importer#104; reference §1.1.1). A boolean or number value is imported "
        "with a warning and dropped.",
        bad=_op(
            "{"
            + _HTTP_INT
            + ", requestParameters: {integration.request.path.id: id}, responses: {default: {statusCode: '200'}}}"
        ),
        good=_op(
            "{"
            + _HTTP_INT
            + ", requestParameters: {integration.request.path.id: method.request.path.id}, responses: {default: {statusCode: '200'}}}"
        ),
    ),
    Code(
        "AGW418",
        "undeclared-method-parameter",
        E,
        "{where} reads {source}, which is not a parameter of {route}",
        "declare it in the operation's parameters (in: {location}, name: {name})",
        "A mapping or cache key may read only declared method request parameters: API Gateway "
        "answered 'Invalid mapping expression parameter specified: method.request.header.Authorization' "
        "(Testlio/lambda-tools#56); PutIntegration answers BadRequestException 'Invalid mapping "
        "expression specified: Validation Result: warnings : [], errors : [Invalid mapping "
        "expression parameter specified: method.request.querystring.X]' (reported by several "
        "projects calling AWS): an error, at import as at PutIntegration. "
        "Path variables of the resource path count as declared, as the importer creates them.",
        bad=_op(
            "{"
            + _HTTP_INT
            + ", requestParameters: {integration.request.header.x-trace: method.request.header.x-trace}, responses: {default: {statusCode: '200'}}}"
        ),
        good=_op(
            "{"
            + _HTTP_INT
            + ", requestParameters: {integration.request.header.x-trace: method.request.header.x-trace}, responses: {default: {statusCode: '200'}}}",
            params=", {name: x-trace, in: header, schema: {type: string}}",
        ),
    ),
    Code(
        "AGW419",
        "response-parameter-mapping",
        E,
        "{reason}",
        "keys are method.response.header.<name>; values are integration.response.header.<name>, "
        "integration.response.body[.path], stageVariables.*, context.* or a 'single-quoted' literal",
        "Integration response parameters map back end data onto declared method response headers "
        "(reference §1.1.3).",
        bad=_op(
            "{"
            + _MOCK
            + ", responses: {default: {statusCode: '200', responseParameters: {method.response.header.X-Kind: pet}}}}",
            responses="{'200': {description: ok, headers: {X-Kind: {schema: {type: string}}}}}",
        ),
        good=_op(
            "{"
            + _MOCK
            + ", responses: {default: {statusCode: '200', responseParameters: {method.response.header.X-Kind: \"'pet'\"}}}}",
            responses="{'200': {description: ok, headers: {X-Kind: {schema: {type: string}}}}}",
        ),
    ),
    Code(
        "AGW420",
        "undeclared-response-header",
        E,
        "the integration response maps {header!r}, which response {status} of {route} does not declare",
        "declare the header under responses.{status}.headers",
        "API Gateway answers 'Invalid mapping expression parameter specified: method.response.header.X' "
        "when the method response does not declare the header (aws-apigateway-importer#209; "
        "PutIntegrationResponse's BadRequestException 'Invalid mapping expression specified: "
        "Validation Result: warnings : [], errors : [Invalid mapping expression parameter "
        "specified: method.response.header.Access-Control-Allow-Origin]' reported by several "
        "projects calling AWS): an error, at import as at PutIntegrationResponse.",
        bad=_op(
            "{"
            + _MOCK
            + ", responses: {default: {statusCode: '200', responseParameters: {method.response.header.X-Kind: \"'pet'\"}}}}"
        ),
        good=_op(
            "{"
            + _MOCK
            + ", responses: {default: {statusCode: '200', responseParameters: {method.response.header.X-Kind: \"'pet'\"}}}}",
            responses="{'200': {description: ok, headers: {X-Kind: {schema: {type: string}}}}}",
        ),
    ),
    Code(
        "AGW421",
        "http-parameter-mapping",
        E,
        "{reason}",
        "see 'Transforming API requests and responses' for HTTP APIs: keys like overwrite:header.x, "
        "append:querystring.x, remove:header.x, overwrite:path, overwrite:statuscode",
        "HTTP API parameter mappings have their own syntax and may not touch reserved headers "
        "(reference §1.1.2).",
        bad=_ROUTE
        + "      x-amazon-apigateway-integration: {type: HTTP_PROXY, httpMethod: GET, uri: 'https://example.com', payloadFormatVersion: '1.0', requestParameters: {'overwrite:header.Via': apigw}}\n",
        good=_ROUTE
        + "      x-amazon-apigateway-integration: {type: HTTP_PROXY, httpMethod: GET, uri: 'https://example.com', payloadFormatVersion: '1.0', requestParameters: {'overwrite:header.x-source': apigw}}\n",
    ),
    Code(
        "AGW422",
        "integration-subtype",
        E,
        "{reason}",
        "see the AWS service integration reference for HTTP APIs",
        "An HTTP API AWS service integration (integrationSubtype) needs its action's required "
        "parameters in requestParameters (reference §1.1.2).",
        bad=_ROUTE
        + "      x-amazon-apigateway-integration: {type: AWS_PROXY, integrationSubtype: SQS-SendMessage, payloadFormatVersion: '1.0', credentials: 'arn:aws:iam::123456789012:role/R', requestParameters: {QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/q'}}\n",
        good=_ROUTE
        + "      x-amazon-apigateway-integration: {type: AWS_PROXY, integrationSubtype: SQS-SendMessage, payloadFormatVersion: '1.0', credentials: 'arn:aws:iam::123456789012:role/R', requestParameters: {QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/q', MessageBody: $request.body}}\n",
    ),
    Code(
        "AGW423",
        "selection-pattern-regex",
        E,
        "selection pattern {pattern!r} is not a valid regular expression: {reason}",
        "fix the expression; the key 'default' is the catch-all",
        "Integration response keys are Java regular expressions matched against the status code "
        "or the Lambda errorMessage (reference §1.1.3).",
        bad=_op(
            "{"
            + _MOCK
            + ", responses: {'(2\\d{2}': {statusCode: '200'}, default: {statusCode: '200'}}}"
        ),
        good=_op(
            "{"
            + _MOCK
            + ", responses: {'2\\d{2}': {statusCode: '200'}, default: {statusCode: '200'}}}"
        ),
    ),
    Code(
        "AGW424",
        "no-default-integration-response",
        W,
        "{reason}",
        "add a 'default' entry under responses",
        "A non-proxy integration answers 500 Internal server error ('No match for output mapping "
        "and no default output mapping specified') whenever no selection pattern matches.",
        bad=_op(
            "{type: mock, requestTemplates: {application/json: '{\"statusCode\": 500}'}, "
            "responses: {'2\\d{2}': {statusCode: '200'}}}"
        ),
        good=_op("{" + _MOCK + ", responses: {default: {statusCode: '200'}}}"),
    ),
    Code(
        "AGW425",
        "integration-response-status-undeclared",
        W,
        "the integration response returns status {status}, which {route} does not declare in its responses",
        "add responses.{status} to the operation, or return a declared status",
        "An integration response maps onto the method response of the same status code (reference "
        "§1.1.3). A warning: AWS's own examples (proxy+ ANY, the request validation sample) import "
        "with undeclared ones, but the method response then has no declared headers or models.",
        bad=_op("{" + _MOCK + ", responses: {default: {statusCode: '201'}}}"),
        good=_op("{" + _MOCK + ", responses: {default: {statusCode: '200'}}}"),
    ),
)

# Headers HTTP API parameter mappings may not set (reference §1.1.2): the runtime's own table, so
# that what `validate` refuses and what the gateway refuses cannot drift apart.
_RESERVED = RESERVED_HTTP_HEADERS
_RESERVED_PREFIXES = RESERVED_HTTP_HEADER_PREFIXES
_HTTP_KEY = re.compile(r"^(append|overwrite|remove):(header|querystring)\.(.+)$")
_HTTP_VARIABLE = re.compile(r"\$\{?([A-Za-z]+)[.}]")
_SUBTYPE_REQUIRED = {
    "EventBridge-PutEvents": ("Detail", "DetailType", "Source"),
    "SQS-SendMessage": ("QueueUrl", "MessageBody"),
    "SQS-ReceiveMessage": ("QueueUrl",),
    "SQS-DeleteMessage": ("ReceiptHandle", "QueueUrl"),
    "SQS-PurgeQueue": ("QueueUrl",),
    "AppConfig-GetConfiguration": ("Application", "Environment", "Configuration", "ClientId"),
    "Kinesis-PutRecord": ("StreamName", "Data", "PartitionKey"),
    "StepFunctions-StartExecution": ("StateMachineArn",),
    "StepFunctions-StartSyncExecution": ("StateMachineArn",),
    "StepFunctions-StopExecution": ("ExecutionArn",),
}
# A YAML/JSON boolean or number, read by lowering as its string form.
_NON_STRING = re.compile(r"^(true|false|-?\d+(\.\d+)?)$")
_MOCK_STATUS = re.compile(r"[\"']?statusCode[\"']?\s*:\s*(\d{3})")


def check_integration(api: Api, method: Method | None, i: Integration, report: Report) -> None:
    if api.protocol is Protocol.HTTP:
        _check_http_mappings(i, report)
        return
    _check_request_parameters(method, i, report)
    _check_cache_keys(method, i, report)
    for response in i.responses:
        _check_selection_pattern(response, report)
        _check_response_parameters(method, response, report)
        if method is not None:
            _check_response_status(method, response, report)
    _check_default_response(i, report)


def route_of(method: Method) -> str:
    return f"{method.http_method} {method.path}"


# -- REST request mapping and cache keys ------------------------------------------------------


def _check_request_parameters(method: Method | None, i: Integration, report: Report) -> None:
    base = i.origin.child("requestParameters") if i.origin else None
    for key, value in i.request_parameters.items():
        origin = base.child(key) if base else None
        if not INTEGRATION_REQUEST_KEY.match(key):
            reason = f"{key!r} is not an integration request parameter (integration.request.<header|querystring|path>.<name>)"
            report("AGW417", origin, at_key=True, reason=reason)
            continue
        text = text_of(value)
        if text is None:
            continue
        if not is_request_source(text):
            _report_not_expression("AGW417", key, text, origin, report)
            continue
        if method is not None:
            _check_declared(method, text, "requestParameters." + key, origin, report)


def _report_not_expression(
    code: str, key: str, text: str, origin: Origin | None, report: Report
) -> None:
    if _NON_STRING.match(text):
        # AWS imports a boolean or number value with the warning "Invalid format for
        # 'requestParameters'. Expected type string for property ... but got 'true'" and drops
        # the parameter (LocalStack's AWS-validated import snapshot).
        reason = f"expected type string for property {key!r} but got {text!r}; API Gateway drops it"
        report(code, origin, severity=W, reason=reason)
        return
    reason = (
        f"{text!r} is not a mapping expression; a literal value must be single-quoted ('{text}')"
    )
    report(code, origin, reason=reason)


def _check_cache_keys(method: Method | None, i: Integration, report: Report) -> None:
    if method is None:
        return
    base = i.origin.child("cacheKeyParameters") if i.origin else None
    for n, key in enumerate(i.cache_key_parameters):
        origin = base.child(n) if base else None
        _check_declared(method, key, "cacheKeyParameters", origin, report)


def _check_declared(
    method: Method, source: str, where: str, origin: Origin | None, report: Report
) -> None:
    read = method_request_source(source)
    if read is None:
        return
    location, name = read
    if _declared(method, location, name):
        return
    report(
        "AGW418",
        origin,
        where=where,
        source=source,
        route=route_of(method),
        location=location,
        name=name,
    )


def _declared(method: Method, location: str, name: str) -> bool:
    if location == "path" and _in_path(method.path, name):
        return True  # the importer creates method.request.path.X for every {X} of the path
    for p in method.parameters:
        if p.location.value != location:
            continue
        # Header names are case-insensitive on the wire; do not flag a case difference.
        if p.name == name or (location == "header" and p.name.lower() == name.lower()):
            return True
    return False


def _in_path(path: str, name: str) -> bool:
    return "{" + name + "}" in path or "{" + name + "+}" in path


# -- REST integration responses --------------------------------------------------------------


def _check_selection_pattern(response: IntegrationResponse, report: Report) -> None:
    pattern = response.selection_pattern
    if pattern == "default":
        return
    try:
        java_pattern(pattern)  # as the built gateway reads it (`whole_match`)
    except PatternError as err:
        if err.invalid:
            report("AGW423", response.origin, at_key=True, pattern=pattern, reason=str(err))


def _check_response_parameters(
    method: Method | None, response: IntegrationResponse, report: Report
) -> None:
    base = response.origin.child("responseParameters") if response.origin else None
    for key, value in response.response_parameters.items():
        origin = base.child(key) if base else None
        header = METHOD_RESPONSE_HEADER_KEY.match(key)
        if header is None:
            reason = f"{key!r} is not a method response parameter (method.response.header.<name>)"
            report("AGW419", origin, at_key=True, reason=reason)
            continue
        text = text_of(value)
        if text is not None and not is_integration_response_source(text):
            _report_not_expression("AGW419", key, text, origin, report)
        if method is not None:
            _check_response_header(method, response, header.group(1), origin, report)


def _check_response_header(
    method: Method,
    response: IntegrationResponse,
    header: str,
    origin: Origin | None,
    report: Report,
) -> None:
    declared = next((r for r in method.responses if r.status_code == response.status_code), None)
    if declared is None:
        return  # AGW425 reports the missing method response itself
    if any(h.name.lower() == header.lower() for h in declared.headers):
        return
    report(
        "AGW420",
        origin,
        at_key=True,
        header=header,
        status=response.status_code,
        route=route_of(method),
    )


def _check_response_status(method: Method, response: IntegrationResponse, report: Report) -> None:
    if method.integration is not None and method.integration.is_proxy:
        return  # proxy integrations ignore integration responses
    statuses = {r.status_code for r in method.responses}
    if response.status_code in statuses or not re.fullmatch(r"[1-5]\d\d", response.status_code):
        return  # a malformed status is a limits finding (AGW504)
    origin = response.origin.child("statusCode") if response.origin else None
    report("AGW425", origin, status=response.status_code, route=route_of(method))


def _check_default_response(i: Integration, report: Report) -> None:
    if i.is_proxy:
        return  # proxy integrations pass the back end's response through
    patterns = [r.selection_pattern for r in i.responses]
    if "default" in patterns:
        return
    statuses = _mock_statuses(i)
    if patterns and statuses is not None:
        unmatched = [s for s in statuses if not any(whole_match(p, s) for p in patterns)]
        if not unmatched:
            return  # a mock with fixed statuses that all select a response
        reason = (
            f"the mock answers status {unmatched[0]}, which matches none of "
            f"{_listed(patterns)} and no 'default' exists: the gateway answers 500"
        )
        report("AGW424", _responses_at(i), at_key=True, reason=reason)
        return
    if not patterns:
        reason = f"this {i.type.value} integration has no responses; every call answers 500 Internal server error"
    else:
        reason = (
            f"no integration response is 'default'; a {_result(i)} that matches none of "
            f"{_listed(patterns)} answers 500 Internal server error"
        )
    report("AGW424", _responses_at(i), at_key=True, reason=reason)


def _responses_at(i: Integration) -> Origin | None:
    """The integration's `responses` key, else its own key (the finding is about both)."""
    if i.origin is None:
        return None
    return i.origin.child("responses") if i.responses else i.origin


def _listed(patterns: list[str]) -> str:
    return ", ".join("'" + p + "'" for p in patterns)


def _mock_statuses(i: Integration) -> list[str] | None:
    """The statuses a MOCK integration always answers, when its templates are constants
    (a MOCK with no template answers 200); None when a template computes the status."""
    if i.type is not IntegrationType.MOCK:
        return None
    statuses = []
    for template in i.request_templates.values():
        text = text_of(template)
        if text is None or "$" in text or "#" in text:
            return None
        found = _MOCK_STATUS.search(text)
        statuses.append(found.group(1) if found else "200")
    return statuses or ["200"]


def _result(i: Integration) -> str:
    if i.type is IntegrationType.AWS and i.is_lambda:
        return "successful Lambda result (it has no errorMessage, so only 'default' selects it)"
    return "back end status"


# -- HTTP APIs ------------------------------------------------------------------------------


def _check_http_mappings(i: Integration, report: Report) -> None:
    base = i.origin.child("requestParameters") if i.origin else None
    if i.integration_subtype is not None:
        _check_subtype(i, report)
        return
    for key, value in i.request_parameters.items():
        origin = base.child(key) if base else None
        reason = _http_key_problem(key, response_side=False) or _http_value_problem(value, False)
        if reason:
            report("AGW421", origin, at_key=True, reason=reason)
    responses = i.origin.child("responseParameters") if i.origin else None
    for status, mapping in i.response_parameters.items():
        at = responses.child(status) if responses else None
        if not re.fullmatch(r"[2-5]\d\d", status):
            reason = f"responseParameters key {status!r} is not a status code 200-599"
            report("AGW421", at, at_key=True, reason=reason)
        for key, value in mapping.items():
            reason = _http_key_problem(key, response_side=True) or _http_value_problem(value, True)
            if reason:
                report("AGW421", at.child(key) if at else None, at_key=True, reason=reason)


def _http_key_problem(key: str, *, response_side: bool) -> str | None:
    if key == "overwrite:path" and not response_side:
        return None
    if key == "overwrite:statuscode" and response_side:
        return None
    match = _HTTP_KEY.match(key)
    if match is None:
        return f"{key!r} is not an HTTP API parameter mapping key"
    if match.group(2) == "querystring" and response_side:
        return f"{key!r}: response parameter mappings may change headers and the status code only"
    name = match.group(3).lower()
    if match.group(2) == "header" and (name in _RESERVED or name.startswith(_RESERVED_PREFIXES)):
        return f"{key!r} maps the reserved header {match.group(3)!r}, which API Gateway does not let mappings change"
    return None


def _http_value_problem(value: Deployable, response_side: bool) -> str | None:
    text = text_of(value)
    if text is None:
        return None
    allowed = {"request", "context", "stageVariables"} | ({"response"} if response_side else set())
    for match in _HTTP_VARIABLE.finditer(text):
        if match.group(1) not in allowed:
            return f"{text!r} reads ${match.group(1)}, which is not one of {', '.join('$' + a for a in sorted(allowed))}"
    return None


def _check_subtype(i: Integration, report: Report) -> None:
    subtype = i.integration_subtype or ""
    origin = i.origin.child("integrationSubtype") if i.origin else None
    if i.type is not IntegrationType.AWS_PROXY:
        report(
            "AGW422", origin, reason=f"integrationSubtype needs type AWS_PROXY, not {i.type.value}"
        )
        return
    required = _SUBTYPE_REQUIRED.get(subtype)
    if required is None:
        known = ", ".join(sorted(_SUBTYPE_REQUIRED))
        report("AGW422", origin, reason=f"unknown integrationSubtype {subtype!r}; known: {known}")
        return
    missing = [p for p in required if p not in i.request_parameters]
    if missing:
        reason = f"{subtype} needs requestParameters {', '.join(missing)}"
        report("AGW422", i.origin.child("requestParameters") if i.origin else origin, reason=reason)
