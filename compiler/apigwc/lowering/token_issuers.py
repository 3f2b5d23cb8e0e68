"""Which issuers a Cognito or JWT authorizer trusts and where their keys are, stated once for
validation (AGW466) and the runtime-data emitter.

Sits after lowering: flows in the IR `Api` and one security scheme's authorizer; flows out one
`IssuerKeys` per issuer:

- a REST `cognito_user_pools` authorizer trusts one pool per `providerARNs` entry
  (`arn:aws:cognito-idp:{region}:{account}:userpool/{id}`, whose tokens carry the issuer
  `https://cognito-idp.{region}.amazonaws.com/{id}`);
- an HTTP API `jwt` authorizer trusts `jwtConfiguration.issuer`, or the issuer of the scheme's
  `openIdConnectUrl` (spec reference §1.4).

Each issuer's keys come from the pool of `x-apigwc.identities.cognitoUserPools` that stands for
it (same `arn`, or same `issuer`): its `jwks`, a file relative to the spec or a URL. Without
such a pool the issuer's own URL is used (a Cognito pool's `/.well-known/jwks.json`, a JWT
issuer's OpenID configuration), which the gateway fetches only with `--allow-remote-jwks`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from apigwc.ir.api import Api
from apigwc.ir.auth import SecurityScheme
from apigwc.ir.deployment import UserPool
from apigwc.ir.enums import AuthorizerType

_POOL_ARN = re.compile(r"arn:aws[a-z-]*:cognito-idp:([a-z0-9-]+):\d{12}:userpool/([\w-]+)")
_OPENID_SUFFIX = "/.well-known/openid-configuration"


@dataclass(frozen=True)
class IssuerKeys:
    issuer: str
    jwks_file: str | None = None  # relative to the spec
    keys_url: str | None = None
    discovery: bool = False  # keys_url is an OpenID configuration
    audience: tuple[str, ...] = ()
    pool: str | None = None  # the x-apigwc.identities pool it was found in


def is_remote(jwks: str) -> bool:
    return jwks.startswith(("https://", "http://"))


def scheme_issuers(api: Api, scheme: SecurityScheme) -> tuple[IssuerKeys, ...]:
    """The issuers the scheme's Cognito or JWT authorizer trusts (empty for other schemes)."""
    auth = scheme.authorizer
    if auth is None:
        return ()
    if auth.type is AuthorizerType.COGNITO_USER_POOLS:
        found = (_cognito(api, arn) for arn in auth.provider_arns if isinstance(arn, str) and arn)
        # An ARN that names no pool (a template placeholder) and no local pool stands for it
        # trusts nothing: the authorizer then answers as misconfigured.
        return tuple(keys for keys in found if keys.issuer)
    if auth.type is AuthorizerType.JWT:
        issuer = auth.jwt_configuration.issuer if auth.jwt_configuration else None
        if not isinstance(issuer, str) and scheme.open_id_connect_url:
            issuer = scheme.open_id_connect_url.removesuffix(_OPENID_SUFFIX)
        return (_jwt(api, issuer),) if isinstance(issuer, str) and issuer else ()
    return ()


def _cognito(api: Api, arn: str) -> IssuerKeys:
    found = _POOL_ARN.fullmatch(arn)
    issuer = f"https://cognito-idp.{found[1]}.amazonaws.com/{found[2]}" if found else ""
    name, pool = _pool(api, arn, issuer)
    if pool is not None:
        return _from_pool(name, pool)
    return IssuerKeys(issuer, keys_url=f"{issuer}/.well-known/jwks.json" if issuer else None)


def _jwt(api: Api, issuer: str) -> IssuerKeys:
    name, pool = _pool(api, None, issuer)
    if pool is not None:
        return _from_pool(name, pool)
    return IssuerKeys(issuer, keys_url=issuer.rstrip("/") + _OPENID_SUFFIX, discovery=True)


def _pool(api: Api, arn: str | None, issuer: str) -> tuple[str, UserPool | None]:
    identities = api.deployment.identities
    for name, pool in (identities.cognito_user_pools if identities else {}).items():
        if (arn is not None and pool.arn == arn) or (
            issuer and pool.issuer.rstrip("/") == issuer.rstrip("/")
        ):
            return name, pool
    return "", None


def _from_pool(name: str, pool: UserPool) -> IssuerKeys:
    remote = is_remote(pool.jwks)
    return IssuerKeys(
        issuer=pool.issuer,
        jwks_file=None if remote else pool.jwks,
        keys_url=pool.jwks if remote else None,
        audience=tuple(pool.audience),
        pool=name,
    )
