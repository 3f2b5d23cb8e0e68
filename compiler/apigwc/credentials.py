"""Local credentials for trying protected routes: `apigwc token` and `apigwc sign`.

Where it sits: a command-line helper beside `serve`, for people trying their API by hand (curl).
Flows in: a spec's `x-apigwc.identities` (read through the compiler), and either a stood-in user
pool's name with the private key of its JWKS (`mint_token`), or a stood-in IAM identity's name
with a request (`sign_request`). Flows out: a token, or the headers of a request signed with
Signature Version 4 for `execute-api` by botocore (the signer AWS's SDKs use), which
`curl_command` writes as a command line.

The gateway never reads a private key: it verifies tokens against the public JWKS the build
embedded (`runtime/security/jwt_*.py`). The key given here must be the private half of one of
that JWKS's keys; its `kid` goes in the token's header, as Cognito's tokens carry theirs.
"""

from __future__ import annotations

import json
import shlex
import time
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from apigwc.ir.deployment import IamIdentity, Identities, UserPool


class CredentialsError(Exception):
    """A request for credentials that the spec or the key cannot satisfy (a usage error)."""


def identities(spec: Path, allow_roots: Sequence[str] = ()) -> tuple[Identities, str]:
    """The spec's local identities and its region (`x-apigwc.region`)."""
    from apigwc.pipeline import compile_spec

    result = compile_spec(str(spec), allow_roots=tuple(allow_roots))
    if result.api is None:
        raise CredentialsError(f"{spec}: the spec does not load (run `apigwc validate`)")
    deployment = result.api.deployment
    return deployment.identities or Identities(), deployment.region


def pick(named: Mapping[str, Any], name: str, what: str) -> Any:
    if name not in named:
        known = ", ".join(sorted(named)) or "none"
        raise CredentialsError(f"no {what} named {name!r} in x-apigwc.identities (known: {known})")
    return named[name]


# -- tokens for Cognito user pools and JWT issuers ------------------------------------------------


def mint_token(
    pool: UserPool,
    jwks: Mapping[str, Any],
    private_key_pem: bytes,
    scopes: Sequence[str] = (),
    claims: Mapping[str, str] | None = None,
    ttl: int = 3600,
) -> str:
    """A token as Cognito issues them for `pool`: an ID token (`aud` the first audience), or
    an access token (`client_id`, `scope`) when scopes are asked for, as methods with OAuth
    scopes require (reference §1.4); signed RS256 with the key whose public half is in `jwks`."""
    import jwt
    from jwt.algorithms import RSAAlgorithm

    try:  # PyJWT reads the PEM (with cryptography, which its [crypto] extra brings)
        key: Any = RSAAlgorithm(RSAAlgorithm.SHA256).prepare_key(private_key_pem)
    except (jwt.InvalidKeyError, ValueError, TypeError) as error:
        raise CredentialsError(f"the key is not an RSA key in PEM: {error}") from None
    if not hasattr(key, "private_bytes"):
        raise CredentialsError("the key is a public key: the pool's private key signs tokens")
    kid = _kid(jwks, key.public_key())
    now = int(time.time())
    client = pool.audience[0] if pool.audience else "local-client"
    body: dict[str, Any] = {"sub": str(uuid.uuid5(uuid.NAMESPACE_URL, pool.issuer)), "iat": now}
    body.update(iss=pool.issuer, exp=now + ttl, auth_time=now)
    if scopes:
        body.update(token_use="access", client_id=client, scope=" ".join(scopes))
    else:
        body.update(token_use="id", aud=client, email="local.user@example.com")
        body["cognito:username"] = "local-user"
    body.update(claims or {})
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": kid})


def _kid(jwks: Mapping[str, Any], public_key: Any) -> str:
    """The `kid` of the JWKS key that is `public_key`."""
    numbers = public_key.public_numbers()
    for entry in jwks.get("keys", []):
        if entry.get("kty") == "RSA" and _b64_int(entry.get("n", "")) == numbers.n:
            return str(entry.get("kid", ""))
    raise CredentialsError("the key is not the private half of any RSA key in the pool's JWKS")


def _b64_int(text: str) -> int:
    import base64

    return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")


def read_jwks(spec: Path, pool: UserPool) -> dict[str, Any]:
    if "://" in pool.jwks:
        raise CredentialsError(
            "the pool's JWKS is a URL: tokens can only be minted for a local one"
        )
    try:
        found = json.loads((spec.parent / pool.jwks).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CredentialsError(f"the pool's JWKS {pool.jwks}: {error}") from None
    if not isinstance(found, dict):
        raise CredentialsError(f"the pool's JWKS {pool.jwks}: not a JSON object")
    return found


# -- Signature Version 4 for IAM routes -----------------------------------------------------------


def sign_request(
    identity: IamIdentity,
    region: str,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
) -> dict[str, str]:
    """The request's headers with botocore's SigV4 signature for `execute-api` in `region`
    (`Authorization`, `X-Amz-Date`, and `X-Amz-Security-Token` for temporary credentials)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    credentials = Credentials(
        identity.access_key_id, identity.secret_access_key, identity.session_token
    )
    request = AWSRequest(method=method, url=url, headers=dict(headers), data=body)
    SigV4Auth(credentials, "execute-api", region).add_auth(request)
    return dict(request.headers.items())


def parse_headers(lines: Sequence[str]) -> dict[str, str]:
    """curl's `-H 'Name: value'` lines as a mapping."""
    headers = {}
    for line in lines:
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            raise CredentialsError(f"header {line!r}: expected 'Name: value'")
        headers[name.strip()] = value.strip()
    return headers


def curl_command(method: str, url: str, headers: Mapping[str, str], body: bytes) -> str:
    parts = ["curl", "-i", "-X", method]
    for name, value in headers.items():
        parts += ["-H", f"{name}: {value}"]
    if body:
        parts += ["--data-binary", body.decode("utf-8", "replace")]
    return " ".join(shlex.quote(part) for part in [*parts, url])
