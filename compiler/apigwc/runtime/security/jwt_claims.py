"""Verified token claims as the backend sees them (reference §2.8), and an authorizer's issuers.

Flows in: a token's verified claims; an authorizer's config (`plan.JwtAuthorizerConfig`).
Flows out: the claims as strings in the shape each flavour gives them, and the authorizer's
`TokenIssuers` (one per authorizer, shared by its routes so remote keys are fetched once).

Every claim reaches the backend as a string (`$context.authorizer.claims.<name>`, the proxy
events' `claims`), in the forms AWS's events show ([3P] captured REST and HTTP API events):
- REST Cognito: `exp` and `iat` as Java dates in UTC (`Thu May 30 07:38:49 UTC 2024`), other
  numbers as digits (`auth_time`: `1717051129`), booleans `true`/`false`, a list joined with
  commas (`cognito:groups`: `admin,staging-manager`);
- HTTP API JWT: numbers as digits, booleans `true`/`false`, a list in brackets with spaces
  (`[admin users]`).
An object claim (AWS's rendering unrecorded) is its JSON text; a null claim is left out.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from ..pipeline.deployment import Deployment
from ..pipeline.options import GatewayOptions
from ..pipeline.plan import JwtAuthorizerConfig
from .jwt_keys import KeySource, key_source
from .jwt_verify import COGNITO_ALGORITHMS, JWT_ALGORITHMS, TokenIssuers

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_JAVA_DATES = frozenset({"exp", "iat"})
# One TokenIssuers per authorizer of a running gateway, by (id of the config, id of the cache);
# each entry holds the config and the cache themselves, so neither id can be reused while it
# stands.
_ISSUERS: dict[tuple[int, int], tuple[object, object, TokenIssuers]] = {}


def token_issuers(config: JwtAuthorizerConfig, deployment: Deployment) -> TokenIssuers:
    """The authorizer's issuers and their keys, built once per gateway. Remote keys are used
    only when the gateway runs with `--allow-remote-jwks` (read once, here, at start-up)."""
    key = (id(config), id(deployment.authorizer_cache))
    if key in _ISSUERS:
        return _ISSUERS[key][2]
    remote = GatewayOptions.from_environment().remote_jwks
    sources: dict[str, KeySource] = {
        issuer.issuer: key_source(issuer.jwks, issuer.keys_url, issuer.discovery, remote)
        for issuer in config.issuers
    }
    cognito = config.type == "COGNITO_USER_POOLS"
    algorithms = COGNITO_ALGORITHMS if cognito else JWT_ALGORITHMS
    render = rest_claims if cognito else http_claims
    cache = deployment.authorizer_cache
    found = TokenIssuers(config.authorizer_id, sources, algorithms, cache, render)
    _ISSUERS[key] = (config, deployment.authorizer_cache, found)
    return found


def rest_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """The claims as a REST Cognito authorizer passes them on."""
    return {
        str(name): _java_date(value) if name in _JAVA_DATES else _text(value, ",", "")
        for name, value in claims.items()
        if value is not None
    }


def http_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """The claims as an HTTP API JWT authorizer passes them on."""
    return {
        str(name): _text(value, " ", "[]") for name, value in claims.items() if value is not None
    }


def _text(value: Any, separator: str, brackets: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, list):
        inner = separator.join(_text(v, separator, brackets) for v in value if v is not None)
        return f"{brackets[:1]}{inner}{brackets[1:]}"
    return json.dumps(value, separators=(",", ":"))


def _java_date(value: Any) -> str:
    """An epoch-seconds claim as Java's `Date.toString()` in UTC (what REST events show)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _text(value, ",", "")
    try:
        t = time.gmtime(value)
    except (OverflowError, OSError, ValueError):
        return _text(value, ",", "")
    clock = f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}"
    return f"{_DAYS[t.tm_wday]} {_MONTHS[t.tm_mon - 1]} {t.tm_mday:02d} {clock} UTC {t.tm_year}"
