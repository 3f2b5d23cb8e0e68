"""Valid credentials for the corpus smoke test: local stand-ins, and what each request presents.

The corpus specs protect their routes with authorizers and API keys whose functions, user pools
and keys live in the authors' AWS accounts. To show that a protected route answers 2xx when a
client brings valid credentials (issue 12's "done when"), the smoke test gives each spec's copy
the stand-ins a user would write in `x-apigwc` (`stand_ins`), then each request presents the
matching credentials (`Presenter.present`):

- a Lambda authorizer whose function has no local handler: a local function that allows every
  method (`handlers/corpus_auth.py`); the request carries a token its
  `identityValidationExpression` accepts, or every REQUEST identity source;
- a Cognito user pool (`providerARNs`) or a JWT issuer: a pool or issuer in
  `x-apigwc.identities.cognitoUserPools` with a JWKS made here; the request carries a token signed
  with the matching RSA key (an access token with the method's scopes when it has some);
- IAM (`awsSigv4`, `x-amazon-apigateway-auth: AWS_IAM`): credentials in
  `x-apigwc.identities.iamCredentials` allowed to invoke everything; the request is signed by
  botocore's SigV4 signer for `execute-api`;
- an API key: a key in a usage plan covering every stage; the request carries it in `X-API-Key`.

Only a spec without an `x-apigwc` of its own gets stand-ins (none in the corpus has one; the
flagship, fuzzed with them, brings its own).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from apigwc.ir.api import Api
from apigwc.ir.auth import Authorizer, SecurityScheme
from apigwc.ir.base import Sub
from apigwc.ir.enums import AuthorizerType, Protocol
from apigwc.ir.integration import lambda_function
from apigwc.ir.method import Method
from apigwc.lowering.effective import effective_security, uses_iam_auth
from apigwc.runtime.validation.java_regex import whole_match

API_KEY = "CorpusLocalKey0123456789abcdef"
ACCESS_KEY, SECRET_KEY = "AKIDCORPUSLOCAL00001", "corpus-local-secret"
CLIENT_ID = "corpus-client"
KEY_ID = "corpus-key-1"
# Tokens tried, in order, against a TOKEN authorizer's identityValidationExpression.
TOKENS = ("allow", "Bearer allow", "x-allow", "allow-0123456789")
HANDLERS = '''\
"""Local stand-ins for the corpus specs' Lambda authorizers: they allow every method."""


def policy(event, context):
    arn = event.get("methodArn") or event.get("routeArn") or "*"
    resource = arn.split("/")[0] + "/*" if "/" in arn else "*"
    statement = {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": resource}
    return {"principalId": "corpus", "policyDocument": {"Version": "2012-10-17",
            "Statement": [statement]}, "context": {"source": "corpus"}}


def simple(event, context):
    return {"isAuthorized": True, "context": {"source": "corpus"}}
'''


@cache
def _rsa_key() -> Any:
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _jwks() -> dict[str, Any]:
    import jwt

    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(_rsa_key().public_key()))
    return {"keys": [dict(public, kid=KEY_ID, alg="RS256", use="sig")]}


# -- what the spec's copy gets --------------------------------------------------------------------


def _text(value: Any) -> str | None:
    """A plain string, or the literal text of a `Fn::Sub` without variables."""
    if isinstance(value, Sub) and "${" not in value.template:
        return value.template
    return value if isinstance(value, str) else None


def _pool_issuer(arn: str) -> str:
    # Cognito's issuer is https://cognito-idp.{region}.amazonaws.com/{poolId}, the ARN's tail.
    region, pool = arn.split(":")[3], arn.rsplit("/", 1)[-1]
    return f"https://cognito-idp.{region}.amazonaws.com/{pool}"


@dataclass
class StandIns:
    """The `x-apigwc` block a spec's copy gets, built from its IR."""

    api: Api
    functions: dict[str, Any] = field(default_factory=dict)
    pools: dict[str, Any] = field(default_factory=dict)
    iam: bool = False
    api_key: bool = False

    def block(self) -> dict[str, Any]:
        block: dict[str, Any] = {}
        if self.functions:
            block["functions"] = self.functions
        identities: dict[str, Any] = {}
        if self.pools:
            identities["cognitoUserPools"] = self.pools
        if self.iam:
            identities["iamCredentials"] = {"corpus": _iam_identity(self.api)}
        if identities:
            block["identities"] = identities
        if self.api_key:
            block["apiKeys"] = {"corpus": {"value": API_KEY, "enabled": True}}
            stages = list(self.api.deployment.stage_names)
            block["usagePlans"] = {"corpus": {"stages": stages, "apiKeys": ["corpus"]}}
        return block


def _iam_identity(api: Api) -> dict[str, Any]:
    account = api.deployment.account
    allow = {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}
    return {
        "accessKeyId": ACCESS_KEY,
        "secretAccessKey": SECRET_KEY,
        "arn": f"arn:aws:iam::{account}:user/corpus",
        "policy": {"Version": "2012-10-17", "Statement": [allow]},
    }


def stand_ins(api: Api) -> StandIns:
    found = StandIns(api)
    for method in api.methods:
        for scheme in _schemes(api, method):
            _stand_in(found, scheme)
        found.iam |= uses_iam_auth(method)
    return found


def _stand_in(found: StandIns, scheme: SecurityScheme) -> None:
    auth = scheme.authorizer
    if scheme.is_iam:
        found.iam = True
    elif scheme.is_api_key:
        found.api_key = True
    elif auth is not None and auth.type in (AuthorizerType.TOKEN, AuthorizerType.REQUEST):
        name = lambda_function(auth.authorizer_uri)
        if name is not None and name.split(":")[0] not in found.api.deployment.functions:
            handler = "simple" if auth.enable_simple_responses else "policy"
            found.functions[name.split(":")[0]] = {
                "handler": f"corpus_auth:{handler}",
                "codeUri": "corpus_handlers",
            }
    elif auth is not None:
        for issuer, arn in _issuers(auth):
            found.pools[f"pool{len(found.pools)}"] = {
                "issuer": issuer,
                "jwks": "corpus_handlers/jwks.json",
                "audience": [CLIENT_ID],
                **({"arn": arn} if arn else {}),
            }


def _issuers(auth: Authorizer) -> list[tuple[str, str | None]]:
    """(issuer, pool ARN) of a Cognito authorizer's pools, or (issuer, None) of a JWT one."""
    if auth.type is AuthorizerType.JWT:
        issuer = _text(auth.jwt_configuration.issuer) if auth.jwt_configuration else None
        return [(issuer, None)] if issuer else []
    arns = [_text(arn) for arn in auth.provider_arns]
    return [(_pool_issuer(arn), arn) for arn in arns if arn and arn.count(":") >= 5]


def _schemes(api: Api, method: Method) -> list[SecurityScheme]:
    """Every scheme the method's security names: API Gateway's import makes one method of all
    the alternatives (an authorizer and `apiKeyRequired` together), so each is presented."""
    names = dict.fromkeys(n for r in effective_security(api, method) for n in r.schemes)
    return [s for name in names if (s := api.security_scheme(name)) is not None]


def write_stand_ins(spec: Path, found: StandIns) -> bool:
    """Add the stand-ins to the spec's copy (and their files beside it); False when none."""
    block, text = found.block(), spec.read_text(encoding="utf-8")
    if not block or re.search(r"^\s*[\"']?x-apigwc[\"']?\s*:", text, re.M):
        return False  # none needed, or the spec brings its own (the flagship)
    folder = spec.parent / "corpus_handlers"
    folder.mkdir(exist_ok=True)
    (folder / "corpus_auth.py").write_text(HANDLERS, encoding="utf-8")
    if found.pools:
        (folder / "jwks.json").write_text(json.dumps(_jwks()), encoding="utf-8")
    if spec.suffix == ".json":
        text = json.dumps(dict(json.loads(text), **{"x-apigwc": block}), indent=1)
    else:
        text = text.rstrip("\n") + "\nx-apigwc: " + json.dumps(block) + "\n"
    spec.write_text(text, encoding="utf-8")
    return True


# -- what each request presents -------------------------------------------------------------------


@dataclass(frozen=True)
class Presenter:
    """Presents valid credentials on a route's probe request."""

    api: Api

    def present(
        self, method: Method, verb: str, path: str, headers: dict[str, str], body: bytes, port: int
    ) -> str:
        """Add the route's credentials to `headers` (in place); the path, with any query the
        credentials need."""
        query: dict[str, str] = {}
        schemes = _schemes(self.api, method)
        for scheme in schemes:
            self._scheme(scheme, method, headers, query)
        if query:
            path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
        if uses_iam_auth(method) or any(s.is_iam for s in schemes):
            headers.update(self._signed(verb, path, headers, body, port))
        return path

    def _scheme(
        self, scheme: SecurityScheme, method: Method, headers: dict[str, str], query: dict[str, str]
    ) -> None:
        auth = scheme.authorizer
        if scheme.is_api_key:
            headers["X-API-Key"] = API_KEY
        elif auth is None:
            return
        elif auth.type is AuthorizerType.TOKEN:
            expression = auth.identity_validation_expression
            token = next((t for t in TOKENS if not expression or whole_match(expression, t)), "")
            headers[_header(auth.identity_source) or "Authorization"] = token
        elif auth.type is AuthorizerType.REQUEST:
            _identity_sources(auth.identity_source or "", headers, query)
        else:
            token = self._token(auth, _scopes(self.api, method, scheme))
            name = _header(auth.identity_source) or "Authorization"
            headers[name] = f"Bearer {token}" if auth.type is AuthorizerType.JWT else token

    def _token(self, auth: Authorizer, scopes: tuple[str, ...]) -> str:
        import jwt

        issuer = _issuers(auth)[0][0] if _issuers(auth) else "https://issuer.invalid"
        now = int(time.time())
        claims: dict[str, Any] = {"sub": "corpus-user", "iss": issuer, "iat": now, "exp": now + 900}
        if scopes:  # an access token carries the scopes and the app client in `client_id`
            claims.update(token_use="access", scope=" ".join(scopes), client_id=CLIENT_ID)
        else:
            claims.update(token_use="id", aud=CLIENT_ID, email="corpus@example.com")
        if self.api.protocol is Protocol.HTTP:
            claims["aud"] = CLIENT_ID
        return jwt.encode(claims, _rsa_key(), algorithm="RS256", headers={"kid": KEY_ID})

    def _signed(
        self, verb: str, path: str, headers: Mapping[str, str], body: bytes, port: int
    ) -> dict[str, str]:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        request = AWSRequest(verb, f"http://127.0.0.1:{port}{path}", dict(headers), body)
        region = self.api.deployment.region
        SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "execute-api", region).add_auth(request)
        return {k: v for k, v in request.headers.items() if k.lower() != "host"}


def _header(source: str | None) -> str | None:
    """The header a single-header identity source names (REST or HTTP API notation)."""
    found = re.fullmatch(r"(?:method\.request|\$request)\.header\.([\w-]+)", (source or "").strip())
    return found.group(1) if found else None


def _identity_sources(sources: str, headers: dict[str, str], query: dict[str, str]) -> None:
    for source in re.split(r"\s*,\s*", sources.strip()):
        found = re.fullmatch(
            r"(?:method\.request|\$request)\.(header|querystring)\.([\w-]+)", source
        )
        if found and found.group(1) == "header":
            headers[found.group(2)] = "allow"
        elif found:
            query[found.group(2)] = "allow"


def _scopes(api: Api, method: Method, scheme: SecurityScheme) -> tuple[str, ...]:
    """The OAuth scopes the method's security names for the scheme."""
    return tuple(s for r in effective_security(api, method) for s in r.schemes.get(scheme.name, ()))
