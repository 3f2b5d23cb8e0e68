"""The HTTP server's edge: how `python -m <pkg>` starts a server, and what the servers share.

Flows in: the server chosen on the command line (`launch.SERVERS`: uvicorn by default, granian
as an option) and bytes on a socket. Flows out: requests for `pipeline.gateway`. Under uvicorn's
server the gateway's own HTTP/1.1 protocol (`http_protocol`) parses them, keeps the client's
header-name casing and API Gateway's size limits, and calls the gateway with no ASGI in between;
granian (`granian_server`) calls the gateway's ASGI entry, measuring the size limits from the
scope (the `OVERSIZE` extension), and lists what it cannot keep. `launch` picks one. This module
holds what they share."""

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
