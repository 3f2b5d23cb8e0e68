"""Clients for tests of an API: one over the gateway's ASGI entry (in-process, no socket) and one
over HTTP to a live server, with the same `requests`-like interface and `Response`.

Where it sits: `apigwc.testing`, used by the pytest plugin's fixtures (`plugin.py`). Flows in:
a request (method, path, query, headers, body, optional `auth` that adds headers once the
request is complete, such as a SigV4 signature). Flows out: `Response` (status, headers in
order with their casing, body). The in-process client runs the gateway on an event loop of its
own thread, so a test (synchronous, as most are) calls it directly; ASGI lower-cases header
names, so tests of header-name casing use the live server.
"""

from __future__ import annotations

import asyncio
import http.client
import json as jsonlib
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit

# (method, url, headers, body) -> the headers to send (a signer adds its own).
Auth = Callable[[str, str, dict[str, str], bytes], dict[str, str]]
Params = Mapping[str, str | Iterable[str]] | None


@dataclass
class Response:
    status_code: int
    headers_list: list[tuple[str, str]]
    content: bytes

    @property
    def headers(self) -> _Headers:
        return _Headers(self.headers_list)

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return jsonlib.loads(self.content)


class _Headers:
    """Case-insensitive lookups over the response's header lines (the last of a name wins)."""

    def __init__(self, lines: list[tuple[str, str]]) -> None:
        self.lines = lines

    def get(self, name: str, default: str | None = None) -> str | None:
        found = [v for k, v in self.lines if k.lower() == name.lower()]
        return found[-1] if found else default

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def get_all(self, name: str) -> list[str]:
        return [v for k, v in self.lines if k.lower() == name.lower()]


class Client(ABC):
    """The request methods; subclasses send. `base_url` names the host requests are for."""

    base_url = "http://localhost"

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Params = None,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        data: bytes | str | None = None,
        auth: Auth | None = None,
    ) -> Response:
        url = (
            self.base_url
            + path
            + (("&" if "?" in path else "?") + _query(params) if params else "")
        )
        sent = dict(headers or {})
        body = data.encode("utf-8") if isinstance(data, str) else (data or b"")
        if json is not None:
            body = jsonlib.dumps(json).encode("utf-8")
            sent.setdefault("Content-Type", "application/json")
        sent.setdefault("Host", urlsplit(url).netloc)
        if body or method.upper() in ("POST", "PUT", "PATCH"):  # as HTTP clients send it
            sent.setdefault("Content-Length", str(len(body)))
        if auth is not None:
            sent = auth(method.upper(), url, sent, body)
        return self.send(method.upper(), url, sent, body)

    @abstractmethod
    def send(self, method: str, url: str, headers: dict[str, str], body: bytes) -> Response:
        """Send the request as given (the subclasses: in process, or over a socket)."""

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Response:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Response:
        return self.request("DELETE", path, **kwargs)

    def options(self, path: str, **kwargs: Any) -> Response:
        return self.request("OPTIONS", path, **kwargs)

    def head(self, path: str, **kwargs: Any) -> Response:
        return self.request("HEAD", path, **kwargs)


def _query(params: Params) -> str:
    pairs = []
    for name, value in (params or {}).items():
        values = [value] if isinstance(value, str) else list(value)
        pairs += [(name, v) for v in values]
    return urlencode(pairs)


class AsgiClient(Client):
    """Requests straight into an ASGI app on an event loop of its own thread (no socket)."""

    def __init__(self, app: Any, timeout: float = 60.0) -> None:
        self.app = app
        self.timeout = timeout
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="apigwc-asgi")
        self.thread.daemon = True
        self.thread.start()
        self._lifespan: asyncio.Queue[dict[str, Any]] | None = None
        self._run(self._startup())

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(self.timeout)

    def send(self, method: str, url: str, headers: dict[str, str], body: bytes) -> Response:
        return self._run(self._call(method, url, headers, body))  # type: ignore[no-any-return]

    async def _call(self, method: str, url: str, headers: dict[str, str], body: bytes) -> Response:
        parts = urlsplit(url)
        raw_path = (parts.path or "/").encode("latin-1")
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": parts.scheme,
            "path": unquote(parts.path or "/"),
            "raw_path": raw_path,
            "query_string": parts.query.encode("latin-1"),
            "root_path": "",
            "headers": [
                (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()
            ],
            "client": ("127.0.0.1", 50000),
            "server": (parts.hostname or "localhost", parts.port or 80),
        }
        received = {"sent": False}
        answer: dict[str, Any] = {"status": 500, "headers": [], "body": bytearray()}

        async def receive() -> dict[str, Any]:
            if received["sent"]:
                await asyncio.Event().wait()  # the request is over: wait for disconnect forever
            received["sent"] = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
                answer["headers"] = [
                    (k.decode("latin-1"), v.decode("latin-1")) for k, v in message["headers"]
                ]
            elif message["type"] == "http.response.body":
                answer["body"] += message.get("body", b"")

        await self.app(scope, receive, send)
        return Response(answer["status"], answer["headers"], bytes(answer["body"]))

    async def _startup(self) -> None:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._lifespan = queue
        started = asyncio.get_running_loop().create_future()

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "lifespan.startup.complete" and not started.done():
                started.set_result(None)

        scope = {"type": "lifespan", "asgi": {"version": "3.0"}}
        self._lifespan_task = asyncio.ensure_future(self.app(scope, queue.get, send))
        await queue.put({"type": "lifespan.startup"})
        await started

    def close(self) -> None:
        """Shut the app down (its connection pools, its state) and stop the loop."""
        if self._lifespan is not None:
            self._run(self._lifespan.put({"type": "lifespan.shutdown"}))
            self._run(asyncio.wait_for(self._shutdown(), self.timeout))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(self.timeout)

    async def _shutdown(self) -> None:
        await self._lifespan_task


class LiveClient(Client):
    """Requests over HTTP/1.1 to a server on 127.0.0.1, header names sent as written."""

    def __init__(self, port: int, timeout: float = 60.0) -> None:
        self.port = port
        self.timeout = timeout
        self.base_url = f"http://127.0.0.1:{port}"

    def send(self, method: str, url: str, headers: dict[str, str], body: bytes) -> Response:
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            for name, value in headers.items():
                connection.putheader(name, value)
            connection.endheaders(body or None)
            reply = connection.getresponse()
            return Response(reply.status, reply.getheaders(), reply.read())
        finally:
            connection.close()
