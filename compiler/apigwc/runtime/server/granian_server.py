"""The gateway under granian (`--server granian`), and what granian cannot keep.

Flows in: the generated package's name and `server.Listen`. Flows out: granian (HTTP/1.1, one
process per worker) serving `<pkg>.app:app` through its RSGI interface (`GatewayRsgi`): the
`Request` is built from granian's scope, `Gateway.answer` called, and the response written with
the headers the default server writes (`Gateway.wire_headers`), then `Gateway.sent` (access log,
metrics). No ASGI in between: granian's ASGI layer (scope dict, `receive`/`send` messages, a task
per request) cost more than the gateway's own work on a MOCK route (benchmarks/README.md).

RSGI gives less than ASGI: the path percent-decoded (re-encoded here, `_path`) and only header
values that are visible ASCII. `APIGWC_GRANIAN_INTERFACE=asgi` serves the gateway's ASGI entry
instead (`load`, wrapped by `MeasuredRequest`), which keeps both, at ASGI's cost.

granian is an optional extra (`apigwc[granian]`, the generated package's `[granian]`): it is
imported by name when chosen, and its absence is a one-line message. What it cannot keep is
`launch.GRANIAN_DIFFERENCES`: it lower-cases request header names, so REST Lambda proxy events
lose the client's casing (no `HEADER_NAMES`), and the RSGI differences above.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import re
from itertools import chain
from types import ModuleType
from typing import Any
from urllib.parse import quote

from ..pipeline import wire
from ..pipeline.context import OVERSIZE, SIZE_LIMIT, Request
from ..pipeline.gateway import Gateway
from ..responses.gateway_responses import Response
from . import HEAD_LIMIT, Listen, ServerUnavailable

# The trusted proxies reach each worker process in its environment (granian imports the app
# factory there by name, as uvicorn imports the app).
TRUSTED_PROXIES = "APIGWC_TRUSTED_PROXIES"
# `asgi`: the gateway's ASGI entry instead of RSGI (keeps escapes in the path and header values
# that are not ASCII; slower).
INTERFACE = "APIGWC_GRANIAN_INTERFACE"
# RFC 3986 §3.3: what a path carries as it is (pchar and `/`); anything else is %XX of UTF-8.
_PATH_SAFE = "/!$&'()*+,;=:@"
_PLAIN_PATH = re.compile(r"[A-Za-z0-9\-._~/!$&'()*+,;=:@]*")
_PATHS: dict[str, str] = {}  # decoded -> as the gateway reads it
_PATHS_MAX = 4096


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
    asgi = os.environ.get(INTERFACE, "").lower() == "asgi"
    server.Server(
        f"{package}._runtime.server.granian_server:{'load' if asgi else 'load_rsgi'}",
        factory=True,
        address=listen.host,
        port=listen.port,
        workers=listen.workers,
        # ASGI with lifespan, RSGI with `__rsgi_del__`: the gateway closes its pools either way
        interface=constants.Interfaces.ASGI if asgi else constants.Interfaces.RSGI,
        http=constants.HTTPModes.http1,  # as uvicorn: HTTP/1.1 only
        websockets=False,  # an upgrade request goes through the routes, as under uvicorn
        http1_settings=http.HTTP1Settings(max_buffer_size=HEAD_LIMIT),
        log_access=False,  # the gateway writes its own access log
        workers_kill_timeout=5,  # a worker stopped while it starts can hang granian's stop
    ).serve()


def _gateway() -> Any:
    package = __name__.split("._runtime.", 1)[0]
    return importlib.import_module(f"{package}.app").app


def load() -> Any:
    """The ASGI app each granian worker serves (`APIGWC_GRANIAN_INTERFACE=asgi`):
    `<pkg>.app:app`, measured, behind the trusted proxies' X-Forwarded-For when the operator
    named some."""
    app: Any = MeasuredRequest(_gateway())
    trusted = os.environ.get(TRUSTED_PROXIES, "")
    if trusted:
        proxies = _granian(".utils.proxies")
        app = proxies.wrap_asgi_with_proxy_headers(app, trusted)
    return app


def load_rsgi() -> GatewayRsgi:
    """The RSGI app each granian worker serves (the default)."""
    gateway = _gateway()
    if not isinstance(gateway, Gateway):
        raise TypeError(f"granian's RSGI entry serves a generated gateway, not {gateway!r}")
    trusted = os.environ.get(TRUSTED_PROXIES, "")
    # granian's own reading of the proxies (the one its ASGI wrapper applies), so the RSGI and
    # ASGI entries believe the same X-Forwarded-For.
    forwarders = _granian(".utils.proxies")._Forwarders(trusted) if trusted else None
    return GatewayRsgi(gateway, forwarders)


class GatewayRsgi:
    """The gateway as granian's RSGI app: one call per request, the `Request` made from the
    scope, the response written in one `response_bytes`."""

    def __init__(self, gateway: Gateway, forwarders: Any = None) -> None:
        self.gateway = gateway
        self.forwarders = forwarders
        self.answer = gateway.answer
        self.sent = gateway.sent
        self.text_headers = gateway.text_headers
        self.ports: dict[str, int] = {}

    def __rsgi_init__(self, loop: asyncio.AbstractEventLoop) -> None:
        """Nothing to open: pools and the state store open on first use."""

    def __rsgi_del__(self, loop: asyncio.AbstractEventLoop) -> None:
        """The worker stops (its loop no longer serving): what the ASGI lifespan's shutdown
        does (`Gateway.close`: pools, the state store, the logs written out)."""
        loop.run_until_complete(self.gateway.close())

    async def __rsgi__(self, scope: Any, protocol: Any) -> None:
        if scope.proto != "http":
            return  # granian runs with websockets off: no other kind comes
        client = scope.client.rpartition(":")[0].strip("[]") or "127.0.0.1"
        scheme = scope.scheme
        headers = scope.headers.items()
        if self.forwarders is not None and client in self.forwarders:
            client, scheme = self._forwarded(headers, client, scheme)
        server = scope.server
        port = self.ports.get(server) or self._port(server)
        decoded = scope.path
        path = _PATHS.get(decoded) or _path(decoded)
        query = scope.query_string
        method = scope.method
        request = Request(  # positional: a call per request
            method,
            path,
            query,
            headers,
            b"",
            client,
            scheme,
            port,
            "",
            None,
            "",
            "",
            None,  # granian lower-cases header names: the client's casing is not known here
        )
        response: Response | None = None
        # The sizes the default server's protocol counts on the wire (names as granian gives
        # them, same lengths; the joined text is the quickest sum of them); the values' share
        # only when the whole is over (it is within).
        url = len(path) + (len(query) + 1 if query else 0)
        head = url + len("".join(chain.from_iterable(headers)))
        if head > SIZE_LIMIT:
            values = sum(len(value) for _, value in headers)
            response = self.gateway.oversize(url, values, head)
        if response is None:
            length = request.header("content-length")
            if length not in (None, "0") or request.header("transfer-encoding"):
                # A request without either header has no body (RFC 9112 §6.3).
                body = None if wire.declared_too_large(length) else await _read_body(protocol)
                if body is None:
                    response = self.gateway.too_large(request)
                else:
                    request.body = body
        if response is None:
            answer = self.answer(request)
            response = answer if isinstance(answer, Response) else await answer
        lines = self.text_headers(request, response)
        protocol.response_bytes(response.status, lines, b"" if method == "HEAD" else response.body)
        self.sent(request, response)

    def _port(self, server: str) -> int:
        """The port a request came to (granian's `host:port` of the listening socket; one per
        worker, so read once)."""
        port = int(server.rpartition(":")[2] or 80)
        self.ports[server] = port
        return port

    def _forwarded(
        self, headers: list[tuple[str, str]], client: str, scheme: str
    ) -> tuple[str, str]:
        """As granian's ASGI proxy wrapper reads them: the first X-Forwarded-Proto, every
        X-Forwarded-For joined, the proto believed only with a forwarded address."""
        proto = ""
        forwarded = []
        for name, value in headers:
            if name == "x-forwarded-proto" and not proto:
                proto = value.strip()
            elif name == "x-forwarded-for" and value.strip():
                forwarded.append(value.strip())
        if forwarded:
            host = self.forwarders.get_client_host(", ".join(forwarded))
            if host:
                client = host
                if proto in ("http", "https"):
                    scheme = proto
        return client, scheme


def _path(decoded: str) -> str:
    """The path as the gateway reads it, percent-encoded, from RSGI's decoded one: as it came
    when the client escaped exactly what RFC 3986 requires (what HTTP clients send). Kept for
    the next request of the same path (a bounded table: paths carry ids)."""
    path = decoded if _PLAIN_PATH.fullmatch(decoded) else quote(decoded, safe=_PATH_SAFE)
    if len(_PATHS) < _PATHS_MAX:
        _PATHS[decoded] = path
    return path


async def _read_body(protocol: Any) -> bytes | None:
    """The request body, or None as soon as more than the payload limit has come (the rest is
    not read)."""
    chunks = []
    size = 0
    async for chunk in protocol:
        size += len(chunk)
        if size > wire.MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


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
