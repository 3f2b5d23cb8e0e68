"""The API key check of a method with `apiKeyRequired` (reference §1.1 step 6, §1.3).

Flows in: the API's key source (`x-amazon-apigateway-api-key-source`) and keys
(`plan.ApiSettings.api_keys`, from `x-apigwc.apiKeys` and `x-apigwc.usagePlans`); per request,
the key presented: the `X-API-Key` header (HEADER, the default; header names are
case-insensitive) or the `usageIdentifierKey` the Lambda authorizer returned (AUTHORIZER). Flows
out: nothing when the key is valid (then `request.api_key` holds its value and id, which
`$context.identity.apiKey`/`apiKeyId` and the Lambda proxy event read), else 403
INVALID_API_KEY `{"message":"Forbidden"}` (`x-amzn-ErrorType: ForbiddenException`).

Valid means as API Gateway judges it: the key exists, is enabled, and is in a usage plan that
lists the stage served. A missing, unknown or disabled key, or one whose plans cover other stages
only, all answer the same 403. The presented value is compared with every key of the stage in
constant time (`hmac.compare_digest`, no early exit), and it never goes into an error's reason or
a log line: only an access log format that names `$context.identity.apiKey` prints it, as in AWS.
Throttling and quotas of usage plans are not applied here.
"""

from __future__ import annotations

import hmac
from typing import Any

from ..pipeline.context import Request
from ..pipeline.plan import ApiSettings
from ..responses.gateway_responses import GatewayError
from ..routing.router import Match

# The header a HEADER-source key is read from (reference §1.3); `Request.header` takes it in
# lower case, so `X-API-Key`, `x-api-key` and `X-Api-Key` are the same header.
API_KEY_HEADER = "x-api-key"


class ApiKeyCheck:
    """The API key step of one route; `verify` is also called by a Lambda authorizer step once it
    allowed the request, with the `usageIdentifierKey` it returned."""

    __slots__ = ("from_authorizer", "keys")

    def __init__(self, settings: ApiSettings) -> None:
        self.from_authorizer = settings.api_key_source == "AUTHORIZER"
        # stage -> (value as bytes, key id) of each enabled key in a usage plan for that stage.
        keys: dict[str, list[tuple[bytes, str]]] = {}
        for key in settings.api_keys.values():
            if key.enabled:
                for stage in key.stages:
                    keys.setdefault(stage, []).append((_bytes(key.value), key.key_id))
        self.keys = {stage: tuple(found) for stage, found in keys.items()}

    def check(self, request: Request, match: Match[Any], stage: str) -> None:
        """A route without an authorizer: an AUTHORIZER-source key cannot come from anywhere."""
        self.verify(request, stage, None)

    def verify(self, request: Request, stage: str, usage_identifier_key: str | None) -> None:
        """The key presented (the header, or the authorizer's `usageIdentifierKey`) must be a
        valid key of this stage: every key of the stage is compared, in constant time,
        whichever matches; the request then carries the key and its id."""
        presented = usage_identifier_key if self.from_authorizer else request.header(API_KEY_HEADER)
        if not presented:
            raise GatewayError("INVALID_API_KEY")
        candidate = _bytes(presented)
        found = None
        for value, key_id in self.keys.get(stage, ()):
            if hmac.compare_digest(value, candidate) and found is None:
                found = key_id
        if found is None:
            raise GatewayError("INVALID_API_KEY")
        request.api_key = (presented, found)


def _bytes(text: str) -> bytes:
    # Header values arrive decoded as latin-1; any text encodes, so no value raises here.
    return text.encode("utf-8", "surrogatepass")


def compile(settings: ApiSettings) -> ApiKeyCheck:
    return ApiKeyCheck(settings)
