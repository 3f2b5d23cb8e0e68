"""CloudFormation resources around an API -> the rest of `x-apigwc`: stages, API keys, usage
plans, custom domains and Lambda functions.

Flows in: the `Template` and the logical id of the imported API. Flows out: plain dicts in the
`x-apigwc` dialect. A resource belongs to the API when its `RestApiId` / `ApiId` is a `Ref` to
it; keys belong when a usage plan of the API names them (`AWS::ApiGateway::UsagePlanKey`) or
their `StageKeys` name the API.
"""

from __future__ import annotations

import os
import posixpath
from typing import Any

from apigwc.importer.stages import _throttle, http_stage, rest_stage
from apigwc.importer.template import Resource, Template

FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")


def owned(template: Template, api_id: str, *types: str, key: str = "RestApiId") -> list[Resource]:
    return [
        r for r in template.of_type(*types) if template.ref_target(r.properties.get(key)) == api_id
    ]


def stage_name(template: Template, value: Any) -> str | None:
    """A stage named in a property: a string, a parameter, or a Ref to a Stage resource."""
    target = template.ref_target(value)
    if target in template.resources:
        stage = template.resources[target].properties.get("StageName")
        return template.name(stage, target)
    text = template.name(value, "")
    return text or None


# -- stages ------------------------------------------------------------------------------------


def rest_stages(template: Template, api_id: str) -> dict[str, dict[str, Any]]:
    stages: dict[str, dict[str, Any]] = {}
    for stage in owned(template, api_id, "AWS::ApiGateway::Stage"):
        name = template.name(stage.properties.get("StageName"), stage.logical_id)
        stages[name] = rest_stage(template, stage.properties, stage.prop())
    for deployment in owned(template, api_id, "AWS::ApiGateway::Deployment"):
        name = template.name(deployment.properties.get("StageName"), "")
        if name and name not in stages:
            description = deployment.properties.get("StageDescription")
            props = _stage_description(description) if isinstance(description, dict) else {}
            stages[name] = rest_stage(template, props, deployment.prop("StageDescription"))
    return stages


def _stage_description(description: dict[str, Any]) -> dict[str, Any]:
    """A Deployment's `StageDescription` names a few settings differently from a Stage."""
    props = dict(description)
    throttle = {
        k: props.pop(k) for k in ("ThrottlingRateLimit", "ThrottlingBurstLimit") if k in props
    }
    if throttle:
        settings = list(props.get("MethodSettings") or [])
        settings.insert(0, {"ResourcePath": "/*", "HttpMethod": "*", **throttle})
        props["MethodSettings"] = settings
    if "AccessLogSetting" not in props and "AccessLogSettings" in props:
        props["AccessLogSetting"] = props["AccessLogSettings"]
    return props


def http_stages(template: Template, api_id: str) -> dict[str, dict[str, Any]]:
    stages: dict[str, dict[str, Any]] = {}
    for stage in owned(template, api_id, "AWS::ApiGatewayV2::Stage", key="ApiId"):
        name = template.name(stage.properties.get("StageName"), stage.logical_id)
        stages[name] = http_stage(template, stage.properties, stage.prop())
    return stages


# -- API keys and usage plans ------------------------------------------------------------------


def _name(template: Template, resource: Resource, prop: str) -> str:
    return template.text(resource.properties.get(prop), resource.logical_id)


def usage_plans(template: Template, api_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(`usagePlans`, `apiKeys`) for the usage plans whose ApiStages name the API."""
    plans: dict[str, Any] = {}
    plan_names: dict[str, str] = {}
    for plan in template.of_type("AWS::ApiGateway::UsagePlan"):
        entry = _usage_plan(template, plan, api_id)
        if entry is not None:
            name = _name(template, plan, "UsagePlanName")
            plans[name] = entry
            plan_names[plan.logical_id] = name
    keys: dict[str, Any] = {}
    for link in template.of_type("AWS::ApiGateway::UsagePlanKey"):
        plan_id = template.ref_target(link.properties.get("UsagePlanId"))
        key_id = template.ref_target(link.properties.get("KeyId"))
        if plan_id in plan_names and key_id in template.resources:
            key = template.resources[key_id]
            key_name = _name(template, key, "Name")
            keys[key_name] = _api_key(template, key)
            plans[plan_names[plan_id]].setdefault("apiKeys", []).append(key_name)
    for key in template.of_type("AWS::ApiGateway::ApiKey"):
        stage_keys = key.properties.get("StageKeys")
        for entry in stage_keys if isinstance(stage_keys, list) else ():
            if isinstance(entry, dict) and template.ref_target(entry.get("RestApiId")) == api_id:
                keys.setdefault(_name(template, key, "Name"), _api_key(template, key))
    return plans, keys


def _usage_plan(template: Template, plan: Resource, api_id: str) -> dict[str, Any] | None:
    stages: list[str] = []
    method_throttles: dict[str, Any] = {}
    api_stages = plan.properties.get("ApiStages")
    for entry in api_stages if isinstance(api_stages, list) else ():
        if not isinstance(entry, dict) or template.ref_target(entry.get("ApiId")) != api_id:
            continue
        name = stage_name(template, entry.get("Stage"))
        if name:
            stages.append(name)
        throttles = entry.get("Throttle")
        for key, limits in (throttles.items() if isinstance(throttles, dict) else ()):
            if isinstance(limits, dict):
                limit = _throttle(template, limits.get("RateLimit"), limits.get("BurstLimit"))
                method_throttles[key] = limit or {}
    if not stages:
        return None
    entry_out: dict[str, Any] = {"stages": stages}
    description = template.scalar(plan.properties.get("Description"))
    if isinstance(description, str):
        entry_out["description"] = description
    throttle = plan.properties.get("Throttle")
    if isinstance(throttle, dict):
        limits = _throttle(template, throttle.get("RateLimit"), throttle.get("BurstLimit"))
        if limits:
            entry_out["throttle"] = limits
    quota = _quota(template, plan.properties.get("Quota"))
    if quota:
        entry_out["quota"] = quota
    if method_throttles:
        entry_out["methodThrottles"] = method_throttles
    return entry_out


def _quota(template: Template, quota: Any) -> dict[str, Any] | None:
    if not isinstance(quota, dict):
        return None
    limit, period = template.scalar(quota.get("Limit")), template.scalar(quota.get("Period"))
    if not isinstance(limit, int) or not isinstance(period, str):
        return None
    result: dict[str, Any] = {"limit": limit, "period": period.upper()}
    offset = template.scalar(quota.get("Offset"))
    if isinstance(offset, int):
        result["offset"] = offset
    return result


def _api_key(template: Template, key: Resource) -> dict[str, Any]:
    result: dict[str, Any] = {}
    value = template.scalar(key.properties.get("Value"))
    if isinstance(value, str):
        result["value"] = value
    enabled = template.scalar(key.properties.get("Enabled"))
    if isinstance(enabled, bool):
        result["enabled"] = enabled
    for prop, name in (("Description", "description"), ("CustomerId", "customerId")):
        text = template.scalar(key.properties.get(prop))
        if isinstance(text, str):
            result[name] = text
    return result


# -- custom domains ----------------------------------------------------------------------------


def rest_domains(template: Template, api_id: str) -> list[dict[str, Any]]:
    """Public domains (`DomainName` + `BasePathMapping`, or `ApiMapping` for multi-level base
    paths) and private ones (`DomainNameV2` + `BasePathMappingV2`)."""
    domains: list[dict[str, Any]] = []
    mappings = owned(
        template, api_id, "AWS::ApiGateway::BasePathMapping", "AWS::ApiGateway::BasePathMappingV2"
    ) + owned(template, api_id, "AWS::ApiGatewayV2::ApiMapping", key="ApiId")
    for domain in template.of_type("AWS::ApiGateway::DomainName", "AWS::ApiGateway::DomainNameV2"):
        name = template.text(domain.properties.get("DomainName"), "")
        base_paths = _base_paths(template, mappings, domain, name)
        if name and base_paths:
            domains.append(
                {"name": name, **_rest_domain(template, domain), "basePaths": base_paths}
            )
    return domains


def _rest_domain(template: Template, domain: Resource) -> dict[str, Any]:
    props = domain.properties
    config = props.get("EndpointConfiguration")
    types = config.get("Types") if isinstance(config, dict) else None
    endpoint = str(types[0]).upper() if isinstance(types, list) and types else "EDGE"
    result: dict[str, Any] = {"endpointType": endpoint}
    cert = props.get("RegionalCertificateArn") or props.get("CertificateArn")
    if cert is not None:
        result["certificateArn"] = template.scalar(cert)
    for prop, key in (
        ("SecurityPolicy", "securityPolicy"),
        ("EndpointAccessMode", "endpointAccessMode"),
        ("OwnershipVerificationCertificateArn", "ownershipVerificationCertificateArn"),
    ):
        if prop in props:
            result[key] = template.scalar(props[prop])
    tls = props.get("MutualTlsAuthentication")
    if isinstance(tls, dict) and isinstance(tls.get("TruststoreUri"), str):
        result["mutualTls"] = {"truststoreUri": tls["TruststoreUri"]}
        if isinstance(tls.get("TruststoreVersion"), str):
            result["mutualTls"]["truststoreVersion"] = tls["TruststoreVersion"]
    result.update(_hosted_zone(template, domain))
    return result


def http_domains(template: Template, api_id: str) -> list[dict[str, Any]]:
    domains: list[dict[str, Any]] = []
    mappings = owned(template, api_id, "AWS::ApiGatewayV2::ApiMapping", key="ApiId")
    for domain in template.of_type("AWS::ApiGatewayV2::DomainName"):
        name = template.text(domain.properties.get("DomainName"), "")
        base_paths = _base_paths(template, mappings, domain, name)
        if not (name and base_paths):
            continue
        configs = domain.properties.get("DomainNameConfigurations")
        config = (
            configs[0]
            if isinstance(configs, list) and configs and isinstance(configs[0], dict)
            else {}
        )
        entry: dict[str, Any] = {
            "name": name,
            "endpointType": str(config.get("EndpointType", "REGIONAL")).upper(),
        }
        if "CertificateArn" in config:
            entry["certificateArn"] = template.scalar(config["CertificateArn"])
        if "SecurityPolicy" in config:
            entry["securityPolicy"] = template.scalar(config["SecurityPolicy"])
        entry.update(_hosted_zone(template, domain))
        domains.append({**entry, "basePaths": base_paths})
    return domains


def _base_paths(
    template: Template, mappings: list[Resource], domain: Resource, name: str
) -> dict[str, str]:
    result: dict[str, str] = {}
    for mapping in mappings:
        target = mapping.properties.get("DomainName", mapping.properties.get("DomainNameArn"))
        if template.ref_target(target) != domain.logical_id and template.text(target, "") != name:
            continue
        key = "ApiMappingKey" if "ApiMappingKey" in mapping.properties else "BasePath"
        base = template.text(mapping.properties.get(key), "")
        stage = stage_name(template, mapping.properties.get("Stage"))
        result["" if base == "(none)" else base] = stage or ""
    return result


def _hosted_zone(template: Template, domain: Resource) -> dict[str, Any]:
    """The Route 53 record aliasing the domain (a RecordSet whose AliasTarget reads the
    domain's attributes) gives the hosted zone the emitters write the record into."""
    for record, zone_holder in _records(template):
        alias = record.get("AliasTarget")
        if (
            not isinstance(alias, dict)
            or template.ref_target(alias.get("DNSName")) != domain.logical_id
        ):
            continue
        for holder in (record, zone_holder):
            name = template.scalar(holder.get("HostedZoneName"))
            if isinstance(name, str):
                return {"hostedZoneName": name}
            zone = template.scalar(holder.get("HostedZoneId"))
            if isinstance(zone, str):
                return {"hostedZoneId": zone}
    return {}


def _records(template: Template) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Route 53 records with the properties that hold their zone: a RecordSet holds its own,
    a RecordSetGroup's records take the group's."""
    found = [(r.properties, r.properties) for r in template.of_type("AWS::Route53::RecordSet")]
    for group in template.of_type("AWS::Route53::RecordSetGroup"):
        records = group.properties.get("RecordSets")
        for record in records if isinstance(records, list) else ():
            if isinstance(record, dict):
                found.append((record, group.properties))
    return found


# -- functions ---------------------------------------------------------------------------------


def functions(template: Template, spec_dir: str) -> dict[str, Any]:
    """Every Lambda function with a handler -> `x-apigwc.functions` keyed by logical id (the
    name SAM-generated integration URIs use: `${Function.Arn}`)."""
    defaults = template.globals.get("Function")
    defaults = defaults if isinstance(defaults, dict) else {}
    result: dict[str, Any] = {}
    for function in template.of_type(*FUNCTION_TYPES):
        props = {**defaults, **function.properties}
        handler = template.scalar(props.get("Handler"))
        if not isinstance(handler, str) or "." not in handler:
            continue
        module, _, name = handler.rpartition(".")
        # `src/api/app.handler` names app.py in src/api under CodeUri: the folder joins the
        # code path and the handler keeps the module name (apigwc's `module:function`).
        folder, _, module = module.rpartition("/")
        if not all(part.isidentifier() for part in (*module.split("."), name)):
            template.report(
                "AGW139",
                function.prop("Handler"),
                what=f"function {function.logical_id}",
                reason=f"handler {handler!r} names no Python module:function to run locally",
            )
            continue
        entry: dict[str, Any] = {"handler": f"{module}:{name}"}
        runtime = template.scalar(props.get("Runtime"))
        code_uri = _code_uri(template, props, spec_dir)
        reason = _not_local(runtime, code_uri)
        if reason:
            template.report(
                "AGW139", function.prop(), what=f"function {function.logical_id}", reason=reason
            )
            continue
        assert code_uri is not None
        entry["codeUri"] = (
            posixpath.normpath(posixpath.join(code_uri, folder)) if folder else code_uri
        )
        if isinstance(runtime, str):
            entry["runtime"] = runtime
        for prop, key in (
            ("Timeout", "timeout"),
            ("MemorySize", "memorySize"),
            ("ReservedConcurrentExecutions", "reservedConcurrentExecutions"),
        ):
            value = template.scalar(props.get(prop))
            if isinstance(value, int) and not isinstance(value, bool):
                entry[key] = value
        env = props.get("Environment")
        variables = env.get("Variables") if isinstance(env, dict) else None
        strings = {
            k: str(template.scalar(v))
            for k, v in (variables.items() if isinstance(variables, dict) else ())
            if isinstance(template.scalar(v), (str, int, float))
        }
        if strings:
            entry["environment"] = strings
        result[function.logical_id] = entry
    return result


def _not_local(runtime: Any, code_uri: str | None) -> str:
    """Why a function cannot run in apigwc's local runtime ('' when it can): the runtime runs
    Python handlers from a local folder."""
    if isinstance(runtime, str) and not runtime.startswith("python"):
        return f"its runtime {runtime} is not Python, which the local runtime runs"
    if code_uri is None:
        return "its code is in S3 or inline, not in a local folder"
    return ""


def _code_uri(template: Template, props: dict[str, Any], spec_dir: str) -> str | None:
    """A local CodeUri folder, rewritten relative to the written spec; None for code in S3,
    inline, or a folder that is not there."""
    code = template.scalar(props.get("CodeUri"))
    if code is None and "InlineCode" not in props:
        code = "."  # SAM packages the template's own folder when CodeUri is absent
    if not isinstance(code, str) or code.startswith("s3://"):
        return None
    folder = template.local_path(code)
    if not os.path.isdir(folder):
        return None
    relative = os.path.relpath(os.path.abspath(folder), os.path.abspath(spec_dir or "."))
    return posixpath.normpath(relative.replace(os.sep, "/"))
