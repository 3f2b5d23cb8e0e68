"""`@connections` across workers and machines, through the Redis state backend (issue 15 point 7).

Flows in: the `--state redis://…` URL, the WebSocket API's id, this worker's open connections
(connections.py); the ids of connections this worker accepts and closes; `@connections` calls
for connections this worker does not hold. Flows out: the answer of the worker that holds the
connection (the same `management.manage` answer it gives its own callers), or None when no
worker holds it (the caller then answers 410 Gone).

API Gateway's `@connections` reaches every connection of a stage whichever server took the
call; a gateway run with several workers (or on several machines sharing one Redis) does the
same. Each worker:
- records the connections it holds in one Redis hash (`apigwc:{api}:ws:connections`,
  connection id -> worker id), added once the connection is accepted and removed when it closes;
- listens on its own channel (`apigwc:{api}:ws:worker:{worker}`) for calls other workers
  forward and for the answers to the calls it forwarded;
- forwards a call for a connection another worker holds to that worker's channel and waits for
  its answer (bounded: a worker that does not answer in `FORWARD_TIMEOUT_S` gets 429
  LimitExceededException, as a connection whose client does not read). A worker that is gone
  (no listener on its channel) leaves stale entries: they are removed and answered 410 Gone.

When Redis does not answer, connections keep working within their worker; calls for other
workers' connections answer 410 (one log line per outage). Messages are JSON with the body in
base64; every Redis call is bounded in time.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import redis.asyncio as redis
from redis.exceptions import RedisError

from ..responses.gateway_responses import Response
from .management import limit_exceeded

log = logging.getLogger("uvicorn.error.apigwc")

CALL_TIMEOUT_S = 1.0  # one Redis command
# A forwarded call: the owner's own POST waits up to 10 s for a client that does not read.
FORWARD_TIMEOUT_S = 12.0
RETRY_S = 1.0  # after the listening connection failed

# The owner's answer to a call: management.manage on its own connections.
Manage = Callable[[str, str, bytes], Awaitable[Response]]


class Relay:
    """This worker's place among the workers sharing one Redis."""

    def __init__(self, url: str, api_id: str, manage: Manage) -> None:
        self.worker = uuid.uuid4().hex[:16]
        self.manage = manage
        self.registry = f"apigwc:{api_id}:ws:connections"
        self.prefix = f"apigwc:{api_id}:ws:worker:"
        self.channel = self.prefix + self.worker
        # No socket timeout: the listening connection waits for messages indefinitely; each
        # command is bounded by `_call` instead.
        self.client = redis.Redis.from_url(url, socket_connect_timeout=CALL_TIMEOUT_S)
        self.waiting: dict[str, asyncio.Future[Response]] = {}
        self.tasks: set[asyncio.Task[Any]] = set()
        self.listener: asyncio.Task[None] | None = None
        self.ready: asyncio.Event | None = None
        self.failing = False

    # -- this worker's connections ---------------------------------------------------------------

    async def register(self, connection_id: str) -> None:
        await self._start()
        await self._call(self.client.hset(self.registry, connection_id, self.worker))

    async def unregister(self, connection_id: str) -> None:
        # Only this worker's entry: a stale one of a gone worker is removed by `forward`.
        owner = await self._call(self.client.hget(self.registry, connection_id))
        if owner == self.worker.encode():
            await self._call(self.client.hdel(self.registry, connection_id))

    # -- calls for other workers' connections --------------------------------------------------

    async def forward(self, method: str, connection_id: str, body: bytes) -> Response | None:
        """The answer of the worker holding `connection_id`, or None when none does."""
        await self._start()
        owner = await self._call(self.client.hget(self.registry, connection_id))
        if not isinstance(owner, bytes) or owner.decode() == self.worker:
            return None
        call_id = uuid.uuid4().hex
        future: asyncio.Future[Response] = asyncio.get_running_loop().create_future()
        self.waiting[call_id] = future
        message = {
            "kind": "call",
            "call": call_id,
            "reply": self.channel,
            "method": method,
            "id": connection_id,
            "body": base64.b64encode(body).decode(),
        }
        try:
            receivers = await self._call(
                self.client.publish(self.prefix + owner.decode(), json.dumps(message))
            )
            if not receivers:  # the worker is gone (or Redis is): its entry is stale
                if receivers == 0:
                    await self._call(self.client.hdel(self.registry, connection_id))
                return None
            return await asyncio.wait_for(future, FORWARD_TIMEOUT_S)
        except TimeoutError:
            return limit_exceeded()
        finally:
            self.waiting.pop(call_id, None)

    # -- listening -----------------------------------------------------------------------------

    async def _start(self) -> None:
        """Subscribe this worker's channel once, before its first connection is registered
        (so no call forwarded to it is lost) and before its first forwarded call."""
        if self.ready is None:
            self.ready = asyncio.Event()
            self.listener = asyncio.get_running_loop().create_task(self._listen())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.ready.wait(), CALL_TIMEOUT_S * 2)

    async def _listen(self) -> None:
        while True:
            try:
                async with self.client.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    assert self.ready is not None
                    self.ready.set()
                    self._recovered()
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            self._received(message["data"])
            except (RedisError, OSError) as error:
                self._down(error)
                await asyncio.sleep(RETRY_S)

    def _received(self, data: bytes) -> None:
        try:
            message = json.loads(data)
            kind = message["kind"]
        except (ValueError, KeyError, TypeError):
            return
        if kind == "call":
            task = asyncio.get_running_loop().create_task(self._answer_call(message))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        elif kind == "answer":
            future = self.waiting.get(str(message.get("call")))
            if future is not None and not future.done():
                future.set_result(_response(message))

    async def _answer_call(self, message: dict[str, Any]) -> None:
        """A call another worker forwarded: answered by this worker's own `@connections`."""
        body = base64.b64decode(str(message.get("body") or ""))
        answer = await self.manage(str(message["method"]), str(message["id"]), body)
        reply = {
            "kind": "answer",
            "call": message.get("call"),
            "status": answer.status,
            "headers": answer.headers,
            "body": base64.b64encode(answer.body).decode(),
        }
        await self._call(self.client.publish(str(message["reply"]), json.dumps(reply)))

    async def close(self) -> None:
        if self.listener is not None:
            self.listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, RedisError, OSError):
                await self.listener
        with contextlib.suppress(RedisError, OSError):
            await self.client.aclose()

    # -- Redis calls ---------------------------------------------------------------------------

    async def _call(self, pending: Awaitable[Any]) -> Any:
        """One Redis command, bounded in time; None when Redis does not answer."""
        try:
            async with asyncio.timeout(CALL_TIMEOUT_S * 2):
                result = await pending
        except (RedisError, OSError, TimeoutError) as error:
            self._down(error)
            return None
        self._recovered()
        return result

    def _down(self, error: BaseException) -> None:
        if not self.failing:
            self.failing = True
            log.error(
                "@connections across workers: Redis does not answer (%s); each worker reaches "
                "only its own connections until it does",
                type(error).__name__,
            )

    def _recovered(self) -> None:
        if self.failing:
            self.failing = False
            log.warning("@connections across workers: Redis answers again")


def _response(message: dict[str, Any]) -> Response:
    headers = [(str(k), str(v)) for k, v in message.get("headers") or ()]
    body = base64.b64decode(str(message.get("body") or ""))
    return Response(int(message.get("status") or 500), headers, body)
