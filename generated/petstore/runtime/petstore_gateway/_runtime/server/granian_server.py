"""The gateway under granian (`--server granian`), and what granian cannot keep.

Flows in: the generated package's name and `server.Listen`. Flows out: granian (ASGI, HTTP/1.1,
one process per worker) serving `<pkg>.app:app` wrapped by `MeasuredRequest`, which gives the
gateway the `OVERSIZE` extension (the sizes the default server's own protocol measures on the
wire).

granian is an optional extra (`apigwc[granian]`, the generated package's `[granian]`): it is
imported by name when chosen, and its absence is a one-line message. What it cannot keep is
`launch.GRANIAN_DIFFERENCES`: it lower-cases request header names, so REST Lambda proxy events
lose the client's casing (no `HEADER_NAMES`).
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import Any

from ..pipeline.context import OVERSIZE, SIZE_LIMIT
from . import HEAD_LIMIT, Listen, ServerUnavailable

# The trusted proxies reach each worker process in its environment (granian imports the app
# factory there by name, as uvicorn imports the app).
TRUSTED_PROXIES = "APIGWC_TRUSTED_PROXIES"


def _granian(module: str) -> ModuleType:
    try:
        return importlib.import_module(f"granian{module}")
    except ImportError as error:
        raise ServerUnavailable(
            "--server granian needs granian, which is not installed: "
            "pip install 'apigwc[granian]' (or the generated package's [granian] extra)"
        ) from error


def run(package: str, listen: Listen) -> None:
    server, constants, http = _granian(".server"), _granian(".constants"), _granian(".http")
    os.environ[TRUSTED_PROXIES] = listen.trusted_proxies
    server.Server(
        f"{package}._runtime.server.granian_server:load",
        factory=True,
        address=listen.host,
        port=listen.port,
        workers=listen.workers,
        interface=constants.Interfaces.ASGI,  # with lifespan: the gateway closes its pools
        http=constants.HTTPModes.http1,  # as uvicorn: HTTP/1.1 only
        websockets=False,  # an upgrade request goes through the routes, as under uvicorn
        http1_settings=http.HTTP1Settings(max_buffer_size=HEAD_LIMIT),
        log_access=False,  # the gateway writes its own access log
        workers_kill_timeout=5,  # a worker stopped while it starts can hang granian's stop
    ).serve()


def load() -> Any:
    """The app each granian worker serves: `<pkg>.app:app`, measured, behind the trusted
    proxies' X-Forwarded-For when the operator named some."""
    package = __name__.split("._runtime.", 1)[0]
    app: Any = MeasuredRequest(importlib.import_module(f"{package}.app").app)
    trusted = os.environ.get(TRUSTED_PROXIES, "")
    if trusted:
        proxies = _granian(".utils.proxies")
        app = proxies.wrap_asgi_with_proxy_headers(app, trusted)
    return app


class MeasuredRequest:
    """The gateway, told when a request is over API Gateway's URL or header limits: the sizes
    the default server's protocol counts as bytes arrive, counted here from the scope (names as
    granian gives them, same lengths; values as received)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            query, headers = scope["query_string"], scope["headers"]
            url = len(scope["raw_path"]) + (len(query) + 1 if query else 0)
            values = sum(len(value) for _, value in headers)
            head = url + values + sum(len(name) for name, _ in headers)
            if head > SIZE_LIMIT:
                extensions = scope.get("extensions") or {}
                scope["extensions"] = {**extensions, OVERSIZE: (url, values, head)}
        await self.app(scope, receive, send)
