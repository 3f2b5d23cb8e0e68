"""`$connect` authorization with a Lambda REQUEST authorizer (reference §10.1, §10.4, §1.4).

Flows in: the authorizer's record (`plan.AuthorizerConfig`, WebSocket identity sources), the
API's functions and authorizer result cache, and per handshake the connection's facts, its
CONNECT `requestContext` and the stage variables. Flows out: the authorizer's context
(`requestContext.authorizer` of every later event: the context values as strings,
`principalId`, `integrationLatency`), or the `GatewayError` the handshake is refused with
(401 Unauthorized, 403 for a policy that denies, 500 for an authorizer that cannot answer).

The REST authorizer's rules are reused (security/lambda_authorizer.py: the output's checks,
`Unauthorized` as the one message that means 401; security/resource_policy.py: the policy's
verdict; the shared result cache), with WebSocket's input: the CONNECT event's fields with
`type: "REQUEST"` and `methodArn` `arn:aws:execute-api:{region}:{account}:{api}/{stage}/$connect`
(no verb), and identity sources `route.request.header.X`, `route.request.querystring.X`,
`stageVariables.X`, `context.X`. With caching on, every identity source must be present, else
401 without invoking (§1.4).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from typing import Any

from ..integrations.lambda_functions import Functions
from ..integrations.lambda_step import REST_TIMEOUT_MS
from ..pipeline.plan import AuthorizerConfig
from ..responses.gateway_responses import GatewayError
from ..security import resource_policy
from ..security.lambda_authorizer import EXPLICIT_DENY, invoke, validated
from ..state.authorizer_cache import AuthorizerCache
from .events import ConnectionFacts, connect_event

_HEADER, _QUERY = "route.request.header.", "route.request.querystring."
_STAGE_VARIABLE, _CONTEXT = "stageVariables.", "context."


class ConnectAuthorizer:
    """One Lambda REQUEST authorizer of the WebSocket API."""

    def __init__(
        self,
        config: AuthorizerConfig,
        functions: Functions,
        cache: AuthorizerCache,
        arn_prefix: str,
    ) -> None:
        self.config = config
        self.functions = functions
        self.cache = cache
        self.arn_prefix = arn_prefix

    async def authorize(
        self, facts: ConnectionFacts, stage_variables: Mapping[str, str]
    ) -> dict[str, Any]:
        """The authorizer context to carry on the connection; raises to refuse the handshake."""
        config = self.config
        if config.function is None:
            raise GatewayError(
                "AUTHORIZER_CONFIGURATION_ERROR",
                reason=f"authorizer {config.name}: its function has no local handler",
            )
        event = connect_event(facts)
        event["stageVariables"] = dict(stage_variables) or None
        identity = tuple(
            _source(source, event, stage_variables) for source in config.identity_sources
        )
        if config.result_ttl > 0 and not all(identity):
            raise GatewayError("UNAUTHORIZED")
        arn = f"{self.arn_prefix}/{facts.stage}/$connect"
        key = self._cache_key(facts.stage, identity) if config.result_ttl > 0 else None
        result = await self.cache.get(key) if key is not None else None
        latency = 0
        if result is None:
            started = time.monotonic()
            result = await self._invoke({"type": "REQUEST", "methodArn": arn, **event})
            latency = int((time.monotonic() - started) * 1000)
            if key is not None:
                await self.cache.set(key, result, config.result_ttl)
        values = {"aws:sourceip": facts.source_ip, "aws:securetransport": "false"}
        verdict = resource_policy.identity_verdict(result["policyDocument"], arn, values)
        if verdict == "Deny":
            raise GatewayError("ACCESS_DENIED", EXPLICIT_DENY)
        if verdict is None:
            raise GatewayError("ACCESS_DENIED")
        context = dict(result["context"])
        context["principalId"] = result["principalId"]
        context["integrationLatency"] = latency
        return context

    def _cache_key(self, stage: str, identity: tuple[str, ...]) -> str:
        material = "\0".join((self.config.authorizer_id, stage, *identity))
        return "authorizer:" + hashlib.sha256(material.encode()).hexdigest()

    async def _invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        name = self.config.function
        assert name is not None
        returned = await invoke(self.functions, name, event, REST_TIMEOUT_MS, self._misconfigured)
        return validated(returned, self._misconfigured)

    def _misconfigured(self, why: str) -> GatewayError:
        config = self.config
        return GatewayError(
            "AUTHORIZER_CONFIGURATION_ERROR",
            reason=f"authorizer {config.name} ({config.function}): {why}",
        )


def _source(source: str, event: Mapping[str, Any], stage_variables: Mapping[str, str]) -> str:
    """One identity source's value ("" when absent); header names match in any case."""
    if source.startswith(_HEADER):
        wanted = source[len(_HEADER) :].lower()
        found = [v for k, v in (event.get("headers") or {}).items() if k.lower() == wanted]
        return found[-1] if found else ""
    if source.startswith(_QUERY):
        return str((event.get("queryStringParameters") or {}).get(source[len(_QUERY) :]) or "")
    if source.startswith(_STAGE_VARIABLE):
        return str(stage_variables.get(source[len(_STAGE_VARIABLE) :]) or "")
    if source.startswith(_CONTEXT):
        value: Any = event["requestContext"]
        for part in source[len(_CONTEXT) :].split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        return "" if value is None or isinstance(value, Mapping) else str(value)
    return ""
