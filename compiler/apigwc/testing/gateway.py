"""A spec built for tests: the gateway in this process (ASGI) or served on 127.0.0.1.

Where it sits: `apigwc.testing`, behind the pytest plugin's session fixtures. Flows in: a spec
path, a stage, an output folder and extra environment (an AWS endpoint). Flows out: `BuiltApi`
(the generated package and the user's code folders), the gateway's ASGI app imported from the
build (handlers loaded from the user's own files, so tracebacks and coverage name them), and a
live server (`python -m <pkg>`, the same process `apigwc serve` runs).
"""

from __future__ import annotations

import importlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class BuildFailed(Exception):
    """The spec does not build; the message holds its diagnostics as `apigwc validate` prints."""


@dataclass(frozen=True)
class BuiltApi:
    spec: Path
    package: str
    runtime_dir: Path
    stage: str | None = None
    sources: Mapping[str, str] = field(default_factory=dict)  # codeDir -> the user's folder

    def environment(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The variables the gateway reads at start-up (`GatewayOptions`), plus `extra`."""
        from apigwc.runtime.pipeline.options import GatewayOptions

        options = GatewayOptions(stage=self.stage, function_sources=self.sources)
        return options.environment() | dict(extra or {})


def build_api(spec: Path, out: Path, stage: str | None = None) -> BuiltApi:
    """Build `spec` into `out` as `apigwc build` does; `BuildFailed` when it has errors."""
    from apigwc.diagnostics.render import render_text
    from apigwc.emitters.runtime_data import functions_folders
    from apigwc.pipeline import build

    built = build(spec, out, stage=stage)
    result = built.compilation
    if built.out_dir is None or result.api is None:
        source_line = result.source_line or (lambda file, line: "")
        raise BuildFailed(render_text(result.sink.sorted(), source_line))
    folders = functions_folders(result.api, spec.parent)
    sources = {f"_functions/{n}": str(f) for n, f in folders.items() if f.is_dir()}
    package = f"{result.api.slug}_gateway"
    return BuiltApi(spec, package, out / "runtime", stage, sources)


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """`values` set in `os.environ` for the block, the previous values restored after."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def import_app(built: BuiltApi) -> Any:
    """The gateway's ASGI app, imported from the build (its options read from the environment,
    which the caller has set with `built.environment()`)."""
    folder = str(built.runtime_dir.resolve())
    if folder not in sys.path:
        sys.path.insert(0, folder)
    return importlib.import_module(f"{built.package}.app").app


@dataclass
class LiveServer:
    """`python -m <pkg>` on 127.0.0.1: `url` is where it serves."""

    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def websocket_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"


@contextmanager
def live_server(
    built: BuiltApi, extra: Mapping[str, str] | None = None, timeout: float = 60.0
) -> Iterator[LiveServer]:
    port = _free_port()
    env = dict(os.environ) | built.environment(extra)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(built.runtime_dir.resolve()), env.get("PYTHONPATH")])
    )
    command = [sys.executable, "-m", built.package, "--host", "127.0.0.1", "--port", str(port)]
    if built.stage:  # `__main__` writes the stage from its flag
        command += ["--stage", built.stage]
    process = subprocess.Popen([*command, "--no-access-log"], env=env)
    try:
        _wait_for(port, process, timeout)
        yield LiveServer(port, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(port: int, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the gateway exited with status {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"the gateway did not listen on 127.0.0.1:{port} within {timeout:.0f} s")
