"""`apigwc serve --reload`: edits reach the running API without losing what it holds.

Where it sits: the `--reload` half of `serve.py`. Flows in: the first build, the server options
and file changes under the spec's folder and the handlers' folders (watchfiles). Flows out: a
server that keeps serving through every edit, and one log line per reload:

- an edited handler module (a `.py` file in a function's code folder) is loaded again by the
  running server itself (`runtime/integrations/lambda_reload.py`): connections, throttle
  buckets, quotas and caches are kept;
- any other edit rebuilds the spec; a build with errors prints them and the previous gateway
  keeps serving; a good build is started on the listening socket this process holds (so no
  connection is refused in between), and the previous gateway is stopped once the new one
  serves (it finishes the requests it has). Its in-memory state starts afresh: `--state
  redis://…` keeps throttles and quotas across the swap. Under granian, which cannot take a
  socket, the previous server is stopped before the new one starts.
"""

from __future__ import annotations

import socket
import subprocess
import tempfile
import time
from pathlib import Path

import click

from apigwc.serve import Build, Handover, ServeOptions, announce, build, first_build, start, stop

READY_TIMEOUT_S = 120.0  # a rebuilt gateway that does not serve by then is given up


def serve_with_reload(spec: Path, options: ServeOptions) -> int:
    built = first_build(spec, options)
    if not isinstance(built, Build):
        return built
    try:
        listener = _listener(options)
    except OSError as error:
        click.echo(f"error: cannot listen on {options.host}:{options.port}: {error}", err=True)
        return 3  # uvicorn's start-up failure, as without --reload (README, exit codes)
    with tempfile.TemporaryDirectory(prefix="apigwc-serve-") as folder:
        handover = None
        if listener is not None:
            handover = Handover(listener.fileno(), Path(folder) / "ready")
        announce(built, options)
        # The servers running: the one serving last; two while a rebuilt one takes over.
        servers = [start(built, options, reload=True, handover=handover)]
        try:
            _watch(spec, options, built, servers, handover)
            return servers[-1].wait()
        except KeyboardInterrupt:
            return 0
        finally:
            for server in servers:
                stop(server)
            if listener is not None:
                listener.close()


def _listener(options: ServeOptions) -> socket.socket | None:
    """The listening socket every server of this session takes over (uvicorn only)."""
    if options.server != "uvicorn":
        return None
    family = socket.AF_INET6 if ":" in options.host else socket.AF_INET
    return socket.create_server((options.host, options.port), family=family, backlog=2048)


def _watch(
    spec: Path,
    options: ServeOptions,
    built: Build,
    servers: list[subprocess.Popen[bytes]],
    handover: Handover | None,
) -> None:
    """Until stopped: rebuild on spec changes, leave handler edits to the running server. The
    watcher is made again when a rebuild changes the folders to watch."""
    import watchfiles

    while True:
        watched = built.watched
        for changes in watchfiles.watch(*watched, watch_filter=_source_change):
            paths = [Path(path) for _, path in changes]
            if all(handler_module(path, built) for path in paths):
                continue  # the running server loads them again itself
            rebuilt = build(spec, options.stage, options.allow_roots)
            if rebuilt is None:
                click.echo("build failed; still serving the previous build", err=True)
                continue
            swap(spec, options, rebuilt, servers, handover)
            built = rebuilt
            if built.watched != watched:
                break


def handler_module(path: Path, built: Build) -> bool:
    """A Python file in a function's code folder: the server reloads it without a rebuild."""
    if path.suffix != ".py":
        return False
    return any(path.is_relative_to(folder) for folder in built.sources.values())


def swap(
    spec: Path,
    options: ServeOptions,
    built: Build,
    servers: list[subprocess.Popen[bytes]],
    handover: Handover | None,
) -> None:
    """Serve the new build in place of the running one; keep the old one if the new one fails
    to start (a runtime error the build did not catch)."""
    if handover is None or options.debug_port is not None:  # one server at a time
        stop(servers.pop())
        servers.append(start(built, options, reload=True, handover=handover))
        click.echo(f"reloaded {spec.name}: rebuilt and restarted the gateway", err=True)
        return
    handover.ready_file.unlink(missing_ok=True)
    new = start(built, options, reload=True, handover=handover)
    servers.append(new)
    if not _ready(new, handover.ready_file):
        stop(servers.pop())
        click.echo(
            f"reloaded {spec.name}: the rebuilt gateway did not start; still serving the "
            "previous build",
            err=True,
        )
        return
    stop(servers[0])  # it stops accepting and finishes the requests it has
    servers.pop(0)
    click.echo(
        f"reloaded {spec.name}: rebuilt, and the new gateway took over without dropping a "
        f"connection (in-memory state starts afresh; --state redis://… keeps it)",
        err=True,
    )


def _ready(server: subprocess.Popen[bytes], ready_file: Path) -> bool:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if ready_file.exists():
            return True
        if server.poll() is not None:
            return False
        time.sleep(0.05)
    return False


def _source_change(change: object, path: str) -> bool:
    parts = Path(path).parts
    return ".apigwc-cache" not in parts and "__pycache__" not in parts and not path.endswith(".pyc")
