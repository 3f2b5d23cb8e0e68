"""The HTTP server's edge: how `python -m <pkg>` starts a server, and what the servers share.

Flows in: the server chosen on the command line (`launch.SERVERS`: uvicorn by default, granian
as an option) and bytes on a socket. Flows out: requests for `pipeline.gateway`. Under uvicorn's
server the gateway's own HTTP/1.1 protocol (`http_protocol`) parses them, keeps the client's
header-name casing and API Gateway's size limits, and calls the gateway with no ASGI in between;
granian (`granian_server`) calls the gateway through its RSGI interface, also with no ASGI in
between, measuring the size limits from granian's scope (or, with
`APIGWC_GRANIAN_INTERFACE=asgi`, the gateway's ASGI entry with the `OVERSIZE` extension), and
lists what it cannot keep. `launch` picks one. This module holds what they share."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

# The most of one request head a server buffers before refusing it outright (431, no request
# made): room for a URL and header values beyond API Gateway's limits (10240), so that those get
# the gateway's own answers (414, 431 with API Gateway's JSON message).
HEAD_LIMIT = 128 * 1024
# `apigwc serve --reload` holds the listening socket itself and hands it to each server it starts
# (the file descriptor's number), so a rebuilt gateway takes over with no connection refused;
# the server touches the ready file once it serves, and the previous one is then stopped.
LISTEN_FD = "APIGWC_LISTEN_FD"
READY_FILE = "APIGWC_READY_FILE"


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
    fd: int | None = None  # an inherited listening socket, instead of host and port
    ready_file: str = ""  # touched once the server serves (with `fd`)

    def inherited(self) -> Listen:
        """These options with the socket `apigwc serve --reload` handed down, if any."""
        fd = os.environ.get(LISTEN_FD, "")
        if not fd.isdigit():
            return self
        return replace(self, fd=int(fd), ready_file=os.environ.get(READY_FILE, ""))
