"""`apigwc serve`: build a spec into a cache folder and run the generated runtime.

Flows in: a spec path and the server options. Flows out: a running `python -m <pkg>` process
(uvicorn, or granian with `--server granian`) on the generated package in
`.apigwc-cache/<slug>/runtime`, restarted after a rebuild when `--reload` sees the spec or a
handler change. `apigwc serve` runs the generated runtime itself, not a second emulator
(DESIGN.md).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from apigwc.diagnostics.render import print_errors, print_findings
from apigwc.emitters.output import OutputRefused
from apigwc.pipeline import build as build_spec
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
    access_log_to: str = "stderr"  # where its lines go: stderr, stdout or a file
    admin_port: int | None = None  # the Prometheus metrics' port (observability/admin.py)
    server: str = DEFAULT_SERVER  # uvicorn or granian (runtime/server/launch.py)
    state: str = "memory"  # throttles, quotas, caches: memory or redis://HOST:PORT/DB
    # Cognito/JWT authorizers may fetch their issuers' keys (runtime/security/jwt_keys.py).
    allow_remote_jwks: bool = False
    otlp_endpoint: str | None = (
        None  # OpenTelemetry traces over OTLP/HTTP (runtime/observability/tracing.py)
    )


@dataclass(frozen=True)
class Build:
    package: str
    runtime_dir: Path
    watched: tuple[Path, ...]  # the spec's folder and every function code folder


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
    api, out = result.api, built.out_dir
    folders = {(spec.parent / f.code_uri).resolve() for f in api.deployment.functions.values()}
    watched = tuple(sorted({spec.parent.resolve(), *(f for f in folders if f.is_dir())}))
    return Build(f"{api.slug}_gateway", out / "runtime", watched)


def start(built: Build, options: ServeOptions) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", built.package, "--host", options.host]
    command += ["--port", str(options.port), "--workers", str(options.workers)]
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
    if options.access_log_to != "stderr":
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
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(built.runtime_dir.resolve()), env.get("PYTHONPATH")])
    )
    prefix = "/{stage}" if options.all_stages else ""
    click.echo(
        f"serving {built.package} on http://{options.host}:{options.port}{prefix}/", err=True
    )
    return subprocess.Popen(command, env=env)


def serve(spec: Path, options: ServeOptions, reload: bool) -> int:
    built = build(spec, options.stage, options.allow_roots)
    if built is None:
        return 1
    # SIGTERM ends the server process too (the `finally` below), not only Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = [start(built, options)]  # the running server, replaced on reload
    try:
        if reload:
            _reload_loop(spec, options, built, server)
        return server[0].wait()
    except KeyboardInterrupt:
        return 0
    finally:
        server[0].terminate()
        server[0].wait(timeout=10)


def _reload_loop(
    spec: Path, options: ServeOptions, built: Build, server: list[subprocess.Popen[bytes]]
) -> None:
    """Rebuild on any change under the spec's folder or a handler folder; keep serving the
    last good build when the new one has errors."""
    import watchfiles

    for _changes in watchfiles.watch(*built.watched, watch_filter=_source_change):
        rebuilt = build(spec, options.stage, options.allow_roots)
        if rebuilt is None:
            click.echo("build failed; still serving the previous build", err=True)
            continue
        server[0].terminate()
        server[0].wait(timeout=10)
        server[0] = start(rebuilt, options)


def _source_change(change: object, path: str) -> bool:
    parts = Path(path).parts
    return ".apigwc-cache" not in parts and "__pycache__" not in parts and not path.endswith(".pyc")
