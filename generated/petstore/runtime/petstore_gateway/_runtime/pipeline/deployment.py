"""What a route's steps are compiled from and what they are: the `Deployment` and step shapes.

Flows in: the gateway's start-up (the API's settings, functions, compiled templates, model
validators, the options). Flows out: `Deployment`, which every step type's `compile` reads, and
the three shapes of a step, by the phase it runs in:
- a check, `check(request, match, stage)`: raises the `GatewayError` to answer with, or
  returns an awaitable that does (a check that must wait, as a Lambda authorizer's invocation);
  None when it is done, so a route whose checks never wait (and a MOCK integration) answers
  with no coroutine;
- the integration, `integrate(request, match, context)`: a `Response`, or an awaitable of one;
- a response step, `respond(request, match, response)`: the response, changed or not.

Apart from `steps.py` (the ordered list), so that step modules import it without a cycle.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ..caching.counts import CacheCounts
from ..integrations.http_proxy import Upstreams
from ..integrations.lambda_functions import Functions
from ..integrations.mock import Templates
from ..observability.metrics import MetricsRecorder
from ..responses.gateway_responses import Response
from ..routing.router import Match
from ..state.authorizer_cache import AuthorizerCache, MemoryAuthorizerCache
from ..state.memory import MemoryStore
from ..state.store import StateStore
from ..validation.contract import ContractCheck
from ..validation.request_validation import Validator
from .context import Request
from .plan import ApiSettings


@dataclass(frozen=True, slots=True)
class Deployment:
    """What the steps of every route read at start-up (never per request)."""

    api: ApiSettings
    protocol: str  # "REST" or "HTTP"
    package_dir: Path
    functions: Functions
    upstreams: Upstreams
    templates: Templates  # every mapping template of the API, compiled
    validators: Mapping[str, Validator]  # the generated body-model validators, by key
    contract: ContractCheck | None  # `--validate-responses`, else None
    # The API's settings by API Gateway's names (`ApiSettings.to_data()`), as `$context` reads them.
    api_data: Mapping[str, Any] = field(default_factory=dict)
    # Every authorizer's results, API-wide (reference §1.4), behind the state interface.
    authorizer_cache: AuthorizerCache = field(default_factory=MemoryAuthorizerCache)
    # Token buckets and quota counters (`--state`: this process's memory, or Redis).
    state: StateStore = field(default_factory=MemoryStore)
    # The metrics of this process (`--admin-port`), else None (observability/metrics.py).
    metrics: MetricsRecorder | None = None
    # The stage cache's hits and misses in this process (`caching/counts.py`), for metrics.
    cache_counts: CacheCounts = field(default_factory=CacheCounts)
    # OpenTelemetry tracing (observability/tracing.py `Tracing`) when export is on, else None:
    # the plans then carry no traced steps.
    tracing: Any = None

    @property
    def binary_media_types(self) -> tuple[str, ...]:
        return self.api.binary_media_types


class CheckStep(Protocol):
    def check(self, request: Request, match: Match[Any], stage: str) -> Awaitable[None] | None: ...


class IntegrationStep(Protocol):
    # The context is the `$context` tree, or only its stage variables when `reads_context` is
    # False (the gateway then skips building the tree).
    reads_context: bool

    def integrate(
        self, request: Request, match: Match[Any], context: Mapping[str, Any]
    ) -> Response | Awaitable[Response]: ...


class ResponseStep(Protocol):
    def respond(self, request: Request, match: Match[Any], response: Response) -> Response: ...


Check = Callable[[Request, Match[Any], str], Awaitable[None] | None]
Respond = Callable[[Request, Match[Any], Response], Response]
