"""How one gateway process serves its API: the stage options, as one typed object.

Flows in: the generated package's command line (`python -m <pkg>`, which `apigwc serve` runs).
Flows out: `GatewayOptions`, which `gateway.Gateway` takes as it is.

uvicorn's `--workers N` starts processes that import the app by its import string, so the
options cannot be handed to them as an object: `__main__` writes them once into the environment
(`environment()`) and the generated `app.py` reads them back once (`from_environment()`). These two
functions are the only place the variables are named; nothing on the request path reads them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

STAGE = "APIGWC_STAGE"  # the stage served at `/` ("" = the build's default stage)
ALL_STAGES = "APIGWC_ALL_STAGES"  # "1": every stage under `/{stage}/`
ACCESS_LOG = "APIGWC_ACCESS_LOG"  # "1": the gateway's access log
# Where the access log goes: "stderr" (the default), "stdout" or a file path (`--access-log`).
ACCESS_LOG_TO = "APIGWC_ACCESS_LOG_TO"
# "1": the access log writes only the stages whose spec sets `accessLog.format`, as API Gateway
# writes one only for a stage that configures it (`apigwc serve`'s default; not an option of
# `python -m <pkg>`, whose access log gives the other stages the CLF line).
ACCESS_LOG_CONFIGURED = "APIGWC_ACCESS_LOG_CONFIGURED"
# The folder where each worker counts its metrics (`--admin-port`; observability/metrics.py).
METRICS_DIR = "APIGWC_METRICS_DIR"
VALIDATE_RESPONSES = "APIGWC_VALIDATE_RESPONSES"  # "1": the contract check of responses
STATE = "APIGWC_STATE"  # where buckets, quotas and caches live: "memory" or redis://HOST:PORT/DB
# WebSocket APIs' idle timeout and maximum connection duration in seconds (reference §10.1:
# 600 and 7200), which tests shorten.
WEBSOCKET_IDLE_TIMEOUT = "APIGWC_WEBSOCKET_IDLE_TIMEOUT"
WEBSOCKET_MAX_DURATION = "APIGWC_WEBSOCKET_MAX_DURATION"
# The developer's console line and handler output tags (observability/console_log.py):
# "text", "json", or "" for none.
CONSOLE_LOG = "APIGWC_CONSOLE_LOG"
# The operator's stage variables over the spec's (`apigwc serve`'s `[stage-variables]`
# configuration): JSON {"" (every stage) or a stage name: {name: value}}. Not an option of
# `python -m <pkg>`: `apigwc serve` puts it in the gateway's environment.
STAGE_VARIABLES = "APIGWC_STAGE_VARIABLES"
# "1": Cognito and JWT authorizers may fetch signing keys from the network (`--allow-remote-jwks`).
REMOTE_JWKS = "APIGWC_REMOTE_JWKS"
# `--otlp-endpoint`: the OTLP/HTTP base URL spans are exported to ("" = off, unless
# OpenTelemetry's own OTEL_EXPORTER_OTLP_* variables name one: observability/tracing.py).
OTLP_ENDPOINT = "APIGWC_OTLP_ENDPOINT"
# `apigwc serve` and the pytest plugin: JSON {codeDir: the user's folder}, handlers loaded from
# the user's files rather than the build's copies (tracebacks and breakpoints name them).
FUNCTION_SOURCES = "APIGWC_FUNCTION_SOURCES"
# "1": an edited handler module is loaded again in place (`apigwc serve --reload`).
RELOAD_HANDLERS = "APIGWC_RELOAD_HANDLERS"


@dataclass(frozen=True, slots=True)
class GatewayOptions:
    stage: str | None = None  # None: the build's default stage
    all_stages: bool = False
    access_log: bool = False
    access_log_to: str = "stderr"  # `--access-log`: stderr, stdout or a file path
    access_log_configured: bool = False  # only the stages that set a format write lines
    metrics_dir: str | None = None  # set by `--admin-port`: the metrics are counted
    validate_responses: bool = False
    state: str = "memory"  # `--state`: `memory` (this process) or `redis://HOST:PORT/DB`
    websocket_idle_timeout_s: float = 600.0
    websocket_max_duration_s: float = 7200.0
    remote_jwks: bool = False
    otlp_endpoint: str | None = None
    console_log: str = ""  # `--log-format`: "text", "json", or "" (none)
    function_sources: Mapping[str, str] = field(default_factory=dict)
    reload_handlers: bool = False

    def environment(self) -> dict[str, str]:
        """The options as the variables `from_environment` reads. The WebSocket limits only
        when shortened and the development ones only when set: `__main__` has no flag for
        them, so a value the operator (or `apigwc serve`) put in the environment stays there."""
        shortened = {
            WEBSOCKET_IDLE_TIMEOUT: self.websocket_idle_timeout_s,
            WEBSOCKET_MAX_DURATION: self.websocket_max_duration_s,
        }
        defaults = {WEBSOCKET_IDLE_TIMEOUT: 600.0, WEBSOCKET_MAX_DURATION: 7200.0}
        return (
            {
                STAGE: self.stage or "",
                ALL_STAGES: "1" if self.all_stages else "",
                ACCESS_LOG: "1" if self.access_log else "",
                ACCESS_LOG_TO: self.access_log_to,
                METRICS_DIR: self.metrics_dir or "",
                VALIDATE_RESPONSES: "1" if self.validate_responses else "",
                STATE: self.state,
                REMOTE_JWKS: "1" if self.remote_jwks else "",
                OTLP_ENDPOINT: self.otlp_endpoint or "",
                CONSOLE_LOG: self.console_log,
            }
            | {name: repr(value) for name, value in shortened.items() if value != defaults[name]}
            | {name: value for name, value in self._development().items() if value}
        )

    def _development(self) -> dict[str, str]:
        """`apigwc serve`'s own variables, set in the environment of `python -m <pkg>` (whose
        `__main__` has no flag for them), so written only when set."""
        sources = json.dumps(dict(self.function_sources)) if self.function_sources else ""
        return {
            FUNCTION_SOURCES: sources,
            RELOAD_HANDLERS: "1" if self.reload_handlers else "",
            ACCESS_LOG_CONFIGURED: "1" if self.access_log_configured else "",
        }

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> GatewayOptions:
        env = os.environ if environ is None else environ
        return cls(
            stage=env.get(STAGE) or None,
            all_stages=env.get(ALL_STAGES) == "1",
            access_log=env.get(ACCESS_LOG) == "1",
            access_log_to=env.get(ACCESS_LOG_TO) or "stderr",
            access_log_configured=env.get(ACCESS_LOG_CONFIGURED) == "1",
            metrics_dir=env.get(METRICS_DIR) or None,
            validate_responses=env.get(VALIDATE_RESPONSES) == "1",
            state=env.get(STATE) or "memory",
            websocket_idle_timeout_s=_seconds(env.get(WEBSOCKET_IDLE_TIMEOUT), 600.0),
            websocket_max_duration_s=_seconds(env.get(WEBSOCKET_MAX_DURATION), 7200.0),
            remote_jwks=env.get(REMOTE_JWKS) == "1",
            otlp_endpoint=env.get(OTLP_ENDPOINT) or None,
            console_log=_console_log(env.get(CONSOLE_LOG)),
            function_sources=_sources(env.get(FUNCTION_SOURCES)),
            reload_handlers=env.get(RELOAD_HANDLERS) == "1",
        )


def stage_variable_overrides(environ: Mapping[str, str] | None = None) -> dict[str, dict[str, str]]:
    """`APIGWC_STAGE_VARIABLES`, read once at start-up."""
    return json_tables((os.environ if environ is None else environ).get(STAGE_VARIABLES))


def json_tables(text: str | None) -> dict[str, dict[str, str]]:
    """An operator's JSON object of objects of values (`apigwc serve` wrote it from its
    configuration), as strings; anything else in it is ignored."""
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        str(name): {str(k): str(v) for k, v in values.items()}
        for name, values in data.items()
        if isinstance(values, dict)
    }


def _console_log(text: str | None) -> str:
    return text if text in ("text", "json") else ""


def _sources(text: str | None) -> dict[str, str]:
    """The code folder map, or none when it is not a JSON object of strings."""
    try:
        found = json.loads(text) if text else {}
    except ValueError:
        return {}
    if not isinstance(found, dict):
        return {}
    return {str(k): v for k, v in found.items() if isinstance(v, str)}


def _seconds(text: str | None, default: float) -> float:
    """A positive number of seconds, at most the default (the limits only go down)."""
    try:
        value = float(text) if text else default
    except ValueError:
        return default
    return value if 0 < value <= default else default
