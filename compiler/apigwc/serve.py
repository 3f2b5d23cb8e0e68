"""`apigwc serve`: build a spec into a cache folder and run the generated runtime.

Flows in: a spec path and the server options. Flows out: a running `python -m <pkg>` process
(uvicorn, or granian with `--server granian`) on the generated package in
`.apigwc-cache/<slug>/runtime`, its handlers loaded from the user's own folders (tracebacks and
breakpoints name the files the user edits), under debugpy with `--debug-port`. With `--reload`
(`serve_reload.py`) an edited handler is loaded again inside the running server and an edited
spec is rebuilt and swapped in. `apigwc serve` runs the generated runtime itself, not a second
emulator (DESIGN.md).
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import click

from apigwc.diagnostics.render import print_errors, print_findings
from apigwc.emitters.output import OutputRefused
from apigwc.pipeline import build as build_spec
from apigwc.runtime.pipeline.options import (
    ACCESS_LOG_CONFIGURED,
    FUNCTION_SOURCES,
    RELOAD_HANDLERS,
    GatewayOptions,
)
from apigwc.runtime.server import LISTEN_FD, READY_FILE
from apigwc.runtime.server.launch import DEFAULT_SERVER

CACHE = Path(".apigwc-cache")


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8080
    stage: str | None = None
    all_stages: bool = False
    workers: int = 1
    validate_responses: bool = False  # contract checking with openapi-core (a development aid)
    trusted_proxies: str = ""  # proxies whose X-Forwarded-For is believed; none by default
    allow_roots: tuple[str, ...] = ()  # folders beside the spec's own that it may read from
    access_log: bool = True  # the gateway's access log (runtime/observability/access_log.py)
    # Where its lines go: stderr, stdout or a file. None (not given): stderr, and only for the
    # stages whose spec sets `accessLog.format`, as API Gateway writes one only for those; the
    # console line is the one line of the others. Given: every stage, CLF where none is set.
    access_log_to: str | None = None
    admin_port: int | None = None  # the Prometheus metrics' port (observability/admin.py)
    server: str = DEFAULT_SERVER  # uvicorn or granian (runtime/server/launch.py)
    state: str = "memory"  # throttles, quotas, caches: memory or redis://HOST:PORT/DB
    # Cognito/JWT authorizers may fetch their issuers' keys (runtime/security/jwt_keys.py).
    allow_remote_jwks: bool = False
    otlp_endpoint: str | None = (
        None  # OpenTelemetry traces over OTLP/HTTP (runtime/observability/tracing.py)
    )
    # The console line per request and handler output tags (runtime/observability/console_log.py)
    log_format: str = "text"
    aws_endpoint: str | None = None  # AWS_ENDPOINT_URL of AWS service integrations (a moto server)
    # Variables for handlers: "" (every function) or a function name -> {name: value} (config.py)
    function_environment: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # Stage variables over the spec's: "" (every stage) or a stage name -> {name: value}
    stage_variables: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    debug_port: int | None = None  # debugpy listens on 127.0.0.1:N (`--debug-port`)


@dataclass(frozen=True)
class Build:
    package: str
    runtime_dir: Path
    watched: tuple[Path, ...]  # the spec's folder and every function code folder
    # Each copied code folder (`_functions/<name>`) -> the user's folder it was copied from.
    sources: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Handover:
    """How `--reload` starts a server: on the socket it holds, reporting when it serves."""

    fd: int
    ready_file: Path


def build(spec: Path, stage: str | None, allow_roots: tuple[str, ...] = ()) -> Build | None:
    """Compile and emit into the cache; None (errors printed) when the spec has errors or the
    cache folder holds files apigwc did not write."""
    try:
        built = build_spec(spec, lambda slug: CACHE / slug, stage=stage, allow_roots=allow_roots)
    except OutputRefused as exc:
        click.echo(f"error: {exc}", err=True)
        return None
    result = built.compilation
    if built.out_dir is None or result.api is None:
        print_errors(result.sink.sorted(), result.source_line)
        return None
    # Warnings and infos only: a build goes on only without errors.
    print_findings(result.sink.sorted(), result.source_line)
    from apigwc.emitters.runtime_data import functions_folders

    api, out = result.api, built.out_dir
    folders = {n: f for n, f in functions_folders(api, spec.parent).items() if f.is_dir()}
    watched = tuple(sorted({spec.parent.resolve(), *folders.values()}))
    sources = {f"_functions/{name}": str(folder) for name, folder in folders.items()}
    return Build(f"{api.slug}_gateway", out / "runtime", watched, sources)


def debugger_missing(options: ServeOptions) -> str | None:
    """Why `--debug-port` cannot run here, or None."""
    if options.debug_port is None:
        return None
    try:
        if importlib.util.find_spec("debugpy") is not None:
            return None
    except (ImportError, ValueError):
        pass
    return "--debug-port needs debugpy: pip install 'apigwc[debug]' (or pip install debugpy)"


def start(
    built: Build, options: ServeOptions, reload: bool = False, handover: Handover | None = None
) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", built.package, "--host", options.host]
    if options.debug_port is not None:  # the server runs under debugpy, listening on loopback
        listen = f"127.0.0.1:{options.debug_port}"
        command[1:2] = ["-m", "debugpy", "--listen", listen, "-m"]
    workers = 1 if options.debug_port is not None else options.workers  # one process to debug
    command += ["--port", str(options.port), "--workers", str(workers)]
    if options.stage:
        command += ["--stage", options.stage]
    if options.all_stages:
        command.append("--all-stages")
    if options.validate_responses:
        command.append("--validate-responses")
    if options.allow_remote_jwks:
        command.append("--allow-remote-jwks")
    if not options.access_log:
        command.append("--no-access-log")
    if options.access_log_to not in (None, "stderr"):
        command += ["--access-log", options.access_log_to]
    if options.admin_port is not None:
        command += ["--admin-port", str(options.admin_port)]
    if options.trusted_proxies:
        command += ["--trusted-proxies", options.trusted_proxies]
    if options.state != "memory":
        command += ["--state", options.state]
    if options.otlp_endpoint:
        command += ["--otlp-endpoint", options.otlp_endpoint]
    if options.server != DEFAULT_SERVER:
        command += ["--server", options.server]
    command += ["--log-format", options.log_format]
    env = _environment(built, options, reload, handover)
    fds = (handover.fd,) if handover else ()
    return subprocess.Popen(command, env=env, pass_fds=fds)


def announce(built: Build, options: ServeOptions) -> None:
    prefix = "/{stage}" if options.all_stages else ""
    click.echo(
        f"serving {built.package} on http://{options.host}:{options.port}{prefix}/", err=True
    )
    if options.debug_port is not None:
        one = " (one worker)" if options.workers > 1 else ""
        click.echo(f"debugpy listening on 127.0.0.1:{options.debug_port}{one}", err=True)


def _gateway_environment(options: ServeOptions) -> dict[str, str]:
    """What the configuration gives the gateway process's environment: the AWS endpoint its
    service integrations call (the SDKs' `AWS_ENDPOINT_URL`, aws_endpoints.py), the
    handlers' variables (runtime/integrations/invocation.py) and the stage variables over the
    spec's (runtime/pipeline/options.py)."""
    from apigwc.runtime.integrations.invocation import FUNCTION_ENVIRONMENT
    from apigwc.runtime.pipeline.options import STAGE_VARIABLES

    env = {}
    if options.aws_endpoint:
        env["AWS_ENDPOINT_URL"] = options.aws_endpoint
    if options.function_environment:
        env[FUNCTION_ENVIRONMENT] = json.dumps(dict(options.function_environment))
    if options.stage_variables:
        env[STAGE_VARIABLES] = json.dumps(dict(options.stage_variables))
    return env


def _environment(
    built: Build, options: ServeOptions, reload: bool, handover: Handover | None
) -> dict[str, str]:
    env = dict(os.environ) | _gateway_environment(options)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(built.runtime_dir.resolve()), env.get("PYTHONPATH")])
    )
    # Only `apigwc serve`'s own variables: `python -m <pkg>` writes the others from its flags.
    development = GatewayOptions(
        function_sources=built.sources,
        reload_handlers=reload,
        access_log_configured=options.access_log_to is None,
    )
    written = development.environment()
    own = (FUNCTION_SOURCES, RELOAD_HANDLERS, ACCESS_LOG_CONFIGURED)
    env.update({name: written[name] for name in own if name in written})
    if handover is not None:
        env[LISTEN_FD] = str(handover.fd)
        env[READY_FILE] = str(handover.ready_file)
    return env


def first_build(spec: Path, options: ServeOptions) -> Build | int:
    """The build to serve first, or the exit code: 2 when `--debug-port` cannot run, 1 when the
    spec has errors (printed)."""
    missing = debugger_missing(options)
    if missing:
        click.echo(f"error: {missing}", err=True)
        return 2
    built = build(spec, options.stage, options.allow_roots)
    if built is None:
        return 1
    # SIGTERM ends the server process too (the callers' `finally`), not only Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    return built


def serve(spec: Path, options: ServeOptions) -> int:
    built = first_build(spec, options)
    if not isinstance(built, Build):
        return built
    announce(built, options)
    server = start(built, options)
    try:
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        stop(server)


def stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
