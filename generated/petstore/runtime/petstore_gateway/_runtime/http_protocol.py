"""The HTTP/1.1 protocol `python -m <pkg>` serves with: uvicorn's httptools protocol, keeping
each request header's name as the client wrote it.

Flows in: bytes from a client connection. Flows out: the ASGI scopes uvicorn builds, plus the
scope extension `HEADER_NAMES`: the request's header names as sent, in the order of
`scope["headers"]` (whose names ASGI lower-cases); `context.Request.header_names` reads it.

Why: API Gateway keeps the client's header-name casing in a REST Lambda proxy event
(`tEsT-HEADeR` arrives as written; reference §2.1, recorded), so a handler that reads
`event["headers"]["Content-Type"]` works behind API Gateway for a client that sends that
casing, and one that reads `content-type` does not. The gateway takes the names from this
extension when the server provides it; under any other ASGI server events carry the
lower-cased names, as before.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .context import HEADER_NAMES


class HeaderCasingHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol that also records the header names as received.

    `on_header` runs once per header of every request, so it is uvicorn's own `on_header`
    written out with the recording added (no second frame per header); the list of names is
    made on a request's first header, when `on_message_begin` has just made its scope."""

    _names_scope: object = None
    _names: list[bytes]

    def on_header(self, name: bytes, value: bytes) -> None:
        scope: dict[str, Any] = self.scope  # type: ignore[assignment]
        if self._names_scope is not scope:
            self._names_scope = scope
            self._names = []
            scope["extensions"] = {HEADER_NAMES: self._names}
        self._names.append(name)
        # uvicorn's HttpToolsProtocol.on_header:
        name = name.lower()
        if name == b"expect" and value.lower() == b"100-continue":
            self.expect_100_continue = True
        self.headers.append((name, value))
