"""The signing keys of the issuers Cognito and JWT authorizers trust (reference §1.4, §1.10).

Flows in: a `plan.TokenIssuer` (the JWKS the build embedded from a local file of
`x-apigwc.identities`, or a URL), and per token the key id (`kid`) of its header. Flows out: the
RSA public key with that id, or None.

A key id is only ever a dictionary key here: a `kid` holding a path or SQL text finds nothing
and reads nothing. Only RSA keys meant for signatures are kept (`kty` RSA, `use` absent or
`sig`): API Gateway verifies RSA-signed tokens only.

Remote keys are fetched only when the gateway runs with `--allow-remote-jwks` (the user's
explicit opt-in: apigwc touches the network for nothing else), with API Gateway's own limits on
a JWKS fetch (reference §1.10: 1500 ms, 150000 bytes), then kept for an hour; a token naming a
key id the cached set lacks triggers one refetch at most once a minute (key rotation), so
unknown key ids cannot make the gateway hammer the issuer. One fetch runs at a time per issuer.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from typing import Any, Protocol

# API Gateway's limits on a JWKS fetch (reference §1.10: timeout 1500 ms, 150000 bytes).
JWKS_TIMEOUT_S = 1.5
MAX_JWKS_BYTES = 150_000
KEYS_TTL_S = 3600.0  # how long fetched keys are kept
REFETCH_AFTER_S = 60.0  # an unknown kid refetches no more often than this
# The public members of an RSA JWK; anything else (a private exponent) is never kept.
PUBLIC_MEMBERS = ("kty", "kid", "use", "alg", "n", "e")


class KeysUnavailable(Exception):
    """The issuer's keys cannot be had (no local JWKS, remote keys not allowed, a failed fetch)."""


class KeySource(Protocol):
    async def key(self, kid: str) -> Any | None: ...


def public_jwks(document: Any) -> dict[str, Any] | None:
    """A JWKS document reduced to its RSA signing keys' public members, or None when it is not
    a JWKS (`{"keys": [...]}`). The build embeds this, so a private key file never leaks."""
    if not isinstance(document, Mapping) or not isinstance(document.get("keys"), list):
        return None
    keys = [
        {name: key[name] for name in PUBLIC_MEMBERS if isinstance(key.get(name), str)}
        for key in document["keys"]
        if isinstance(key, Mapping) and key.get("kty") == "RSA" and key.get("use", "sig") == "sig"
    ]
    return {"keys": [k for k in keys if "kid" in k and "n" in k and "e" in k]}


def key_set(document: Mapping[str, Any] | None) -> dict[str, Any]:
    """kid -> RSA public key (cryptography's), from a JWKS document; bad entries are skipped."""
    from jwt.algorithms import RSAAlgorithm  # PyJWT, imported where keys are read

    keys: dict[str, Any] = {}
    for jwk in (public_jwks(document) or {"keys": []})["keys"]:
        try:
            keys[jwk["kid"]] = RSAAlgorithm.from_jwk(jwk)
        except (ValueError, TypeError, KeyError):
            continue
    return keys


class LocalKeys:
    """The keys of a JWKS the build read from a local file."""

    __slots__ = ("keys",)

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.keys = key_set(document)

    async def key(self, kid: str) -> Any | None:
        return self.keys.get(kid)


class RemoteKeys:
    """The keys behind a URL (a JWKS, or an OpenID configuration naming one), fetched lazily."""

    __slots__ = ("_failure", "_fetched", "_lock", "discovery", "keys", "url")

    def __init__(self, url: str, discovery: bool) -> None:
        self.url = url
        self.discovery = discovery
        self.keys: dict[str, Any] = {}
        self._fetched = float("-inf")
        self._failure = ""  # why the last fetch failed ("" when it did not)
        self._lock: asyncio.Lock | None = None

    async def key(self, kid: str) -> Any | None:
        age = time.monotonic() - self._fetched
        if kid in self.keys and age < KEYS_TTL_S:
            return self.keys[kid]
        if age >= REFETCH_AFTER_S:
            await self._refresh()
        if kid not in self.keys and self._failure:
            raise KeysUnavailable(self._failure)
        return self.keys.get(kid)

    async def _refresh(self) -> None:
        self._lock = self._lock or asyncio.Lock()
        async with self._lock:
            if time.monotonic() - self._fetched < REFETCH_AFTER_S:
                return  # another request fetched them while this one waited
            self._fetched = time.monotonic()  # a failure waits as long as a success
            try:
                self.keys, self._failure = await self._fetch(), ""
            except KeysUnavailable as error:
                self._failure = str(error)

    async def _fetch(self) -> dict[str, Any]:
        url = self.url
        if self.discovery:
            configuration = await fetch_json(url)
            named = configuration.get("jwks_uri") if isinstance(configuration, dict) else None
            if not isinstance(named, str) or not named.startswith(("https://", "http://")):
                raise KeysUnavailable(f"{self.url} names no jwks_uri")
            url = named
        return key_set(await fetch_json(url))


async def fetch_json(url: str) -> Any:
    """GET a JSON document within API Gateway's JWKS limits; KeysUnavailable otherwise."""
    import aiohttp  # a runtime dependency already (HTTP integrations)

    timeout = aiohttp.ClientTimeout(total=JWKS_TIMEOUT_S)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.get(url, allow_redirects=False) as response,
        ):
            if response.status != 200:
                raise KeysUnavailable(f"{url} answered {response.status}")
            body = b""
            while len(body) <= MAX_JWKS_BYTES:  # read no more than one byte past the limit
                chunk = await response.content.read(MAX_JWKS_BYTES + 1 - len(body))
                if not chunk:
                    break
                body += chunk
    except (aiohttp.ClientError, TimeoutError) as error:
        raise KeysUnavailable(f"{url}: {type(error).__name__}") from None
    if len(body) > MAX_JWKS_BYTES:
        raise KeysUnavailable(f"{url} is larger than {MAX_JWKS_BYTES} bytes")
    try:
        return json.loads(body)
    except ValueError:
        raise KeysUnavailable(f"{url} is not JSON") from None


class NoKeys:
    """An issuer whose keys this run cannot have: every token is refused as misconfigured."""

    __slots__ = ("why",)

    def __init__(self, why: str) -> None:
        self.why = why

    async def key(self, kid: str) -> Any | None:
        raise KeysUnavailable(self.why)


def key_source(
    jwks: Mapping[str, Any] | None, url: str | None, discovery: bool, remote: bool
) -> KeySource:
    """Where an issuer's keys come from in this run: the embedded JWKS, else its URL when remote
    keys are allowed, else nowhere."""
    if jwks is not None:
        return LocalKeys(jwks)
    if url and remote:
        return RemoteKeys(url, discovery)
    if url:
        return NoKeys(f"its keys are at {url}: serve with --allow-remote-jwks to fetch them")
    return NoKeys("no JWKS for it in x-apigwc.identities")
