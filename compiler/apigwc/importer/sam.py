"""`AWS::Serverless::Api` / `AWS::Serverless::HttpApi` (explicit, or SAM's implicit API) -> body
and `x-apigwc` settings, as the SAM translator would deploy them.

Flows in: the `Template`, the API's logical id and resource (None for the implicit
`ServerlessRestApi` / `ServerlessHttpApi`). Flows out: `SamApi` (body, stages, usage plans, API
keys, domains, endpoint type). What the SAM transform rejects is reported with the translator's
own wording (AGW135-AGW137) so a user recognises the `sam deploy` error.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from apigwc.diagnostics.model import Origin
from apigwc.importer.bodies import read_definition, read_location
from apigwc.importer.conditions import resolve_structural_ifs
from apigwc.importer.degrade import quote_rest_cors
from apigwc.importer.sam_auth import (
    apply_api_auth,
    apply_http_cors,
    apply_rest_cors,
    resource_policy,
)
from apigwc.importer.sam_body import ANY_METHOD, mapping, prune_empty
from apigwc.importer.sam_body import models as body_models
from apigwc.importer.sam_checks import auth_problems, body_problems
from apigwc.importer.sam_events import EventContext, add_events, api_events, event_api_id
from apigwc.importer.stages import _throttle, http_stage, rest_stage
from apigwc.importer.template import Resource, Template
from apigwc.loader.document import RefError

OPENAPI_VERSION = re.compile(r"^3(\.\d+){1,2}$")
# SAM writes a usage plan and its key under these logical ids (per API, or shared by all).
SHARED_PLAN, SHARED_KEY = "ServerlessUsagePlan", "ServerlessApiKey"


@dataclass
class SamApi:
    body: dict[str, Any] | None
    stages: dict[str, Any] = field(default_factory=dict)
    usage_plans: dict[str, Any] = field(default_factory=dict)
    api_keys: dict[str, Any] = field(default_factory=dict)
    domains: list[dict[str, Any]] = field(default_factory=list)
    endpoint_type: str | None = None


def sam_properties(template: Template, resource: Resource | None, http: bool) -> dict[str, Any]:
    """The resource's properties over `Globals.Api` / `Globals.HttpApi` (SAM merges them)."""
    defaults = template.globals.get("HttpApi" if http else "Api")
    merged = dict(defaults) if isinstance(defaults, dict) else {}
    return _merge_globals(merged, resource.properties if resource is not None else {})


def _merge_globals(defaults: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    """SAM merges Globals into a resource key by key: maps recursively, anything else replaced."""
    merged = dict(defaults)
    for key, value in own.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and not _intrinsic(value):
            merged[key] = _merge_globals(merged[key], value)
        else:
            merged[key] = value
    return merged


def _intrinsic(value: dict[str, Any]) -> bool:
    return len(value) == 1 and next(iter(value)).startswith(("Fn::", "Ref"))


def import_sam_api(
    template: Template, api_id: str, resource: Resource | None, http: bool
) -> SamApi:
    props = sam_properties(template, resource, http)
    origin = resource.prop() if resource else Origin(template.path, "")
    if not _check(template, api_id, props, origin, http):
        return SamApi(None)
    body, inline = _body(template, api_id, props, origin, http)
    if body is None:
        return SamApi(None)
    events = [e for e in api_events(template) if event_api_id(template, e) == api_id]
    auth = mapping(props.get("Auth"))
    models = _models(template, api_id, props, origin, body)
    if inline:
        _any_keys(body)
        merge = props.get("MergeDefinitions") is True
        add_events(EventContext(template, body, auth, models, http, merge), events)
        if not _body_checks(template, api_id, props, origin, body, http):
            return SamApi(None)
        # SAM adds the CORS preflight methods first, so the default authorizer and the API key
        # requirement reach them too (unless AddDefaultAuthorizerToCorsPreflight says no).
        _apply_cors(template, body, props, origin, http)
        apply_api_auth(body, auth, http)
        _root_settings(template, body, props, http)
    prune_empty(body)
    stage = _stage_name(template, props, http)
    result = SamApi(body)
    stage_props = {
        k: v for k, v in props.items() if k != "Description"
    }  # the API's, not the stage's
    result.stages = {stage: (http_stage if http else rest_stage)(template, stage_props, origin)}
    if isinstance(props.get("Description"), str) and isinstance(body.get("info"), dict):
        body["info"].setdefault("description", props["Description"])
    _usage_plan(template, api_id, auth, stage, result)
    result.domains = _domains(template, props, stage, http)
    result.endpoint_type = _endpoint_type(props)
    return result


# -- what the SAM transform rejects -------------------------------------------------------------


def _check(
    template: Template, api_id: str, props: dict[str, Any], origin: Origin, http: bool
) -> bool:
    problems = []
    body, uri = props.get("DefinitionBody"), props.get("DefinitionUri")
    if body is not None and not isinstance(body, dict):
        problems.append(("DefinitionBody", "Property 'DefinitionBody' should be a map."))
    if body is not None and uri is not None:
        problems.append(
            (
                "DefinitionUri",
                "Specify either 'DefinitionUri' or 'DefinitionBody' property and not both.",
            )
        )
    if isinstance(uri, str) and "://" in uri and not uri.startswith("s3://"):
        problems.append(
            (
                "DefinitionUri",
                "'DefinitionUri' is not a valid S3 Uri of the form 's3://bucket/key' with "
                "optional versionId query parameter.",
            )
        )
    if "StageName" in props and props["StageName"] == "":
        problems.append(("StageName", "StageName cannot be empty."))
    if "Auth" in props and not isinstance(props["Auth"], dict):
        problems.append(("Auth", "Property 'Auth' should be a map."))
    elif "Auth" in props and uri is not None:
        problems.append(
            ("Auth", "Auth works only with inline Swagger specified in 'DefinitionBody' property.")
        )
    version = props.get("OpenApiVersion")
    if version is not None and not isinstance(version, str):
        problems.append(("OpenApiVersion", "Property 'OpenApiVersion' should be a string."))
    elif isinstance(version, str) and not OPENAPI_VERSION.match(version) and version != "2.0":
        problems.append(
            ("OpenApiVersion", "The OpenApiVersion value must be of the format '3.0.0'.")
        )
    if "Models" in props and uri is not None:
        reason = "Models works only with inline Swagger specified in 'DefinitionBody' property."
        problems.append(("Models", reason))
    problems.extend(_cors_problems(props.get("Cors")) if not http else [])
    for prop, reason in problems:
        template.report("AGW136", origin.child(prop), resource=api_id, reason=reason)
    auth = props.get("Auth")
    nested = auth_problems(auth, http) if isinstance(auth, dict) and uri is None else []
    for tokens, reason in nested:
        template.report("AGW136", origin.child(*tokens), resource=api_id, reason=reason)
    return not problems and not nested


def _cors_problems(cors: Any) -> list[tuple[str, str]]:
    if not isinstance(cors, dict):
        return []
    origin = cors.get("AllowOrigin")
    if "AllowOrigin" in cors and origin in ("", None):
        return [("Cors", "Invalid input. Value for AllowedOrigins is required")]
    if cors.get("AllowCredentials") is True and origin in (None, "'*'"):
        return [
            (
                "Cors",
                "Unable to add Cors configuration because 'AllowCredentials' can not be true "
                "when 'AllowOrigin' is \"'*'\" or not set",
            )
        ]
    return []


# -- the body ------------------------------------------------------------------------------------


def _body(
    template: Template, api_id: str, props: dict[str, Any], origin: Origin, http: bool
) -> tuple[dict[str, Any] | None, bool]:
    """The definition SAM starts from, and whether it is inline (SAM changes only inline
    bodies: events, Auth and Cors are not merged into a `DefinitionUri` file)."""
    if "DefinitionBody" in props:
        where = origin.child("DefinitionBody")
        raw = resolve_structural_ifs(template, props["DefinitionBody"], where)
        if not isinstance(raw, dict):
            reason = (
                "Invalid Swagger document or the Swagger document is not explicitly defined "
                "in 'DefinitionBody'."
            )
            template.report("AGW135", where, reason=reason)
            return None, False
        body = read_definition(template, raw, where)
        if body is None and template.definition_not_local:
            # the included file is not beside the template (AGW140): SAM would merge the
            # events into it, so they go into the definition SAM generates instead
            return _generated(template, api_id, props, http), True
        if body is None:
            return None, False
        changes = http or _sam_changes_body(template, api_id, props)
        if changes and not _valid_definition(body, http):
            template.report("AGW135", where, reason=_invalid_body_reason(props, http))
            return None, False
        return body, True
    if "DefinitionUri" in props:
        body = read_location(
            template, props["DefinitionUri"], origin.child("DefinitionUri"), "DefinitionUri"
        )
        return (body if body is not None else _generated(template, api_id, props, http)), False
    return _generated(template, api_id, props, http), True


def _body_checks(
    template: Template,
    api_id: str,
    props: dict[str, Any],
    origin: Origin,
    body: dict[str, Any],
    http: bool,
) -> bool:
    """SAM's checks of a body it edits, once the events are in (an event fills an operation the
    body leaves empty). With MergeDefinitions SAM merges without editing, so it checks nothing."""
    if "DefinitionBody" not in props or props.get("MergeDefinitions") is True:
        return True
    if not (http or _sam_changes_body(template, api_id, props)):
        return True
    problems = body_problems(body)
    for tokens, reason in problems:
        template.report("AGW135", origin.child("DefinitionBody", *tokens), reason=reason)
    return not problems


def _invalid_body_reason(props: dict[str, Any], http: bool) -> str:
    if http:
        return (
            "Invalid OpenApi document. Invalid values or missing keys for 'openapi' or 'paths' "
            "in 'DefinitionBody'."
        )
    for prop, what in (("Auth", "Auth configuration"), ("Models", "Models definitions")):
        if prop in props:
            return (
                f"Unable to add {what} because 'DefinitionBody' does not contain a valid "
                "Swagger definition."
            )
    return (
        "Invalid Swagger document or the Swagger document is not explicitly defined in "
        "'DefinitionBody'."
    )


def _any_keys(body: dict[str, Any]) -> None:
    """SAM reads an `any` operation key as `x-amazon-apigateway-any-method` and writes it so."""
    paths = body.get("paths")
    for item in paths.values() if isinstance(paths, dict) else ():
        if isinstance(item, dict) and "any" in item and ANY_METHOD not in item:
            item[ANY_METHOD] = item.pop("any")


def _valid_definition(body: dict[str, Any], http: bool) -> bool:
    """SAM's check before it edits a body: a version (YAML may read `swagger: 2.0` as a
    number) and a `paths` mapping."""
    version_key = "openapi" if http else ("openapi" if "openapi" in body else "swagger")
    version = body.get(version_key)
    has_version = isinstance(version, (str, int, float)) and not isinstance(version, bool)
    if has_version and not http and body.get("paths") is None:
        body["paths"] = {}  # MergeDefinitions / events fill an empty or absent `paths`
    # Older SAM releases took a REST body with paths and no version as Swagger 2.0; deployed
    # samples rely on it, so only an HTTP API needs the version here.
    return (has_version or not http) and isinstance(body.get("paths"), dict)


def _sam_changes_body(template: Template, api_id: str, props: dict[str, Any]) -> bool:
    edited_by = (
        "Auth",
        "Cors",
        "Models",
        "GatewayResponses",
        "BinaryMediaTypes",
        "EndpointConfiguration",
        "DisableExecuteApiEndpoint",
        "MinimumCompressionSize",
        "OpenApiVersion",
    )
    if any(k in props for k in edited_by):
        return True
    return any(event_api_id(template, e) == api_id for e in api_events(template))


def _generated(
    template: Template, api_id: str, props: dict[str, Any], http: bool
) -> dict[str, Any]:
    """The definition SAM generates for an API with no DefinitionBody: Swagger 2.0 for REST
    (OpenAPI 3.0.1 when OpenApiVersion is 3.x), OpenAPI 3.0.1 for HTTP APIs."""
    name = template.text(props.get("Name"), api_id)
    info = {"version": "1.0", "title": name}
    if http or str(props.get("OpenApiVersion", "")).startswith("3"):
        return {"openapi": "3.0.1", "info": info, "paths": {}}
    return {"swagger": "2.0", "info": info, "paths": {}}


def _models(
    template: Template, api_id: str, props: dict[str, Any], origin: Origin, body: dict[str, Any]
) -> dict[str, Any] | None:
    models = props.get("Models")
    if models is None:
        return None
    if not isinstance(models, dict) or not all(isinstance(m, dict) for m in models.values()):
        template.report(
            "AGW136",
            origin.child("Models"),
            resource=api_id,
            reason="Invalid value for 'Models' property",
        )
        return {}
    target = body_models(body)
    for name, schema in models.items():
        target.setdefault(name, copy.deepcopy(schema))
    return models


def _apply_cors(
    template: Template, body: dict[str, Any], props: dict[str, Any], origin: Origin, http: bool
) -> None:
    if http and "CorsConfiguration" in props:
        apply_http_cors(body, props["CorsConfiguration"])
    elif not http and isinstance(props.get("Cors"), (str, dict)):
        apply_rest_cors(
            body, quote_rest_cors(template, props["Cors"], _cors_origin(template, origin))
        )


def _cors_origin(template: Template, origin: Origin) -> Origin:
    """The resource's own `Cors`, or `Globals.Api.Cors` that SAM merged into it."""
    own = origin.child("Cors")
    try:
        template.doc.get(own)
    except RefError:  # not written on the resource
        return Origin(template.path, "").child("Globals", "Api", "Cors")
    return own


def _root_settings(
    template: Template, body: dict[str, Any], props: dict[str, Any], http: bool
) -> None:
    """API-level SAM properties that SAM writes into the body as extensions."""
    auth = props.get("Auth")
    policy = auth.get("ResourcePolicy") if isinstance(auth, dict) else None
    policy = resolve_structural_ifs(template, policy, Origin(template.path, ""))
    document = resource_policy(policy) if isinstance(policy, dict) and not http else None
    existing = body.get("x-amazon-apigateway-policy")
    if document is not None and isinstance(existing, dict):
        # SAM appends its statements to a policy the body already has
        statements = existing.get("Statement")
        statements = (
            statements if isinstance(statements, list) else [statements] if statements else []
        )
        existing["Statement"] = statements + document["Statement"]
    elif document is not None:
        body["x-amazon-apigateway-policy"] = document
    binary = props.get("BinaryMediaTypes")
    if isinstance(binary, list) and not http:
        # SAM takes `~1` for `/` in media types (CloudFormation's escaping) and unescapes it.
        types = [t.replace("~1", "/") if isinstance(t, str) else t for t in binary]
        body["x-amazon-apigateway-binary-media-types"] = types
    if "MinimumCompressionSize" in props and not http:
        body["x-amazon-apigateway-minimum-compression-size"] = props["MinimumCompressionSize"]
    if isinstance(props.get("ApiKeySourceType"), str) and not http:
        body["x-amazon-apigateway-api-key-source"] = props["ApiKeySourceType"]
    if props.get("DisableExecuteApiEndpoint") is True:
        config = body.setdefault("x-amazon-apigateway-endpoint-configuration", {})
        if isinstance(config, dict):
            config["disableExecuteApiEndpoint"] = True
    responses = props.get("GatewayResponses")
    if isinstance(responses, dict) and not http:
        body["x-amazon-apigateway-gateway-responses"] = {
            kind: _gateway_response(value) for kind, value in responses.items()
        }


def _gateway_response(value: Any) -> dict[str, Any]:
    """SAM's `GatewayResponses` entry (`ResponseParameters: {Headers: {name: value}}`) -> the
    extension's (`responseParameters: {gatewayresponse.header.name: value}`)."""
    result: dict[str, Any] = {}
    if not isinstance(value, dict):
        return result
    if "StatusCode" in value:
        result["statusCode"] = str(value["StatusCode"])
    params = value.get("ResponseParameters")
    places = {"Headers": "header", "Paths": "path", "QueryStrings": "querystring"}
    mapped = {
        f"gatewayresponse.{places[group]}.{name}": str(v)
        for group, entries in (params.items() if isinstance(params, dict) else ())
        if group in places and isinstance(entries, dict)
        for name, v in entries.items()
    }
    if mapped:
        result["responseParameters"] = mapped
    if isinstance(value.get("ResponseTemplates"), dict):
        result["responseTemplates"] = value["ResponseTemplates"]
    return result


# -- stages, usage plans, domains -------------------------------------------------------------


def _stage_name(template: Template, props: dict[str, Any], http: bool) -> str:
    default = "$default" if http else "Prod"
    return template.name(props.get("StageName"), default) or default


def _usage_plan(
    template: Template, api_id: str, auth: dict[str, Any], stage: str, result: SamApi
) -> None:
    """`Auth.UsagePlan` with `CreateUsagePlan: PER_API | SHARED` -> the plan and key SAM
    creates (`<Api>UsagePlan` / `<Api>ApiKey`, or the shared `ServerlessUsagePlan`)."""
    config = auth.get("UsagePlan")
    if not isinstance(config, dict):
        return
    mode = template.text(config.get("CreateUsagePlan"), "NONE").upper()
    if mode not in ("PER_API", "SHARED"):
        return
    plan_name, key_name = (
        (f"{api_id}UsagePlan", f"{api_id}ApiKey")
        if mode == "PER_API"
        else (SHARED_PLAN, SHARED_KEY)
    )
    plan: dict[str, Any] = {"stages": [stage], "apiKeys": [key_name]}
    if isinstance(config.get("Description"), str):
        plan["description"] = config["Description"]
    throttle = config.get("Throttle")
    if isinstance(throttle, dict):
        limits = _throttle(template, throttle.get("RateLimit"), throttle.get("BurstLimit"))
        if limits:
            plan["throttle"] = limits
    quota = config.get("Quota")
    if isinstance(quota, dict) and isinstance(quota.get("Limit"), int):
        plan["quota"] = {"limit": quota["Limit"], "period": str(quota.get("Period", "MONTH"))}
        if isinstance(quota.get("Offset"), int):
            plan["quota"]["offset"] = quota["Offset"]
    result.usage_plans[plan_name] = plan
    result.api_keys[key_name] = {"enabled": True}


def _domains(
    template: Template, props: dict[str, Any], stage: str, http: bool
) -> list[dict[str, Any]]:
    domain = props.get("Domain")
    if not isinstance(domain, dict):
        return []
    name = template.text(domain.get("DomainName"), "")
    if not name:
        return []
    default_type = "REGIONAL" if http else "EDGE"
    entry: dict[str, Any] = {
        "name": name,
        "endpointType": template.text(domain.get("EndpointConfiguration"), default_type).upper(),
    }
    if "CertificateArn" in domain:
        entry["certificateArn"] = template.scalar(domain["CertificateArn"])
    for prop, key in (
        ("SecurityPolicy", "securityPolicy"),
        ("EndpointAccessMode", "endpointAccessMode"),
        ("OwnershipVerificationCertificateArn", "ownershipVerificationCertificateArn"),
    ):
        if prop in domain:
            entry[key] = template.scalar(domain[prop])
    route53 = domain.get("Route53")
    if isinstance(route53, dict):
        if isinstance(template.scalar(route53.get("HostedZoneName")), str):
            entry["hostedZoneName"] = template.scalar(route53["HostedZoneName"])
        elif isinstance(template.scalar(route53.get("HostedZoneId")), str):
            entry["hostedZoneId"] = template.scalar(route53["HostedZoneId"])
    paths = domain.get("BasePath")
    paths = paths if isinstance(paths, list) else [paths or "/"]
    entry["basePaths"] = {str(p).strip("/"): stage for p in paths}
    return [entry]


def _endpoint_type(props: dict[str, Any]) -> str | None:
    config = props.get("EndpointConfiguration")
    value = config.get("Type") if isinstance(config, dict) else config
    return value.upper() if isinstance(value, str) else None
