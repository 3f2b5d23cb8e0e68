"""What the SAM translator rejects in an API's `Auth` and in a `DefinitionBody` it has to edit.

Flows in: the (Globals-merged) properties of an `AWS::Serverless::Api` / `HttpApi`, or the body
SAM is about to change. Flows out: (property or JSON-pointer tokens, reason) pairs, the reason
worded as the SAM translator words it, so that `apigwc import` names the same problem
`sam deploy` would. The callers report them (AGW136 for properties, AGW135 for the body).
"""

from __future__ import annotations

from typing import Any

REST_AUTH_KEYS = frozenset(
    {
        "Authorizers",
        "DefaultAuthorizer",
        "InvokeRole",
        "AddDefaultAuthorizerToCorsPreflight",
        "AddApiKeyRequiredToCorsPreflight",
        "ApiKeyRequired",
        "ResourcePolicy",
        "UsagePlan",
    }
)
HTTP_AUTH_KEYS = frozenset({"Authorizers", "DefaultAuthorizer", "EnableIamAuthorizer"})
PATH_ITEM_KEYS = frozenset({"parameters", "summary", "description", "servers", "$ref"})
Problem = tuple[tuple[str | int, ...], str]


def auth_problems(auth: dict[str, Any], http: bool) -> list[Problem]:
    allowed = HTTP_AUTH_KEYS if http else REST_AUTH_KEYS
    if set(auth) - allowed:
        return [(("Auth",), "Invalid value for 'Auth' property")]
    problems: list[Problem] = []
    authorizers = auth.get("Authorizers")
    if authorizers is not None and not isinstance(authorizers, dict):
        problems.append((("Auth", "Authorizers"), "Property 'Auth.Authorizers' should be a map."))
        authorizers = {}
    for name, config in (authorizers or {}).items():
        problems.extend(_authorizer_problems(name, config, http))
    default = auth.get("DefaultAuthorizer")
    if default is not None and not isinstance(default, str):
        problems.append(
            (("Auth", "DefaultAuthorizer"), "Property 'Auth.DefaultAuthorizer' should be a string.")
        )
    elif isinstance(default, str) and default != "AWS_IAM" and default not in (authorizers or {}):
        problems.append(
            (
                ("Auth", "DefaultAuthorizer"),
                f"Unable to set DefaultAuthorizer because '{default}' was not defined in "
                "'Authorizers'.",
            )
        )
    return problems


def _authorizer_problems(name: str, config: Any, http: bool) -> list[Problem]:
    where: tuple[str | int, ...] = ("Auth", "Authorizers", name)
    if not isinstance(config, dict):
        return [(where, f"Property 'Auth.Authorizers.{name}' should be a map.")]
    if http and "OpenIdConnectUrl" in config:
        return [
            (
                where,
                f"'OpenIdConnectUrl' is no longer a supported property for authorizer '{name}'. "
                "Please refer to the AWS SAM documentation.",
            )
        ]
    flag = config.get("DisableFunctionDefaultPermissions")
    if flag is not None and not isinstance(flag, bool):
        reason = (
            f"Property 'Authorizers.{name}.DisableFunctionDefaultPermissions' should be a boolean."
        )
        return [(where, reason)]
    payload = config.get("FunctionPayloadType")
    if not http and payload is not None and payload not in ("TOKEN", "REQUEST"):
        return [(where, f"{name} Authorizer has invalid 'FunctionPayloadType': {payload}.")]
    if not http and payload == "REQUEST" and _caches_without_identity(config):
        return [
            (
                where,
                f"{name} Authorizer must specify Identity with at least one of Headers, "
                "QueryStrings, StageVariables, or Context.",
            )
        ]
    return []


def _caches_without_identity(config: dict[str, Any]) -> bool:
    identity = config.get("Identity")
    identity = identity if isinstance(identity, dict) else {}
    if identity.get("ReauthorizeEvery") == 0:
        return False  # with caching off, API Gateway needs no identity source
    return not any(
        identity.get(k) for k in ("Headers", "QueryStrings", "StageVariables", "Context")
    )


def body_problems(body: dict[str, Any]) -> list[Problem]:
    """SAM's SwaggerEditor checks, run before it adds events, auth or CORS to a body."""
    problems: list[Problem] = []
    definitions = body.get("securityDefinitions")
    if "securityDefinitions" in body and not isinstance(definitions, dict):
        problems.append((("securityDefinitions",), "securityDefinitions must be a dictionary."))
    problems.extend(_endpoint_configuration_problems(body))
    paths = body.get("paths")
    for path, item in paths.items() if isinstance(paths, dict) else ():
        if isinstance(item, dict) and "Fn::If" in item:
            if not (isinstance(item["Fn::If"], list) and len(item["Fn::If"]) == 3):
                problems.append((("paths", path), "Value of Fn::If must be a list."))
            continue
        if not isinstance(item, dict):
            reason = f"Value of '{path}' path must be a dictionary according to Swagger spec."
            problems.append((("paths", path), reason))
            continue
        problems.extend(_path_item_problems(path, item))
    return problems


def _endpoint_configuration_problems(body: dict[str, Any]) -> list[Problem]:
    key = "x-amazon-apigateway-endpoint-configuration"
    if key in body and not isinstance(body[key], dict):
        reason = f"Invalid OpenAPI definition: The value of '{key}' should be a map."
        return [((key,), reason)]
    servers = body.get("servers")
    for index, server in enumerate(servers if isinstance(servers, list) else ()):
        if isinstance(server, dict) and key in server and not isinstance(server[key], dict):
            reason = (
                f"Invalid OpenAPI definition of 'servers[{index}]': The value of '{key}' should "
                "be a map."
            )
            return [(("servers", index, key), reason)]
    return []


def _path_item_problems(path: str, item: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    for method, operation in item.items():
        if method in PATH_ITEM_KEYS or (
            method.startswith("x-") and method != "x-amazon-apigateway-any-method"
        ):
            continue
        where: tuple[str | int, ...] = ("paths", path, method)
        if isinstance(operation, dict) and "Fn::If" in operation:
            continue
        if not isinstance(operation, dict):
            reason = f"Definition of method '{method}' for path '{path}' should be a map."
            problems.append((where, reason))
            continue
        security = operation.get("security")
        if "security" in operation and not isinstance(security, list):
            reason = f"Type of security for path {path} method {method} must be a list"
            problems.append(((*where, "security"), reason))
            continue
        for entry in security or []:
            if not isinstance(entry, dict):
                reason = f"{entry} in Security for path {path} method {method} is not a valid dictionary."
                problems.append(((*where, "security"), reason))
        problems.extend(_response_problems(path, method, operation, where))
    return problems


def _response_problems(
    path: str, method: str, operation: dict[str, Any], where: tuple[str | int, ...]
) -> list[Problem]:
    if method != "options" or "responses" not in operation:
        return []
    responses = operation["responses"]
    if not isinstance(responses, dict):
        reason = f"Invalid responses in options method for path {path}: It should be a map."
        return [((*where, "responses"), reason)]
    for status, response in responses.items():
        headers = response.get("headers") if isinstance(response, dict) else None
        if isinstance(response, dict) and "headers" in response and not isinstance(headers, dict):
            reason = (
                f"Value of response's headers in options method for path {path} must be a "
                "dictionary according to Swagger spec."
            )
            return [((*where, "responses", status, "headers"), reason)]
    return []
