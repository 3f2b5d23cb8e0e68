"""The gateway under uvicorn's server (the default): the gateway's own HTTP/1.1 protocol.

Flows in: the generated package's name and `server.Listen`. Flows out: uvicorn's server (loop,
sockets, workers, signals, graceful shutdown, lifespan) serving `<pkg>.app:app` with
`http_protocol.GatewayHttpProtocol`, after that protocol has checked, in this process, the
uvicorn names it uses (workers import it again).
`settings` is the keyword set `uvicorn.run` gets (benchmarks/server_cost_bench.py runs a bare
app with the same one).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from . import Listen, ServerUnavailable

PROTOCOL = "http_protocol:GatewayHttpProtocol"  # in this package
WEBSOCKET_PROTOCOL = f"{__name__.rsplit('.', 2)[0]}.websocket.protocol:GatewayWebSocketProtocol"


def run(package: str, listen: Listen) -> None:
    try:
        from . import http_protocol  # noqa: F401  (checks uvicorn's internals on import)
    except (ImportError, RuntimeError) as error:  # httptools missing, or uvicorn's internals
        raise ServerUnavailable(str(error)) from error
    import uvicorn

    if listen.fd is not None:
        _run_inherited(f"{package}.app:app", listen)
        return
    uvicorn.run(f"{package}.app:app", **settings(listen))


def _run_inherited(app: str, listen: Listen) -> None:
    """Serve on the socket `apigwc serve --reload` handed down (`Listen.fd`), touching the ready
    file once serving (uvicorn calls `callback_notify` from its first tick after start-up)."""
    import socket

    import uvicorn
    from uvicorn.supervisors import Multiprocess

    notify = functools.partial(_ready, listen.ready_file) if listen.ready_file else None
    config = uvicorn.Config(app, **settings(listen), callback_notify=notify)
    # The family is read from the socket itself (uvicorn's own `fd` option assumes AF_UNIX,
    # which would leave TCP_NODELAY off on accepted connections).
    sock = socket.socket(fileno=listen.fd)
    if listen.workers > 1:
        Multiprocess(config, sockets=[sock]).run()
    else:
        uvicorn.Server(config).run(sockets=[sock])


async def _ready(path: str) -> None:
    Path(path).touch()


def settings(listen: Listen) -> dict[str, Any]:
    """uvicorn's options for the gateway (all but the app)."""
    return {
        "host": listen.host,
        "port": listen.port,
        "workers": listen.workers,
        "server_header": False,
        # The gateway writes its own access log (observability/access_log.py), off the event
        # loop; uvicorn's costs about 40% of the throughput.
        "access_log": False,
        # The caller's address is the TCP peer's: a client's X-Forwarded-For is not believed
        # (it would let any caller choose `aws:SourceIp`) unless it comes from a proxy the
        # operator names. `proxy_headers=False` also ignores uvicorn's FORWARDED_ALLOW_IPS.
        # The protocol reads these settings (uvicorn's middleware carries them) and applies
        # them itself.
        "proxy_headers": bool(listen.trusted_proxies),
        "forwarded_allow_ips": listen.trusted_proxies or None,
        # No WebSocket upgrade: a REST or HTTP API answers an upgrade request as any other
        # request, through its routes. An API with a WebSocket API serves upgrades with
        # API Gateway's frame limits (runtime/websocket/protocol.py).
        "ws": WEBSOCKET_PROTOCOL if listen.websocket else "none",
        # The gateway's protocol (httptools, header names kept as the client wrote them); by
        # import string, which each worker process imports.
        "http": f"{__package__}.{PROTOCOL}",
    }
