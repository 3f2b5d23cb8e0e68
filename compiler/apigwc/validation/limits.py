"""Target limits and HTTP-vs-REST feature gates (reference §5, §2.10, §1.9, §1.10, §1.15).

Flows in: the IR `Api` (counts of stages, authorizers and documentation parts; root settings;
CORS; tags; `x-apigwc` features). Flows out: AGW520 to AGW569. A quota that AWS raises on request
is a warning (the deploy fails unless the account's quota was raised); a fixed limit is an error.
Route and model limits live with the route rules.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from apigwc.diagnostics.catalogue import Code
from apigwc.diagnostics.model import Origin, Severity
from apigwc.ir.api import Api
from apigwc.ir.deployment import Deployment
from apigwc.ir.enums import EndpointType, Protocol
from apigwc.validation.base import Report
from apigwc.validation.examples import document, operation

E, W = Severity.ERROR, Severity.WARNING
_HTTP = "x-amazon-apigateway-importexport-version: '1.0'\n"
_HTTP_OP = operation(
    "      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, "
    "uri: 'https://example.com', payloadFormatVersion: '1.0'}\n"
)


def _stages(count: int) -> str:
    return "x-apigwc:\n  stages:\n" + "".join(f"    s{i}: {{}}\n" for i in range(count))


def _authorizers(count: int) -> str:
    uri = (
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:us-east-1:123456789012:function:Auth/invocations"
    )
    body = "components:\n  securitySchemes:\n"
    for i in range(count):
        body += (
            f"    a{i}:\n      {{type: apiKey, name: Authorization, in: header, "
            f"x-amazon-apigateway-authorizer: {{type: token, authorizerUri: '{uri}'}}}}\n"
        )
    return body


def _parts(count: int) -> str:
    part = "    - {location: {type: API}, properties: {description: d}}\n"
    return "x-amazon-apigateway-documentation:\n  documentationParts:\n" + part * count


def _cors(body: str) -> str:
    return document(_HTTP + _HTTP_OP + f"x-amazon-apigateway-cors: {{{body}}}\n")


CODES = (
    Code(
        "AGW520",
        "too-many-stages",
        W,
        "x-apigwc declares {count} stages; API Gateway allows 10 per API unless the quota was raised",
        "drop unused stages, or ask AWS to raise 'Stages per API'",
        "Stages per API: 10 (raisable).",
        bad=document(_stages(11)),
        good=document(_stages(10)),
    ),
    Code(
        "AGW521",
        "too-many-authorizers",
        W,
        "the API defines {count} authorizers; API Gateway allows 10 per API unless the quota was raised",
        "share authorizers between methods, or ask AWS Support to raise 'Authorizers per API'",
        "Authorizers per API: 10 (raisable through AWS Support).",
        bad=document(_authorizers(11)),
        good=document(_authorizers(10)),
    ),
    Code(
        "AGW522",
        "too-many-documentation-parts",
        W,
        "x-amazon-apigateway-documentation has {count:,} parts; API Gateway allows 2,000 per API unless the quota was raised",
        "merge parts, or import with ignore=documentation",
        "Documentation parts per API: 2,000 (raisable through AWS Support).",
        bad=document(_parts(2001)),
        good=document(_parts(3)),
    ),
    Code(
        "AGW523",
        "binary-media-type-form",
        W,
        "binary media type {value!r} is not a type/subtype media range; it never matches a Content-Type",
        "write it like image/png, image/* or */*",
        "x-amazon-apigateway-binary-media-types lists media types (with `*` wildcards) compared with "
        "the request's Content-Type and Accept headers.",
        bad=document("x-amazon-apigateway-binary-media-types: [png]\n"),
        good=document("x-amazon-apigateway-binary-media-types: [image/png]\n"),
    ),
    Code(
        "AGW524",
        "minimum-compression-size",
        E,
        "x-amazon-apigateway-minimum-compression-size is {value:,}; API Gateway accepts 0 to 10,485,760",
        "use a size in bytes from 0 (compress everything) to 10485760, or remove it to turn compression off",
        "The minimum compression size is 0 to 10,485,760 bytes.",
        bad=document("x-amazon-apigateway-minimum-compression-size: 20000000\n"),
        good=document("x-amazon-apigateway-minimum-compression-size: 1024\n"),
    ),
    Code(
        "AGW525",
        "tag-form",
        E,
        "{where}: tag {key!r} {problem}",
        "tag keys are at most 128 characters and do not start with 'aws:'; values at most 256; "
        "letters, digits, spaces and _ . : / = + - @",
        "AWS resource tags: key at most 128 characters without the reserved `aws:` prefix, value at most 256.",
        bad=document(
            _HTTP
            + _HTTP_OP
            + "tags:\n  - {name: 'aws:team', x-amazon-apigateway-tag-value: pets}\n"
        ),
        good=document(
            _HTTP + _HTTP_OP + "tags:\n  - {name: team, x-amazon-apigateway-tag-value: pets}\n"
        ),
    ),
    Code(
        "AGW526",
        "too-many-stage-tags",
        E,
        "stage {stage!r} has {count} tags; API Gateway allows 50 per stage",
        "keep at most 50 tags",
        "Tags per stage: 50 (not raisable).",
        bad=document(
            "x-apigwc:\n  stages:\n    prod:\n      tags: {"
            + ", ".join(f"t{i}: v" for i in range(51))
            + "}\n"
        ),
        good=document("x-apigwc:\n  stages:\n    prod:\n      tags: {team: pets}\n"),
    ),
    Code(
        "AGW527",
        "cors-max-age",
        E,
        "x-amazon-apigateway-cors maxAge is {value}; HTTP APIs accept -1 to 86400",
        "use a number of seconds from 0 to 86400, or -1 to turn preflight caching off",
        "CORS maxAge: -1 to 86,400 seconds.",
        bad=_cors("allowOrigins: ['https://example.com'], maxAge: 100000"),
        good=_cors("allowOrigins: ['https://example.com'], maxAge: 86400"),
    ),
    Code(
        "AGW528",
        "cors-credentials-wildcard",
        E,
        "x-amazon-apigateway-cors allows credentials with the wildcard origin '*'",
        "list the allowed origins explicitly, or turn allowCredentials off",
        "Browsers refuse credentialed responses with `Access-Control-Allow-Origin: *`, and API "
        "Gateway refuses this CORS configuration.",
        bad=_cors("allowOrigins: ['*'], allowCredentials: true"),
        good=_cors("allowOrigins: ['https://example.com'], allowCredentials: true"),
    ),
    Code(
        "AGW529",
        "http-feature-ignored",
        W,
        "{feature} is a REST API feature; AWS ignores it for this HTTP API",
        "remove it, or deploy the API as REST (x-apigwc.protocol: REST)",
        "HTTP APIs have no API keys, usage plans, caching, canary deployments, X-Ray tracing or "
        "request validation (HTTP vs REST feature table).",
        bad=document(_HTTP + _HTTP_OP + "x-apigwc:\n  apiKeys:\n    partner: {}\n"),
        good=document(_HTTP + _HTTP_OP + "x-apigwc:\n  stages:\n    prod: {}\n"),
    ),
    Code(
        "AGW530",
        "http-endpoint-type",
        E,
        "x-apigwc.endpointType is {endpoint}; HTTP APIs are REGIONAL only",
        "set endpointType: REGIONAL, or deploy as a REST API",
        "HTTP APIs have no edge-optimized or private endpoints.",
        bad=document(_HTTP + _HTTP_OP + "x-apigwc: {endpointType: EDGE}\n"),
        good=document(_HTTP + _HTTP_OP + "x-apigwc: {endpointType: REGIONAL}\n"),
    ),
    Code(
        "AGW531",
        "too-many-route-scopes",
        E,
        "route {route} requires {count} scopes; HTTP APIs allow 10 per route",
        "keep at most 10 scopes on a route",
        "Scopes per route: 10 (HTTP API quotas, not raisable).",
        bad=document(
            _HTTP
            + operation(
                "      security: [{jwt: [" + ", ".join(f"s{i}" for i in range(11)) + "]}]\n"
                "      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, "
                "uri: 'https://example.com', payloadFormatVersion: '1.0'}\n"
            )
            + "components:\n  securitySchemes:\n    jwt:\n      type: oauth2\n      flows: {}\n"
            "      x-amazon-apigateway-authorizer:\n        type: jwt\n"
            "        identitySource: $request.header.Authorization\n"
            "        jwtConfiguration: {issuer: 'https://issuer.example.com', audience: [c1]}\n"
        ),
        good=document(
            _HTTP
            + operation(
                "      security: [{jwt: [s1]}]\n"
                "      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, "
                "uri: 'https://example.com', payloadFormatVersion: '1.0'}\n"
            )
            + "components:\n  securitySchemes:\n    jwt:\n      type: oauth2\n      flows: {}\n"
            "      x-amazon-apigateway-authorizer:\n        type: jwt\n"
            "        identitySource: $request.header.Authorization\n"
            "        jwtConfiguration: {issuer: 'https://issuer.example.com', audience: [c1]}\n"
        ),
    ),
    Code(
        "AGW532",
        "too-many-usage-plans-per-key",
        W,
        "API key {key!r} is in {count} usage plans; API Gateway allows 10 per key unless the quota was raised",
        "give the key fewer plans, or ask AWS to raise 'Usage plans per API key'",
        "Usage plans per API key: 10 (raisable).",
        bad=document(
            "x-apigwc:\n  apiKeys: {k: {}}\n  usagePlans:\n"
            + "".join(f"    p{i}: {{apiKeys: [k]}}\n" for i in range(11))
        ),
        good=document("x-apigwc:\n  apiKeys: {k: {}}\n  usagePlans:\n    p1: {apiKeys: [k]}\n"),
    ),
    Code(
        "AGW533",
        "api-key-name-length",
        E,
        "API key name {key!r} is {length:,} characters; API Gateway allows 1,024",
        "use a shorter name",
        "API key names are at most 1,024 characters.",
        bad=document(
            "x-apigwc:\n  apiKeys:\n    ? " + "k" * 1025 + "\n    : {}\n"
        ),  # an explicit key: YAML caps implicit ones at 1024
        good=document("x-apigwc:\n  apiKeys:\n    partner: {}\n"),
    ),
    Code(
        "AGW534",
        "vpc-endpoints-not-private",
        W,
        "vpcEndpointIds are set but x-apigwc.endpointType is {endpoint}; they apply to PRIVATE APIs only",
        "set endpointType: PRIVATE, or remove vpcEndpointIds",
        "VPC endpoint ids in x-amazon-apigateway-endpoint-configuration are for private REST APIs.",
        bad=document(
            "servers:\n  - url: https://example.com\n    x-amazon-apigateway-endpoint-configuration:\n"
            "      vpcEndpointIds: [vpce-0123456789abcdef0]\nx-apigwc: {endpointType: REGIONAL}\n"
        ),
        good=document(
            "servers:\n  - url: https://example.com\n    x-amazon-apigateway-endpoint-configuration:\n"
            "      disableExecuteApiEndpoint: true\nx-apigwc: {endpointType: REGIONAL}\n"
        ),
    ),
)

_MEDIA_RANGE = re.compile(r"[A-Za-z0-9!#$&^_.+*-]+/[A-Za-z0-9!#$&^_.+*-]+(\s*;.*)?")
_TAG_CHARS = frozenset("_.:/=+-@ ")


def check(api: Api, report: Report) -> None:
    _check_counts(api, report)
    _check_root_settings(api, report)
    _check_tags(api, report)
    if api.protocol is Protocol.HTTP:
        _check_http(api, report)
    _check_api_keys(api, report)
    config = api.endpoint_configuration
    endpoint = api.deployment.endpoint_type
    if (
        config is not None
        and config.vpc_endpoint_ids
        and endpoint not in (None, EndpointType.PRIVATE)
    ):
        assert endpoint is not None
        where = config.origin.child("vpcEndpointIds") if config.origin else None
        report("AGW534", where, endpoint=endpoint.value)


def _root(api: Api, *tokens: str | int) -> Origin | None:
    return api.origin.child(*tokens) if api.origin else None


def _check_counts(api: Api, report: Report) -> None:
    stages = api.deployment.stages
    if len(stages) > 10:
        report("AGW520", _root(api, "x-apigwc", "stages"), at_key=True, count=len(stages))
    authorizers = [s for s in api.security_schemes if s.authorizer is not None]
    if len(authorizers) > 10:
        report("AGW521", authorizers[10].origin, at_key=True, count=len(authorizers))
    documentation = api.documentation
    if documentation is not None and len(documentation.parts) > 2000:
        report("AGW522", documentation.origin, at_key=True, count=len(documentation.parts))


def _check_root_settings(api: Api, report: Report) -> None:
    for i, media_type in enumerate(api.binary_media_types):
        if not _MEDIA_RANGE.fullmatch(media_type.strip()):
            report(
                "AGW523", _root(api, "x-amazon-apigateway-binary-media-types", i), value=media_type
            )
    size = api.minimum_compression_size
    if isinstance(size, int) and not 0 <= size <= 10_485_760:
        report("AGW524", _root(api, "x-amazon-apigateway-minimum-compression-size"), value=size)


def _check_tags(api: Api, report: Report) -> None:
    if api.protocol is Protocol.HTTP:  # REST `tags` are OpenAPI tags, not AWS resource tags
        for tag in api.tags:
            problem = tag_problem(tag.name, tag.value or "")
            if problem:
                report("AGW525", tag.origin, where="the API", key=tag.name, problem=problem)
    for name, stage in api.deployment.stages.items():
        at = _root(api, "x-apigwc", "stages", name, "tags")
        if len(stage.tags) > 50:
            report("AGW526", at, at_key=True, stage=name, count=len(stage.tags))
        for key, value in stage.tags.items():
            problem = tag_problem(key, value)
            if problem:
                where = at.child(key) if at else None
                report(
                    "AGW525", where, at_key=True, where=f"stage {name!r}", key=key, problem=problem
                )


def tag_problem(key: str, value: str) -> str:
    """Why an AWS resource tag is refused; "" when it is fine."""
    if not key or len(key) > 128:
        return "has a key that is empty or over 128 characters"
    if key.lower().startswith("aws:"):
        return "uses the reserved 'aws:' prefix"
    if len(value) > 256:
        return "has a value over 256 characters"
    if not all(c.isalnum() or c in _TAG_CHARS for c in key + value):
        return "has characters outside letters, digits, spaces and _ . : / = + - @"
    return ""


def _check_http(api: Api, report: Report) -> None:
    cors = api.cors
    if cors is not None:
        if cors.max_age is not None and not -1 <= cors.max_age <= 86_400:
            where = cors.origin.child("maxAge") if cors.origin else None
            report("AGW527", where, value=cors.max_age)
        if cors.allow_credentials and "*" in cors.allow_origins:
            where = cors.origin.child("allowCredentials") if cors.origin else None
            report("AGW528", where)
    endpoint = api.deployment.endpoint_type
    if endpoint is not None and endpoint is not EndpointType.REGIONAL:
        report("AGW530", _root(api, "x-apigwc", "endpointType"), endpoint=endpoint.value)
    for feature, tokens in _rest_only_features(api.deployment):
        report("AGW529", _root(api, "x-apigwc", *tokens), at_key=True, feature=feature)
    _check_routes(api, report)


def _rest_only_features(deployment: Deployment) -> Iterator[tuple[str, tuple[str, ...]]]:
    if deployment.api_keys:
        yield "x-apigwc.apiKeys (API keys)", ("apiKeys",)
    if deployment.usage_plans:
        yield "x-apigwc.usagePlans (usage plans)", ("usagePlans",)
    for name, stage in deployment.stages.items():
        at = ("stages", name)
        if stage.cache is not None and stage.cache.enabled:
            yield f"stage {name!r} cache (caching)", (*at, "cache")
        if stage.canary is not None:
            yield f"stage {name!r} canary (canary deployments)", (*at, "canary")
        if stage.tracing:
            yield f"stage {name!r} tracing (X-Ray)", (*at, "tracing")
        for key, setting in stage.method_settings.items():
            if setting.caching is not None and setting.caching.enabled:
                yield f"stage {name!r} method caching", (*at, "methodSettings", key, "caching")


def _check_routes(api: Api, report: Report) -> None:
    for method in api.methods:
        for requirement in method.security or ():
            for name, scopes in requirement.schemes.items():
                if len(scopes) > 10:
                    report("AGW531", requirement.origin, route=method.route_key, count=len(scopes))
                scheme = api.security_scheme(name)
                if scheme is not None and scheme.is_api_key:
                    feature = f"the API key requirement {name!r}"
                    report("AGW529", requirement.origin, feature=feature)


def _check_api_keys(api: Api, report: Report) -> None:
    plans_per_key = Counter(
        k for plan in api.deployment.usage_plans.values() for k in plan.api_keys
    )
    for key, count in plans_per_key.items():
        if count > 10 and key in api.deployment.api_keys:
            report(
                "AGW532", _root(api, "x-apigwc", "apiKeys", key), at_key=True, key=key, count=count
            )
    for key in api.deployment.api_keys:
        if len(key) > 1024:
            where = _root(api, "x-apigwc", "apiKeys", key)
            report("AGW533", where, at_key=True, key=key[:40] + "...", length=len(key))
