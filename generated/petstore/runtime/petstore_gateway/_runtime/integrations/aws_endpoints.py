"""Where AWS service integrations are sent, with which keys, signed how.

Flows in: the API's `x-apigwc.awsEndpoint` and role keys (`ApiSettings.aws_endpoint`,
`aws_role_credentials`), the process environment read once at start-up, and per call a
`ServiceTarget` (region, service) and the integration's `credentials`. Flows out: a
`Destination` (base URL, signing region, keys), and `sign()`'s headers: the request's own plus
`Authorization`, `X-Amz-Date` (and `x-amz-content-sha256` for S3, `X-Amz-Security-Token` for
temporary keys), made by botocore's SigV4 signer.

Where a call goes, first found wins (the AWS SDKs' own order, the spec standing for the SDK
configuration, so the environment can point a built gateway elsewhere without a rebuild):
1. `AWS_ENDPOINT_URL_<SERVICE>` (`SQS`, `KINESIS`, `SFN`, `DYNAMODB`, `SNS`, `EVENTBRIDGE`,
   `S3`, `SSM`, `FIREHOSE`, `LAMBDA`), then `AWS_ENDPOINT_URL`, unless
   `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is true;
2. `x-apigwc.awsEndpoint.url` (one endpoint for every service, as a moto server gives);
3. the service's AWS endpoint (`https://{service}.{region}.amazonaws.com`), only when
   `APIGWC_AWS_REAL_ENDPOINTS=1` opts in. Otherwise no call is made: the route answers 500
   `Internal server error`, as a misconfigured integration, and the log says why.

Keys: the integration's `credentials` role ARN, when `x-apigwc.identities.iamCredentials` has
an entry with that `arn`; else the `awsEndpoint`'s keys when the call goes there; else the
standard chain (environment, shared files, container and instance metadata), resolved once by
botocore in a worker thread. `arn:aws:iam::*:user/*` ("invoke with caller credentials") signs
with the keys of the caller whose SigV4 signature the `AWS_IAM` step verified: its
`x-apigwc.identities.iamCredentials` entry (secret and session token), found by the access key
`request.caller` holds. With no such caller (a method without `AWS_IAM`) there are no keys to
pass on: API Gateway cannot make the call, and the route answers 500 `Internal server error`
(fail closed: nothing recorded says more; the log line says why). The region signed for is the URI's; a URI with an
empty region takes the endpoint's `region`, then `AWS_REGION` / `AWS_DEFAULT_REGION`, then the
API's.

Why botocore's signer over aiohttp rather than aiobotocore: API Gateway sends the integration
request as rendered (the mapping template's bytes, the mapped headers), not an SDK call made
from parameters; aiobotocore would parse and re-serialize it, and its client adds its own
parameter validation and response parsing, which the gateway does not want (the integration
response reads the raw answer). The rendered request is signed with botocore's SigV4 algorithm
(aws_signing.py writes it out for the common case: botocore's `SigV4Auth.add_auth` measured
380 us of the route's ~950 us of CPU) and goes through the gateway's pooled clients
(upstream_http.py for `http://`, aiohttp for `https://`). botocore is imported on the first
call, never at start-up.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

from ..responses.gateway_responses import GatewayError
from .aws_service import ServiceTarget
from .aws_signing import fast_path, sign_v4

log = logging.getLogger("apigwc.gateway")
REAL_ENDPOINTS: Final = "APIGWC_AWS_REAL_ENDPOINTS"
CALLER_IDENTITY: Final = "arn:aws:iam::*:user/*"
_TRUE: Final = frozenset({"1", "true", "yes"})
_SYNC_STATES: Final = ("states", "StartSyncExecution")


@dataclass(frozen=True, slots=True)
class Keys:
    access_key: str
    secret_key: str
    token: str | None = None


@dataclass(frozen=True, slots=True)
class Destination:
    """One call's endpoint (scheme, host and port, no trailing `/`), region and keys."""

    base_url: str
    host: str  # the `Host` header: the URL's host and port, a default port left out
    region: str
    keys: Keys


class AwsEndpoints:
    """The API's endpoint settings and the environment's, read once at start-up."""

    def __init__(
        self,
        endpoint: Mapping[str, Any] | None,
        roles: Mapping[str, Mapping[str, str]],
        api_region: str,
        environ: Mapping[str, str] | None = None,
        callers: Mapping[str, Keys] | None = None,
    ) -> None:
        env = dict(os.environ if environ is None else environ)
        self.environ = env
        endpoint = endpoint or {}
        self.spec_url = str(endpoint.get("url") or "").rstrip("/") or None
        self.spec_keys = _keys(endpoint)
        self.roles = {arn: k for arn, value in roles.items() if (k := _keys(value)) is not None}
        self.callers = dict(callers or {})
        self.default_region = str(
            endpoint.get("region")
            or env.get("AWS_REGION")
            or env.get("AWS_DEFAULT_REGION")
            or api_region
        )
        self.real = env.get(REAL_ENDPOINTS, "").lower() in _TRUE
        self.use_env_urls = env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() not in _TRUE
        self._chain: asyncio.Future[Keys | None] | None = None

    async def destination(
        self, target: ServiceTarget, role: str | None, caller: Mapping[str, str] | None = None
    ) -> Destination:
        """Where and as whom `target` is called (`caller`: the `$context.identity` values of a
        SigV4-signed caller), or the 500 (with its reason) when nowhere."""
        region = target.region or self.default_region
        url, from_spec = self._url(target, region)
        keys = (
            self._caller_keys(caller)
            if role == CALLER_IDENTITY
            else await self._keys(role, from_spec)
        )
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise GatewayError("API_CONFIGURATION_ERROR", reason="AWS endpoint URL is not http(s)")
        return Destination(f"{parts.scheme}://{parts.netloc}", _host(parts), region, keys)

    def configured(self, endpoint_id: str) -> bool:
        """Whether calls to the service (its SDK id, `LAMBDA`) have somewhere to go."""
        env = self.environ
        named = env.get(f"AWS_ENDPOINT_URL_{endpoint_id}") or env.get("AWS_ENDPOINT_URL")
        return bool((self.use_env_urls and named) or self.spec_url or self.real)

    def _url(self, target: ServiceTarget, region: str) -> tuple[str, bool]:
        env = self.environ
        if self.use_env_urls:
            found = env.get(f"AWS_ENDPOINT_URL_{target.protocol.endpoint_id}") or env.get(
                "AWS_ENDPOINT_URL"
            )
            if found:
                return found, False
        if self.spec_url:
            return self.spec_url, True
        if self.real:
            # StartSyncExecution has its own host (`sync-states`, the API model's hostPrefix).
            prefix = "sync-" if (target.service, target.name) == _SYNC_STATES else ""
            return f"https://{prefix}{target.service}.{region}.amazonaws.com", False
        raise GatewayError(
            "API_CONFIGURATION_ERROR",
            reason=(
                f"no endpoint for AWS service {target.service!r}: set x-apigwc.awsEndpoint or "
                f"AWS_ENDPOINT_URL, or {REAL_ENDPOINTS}=1 to call AWS itself"
            ),
        )

    def _caller_keys(self, caller: Mapping[str, str] | None) -> Keys:
        """The signed caller's own keys, for `credentials: arn:aws:iam::*:user/*`."""
        keys = self.callers.get(caller.get("accessKey") or "") if caller else None
        if keys is None:
            raise GatewayError(
                "API_CONFIGURATION_ERROR",
                reason="credentials arn:aws:iam::*:user/* need a caller signed with SigV4 "
                "(AWS_IAM authorization on the method)",
            )
        return keys

    async def _keys(self, role: str | None, from_spec: bool) -> Keys:
        keys = self.roles.get(role or "")
        if keys is None and from_spec:
            keys = self.spec_keys
        if keys is None:
            keys = await self._standard_chain()
        if keys is None:
            raise GatewayError("API_CONFIGURATION_ERROR", reason="no AWS credentials found")
        return keys

    async def _standard_chain(self) -> Keys | None:
        """botocore's credential chain, resolved once per process, off the event loop."""
        if self._chain is None:
            loop = asyncio.get_running_loop()
            self._chain = loop.run_in_executor(None, _chain_keys)
        return await asyncio.shield(self._chain)


def _keys(values: Mapping[str, Any]) -> Keys | None:
    access, secret = values.get("accessKeyId"), values.get("secretAccessKey")
    if not isinstance(access, str) or not isinstance(secret, str) or not access or not secret:
        return None
    token = values.get("sessionToken")
    return Keys(access, secret, token if isinstance(token, str) else None)


def _chain_keys() -> Keys | None:
    import botocore.session

    try:
        found = botocore.session.get_session().get_credentials()
        frozen = found.get_frozen_credentials() if found is not None else None
    except Exception as error:  # a broken profile or metadata answer: no keys, and why
        log.warning("AWS credential chain failed: %s", type(error).__name__)
        return None
    if frozen is None or not frozen.access_key or not frozen.secret_key:
        return None
    return Keys(frozen.access_key, frozen.secret_key, frozen.token)


def _host(parts: Any) -> str:
    default = {"http": 80, "https": 443}[parts.scheme]
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    return host if parts.port in (None, default) else f"{host}:{parts.port}"


def sign(
    destination: Destination,
    service: str,
    s3: bool,
    method: str,
    url: str,
    headers: list[tuple[str, str]],
    body: bytes,
) -> list[tuple[str, str]]:
    """The headers with botocore's SigV4 signature for `service` in the destination's region
    (S3's variant signs the payload hash too): written out by aws_signing.py where it signs as
    botocore does, by botocore's own signer otherwise."""
    keys = destination.keys
    if fast_path(s3, headers):
        triple = (keys.access_key, keys.secret_key, keys.token)
        return sign_v4(method, url, headers, body, (destination.region, service), triple)
    return botocore_sign(destination, service, s3, method, url, headers, body)


def botocore_sign(
    destination: Destination,
    service: str,
    s3: bool,
    method: str,
    url: str,
    headers: list[tuple[str, str]],
    body: bytes,
) -> list[tuple[str, str]]:
    """botocore's `SigV4Auth` (`S3SigV4Auth`) on the request."""
    from botocore.auth import S3SigV4Auth, SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    keys = destination.keys
    credentials = Credentials(keys.access_key, keys.secret_key, keys.token)
    signer = (S3SigV4Auth if s3 else SigV4Auth)(credentials, service, destination.region)
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers))
    signer.add_auth(request)
    return list(request.headers.items())
