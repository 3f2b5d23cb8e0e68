"""The runtime emitter's data: IR -> the plain dicts and tuples the generated `app.py` holds.

Flows in: the validated IR. Flows out: `api_data` (settings the pipeline reads once, built as
`runtime/pipeline/plan.ApiSettings`),
`route_data` (one entry per method: path, method, security needs, integration config, built as
the runtime's own typed record, `runtime/pipeline/plan.RouteEntry`, and rendered with its
`to_data`) and
`functions_folders` (function code folders to copy). Only plain values come out (str, int,
bool, None, lists, dicts), so the emitter can render them as literals. Deploy-time values
(intrinsics) are resolved where a local run can (a Lambda ARN built with `Fn::Sub`/`GetAtt`
names its function); anything else becomes None and the route answers as a misconfigured
integration.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from apigwc.emitters import EmitContext
from apigwc.ir.api import Api, model_ref_name
from apigwc.ir.base import UnresolvedIntrinsic, resolve_pseudo
from apigwc.ir.deployment import MethodCaching as IrMethodCaching
from apigwc.ir.deployment import Stage, Throttle, WebSocketAuthorizer
from apigwc.ir.enums import (
    AuthorizerType,
    ContentHandling,
    EndpointType,
    IntegrationType,
    Protocol,
)
from apigwc.ir.integration import Integration, lambda_function
from apigwc.ir.method import Method
from apigwc.loader.files import copyable
from apigwc.lowering.effective import (
    effective_security,
    integration_uri,
    local_pseudo_parameters,
    request_validator,
    uses_iam_auth,
)
from apigwc.lowering.token_issuers import scheme_issuers
from apigwc.runtime.pipeline.plan import (
    API_KEY,
    AUTHORIZER,
    ApiKeyEntry,
    ApiSettings,
    AuthorizerConfig,
    IamCredential,
    JwtAuthorizerConfig,
    MethodCaching,
    MethodValidation,
    QuotaSettings,
    RouteEntry,
    StageCache,
    StageSettings,
    ThrottleLimits,
    TokenIssuer,
    UsagePlanEntry,
    WebSocketRouteEntry,
    WebSocketSettings,
)
from apigwc.runtime.security.jwt_keys import MAX_JWKS_BYTES, public_jwks
from apigwc.runtime.security.resource_policy import UNRESOLVED, statements


def short_id(*parts: str, length: int = 10) -> str:
    """A stable lowercase id (apiId, resourceId) derived from the spec, as AWS's look."""
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()
    return digest[:length]


def comment_text(text: str) -> str:
    """Spec text for a `#` comment: JSON-escaped so no newline or control character survives."""
    return json.dumps(text, ensure_ascii=True)[1:-1]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _strings(values: dict[str, Any]) -> dict[str, str]:
    """Mappings keep only their plain-string entries (an intrinsic cannot run locally)."""
    return {str(k): v for k, v in values.items() if isinstance(v, str)}


def functions_folders(api: Api, spec_dir: Path) -> dict[str, Path]:
    """Copy name -> code folder of every function (`codeUri` relative to the spec). Names come
    from the `codeUri` text, not the machine's paths, so builds are the same everywhere."""
    folders: dict[str, Path] = {}
    for uri in sorted({f.code_uri for f in api.deployment.functions.values()}):
        folder = (spec_dir / uri).resolve()
        if folder in folders.values():
            continue
        base = re.sub(r"[^A-Za-z0-9_]+", "_", uri).strip("_") or "root"
        name, n = base, 1
        while name in folders:
            n += 1
            name = f"{base}_{n}"
        folders[name] = folder
    return folders


def default_stage(api: Api, ctx: EmitContext) -> str:
    """The stage a build serves unless told otherwise: `build --stage NAME`, else the first."""
    stages = api.deployment.stage_names
    return ctx.stage if ctx.stage in stages else stages[0]


def api_settings(api: Api, ctx: EmitContext, folders: dict[str, Path]) -> ApiSettings:
    """The API's settings as the runtime reads them (`runtime/pipeline/plan.py`)."""
    stages = api.deployment.stage_names
    spec_dir = ctx.spec_path.parent.resolve()
    return ApiSettings(
        protocol=api.protocol.value,
        title=_text(api.title) or api.slug,
        api_id=short_id(api.slug, "api"),
        # One deployment serves every stage of a build; AWS's ids look like `wlvyvs`.
        deployment_id=short_id(api.slug, "deployment", length=6),
        region=api.deployment.region,
        account=api.deployment.account,
        default_stage=default_stage(api, ctx),
        stages={name: _stage(api, name) for name in stages},
        binary_media_types=tuple(api.binary_media_types),
        gateway_responses={
            g.response_type.value: {
                "statusCode": g.status_code,
                "responseParameters": dict(g.response_parameters),
                "responseTemplates": dict(g.response_templates),
            }
            for g in api.gateway_responses
        },
        cors=_cors(api),
        resource_policy=_resource_policy(api, short_id(api.slug, "api")),
        source_vpce=_source_vpce(api),
        minimum_compression_size=(
            api.minimum_compression_size if isinstance(api.minimum_compression_size, int) else None
        ),
        functions={
            name: _function(f.code_uri, spec_dir, folders)
            | {
                "handler": f.handler,
                "timeout": f.timeout,
                "memorySize": f.memory_size,
                "reservedConcurrentExecutions": f.reserved_concurrent_executions,
                "environment": dict(f.environment),
            }
            for name, f in api.deployment.functions.items()
        },
        authorizers=lambda_authorizers(api),
        api_key_source=api.api_key_source.value if api.api_key_source else "HEADER",
        api_keys=api_keys(api),
        usage_plans=usage_plans(api),
        jwt_authorizers=jwt_authorizers(api, spec_dir),
        aws_endpoint=aws_endpoint(api),
        aws_role_credentials=aws_role_credentials(api),
        iam_credentials=iam_credentials(api),
        websocket=websocket_settings(api),
    )


def api_data(api: Api, ctx: EmitContext, folders: dict[str, Path]) -> dict[str, Any]:
    """The generated `API` table: `api_settings` as plain data."""
    return api_settings(api, ctx, folders).to_data()


def aws_endpoint(api: Api) -> dict[str, Any] | None:
    """`x-apigwc.awsEndpoint` as the AWS service integrations read it (runtime/integrations/
    aws_endpoints.py): the URL every service is called at, its region and keys."""
    endpoint = api.deployment.aws_endpoint
    if endpoint is None:
        return None
    return {
        "url": endpoint.url,
        "region": endpoint.region,
        "accessKeyId": endpoint.access_key_id,
        "secretAccessKey": endpoint.secret_access_key,
    }


def aws_role_credentials(api: Api) -> dict[str, dict[str, str]]:
    """The keys that stand in for an integration's `credentials` role locally: the
    `x-apigwc.identities.iamCredentials` entries whose `arn` is that role's, by ARN."""
    identities = api.deployment.identities
    if identities is None:
        return {}
    return {
        identity.arn: {
            "accessKeyId": identity.access_key_id,
            "secretAccessKey": identity.secret_access_key,
        }
        for identity in identities.iam_credentials.values()
        if identity.arn
    }


def _stage(api: Api, name: str) -> StageSettings:
    """A stage's variables, its access log format when it has one, and its canary (`percentTraffic`,
    `stageVariableOverrides`), which the runtime applies per request (reference §8.2: canary
    releases are a REST API feature)."""
    stage = api.deployment.stages.get(name)
    if stage is None:
        return StageSettings(variables={})
    log_format = None
    if stage.access_log is not None and isinstance(stage.access_log.format, str):
        # The gateway's access log writes this format (runtime/observability/access_log.py).
        log_format = stage.access_log.format
    canary = None
    if stage.canary is not None and api.protocol is Protocol.REST:
        canary = {
            "percentTraffic": float(stage.canary.percent_traffic),
            "stageVariableOverrides": dict(stage.canary.stage_variable_overrides),
        }
    every_method = stage.method_settings.get("/*/*")
    wide = _limits(stage.throttle, every_method.throttle if every_method else None)
    methods = {
        key: limits
        for key, setting in stage.method_settings.items()
        if key != "/*/*" and (limits := _limits(setting.throttle)) is not None
    }
    cache = _stage_cache(api, stage)
    # X-Ray tracing is a REST stage setting (HTTP APIs have none).
    tracing = bool(stage.tracing) and api.protocol is Protocol.REST
    detailed = {k: s.metrics for k, s in stage.method_settings.items() if s.metrics is not None}
    return StageSettings(
        dict(stage.variables),
        log_format,
        canary,
        wide,
        methods,
        detailed_metrics=detailed,
        cache=cache,
        tracing_enabled=tracing,
    )


def _stage_cache(api: Api, stage: Stage) -> StageCache | None:
    """The stage cache when the stage's cache cluster is enabled (REST only, reference §1.9):
    the stage's `cache` (enabled, TTL) under its `/*/*` method setting's caching, and the
    caching of its other method settings."""
    if api.protocol is not Protocol.REST or stage.cache is None or not stage.cache.enabled:
        return None
    every = stage.method_settings.get("/*/*")
    wide = _caching(every.caching if every else None)
    wide = MethodCaching(
        enabled=True if wide.enabled is None else wide.enabled,
        ttl_in_seconds=(
            stage.cache.ttl_in_seconds if wide.ttl_in_seconds is None else wide.ttl_in_seconds
        ),
        require_authorization=wide.require_authorization,
        unauthorized_strategy=wide.unauthorized_strategy,
    )
    methods = {
        key: _caching(setting.caching)
        for key, setting in stage.method_settings.items()
        if key != "/*/*" and setting.caching is not None
    }
    uses = bool(stage.canary and stage.canary.use_stage_cache)
    return StageCache(wide, methods, uses)


def _caching(caching: IrMethodCaching | None) -> MethodCaching:
    if caching is None:
        return MethodCaching()
    return MethodCaching(
        enabled=caching.enabled,
        ttl_in_seconds=caching.ttl_in_seconds,
        require_authorization=caching.require_authorization_for_cache_control,
        unauthorized_strategy=caching.unauthorized_cache_control_header_strategy,
    )


def _limits(*throttles: Throttle | None) -> ThrottleLimits | None:
    """Throttles of one level as the runtime reads them; a later one's set values win (a stage's
    `throttle`, then its `/*/*` method setting, as the CloudFormation emitter merges them)."""
    rate: float | None = None
    burst: int | None = None
    for throttle in throttles:
        if throttle is not None:
            rate = throttle.rate_limit if throttle.rate_limit is not None else rate
            burst = throttle.burst_limit if throttle.burst_limit is not None else burst
    return None if rate is None and burst is None else ThrottleLimits(rate, burst)


def usage_plans(api: Api) -> dict[str, UsagePlanEntry]:
    """The REST API's usage plans (reference §7): API keys, throttles and quotas per key."""
    if api.protocol is not Protocol.REST:
        return {}
    found: dict[str, UsagePlanEntry] = {}
    for name, plan in api.deployment.usage_plans.items():
        quota = plan.quota
        found[name] = UsagePlanEntry(
            plan_id=short_id(api.slug, "usageplan", name, length=6),
            stages=tuple(plan.stages),
            api_keys=tuple(plan.api_keys),
            throttle=_limits(plan.throttle),
            quota=(
                QuotaSettings(quota.limit, quota.period.value, quota.offset or 0)
                if quota is not None
                else None
            ),
            method_throttles={
                key: limits
                for key, throttle in plan.method_throttles.items()
                if (limits := _limits(throttle)) is not None
            },
        )
    return found


def api_keys(api: Api) -> dict[str, ApiKeyEntry]:
    """The REST API's keys a caller can present locally (reference §1.3), by name: each with a
    stable id, its value, its enabled flag and the stages of the usage plans it is in. A key
    without a `value` (AWS would generate one) cannot be presented, so it is left out."""
    if api.protocol is not Protocol.REST:
        return {}
    deployment = api.deployment
    found: dict[str, ApiKeyEntry] = {}
    for name, key in deployment.api_keys.items():
        if not isinstance(key.value, str) or not key.value:
            continue
        stages = {
            s
            for plan in deployment.usage_plans.values()
            if name in plan.api_keys
            for s in plan.stages
        }
        found[name] = ApiKeyEntry(
            key_id=short_id(api.slug, "apikey", name),
            value=key.value,
            enabled=key.enabled,
            stages=tuple(sorted(stages)),
        )
    return found


def iam_credentials(api: Api) -> dict[str, IamCredential]:
    """The local IAM identities (`x-apigwc.identities.iamCredentials`) that can sign requests to
    `AWS_IAM` routes, by name; an identity without an `arn` is a user of the API's account named
    as the entry (reference §1.4: the ARN is the caller's `userArn`)."""
    identities = api.deployment.identities
    if identities is None or api.protocol not in (Protocol.REST, Protocol.HTTP):
        return {}
    account = local_pseudo_parameters(api)["AWS::AccountId"]
    return {
        name: IamCredential(
            name=name,
            access_key_id=entry.access_key_id,
            secret_access_key=entry.secret_access_key,
            arn=entry.arn or f"arn:aws:iam::{account}:user/{name}",
            policy=entry.policy if isinstance(entry.policy, dict) else None,
            session_token=entry.session_token,
            expiration=_epoch(entry.expiration),
        )
        for name, entry in identities.iam_credentials.items()
    }


def _epoch(moment: datetime | None) -> int | None:
    """An ISO 8601 time as epoch seconds; one without a zone is UTC, as AWS's times are."""
    if moment is None:
        return None
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())


def _resource_policy(api: Api, api_id: str) -> dict[str, Any] | None:
    """`x-amazon-apigateway-policy` as the runtime evaluates it (REST APIs): short-form
    resources (`execute-api:/stage/VERB/path`) expanded to the API's ARNs, as API Gateway
    expands them on import, and pseudo-parameter intrinsics resolved. A statement holding
    anything else the build cannot resolve is marked, and the runtime fails it closed."""
    if not isinstance(api.policy, dict) or api.protocol is not Protocol.REST:
        return None
    pseudo = local_pseudo_parameters(api)
    prefix = f"arn:aws:execute-api:{pseudo['AWS::Region']}:{pseudo['AWS::AccountId']}:{api_id}"
    plain: list[Any] = []
    for statement in statements(api.policy):
        try:
            resolved = resolve_pseudo(dict(statement), pseudo)
        except UnresolvedIntrinsic:
            plain.append({"Effect": statement.get("Effect"), UNRESOLVED: True})
            continue
        assert isinstance(resolved, dict)
        for key in ("Resource", "NotResource"):
            value = resolved.get(key)
            if isinstance(value, str):
                resolved[key] = _expand(value, prefix)
            elif isinstance(value, list):
                resolved[key] = [_expand(v, prefix) if isinstance(v, str) else v for v in value]
        plain.append(resolved)
    return {"Statement": plain}


def _expand(resource: str, prefix: str) -> str:
    return (
        prefix + resource[len("execute-api:") :]
        if resource.startswith("execute-api:/")
        else resource
    )


def _source_vpce(api: Api) -> str | None:
    """A PRIVATE API is reached through a VPC endpoint: locally the caller is taken to come
    through the first one it names (`aws:SourceVpce` in its policy)."""
    config = api.endpoint_configuration
    if api.deployment.endpoint_type is not EndpointType.PRIVATE or config is None:
        return None
    first = next(iter(config.vpc_endpoint_ids), None)
    return first if isinstance(first, str) else None


def _cors(api: Api) -> dict[str, Any] | None:
    """HTTP APIs: `x-amazon-apigateway-cors` in its extension shape (camelCase keys)."""
    cors = api.cors
    if cors is None or api.protocol is not Protocol.HTTP:
        return None
    return {
        "allowOrigins": list(cors.allow_origins),
        "allowCredentials": bool(cors.allow_credentials),
        "exposeHeaders": list(cors.expose_headers),
        "maxAge": cors.max_age,
        "allowMethods": list(cors.allow_methods),
        "allowHeaders": list(cors.allow_headers),
    }


def _function(code_uri: str, spec_dir: Path, folders: dict[str, Path]) -> dict[str, Any]:
    """Where the function's code sits in the build; a folder that was not copied has no code."""
    folder = (spec_dir / code_uri).resolve()
    for name, path in folders.items():
        if path == folder:
            return {"codeDir": f"_functions/{name}"}
    return {"codeDir": "_functions/missing"}


def route_entry(api: Api, method: Method) -> RouteEntry:
    """One route as the runtime reads it (`runtime/pipeline/plan.py`, the build's contract)."""
    return RouteEntry(
        route_key=method.route_key,
        resource_path=method.path,
        http_method=method.http_method.upper(),
        resource_id=short_id(api.slug, method.path, length=6),
        operation_name=method.operation_id,
        security=_security(api, method),
        integration=integration_data(api, method.integration),
        validation=validation_entry(api, method),
        authorizer=route_authorizer(api, method),
        authorization_scopes=authorization_scopes(api, method),
        iam=route_iam(api, method),
        **_cache_keys(api, method.integration),
    )


def _cache_keys(api: Api, integration: Integration | None) -> dict[str, Any]:
    """The integration's cache key parameters and namespace (reference §1.9: REST APIs)."""
    if integration is None or api.protocol is not Protocol.REST:
        return {}
    return {
        "cache_key_parameters": tuple(integration.cache_key_parameters),
        "cache_namespace": integration.cache_namespace,
    }


def route_data(api: Api, method: Method, spec_name: str) -> dict[str, Any]:
    """One route entry as plain data (`RouteEntry.to_data`), with a comment pointing back at
    its spec location."""
    origin = method.origin
    where = f"{spec_name}#{origin.pointer}" if origin is not None else spec_name
    return {"comment": comment_text(where), "data": route_entry(api, method).to_data()}


def body_model_key(method: Method, media_type: str) -> str:
    """The validator key of a request body schema: a model's name, or an inline key."""
    return f"{method.http_method.upper()} {method.path} {media_type}"


def request_models(api: Api) -> dict[str, Any]:
    """Every schema a route validates bodies against: the API's models (which may `$ref` each
    other) and inline request schemas, keyed as `validation_entry` names them. Empty when no
    route validates bodies."""
    inline: dict[str, Any] = {}
    for method in api.methods:
        validator = request_validator(api, method)
        if validator is None or not validator.validate_request_body or not method.request_body:
            continue
        for media in method.request_body.content:
            if media.schema_ is not None and _model_name(media.schema_) is None:
                inline[body_model_key(method, media.media_type)] = media.schema_
    if not inline and not any(_body_models(api, m) for m in api.methods) and not _ws_models(api):
        return {}
    return {m.name: m.schema_ for m in api.models} | inline


def used_models(api: Api) -> set[str]:
    """The keys of `request_models` a route validates bodies against: only these are compiled
    (WebSocket routes' `requestModels` name models of the API too)."""
    return {key for method in api.methods for key in _body_models(api, method).values()} | (
        _ws_models(api)
    )


def _ws_models(api: Api) -> set[str]:
    """The models WebSocket routes validate messages against (those with a
    `modelSelectionExpression`: without one API Gateway validates nothing)."""
    ws = api.deployment.websocket
    if ws is None:
        return set()
    return {
        name
        for route in ws.routes.values()
        if route.model_selection_expression is not None
        for name in route.request_models.values()
        if api.model(name) is not None
    }


def _model_name(schema: Any) -> str | None:
    return (
        model_ref_name(schema.get("$ref"))
        if isinstance(schema, dict) and len(schema) == 1
        else None
    )


def _body_models(api: Api, method: Method) -> dict[str, str]:
    validator = request_validator(api, method)
    if validator is None or not validator.validate_request_body or method.request_body is None:
        return {}
    models: dict[str, str] = {}
    for media in method.request_body.content:
        if media.schema_ is None:
            continue
        name = _model_name(media.schema_)
        if name is None or api.model(name) is not None:
            models[media.media_type.lower()] = name or body_model_key(method, media.media_type)
    return models


def validation_entry(api: Api, method: Method) -> MethodValidation | None:
    """What the method's request validator checks (reference §1.5), or None."""
    validator = request_validator(api, method)
    if validator is None:
        return None
    required = [
        p.mapping_source
        for p in method.parameters
        if p.required and p.location.value in ("header", "path", "query")
    ]
    return MethodValidation(
        parameters=bool(validator.validate_request_parameters),
        body=bool(validator.validate_request_body),
        required=tuple(sorted(required)),
        models=_body_models(api, method),
    )


def _security(api: Api, method: Method) -> tuple[str, ...]:
    """What the route needs before its integration runs: AUTHORIZER and/or API_KEY."""
    needs: set[str] = set()
    if uses_iam_auth(method):
        needs.add(AUTHORIZER)
    for requirement in effective_security(api, method):
        for name in requirement.schemes:
            scheme = api.security_scheme(name)
            if scheme is None:
                continue
            if scheme.is_api_key and api.protocol is Protocol.REST:
                needs.add(API_KEY)
            elif scheme.authorizer is not None or scheme.is_iam:
                needs.add(AUTHORIZER)
    return tuple(sorted(needs))


# API Gateway's default and largest authorizer result TTL (reference §1.4).
DEFAULT_AUTHORIZER_TTL = 300
MAX_AUTHORIZER_TTL = 3600
_LAMBDA_AUTHORIZERS = (AuthorizerType.TOKEN, AuthorizerType.REQUEST)


def lambda_authorizers(api: Api) -> dict[str, AuthorizerConfig]:
    """The API's Lambda authorizers (REST TOKEN and REQUEST, HTTP API REQUEST) as the runtime
    runs them, by scheme name; `function` is None when the authorizer's function has no local
    handler."""
    if api.protocol not in (Protocol.REST, Protocol.HTTP):
        return {}
    http = api.protocol is Protocol.HTTP
    found: dict[str, AuthorizerConfig] = {}
    for scheme in api.security_schemes:
        auth = scheme.authorizer
        if auth is None or auth.type not in _LAMBDA_AUTHORIZERS:
            continue
        if http and auth.type is not AuthorizerType.REQUEST:
            continue
        ttl = auth.result_ttl_in_seconds
        # HTTP APIs: payload 2.0 unless the spec says 1.0; simple responses are 2.0 only (§2.6).
        version = ("1.0" if str(auth.payload_format_version) == "1.0" else "2.0") if http else None
        found[scheme.name] = AuthorizerConfig(
            name=scheme.name,
            type=auth.type.value,
            authorizer_id=short_id(api.slug, "authorizer", scheme.name, length=6),
            function=local_function(api, auth.authorizer_uri),
            identity_sources=_identity_sources(auth.type, auth.identity_source, http),
            validation_expression=(
                auth.identity_validation_expression if auth.type is AuthorizerType.TOKEN else None
            ),
            result_ttl=(
                DEFAULT_AUTHORIZER_TTL if ttl is None else max(0, min(int(ttl), MAX_AUTHORIZER_TTL))
            ),
            payload_format_version=version,
            simple_responses=version == "2.0" and bool(auth.enable_simple_responses),
        )
    return found


# HTTP API identity sources by the REST names the runtime reads (reference §1.10).
_HTTP_SOURCES = (
    ("$request.header.", "method.request.header."),
    ("$request.querystring.", "method.request.querystring."),
    ("$stageVariables.", "stageVariables."),
    ("$context.", "context."),
)


def _identity_sources(kind: AuthorizerType, source: str | None, http: bool) -> tuple[str, ...]:
    """`identitySource`: one header for TOKEN (`Authorization` when unset), a comma-separated
    list for REQUEST; an HTTP API's `$request.header.X` written as `method.request.header.X`."""
    if kind is AuthorizerType.TOKEN:
        return ((source or "").strip() or "method.request.header.Authorization",)
    parts = tuple(part.strip() for part in (source or "").split(",") if part.strip())
    return tuple(_rest_source(part) for part in parts) if http else parts


def _rest_source(source: str) -> str:
    for http_prefix, rest_prefix in _HTTP_SOURCES:
        if source.startswith(http_prefix):
            return rest_prefix + source[len(http_prefix) :]
    return source  # an unknown form: the runtime reads it as absent


def local_function(api: Api, uri: Any) -> str | None:
    """The `x-apigwc.functions` entry a Lambda ARN names (an alias or version suffix dropped),
    or None when the function has no local handler."""
    name = lambda_function(uri)
    if name is None:
        return None
    functions = api.deployment.functions
    if name in functions:
        return name
    base = name.split(":")[0]
    return base if base in functions else None


def route_authorizer(api: Api, method: Method) -> str | None:
    """The Lambda authorizer the runtime runs for a method: the method's only authorization is
    one Lambda authorizer (no IAM, no Cognito or second authorizer beside it, which the runtime
    cannot run: such a method keeps answering 500)."""
    if uses_iam_auth(method):
        return None
    names = {
        name
        for requirement in effective_security(api, method)
        for name in requirement.schemes
        if (scheme := api.security_scheme(name)) is not None
        and (scheme.authorizer is not None or scheme.is_iam)
    }
    if len(names) != 1:
        return None
    (name,) = names
    return name if name in lambda_authorizers(api) or name in _token_authorizers(api) else None


def authorization_scopes(api: Api, method: Method) -> tuple[str, ...]:
    """The method's OAuth scopes for its Cognito or JWT authorizer (the scopes of its security
    requirement, spec reference §1.4), in the spec's order."""
    names = _token_authorizers(api)
    return tuple(
        dict.fromkeys(
            scope
            for requirement in effective_security(api, method)
            for name, scopes in requirement.schemes.items()
            if name in names
            for scope in scopes
        )
    )


_TOKEN_AUTHORIZERS = {
    Protocol.REST: AuthorizerType.COGNITO_USER_POOLS,
    Protocol.HTTP: AuthorizerType.JWT,
}


def _token_authorizers(api: Api) -> set[str]:
    """The schemes whose authorizer is a REST Cognito one or an HTTP API JWT one."""
    kind = _TOKEN_AUTHORIZERS.get(api.protocol)
    return {
        s.name
        for s in api.security_schemes
        if s.authorizer is not None and s.authorizer.type is kind
    }


def jwt_authorizers(api: Api, spec_dir: Path) -> dict[str, JwtAuthorizerConfig]:
    """The REST Cognito and HTTP API JWT authorizers as the runtime runs them, by scheme name,
    each with the issuers it trusts and their keys (`lowering/token_issuers.py`): a local JWKS
    file is read here and embedded, reduced to its public RSA signing keys."""
    found: dict[str, JwtAuthorizerConfig] = {}
    names = _token_authorizers(api)
    for scheme in api.security_schemes:
        auth = scheme.authorizer
        if auth is None or scheme.name not in names:
            continue
        issuers = tuple(
            TokenIssuer(
                issuer=keys.issuer,
                jwks=_jwks_file(spec_dir, keys.jwks_file) if keys.jwks_file else None,
                keys_url=keys.keys_url,
                discovery=keys.discovery,
                audience=keys.audience,
            )
            for keys in scheme_issuers(api, scheme)
        )
        jwt = auth.type is AuthorizerType.JWT
        audience = auth.jwt_configuration.audience if auth.jwt_configuration else ()
        found[scheme.name] = JwtAuthorizerConfig(
            name=scheme.name,
            type=auth.type.value,
            authorizer_id=short_id(api.slug, "authorizer", scheme.name, length=6),
            identity_source=_token_source(auth.identity_source, scheme.param_name, jwt),
            issuers=issuers,
            validation_expression=None if jwt else auth.identity_validation_expression,
            audience=tuple(a for a in audience if isinstance(a, str)),
        )
    return found


def _token_source(source: str | None, header: str | None, http: bool) -> str:
    """Where the token is read: the identity source (an HTTP API's `$request.header.X` written
    as `method.request.header.X`), else the scheme's header, else `Authorization`."""
    source = (source or "").strip()
    if source:
        return _rest_source(source) if http else source
    return f"method.request.header.{header if header and not http else 'Authorization'}"


def _jwks_file(spec_dir: Path, name: str) -> dict[str, Any] | None:
    """A local JWKS as the build embeds it (public RSA keys only), or None when the file is
    missing, outside the spec's folder, over API Gateway's JWKS size or not a JWKS: its
    authorizer then answers as misconfigured and `validate` says so (AGW466)."""
    path = spec_dir / name
    if not copyable(path, spec_dir) or path.stat().st_size > MAX_JWKS_BYTES:
        return None
    try:
        return public_jwks(json.loads(path.read_bytes()))
    except ValueError:
        return None


def route_iam(api: Api, method: Method) -> bool:
    """Is the method's only authorization `AWS_IAM` (`x-amazon-apigateway-auth: {type:
    AWS_IAM}`, or one security scheme whose authtype is `awsSigv4`), which the runtime verifies
    as SigV4? A method naming an authorizer beside it keeps answering 500, as in
    `route_authorizer`."""
    if api.protocol not in (Protocol.REST, Protocol.HTTP):
        return False
    schemes = [
        scheme
        for requirement in effective_security(api, method)
        for name in requirement.schemes
        if (scheme := api.security_scheme(name)) is not None
        and (scheme.authorizer is not None or scheme.is_iam)
    ]
    if uses_iam_auth(method):
        return not schemes
    return len({s.name for s in schemes}) == 1 and schemes[0].is_iam


def integration_data(api: Api, integration: Integration | None) -> dict[str, Any]:
    if integration is None:
        return {"type": None}
    data: dict[str, Any] = {
        "type": integration.type.value,
        "timeoutInMillis": integration.timeout_in_millis,
    }
    if integration.type is IntegrationType.AWS_PROXY:
        data["function"] = lambda_function(integration.uri)
        data["httpMethod"] = integration.http_method
        version = integration.payload_format_version
        default = "2.0" if api.protocol is Protocol.HTTP else "1.0"
        data["payloadFormatVersion"] = str(version) if isinstance(version, str) else default
        # A function with no local handler is invoked through Lambda's Invoke API at the URI's
        # ARN, as the credentials say (aws_lambda.py).
        data["credentials"] = _text(integration.credentials)
        if integration.integration_subtype:  # an HTTP API first-class integration (aws_step.py)
            data["integrationSubtype"] = integration.integration_subtype
            data["requestParameters"] = _strings(integration.request_parameters)
            # an intrinsic (`Ref: MyQueue`) is known only when deployed: the route answers 500
            unresolved = sorted(
                set(integration.request_parameters) - set(data["requestParameters"])
            )
            if unresolved:
                data["unresolvedParameters"] = unresolved
        else:
            data["uri"] = integration_uri(api, integration) or ""
    elif integration.type is IntegrationType.AWS:
        # Lambda custom runs locally when its function has a handler; any other AWS service
        # (and a Lambda without a local handler) is called at its endpoint (aws_step.py).
        data["function"] = lambda_function(integration.uri) if integration.is_lambda else None
        data["requestParameters"] = _strings(integration.request_parameters)
        data["uri"] = integration_uri(api, integration) or ""
        data["httpMethod"] = integration.http_method
        data["credentials"] = _text(integration.credentials)
    elif integration.type in (IntegrationType.HTTP_PROXY, IntegrationType.HTTP):
        # An URI only CloudFormation can resolve (AGW306) is empty: the route answers 500.
        data["uri"] = integration_uri(api, integration) or ""
        data["httpMethod"] = integration.http_method
        data["requestParameters"] = _strings(integration.request_parameters)
        if api.protocol is Protocol.HTTP:
            data["responseParameters"] = {
                status: _strings(params)
                for status, params in integration.response_parameters.items()
            }
        tls = integration.tls_config
        data["tlsInsecureSkipVerification"] = bool(tls and tls.insecure_skip_verification)
    if integration.type in (IntegrationType.MOCK, IntegrationType.HTTP, IntegrationType.AWS):
        data["requestTemplates"] = _strings(integration.request_templates)
        data["passthroughBehavior"] = (
            integration.passthrough_behavior.value if integration.passthrough_behavior else None
        )
        data["responses"] = [
            {
                "selectionPattern": r.selection_pattern,
                "statusCode": r.status_code,
                "responseTemplates": _strings(r.response_templates),
                "responseParameters": _strings(r.response_parameters),
                **_content_handling(r.content_handling),
            }
            for r in integration.responses
        ]
        data.update(_content_handling(integration.content_handling))
    return data


def _content_handling(value: ContentHandling | None) -> dict[str, str]:
    """`contentHandling` only where the spec sets it (reference §6.1; unset is passthrough)."""
    return {"contentHandling": value.value} if value is not None else {}


def websocket_settings(api: Api) -> WebSocketSettings | None:
    """`x-apigwc.websocket` as the runtime serves it (runtime/websocket/): routes with their
    integration configs (the shape of REST routes'), whether each has the `$default` route
    response, and the Lambda REQUEST authorizers (reference §10.1: on `$connect` only)."""
    ws = api.deployment.websocket
    if ws is None:
        return None
    authorizers: dict[str, AuthorizerConfig] = {}
    routes: dict[str, WebSocketRouteEntry] = {}
    for key, route in ws.routes.items():
        authorizer = route.authorizer
        name = authorizer if isinstance(authorizer, str) else None
        if authorizer is not None and not isinstance(authorizer, str):
            name = f"{key}Authorizer"
            authorizers[name] = _websocket_authorizer(api, name, authorizer)
        routes[key] = WebSocketRouteEntry(
            route_key=key,
            integration=_websocket_integration(api, route.integration),
            route_response="$default" in route.route_responses,
            authorizer=name if key == "$connect" else None,
            api_key_required=bool(route.api_key_required) and key == "$connect",
            authorization_type=(
                str(route.authorization_type or "NONE").upper() if key == "$connect" else "NONE"
            ),
            model_selection_expression=route.model_selection_expression,
            models=dict(route.request_models),
        )
    for name, authorizer in ws.authorizers.items():
        authorizers[name] = _websocket_authorizer(api, name, authorizer)
    return WebSocketSettings(
        api_id=short_id(api.slug, "websocket"),
        route_selection_expression=ws.route_selection_expression,
        routes=routes,
        authorizers=authorizers,
    )


def _websocket_integration(api: Api, integration: Integration | None) -> dict[str, Any]:
    """A WebSocket route's integration: REST's record plus the selection expressions of its
    request template and integration response (reference §10.2), where the spec sets them."""
    data = integration_data(api, integration)
    if integration is not None:
        if integration.template_selection_expression is not None:
            data["templateSelectionExpression"] = integration.template_selection_expression
        expression = integration.integration_response_selection_expression
        if expression is not None:
            data["integrationResponseSelectionExpression"] = expression
    return data


def _websocket_authorizer(api: Api, name: str, authorizer: WebSocketAuthorizer) -> AuthorizerConfig:
    """A WebSocket REQUEST authorizer: the REST record, identity sources as the spec writes
    them (`route.request.header.X`, ...), which runtime/websocket/authorizer.py reads."""
    sources = authorizer.identity_source
    listed = (sources,) if isinstance(sources, str) else tuple(sources)
    ttl = authorizer.authorizer_result_ttl_in_seconds
    return AuthorizerConfig(
        name=name,
        type="REQUEST",
        authorizer_id=short_id(api.slug, "websocket-authorizer", name, length=6),
        # Only REQUEST authorizers exist on WebSocket APIs: another type runs nothing locally
        # (no function: the handshake is refused with 500, never served open).
        function=(
            local_function(api, authorizer.authorizer_uri)
            if str(authorizer.type).upper() == "REQUEST"
            else None
        ),
        identity_sources=tuple(s.strip() for part in listed for s in part.split(",") if s.strip()),
        validation_expression=None,
        result_ttl=(
            DEFAULT_AUTHORIZER_TTL if ttl is None else max(0, min(int(ttl), MAX_AUTHORIZER_TTL))
        ),
    )
