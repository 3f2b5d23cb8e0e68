"""The contract between the build and the runtime: the generated API settings and routes, typed.

Flows in: at build time, the runtime emitter (`emitters/runtime_data.py`) constructs these
records from the IR and renders `to_data()` as the literals of the generated `app.py` (`API`,
`ROUTES`); at start-up the gateway reads them back with `ApiSettings.from_data` and
`RouteEntry.from_data`, which refuse data of another shape. Flows out: frozen records the request pipeline reads (`steps.py` compiles each into the
route's plan of steps). One definition serves both sides, so mypy checks the emitter's and the
runtime's use of every field, and the build's tests check that `from_data(to_data(r)) == r`.

The generated data keeps API Gateway's own camelCase names (`routeKey`, `resourcePath`,
`httpMethod`, `resourceId`, `operationName`): it is the route as `$context` and the Lambda proxy
event name it. An integration's config stays a plain mapping, read once at start-up by the step
of its type (`integrations/integration_step.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# What a route needs before its integration runs (`security` below): an authorizer (IAM, Lambda,
# Cognito, JWT) and/or an API key, in the order API Gateway checks them (§1.1 steps 5 and 6).
AUTHORIZER = "AUTHORIZER"
API_KEY = "API_KEY"


class PlanError(ValueError):
    """A route table entry that is not what this runtime's build writes."""


@dataclass(frozen=True, slots=True)
class MethodValidation:
    """What a method's request validator checks (reference §1.5): required parameters (their
    `method.request.{header|path|querystring}.NAME` keys) and the body against the model of
    its media type (`models`: media type -> key of the generated `VALIDATORS`)."""

    parameters: bool
    body: bool
    required: tuple[str, ...] = ()
    models: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> MethodValidation:
        return cls(
            parameters=_bool(data, "parameters"),
            body=_bool(data, "body"),
            required=_strings(data, "required"),
            models=dict(_mapping(data, "models")),
        )

    def to_data(self) -> dict[str, Any]:
        return {
            "parameters": self.parameters,
            "body": self.body,
            "required": list(self.required),
            "models": dict(self.models),
        }


@dataclass(frozen=True, slots=True)
class ApiKeyEntry:
    """An API key of `x-apigwc.apiKeys` that a caller can present locally (reference §1.3): its
    id (`$context.identity.apiKeyId`), its value, whether it is enabled, and the stages of the
    usage plans it belongs to (`x-apigwc.usagePlans`). The value is kept out of `repr`."""

    key_id: str
    value: str = field(repr=False)
    enabled: bool
    stages: tuple[str, ...]

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> ApiKeyEntry:
        return cls(
            key_id=_string(data, "id"),
            value=_string(data, "value"),
            enabled=_bool(data, "enabled"),
            stages=_strings(data, "stages"),
        )

    def to_data(self) -> dict[str, Any]:
        return {
            "id": self.key_id,
            "value": self.value,
            "enabled": self.enabled,
            "stages": list(self.stages),
        }


@dataclass(frozen=True, slots=True)
class AuthorizerConfig:
    """A Lambda authorizer of a REST API (reference §1.4), as the runtime runs it: its `type`
    (TOKEN or REQUEST), its identity sources (`method.request.header.X`, `...querystring.X`,
    `stageVariables.X`, `context.X`), its `identityValidationExpression` (TOKEN), its
    `authorizerResultTtlInSeconds` and the local function (`x-apigwc.functions`) that runs it;
    `function` is None when the spec's function has no local handler (the routes then answer
    500 AUTHORIZER_CONFIGURATION_ERROR). `authorizer_id` names it in its source ARN
    (`arn:aws:execute-api:{region}:{account}:{api}/authorizers/{id}`)."""

    name: str
    type: str  # "TOKEN" or "REQUEST"
    authorizer_id: str
    function: str | None
    identity_sources: tuple[str, ...]
    validation_expression: str | None
    result_ttl: int
    payload_format_version: str | None = None
    simple_responses: bool = False

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> AuthorizerConfig:
        function, expression, ttl = (
            data.get("function"),
            data.get("identityValidationExpression"),
            data.get("authorizerResultTtlInSeconds"),
        )
        if not isinstance(function, str | None) or not isinstance(expression, str | None):
            raise PlanError(
                "authorizer function or identityValidationExpression: expected a string"
            )
        if type(ttl) is not int:
            raise PlanError("authorizerResultTtlInSeconds: expected an integer")
        version, simple = data.get("payloadFormatVersion"), data.get("enableSimpleResponses", False)
        if version not in (None, "1.0", "2.0") or type(simple) is not bool:
            raise PlanError("payloadFormatVersion or enableSimpleResponses: unexpected value")
        kind = _string(data, "type")
        if kind not in ("TOKEN", "REQUEST"):
            raise PlanError(f"authorizer type: expected TOKEN or REQUEST, got {kind!r}")
        return cls(
            name=_string(data, "name"),
            type=kind,
            authorizer_id=_string(data, "authorizerId"),
            function=function,
            identity_sources=_strings(data, "identitySources"),
            validation_expression=expression,
            result_ttl=ttl,
            payload_format_version=version,
            simple_responses=simple,
        )

    def to_data(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "authorizerId": self.authorizer_id,
            "function": self.function,
            "identitySources": list(self.identity_sources),
            "identityValidationExpression": self.validation_expression,
            "authorizerResultTtlInSeconds": self.result_ttl,
            "payloadFormatVersion": self.payload_format_version,
            "enableSimpleResponses": self.simple_responses,
        }


@dataclass(frozen=True, slots=True)
class IamCredential:
    """A local IAM identity of `x-apigwc.identities.iamCredentials` that can sign requests to
    `AWS_IAM` routes (reference §1.4): its access key, secret, ARN (the caller's `userArn`),
    its identity policy, and a session token with its expiry (epoch seconds) when it stands for
    temporary credentials. Secrets are kept out of `repr`."""

    name: str
    access_key_id: str
    secret_access_key: str = field(repr=False)
    arn: str
    policy: Mapping[str, Any] | None = None
    session_token: str | None = field(default=None, repr=False)
    expiration: int | None = None

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> IamCredential:
        token, expiration = data.get("sessionToken"), data.get("expiration")
        if not isinstance(token, str | None) or (
            expiration is not None and type(expiration) is not int
        ):
            raise PlanError("sessionToken or expiration: unexpected type")
        policy = data.get("policy")
        return cls(
            name=_string(data, "name"),
            access_key_id=_string(data, "accessKeyId"),
            secret_access_key=_string(data, "secretAccessKey"),
            arn=_string(data, "arn"),
            policy=_mapping(data, "policy") if policy is not None else None,
            session_token=token,
            expiration=expiration,
        )

    def to_data(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "accessKeyId": self.access_key_id,
            "secretAccessKey": self.secret_access_key,
            "arn": self.arn,
            "policy": dict(self.policy) if self.policy is not None else None,
            "sessionToken": self.session_token,
            "expiration": self.expiration,
        }


@dataclass(frozen=True, slots=True)
class TokenIssuer:
    """An issuer whose tokens a Cognito or JWT authorizer accepts, with where its signing keys
    come from: `jwks`, the JWKS document the build read from a local file of
    `x-apigwc.identities` (public fields only), or `keys_url`, fetched at run time only when the
    gateway runs with `--allow-remote-jwks` (a JWKS, or with `discovery` an OpenID
    configuration whose `jwks_uri` names it). `audience`: the app clients a Cognito pool's
    tokens must name (`x-apigwc.identities...audience`; empty: any)."""

    issuer: str
    jwks: Mapping[str, Any] | None = None
    keys_url: str | None = None
    discovery: bool = False
    audience: tuple[str, ...] = ()

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> TokenIssuer:
        jwks, url, discovery = data.get("jwks"), data.get("keysUrl"), data.get("discovery", False)
        if jwks is not None and not isinstance(jwks, Mapping):
            raise PlanError("jwks: expected a mapping")
        if not isinstance(url, str | None) or type(discovery) is not bool:
            raise PlanError("keysUrl or discovery: unexpected type")
        return cls(
            issuer=_string(data, "issuer"),
            jwks=jwks,
            keys_url=url,
            discovery=discovery,
            audience=_strings(data, "audience"),
        )

    def to_data(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "jwks": dict(self.jwks) if self.jwks is not None else None,
            "keysUrl": self.keys_url,
            "discovery": self.discovery,
            "audience": list(self.audience),
        }


@dataclass(frozen=True, slots=True)
class JwtAuthorizerConfig:
    """A REST `COGNITO_USER_POOLS` authorizer (reference §1.4) or an HTTP API `JWT` authorizer
    (§1.10), as the runtime runs it: the identity source it reads the token from
    (`method.request.header.X`, HTTP APIs also `method.request.querystring.X`), REST's
    `identityValidationExpression` (applied to an ID token's `aud`), the JWT authorizer's
    `audience`, and the issuers it trusts (one per providerARN; one for a JWT authorizer)."""

    name: str
    type: str  # "COGNITO_USER_POOLS" or "JWT"
    authorizer_id: str
    identity_source: str
    issuers: tuple[TokenIssuer, ...]
    validation_expression: str | None = None
    audience: tuple[str, ...] = ()

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> JwtAuthorizerConfig:
        kind, expression = _string(data, "type"), data.get("identityValidationExpression")
        if kind not in ("COGNITO_USER_POOLS", "JWT"):
            raise PlanError(f"authorizer type: expected COGNITO_USER_POOLS or JWT, got {kind!r}")
        if not isinstance(expression, str | None):
            raise PlanError("identityValidationExpression: expected a string")
        issuers = data.get("issuers") or ()
        if not isinstance(issuers, list | tuple):
            raise PlanError("issuers: expected a list")
        return cls(
            name=_string(data, "name"),
            type=kind,
            authorizer_id=_string(data, "authorizerId"),
            identity_source=_string(data, "identitySource"),
            issuers=tuple(TokenIssuer.from_data(_as_mapping(i)) for i in issuers),
            validation_expression=expression,
            audience=_strings(data, "audience"),
        )

    def to_data(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "authorizerId": self.authorizer_id,
            "identitySource": self.identity_source,
            "issuers": [issuer.to_data() for issuer in self.issuers],
            "identityValidationExpression": self.validation_expression,
            "audience": list(self.audience),
        }


@dataclass(frozen=True, slots=True)
class RouteEntry:
    """One method of the API (REST) or one route (HTTP API), as the build writes it."""

    route_key: str  # `GET /pets/{id}`, or `$default` (HTTP APIs)
    resource_path: str
    http_method: str  # upper case, `ANY` included
    resource_id: str
    operation_name: str | None
    security: tuple[str, ...]  # AUTHORIZER and/or API_KEY, sorted
    integration: Mapping[str, Any]  # the integration config; {"type": None} when it has none
    validation: MethodValidation | None
    # The Lambda authorizer the runtime runs for this method (a name in `ApiSettings.authorizers`),
    # or None: then an AUTHORIZER need is one the runtime cannot run (answered 500).
    authorizer: str | None = None
    # The method's authorization is `AWS_IAM` (a SigV4 signature, `security/iam_authorizer.py`).
    iam: bool = False
    # The method's OAuth scopes (`authorizationScopes`) for a Cognito or JWT authorizer: REST
    # then wants an access token holding one of them, HTTP APIs a token holding one (§1.4, §1.10).
    authorization_scopes: tuple[str, ...] = ()
    # The integration's `cacheKeyParameters` (`method.request.{path|querystring|header|
    # multivaluequerystring|multivalueheader}.NAME`) and `cacheNamespace` (None: the resource's
    # id), read by the stage cache (`caching/`, reference §1.9).
    cache_key_parameters: tuple[str, ...] = ()
    cache_namespace: str | None = None

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> RouteEntry:
        validation = data.get("validation")
        operation = data.get("operationName")
        if operation is not None and not isinstance(operation, str):
            raise PlanError(f"operationName: expected a string, got {type(operation).__name__}")
        authorizer, namespace = data.get("authorizer"), data.get("cacheNamespace")
        if not isinstance(authorizer, str | None) or not isinstance(namespace, str | None):
            raise PlanError("authorizer or cacheNamespace: expected a string")
        return cls(
            route_key=_string(data, "routeKey"),
            resource_path=_string(data, "resourcePath"),
            http_method=_string(data, "httpMethod"),
            resource_id=_string(data, "resourceId"),
            operation_name=operation,
            security=_strings(data, "security"),
            integration=_mapping(data, "integration"),
            validation=MethodValidation.from_data(validation) if validation else None,
            authorizer=authorizer,
            iam=_bool(data, "iam") if "iam" in data else False,
            authorization_scopes=_strings(data, "authorizationScopes"),
            cache_key_parameters=_strings(data, "cacheKeyParameters"),
            cache_namespace=namespace,
        )

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "routeKey": self.route_key,
            "resourcePath": self.resource_path,
            "httpMethod": self.http_method,
            "resourceId": self.resource_id,
            "operationName": self.operation_name,
            "security": list(self.security),
            "integration": dict(self.integration),
            "validation": self.validation.to_data() if self.validation else None,
            "authorizer": self.authorizer,
            "iam": self.iam,
        }
        if self.authorization_scopes:  # written only where a method has scopes
            data["authorizationScopes"] = list(self.authorization_scopes)
        if self.cache_key_parameters:  # the stage cache's, only where an integration has some
            data["cacheKeyParameters"] = list(self.cache_key_parameters)
        if self.cache_namespace is not None:
            data["cacheNamespace"] = self.cache_namespace
        return data

    @property
    def integration_type(self) -> str | None:
        kind = self.integration.get("type")
        return kind if isinstance(kind, str) else None


@dataclass(frozen=True, slots=True)
class ThrottleLimits:
    """A throttle of a stage, a method setting or a usage plan (reference §7.1, §8.3): the
    steady rate (requests per second) and the burst (the bucket's size). An unset value takes the
    level below's (`traffic/limits.py`)."""

    rate_limit: float | None = None
    burst_limit: int | None = None

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> ThrottleLimits:
        rate, burst = data.get("rateLimit"), data.get("burstLimit")
        if (rate is not None and type(rate) not in (int, float)) or (
            burst is not None and type(burst) is not int
        ):
            raise PlanError("throttle: rateLimit is a number and burstLimit an integer")
        return cls(float(rate) if rate is not None else None, burst)

    def to_data(self) -> dict[str, Any]:
        return {"rateLimit": self.rate_limit, "burstLimit": self.burst_limit}


@dataclass(frozen=True, slots=True)
class MethodCaching:
    """The caching of a stage or of one method setting (reference §1.9, §8.3): each value None
    where this level leaves it to the level below (`caching/settings.py` resolves a route's)."""

    enabled: bool | None = None
    ttl_in_seconds: int | None = None
    require_authorization: bool | None = None  # `requireAuthorizationForCacheControl`
    unauthorized_strategy: str | None = None  # `unauthorizedCacheControlHeaderStrategy`

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> MethodCaching:
        enabled, ttl = data.get("enabled"), data.get("ttlInSeconds")
        required = data.get("requireAuthorizationForCacheControl")
        strategy = data.get("unauthorizedCacheControlHeaderStrategy")
        if not isinstance(enabled, bool | None) or not isinstance(required, bool | None):
            raise PlanError("caching: enabled and requireAuthorizationForCacheControl are booleans")
        if (ttl is not None and type(ttl) is not int) or not isinstance(strategy, str | None):
            raise PlanError("caching: ttlInSeconds is an integer, the strategy a string")
        return cls(enabled, ttl, required, strategy)

    def to_data(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "ttlInSeconds": self.ttl_in_seconds,
            "requireAuthorizationForCacheControl": self.require_authorization,
            "unauthorizedCacheControlHeaderStrategy": self.unauthorized_strategy,
        }


@dataclass(frozen=True, slots=True)
class StageCache:
    """A stage whose cache cluster is enabled (`cacheClusterEnabled`, reference §1.9): its
    stage-wide caching (the stage's `cache`, then its `/*/*` method setting), its other method
    settings' caching keyed `/pets/GET`, and whether canary requests use the stage cache
    (`useStageCache`, §8.2)."""

    wide: MethodCaching
    methods: Mapping[str, MethodCaching] = field(default_factory=dict)
    canary_uses_stage_cache: bool = False

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> StageCache:
        return cls(
            wide=MethodCaching.from_data(_mapping(data, "wide")),
            methods={k: MethodCaching.from_data(v) for k, v in _mapping(data, "methods").items()},
            canary_uses_stage_cache=_bool(data, "canaryUsesStageCache"),
        )

    def to_data(self) -> dict[str, Any]:
        return {
            "wide": self.wide.to_data(),
            "methods": {key: caching.to_data() for key, caching in self.methods.items()},
            "canaryUsesStageCache": self.canary_uses_stage_cache,
        }


@dataclass(frozen=True, slots=True)
class QuotaSettings:
    """A usage plan's quota (reference §7.3): `limit` requests per `period` (DAY, WEEK, MONTH),
    `offset` taken off the limit in the initial period."""

    limit: int
    period: str
    offset: int = 0

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> QuotaSettings:
        limit, offset, period = data.get("limit"), data.get("offset", 0), data.get("period")
        if type(limit) is not int or type(offset) is not int:
            raise PlanError("quota: limit and offset are integers")
        if period not in ("DAY", "WEEK", "MONTH"):
            raise PlanError(f"quota period: expected DAY, WEEK or MONTH, got {period!r}")
        return cls(limit, str(period), offset)

    def to_data(self) -> dict[str, Any]:
        return {"limit": self.limit, "period": self.period, "offset": self.offset}


@dataclass(frozen=True, slots=True)
class UsagePlanEntry:
    """A usage plan of `x-apigwc.usagePlans` (reference §7.1): its id, the stages it covers, the
    names of its API keys (in `ApiSettings.api_keys`), its throttle and quota per key, and its
    per-method throttles keyed `/pets/GET`."""

    plan_id: str
    stages: tuple[str, ...]
    api_keys: tuple[str, ...]
    throttle: ThrottleLimits | None = None
    quota: QuotaSettings | None = None
    method_throttles: Mapping[str, ThrottleLimits] = field(default_factory=dict)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> UsagePlanEntry:
        throttle, quota = data.get("throttle"), data.get("quota")
        return cls(
            plan_id=_string(data, "id"),
            stages=_strings(data, "stages"),
            api_keys=_strings(data, "apiKeys"),
            throttle=ThrottleLimits.from_data(throttle) if throttle is not None else None,
            quota=QuotaSettings.from_data(quota) if quota is not None else None,
            method_throttles=_throttles(data, "methodThrottles"),
        )

    def to_data(self) -> dict[str, Any]:
        return {
            "id": self.plan_id,
            "stages": list(self.stages),
            "apiKeys": list(self.api_keys),
            "throttle": self.throttle.to_data() if self.throttle else None,
            "quota": self.quota.to_data() if self.quota else None,
            "methodThrottles": {k: v.to_data() for k, v in self.method_throttles.items()},
        }


@dataclass(frozen=True, slots=True)
class StageSettings:
    """A stage: its variables, its access log format when it has one, and its canary
    (`percentTraffic`, `stageVariableOverrides`; reference §8.2, REST APIs only)."""

    variables: Mapping[str, str]
    access_log_format: str | None = None
    canary: Mapping[str, Any] | None = None
    # The stage's default method throttling (its `throttle`, then `methodSettings` `/*/*`) and
    # the per-method throttles of its other method settings, keyed `/pets/GET` (reference §8.3;
    # for HTTP APIs, `defaultRouteSettings` and `routeSettings`, §1.10).
    throttle: ThrottleLimits | None = None
    method_throttles: Mapping[str, ThrottleLimits] = field(default_factory=dict)
    # Detailed metrics (`metricsEnabled`) by method setting key, `/*/*` included; a method
    # without one has none (observability/metrics.py).
    detailed_metrics: Mapping[str, bool] = field(default_factory=dict)
    # The stage cache (reference §1.9), when the stage's cache cluster is enabled.
    cache: StageCache | None = None
    # X-Ray's active tracing (`tracingEnabled`, REST): requests without a caller's trace header
    # are traced too when OpenTelemetry export is on (observability/tracing.py).
    tracing_enabled: bool = False

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> StageSettings:
        log_format = data.get("accessLogFormat")
        if log_format is not None and not isinstance(log_format, str):
            raise PlanError("accessLogFormat: expected a string")
        canary, throttle, cache = data.get("canary"), data.get("throttle"), data.get("cache")
        return cls(
            variables=dict(_mapping(data, "variables")),
            access_log_format=log_format,
            canary=_mapping(data, "canary") if canary is not None else None,
            throttle=ThrottleLimits.from_data(throttle) if throttle is not None else None,
            method_throttles=_throttles(data, "methodThrottles"),
            detailed_metrics={k: v is True for k, v in _mapping(data, "detailedMetrics").items()},
            cache=StageCache.from_data(_as_mapping(cache)) if cache is not None else None,
            tracing_enabled=_bool(data, "tracingEnabled") if "tracingEnabled" in data else False,
        )

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"variables": dict(self.variables)}
        if self.access_log_format is not None:
            data["accessLogFormat"] = self.access_log_format
        if self.canary is not None:
            data["canary"] = dict(self.canary)
        if self.throttle is not None:
            data["throttle"] = self.throttle.to_data()
        if self.method_throttles:
            data["methodThrottles"] = {k: v.to_data() for k, v in self.method_throttles.items()}
        if self.detailed_metrics:
            data["detailedMetrics"] = dict(self.detailed_metrics)
        if self.cache is not None:
            data["cache"] = self.cache.to_data()
        if self.tracing_enabled:
            data["tracingEnabled"] = True
        return data


@dataclass(frozen=True, slots=True)
class WebSocketRouteEntry:
    """One route of the WebSocket API (reference §10.2): its key (`$connect`, `$disconnect`,
    `$default` or a custom key), its integration config (the shape of `RouteEntry.integration`),
    whether it has the `$default` route response (two-way: the integration's answer goes back to
    the client, §10.3), its Lambda REQUEST authorizer (`$connect` only, a name in
    `WebSocketSettings.authorizers`), `apiKeyRequired`, and `authorizationType` (`AWS_IAM` on
    `$connect`: SigV4 on the upgrade, websocket/iam.py)."""

    route_key: str
    integration: Mapping[str, Any]
    route_response: bool = False
    authorizer: str | None = None
    api_key_required: bool = False
    authorization_type: str = "NONE"
    # Request validation (developer guide, "Request validation for WebSocket APIs"): the
    # `modelSelectionExpression` and `requestModels` (key -> key of the generated VALIDATORS).
    model_selection_expression: str | None = None
    models: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> WebSocketRouteEntry:
        authorizer, namespace = data.get("authorizer"), data.get("cacheNamespace")
        if not isinstance(authorizer, str | None) or not isinstance(namespace, str | None):
            raise PlanError("authorizer or cacheNamespace: expected a string")
        return cls(
            route_key=_string(data, "routeKey"),
            integration=_mapping(data, "integration"),
            route_response=_bool(data, "routeResponse"),
            authorizer=authorizer,
            api_key_required=_bool(data, "apiKeyRequired"),
            authorization_type=_string(data, "authorizationType"),
            model_selection_expression=(
                str(data["modelSelectionExpression"])
                if data.get("modelSelectionExpression") is not None
                else None
            ),
            models={str(k): str(v) for k, v in (data.get("requestModels") or {}).items()},
        )

    def to_data(self) -> dict[str, Any]:
        return {
            "routeKey": self.route_key,
            "integration": dict(self.integration),
            "routeResponse": self.route_response,
            "authorizer": self.authorizer,
            "apiKeyRequired": self.api_key_required,
            "authorizationType": self.authorization_type,
            "modelSelectionExpression": self.model_selection_expression,
            "requestModels": dict(self.models),
        }


@dataclass(frozen=True, slots=True)
class WebSocketSettings:
    """The WebSocket API of `x-apigwc.websocket` (reference §10): its own API id, its
    `routeSelectionExpression`, its routes by key and its Lambda REQUEST authorizers (the REST
    record, `AuthorizerConfig`, with WebSocket identity sources `route.request.header.X`,
    `route.request.querystring.X`, `stageVariables.X`, `context.X`)."""

    api_id: str
    route_selection_expression: str
    routes: Mapping[str, WebSocketRouteEntry]
    authorizers: Mapping[str, AuthorizerConfig] = field(default_factory=dict)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> WebSocketSettings:
        return cls(
            api_id=_string(data, "apiId"),
            route_selection_expression=_string(data, "routeSelectionExpression"),
            routes={
                key: WebSocketRouteEntry.from_data(route)
                for key, route in _mapping(data, "routes").items()
            },
            authorizers={
                name: AuthorizerConfig.from_data(config)
                for name, config in _mapping(data, "authorizers").items()
            },
        )

    def to_data(self) -> dict[str, Any]:
        return {
            "apiId": self.api_id,
            "routeSelectionExpression": self.route_selection_expression,
            "routes": {key: route.to_data() for key, route in self.routes.items()},
            "authorizers": {name: a.to_data() for name, a in self.authorizers.items()},
        }


@dataclass(frozen=True, slots=True)
class ApiSettings:
    """The API's settings the gateway reads once (the generated `API`). Nested configs that one
    runtime module reads (gateway responses, CORS, the policy, functions) stay plain mappings in
    the shape of their API Gateway extension."""

    protocol: str  # "REST" or "HTTP"
    title: str
    api_id: str
    deployment_id: str
    region: str
    account: str
    default_stage: str
    stages: Mapping[str, StageSettings]
    binary_media_types: tuple[str, ...]
    gateway_responses: Mapping[str, Mapping[str, Any]]
    cors: Mapping[str, Any] | None
    resource_policy: Mapping[str, Any] | None
    source_vpce: str | None
    minimum_compression_size: int | None
    functions: Mapping[str, Mapping[str, Any]]
    # The REST API's Lambda authorizers the runtime runs, by name (the security scheme's).
    authorizers: Mapping[str, AuthorizerConfig] = field(default_factory=dict)
    # Where API keys come from (`x-amazon-apigateway-api-key-source`: HEADER or AUTHORIZER) and
    # the keys a caller can present, by name (reference §1.3).
    api_key_source: str = "HEADER"
    api_keys: Mapping[str, ApiKeyEntry] = field(default_factory=dict)
    # The usage plans (reference §7), by name: throttles and quotas of their keys.
    usage_plans: Mapping[str, UsagePlanEntry] = field(default_factory=dict)
    # Where AWS service integrations are sent (`x-apigwc.awsEndpoint`: url, region, accessKeyId,
    # secretAccessKey) and the keys that stand in for an integration's `credentials` role, by
    # role ARN (`x-apigwc.identities.iamCredentials` entries whose `arn` names it).
    aws_endpoint: Mapping[str, Any] | None = None
    aws_role_credentials: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # The local IAM identities that can sign requests to `AWS_IAM` routes, by name.
    iam_credentials: Mapping[str, IamCredential] = field(default_factory=dict)
    # The WebSocket API served beside the REST or HTTP API (`x-apigwc.websocket`), or None.
    websocket: WebSocketSettings | None = None
    # The Cognito (REST) and JWT (HTTP API) authorizers, by name (the security scheme's).
    jwt_authorizers: Mapping[str, JwtAuthorizerConfig] = field(default_factory=dict)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> ApiSettings:
        size = data.get("minimumCompressionSize")
        vpce = data.get("sourceVpce")
        if (size is not None and type(size) is not int) or not isinstance(vpce, str | None):
            raise PlanError("minimumCompressionSize or sourceVpce: unexpected type")
        return cls(
            protocol=_string(data, "protocol"),
            title=_string(data, "title"),
            api_id=_string(data, "apiId"),
            deployment_id=_string(data, "deploymentId"),
            region=_string(data, "region"),
            account=_string(data, "account"),
            default_stage=_string(data, "defaultStage"),
            stages={
                name: StageSettings.from_data(stage)
                for name, stage in _mapping(data, "stages").items()
            },
            binary_media_types=_strings(data, "binaryMediaTypes"),
            gateway_responses=_mapping(data, "gatewayResponses"),
            cors=_mapping(data, "cors") if data.get("cors") is not None else None,
            resource_policy=_mapping(data, "resourcePolicy") or None,
            source_vpce=vpce,
            minimum_compression_size=size,
            functions=_mapping(data, "functions"),
            authorizers={
                name: AuthorizerConfig.from_data(config)
                for name, config in _mapping(data, "authorizers").items()
            },
            api_key_source=_key_source(data),
            api_keys={
                name: ApiKeyEntry.from_data(key) for name, key in _mapping(data, "apiKeys").items()
            },
            usage_plans={
                name: UsagePlanEntry.from_data(plan)
                for name, plan in _mapping(data, "usagePlans").items()
            },
            aws_endpoint=_mapping(data, "awsEndpoint") or None,
            aws_role_credentials=_mapping(data, "awsRoleCredentials"),
            iam_credentials={
                name: IamCredential.from_data(entry)
                for name, entry in _mapping(data, "iamCredentials").items()
            },
            websocket=(
                WebSocketSettings.from_data(_mapping(data, "websocket"))
                if data.get("websocket") is not None
                else None
            ),
            jwt_authorizers={
                name: JwtAuthorizerConfig.from_data(_as_mapping(config))
                for name, config in _mapping(data, "jwtAuthorizers").items()
            },
        )

    def to_data(self) -> dict[str, Any]:
        """The generated `API` table, keys in the order the build writes them (`websocket`
        only when the API has one)."""
        data: dict[str, Any] = {
            "protocol": self.protocol,
            "title": self.title,
            "apiId": self.api_id,
            "deploymentId": self.deployment_id,
            "region": self.region,
            "account": self.account,
            "defaultStage": self.default_stage,
            "stages": {name: stage.to_data() for name, stage in self.stages.items()},
            "binaryMediaTypes": list(self.binary_media_types),
            "gatewayResponses": {k: dict(v) for k, v in self.gateway_responses.items()},
            "cors": dict(self.cors) if self.cors is not None else None,
            "resourcePolicy": dict(self.resource_policy) if self.resource_policy else None,
            "sourceVpce": self.source_vpce,
            "minimumCompressionSize": self.minimum_compression_size,
            "functions": {name: dict(config) for name, config in self.functions.items()},
            "authorizers": {name: a.to_data() for name, a in self.authorizers.items()},
            "apiKeySource": self.api_key_source,
            "apiKeys": {name: key.to_data() for name, key in self.api_keys.items()},
            "awsEndpoint": dict(self.aws_endpoint) if self.aws_endpoint else None,
            "awsRoleCredentials": {k: dict(v) for k, v in self.aws_role_credentials.items()},
            "iamCredentials": {name: c.to_data() for name, c in self.iam_credentials.items()},
        }
        data.update(self._jwt_data())
        if self.usage_plans:
            data["usagePlans"] = {name: p.to_data() for name, p in self.usage_plans.items()}
        if self.websocket is not None:
            data["websocket"] = self.websocket.to_data()
        return data

    def _jwt_data(self) -> dict[str, Any]:
        """`jwtAuthorizers`, written only when the API has some."""
        if not self.jwt_authorizers:
            return {}
        return {"jwtAuthorizers": {n: a.to_data() for n, a in self.jwt_authorizers.items()}}


def load_routes(table: tuple[Mapping[str, Any], ...]) -> tuple[RouteEntry, ...]:
    """The generated `ROUTES` table as records (at start-up, once)."""
    return tuple(RouteEntry.from_data(data) for data in table)


def _key_source(data: Mapping[str, Any]) -> str:
    source = data.get("apiKeySource", "HEADER")
    if source not in ("HEADER", "AUTHORIZER"):
        raise PlanError(f"apiKeySource: expected HEADER or AUTHORIZER, got {source!r}")
    return str(source)


def _string(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise PlanError(f"{key}: expected a string, got {type(value).__name__}")
    return value


def _bool(data: Mapping[str, Any], key: str) -> bool:
    value = data.get(key)
    if not isinstance(value, bool):
        raise PlanError(f"{key}: expected true or false, got {type(value).__name__}")
    return value


def _strings(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key) or ()
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise PlanError(f"{key}: expected a list of strings")
    return tuple(value)


def _throttles(data: Mapping[str, Any], key: str) -> dict[str, ThrottleLimits]:
    return {name: ThrottleLimits.from_data(t) for name, t in _mapping(data, key).items()}


def _as_mapping(value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PlanError(f"expected a mapping, got {type(value).__name__}")
    return value


def _mapping(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key) or {}
    if not isinstance(value, Mapping):
        raise PlanError(f"{key}: expected a mapping, got {type(value).__name__}")
    return value
