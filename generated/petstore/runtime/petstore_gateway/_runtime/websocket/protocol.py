"""The WebSocket protocol uvicorn serves a WebSocket API with: uvicorn's sans-I/O protocol
(websockets' `ServerProtocol`) with API Gateway's frame and message limits.

Flows in: the bytes of an upgraded connection (uvicorn's HTTP protocol hands an upgrade request
to the class named by its `ws` setting, server/uvicorn_server.py). Flows out: the ASGI
`websocket` events the gateway's endpoint reads (endpoint.py).

API Gateway closes a connection with 1009 for a frame over 32 KB or a message over 128 KB
(fragments reassembled up to 128 KB; reference §10.1): websockets enforces both as it parses,
before a payload is buffered (`max_size=(message, fragment)`). No compression extension is
negotiated (a frame's size is its size on the wire).

The upgrade request reaches this protocol replayed by the HTTP protocol, header names lower
cased; the names as the client wrote them (the HTTP protocol's `HEADER_NAMES` scope extension,
when it records them) are passed on in the WebSocket scope under the same extension, so the
CONNECT event keeps the client's casing as API Gateway's does.

Imported only by the server, by name, when the API has a WebSocket API.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from uvicorn.server import ServerState
from websockets.http11 import Request
from websockets.server import ServerProtocol

from ..pipeline.context import HEADER_NAMES
from .endpoint import MAX_FRAME_BYTES, MAX_MESSAGE_BYTES


class GatewayWebSocketProtocol(WebSocketsSansIOProtocol):
    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.conn = ServerProtocol(
            extensions=[],
            max_size=(MAX_MESSAGE_BYTES, MAX_FRAME_BYTES),
            logger=logging.getLogger("uvicorn.error"),
        )
        self.header_names: Any = None

    def connection_made(self, transport: Any) -> None:
        # Still the HTTP protocol that read the upgrade request: it hands over after this.
        previous = transport.get_protocol()
        scope = getattr(previous, "scope", None)
        extensions = scope.get("extensions") if isinstance(scope, dict) else None
        if isinstance(extensions, dict):
            self.header_names = extensions.get(HEADER_NAMES)
        super().connection_made(transport)

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)  # builds the scope; the app's task has not run yet
        scope: Any = getattr(self, "scope", None)
        if self.header_names is not None and isinstance(scope, dict):
            scope["extensions"][HEADER_NAMES] = self.header_names
