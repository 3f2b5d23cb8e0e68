"""Lambda authorizers: REST `TOKEN` and `REQUEST` (reference §1.4, §2.5, §2.7, §2.8), and HTTP
API `REQUEST` authorizers with payload 1.0 or 2.0 (§1.10, §2.6).

Flows in: the route's authorizer (`plan.AuthorizerConfig`), the API's functions and authorizer
result cache (`Deployment`); per request, its identity sources. Flows out: nothing when the
returned policy allows `execute-api:Invoke` on the method ARN (then `request.authorizer` holds
`$context.authorizer`: principalId, the context values as strings, integrationLatency), else the
`GatewayError` API Gateway answers:

- identity source missing or empty, or a TOKEN not matching `identityValidationExpression`:
  401 UNAUTHORIZED, without invoking the function (REQUEST: only when caching is on; without
  caching its identity sources are optional);
- the function fails with the message `Unauthorized`: 401 UNAUTHORIZED;
- an explicit Deny matches: 403 ACCESS_DENIED `User is not authorized to access this resource
  with an explicit deny`; no Allow matches: 403 `User is not authorized to access this resource`;
- any other failure (another error, a timeout, throttling, no local handler, a result without a
  string `principalId` or a `policyDocument` with statements, a statement without a valid
  `Effect`, `Action` and `Resource`, a `context` value that is an object or an array):
  500 AUTHORIZER_CONFIGURATION_ERROR, `{"message": null}`.

Results are cached for `authorizerResultTtlInSeconds` (0: never) under the authorizer, the stage
and the identity values (the token, or every REQUEST identity source), API-wide as API Gateway
caches them: a result cached on one method is judged again for another method's ARN, so a policy
scoped to `GET /a` denies `POST /b`. Only validated policies are cached, never a failure.

The context values reach the backend as strings (`123` -> "123", `true` -> "true"), a `null` as
null, followed by `principalId` and `integrationLatency`: AWS's answer as a user recorded it
(DefinitelyTyped/DefinitelyTyped#69823: `{"str":"hello","bool":"true","null":null,"num":"123",
"principalId":"my-username","integrationLatency":0}`).

HTTP APIs run the same steps with their own input and output (§2.6): the 2.0 event is the 2.0
proxy event without a body, with `type`, `routeArn` and `identitySource` (the values as a list);
the 1.0 event is REST's REQUEST event with `version`, and `identitySource` and
`authorizationToken` both the values joined with ",". With `enableSimpleResponses` the function
answers `{"isAuthorized": bool, "context": {...}}` (not a boolean: 500); otherwise a policy as
above. Payload 2.0 keeps the context values as JSON (arrays and maps too), and the 2.0 proxy
event carries them as `requestContext.authorizer.lambda` (`lambda_proxy.http_event`); 1.0 is
REST's `requestContext.authorizer`. The answers are HTTP API's fixed bodies (gateway_responses
`render_http`): 401 Unauthorized, 403 Forbidden, 500 Internal Server Error. The function has
10 s to answer (HTTP API's authorizer timeout, reference §1.10). Choice where the reference is
silent: a function failing with `Unauthorized` answers 401 as on REST.
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from ..integrations.lambda_functions import FunctionError, Functions, Throttled
from ..integrations.lambda_proxy import http_event, rest_event
from ..integrations.lambda_step import REST_TIMEOUT_MS
from ..pipeline.context import Request, context_values, stage_values
from ..pipeline.deployment import Deployment
from ..pipeline.plan import AuthorizerConfig, RouteEntry
from ..responses.gateway_responses import GatewayError
from ..routing.router import Match
from ..validation.java_regex import whole_match
from . import resource_policy
from .api_key import ApiKeyCheck
from .policy_step import condition_values

# The longest Resource ARN a returned policy may name (reference §1.4, §2.7).
MAX_POLICY_RESOURCE = 512
# The only error message API Gateway turns into 401 (reference §1.4, outcome table).
UNAUTHORIZED_MESSAGE = "Unauthorized"
EXPLICIT_DENY = "User is not authorized to access this resource with an explicit deny"
_HEADER, _QUERY = "method.request.header.", "method.request.querystring."
_STAGE_VARIABLE, _CONTEXT = "stageVariables.", "context."
HTTP_AUTHORIZER_TIMEOUT_MS = 10000
# Verdicts remembered per (cached result, method ARN); past this many the memo starts again.
MAX_VERDICTS = 10_000


class LambdaAuthorizer:
    """The authorizer step of one route. `check` answers at once when the identity is missing
    or the authorizer cannot run; otherwise it returns the awaitable that invokes the function
    (or reads the cache) and judges the policy."""

    __slots__ = (
        "api",
        "api_key",
        "arn_api",
        "binary_media_types",
        "cache",
        "config",
        "functions",
        "rest",
        "route",
        "shared_context",
        "source_vpce",
        "token_header",
        "verdicts",
    )

    def __init__(
        self,
        config: AuthorizerConfig,
        route: RouteEntry,
        deployment: Deployment,
        api_key: ApiKeyCheck | None,
    ) -> None:
        self.config = config
        self.route = route.to_data()  # as the REQUEST event names its fields
        self.api = deployment.api_data
        settings = deployment.api
        self.arn_api = (settings.region, settings.account, settings.api_id)
        self.functions = deployment.functions
        self.cache = deployment.authorizer_cache
        self.binary_media_types = deployment.binary_media_types
        self.source_vpce = settings.source_vpce or None
        self.api_key = api_key  # the method's API key check (step 6), or None
        self.rest = config.payload_format_version is None
        # A TOKEN authorizer reads one header (its only identity source): its lower-case name,
        # read once here rather than per request (None: read the sources one by one).
        sources = config.identity_sources
        self.token_header = (
            sources[0][len(_HEADER) :].lower()
            if config.type == "TOKEN" and len(sources) == 1 and sources[0].startswith(_HEADER)
            else None
        )
        # A cached result is judged again for each method ARN (API Gateway reuses a result
        # API-wide); a policy without a Condition gives the same verdict for the same ARN, so
        # it is remembered, keyed by the result object the cache holds (kept in the entry, so
        # its id is not reused while remembered), with the `$context.authorizer` a cache hit
        # (integrationLatency 0) sets: built once per result, not per request. Shared between
        # requests, so nothing downstream writes to it: templates get deep copies (vtl.py), the
        # proxy events a copy (lambda_proxy.py), the access log reads it. Payload 2.0 contexts
        # (JSON values, nested maps a handler could change) are built per request as before.
        self.shared_context = config.payload_format_version != "2.0"
        self.verdicts: dict[
            tuple[int, str], tuple[Mapping[str, Any], str | None, dict[str, Any] | None]
        ] = {}

    def check(self, request: Request, match: Match[Any], stage: str) -> Awaitable[None] | None:
        config = self.config
        if config.function is None:
            raise GatewayError(
                "AUTHORIZER_CONFIGURATION_ERROR",
                reason=f"authorizer {config.name}: its function has no local handler",
            )
        header = self.token_header
        context: dict[str, Any] | None = None
        if header is not None:  # the usual TOKEN authorizer: `identity`'s checks, one header
            identity: tuple[str, ...] = (self._token(request.header(header) or ""),)
        else:
            # REQUEST events and `context.X` identity sources read `$context`; TOKEN never does.
            if config.type != "TOKEN":
                context = context_values(request, self.api, stage, self.route)
            sources = context
            if context is not None and config.payload_format_version is not None:
                # HTTP API `$context` has the route key, a usual identity source (§1.10).
                sources = {**context, "routeKey": self.route["routeKey"]}
            identity = self.identity(request, stage, sources)
        arn = resource_policy.authorizer_method_arn(
            self.arn_api, stage, request.method, request.path, self.rest
        )
        # An authorizer without identity sources has no key: its results are never shared.
        key = self._cache_key(stage, identity) if config.result_ttl > 0 and identity else None
        held = self.cache.peek(key) if key is not None else None
        if held is not None:  # a result this process holds: judged with no coroutine
            self._conclude(held, arn, request, stage, 0)
            return None
        return self._authorize(request, match, stage, identity, (context, arn, key))

    def identity(
        self, request: Request, stage: str, context: Mapping[str, Any] | None
    ) -> tuple[str, ...]:
        """The identity source values; 401 when API Gateway refuses without invoking."""
        config = self.config
        values = tuple(
            self._source(source, request, stage, context) for source in config.identity_sources
        )
        if config.type == "TOKEN":
            self._token(values[0] if values else "")
        elif config.result_ttl > 0 and not all(values):
            raise GatewayError("UNAUTHORIZED")
        return values

    def _token(self, token: str) -> str:
        """A TOKEN authorizer's token, or 401 without invoking: missing, empty, or not matching
        `identityValidationExpression` (the whole token, Java regex)."""
        expression = self.config.validation_expression
        if not token or (expression and not whole_match(expression, token)):
            raise GatewayError("UNAUTHORIZED")
        return token

    def _source(
        self, source: str, request: Request, stage: str, context: Mapping[str, Any] | None
    ) -> str:
        """One identity source's value ("" when absent): a header, a query string parameter, a
        stage variable or a `$context` value."""
        if source.startswith(_HEADER):
            return request.header(source[len(_HEADER) :].lower()) or ""
        if source.startswith(_QUERY):
            return request.query_view().get(source[len(_QUERY) :]) or ""
        if source.startswith(_STAGE_VARIABLE):
            variables = stage_values(request, self.api["stages"].get(stage, {}))[0]
            return str(variables.get(source[len(_STAGE_VARIABLE) :]) or "")
        if source.startswith(_CONTEXT):
            value: Any = context
            for part in source[len(_CONTEXT) :].split("."):
                value = value.get(part) if isinstance(value, Mapping) else None
            return "" if value is None or isinstance(value, Mapping) else _text(value)
        return ""

    async def _authorize(
        self,
        request: Request,
        match: Match[Any],
        stage: str,
        identity: tuple[str, ...],
        found: tuple[Mapping[str, Any] | None, str, str | None],  # context, method ARN, key
    ) -> None:
        context, arn, key = found
        result = await self.cache.get(key) if key is not None else None
        latency = 0
        if result is None:
            started = time.monotonic()
            result = await self._invoke(self._event(request, match, arn, identity, context))
            latency = int((time.monotonic() - started) * 1000)
            if key is not None:
                await self.cache.set(key, result, self.config.result_ttl)
        self._conclude(result, arn, request, stage, latency)

    def _conclude(
        self, result: Mapping[str, Any], arn: str, request: Request, stage: str, latency: int
    ) -> None:
        self._judge(result, arn, request, latency)
        if self.api_key is not None:
            # §1.1 step 6 comes after the authorizer; an AUTHORIZER-source key is the
            # `usageIdentifierKey` it returned (§1.3).
            self.api_key.verify(request, stage, result.get("usageIdentifierKey"))

    def _cache_key(self, stage: str, identity: tuple[str, ...]) -> str:
        return cache_key(self.config.authorizer_id, stage, identity)

    def _event(
        self,
        request: Request,
        match: Match[Any],
        arn: str,
        identity: tuple[str, ...],
        context: Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        """The input event (§2.5, §2.6): TOKEN's three keys, or REQUEST's proxy event without a
        body (REST, HTTP API 1.0 and 2.0)."""
        if context is None:  # TOKEN
            return {"type": "TOKEN", "authorizationToken": identity[0], "methodArn": arn}
        version = self.config.payload_format_version
        if version == "2.0":
            event = http_event(request, context, self.route, match.path_parameters)
            head: dict[str, Any] = {"version": "2.0", "type": "REQUEST", "routeArn": arn}
            head["identitySource"] = list(identity)
        else:
            event = rest_event(
                request,
                context,
                self.route,
                match.path_parameters,
                self.binary_media_types,
                version,
            )
            head = _request_head(arn, identity, version)
        event = {**head, **event}
        event.pop("body", None)
        event.pop("isBase64Encoded", None)
        return event

    async def _invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        name = self.config.function
        assert name is not None  # `check` refused an authorizer without one
        config = self.config
        http = config.payload_format_version is not None
        timeout_ms = HTTP_AUTHORIZER_TIMEOUT_MS if http else REST_TIMEOUT_MS
        returned = await invoke(self.functions, name, event, timeout_ms, self._misconfigured)
        if config.simple_responses:
            result = simple_response(returned, self._misconfigured)
        else:
            result = validated(
                returned, self._misconfigured, config.payload_format_version != "2.0"
            )
        if http and "claims" in result["context"]:
            # HTTP APIs reserve `claims` for JWT authorizers (reference §2.6): refused as an
            # invalid authorizer response.
            raise self._misconfigured("the context uses the reserved key 'claims'")
        return result

    def _misconfigured(self, why: str) -> GatewayError:
        config = self.config
        return GatewayError(
            "AUTHORIZER_CONFIGURATION_ERROR",
            reason=f"authorizer {config.name} ({config.function}): {why}",
        )

    def _judge(self, result: Mapping[str, Any], arn: str, request: Request, latency: int) -> None:
        # `$context.authorizer.*` is set before the verdict: a customized ACCESS_DENIED gateway
        # response reads the context of the authorizer that denied (a documented AWS pattern:
        # `{"message":"$context.authorizer.reason"}` on a Deny).
        key = (id(result), arn)
        held = self.verdicts.get(key)
        if held is not None and held[0] is not result:
            held = None  # another result, since gone, had this id
        if held is not None and held[2] is not None and latency == 0:
            request.authorizer = held[2]  # a cache hit on a result judged for this ARN before
            verdict = held[1]
        else:
            request.authorizer = authorizer = self._context(result, latency)
            if "isAuthorized" in result:  # a simple response (HTTP API 2.0)
                if not result["isAuthorized"]:
                    raise GatewayError("ACCESS_DENIED")
                return
            shared = authorizer if latency == 0 and self.shared_context else None
            if held is not None:
                verdict = held[1]
                if shared is not None:
                    self.verdicts[key] = (result, verdict, shared)
            else:
                policy = result["policyDocument"]
                values = condition_values(request, self.source_vpce)
                verdict = resource_policy.identity_verdict(policy, arn, values)
                if not _conditional(policy):
                    if len(self.verdicts) >= MAX_VERDICTS:
                        self.verdicts.clear()
                    self.verdicts[key] = (result, verdict, shared)
        if verdict == "Deny":
            raise GatewayError("ACCESS_DENIED", EXPLICIT_DENY)
        if verdict is None:
            raise GatewayError("ACCESS_DENIED")

    def _context(self, result: Mapping[str, Any], latency: int) -> dict[str, Any]:
        if self.config.payload_format_version == "2.0":
            # `$context.authorizer.<key>`; the 2.0 proxy event nests it under `lambda` (§2.8).
            return dict(result["context"])
        authorizer = dict(result["context"])
        authorizer["principalId"] = result["principalId"]
        authorizer["integrationLatency"] = latency
        return authorizer


@functools.lru_cache(maxsize=1024)
def cache_key(authorizer_id: str, stage: str, identity: tuple[str, ...]) -> str:
    """An authorizer result's key in the state store: hashed, so the store (Redis, shared)
    never holds a token in clear. Asked on every request of a cached authorizer, so the last
    identities' keys are remembered."""
    material = "\0".join((authorizer_id, stage, *identity))
    return "authorizer:" + hashlib.sha256(material.encode()).hexdigest()


async def invoke(
    functions: Functions,
    name: str,
    event: dict[str, Any],
    timeout_ms: int,
    refuse: Callable[[str], GatewayError],
) -> Any:
    """What the authorizer function returned; its error `Unauthorized` is the 401 (reference
    §1.4), any other failure, a timeout or a throttle `refuse(why)` (500, misconfigured)."""
    try:
        return await functions.invoke(name, event, timeout_ms / 1000)
    except FunctionError as error:
        if error.error_message == UNAUTHORIZED_MESSAGE:
            raise GatewayError("UNAUTHORIZED") from None
        raise refuse(f"the function failed ({error.error_type})") from None
    except (TimeoutError, Throttled) as error:
        raise refuse(f"the invocation failed ({type(error).__name__})") from None


def _conditional(policy: Any) -> bool:
    """Whether a statement of the policy has a Condition (its verdict depends on the request)."""
    return any("Condition" in statement for statement in resource_policy.statements(policy))


def _request_head(arn: str, identity: tuple[str, ...], version: str | None) -> dict[str, Any]:
    """The keys before a REQUEST event's proxy fields: REST's `type` and `methodArn`; HTTP API
    1.0 adds `version`, and `identitySource` and `authorizationToken` both the joined values."""
    head: dict[str, Any] = {"version": version} if version else {}
    head.update({"type": "REQUEST", "methodArn": arn})
    if version:
        head["identitySource"] = head["authorizationToken"] = ",".join(identity)
    return head


def validated(
    returned: Any, refuse: Callable[[str], GatewayError], strings: bool = True
) -> dict[str, Any]:
    """The authorizer's output checked as API Gateway checks it (§2.7), with the context values
    stringified as `$context.authorizer.<key>` reads them (§2.8), or kept as JSON (`strings`
    false: HTTP API payload 2.0); `refuse(why)` makes the error."""
    if not isinstance(returned, Mapping):
        raise refuse("the output is not a JSON object")
    principal = returned.get("principalId")
    if not isinstance(principal, str):
        raise refuse("the output has no string principalId")
    result: dict[str, Any] = {
        "principalId": principal,
        "policyDocument": {"Statement": _statements(returned, refuse)},
        "context": _context(returned, refuse) if strings else _json_context(returned, refuse),
    }
    usage_key = returned.get("usageIdentifierKey")
    if isinstance(usage_key, str):  # read by the API key check (apiKeySource AUTHORIZER)
        result["usageIdentifierKey"] = usage_key
    return result


def simple_response(returned: Any, refuse: Callable[[str], GatewayError]) -> dict[str, Any]:
    """An HTTP API simple response (§2.6): `isAuthorized` a boolean, `context` any JSON object."""
    if not isinstance(returned, Mapping) or type(returned.get("isAuthorized")) is not bool:
        raise refuse("the simple response has no boolean isAuthorized")
    return {"isAuthorized": returned["isAuthorized"], "context": _json_context(returned, refuse)}


def _json_context(
    returned: Mapping[str, Any], refuse: Callable[[str], GatewayError]
) -> dict[str, Any]:
    """An HTTP API 2.0 `context`: an object whose values stay as they are."""
    context = returned.get("context")
    if context is None:
        return {}
    if not isinstance(context, Mapping):
        raise refuse("the output's context is not an object")
    return {str(key): value for key, value in context.items()}


def _statements(
    returned: Mapping[str, Any], refuse: Callable[[str], GatewayError]
) -> list[Mapping[str, Any]]:
    """`policyDocument.Statement`: one statement or a non-empty list of valid ones."""
    policy = returned.get("policyDocument")
    statements = policy.get("Statement") if isinstance(policy, Mapping) else None
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise refuse("the output has no policyDocument with a Statement")
    for statement in statements:
        problem = _statement_problem(statement)
        if problem:
            raise refuse(problem)
    return statements


def _context(
    returned: Mapping[str, Any], refuse: Callable[[str], GatewayError]
) -> dict[str, str | None]:
    """`context` with its values as strings (`null` kept); an object or array is refused."""
    context = returned.get("context")
    if context is None:
        return {}
    if not isinstance(context, Mapping):
        raise refuse("the output's context is not an object")
    strings: dict[str, str | None] = {}
    for key, value in context.items():
        if isinstance(value, Mapping | list):
            raise refuse(f"the context value of {str(key)[:40]!r} is an object or an array")
        strings[str(key)] = None if value is None else _text(value)
    return strings


def _statement_problem(statement: Any) -> str:
    if not isinstance(statement, Mapping):
        return "a policy statement is not an object"
    if statement.get("Effect") not in ("Allow", "Deny"):
        return "a policy statement has an invalid Effect"
    for key in ("Action", "Resource"):
        value = statement.get(key)
        if not (
            isinstance(value, str)
            or (isinstance(value, list) and value and all(isinstance(v, str) for v in value))
        ):
            return f"a policy statement has no {key}"
    resources = statement["Resource"]
    if any(
        len(r) > MAX_POLICY_RESOURCE
        for r in ([resources] if isinstance(resources, str) else resources)
    ):
        # AWS documents the limit, not the answer: refused as a malformed output (fail closed).
        return f"a policy Resource is longer than {MAX_POLICY_RESOURCE} characters"
    return ""


def _text(value: Any) -> str:
    """A context value as `$context.authorizer` reads it: `true`, `1`, `1.5`, the string."""
    if isinstance(value, str):
        return value
    return json.dumps(value)


def compile(
    config: AuthorizerConfig,
    route: RouteEntry,
    deployment: Deployment,
    api_key: ApiKeyCheck | None,
) -> LambdaAuthorizer:
    return LambdaAuthorizer(config, route, deployment, api_key)
