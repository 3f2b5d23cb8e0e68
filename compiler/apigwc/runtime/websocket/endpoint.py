"""The WebSocket API's endpoint: a connection's life from its upgrade to `$disconnect`.

Flows in: the gateway's ASGI `websocket` scopes (an upgrade request on the stage's path: `/` or
`/{stage}` for the stage served at the root, `/{stage}` for each stage under `--all-stages`),
the WebSocket API's settings (`plan.WebSocketSettings`) and the gateway's `Deployment`
(functions, templates, authorizer cache). Flows out: the handshake's answer (101, or the status
that refuses it), frames back to the client, and the `$connect` / message / `$disconnect`
integrations' invocations.

API Gateway's behaviour (reference §10.1-§10.3):
- `$connect` (`AWS_IAM` on the upgrade's signature, iam.py, or its Lambda REQUEST authorizer;
  `apiKeyRequired`; then its integration) runs while the handshake waits: 2xx
  connects, with the headers the function returned on the 101 (`Sec-WebSocket-Protocol`
  accepts a subprotocol); any other status refuses the handshake with that status; a failed
  function refuses it with 502; an authorizer refuses with 401 or 403 (500 when it cannot
  answer);
- each text message is routed by `routeSelectionExpression` (selection.py): the route of that
  key, else `$default`; no route: the `Forbidden` error frame, the connection stays open. A
  route with a `modelSelectionExpression` validates the message first (the `Invalid request
  body` frame when no model accepts it). The integration's answer is sent back only when the
  route has a route response; a failed integration sends the `Internal server error` frame and
  keeps the connection;
- limits: idle timeout 10 minutes, maximum duration 2 hours (both close with 1001 Going away),
  a binary frame closes with 1003, a message over 128 KB with 1009 (frames over 32 KB are
  refused by the server's protocol, protocol.py, also with 1009);
- at most 64 messages of a connection run at once (connections.py), then the socket waits; a
  MOCK route is answered at once, in the receiving loop;
- `$disconnect` runs after the socket closed, whatever closed it, with the close code and
  reason; best effort (its failure reaches nobody).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from ..integrations.mock import Templates, integration_templates
from ..pipeline import wire
from ..pipeline.context import HEADER_NAMES, Request
from ..pipeline.deployment import Deployment
from ..pipeline.plan import ApiSettings, WebSocketRouteEntry, WebSocketSettings
from ..pipeline.wire import Receive, Scope, Send
from ..responses.gateway_responses import RESPONSE_TYPES, GatewayError, Response, default_body
from ..state.backends import REDIS_SCHEMES
from ..validation.request_validation import check_body
from . import management
from .authorizer import ConnectAuthorizer
from .connections import Connection, Connections
from .events import (
    ConnectionFacts,
    connect_event,
    disconnect_event,
    event_id,
    message_event,
)
from .iam import WebSocketIam
from .integration import IntegrationFailed, Outcome, RouteIntegration
from .selection import compile_expression

if TYPE_CHECKING:
    from .relay import Manage, Relay

log = logging.getLogger("uvicorn.error.apigwc")

MAX_MESSAGE_BYTES = 128 * 1024  # §10.1: a larger message closes the connection with 1009
MAX_FRAME_BYTES = 32 * 1024  # §10.1: a larger frame too (protocol.py enforces it)
IDLE_TIMEOUT_S = 600.0  # §10.1: 10 minutes without a message
MAX_DURATION_S = 7200.0  # §10.1: 2 hours
GOING_AWAY, UNSUPPORTED_DATA, MESSAGE_TOO_BIG = 1001, 1003, 1009
# Headers a `$connect` function cannot set on the 101: the handshake's own and framing ones.
_HANDSHAKE_HEADERS = frozenset(
    {
        "connection",
        "upgrade",
        "content-length",
        "transfer-encoding",
        "sec-websocket-accept",
        "sec-websocket-extensions",
        "date",
    }
)

# The HTTP pipeline's answer to an upgrade that is not for the WebSocket API (a REST route).
HttpFallback = Callable[[Scope, Receive, Send], Awaitable[None]]


class Refused(Exception):
    """The handshake is refused with this status and body."""

    def __init__(self, status: int, body: bytes = b"") -> None:
        super().__init__(status)
        self.status = status
        self.body = body


class WebSocketGateway:
    """The WebSocket API of one gateway process."""

    def __init__(
        self,
        settings: WebSocketSettings,
        api: ApiSettings,
        deployment: Deployment,
        stage: str,
        all_stages: bool,
        limits: tuple[float, float] = (IDLE_TIMEOUT_S, MAX_DURATION_S),
        state: str = "memory",
    ) -> None:
        self.settings = settings
        self.api = api
        self.stage = stage
        self.all_stages = all_stages
        self.idle_s, self.max_duration_s = limits
        self.selection = compile_expression(settings.route_selection_expression)
        self.connections = Connections()
        self.stage_variables = {name: dict(s.variables) for name, s in api.stages.items()}
        templates = Templates(
            text
            for route in settings.routes.values()
            for text in integration_templates(route.integration)
        )
        self.integrations = {
            key: RouteIntegration(route, deployment, templates)
            for key, route in settings.routes.items()
            if route.integration.get("type") is not None
        }
        arn_prefix = f"arn:aws:execute-api:{api.region}:{api.account}:{settings.api_id}"
        self.authorizers = {
            name: ConnectAuthorizer(
                config, deployment.functions, deployment.authorizer_cache, arn_prefix
            )
            for name, config in settings.authorizers.items()
        }
        self.validators = deployment.validators
        self.model_selections = {
            key: compile_expression(route.model_selection_expression)
            for key, route in settings.routes.items()
            if route.model_selection_expression is not None
        }
        self.iam = WebSocketIam(deployment, settings.api_id)
        # With the Redis state backend, @connections reaches other workers' connections.
        self.relay = _relay(state, settings.api_id, self._manage_here)
        self._tasks: set[asyncio.Task[None]] = set()  # running messages and closes

    # -- the upgrade ---------------------------------------------------------------------------

    def stage_of(self, path: str) -> str | None:
        """The stage an upgrade on `path` is for, or None when it is not the API's endpoint."""
        name = path.rstrip("/").lstrip("/")
        if self.all_stages:
            return name if name in self.api.stages else None
        return self.stage if name in ("", self.stage) else None

    async def serve(
        self, scope: Scope, receive: Receive, send: Send, fallback: HttpFallback
    ) -> None:
        stage = self.stage_of(scope["path"])
        if stage is None:
            await fallback(scope, receive, send)
            return
        if (await receive())["type"] != "websocket.connect":
            return
        facts = self._facts(scope, stage)
        try:
            headers = await self._connect(facts, wire.request({**scope, "method": "GET"}))
        except Refused as refusal:
            await _refuse(send, refusal)
            return
        connection = Connection(facts, send)
        self.connections.add(connection)
        await send(_accept(headers))
        try:
            if self.relay is not None:
                await self.relay.register(facts.connection_id)
            code, reason = await self._session(connection, receive)
        finally:
            self.connections.remove(connection)
            connection.closed = True
            if self.relay is not None:
                await self.relay.unregister(facts.connection_id)
        await self._disconnect(facts, code, reason)

    def _facts(self, scope: Scope, stage: str) -> ConnectionFacts:
        headers = _cased_headers(scope)
        lower = {k.lower(): v for k, v in headers}
        client = scope.get("client") or ("127.0.0.1", 0)
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        return ConnectionFacts(
            connection_id=event_id(),
            api_id=self.settings.api_id,
            stage=stage,
            domain_name=lower.get("host", "localhost"),
            source_ip=str(client[0]),
            user_agent=lower.get("user-agent"),
            headers=headers,
            query=query,
        )

    async def _connect(self, facts: ConnectionFacts, request: Request) -> list[tuple[str, str]]:
        """`$connect`'s authorizer, API key and integration: the headers for the 101."""
        route = self.settings.routes.get("$connect")
        if route is None:
            return []
        variables = self.stage_variables[facts.stage]
        try:
            if route.authorization_type == "AWS_IAM":
                facts.caller = self.iam.connect(request, facts.stage)
            elif route.authorization_type not in ("NONE", "CUSTOM"):  # fail closed
                raise GatewayError("AUTHORIZER_CONFIGURATION_ERROR")
            if route.authorizer is not None:
                authorizer = self.authorizers.get(route.authorizer)
                if authorizer is None:  # named but not defined: fail closed
                    raise GatewayError("AUTHORIZER_CONFIGURATION_ERROR")
                facts.authorizer = await authorizer.authorize(facts, variables)
            if route.api_key_required:
                self._check_api_key(facts)
        except GatewayError as error:
            status = error.status or RESPONSE_TYPES[error.response_type][0]
            raise Refused(status, default_body(error)) from None
        integration = self.integrations.get("$connect")
        if integration is None:
            return []
        event = connect_event(facts)
        try:
            outcome = await integration.run(facts, event, "", variables)
        except IntegrationFailed as failure:
            _log(facts, "$connect", failure.reason)
            raise Refused(502, b'{"message": "Internal server error"}') from None
        if not 200 <= outcome.status <= 299:
            raise Refused(outcome.status, (outcome.body or "").encode())
        return outcome.headers

    def _check_api_key(self, facts: ConnectionFacts) -> None:
        """`apiKeyRequired` on `$connect` (§10.1): an enabled key of a usage plan of the stage,
        in `x-api-key` (`$request.header.x-api-key`), else 403 Forbidden."""
        presented = next((v for k, v in facts.headers if k.lower() == "x-api-key"), None)
        for key in self.api.api_keys.values():
            if key.value == presented and key.enabled and facts.stage in key.stages:
                return
        raise GatewayError("DEFAULT_4XX", "Forbidden", status=403)

    # -- @connections ----------------------------------------------------------------------------

    async def manage(self, request: Request, stage: str | None, connection_id: str) -> Response:
        """One `@connections` request (management.py); signed by a caller allowed to manage
        connections when the API names IAM identities (iam.py), else 403 ForbiddenException."""
        if self.iam.required:
            try:
                self.iam.manage(request, stage or self.stage, connection_id)
            except GatewayError:
                return management.forbidden()
        method, body = request.method, request.body
        if (
            self.relay is not None
            and self.connections.get(connection_id) is None
            and method in ("POST", "GET", "DELETE")
            and not management.too_large(method, body)
        ):
            forwarded = await self.relay.forward(method, connection_id, body)
            if forwarded is not None:
                return forwarded
        return await self._manage_here(method, connection_id, body)

    def _manage_here(self, method: str, connection_id: str, body: bytes) -> Awaitable[Response]:
        """`@connections` on this worker's own connections."""
        return management.manage(self.connections, method, connection_id, body)

    async def close(self) -> None:
        """At shutdown: the relay's Redis connections."""
        if self.relay is not None:
            await self.relay.close()

    # -- the connection ------------------------------------------------------------------------

    async def _session(self, connection: Connection, receive: Receive) -> tuple[int, str]:
        """Receive until the socket closes; the close code and reason. The idle timeout and
        the maximum duration are timers that close the connection (the server's receive then
        ends with a disconnect); the idle timer is not re-armed per message: when it fires
        early (messages came since) it is set again for the time left."""
        loop = asyncio.get_running_loop()
        ending = loop.call_later(self.max_duration_s, self._expire, connection)
        connection.seen = loop.time()
        connection.idle = loop.call_later(self.idle_s, self._idle, connection)
        try:
            while True:
                message = await receive()
                kind = message["type"]
                if kind == "websocket.disconnect":
                    if connection.closed_with is not None:
                        return connection.closed_with
                    return int(message.get("code") or 1005), str(message.get("reason") or "")
                if kind != "websocket.receive":
                    continue
                connection.seen = loop.time()
                text = message.get("text")
                if text is None:  # a binary frame (§10.1)
                    await connection.close(UNSUPPORTED_DATA, "Binary frames are not supported")
                elif len(text) > MAX_MESSAGE_BYTES // 4 and _too_big(text):
                    await connection.close(MESSAGE_TOO_BIG, "Message too big")
                else:
                    connection.touch()
                    await self._dispatch(connection, text)
        finally:
            if connection.idle is not None:
                connection.idle.cancel()
            ending.cancel()

    async def _dispatch(self, connection: Connection, text: str) -> None:
        """A message to its route. Each runs on its own (API Gateway invokes integrations
        concurrently), at most MAX_IN_FLIGHT per connection: past that the socket is not read
        until one is done, so a client sending faster than its routes answer is slowed by TCP
        rather than held in memory. A MOCK route (or no route) waits on no backend: it is
        answered at once, without a task of its own."""
        route = self._select(text)
        integration = self.integrations.get(route.route_key) if route is not None else None
        if route is None or integration is None or integration.kind == "MOCK":
            await self._route(connection, text, route)
            return
        await connection.in_flight.acquire()
        self._spawn(self._message(connection, text, route))

    def _idle(self, connection: Connection) -> None:
        loop = asyncio.get_running_loop()
        left = connection.seen + self.idle_s - loop.time()
        if left > 0:
            connection.idle = loop.call_later(left, self._idle, connection)
        else:
            connection.idle = None
            self._expire(connection)

    def _expire(self, connection: Connection) -> None:
        """Idle for `idle_s`, or open for `max_duration_s`: API Gateway closes with 1001."""
        self._spawn(connection.close(GOING_AWAY, "Going away"))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _message(self, connection: Connection, text: str, route: WebSocketRouteEntry) -> None:
        try:
            await self._route(connection, text, route)
        finally:
            connection.in_flight.release()

    def _select(self, text: str) -> WebSocketRouteEntry | None:
        """The route of a message: its key's, else `$default` (reference §10.2)."""
        key = self.selection.evaluate(text)
        routes = self.settings.routes
        route = routes.get(key) if key is not None and not key.startswith("$") else None
        return route or routes.get("$default")

    async def _route(
        self, connection: Connection, text: str, route: WebSocketRouteEntry | None
    ) -> None:
        facts = connection.facts
        if route is None:
            await connection.post(_error_frame("Forbidden", facts.connection_id, event_id()))
            return
        event = message_event(facts, route.route_key, text)
        request_id = event["requestContext"]["requestId"]
        if route.model_selection_expression is not None and not self._valid(route, text):
            frame = _error_frame("Invalid request body", facts.connection_id, request_id)
            await connection.post(frame)
            return
        integration = self.integrations.get(route.route_key)
        try:
            if integration is None:
                raise IntegrationFailed("the route has no integration")
            outcome = await integration.run(facts, event, text, self.stage_variables[facts.stage])
        except IntegrationFailed as failure:
            _log(facts, route.route_key, failure.reason)
            frame = _error_frame("Internal server error", facts.connection_id, request_id)
            await connection.post(frame)
            return
        if route.route_response and outcome.body is not None:
            await connection.post(outcome.body)

    def _valid(self, route: WebSocketRouteEntry, text: str) -> bool:
        """Request validation (developer guide, "Request validation for WebSocket APIs"): the
        model the `modelSelectionExpression` selects among `requestModels`, else `$default`;
        with neither the message fails, as does a model the build did not compile."""
        selection = self.model_selections[route.route_key]
        key = selection.evaluate(text)
        name = route.models.get(key) if key is not None else None
        name = name or route.models.get("$default")
        validator = self.validators.get(name) if name is not None else None
        return validator is not None and check_body(validator, text.encode()) is None

    async def _disconnect(self, facts: ConnectionFacts, code: int, reason: str) -> None:
        integration = self.integrations.get("$disconnect")
        if integration is None:
            return
        event = disconnect_event(facts, code, reason)
        try:
            await integration.run(facts, event, "", self.stage_variables[facts.stage])
        except IntegrationFailed as failure:  # best effort: nobody is there to be told
            _log(facts, "$disconnect", failure.reason)


def _relay(state: str, api_id: str, manage: Manage) -> Relay | None:
    """The relay to other workers (relay.py, which imports redis-py) with a Redis state."""
    if not state.startswith(REDIS_SCHEMES):
        return None
    from .relay import Relay

    return Relay(state, api_id, manage)


def _cased_headers(scope: Scope) -> list[tuple[str, str]]:
    """The upgrade request's headers, names as the client wrote them when the server recorded
    them (`HEADER_NAMES`, protocol.py), else as ASGI gives them (lower case)."""
    raw = scope["headers"]
    names = (scope.get("extensions") or {}).get(HEADER_NAMES)
    if (
        names
        and len(names) == len(raw)
        and all(n.lower() == k for n, (k, _) in zip(names, raw, strict=True))
    ):
        return [
            (n.decode("latin-1"), v.decode("latin-1")) for n, (_, v) in zip(names, raw, strict=True)
        ]
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw]


def _too_big(text: str) -> bool:
    """Over 128 KB of UTF-8 (the server's protocol refuses it first; this holds under any)."""
    return len(text.encode("utf-8", "surrogatepass")) > MAX_MESSAGE_BYTES


def _accept(headers: list[tuple[str, str]]) -> dict[str, Any]:
    """The 101: a `Sec-WebSocket-Protocol` the function returned accepts that subprotocol."""
    message: dict[str, Any] = {"type": "websocket.accept"}
    extra: list[tuple[bytes, bytes]] = []
    for name, value in headers:
        lower = name.lower()
        if lower == "sec-websocket-protocol":
            message["subprotocol"] = value
        elif lower not in _HANDSHAKE_HEADERS and "\r" not in value and "\n" not in value:
            extra.append((name.encode("latin-1", "replace"), value.encode("latin-1", "replace")))
    if extra:
        message["headers"] = extra
    return message


async def _refuse(send: Send, refusal: Refused) -> None:
    status = refusal.status if 100 <= refusal.status <= 599 else 502
    headers = [(b"content-type", b"application/json")] if refusal.body else []
    await send({"type": "websocket.http.response.start", "status": status, "headers": headers})
    await send({"type": "websocket.http.response.body", "body": refusal.body})


def _error_frame(message: str, connection_id: str, request_id: str) -> str:
    """API Gateway's in-band error (reference §0.2), its spacing as recorded."""
    return (
        f'{{"message": {json.dumps(message)}, "connectionId":{json.dumps(connection_id)}, '
        f'"requestId":{json.dumps(request_id)}}}'
    )


def _log(facts: ConnectionFacts, route_key: str, reason: str) -> None:
    log.error("WebSocket route %s, connection %s: %s", route_key, facts.connection_id, reason)


__all__ = ["Outcome", "WebSocketGateway"]
