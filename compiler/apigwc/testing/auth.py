"""Signed and token-bearing requests for tests: the spec's local identities, as `apigwc sign`
and `apigwc token` use them (`apigwc/credentials.py`).

Where it sits: `apigwc.testing`, behind the `apigwc_sign` and `apigwc_token` fixtures. Flows in:
the spec (its `x-apigwc.identities` and region), an identity or user pool name, a private key.
Flows out: an `Auth` that signs a request with Signature Version 4 for `execute-api` (botocore,
as AWS's SDKs sign), or a token the pool's authorizers accept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from apigwc import credentials
from apigwc.testing.client import Auth


class LocalIdentities:
    """The identities of one spec, read once."""

    def __init__(self, spec: Path) -> None:
        self.spec = spec
        self.found, self.region = credentials.identities(spec)

    def signer(self, identity: str) -> Auth:
        """An `auth=` for the clients: signs each request as IAM identity `identity`."""
        chosen = credentials.pick(self.found.iam_credentials, identity, "IAM identity")

        def sign(method: str, url: str, headers: dict[str, str], body: bytes) -> dict[str, str]:
            return credentials.sign_request(chosen, self.region, method, url, headers, body)

        return sign

    def token(
        self,
        pool: str,
        key: bytes | str | Path,
        scopes: Sequence[str] = (),
        claims: Mapping[str, str] | None = None,
        ttl: int = 3600,
    ) -> str:
        """A token of user pool `pool`, signed with `key` (PEM bytes, or a PEM file's path)."""
        chosen = credentials.pick(self.found.cognito_user_pools, pool, "user pool")
        jwks = credentials.read_jwks(self.spec, chosen)
        pem = key if isinstance(key, bytes) else Path(key).read_bytes()
        return credentials.mint_token(chosen, jwks, pem, scopes, claims, ttl)
