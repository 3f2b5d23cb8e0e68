"""The HTTP server's edge: what the server hands the gateway, and how `python -m <pkg>` starts one.

Flows in: the server chosen on the command line (`launch.SERVERS`: uvicorn by default, granian
as an option) and bytes on a socket. Flows out: ASGI scopes for `pipeline.gateway`, carrying the
extensions `HEADER_NAMES` (header names as the client wrote them; uvicorn only) and `OVERSIZE`
(a request over API Gateway's size limits), for the gateway to answer as API Gateway does.

`http_protocol` is uvicorn's protocol extended; `granian_server` runs the gateway under granian
and lists what granian cannot keep; `launch` picks one. This module holds what they share.
"""

from __future__ import annotations

from dataclasses import dataclass

# The most of one request head a server buffers before refusing it outright (431, no request
# made): room for a URL and header values beyond API Gateway's limits (10240), so that those get
# the gateway's own answers (414, 431 with API Gateway's JSON message).
HEAD_LIMIT = 128 * 1024


class ServerUnavailable(Exception):
    """The chosen server cannot run in this environment; the message says what to do."""


@dataclass(frozen=True)
class Listen:
    """Where and how the server listens (the `__main__` options that are the server's)."""

    host: str
    port: int
    workers: int
    trusted_proxies: str  # comma-separated addresses or networks; empty: none
    # The API has a WebSocket API (`x-apigwc.websocket`): upgrades go to runtime/websocket/.
    websocket: bool = False
