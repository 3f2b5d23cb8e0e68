"""The `x-apigwc` root extension as IR: what OpenAPI cannot say about deploying and running.

Keys are camelCase in the spec (as API Gateway names them) and snake_case here. Secrets
(`value` of API keys, `secretAccessKey`) are excluded from `repr` so they never reach a log.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict, Field
from pydantic.alias_generators import to_camel

from apigwc.ir.base import Deployable, Json, Node
from apigwc.ir.enums import EndpointType, LoggingLevel, Protocol, QuotaPeriod
from apigwc.ir.integration import Integration

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT = "123456789012"
DEFAULT_STAGE = "dev"


class Setting(Node):
    model_config = ConfigDict(
        frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True
    )


class Throttle(Setting):
    rate_limit: float | None = None
    burst_limit: int | None = None


class StageCache(Setting):
    enabled: bool = False
    ttl_in_seconds: int | None = None
    cluster_size: str | None = None
    data_encrypted: bool | None = None


class MethodCaching(Setting):
    enabled: bool | None = None
    ttl_in_seconds: int | None = None
    data_encrypted: bool | None = None
    require_authorization_for_cache_control: bool | None = None
    # FAIL_WITH_403, SUCCEED_WITH_RESPONSE_HEADER (API Gateway's default) or
    # SUCCEED_WITHOUT_RESPONSE_HEADER (reference §1.9); other values are diagnosed (AGW485).
    unauthorized_cache_control_header_strategy: str | None = None


class MethodSetting(Setting):
    throttle: Throttle | None = None
    caching: MethodCaching | None = None
    metrics: bool | None = None
    logging: LoggingLevel | None = None
    data_trace: bool | None = None


class AccessLog(Setting):
    format: str
    destination_arn: Deployable | None = None


class Canary(Setting):
    percent_traffic: float = 0.0
    stage_variable_overrides: dict[str, str] = Field(default_factory=dict)
    use_stage_cache: bool | None = None


class Stage(Setting):
    description: str | None = None
    variables: dict[str, str] = Field(default_factory=dict)
    throttle: Throttle | None = None
    cache: StageCache | None = None
    method_settings: dict[str, MethodSetting] = Field(default_factory=dict)
    access_log: AccessLog | None = None
    tracing: bool | None = None
    canary: Canary | None = None
    tags: dict[str, str] = Field(default_factory=dict)


class Function(Setting):
    """A Lambda function run locally: `handler` is `module:function` found under `code_uri`."""

    handler: str
    code_uri: str = "."
    runtime: str = "python3.12"
    timeout: int | None = None
    memory_size: int | None = None
    # Lambda's reserved concurrency: the function's own concurrency limit (0 throttles it).
    reserved_concurrent_executions: int | None = Field(default=None, ge=0)
    environment: dict[str, str] = Field(default_factory=dict)
    endpoint: str | None = None  # a remote Lambda Invoke endpoint instead of a local handler


class ApiKey(Setting):
    value: str | None = Field(default=None, repr=False)
    enabled: bool = True
    description: str | None = None
    customer_id: str | None = None


class Quota(Setting):
    limit: int
    period: QuotaPeriod
    offset: int | None = None


class UsagePlan(Setting):
    description: str | None = None
    stages: tuple[str, ...] = ()
    api_keys: tuple[str, ...] = ()
    throttle: Throttle | None = None
    quota: Quota | None = None
    method_throttles: dict[str, Throttle] = Field(default_factory=dict)  # "/pets/GET" -> limits


class MutualTls(Setting):
    truststore_uri: str
    truststore_version: str | None = None


class Domain(Setting):
    name: str
    endpoint_type: EndpointType = EndpointType.REGIONAL
    certificate_arn: Deployable | None = None
    security_policy: str | None = None
    endpoint_access_mode: str | None = None
    base_paths: dict[str, str] = Field(default_factory=dict)  # base path ("" = none) -> stage
    hosted_zone_name: str | None = None
    hosted_zone_id: str | None = None
    mutual_tls: MutualTls | None = None
    ownership_verification_certificate_arn: Deployable | None = None


class UserPool(Setting):
    """A Cognito user pool stood in for locally: tokens are checked against `jwks`."""

    issuer: str
    jwks: str  # a JWKS file (relative to the spec) or URL
    audience: tuple[str, ...] = ()
    arn: str | None = None  # the providerARN this pool stands for


class IamIdentity(Setting):
    """Local IAM credentials that can sign requests to `AWS_IAM` routes, with the identity's
    policy; `sessionToken` and `expiration` (ISO 8601) stand for temporary credentials."""

    access_key_id: str
    secret_access_key: str = Field(repr=False)
    arn: str | None = None  # default arn:aws:iam::{account}:user/{name}
    policy: Json | None = None
    session_token: str | None = Field(default=None, repr=False)
    expiration: datetime | None = None


class Identities(Setting):
    cognito_user_pools: dict[str, UserPool] = Field(default_factory=dict)
    iam_credentials: dict[str, IamIdentity] = Field(default_factory=dict)


class AwsEndpoint(Setting):
    url: str
    access_key_id: str | None = None
    secret_access_key: str | None = Field(default=None, repr=False)
    region: str | None = None


class WebSocketAuthorizer(Setting):
    type: str = "REQUEST"
    authorizer_uri: Deployable | None = None
    authorizer_credentials: Deployable | None = None
    identity_source: str | tuple[str, ...] = ()
    authorizer_result_ttl_in_seconds: int | None = None


class WebSocketRoute(Setting):
    integration: Integration | None = None
    authorizer: str | WebSocketAuthorizer | None = None  # a name in `authorizers`, or inline
    authorization_type: str | None = None
    api_key_required: bool | None = None
    route_response_selection_expression: str | None = None
    model_selection_expression: str | None = None
    request_models: dict[str, str] = Field(default_factory=dict)
    route_responses: dict[str, Json] = Field(default_factory=dict)  # by route response key


class WebSocketApi(Setting):
    name: str | None = None
    description: str | None = None
    route_selection_expression: str = "$request.body.action"
    api_key_selection_expression: str | None = None
    routes: dict[str, WebSocketRoute] = Field(default_factory=dict)
    authorizers: dict[str, WebSocketAuthorizer] = Field(default_factory=dict)


class Alarm(Setting):
    """One CloudWatch alarm of `x-apigwc.monitoring` (`AWS::CloudWatch::Alarm`): unset values
    take the alarm's defaults (`ALARM_DEFAULTS`); `enabled: false` emits none."""

    enabled: bool = True
    threshold: float | None = None
    period: int | None = None  # seconds: 10, 30 or a multiple of 60
    evaluation_periods: int | None = None
    datapoints_to_alarm: int | None = None

    def with_defaults(self, defaults: Alarm) -> Alarm:
        given = self.model_dump(exclude_none=True, exclude={"origin"})
        return defaults.model_copy(update=given)


# CloudWatch's recommended alarms for API Gateway ("Recommended alarms", CloudWatch user guide):
# 5XXError as a rate (Average) above 5% in 3 of 3 minutes; Latency above 2.5 s in 5 of 5 minutes
# (at p99 here, as the dialect promises, where AWS recommends p90).
ALARM_DEFAULTS = {
    "serverErrorRate": Alarm(
        threshold=0.05, period=60, evaluation_periods=3, datapoints_to_alarm=3
    ),
    "latencyP99": Alarm(threshold=2500, period=60, evaluation_periods=5, datapoints_to_alarm=5),
}


class Monitoring(Setting):
    """`x-apigwc.monitoring`: CloudWatch alarms per stage in the emitted templates (opt-in: no
    key, no alarm). `stages` empty: every stage."""

    stages: tuple[str, ...] = ()
    alarm_actions: tuple[Deployable, ...] = ()
    ok_actions: tuple[Deployable, ...] = ()
    server_error_rate: Alarm = Field(default_factory=Alarm)
    latency_p99: Alarm = Field(default_factory=Alarm)

    def alarms(self) -> dict[str, Alarm]:
        """The enabled alarms by their key, defaults filled in."""
        given = {"serverErrorRate": self.server_error_rate, "latencyP99": self.latency_p99}
        return {k: a.with_defaults(ALARM_DEFAULTS[k]) for k, a in given.items() if a.enabled}


class Deployment(Setting):
    region: str = DEFAULT_REGION
    account: str = DEFAULT_ACCOUNT
    protocol: Protocol | None = None
    endpoint_type: EndpointType | None = None
    functions: dict[str, Function] = Field(default_factory=dict)
    stages: dict[str, Stage] = Field(default_factory=dict)
    api_keys: dict[str, ApiKey] = Field(default_factory=dict)
    usage_plans: dict[str, UsagePlan] = Field(default_factory=dict)
    domains: tuple[Domain, ...] = ()
    identities: Identities | None = None
    aws_endpoint: AwsEndpoint | None = None
    websocket: WebSocketApi | None = None
    monitoring: Monitoring | None = None

    @property
    def stage_names(self) -> tuple[str, ...]:
        """Stages in order; with none declared the API has one stage, "dev"."""
        return tuple(self.stages) or (DEFAULT_STAGE,)

    @property
    def default_stage(self) -> str:
        return self.stage_names[0]
