"""Deployment rules for `x-apigwc`: stages, API keys, usage plans and functions (reference §5).

Flows in: the IR `Api`, mainly `api.deployment`. Flows out: AGW480 to AGW491 and AGW498, AGW499
(custom domains, endpoint type and policies, AGW492 to AGW497, are in `domains`). `x-apigwc` is
read with pydantic, so its nodes carry no origin: findings point
at `x-apigwc/...` pointers built from the names here. Values that are intrinsics or hold `${...}`
take their value at deploy time and are not checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from apigwc.diagnostics.catalogue import Code
from apigwc.diagnostics.model import Origin, Severity
from apigwc.ir.api import Api
from apigwc.ir.base import Deployable
from apigwc.ir.deployment import MethodSetting, Stage, Throttle
from apigwc.ir.enums import HTTP_METHODS, IntegrationType, Protocol
from apigwc.ir.integration import Integration, lambda_function
from apigwc.validation.base import Report
from apigwc.validation.examples import document, operation

E, W = Severity.ERROR, Severity.WARNING


def example(body: str, extra: str = "") -> str:
    """A one-operation document (GET /pets) with `x-apigwc` holding `body` (2-space indented)."""
    indented = "".join(f"  {line}\n" for line in body.strip("\n").splitlines())
    return document(operation() + extra + "x-apigwc:\n" + indented)


_LAMBDA = (
    "      x-amazon-apigateway-integration:\n        type: aws_proxy\n        httpMethod: POST\n"
    "        uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:123456789012:function:ListPets/invocations\n"
)

CODES = (
    Code(
        "AGW480",
        "stage-name",
        E,
        "stage name {name!r} {problem}",
        "use letters, digits, '-' and '_' only, at most 128 characters",
        "Stage names match [A-Za-z0-9_-]+ and are at most 128 characters (API Gateway quotas).",
        bad=example("stages:\n  prod.v1: {}"),
        good=example("stages:\n  prod_v1: {}"),
    ),
    Code(
        "AGW481",
        "stage-variable-name",
        E,
        "stage {stage!r}: {problem}",
        "stage variable names are letters, digits and '_', at most 64 characters; at most 100 variables per stage",
        "Stage variables: at most 100 per stage, names [A-Za-z0-9_]+ of at most 64 characters.",
        bad=example("stages:\n  prod:\n    variables: {backend-url: example.com}"),
        good=example("stages:\n  prod:\n    variables: {backend_url: example.com}"),
    ),
    Code(
        "AGW482",
        "stage-variable-value",
        E,
        "stage {stage!r}: variable {name!r} has value {value!r}, {problem}",
        "use at most 512 characters of A-Z a-z 0-9 - . _ ~ : / ? # & = ,",
        "Stage variable values match [A-Za-z0-9-._~:/?#&=,]+ and are at most 512 characters.",
        bad=example("stages:\n  prod:\n    variables: {greeting: hello world}"),
        good=example("stages:\n  prod:\n    variables: {greeting: hello_world}"),
    ),
    Code(
        "AGW483",
        "method-setting-key",
        E,
        "{where} key {key!r} {problem}",
        "key settings by /{{resource path}}/{{METHOD}} of a declared method, or /*/* for all methods",
        "Method settings and usage plan throttles name a method as `/resource/METHOD` (with `*` "
        "wildcards); API Gateway refuses a path that names no resource or method.",
        bad=example("stages:\n  prod:\n    methodSettings:\n      /pets/POST: {metrics: true}"),
        good=example("stages:\n  prod:\n    methodSettings:\n      /pets/GET: {metrics: true}"),
    ),
    Code(
        "AGW484",
        "throttle-range",
        E,
        "{where}: {field} is {value}; throttle limits cannot be negative",
        "use a rate and burst of 0 or more",
        "Throttle rate and burst limits are non-negative numbers.",
        bad=example("stages:\n  prod:\n    throttle: {rateLimit: -1, burstLimit: 10}"),
        good=example("stages:\n  prod:\n    throttle: {rateLimit: 5, burstLimit: 10}"),
    ),
    Code(
        "AGW485",
        "cache-settings",
        E,
        "{where}: {problem}",
        "cache TTL is 0 to 3600 seconds; cluster sizes are 0.5, 1.6, 6.1, 13.5, 28.4, 58.2, 118 and 237 (GB); unauthorizedCacheControlHeaderStrategy is FAIL_WITH_403, SUCCEED_WITH_RESPONSE_HEADER or SUCCEED_WITHOUT_RESPONSE_HEADER",
        "Stage cache TTL 0 to 3600 s, the documented cache cluster sizes (API Gateway quotas) and the three strategies for unauthorized cache invalidation.",
        bad=example(
            "stages:\n  prod:\n    cache: {enabled: true, ttlInSeconds: 300, clusterSize: '2'}"
        ),
        good=example(
            "stages:\n  prod:\n    cache: {enabled: true, ttlInSeconds: 300, clusterSize: '1.6'}"
        ),
    ),
    Code(
        "AGW486",
        "quota-range",
        E,
        "usage plan {plan!r}: quota {field} is {value}; it cannot be negative",
        "use a limit and offset of 0 or more",
        "A usage plan quota has a non-negative limit and offset.",
        bad=example("usagePlans:\n  basic: {quota: {limit: -5, period: DAY}}"),
        good=example("usagePlans:\n  basic: {quota: {limit: 5000, period: DAY}}"),
    ),
    Code(
        "AGW487",
        "usage-plan-method-throttles",
        E,
        "usage plan {plan!r} has {count} per-method throttles; API Gateway accepts 20 per stage",
        "keep the 20 methods that need their own limits",
        "Method-level throttles per stage in a usage plan: 20 (raisable on request only).",
        bad=document(
            "paths:\n"
            + "".join(
                f"  /p{i}:\n    get:\n      responses: {{'200': {{description: ok}}}}\n"
                for i in range(21)
            )
            + "x-apigwc:\n  usagePlans:\n    basic:\n      methodThrottles:\n"
            + "".join(f"        /p{i}/GET: {{rateLimit: 1}}\n" for i in range(21))
        ),
        good=example(
            "usagePlans:\n  basic:\n    methodThrottles:\n      /pets/GET: {rateLimit: 1}"
        ),
    ),
    Code(
        "AGW488",
        "usage-plan-reference",
        E,
        "usage plan {plan!r} names {kind} {name!r}, which x-apigwc does not define",
        "define it under x-apigwc.{place}, or fix the name",
        "A usage plan's stages and API keys must exist.",
        bad=example("stages: {prod: {}}\nusagePlans:\n  basic: {stages: [production]}"),
        good=example("stages: {prod: {}}\nusagePlans:\n  basic: {stages: [prod]}"),
    ),
    Code(
        "AGW489",
        "api-key-value",
        E,
        "API key {key!r} has a value of {length} characters that {problem}",
        "use 20 to 128 letters and digits, or leave the value out and let API Gateway generate one",
        "API key values are 20 to 128 alphanumeric characters.",
        bad=example("apiKeys:\n  partner: {value: short-key}"),
        good=example("apiKeys:\n  partner: {value: PartnerKey0123456789abcdef}"),
    ),
    Code(
        "AGW490",
        "function-not-defined",
        W,
        "Lambda function {function!r} has no entry in x-apigwc.functions; `apigwc serve` cannot run this route",
        "add x-apigwc.functions.{function} with its handler (module:function)",
        "Locally, a Lambda integration runs the handler that `x-apigwc.functions` maps the "
        "function name (or CloudFormation logical id) to; without one it calls Lambda's Invoke "
        "API at x-apigwc.awsEndpoint (or AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_LAMBDA when "
        "serving), and answers 500 when there is none.",
        bad=document(operation(_LAMBDA)),
        good=document(
            operation(_LAMBDA)
            + "x-apigwc:\n  functions:\n    ListPets: {handler: pets:list_pets}\n"
        ),
    ),
    Code(
        "AGW491",
        "handler-form",
        E,
        "function {function!r} has handler {handler!r}; expected module:function",
        "write the handler as a dotted module path, a colon and a function name (pets:list_pets)",
        "Local handlers are Python callables named `module:function`.",
        bad=example("functions:\n  ListPets: {handler: pets.list_pets}"),
        good=example("functions:\n  ListPets: {handler: pets:list_pets}"),
    ),
    Code(
        "AGW498",
        "access-log-format",
        E,
        "stage {stage!r}: the access log format {problem}",
        "write one line of at most 3 KB that includes $context.requestId",
        "API Gateway requires `$context.requestId` (or `$context.extendedRequestId`) in an access "
        "log format, on one line, of at most 3 KB.",
        bad=example("stages:\n  prod:\n    accessLog: {format: '$context.status $context.path'}"),
        good=example(
            "stages:\n  prod:\n    accessLog: {format: '$context.requestId $context.status'}"
        ),
    ),
    Code(
        "AGW499",
        "canary-percent",
        E,
        "stage {stage!r}: canary percentTraffic is {value}; it must be 0 to 100",
        "use a percentage from 0.0 to 100.0",
        "A canary receives a percentage of the stage's traffic.",
        bad=example("stages:\n  prod:\n    canary: {percentTraffic: 150}"),
        good=example("stages:\n  prod:\n    canary: {percentTraffic: 15}"),
    ),
)

_STAGE_NAME = re.compile(r"[A-Za-z0-9_-]{1,128}")
_VARIABLE_NAME = re.compile(r"[A-Za-z0-9_]{1,64}")
_VARIABLE_VALUE = re.compile(r"[A-Za-z0-9\-._~:/?#&=,]+")
_CLUSTER_SIZES = ("0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237")
_CACHE_CONTROL_STRATEGIES = (
    "FAIL_WITH_403",
    "SUCCEED_WITH_RESPONSE_HEADER",
    "SUCCEED_WITHOUT_RESPONSE_HEADER",
)
_API_KEY = re.compile(r"[A-Za-z0-9]{20,128}")
_HANDLER = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*")


def check(api: Api, report: Report) -> None:
    deployment = api.deployment
    for name, stage in deployment.stages.items():
        _check_stage(api, name, stage, report)
    _check_usage_plans(api, report)
    for name, key in deployment.api_keys.items():
        value = key.value
        if value is not None and not _API_KEY.fullmatch(value):
            problem = "is not 20 to 128 letters and digits"
            report(
                "AGW489",
                x_apigwc_at(api, "apiKeys", name, "value"),
                key=name,
                length=len(value),
                problem=problem,
            )
    _check_functions(api, report)


def x_apigwc_at(api: Api, *tokens: str | int) -> Origin | None:
    return api.origin.child("x-apigwc", *tokens) if api.origin else None


def deploy_time(value: Deployable | None) -> bool:
    return value is not None and (not isinstance(value, str) or "${" in value)


# -- stages ------------------------------------------------------------------------------------
def _check_stage(api: Api, name: str, stage: Stage, report: Report) -> None:
    at = x_apigwc_at(api, "stages", name)
    # HTTP APIs also have the `$default` stage, served at the root ([CFN] ApiGatewayV2::Stage)
    default_http = name == "$default" and api.protocol is Protocol.HTTP
    if not default_http and not _STAGE_NAME.fullmatch(name):
        problem = (
            "is longer than 128 characters"
            if len(name) > 128
            else "has characters outside [A-Za-z0-9_-]"
        )
        report("AGW480", at, at_key=True, name=name, problem=problem)
    _check_variables(api, name, stage.variables, ("stages", name, "variables"), report)
    if stage.canary is not None:
        overrides = stage.canary.stage_variable_overrides
        _check_variables(
            api, name, overrides, ("stages", name, "canary", "stageVariableOverrides"), report
        )
        if not 0 <= stage.canary.percent_traffic <= 100:
            where = x_apigwc_at(api, "stages", name, "canary", "percentTraffic")
            report("AGW499", where, stage=name, value=stage.canary.percent_traffic)
    _check_throttle(api, stage.throttle, f"stage {name!r}", ("stages", name, "throttle"), report)
    _check_stage_cache(api, name, stage, report)
    for key, setting in stage.method_settings.items():
        tokens = ("stages", name, "methodSettings", key)
        _check_method_key(api, key, f"stage {name!r} methodSettings", tokens, report)
        _check_throttle(api, setting.throttle, f"{name} {key}", (*tokens, "throttle"), report)
        _check_method_caching(api, f"{name} {key}", setting, tokens, report)
    if stage.access_log is not None:
        _check_access_log(api, name, stage.access_log.format, report)


def _check_method_caching(
    api: Api, where: str, setting: MethodSetting, tokens: tuple[str, ...], report: Report
) -> None:
    """A method setting's cache TTL (0 to 3600) and its unauthorized cache-control strategy
    (one of API Gateway's three values, reference §1.9)."""
    caching = setting.caching
    if caching is None:
        return
    ttl = caching.ttl_in_seconds
    if ttl is not None and not 0 <= ttl <= 3600:
        at = x_apigwc_at(api, *tokens, "caching", "ttlInSeconds")
        report("AGW485", at, where=where, problem=f"cache TTL {ttl} is outside 0 to 3600")
    strategy = caching.unauthorized_cache_control_header_strategy
    if strategy is not None and strategy not in _CACHE_CONTROL_STRATEGIES:
        at = x_apigwc_at(api, *tokens, "caching", "unauthorizedCacheControlHeaderStrategy")
        problem = f"unauthorizedCacheControlHeaderStrategy {strategy!r} is not one of " + ", ".join(
            _CACHE_CONTROL_STRATEGIES
        )
        report("AGW485", at, where=where, problem=problem)


def _check_variables(
    api: Api, stage: str, variables: dict[str, str], tokens: tuple[str, ...], report: Report
) -> None:
    if len(variables) > 100:
        problem = f"{len(variables)} stage variables, over the limit of 100"
        report("AGW481", x_apigwc_at(api, *tokens), at_key=True, stage=stage, problem=problem)
    for key, value in variables.items():
        if not _VARIABLE_NAME.fullmatch(key):
            problem = f"stage variable name {key!r} is not [A-Za-z0-9_]{{1,64}}"
            report(
                "AGW481", x_apigwc_at(api, *tokens, key), at_key=True, stage=stage, problem=problem
            )
        if len(value) > 512 or not _VARIABLE_VALUE.fullmatch(value):
            problem = (
                "over 512 characters" if len(value) > 512 else "with characters API Gateway refuses"
            )
            report(
                "AGW482",
                x_apigwc_at(api, *tokens, key),
                stage=stage,
                name=key,
                value=value[:60],
                problem=problem,
            )


def _check_throttle(
    api: Api, throttle: Throttle | None, where: str, tokens: tuple[str, ...], report: Report
) -> None:
    if throttle is None:
        return
    for field, value in (("rateLimit", throttle.rate_limit), ("burstLimit", throttle.burst_limit)):
        if value is not None and value < 0:
            report(
                "AGW484", x_apigwc_at(api, *tokens, field), where=where, field=field, value=value
            )


def _check_stage_cache(api: Api, name: str, stage: Stage, report: Report) -> None:
    cache = stage.cache
    if cache is None:
        return
    tokens = ("stages", name, "cache")
    if cache.ttl_in_seconds is not None and not 0 <= cache.ttl_in_seconds <= 3600:
        problem = f"cache TTL {cache.ttl_in_seconds} is outside 0 to 3600"
        report(
            "AGW485",
            x_apigwc_at(api, *tokens, "ttlInSeconds"),
            where=f"stage {name!r}",
            problem=problem,
        )
    if cache.cluster_size is not None and cache.cluster_size not in _CLUSTER_SIZES:
        problem = (
            f"cache cluster size {cache.cluster_size!r} is not one of {', '.join(_CLUSTER_SIZES)}"
        )
        report(
            "AGW485",
            x_apigwc_at(api, *tokens, "clusterSize"),
            where=f"stage {name!r}",
            problem=problem,
        )


def _check_access_log(api: Api, stage: str, fmt: str, report: Report) -> None:
    where = x_apigwc_at(api, "stages", stage, "accessLog", "format")
    if "\n" in fmt.strip("\n") or "\r" in fmt:
        report("AGW498", where, stage=stage, problem="spans several lines")
    elif "$context.requestId" not in fmt and "$context.extendedRequestId" not in fmt:
        report("AGW498", where, stage=stage, problem="does not include $context.requestId")
    elif len(fmt.encode()) > 3072:
        report("AGW498", where, stage=stage, problem=f"is {len(fmt.encode()):,} bytes, over 3 KB")


# -- method keys -------------------------------------------------------------------------------
def _check_method_key(
    api: Api, key: str, where: str, tokens: tuple[str, ...], report: Report
) -> None:
    problem = _method_key_problem(api, key)
    if problem:
        report(
            "AGW483", x_apigwc_at(api, *tokens), at_key=True, where=where, key=key, problem=problem
        )


def _method_key_problem(api: Api, key: str) -> str:
    if not key.startswith("/") or key.count("/") < 1:
        return "is not /{resource path}/{METHOD}"
    cut = key.rfind("/")
    resource, method = key[:cut] or "/", key[cut + 1 :]
    if method != "*" and method not in (*HTTP_METHODS, "ANY"):
        return f"ends in {method!r}, not an HTTP method or *"
    if resource == "/*":
        return ""
    declared = {m.http_method for m in api.methods if m.path == resource}
    if not declared and resource not in {item.path for item in api.paths}:
        return f"names resource {resource!r}, which the API does not have"
    if method != "*" and method not in declared and "ANY" not in declared:
        return f"names {method} on {resource!r}, which declares {', '.join(sorted(declared)) or 'no method'}"
    return ""


# -- usage plans -------------------------------------------------------------------------------
def _check_usage_plans(api: Api, report: Report) -> None:
    deployment = api.deployment
    for name, plan in deployment.usage_plans.items():
        tokens = ("usagePlans", name)
        for i, stage in enumerate(plan.stages):
            if stage not in deployment.stage_names:
                where = x_apigwc_at(api, *tokens, "stages", i)
                report("AGW488", where, plan=name, kind="stage", name=stage, place="stages")
        for i, key in enumerate(plan.api_keys):
            if key not in deployment.api_keys:
                where = x_apigwc_at(api, *tokens, "apiKeys", i)
                report("AGW488", where, plan=name, kind="API key", name=key, place="apiKeys")
        _check_throttle(api, plan.throttle, f"usage plan {name!r}", (*tokens, "throttle"), report)
        if plan.quota is not None:
            for field in ("limit", "offset"):
                value = getattr(plan.quota, field)
                if value is not None and value < 0:
                    report(
                        "AGW486",
                        x_apigwc_at(api, *tokens, "quota", field),
                        plan=name,
                        field=field,
                        value=value,
                    )
        if len(plan.method_throttles) > 20:
            where = x_apigwc_at(api, *tokens, "methodThrottles")
            report("AGW487", where, at_key=True, plan=name, count=len(plan.method_throttles))
        for key, throttle in plan.method_throttles.items():
            key_tokens = (*tokens, "methodThrottles", key)
            _check_method_key(api, key, f"usage plan {name!r} methodThrottles", key_tokens, report)
            _check_throttle(api, throttle, f"usage plan {name!r} {key}", key_tokens, report)


# -- functions ---------------------------------------------------------------------------------
def _check_functions(api: Api, report: Report) -> None:
    functions = api.deployment.functions
    for name, function in functions.items():
        if function.endpoint is None and not _HANDLER.fullmatch(function.handler):
            where = x_apigwc_at(api, "functions", name, "handler")
            report("AGW491", where, function=name, handler=function.handler)
    for integration in _lambda_integrations(api):
        function_name = lambda_function(integration.uri)
        if function_name is None or "${" in function_name:
            continue  # named by a parameter or a stage variable: known only when deployed
        # An alias or version (`name:live`) invokes the function the runtime resolves by name.
        remote = api.deployment.aws_endpoint is not None
        if function_name.split(":")[0] not in functions and not remote:
            # (a Lambda integration without a local handler calls Lambda's Invoke API at
            # x-apigwc.awsEndpoint: runtime/integrations/aws_step.py, aws_lambda.py)
            report(
                "AGW490",
                integration.origin.child("uri") if integration.origin else None,
                function=function_name,
            )


def _lambda_integrations(api: Api) -> Iterator[Integration]:
    candidates: list[Integration | None] = [m.integration for m in api.methods]
    candidates += list(api.integrations.values())
    websocket = api.deployment.websocket
    if websocket is not None:
        candidates += [route.integration for route in websocket.routes.values()]
    for integration in candidates:
        # As the build reads them (runtime_data): every AWS_PROXY URI, an AWS one that is Lambda's.
        if integration is not None and (
            integration.type is IntegrationType.AWS_PROXY
            or (integration.type is IntegrationType.AWS and integration.is_lambda)
        ):
            yield integration
