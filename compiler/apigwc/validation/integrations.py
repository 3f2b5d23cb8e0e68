"""Integration rules (AGW410-AGW429, AGW306): `x-amazon-apigateway-integration` as API Gateway checks it.

Flows in: the IR `Api` (each method's integration with its method, and the HTTP API integration
components). Flows out: diagnostics only. Facts from reference §1.1 (integration properties,
§1.1.1-§1.1.3 mappings and responses), §5.2/§5.3 (timeouts) and §6 items 3-6. Values that are
intrinsics other than `Fn::Sub` are known only at deploy time and are never judged.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from apigwc.diagnostics.catalogue import Code
from apigwc.diagnostics.model import Origin, Severity
from apigwc.ir.api import Api
from apigwc.ir.enums import (
    ConnectionType,
    EndpointType,
    IntegrationType,
    PassthroughBehavior,
    Protocol,
)
from apigwc.ir.enums import ResponseTransferMode as Transfer
from apigwc.ir.integration import Integration
from apigwc.ir.method import Method
from apigwc.lowering.effective import integration_uri
from apigwc.validation import integration_mappings
from apigwc.validation.base import Report
from apigwc.validation.mapping_expressions import text_of

E, W = Severity.ERROR, Severity.WARNING

_DOC = "openapi: 3.0.1\ninfo: {title: t, version: '1'}\n"
_HTTP = "x-amazon-apigateway-importexport-version: '1.0'\n"
_LAMBDA = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:F/invocations"


def _op(integration: str, extra: str = "", head: str = "") -> str:
    """A one-operation document (GET /pets) whose integration is the given flow mapping."""
    return (
        _DOC
        + head
        + "paths:\n  /pets:\n    get:\n"
        + extra
        + "      responses: {'200': {description: ok}}\n"
        + f"      x-amazon-apigateway-integration: {integration}\n"
    )


CODES: tuple[Code, ...] = (
    Code(
        "AGW410",
        "integration-type-for-http-api",
        W,
        "HTTP APIs support only AWS_PROXY and HTTP_PROXY integrations, not {type}",
        "use HTTP_PROXY for an HTTP back end or AWS_PROXY for Lambda, or deploy as a REST API",
        "API Gateway imports an HTTP API with another integration type only with a warning, and "
        "the route gets no working integration.",
        bad=_HTTP + _op("{type: MOCK}"),
        good=_HTTP
        + _op(
            "{type: HTTP_PROXY, httpMethod: GET, uri: 'https://example.com', payloadFormatVersion: '1.0'}"
        ),
    ),
    Code(
        "AGW411",
        "integration-uri-missing",
        E,
        "a {type} integration needs a 'uri'",
        "add the back end's URI (a URL for HTTP types, an arn:aws:apigateway:... ARN for AWS types)",
        "Every integration but MOCK sends the request somewhere: API Gateway rejects one without a URI.",
        bad=_op("{type: http, httpMethod: GET}"),
        good=_op("{type: http, httpMethod: GET, uri: 'https://example.com/pets'}"),
    ),
    Code(
        "AGW412",
        "integration-uri-form",
        E,
        "integration uri {uri!r} is not {expected}",
        "{hint}",
        "The URI's form depends on the integration type: a Lambda invocation path, an AWS service "
        "ARN, or an absolute http(s) URL on port 80, 443 or above 1024 (reference §1.1). A "
        "{placeholder} of the URI that no integration.request.path mapping fills is a warning.",
        bad=_op(
            "{type: aws_proxy, httpMethod: POST, uri: 'arn:aws:lambda:us-east-1:123456789012:function:F'}"
        ),
        good=_op(f"{{type: aws_proxy, httpMethod: POST, uri: '{_LAMBDA}'}}"),
    ),
    Code(
        "AGW413",
        "method-without-integration",
        W,
        "{route} has no x-amazon-apigateway-integration; API Gateway imports it, but deploying the API fails with 'No integration defined for method'",
        "add an integration (a mock one if the method is a placeholder), or remove the operation",
        "A REST method needs an integration before any deployment of the API succeeds "
        "(aws-apigateway-importer#29, serverless/serverless#11748). A warning: the import itself "
        "succeeds, and documentation-only specs never deploy.",
        bad=_DOC + "paths:\n  /pets:\n    get:\n      responses: {'200': {description: ok}}\n",
        good=_op(
            "{type: mock, requestTemplates: {application/json: '{\"statusCode\": 200}'}, responses: {default: {statusCode: '200'}}}"
        ),
    ),
    Code(
        "AGW414",
        "lambda-http-method",
        W,
        "a Lambda integration is called with httpMethod {method!r}; Lambda's Invoke API takes only POST",
        "set httpMethod: POST (the client's method is still passed to the function in the event)",
        "API Gateway deploys it, but every call fails with 500 Internal server error because Lambda "
        "answers anything but POST with an error.",
        bad=_op(f"{{type: aws_proxy, httpMethod: GET, uri: '{_LAMBDA}'}}"),
        good=_op(f"{{type: aws_proxy, httpMethod: POST, uri: '{_LAMBDA}'}}"),
    ),
    Code(
        "AGW415",
        "integration-http-method-missing",
        E,
        "a {type} integration needs 'httpMethod', the method used to call the back end",
        "add httpMethod (POST for Lambda, the back end's verb for HTTP)",
        "httpMethod is optional only for MOCK integrations ([API1] Integration.httpMethod).",
        bad=_op("{type: http_proxy, uri: 'https://example.com'}"),
        good=_op("{type: http_proxy, httpMethod: GET, uri: 'https://example.com'}"),
    ),
    Code(
        "AGW416",
        "integration-timeout",
        E,
        "timeoutInMillis {timeout:,} is outside {low:,}-{high:,} ms for {what}",
        "{hint}",
        "Integration timeouts: REST 50-29,000 ms (more only for Regional and private APIs after a "
        "quota increase, up to 900,000 with response streaming), HTTP APIs 50-30,000 ms.",
        bad=_op(
            "{type: http_proxy, httpMethod: GET, uri: 'https://example.com', timeoutInMillis: 40000}"
        ),
        good=_op(
            "{type: http_proxy, httpMethod: GET, uri: 'https://example.com', timeoutInMillis: 29000}"
        ),
    ),
    *integration_mappings.CODES,
    Code(
        "AGW426",
        "vpc-link-config",
        E,
        "{reason}",
        "{hint}",
        "Private integrations: connectionType VPC_LINK goes with a connectionId (the VPC link), "
        "and a connectionId or integrationTarget means nothing without it.",
        bad=_op(
            "{type: http_proxy, httpMethod: GET, uri: 'http://nlb.example.com', connectionType: VPC_LINK}"
        ),
        good=_op(
            "{type: http_proxy, httpMethod: GET, uri: 'http://nlb.example.com', connectionType: VPC_LINK, connectionId: abc123}"
        ),
    ),
    Code(
        "AGW427",
        "payload-format-version",
        E,
        "{reason}",
        "use payloadFormatVersion '2.0' or '1.0' for Lambda proxy integrations, '1.0' for the others",
        "HTTP API integrations need payloadFormatVersion; 2.0 exists only for Lambda proxy "
        "integrations (reference §1.1). An error, not a warning: the guide's Lambda integration "
        "page for HTTP APIs says that outside the console 'you must specify a "
        "payloadFormatVersion' (only the console defaults it).",
        bad=_HTTP
        + _op(
            "{type: HTTP_PROXY, httpMethod: GET, uri: 'https://example.com', payloadFormatVersion: '2.0'}"
        ),
        good=_HTTP
        + _op(
            "{type: HTTP_PROXY, httpMethod: GET, uri: 'https://example.com', payloadFormatVersion: '1.0'}"
        ),
    ),
    Code(
        "AGW428",
        "integration-option-conflict",
        E,
        "{option} {reason}",
        "remove it, or change the integration to a type that supports it",
        "tlsConfig and responseTransferMode are allowed only with some integration types and API "
        "flavours (reference §1.1). passthroughBehavior NEVER without request templates deploys "
        "but answers every request 415 (reported as a warning, reference §2.9).",
        bad=_op(
            "{type: http, httpMethod: GET, uri: 'https://example.com', responseTransferMode: STREAM, responses: {default: {statusCode: '200'}}}"
        ),
        good=_op(
            "{type: http_proxy, httpMethod: GET, uri: 'https://example.com', responseTransferMode: STREAM}"
        ),
    ),
    Code(
        "AGW429",
        "aws-service-not-served-locally",
        W,
        "`apigwc serve` cannot run this AWS service integration ({service}) {reason}; it answers 500 Internal server error",
        "{hint}",
        "REST `AWS` service integrations run locally against an endpoint: x-apigwc.awsEndpoint "
        "(e.g. a moto server), or AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> in the "
        "gateway's environment. Without one the local gateway answers them as API Gateway "
        "answers a misconfigured integration. So do HTTP API first-class integrations "
        "(integrationSubtype).",
        bad=_op(
            "{type: aws, httpMethod: POST, uri: 'arn:aws:apigateway:us-east-1:sqs:path/123456789012/q', responses: {default: {statusCode: '200'}}}"
        ),
        good=_op(
            "{type: mock, requestTemplates: {application/json: '{\"statusCode\": 200}'}, responses: {default: {statusCode: '200'}}}"
        ),
    ),
)

CODES += (
    Code(
        "AGW306",
        "integration-uri-unresolved",
        W,
        "the {type} integration's URI is {intrinsic}, which only CloudFormation can resolve; "
        "`apigwc serve` answers this route with 500 Internal server error",
        "deploy to test the route, or give the URI as text (a stage variable such as "
        "https://${{stageVariables.backend}}/path works locally)",
        "The build resolves pseudo parameters (AWS::Region, AWS::AccountId, AWS::URLSuffix, "
        "AWS::Partition) in an integration URI, but not another resource's attribute or "
        "parameter: the built gateway has no URL to call, so it answers as API Gateway answers "
        "a misconfigured integration. The deployed API is not affected.",
        bad=_op("{type: http_proxy, httpMethod: GET, uri: {'Fn::GetAtt': [Backend, Url]}}"),
        good=_op(
            "{type: http_proxy, httpMethod: GET, uri: {'Fn::Sub': 'https://example.${AWS::URLSuffix}/pets'}}"
        ),
    ),
)

_LAMBDA_URI = re.compile(
    r"^arn:[a-z-]+:apigateway:[^:]+:lambda:path/\d{4}-\d{2}-\d{2}/functions/.+/"
    r"(invocations|response-streaming-invocations)$"
)
_LAMBDA_FUNCTION_ARN = re.compile(r"^arn:[a-z-]+:lambda:[^:]+:[^:]+:function:.+$")
_SERVICE_URI = re.compile(r"^arn:[a-z-]+:apigateway:[^:]*:[^:/]+:(path|action)/.+$")
_PRIVATE_TARGET_ARN = re.compile(r"^arn:[a-z-]+:(elasticloadbalancing|servicediscovery):")
_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")
_ALLOWED_PORTS = (80, 443)
_URI_PLACEHOLDER = re.compile(r"(?<!\$)\{([^{}]+)\}")


def check(api: Api, report: Report) -> None:
    for integration in api.integrations.values():
        check_integration(api, None, integration, report)
    for method in api.methods:
        if method.integration is not None:
            check_integration(api, method, method.integration, report)
        elif api.protocol is Protocol.REST:
            route = f"{method.http_method} {method.path}"
            report("AGW413", method.origin, at_key=True, route=route)


def check_integration(api: Api, method: Method | None, i: Integration, report: Report) -> None:
    http = api.protocol is Protocol.HTTP
    if http and i.type not in (IntegrationType.AWS_PROXY, IntegrationType.HTTP_PROXY):
        report("AGW410", i.origin.child("type") if i.origin else None, type=i.type.value)
    _check_uri(api, i, report)
    _check_http_method(api, i, report)
    _check_timeout(api, i, report)
    _check_vpc_link(api, i, report)
    _check_options(api, i, report)
    if http:
        _check_payload_format(i, report)
    service = _service_name(api, i)
    if service is not None and api.deployment.aws_endpoint is None:
        reason, hint = _why(i)
        origin = i.origin.child("uri") if i.origin else None
        report("AGW429", origin, service=service, reason=reason, hint=hint)
    integration_mappings.check_integration(api, method, i, report)


def _at(i: Integration, key: str) -> Origin | None:
    return i.origin.child(key) if i.origin else None


# -- uri ------------------------------------------------------------------------------------


def _check_uri(api: Api, i: Integration, report: Report) -> None:
    origin = i.origin.child("uri") if i.origin else None
    if i.uri is None:
        if _needs_uri(api, i):
            report("AGW411", i.origin, type=i.type.value)
        return
    http = i.type in (IntegrationType.HTTP, IntegrationType.HTTP_PROXY)
    if http and not isinstance(i.uri, str) and integration_uri(api, i) is None:
        intrinsic = json.dumps(i.uri.to_json(), separators=(", ", ": "))
        report("AGW306", origin, type=i.type.value, intrinsic=intrinsic)
    text = text_of(i.uri)
    if text is None:
        return
    concrete = _PLACEHOLDER.sub("x", text)
    problem = _uri_problem(api, i, text, concrete)
    if problem is not None:
        expected, hint = problem
        report("AGW412", origin, uri=text, expected=expected, hint=hint)
        return
    unfilled = _unfilled_placeholder(api, i, text)
    if unfilled is not None:
        expected = (
            f"filled: nothing maps integration.request.path.{unfilled} into its {{{unfilled}}}"
        )
        hint = f"add requestParameters: {{integration.request.path.{unfilled}: method.request.path.{unfilled}}}"
        report("AGW412", origin, severity=W, uri=text, expected=expected, hint=hint)
    port = _bad_port(i, text)
    if port is not None:
        expected = f"on an allowed port: API Gateway calls HTTP back ends only on 80, 443 and ports above 1024, not {port}"
        hint = "move the back end to port 80, 443 or a port above 1024"
        report("AGW412", origin, uri=text, expected=expected, hint=hint)


def _needs_uri(api: Api, i: Integration) -> bool:
    if i.type is IntegrationType.MOCK:
        return False
    if i.integration_subtype is not None:  # HTTP API AWS service integrations name no URI
        return False
    return i.integration_target is None  # REST VPC links V2 route by the listener ARN


def _uri_problem(api: Api, i: Integration, text: str, concrete: str) -> tuple[str, str] | None:
    if i.type is IntegrationType.MOCK or text.startswith("${"):
        return None  # a URI that is wholly a stage variable or template placeholder
    if i.type in (IntegrationType.HTTP, IntegrationType.HTTP_PROXY):
        return _http_uri_problem(api, i, text, concrete)
    return _aws_uri_problem(api, i, concrete)


def _http_uri_problem(api: Api, i: Integration, text: str, concrete: str) -> tuple[str, str] | None:
    if text.startswith("${"):  # the whole base URL comes from a stage variable
        return None
    private = i.connection_type is ConnectionType.VPC_LINK
    if private and api.protocol is Protocol.HTTP and _PRIVATE_TARGET_ARN.match(concrete):
        return None  # HTTP API private integrations name an ALB/NLB listener or Cloud Map service
    try:
        parts = urlsplit(concrete)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        parts = urlsplit("")
    if parts.scheme in ("http", "https") and parts.netloc:
        return None
    return (
        "an absolute http:// or https:// URL",
        "write the back end's full URL, e.g. https://backend.example.com/pets",
    )


def _aws_uri_problem(api: Api, i: Integration, concrete: str) -> tuple[str, str] | None:
    if ":lambda:path/" in concrete:
        streamed = i.response_transfer_mode is Transfer.STREAM
        if streamed and not concrete.endswith("/response-streaming-invocations"):
            # A streamed Lambda proxy calls InvokeWithResponseStream ([DG] response-transfer-mode-lambda).
            return (
                "the response-streaming Lambda URI that responseTransferMode STREAM needs",
                "write arn:aws:apigateway:{region}:lambda:path/2021-11-15/functions/{FunctionArn}/response-streaming-invocations",
            )
        if _LAMBDA_URI.match(concrete):
            return None
        return (
            "a Lambda invocation URI",
            "write arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{FunctionArn}/invocations",
        )
    if api.protocol is Protocol.HTTP and _LAMBDA_FUNCTION_ARN.match(concrete):
        return None  # HTTP APIs also take the plain function ARN
    if i.type is IntegrationType.AWS and _SERVICE_URI.match(concrete):
        return None
    if i.type is IntegrationType.AWS_PROXY and api.protocol is Protocol.REST:
        return (
            "a Lambda invocation URI (REST AWS_PROXY integrations call Lambda only)",
            "write arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{FunctionArn}/invocations",
        )
    if _SERVICE_URI.match(concrete):
        return None
    return (
        "an API Gateway service ARN",
        "write arn:aws:apigateway:{region}:{service}:path/{path} or ...:{service}:action/{Action}",
    )


def _unfilled_placeholder(api: Api, i: Integration, text: str) -> str | None:
    """A `{name}` of a REST non-Lambda URI that no integration.request.path mapping fills
    (every AWS and corpus example maps each one; stage variables `${...}` are not placeholders)."""
    if api.protocol is not Protocol.REST or i.type is IntegrationType.MOCK or i.is_lambda:
        return None
    for name in _URI_PLACEHOLDER.findall(text):
        if f"integration.request.path.{name}" not in i.request_parameters:
            return str(name)
    return None


def _bad_port(i: Integration, text: str) -> int | None:
    if i.type not in (IntegrationType.HTTP, IntegrationType.HTTP_PROXY) or text.startswith("${"):
        return None
    try:
        netloc = urlsplit(text).netloc
    except ValueError:
        return None
    host_port = netloc.rsplit("@", 1)[-1]
    if "]" in host_port:
        host_port = host_port.rsplit("]", 1)[-1]
    if ":" not in host_port:
        return None
    raw = host_port.rsplit(":", 1)[1]
    if not raw.isdigit():  # empty, or a stage variable: decided at run time
        return None
    port = int(raw)
    return None if port in _ALLOWED_PORTS or port > 1024 else port


# -- method, timeout ------------------------------------------------------------------------


def _check_http_method(api: Api, i: Integration, report: Report) -> None:
    if i.type is IntegrationType.MOCK:
        return
    if i.http_method is None:
        if _needs_http_method(api, i):
            report("AGW415", i.origin, type=i.type.value)
        return
    if is_lambda(api, i) and i.http_method.upper() != "POST":
        report("AGW414", _at(i, "httpMethod"), method=i.http_method)


def _needs_http_method(api: Api, i: Integration) -> bool:
    # HTTP APIs fill in the method of Lambda and AWS service integrations themselves
    # (IntegrationMethod is optional there; SAM's HttpApi bodies omit it).
    if api.protocol is Protocol.HTTP:
        return i.type is IntegrationType.HTTP_PROXY
    return True


def _check_timeout(api: Api, i: Integration, report: Report) -> None:
    timeout = i.timeout_in_millis
    if timeout is None:
        return
    high, what, hint = _timeout_limit(api, i)
    if 50 <= timeout <= high:
        return
    severity = None
    regional = api.deployment.endpoint_type in (EndpointType.REGIONAL, EndpointType.PRIVATE)
    if high == 29_000 and timeout > high and regional:
        # Regional and private REST APIs may go past 29 s, but only after a quota increase.
        severity = W
        what = "a REST API by default"
        hint = "this needs a raised integration timeout quota for the account; without it the deploy fails"
    origin = _at(i, "timeoutInMillis")
    report(
        "AGW416",
        origin,
        severity=severity,
        timeout=timeout,
        low=50,
        high=high,
        what=what,
        hint=hint,
    )


def _timeout_limit(api: Api, i: Integration) -> tuple[int, str, str]:
    """(upper bound in ms, what it applies to, hint) per API flavour and transfer mode."""
    if api.protocol is Protocol.HTTP:
        return 30_000, "an HTTP API", "HTTP APIs allow 50 to 30,000 ms; the limit cannot be raised"
    if i.response_transfer_mode is Transfer.STREAM:
        hint = "a streamed response may last up to 15 minutes (900,000 ms)"
        return 900_000, "a streamed REST integration", hint
    hint = (
        "edge-optimized REST APIs allow 50 to 29,000 ms "
        "(Regional and private ones more after a quota increase)"
    )
    return 29_000, "a REST API", hint


# -- private integrations, options, payload format -------------------------------------------


def _check_vpc_link(api: Api, i: Integration, report: Report) -> None:
    vpc = i.connection_type is ConnectionType.VPC_LINK
    if vpc and i.connection_id is None:
        report(
            "AGW426",
            _at(i, "connectionType"),
            reason="connectionType VPC_LINK needs a connectionId (the VPC link's id)",
            hint="add connectionId, e.g. a stage variable '${stageVariables.vpcLinkId}' or the link's id",
        )
    elif i.connection_type is ConnectionType.INTERNET and i.connection_id is not None:
        report(
            "AGW426",
            _at(i, "connectionId"),
            reason="connectionId is set but connectionType is INTERNET",
            hint="set connectionType: VPC_LINK, or remove connectionId",
        )
    if i.integration_target is not None and not vpc:
        report(
            "AGW426",
            _at(i, "integrationTarget"),
            reason="integrationTarget is only for private integrations (connectionType VPC_LINK)",
            hint="set connectionType: VPC_LINK and a connectionId for the VPC link V2",
        )


def _check_options(api: Api, i: Integration, report: Report) -> None:
    http_types = (IntegrationType.HTTP, IntegrationType.HTTP_PROXY)
    tls = i.tls_config
    skip = tls is not None and tls.insecure_skip_verification is not None
    if skip and (api.protocol is Protocol.HTTP or i.type not in http_types):
        reason = "exists only for REST HTTP and HTTP_PROXY integrations"
        report(
            "AGW428",
            _at(i, "tlsConfig"),
            option="tlsConfig.insecureSkipVerification",
            reason=reason,
        )
    if tls is not None and tls.server_name_to_verify is not None:
        private = i.connection_type is ConnectionType.VPC_LINK
        if api.protocol is not Protocol.HTTP or not private:
            reason = "exists only for private (VPC_LINK) integrations of HTTP APIs"
            report(
                "AGW428", _at(i, "tlsConfig"), option="tlsConfig.serverNameToVerify", reason=reason
            )
    if i.response_transfer_mode is Transfer.STREAM:
        _check_stream(api, i, report)
    never = i.passthrough_behavior is PassthroughBehavior.NEVER
    if never and not i.is_proxy and not i.request_templates:
        # Reference §2.9: NEVER with no templates at all rejects every request with 415.
        reason = "with no requestTemplates answers every request 415 Unsupported Media Type"
        report(
            "AGW428",
            _at(i, "passthroughBehavior"),
            severity=W,
            option="passthroughBehavior NEVER",
            reason=reason,
        )


def _check_stream(api: Api, i: Integration, report: Report) -> None:
    option = "responseTransferMode STREAM"
    if not i.is_proxy:
        reason = "works only with proxy integrations (HTTP_PROXY, AWS_PROXY)"
        report("AGW428", _at(i, "responseTransferMode"), option=option, reason=reason)
        return
    for response in i.responses:
        if response.response_templates:
            reason = "cannot be combined with response mapping templates (streamed bodies are not transformed)"
            report("AGW428", response.origin, option=option, reason=reason)
    # Streaming turns off caching and content encoding ([DG] response-transfer-mode): both
    # deploy, but do nothing for this method, so they are warnings.
    if i.cache_key_parameters:
        reason = "turns caching off: these cacheKeyParameters have no effect"
        report("AGW428", _at(i, "cacheKeyParameters"), severity=W, option=option, reason=reason)
    if api.minimum_compression_size is not None:
        reason = "turns content encoding off: x-amazon-apigateway-minimum-compression-size does not compress this method's responses"
        report("AGW428", _at(i, "responseTransferMode"), severity=W, option=option, reason=reason)


def is_lambda(api: Api, i: Integration) -> bool:
    """A Lambda integration: the invocation path, a function ARN, or (HTTP APIs) any AWS_PROXY
    integration without a subtype, which can only call Lambda."""
    if i.is_lambda:
        return True
    text = text_of(i.uri) if i.uri is not None else None
    if text is not None and _LAMBDA_FUNCTION_ARN.match(text):
        return True
    http_lambda = api.protocol is Protocol.HTTP and i.type is IntegrationType.AWS_PROXY
    return http_lambda and i.integration_subtype is None


def _check_payload_format(i: Integration, report: Report) -> None:
    origin = _at(i, "payloadFormatVersion")
    version = i.payload_format_version
    if version is None:
        if i.type is IntegrationType.AWS_PROXY and i.integration_subtype is None:
            reason = (
                "an HTTP API Lambda proxy integration needs payloadFormatVersion ('1.0' or '2.0')"
            )
            report("AGW427", i.origin, reason=reason)
        return
    if not isinstance(version, str):
        return
    lambda_proxy = i.type is IntegrationType.AWS_PROXY and i.integration_subtype is None
    allowed = ("1.0", "2.0") if lambda_proxy else ("1.0",)
    if version not in allowed:
        kind = "a Lambda proxy integration" if lambda_proxy else f"a {i.type.value} integration"
        reason = f"payloadFormatVersion {version!r} is not valid for {kind}; allowed: {', '.join(allowed)}"
        report("AGW427", origin, reason=reason)


def _why(i: Integration) -> tuple[str, str]:
    """AGW429's reason and hint: AWS services need an endpoint."""
    return "without an endpoint", (
        "set x-apigwc.awsEndpoint (e.g. a moto server), or AWS_ENDPOINT_URL when serving"
    )


def _service_name(api: Api, i: Integration) -> str | None:
    """The AWS service of an integration that `serve` cannot run yet (not Lambda)."""
    if i.type not in (IntegrationType.AWS, IntegrationType.AWS_PROXY) or is_lambda(api, i):
        return None
    if i.integration_subtype is not None:
        return i.integration_subtype
    text = text_of(i.uri) if i.uri is not None else None
    if text is None:
        return None if i.uri is None else "service"
    parts = text.split(":")
    if len(parts) > 4 and parts[2] == "apigateway":
        return parts[4].split("/")[0] or "service"
    if _LAMBDA_FUNCTION_ARN.match(text):
        return None
    return "service"
