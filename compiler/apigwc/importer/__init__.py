"""`apigwc import`: a CloudFormation / SAM template (or an API Gateway export) -> a spec with
`x-apigwc` that apigwc builds.

Flows in: a file path and, for a template with several APIs, the logical id to import. Flows out:
`Imported` (the spec as a plain dict, the APIs found, every diagnostic in one `Sink` located at
file:line:col of the template) and `render` (the spec as YAML text). One module per source shape:

    template.py     reading the file, parameters, includes, local files for S3 locations
    bodies.py       Body / DefinitionBody / BodyS3Location / DefinitionUri
    sam.py          AWS::Serverless::Api / HttpApi (+ sam_events, sam_auth, sam_body)
    resources.py    an explicit AWS::ApiGateway::Resource / Method / ... tree
    v2.py           AWS::ApiGatewayV2::Route / Integration / Authorizer, WebSocket APIs
    stages.py, deployment.py   stages, API keys, usage plans, domains, functions -> x-apigwc
    monitoring.py   CloudWatch alarms on the API's metrics -> x-apigwc.monitoring
    degrade.py      what SAM accepts but API Gateway would refuse, degraded with a warning
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

from apigwc.diagnostics.model import Origin
from apigwc.diagnostics.sink import Sink
from apigwc.importer import deployment as dep
from apigwc.importer.bodies import read_definition, read_location, undo_substitutions
from apigwc.importer.degrade import degrade
from apigwc.importer.monitoring import import_monitoring
from apigwc.importer.resources import add_tree, empty_body, has_tree
from apigwc.importer.sam import import_sam_api
from apigwc.importer.sam_events import IMPLICIT_HTTP, IMPLICIT_REST, api_events, event_api_id
from apigwc.importer.template import Resource, Template, read_template
from apigwc.importer.v2 import add_http_routes, websocket
from apigwc.ir.deployment import DEFAULT_ACCOUNT, DEFAULT_REGION, DEFAULT_STAGE

__all__ = ["ApiEntry", "Imported", "discover", "import_file", "render", "spec_dir_for"]

REST_API = "AWS::ApiGateway::RestApi"
V2_API = "AWS::ApiGatewayV2::Api"
SAM_API = "AWS::Serverless::Api"
SAM_HTTP_API = "AWS::Serverless::HttpApi"


@dataclass(frozen=True)
class ApiEntry:
    logical_id: str
    kind: str  # "rest" | "http" | "websocket" | "sam-rest" | "sam-http"
    resource: Resource | None  # None for SAM's implicit API


@dataclass
class Imported:
    path: str
    sink: Sink = field(default_factory=Sink)
    spec: dict[str, Any] | None = None
    api_id: str | None = None
    apis: list[ApiEntry] = field(default_factory=list)
    template: Template | None = None


def import_file(
    path: str,
    *,
    api_id: str | None = None,
    spec_dir: str = ".",
    allow_roots: tuple[str, ...] = (),
) -> Imported:
    """Import one API of the file; `spec_dir` is where the spec will be written (function
    code paths and `$ref`s are made relative to it); files are read from the template's
    folder tree and `allow_roots`."""
    result = Imported(path)
    template = read_template(path, result.sink, allow_roots)
    result.template = template
    if template is None:
        return result
    template.spec_dir = spec_dir
    data = template.data
    root = Origin(template.path, "")
    if (
        isinstance(data, dict)
        and "Resources" not in data
        and ("openapi" in data or "swagger" in data)
    ):
        result.spec = read_definition(template, data, root)  # already an API Gateway export
        return result
    result.apis = discover(template)
    chosen = _choose(template, result.apis, api_id, root)
    if chosen is None:
        return result
    result.api_id = chosen.logical_id
    result.spec = build_spec(template, chosen, spec_dir)
    sockets = [a for a in result.apis if a.kind == "websocket" and a.resource is not None]
    if result.spec is not None and chosen.kind != "websocket" and len(sockets) == 1:
        # x-apigwc carries one WebSocket API beside the REST / HTTP one (what `apigwc build`
        # emits as a second AWS::ApiGatewayV2::Api): a template with exactly that shape
        # imports back into one spec.
        assert sockets[0].resource is not None
        apigwc = result.spec.setdefault("x-apigwc", {})
        socket = undo_substitutions(template, websocket(template, sockets[0].resource))
        apigwc.setdefault("websocket", socket)
    return result


def discover(template: Template) -> list[ApiEntry]:
    """The template's APIs in template order; SAM's implicit APIs where their first event is."""
    entries: list[ApiEntry] = []
    kinds = {REST_API: "rest", SAM_API: "sam-rest", SAM_HTTP_API: "sam-http"}
    for resource in template.resources.values():
        if resource.type in kinds:
            entries.append(ApiEntry(resource.logical_id, kinds[resource.type], resource))
        elif resource.type == V2_API:
            protocol = str(resource.properties.get("ProtocolType", "HTTP")).upper()
            kind = "websocket" if protocol == "WEBSOCKET" else "http"
            entries.append(ApiEntry(resource.logical_id, kind, resource))
        for event in api_events(template):
            target = event_api_id(template, event)
            if (
                event.function.logical_id == resource.logical_id
                and target in (IMPLICIT_REST, IMPLICIT_HTTP)
                and target not in template.resources
                and all(e.logical_id != target for e in entries)
            ):
                kind = "sam-rest" if target == IMPLICIT_REST else "sam-http"
                entries.append(ApiEntry(target, kind, None))
    return entries


def _choose(
    template: Template, apis: list[ApiEntry], api_id: str | None, root: Origin
) -> ApiEntry | None:
    names = ", ".join(a.logical_id for a in apis) or "none"
    if not apis:
        reason = "no API resource and no function event of type Api or HttpApi"
        template.report("AGW130", root, path=template.path, reason=reason)
        return None
    if api_id is not None:
        chosen = next((a for a in apis if a.logical_id == api_id), None)
        if chosen is None:
            template.report("AGW131", root, api_id=api_id, apis=names)
        return chosen
    if len(apis) > 1:
        others = ", ".join(a.logical_id for a in apis[1:])
        where = apis[0].resource.origin if apis[0].resource else root
        template.report("AGW132", where, api_id=apis[0].logical_id, apis=others)
    return apis[0]


def build_spec(template: Template, api: ApiEntry, spec_dir: str) -> dict[str, Any] | None:
    settings: dict[str, Any] = {}
    if api.kind in ("sam-rest", "sam-http"):
        sam = import_sam_api(template, api.logical_id, api.resource, api.kind == "sam-http")
        if sam.body is None:
            return None
        body = sam.body
        settings = {
            "endpointType": sam.endpoint_type,
            "stages": sam.stages,
            "apiKeys": sam.api_keys,
            "usagePlans": sam.usage_plans,
            "domains": sam.domains,
        }
    else:
        assert api.resource is not None
        built = _resource_api(template, api, api.resource)
        if built is None:
            return None
        body, settings = built
    functions = dep.functions(template, spec_dir)
    http = api.kind in ("http", "sam-http")
    if api.kind != "websocket":  # CloudWatch alarms as `x-apigwc.monitoring` emits them
        names = list(settings.get("stages") or {}) or [DEFAULT_STAGE]
        settings["monitoring"] = import_monitoring(template, api.logical_id, body, names, http)
    if api.resource is not None and api.kind == "rest":
        _rest_api_properties(api.resource, body)
    body = degrade(template, body, _body_origin(template, api), http, api.logical_id)
    _normalise(body, settings, http)
    return _with_apigwc(body, settings, functions, http=http)


def _body_origin(template: Template, api: ApiEntry) -> Origin:
    """Where the API's definition is written in the template (its warnings point there)."""
    if api.resource is None:
        return Origin(template.path, "")
    for prop in ("DefinitionBody", "Body"):
        if prop in api.resource.properties:
            return api.resource.prop(prop)
    return api.resource.prop()


def _normalise(body: dict[str, Any], settings: dict[str, Any], http: bool) -> None:
    """What API Gateway's importer reads differently from the letter of the document."""
    paths = body.get("paths")
    if http and isinstance(paths, dict) and "$default" in paths:
        # SAM writes the default route under `$default`; API Gateway exports it as `/$default`.
        item = paths.pop("$default")
        existing = paths.get("/$default")
        paths["/$default"] = (
            {**item, **existing} if isinstance(existing, dict) and isinstance(item, dict) else item
        )
    if not http and "openapi" not in body and "swagger" not in body and isinstance(paths, dict):
        body["swagger"] = "2.0"  # a REST body with paths and no version, as SAM takes it
    stages = settings.get("stages")
    if http and isinstance(stages, dict) and stages.get("$default") == {}:
        # the auto-deployed `$default` stage is what apigwc serves when no stage is named
        del stages["$default"]
    if isinstance(stages, dict) and list(stages) == [DEFAULT_STAGE] and not stages[DEFAULT_STAGE]:
        del stages[DEFAULT_STAGE]  # one bare "dev" stage is what x-apigwc means by no stages
    if settings.get("endpointType") == "EDGE":
        del settings["endpointType"]  # API Gateway's default endpoint type


def _rest_api_properties(resource: Resource, body: dict[str, Any]) -> None:
    """RestApi properties that override or complete the body, as API Gateway applies them."""
    props = resource.properties
    for prop, key in (
        ("Policy", "x-amazon-apigateway-policy"),
        ("BinaryMediaTypes", "x-amazon-apigateway-binary-media-types"),
        ("MinimumCompressionSize", "x-amazon-apigateway-minimum-compression-size"),
        ("ApiKeySourceType", "x-amazon-apigateway-api-key-source"),
    ):
        if prop in props and key not in body:
            body[key] = props[prop]


def _resource_api(
    template: Template, api: ApiEntry, resource: Resource
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    body = _resource_body(template, resource)
    if body is None:
        return None
    api_id = api.logical_id
    if api.kind == "rest":
        if has_tree(template, api_id):
            add_tree(template, api_id, body)
        plans, keys = dep.usage_plans(template, api_id)
        settings = {
            "endpointType": _rest_endpoint_type(resource),
            "stages": dep.rest_stages(template, api_id),
            "apiKeys": keys,
            "usagePlans": plans,
            "domains": dep.rest_domains(template, api_id),
        }
        return body, settings
    if api.kind == "http":
        add_http_routes(template, resource, body)
    settings = {
        "stages": dep.http_stages(template, api_id),
        "domains": dep.http_domains(template, api_id),
    }
    if api.kind == "websocket":
        settings["websocket"] = undo_substitutions(template, websocket(template, resource))
    return body, settings


def _resource_body(template: Template, resource: Resource) -> dict[str, Any] | None:
    props = resource.properties
    body = None
    if "Body" in props:
        body = read_definition(template, props["Body"], resource.prop("Body"))
    elif "BodyS3Location" in props:
        where = resource.prop("BodyS3Location")
        body = read_location(template, props["BodyS3Location"], where, "BodyS3Location")
    if body is not None:
        return undo_substitutions(template, body)
    if ("Body" in props or "BodyS3Location" in props) and not template.definition_not_local:
        return None  # the definition was there but unreadable: reported already
    title = template.text(props.get("Name"), resource.logical_id)
    return empty_body(title)


def _rest_endpoint_type(resource: Resource) -> str | None:
    config = resource.properties.get("EndpointConfiguration")
    types = config.get("Types") if isinstance(config, dict) else None
    return str(types[0]).upper() if isinstance(types, list) and types else None


def _with_apigwc(
    body: dict[str, Any], settings: dict[str, Any], functions: dict[str, Any], http: bool
) -> dict[str, Any]:
    """The body with `x-apigwc` last: what the template says about deployment, keeping any
    `x-apigwc` the body already had (a spec exported with `--extensions apigwc`)."""
    from apigwc.lowering.protocol import http_evidence

    own = body.get("x-apigwc")
    apigwc: dict[str, Any] = dict(own) if isinstance(own, dict) else {}
    evidence = http_evidence(body)
    if http and evidence is None and "websocket" not in settings:
        apigwc.setdefault("protocol", "HTTP")  # an OpenAPI body alone would read as REST
    elif not http and evidence is not None:
        apigwc.setdefault("protocol", "REST")
    settings = {**_region_account(spec_values(body, settings)), **settings}
    for key, value in (*settings.items(), ("functions", functions)):
        if value:
            apigwc.setdefault(key, value)
    spec = {k: v for k, v in body.items() if k != "x-apigwc"}
    if apigwc:
        spec["x-apigwc"] = apigwc
    return spec


SERVICE_ARN = re.compile(r"arn:aws[a-z-]*:apigateway:([a-z]{2}(?:-[a-z]+)+-\d):")
LAMBDA_ARN = re.compile(r"arn:aws[a-z-]*:lambda:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):")


def spec_values(*values: Any) -> list[str]:
    """Every string in the values (the body and settings), for the region scan below."""
    found: list[str] = []
    stack = list(values)
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return found


def _region_account(strings: list[str]) -> dict[str, str]:
    """The region and account the API was written for, when every literal service and Lambda
    ARN in it names the same one (a template has none of its own: it deploys anywhere)."""
    regions = {m for s in strings for m in SERVICE_ARN.findall(s)}
    lambdas = {m for s in strings for m in LAMBDA_ARN.findall(s)}
    regions |= {region for region, _ in lambdas}
    accounts = {account for _, account in lambdas}
    result = {}
    if len(regions) == 1 and regions != {DEFAULT_REGION}:
        result["region"] = regions.pop()
    if len(accounts) == 1 and accounts != {DEFAULT_ACCOUNT}:
        result["account"] = accounts.pop()
    return result


def render(spec: dict[str, Any]) -> str:
    """The spec as YAML, intrinsics in their long form (`Fn::Sub:`), keys in document order."""
    from apigwc.export import serialize

    return serialize(spec, "yaml")


def spec_dir_for(output: str | None) -> str:
    return os.path.dirname(os.path.abspath(output)) if output else os.getcwd()
