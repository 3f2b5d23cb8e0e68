"""The grammar of API Gateway's mapping expressions, shared by the rule modules that read them.

Flows in: one key or value string of a `requestParameters` / `responseParameters` map (REST
integration, integration response, gateway response, HTTP API parameter mapping). Flows out:
whether it is well formed, and which method request parameter it reads. Reference §1.1.1 (REST
integration request), §1.1.3 (integration response), §1.8 (gateway responses), §1.1.2 (HTTP APIs).
"""

from __future__ import annotations

import re

from apigwc.ir.base import Deployable, Sub

# Method request parameter names (reference §5.2): the documented `^[a-zA-Z0-9._$-]+$`.
PARAMETER_NAME = re.compile(r"^[a-zA-Z0-9._$-]+$")

# `method.request.<location>.<name>` as a source; multi-value forms read the same declaration.
_METHOD_REQUEST = re.compile(
    r"^method\.request\.(path|querystring|multivaluequerystring|header|multivalueheader)\.(.+)$"
)
_DECLARED_LOCATION = {
    "path": "path",
    "querystring": "query",
    "multivaluequerystring": "query",
    "header": "header",
    "multivalueheader": "header",
}
_BODY = re.compile(r"^method\.request\.body(\.[^\s]+)?$")
_STAGE_OR_CONTEXT = re.compile(r"^(stageVariables|context)\.[^\s]+$")
_LITERAL = re.compile(r"^'.*'$", re.DOTALL)
_INTEGRATION_RESPONSE = re.compile(
    r"^integration\.response\.((header|multivalueheader)\.[^\s]+|body(\.[^\s]+)?)$"
)

INTEGRATION_REQUEST_KEY = re.compile(r"^integration\.request\.(header|querystring|path)\.[^\s]+$")
METHOD_RESPONSE_HEADER_KEY = re.compile(r"^method\.response\.header\.([^\s]+)$")
GATEWAY_RESPONSE_KEY = re.compile(r"^gatewayresponse\.(header|path|querystring)\.[^\s]+$")

# Values a REST gateway response may map (reference §1.8): request data, stage, context, literal.
_GATEWAY_SOURCE = re.compile(
    r"^method\.request\.(header|path|querystring|multivalueheader|multivaluequerystring)\.[^\s]+$"
)


def text_of(value: Deployable) -> str | None:
    """The checkable text of a value: a string as is, an `Fn::Sub` template; None for other
    intrinsics, whose value is known only at deploy time and so is never judged offline."""
    if isinstance(value, str):
        return value
    if isinstance(value, Sub):
        return value.template
    return None


def method_request_source(value: str) -> tuple[str, str] | None:
    """(declared location, name) of a `method.request.<location>.<name>` source, else None."""
    match = _METHOD_REQUEST.match(value)
    if match is None:
        return None
    return _DECLARED_LOCATION[match.group(1)], match.group(2)


def is_request_source(value: str) -> bool:
    """A valid value of a REST integration `requestParameters` entry (reference §1.1.1)."""
    return bool(
        _METHOD_REQUEST.match(value)
        or _BODY.match(value)
        or _STAGE_OR_CONTEXT.match(value)
        or _LITERAL.match(value)
    )


def is_integration_response_source(value: str) -> bool:
    """A valid value of an integration response `responseParameters` entry (reference §1.1.3)."""
    return bool(
        _INTEGRATION_RESPONSE.match(value)
        or _STAGE_OR_CONTEXT.match(value)
        or _LITERAL.match(value)
    )


def is_gateway_response_source(value: str) -> bool:
    """A valid value of a gateway response `responseParameters` entry (reference §1.8)."""
    return bool(
        _GATEWAY_SOURCE.match(value) or _STAGE_OR_CONTEXT.match(value) or _LITERAL.match(value)
    )
