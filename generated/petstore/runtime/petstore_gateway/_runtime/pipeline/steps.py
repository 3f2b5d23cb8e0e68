"""Each route's plan: the steps it needs, in API Gateway's order, compiled once at start-up.

Flows in: the route table as records (`plan.RouteEntry`) and the `deployment.Deployment` (what
steps read at start-up: the API's settings, its functions, compiled templates, model validators,
the options). Flows out: one `RoutePlan` per route, which the router hands to `gateway.Gateway`.

`STEP_TYPES` is API Gateway's order (reference §1.1): resource policy (step 4), the security gate
of authorizers and API keys (steps 5-6), usage-plan, stage and account throttling and quotas
(steps 6-7), request validation (step 8), the integration (steps 10-12) behind the stage cache
(step 9, `caching/`: a wrapper of the integration, so a hit skips it), then the contract check
of `--validate-responses`. Each entry compiles a route's step or returns None when the route
needs none (a route without a validator carries no validation step; an uncached route keeps its
integration unwrapped). Adding a step type is one module with a `compile` function and one entry
below.

A step is one of three shapes (`deployment.py`), by the phase it runs in: a check, the
integration, a response step. A check that must wait (a Lambda authorizer) returns an awaitable;
the gateway then goes on with the plan's next check once it is done.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..caching import stage_cache
from ..integrations import integration_step
from ..security import policy_step, security_gate
from ..traffic import throttling
from ..validation import contract_step, method_request
from .deployment import (
    Check,
    CheckStep,
    Deployment,
    IntegrationStep,
    Respond,
    ResponseStep,
)
from .plan import RouteEntry


@dataclass(frozen=True, slots=True)
class CheckType:
    """A step type of the checks before the integration: how a route gets its step (None: the
    route needs none)."""

    name: str
    compile: Callable[[RouteEntry, Deployment], CheckStep | None]


@dataclass(frozen=True, slots=True)
class IntegrationType:
    name: str
    compile: Callable[[RouteEntry, Deployment], IntegrationStep]


@dataclass(frozen=True, slots=True)
class IntegrationWrapType:
    """A step around the integration (the stage cache): the integration, wrapped or as it is."""

    name: str
    compile: Callable[[RouteEntry, Deployment, IntegrationStep], IntegrationStep]


@dataclass(frozen=True, slots=True)
class ResponseType:
    name: str
    compile: Callable[[RouteEntry, Deployment], ResponseStep | None]


StepType = CheckType | IntegrationType | IntegrationWrapType | ResponseType

STEP_TYPES: tuple[StepType, ...] = (
    CheckType("resource policy", policy_step.compile),
    CheckType("authorizer and API key", security_gate.compile),
    CheckType("throttling and quotas", throttling.compile),
    CheckType("request validation", method_request.compile),
    IntegrationType("integration", integration_step.compile),
    IntegrationWrapType("stage cache", stage_cache.compile),
    ResponseType("response contract", contract_step.compile),
)


@dataclass(frozen=True, slots=True)
class RoutePlan:
    """A route and the steps it runs: the checks before its integration, the integration, the
    response steps after it. Bound methods, so a request calls each step with no lookup."""

    entry: RouteEntry
    route: Mapping[str, Any]  # the entry by API Gateway's names, as `$context` and logs read it
    checks: tuple[Check, ...]
    integration: IntegrationStep
    responds: tuple[Respond, ...]


def compile_plan(entry: RouteEntry, deployment: Deployment) -> RoutePlan:
    checks: list[Check] = []
    responds: list[Respond] = []
    integration: IntegrationStep | None = None
    tracing = deployment.tracing  # None unless OpenTelemetry export is on
    for step_type in STEP_TYPES:
        if isinstance(step_type, IntegrationType):
            integration = step_type.compile(entry, deployment)
            if tracing is not None:
                integration = tracing.integration(integration, entry)
        elif isinstance(step_type, IntegrationWrapType):
            assert integration is not None, "a wrapper comes after the integration"
            integration = step_type.compile(entry, deployment, integration)
        elif isinstance(step_type, CheckType):
            check = step_type.compile(entry, deployment)
            if check is not None:
                step = check.check
                checks.append(step if tracing is None else tracing.check(step_type.name, step))
        else:
            respond = step_type.compile(entry, deployment)
            if respond is not None:
                responds.append(respond.respond)
    assert integration is not None, "STEP_TYPES has an integration entry"
    return RoutePlan(entry, entry.to_data(), tuple(checks), integration, tuple(responds))
