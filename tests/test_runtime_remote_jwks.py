"""End to end: signing keys fetched from the network, only with `--allow-remote-jwks`.

- An HTTP API JWT authorizer whose issuer is not in `x-apigwc.identities` reads the issuer's
  OpenID configuration and its `jwks_uri` (a real HTTP server on 127.0.0.1 made here, which
  counts its hits): fetched once for many requests, refused past API Gateway's 150000 bytes.
- A REST Cognito authorizer against a moto server's user pool (moto[server] on 127.0.0.1):
  real ID and access tokens from `AdminInitiateAuth`, the pool's JWKS from moto's URL.
  Where moto's tokens differ from Cognito's (no matter for the checks made here): every moto
  pool signs with one key shipped in moto's source (`kid` "dummy"), pool ids are longer, and
  the tokens lack `event_id` and `version`.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.jwt_tokens import Keys, claims
from tests.runtime_server import Gateway, build_spec, free_port, run_package

V2 = (
    "{type: AWS_PROXY, httpMethod: POST, payloadFormatVersion: '2.0', uri: "
    "'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:123456789012:function:Echo/invocations'}"
)
PROXY = V2.replace(", payloadFormatVersion: '2.0'", "")
FUNCTIONS = "  functions: {Echo: {handler: lambdas:echo_v2, codeUri: handlers}}\n"


class _Issuer(http.server.BaseHTTPRequestHandler):
    """An OpenID issuer: its configuration and its JWKS (or an oversized one)."""

    jwks: bytes = b""
    hits: list[str] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        base = f"http://127.0.0.1:{self.server.server_port}"
        if self.path.endswith("/.well-known/openid-configuration"):
            realm = self.path.split("/")[1]
            body = json.dumps({"issuer": f"{base}/{realm}", "jwks_uri": f"{base}/{realm}/jwks"})
            payload = body.encode()
        elif self.path == "/big/jwks":
            payload = b'{"keys": [' + b" " * 200_000 + b"]}"
        else:
            payload = self.jwks
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def issuer(keys: Keys) -> Iterator[str]:
    _Issuer.jwks = json.dumps(keys.jwks()).encode()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Issuer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys.make()


def _serve(tmp: Path, spec_text: str, *args: str) -> Any:
    (tmp / "handlers").mkdir(exist_ok=True)
    source = Path(__file__).parent / "runtime_specs" / "handlers" / "lambdas.py"
    (tmp / "handlers" / "lambdas.py").write_text(source.read_text(encoding="utf-8"))
    spec = tmp / "api.yaml"
    spec.write_text(spec_text, encoding="utf-8")
    package = build_spec(spec, tmp / "out")
    return package, run_package(tmp / "out" / "runtime", package, *args)


def _jwt_spec(issuer: str) -> str:
    def scheme(realm: str) -> str:
        return (
            "      type: oauth2\n"
            "      flows: {clientCredentials: {tokenUrl: 'https://x.example/token', scopes: {}}}\n"
            "      x-amazon-apigateway-authorizer:\n"
            "        type: jwt\n"
            "        identitySource: $request.header.Authorization\n"
            f"        jwtConfiguration: {{issuer: '{issuer}/{realm}', audience: [api]}}\n"
        )

    return (
        "openapi: 3.0.1\ninfo: {title: Remote, version: '1'}\n"
        "x-amazon-apigateway-importexport-version: '1.0'\n"
        "paths:\n"
        f"  /a:\n    get:\n      security: [{{Realm: []}}]\n"
        f"      responses: {{'200': {{description: ok}}}}\n"
        f"      x-amazon-apigateway-integration: {V2}\n"
        f"  /big:\n    get:\n      security: [{{Big: []}}]\n"
        f"      responses: {{'200': {{description: ok}}}}\n"
        f"      x-amazon-apigateway-integration: {V2}\n"
        "components:\n  securitySchemes:\n"
        f"    Realm:\n{scheme('realm')}    Big:\n{scheme('big')}"
        f"x-apigwc:\n{FUNCTIONS}"
    )


@pytest.fixture(scope="module")
def remote_gw(tmp_path_factory: pytest.TempPathFactory, issuer: str) -> Iterator[Gateway]:
    tmp = tmp_path_factory.mktemp("remote-jwks")
    package, running = _serve(tmp, _jwt_spec(issuer), "--allow-remote-jwks")
    with running as port:
        yield Gateway(port, tmp / "out", package)


def test_issuer_keys_fetched_once_through_discovery(
    remote_gw: Gateway, keys: Keys, issuer: str
) -> None:
    token = keys.sign(claims(f"{issuer}/realm", aud="api"))
    statuses = [
        remote_gw.fetch("GET", "/a", {"Authorization": f"Bearer {token}"}).status for _ in range(4)
    ]
    assert statuses == [200] * 4
    fetched = [p for p in _Issuer.hits if p.startswith("/realm")]
    assert fetched == ["/realm/.well-known/openid-configuration", "/realm/jwks"]
    # An unknown kid does not refetch within the minute (no hammering of the issuer).
    other = keys.sign(claims(f"{issuer}/realm", aud="api"), kid="rotated")
    assert remote_gw.fetch("GET", "/a", {"Authorization": f"Bearer {other}"}).status == 401
    assert [p for p in _Issuer.hits if p.startswith("/realm")] == fetched


def test_jwks_over_api_gateways_size_limit_fails_closed(
    remote_gw: Gateway, keys: Keys, issuer: str
) -> None:
    token = keys.sign(claims(f"{issuer}/big", aud="api"))
    reply = remote_gw.fetch("GET", "/big", {"Authorization": f"Bearer {token}"})
    assert (reply.status, reply.body) == (500, b'{"message":"Internal Server Error"}')


def test_without_the_opt_in_nothing_is_fetched(tmp_path: Path, keys: Keys, issuer: str) -> None:
    before = len(_Issuer.hits)
    _package, running = _serve(tmp_path, _jwt_spec(issuer))
    token = keys.sign(claims(f"{issuer}/realm", aud="api"))
    with running as port:
        reply = Gateway(port, tmp_path, "").fetch("GET", "/a", {"Authorization": f"Bearer {token}"})
    assert reply.status == 500
    assert len(_Issuer.hits) == before


# -- a moto server's Cognito user pool -----------------------------------------------------------
@pytest.fixture(scope="module")
def moto_pool() -> Iterator[dict[str, str]]:
    boto3 = pytest.importorskip("boto3")
    server_module = pytest.importorskip("moto.server")
    port = free_port()
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        client = boto3.client(
            "cognito-idp",
            region_name="us-east-1",
            endpoint_url=endpoint,
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        yield _pool_tokens(client, endpoint)
    finally:
        server.stop()


def _pool_tokens(client: Any, endpoint: str) -> dict[str, str]:
    pool = client.create_user_pool(PoolName="pets")["UserPool"]
    app = client.create_user_pool_client(
        UserPoolId=pool["Id"], ClientName="web", ExplicitAuthFlows=["ADMIN_NO_SRP_AUTH"]
    )["UserPoolClient"]
    client.admin_create_user(
        UserPoolId=pool["Id"],
        Username="alice",
        TemporaryPassword="Temp0rary!pw",
        MessageAction="SUPPRESS",
    )
    client.admin_set_user_password(
        UserPoolId=pool["Id"], Username="alice", Password="Passw0rd!local", Permanent=True
    )
    result = client.admin_initiate_auth(
        UserPoolId=pool["Id"],
        ClientId=app["ClientId"],
        AuthFlow="ADMIN_NO_SRP_AUTH",
        AuthParameters={"USERNAME": "alice", "PASSWORD": "Passw0rd!local"},
    )["AuthenticationResult"]
    return {
        "arn": pool["Arn"],
        "issuer": f"https://cognito-idp.us-east-1.amazonaws.com/{pool['Id']}",
        "jwks": f"{endpoint}/{pool['Id']}/.well-known/jwks.json",
        "client": app["ClientId"],
        "id": result["IdToken"],
        "access": result["AccessToken"],
    }


def _cognito_spec(pool: dict[str, str]) -> str:
    route = "      responses: {{'200': {{description: ok}}}}\n      x-amazon-apigateway-integration: {}\n"
    return (
        "openapi: 3.0.1\ninfo: {title: MotoPool, version: '1'}\npaths:\n"
        "  /me:\n    get:\n      security: [{Pool: []}]\n"
        + route.format(PROXY)
        + "  /admin:\n    get:\n      security: [{Pool: [aws.cognito.signin.user.admin]}]\n"
        + route.format(PROXY)
        + "components:\n  securitySchemes:\n    Pool:\n"
        "      {type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: cognito_user_pools,\n"
        f"       x-amazon-apigateway-authorizer: {{type: cognito_user_pools, providerARNs: ['{pool['arn']}']}}}}\n"
        "x-apigwc:\n  functions: {Echo: {handler: lambdas:echo, codeUri: handlers}}\n"
        "  identities:\n    cognitoUserPools:\n"
        f"      pets: {{issuer: '{pool['issuer']}', jwks: '{pool['jwks']}', arn: '{pool['arn']}',"
        f" audience: ['{pool['client']}']}}\n"
    )


def test_moto_user_pool_tokens(tmp_path: Path, moto_pool: dict[str, str]) -> None:
    package, running = _serve(tmp_path, _cognito_spec(moto_pool), "--allow-remote-jwks")
    with running as port:
        gw = Gateway(port, tmp_path / "out", package)
        me = gw.fetch("GET", "/me", {"Authorization": moto_pool["id"]})
        assert me.status == 200, me.body
        seen = json.loads(me.body)["event"]["requestContext"]["authorizer"]["claims"]
        assert seen["cognito:username"] == "alice" and seen["token_use"] == "id"
        assert gw.fetch("GET", "/admin", {"Authorization": moto_pool["access"]}).status == 200
        # Each token where the other is due: 401, as in Cognito.
        assert gw.fetch("GET", "/me", {"Authorization": moto_pool["access"]}).status == 401
        assert gw.fetch("GET", "/admin", {"Authorization": moto_pool["id"]}).status == 401
