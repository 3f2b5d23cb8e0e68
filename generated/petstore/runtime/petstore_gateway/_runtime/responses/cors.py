"""CORS: HTTP API built-in CORS (`x-amazon-apigateway-cors`) and what REST needs (runtime ref §5).

Part of the runtime support library copied verbatim into every generated gateway (relative imports
only, standard library only).

HTTP APIs (§5.2): with CORS configured API Gateway answers a preflight itself, before routing and
authorization, and adds the configured headers to every actual response whose request carries a
matching `Origin`, ignoring CORS headers the integration returned. The pipeline calls
`CorsConfiguration.from_extension(value)` once, then per request: `is_preflight(method, headers)`
→ `configuration.preflight(headers)` (a `PreflightResponse` to send as is), otherwise after the
integration `configuration.actual_response_headers(request_headers, response_headers)`.

REST APIs (§5.1) have no built-in CORS: a preflight is an ordinary `OPTIONS` method, normally a MOCK
integration whose integration response maps `method.response.header.Access-Control-Allow-*` from
literals (`'*'`), and actual responses get the headers only through their own response parameter
mappings (non-proxy) or from the backend (proxy). A preflight to a REST resource without `OPTIONS`
gets the normal 403 `Missing Authentication Token`, and gateway errors carry no CORS headers unless
the `DEFAULT_4XX`/`DEFAULT_5XX` gateway responses map them. So REST needs nothing here beyond
`mapping.py` and the gateway responses; `is_preflight` is shared for logging.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

PREFLIGHT_STATUS: Final = 204
"""AWS does not document the preflight status; emulators answer 204 (inferred, §5.2)."""

_ORIGIN = "origin"
_REQUEST_METHOD = "access-control-request-method"
_REQUEST_HEADERS = "access-control-request-headers"
CORS_HEADER_PREFIX: Final = "access-control-"

Headers = Sequence[tuple[str, str]]


def _header(headers: Mapping[str, str] | Headers, name: str) -> str | None:
    items = headers.items() if isinstance(headers, Mapping) else headers
    for key, value in items:
        if key.lower() == name:
            return value
    return None


def is_preflight(method: str, headers: Mapping[str, str] | Headers) -> bool:
    """`OPTIONS` with both `Origin` and `Access-Control-Request-Method` (§5.2)."""
    return (
        method.upper() == "OPTIONS"
        and _header(headers, _ORIGIN) is not None
        and _header(headers, _REQUEST_METHOD) is not None
    )


@dataclass(frozen=True)
class PreflightResponse:
    status: int
    headers: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class CorsConfiguration:
    """`x-amazon-apigateway-cors` (spec §1.15): property → header as §5.2 lists."""

    allow_origins: tuple[str, ...] = ()
    allow_credentials: bool = False
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()

    @classmethod
    def from_extension(cls, value: Mapping[str, Any]) -> CorsConfiguration:
        def strings(key: str) -> tuple[str, ...]:
            return tuple(str(item) for item in value.get(key) or ())

        max_age = value.get("maxAge")
        return cls(
            allow_origins=strings("allowOrigins"),
            allow_credentials=bool(value.get("allowCredentials", False)),
            expose_headers=strings("exposeHeaders"),
            max_age=int(max_age) if max_age is not None else None,
            allow_methods=strings("allowMethods"),
            allow_headers=strings("allowHeaders"),
        )

    def allowed_origin(self, origin: str | None) -> str | None:
        """The `Access-Control-Allow-Origin` value for this request's `Origin`, or None.

        `*` answers `*`; an exact entry or a scheme wildcard (`https://*`) echoes the origin;
        anything else gets no CORS headers ([SAM] `Cors.cors_to_headers`, [DG-web] http-api-cors).
        """
        if not origin:
            return None
        for allowed in self.allow_origins:
            if allowed == "*":
                return "*"
            if allowed.endswith("://*") and origin.lower().startswith(allowed[:-1].lower()):
                return origin
            if allowed.lower() == origin.lower():
                return origin
        return None

    def preflight(self, request_headers: Mapping[str, str] | Headers) -> PreflightResponse:
        """The gateway's own answer to a preflight, sent before routing and authorization."""
        origin = self.allowed_origin(_header(request_headers, _ORIGIN))
        if origin is None:
            return PreflightResponse(PREFLIGHT_STATUS, ())
        headers = [("access-control-allow-origin", origin)]
        if self.allow_credentials:
            headers.append(("access-control-allow-credentials", "true"))
        if self.allow_methods:
            headers.append(("access-control-allow-methods", ",".join(self.allow_methods)))
        allow_headers = self._allow_headers(_header(request_headers, _REQUEST_HEADERS))
        if allow_headers:
            headers.append(("access-control-allow-headers", allow_headers))
        if self.max_age is not None:
            headers.append(("access-control-max-age", str(self.max_age)))
        return PreflightResponse(PREFLIGHT_STATUS, tuple(headers))

    def _allow_headers(self, requested: str | None) -> str:
        # `*` in allowHeaders: echo what the browser asked for (a credentialed request cannot use
        # the `*` wildcard) — inferred, AWS's exact answer was not captured.
        if "*" in self.allow_headers and requested:
            return requested
        return ",".join(self.allow_headers)

    def actual_response_headers(
        self, request_headers: Mapping[str, str] | Headers, response_headers: Headers
    ) -> list[tuple[str, str]]:
        """The integration's headers without its CORS headers, plus the configured ones when the
        request's `Origin` is allowed (API Gateway ignores backend CORS headers, §5.2)."""
        headers = [
            (name, value)
            for name, value in response_headers
            if not name.lower().startswith(CORS_HEADER_PREFIX)
        ]
        origin = self.allowed_origin(_header(request_headers, _ORIGIN))
        if origin is None:
            return headers
        headers.append(("access-control-allow-origin", origin))
        if self.allow_credentials:
            headers.append(("access-control-allow-credentials", "true"))
        if self.expose_headers:
            headers.append(("access-control-expose-headers", ",".join(self.expose_headers)))
        return headers
