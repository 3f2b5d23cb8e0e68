"""Test helpers for Cognito and JWT authorizers: real keys, JWKS files and tokens.

Keys are made here (RSA 2048 and EC P-256, with cryptography); tokens are minted with PyJWT,
except the hostile ones PyJWT refuses to make (HS256 keyed with an RSA public key), which are
assembled by hand the way an attacker would.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm


@dataclass
class Keys:
    rsa: rsa.RSAPrivateKey
    other_rsa: rsa.RSAPrivateKey  # same kid published nowhere: a forged signature
    ec: ec.EllipticCurvePrivateKey
    kid: str = "rsa-key-1"
    ec_kid: str = "ec-key-1"

    @classmethod
    def make(cls) -> Keys:
        return cls(
            rsa=rsa.generate_private_key(public_exponent=65537, key_size=2048),
            other_rsa=rsa.generate_private_key(public_exponent=65537, key_size=2048),
            ec=ec.generate_private_key(ec.SECP256R1()),
        )

    def jwks(self) -> dict[str, Any]:
        """The published key set: the RSA key and the EC key (which RSA-only checks ignore)."""
        rsa_jwk = json.loads(RSAAlgorithm.to_jwk(self.rsa.public_key()))
        ec_jwk = json.loads(ECAlgorithm.to_jwk(self.ec.public_key()))
        rsa_jwk.update(kid=self.kid, use="sig", alg="RS256")
        ec_jwk.update(kid=self.ec_kid, use="sig", alg="ES256")
        return {"keys": [rsa_jwk, ec_jwk]}

    def write_jwks(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.jwks()), encoding="utf-8")

    def public_pem(self) -> bytes:
        return self.rsa.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def sign(self, claims: dict[str, Any], alg: str = "RS256", kid: str | None = None) -> str:
        key: Any = self.ec if alg.startswith("ES") else self.rsa
        headers = {"kid": self.kid if kid is None else kid}
        return jwt.encode(claims, key, algorithm=alg, headers=headers)

    def forged(self, claims: dict[str, Any]) -> str:
        """Signed by a key the issuer never published, under the published kid."""
        return jwt.encode(claims, self.other_rsa, algorithm="RS256", headers={"kid": self.kid})

    def alg_none(self, claims: dict[str, Any]) -> str:
        return _assemble({"alg": "none", "typ": "JWT", "kid": self.kid}, claims, b"")

    def hs256_with_public_key(self, claims: dict[str, Any]) -> str:
        """Algorithm confusion: HMAC keyed with the RSA public key's PEM."""
        header = {"alg": "HS256", "typ": "JWT", "kid": self.kid}
        signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
        mac = hmac.new(self.public_pem(), signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{_b64(mac)}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _assemble(header: dict[str, Any], claims: dict[str, Any], signature: bytes) -> str:
    return ".".join(
        (_b64(json.dumps(header).encode()), _b64(json.dumps(claims).encode()), _b64(signature))
    )


def claims(issuer: str, **extra: Any) -> dict[str, Any]:
    """A valid claim set for `issuer`, one hour long; `extra` adds or replaces claims (a value
    of None removes the claim)."""
    now = int(time.time())
    base: dict[str, Any] = {"iss": issuer, "sub": "user-1", "iat": now, "exp": now + 3600}
    base.update(extra)
    return {k: v for k, v in base.items() if v is not None}
