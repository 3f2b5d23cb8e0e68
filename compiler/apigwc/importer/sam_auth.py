"""SAM `Auth` and `Cors` of an `AWS::Serverless::Api` / `HttpApi` -> the body the SAM translator writes.

Flows in: the API's (Globals-merged) `Auth` / `Cors` properties and the body dict being built.
Flows out: the same body with security schemes, per-method `security`, the `api_key` scheme, CORS
preflight `options` methods (REST) or `x-amazon-apigateway-cors` (HTTP), written as the SAM
translator writes them so that the imported spec matches what SAM deploys.
"""

from __future__ import annotations

from typing import Any

from apigwc.importer.sam_body import METHOD_KEYS, mapping, operations, security_schemes

# The SAM translator writes event integrations of REST APIs and every authorizer with the
# `aws` partition spelled out, and HTTP API event integrations with `${AWS::Partition}`.
REST_LAMBDA_URI = "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
HTTP_LAMBDA_URI = (
    "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
)
AUTHORIZER_URI = REST_LAMBDA_URI + "${__FunctionArn__}/invocations"
# Marks an operation added from a SAM event while the body is built; removed before writing.
EVENT_MARKER = "x-apigwc-sam-event"
API_KEY_SCHEME = {"type": "apiKey", "name": "x-api-key", "in": "header"}
IAM_SCHEME = {
    "type": "apiKey",
    "name": "Authorization",
    "in": "header",
    "x-amazon-apigateway-authtype": "awsSigv4",
}


def event_uri(function_id: str, http: bool) -> Any:
    """The Lambda invocation URI of a function event's integration, as SAM writes it."""
    prefix = HTTP_LAMBDA_URI if http else REST_LAMBDA_URI
    return {"Fn::Sub": prefix + "${" + function_id + ".Arn}/invocations"}


def function_uri(function_arn: Any) -> Any:
    """An authorizer's Lambda URI for a `FunctionArn` given as SAM takes it (any value)."""
    return {"Fn::Sub": [AUTHORIZER_URI, {"__FunctionArn__": function_arn}]}


# -- REST authorizers --------------------------------------------------------------------------


def rest_authorizer(auth: dict[str, Any]) -> dict[str, Any]:
    """One entry of `Auth.Authorizers` -> a Swagger security scheme with its authorizer."""
    identity = mapping(auth.get("Identity"))
    if "UserPoolArn" in auth:
        arns = auth["UserPoolArn"]
        header = identity.get("Header", "Authorization")
        authorizer: dict[str, Any] = {
            "type": "cognito_user_pools",
            "providerARNs": arns if isinstance(arns, list) else [arns],
        }
        _identity_extras(authorizer, identity)
        return _scheme(header, "cognito_user_pools", authorizer)
    payload = str(auth.get("FunctionPayloadType", "TOKEN")).lower()
    authorizer = {"type": payload, "authorizerUri": function_uri(auth.get("FunctionArn"))}
    if "FunctionInvokeRole" in auth:
        authorizer["authorizerCredentials"] = auth["FunctionInvokeRole"]
    if payload == "token":
        header = identity.get("Header", "Authorization")
        authorizer["identitySource"] = f"method.request.header.{header}"
        _identity_extras(authorizer, identity)
        return _scheme(header, "custom", authorizer)
    sources = _request_identity_sources(identity)
    if sources:
        authorizer["identitySource"] = ", ".join(sources)
    _identity_extras(authorizer, identity)
    return _scheme("Unused", "custom", authorizer)


def _scheme(header: str, authtype: str, authorizer: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "apiKey",
        "name": header,
        "in": "header",
        "x-amazon-apigateway-authtype": authtype,
        "x-amazon-apigateway-authorizer": authorizer,
    }


def _identity_extras(authorizer: dict[str, Any], identity: dict[str, Any]) -> None:
    if "ValidationExpression" in identity:
        authorizer["identityValidationExpression"] = identity["ValidationExpression"]
    if "ReauthorizeEvery" in identity:
        authorizer["authorizerResultTtlInSeconds"] = identity["ReauthorizeEvery"]


def _request_identity_sources(identity: dict[str, Any]) -> list[str]:
    places = (
        ("Headers", "method.request.header."),
        ("QueryStrings", "method.request.querystring."),
        ("StageVariables", "stageVariables."),
        ("Context", "context."),
    )
    return [
        prefix + str(name)
        for key, prefix in places
        for name in (identity.get(key) or [])
        if isinstance(identity.get(key), list)
    ]


# -- HTTP authorizers --------------------------------------------------------------------------


def http_authorizer(auth: dict[str, Any]) -> dict[str, Any]:
    """One entry of an HttpApi's `Auth.Authorizers` -> an OpenAPI 3 security scheme."""
    if "JwtConfiguration" in auth:
        authorizer: dict[str, Any] = {"type": "jwt", "jwtConfiguration": auth["JwtConfiguration"]}
        if "IdentitySource" in auth:
            authorizer["identitySource"] = auth["IdentitySource"]
        return {"type": "oauth2", "x-amazon-apigateway-authorizer": authorizer}
    authorizer = {"type": "request", "authorizerUri": function_uri(auth.get("FunctionArn"))}
    for sam_key, key in (
        ("AuthorizerPayloadFormatVersion", "authorizerPayloadFormatVersion"),
        ("EnableSimpleResponses", "enableSimpleResponses"),
        ("FunctionInvokeRole", "authorizerCredentials"),
    ):
        if sam_key in auth:
            authorizer[key] = auth[sam_key]
    identity = mapping(auth.get("Identity"))
    sources = [
        f"$request.header.{h}" for h in identity.get("Headers") or [] if isinstance(h, str)
    ] + [
        f"$request.querystring.{q}"
        for q in identity.get("QueryStrings") or []
        if isinstance(q, str)
    ]
    if sources:
        authorizer["identitySource"] = sources
    if "ReauthorizeEvery" in identity:
        authorizer["authorizerResultTtlInSeconds"] = identity["ReauthorizeEvery"]
    return {
        "type": "apiKey",
        "name": "Unused",
        "in": "header",
        "x-amazon-apigateway-authorizer": authorizer,
    }


# -- applying Auth to the body -----------------------------------------------------------------


def apply_api_auth(body: dict[str, Any], auth: dict[str, Any], http: bool) -> None:
    """Add the API's authorizers, then its default authorizer and API key requirement to every
    method that states no security of its own (SAM skips CORS preflight `options` methods
    unless told otherwise)."""
    authorizers = mapping(auth.get("Authorizers"))
    schemes = security_schemes(body)
    for name, config in authorizers.items():
        if isinstance(config, dict):
            schemes[name] = http_authorizer(config) if http else rest_authorizer(config)
    if auth.get("DefaultAuthorizer") == "AWS_IAM" or auth.get("EnableIamAuthorizer"):
        schemes["AWS_IAM"] = dict(IAM_SCHEME)
    default = auth.get("DefaultAuthorizer")
    key_required = auth.get("ApiKeyRequired") is True
    if key_required:
        schemes["api_key"] = dict(API_KEY_SCHEME)
    preflight_key = auth.get("AddApiKeyRequiredToCorsPreflight", True) is not False
    preflight_auth = auth.get("AddDefaultAuthorizerToCorsPreflight", True) is not False
    for _path, method, operation in operations(body):
        if operation.pop(EVENT_MARKER, False) or "security" in operation:
            continue  # SAM events carry their own security; a stated `security` is kept
        is_preflight = method == "options"
        security: list[dict[str, Any]] = []
        if (
            isinstance(default, str)
            and default != "NONE"
            and not (is_preflight and not preflight_auth)
        ):
            security.append({default: _default_scopes(authorizers.get(default))})
        if key_required and not (is_preflight and not preflight_key):
            security.append({"api_key": []})
        if security:
            operation["security"] = security


def _default_scopes(config: Any) -> list[Any]:
    scopes = config.get("AuthorizationScopes") if isinstance(config, dict) else None
    return list(scopes) if isinstance(scopes, list) else []


# -- CORS --------------------------------------------------------------------------------------


def apply_rest_cors(body: dict[str, Any], cors: Any) -> None:
    """SAM's REST `Cors`: a MOCK `options` method on every path that has none, answering with
    the Access-Control-* headers (values are quoted strings, as SAM takes them)."""
    intrinsic = (
        isinstance(cors, dict) and len(cors) == 1 and next(iter(cors)).startswith(("Fn::", "Ref"))
    )
    config = {"AllowOrigin": cors} if isinstance(cors, str) or intrinsic else dict(cors)
    headers = {
        # SAM's CorsProperties default AllowOrigin to "'*'" when the Cors map leaves it out
        "Access-Control-Allow-Origin": config.get("AllowOrigin", "'*'"),
        "Access-Control-Allow-Headers": config.get("AllowHeaders"),
        "Access-Control-Allow-Methods": config.get("AllowMethods"),
        "Access-Control-Allow-Credentials": "'true'" if config.get("AllowCredentials") else None,
        "Access-Control-Max-Age": config.get("MaxAge"),
    }
    openapi3 = str(body.get("openapi", "")).startswith("3")
    paths = mapping(body.get("paths"))
    for item in paths.values():
        if not isinstance(item, dict) or "options" in item:
            continue
        methods = config.get("AllowMethods") or _allowed_methods(item)
        values = {**headers, "Access-Control-Allow-Methods": methods}
        item["options"] = _preflight(values, openapi3)


def _allowed_methods(item: dict[str, Any]) -> str:
    if "x-amazon-apigateway-any-method" in item:
        return "'DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT'"
    methods = sorted({m.upper() for m in item if m in METHOD_KEYS} | {"OPTIONS"})
    return "'" + ",".join(methods) + "'"


def _preflight(values: dict[str, Any], openapi3: bool) -> dict[str, Any]:
    present = {name: value for name, value in values.items() if value is not None}
    header_type = {"Access-Control-Max-Age": "integer"}
    headers = {
        name: (
            {"schema": {"type": header_type.get(name, "string")}}
            if openapi3
            else {"type": header_type.get(name, "string")}
        )
        for name in present
    }
    response: dict[str, Any] = {
        "description": "Default response for CORS method",
        "headers": headers,
    }
    operation: dict[str, Any] = {
        "summary": "CORS support",
        "responses": {"200": response},
        "x-amazon-apigateway-integration": {
            "type": "mock",
            "requestTemplates": {"application/json": '{\n  "statusCode" : 200\n}\n'},
            "responses": {
                "default": {
                    "statusCode": "200",
                    "responseParameters": {
                        f"method.response.header.{name}": value for name, value in present.items()
                    },
                    "responseTemplates": {"application/json": "{}\n"},
                }
            },
        },
    }
    if not openapi3:
        operation["consumes"] = ["application/json"]
        operation["produces"] = ["application/json"]
    return operation


def apply_http_cors(body: dict[str, Any], cors: Any) -> None:
    """An HttpApi's `CorsConfiguration` -> `x-amazon-apigateway-cors` (SAM copies it over)."""
    if cors is True:
        body["x-amazon-apigateway-cors"] = {"allowOrigins": ["*"]}
        return
    if not isinstance(cors, dict):
        return
    names = {
        "AllowOrigins": "allowOrigins",
        "AllowCredentials": "allowCredentials",
        "AllowHeaders": "allowHeaders",
        "AllowMethods": "allowMethods",
        "ExposeHeaders": "exposeHeaders",
        "MaxAge": "maxAge",
    }
    body["x-amazon-apigateway-cors"] = {names[k]: v for k, v in cors.items() if k in names}


__all__ = [
    "apply_api_auth",
    "apply_http_cors",
    "apply_rest_cors",
    "event_uri",
    "function_uri",
    "resource_policy",
]


# -- resource policy ---------------------------------------------------------------------------

_WHITELISTS = (
    # (SAM key, condition operator on deny, condition key)
    ("SourceVpcWhitelist", "StringNotEquals", "aws:SourceVpc"),
    ("IntrinsicVpcWhitelist", "StringNotEquals", "aws:SourceVpc"),
    ("IntrinsicVpceWhitelist", "StringNotEquals", "aws:SourceVpce"),
    ("IpRangeWhitelist", "NotIpAddress", "aws:SourceIp"),
)
_BLACKLISTS = (
    ("SourceVpcBlacklist", "StringEquals", "aws:SourceVpc"),
    ("IntrinsicVpcBlacklist", "StringEquals", "aws:SourceVpc"),
    ("IntrinsicVpceBlacklist", "StringEquals", "aws:SourceVpce"),
    ("IpRangeBlacklist", "IpAddress", "aws:SourceIp"),
)
_EVERY_METHOD = "execute-api:/*/*/*"


def resource_policy(config: dict[str, Any]) -> dict[str, Any] | None:
    """SAM's `Auth.ResourcePolicy` -> `x-amazon-apigateway-policy`. SAM scopes each statement
    to the methods of the function's events; here each covers the whole API (`execute-api:/*`),
    which is what the statements grant whenever every method shares the same policy."""
    statements: list[Any] = []
    accounts = config.get("AwsAccountWhitelist")
    if isinstance(accounts, list) and accounts:
        statements.append(_statement("Allow", {"AWS": accounts}))
    for key, operator, condition in _WHITELISTS:
        if isinstance(config.get(key), list) and config[key]:
            statements.append(_statement("Allow", "*"))
            statements.append(_statement("Deny", "*", {operator: {condition: config[key]}}))
    for key, operator, condition in _BLACKLISTS:
        if isinstance(config.get(key), list) and config[key]:
            statements.append(_statement("Deny", "*", {operator: {condition: config[key]}}))
    custom = config.get("CustomStatements")
    for statement in custom if isinstance(custom, list) else [custom] if custom else []:
        if isinstance(statement, dict) and "Resource" not in statement:
            statement = {**statement, "Resource": [_EVERY_METHOD]}  # SAM scopes it to methods
        statements.append(statement)
    return {"Version": "2012-10-17", "Statement": statements} if statements else None


def _statement(effect: str, principal: Any, condition: Any = None) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": effect,
        "Principal": principal,
        "Action": "execute-api:Invoke",
        "Resource": [_EVERY_METHOD],
    }
    if condition is not None:
        statement["Condition"] = condition
    return statement
