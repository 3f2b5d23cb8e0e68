"""What a route that needs an authorizer or an API key answers until those are enforced.

Flows in: a route's `security` tag (generated: None, "AUTHORIZER" or "API_KEY"). Flows out: the
`GatewayError` to answer with, or None when the route is open.

Such a route is never served open: an authorizer the gateway cannot run answers as API Gateway
answers a misconfigured authorizer (500 AUTHORIZER_CONFIGURATION_ERROR, body `{"message": null}`);
a route requiring an API key answers as a missing key (403 INVALID_API_KEY `{"message":"Forbidden"}`).
Authorizers run before the API key check (reference §1.1, steps 5 and 6), so a route needing
both answers 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..responses.gateway_responses import GatewayError

AUTHORIZER = "AUTHORIZER"
API_KEY = "API_KEY"


def check(route: Mapping[str, Any]) -> GatewayError | None:
    needs = route.get("security") or ()
    if AUTHORIZER in needs:
        return GatewayError("AUTHORIZER_CONFIGURATION_ERROR")
    if API_KEY in needs:
        return GatewayError("INVALID_API_KEY")
    return None
