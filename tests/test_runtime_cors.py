"""HTTP API built-in CORS (apigwc.runtime.responses.cors): runtime reference §5.2, spec reference §1.15."""

from __future__ import annotations

import pytest
from apigwc.runtime.responses.cors import PREFLIGHT_STATUS, CorsConfiguration, is_preflight

CONFIG = CorsConfiguration.from_extension(
    {
        "allowOrigins": ["https://app.example.com", "http://*"],
        "allowCredentials": True,
        "exposeHeaders": ["x-request-id", "x-total"],
        "maxAge": 600,
        "allowMethods": ["GET", "POST"],
        "allowHeaders": ["content-type", "authorization"],
    }
)
STAR = CorsConfiguration.from_extension(
    {"allowOrigins": ["*"], "allowMethods": ["*"], "allowHeaders": ["*"]}
)

PREFLIGHT_DETECTION = [
    (
        "options-with-both [DG]",
        "OPTIONS",
        {"Origin": "https://a", "Access-Control-Request-Method": "GET"},
        True,
    ),
    (
        "lowercase-header-names",
        "options",
        {"origin": "https://a", "access-control-request-method": "GET"},
        True,
    ),
    ("options-without-request-method [DG]", "OPTIONS", {"Origin": "https://a"}, False),
    ("options-without-origin [DG]", "OPTIONS", {"Access-Control-Request-Method": "GET"}, False),
    (
        "get-with-both",
        "GET",
        {"Origin": "https://a", "Access-Control-Request-Method": "GET"},
        False,
    ),
]


@pytest.mark.parametrize(
    ("method", "headers", "expected"), [pytest.param(*c[1:], id=c[0]) for c in PREFLIGHT_DETECTION]
)
def test_is_preflight(method: str, headers: dict[str, str], expected: bool) -> None:
    assert is_preflight(method, headers) is expected
    assert is_preflight(method, list(headers.items())) is expected


ORIGIN_CASES = [
    ("exact", CONFIG, "https://app.example.com", "https://app.example.com"),
    ("exact-case-insensitive", CONFIG, "https://APP.example.com", "https://APP.example.com"),
    (
        "scheme-wildcard [DG-web http://*]",
        CONFIG,
        "http://anything.test:8080",
        "http://anything.test:8080",
    ),
    ("scheme-wildcard-other-scheme", CONFIG, "https://evil.test", None),
    ("not-listed", CONFIG, "https://other.example.com", None),
    ("star-answers-star [SAM]", STAR, "https://x.test", "*"),
    ("no-origin", STAR, None, None),
]


@pytest.mark.parametrize(
    ("config", "origin", "expected"), [pytest.param(*c[1:], id=c[0]) for c in ORIGIN_CASES]
)
def test_allowed_origin(
    config: CorsConfiguration, origin: str | None, expected: str | None
) -> None:
    assert config.allowed_origin(origin) == expected


def test_preflight_answered_with_configured_headers() -> None:
    response = CONFIG.preflight(
        {
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        }
    )
    assert response.status == PREFLIGHT_STATUS == 204
    assert dict(response.headers) == {
        "access-control-allow-origin": "https://app.example.com",
        "access-control-allow-credentials": "true",
        "access-control-allow-methods": "GET,POST",
        "access-control-allow-headers": "content-type,authorization",
        "access-control-max-age": "600",
    }


def test_preflight_with_star_headers_echoes_requested() -> None:
    response = STAR.preflight(
        {
            "origin": "https://x.test",
            "access-control-request-method": "PUT",
            "access-control-request-headers": "x-custom,content-type",
        }
    )
    assert dict(response.headers) == {
        "access-control-allow-origin": "*",
        "access-control-allow-methods": "*",
        "access-control-allow-headers": "x-custom,content-type",
    }


def test_preflight_from_disallowed_origin_gets_no_cors_headers() -> None:
    response = CONFIG.preflight(
        {"Origin": "https://evil.test", "Access-Control-Request-Method": "GET"}
    )
    assert (response.status, response.headers) == (204, ())


BACKEND_HEADERS = [
    ("content-type", "application/json"),
    ("Access-Control-Allow-Origin", "https://backend-says.test"),
    ("access-control-allow-methods", "DELETE"),
    ("x-request-id", "r1"),
]


def test_actual_response_backend_cors_headers_replaced() -> None:
    # §5.2: API Gateway adds the configured headers and ignores the integration's CORS headers.
    headers = CONFIG.actual_response_headers({"Origin": "https://app.example.com"}, BACKEND_HEADERS)
    assert headers == [
        ("content-type", "application/json"),
        ("x-request-id", "r1"),
        ("access-control-allow-origin", "https://app.example.com"),
        ("access-control-allow-credentials", "true"),
        ("access-control-expose-headers", "x-request-id,x-total"),
    ]


@pytest.mark.parametrize(
    "request_headers",
    [
        pytest.param({}, id="no-origin-no-cors-headers [DG]"),
        pytest.param({"Origin": "https://evil.test"}, id="disallowed-origin"),
    ],
)
def test_actual_response_without_allowed_origin(request_headers: dict[str, str]) -> None:
    assert CONFIG.actual_response_headers(request_headers, BACKEND_HEADERS) == [
        ("content-type", "application/json"),
        ("x-request-id", "r1"),
    ]


def test_from_extension_defaults() -> None:
    config = CorsConfiguration.from_extension({})
    assert config == CorsConfiguration()
    assert config.allowed_origin("https://a") is None
