"""The gateway under uvicorn's server (the default): the gateway's own HTTP/1.1 protocol.

Flows in: the generated package's name and `server.Listen`. Flows out: uvicorn's server (loop,
sockets, workers, signals, graceful shutdown, lifespan) serving `<pkg>.app:app` with
`http_protocol.GatewayHttpProtocol`, after that protocol has checked, in this process, the
uvicorn names it uses (workers import it again).
`settings` is the keyword set `uvicorn.run` gets (benchmarks/server_cost_bench.py runs a bare
app with the same one).
"""

from __future__ import annotations

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

    uvicorn.run(f"{package}.app:app", **settings(listen))


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
