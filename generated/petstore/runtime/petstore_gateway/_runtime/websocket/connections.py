"""The connections one gateway process holds: what `@connections` reaches.

Flows in: each accepted connection (its facts and the ASGI `send` of its socket). Flows out:
sends and closes by connection id, and each connection's facts for `GET @connections/{id}`.
The registry is the process's own (one uvicorn worker); with the Redis state backend, calls for
connections other workers hold are forwarded to them (relay.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from ..pipeline.wire import Send
from .events import ConnectionFacts

# The messages of one connection whose integrations run at once (endpoint.py reads no more
# from the socket until one is done). API Gateway documents no such number; it bounds memory.
MAX_IN_FLIGHT = 64


class Connection:
    """One open WebSocket: its facts and the way to write to it. Writes after the close are
    dropped (the connection is gone, as `@connections` then reports)."""

    def __init__(self, facts: ConnectionFacts, send: Send) -> None:
        self.facts = facts
        self._send = send
        self.closed = False
        # Set by `close` (an idle timeout, the maximum duration, DELETE @connections): the
        # close code and reason `$disconnect` reports (the server's ASGI receive then ends
        # with a disconnect).
        self.closed_with: tuple[int, str] | None = None
        self.in_flight = asyncio.Semaphore(MAX_IN_FLIGHT)  # messages whose route still runs
        facts.last_active_at = facts.connected_at
        # The loop time of the last message received, and the idle timer (endpoint.py).
        self.seen = 0.0
        self.idle: asyncio.TimerHandle | None = None

    def touch(self) -> None:
        self.facts.last_active_at = int(time.time() * 1000)

    async def post(self, data: str | bytes) -> bool:
        """One frame to the client: text, or binary for bytes that are not UTF-8."""
        if self.closed:
            return False
        message: dict[str, Any] = {"type": "websocket.send"}
        if isinstance(data, bytes):
            try:
                message["text"] = data.decode("utf-8")
            except UnicodeDecodeError:
                message["bytes"] = data
        else:
            message["text"] = data
        try:
            await self._send(message)
        except (OSError, RuntimeError):  # uvicorn's ClientDisconnected is an OSError
            self.closed = True
            return False
        return True

    async def close(self, code: int, reason: str = "") -> None:
        """Close the socket with `code`; the session then runs `$disconnect`."""
        if self.closed:
            return
        self.closed = True
        self.closed_with = (code, reason)
        with contextlib.suppress(OSError, RuntimeError):
            await self._send({"type": "websocket.close", "code": code, "reason": reason})


class Connections:
    """Open connections by id."""

    def __init__(self) -> None:
        self._open: dict[str, Connection] = {}

    def add(self, connection: Connection) -> None:
        self._open[connection.facts.connection_id] = connection

    def remove(self, connection: Connection) -> None:
        if self._open.get(connection.facts.connection_id) is connection:
            del self._open[connection.facts.connection_id]

    def get(self, connection_id: str) -> Connection | None:
        return self._open.get(connection_id)

    def __len__(self) -> int:
        return len(self._open)
