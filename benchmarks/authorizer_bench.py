"""Requests per second of a route behind a cached Lambda authorizer against the same route
without one (issue 12: at least 0.8x), of a route behind IAM (a SigV4 signature recomputed
on every request) against it (issue 12: at least 0.5x), and of an HTTP API route behind a JWT
authorizer against the same route without one (issue 12: at least 0.8x), measured with wrk on
the generated gateway.

    .venv/bin/python benchmarks/authorizer_bench.py [--duration 3] [--connections 16] [--rounds 3]

One gateway (uvicorn, one worker, no access log) serves four routes: a MOCK route and a Lambda
proxy route (in-process handler returning fixed JSON), each open and behind a REST TOKEN
authorizer whose result is cached (TTL 300 s: wrk sends one token, so the function runs once
and every other request is a cache hit), plus the MOCK route behind `AWS_IAM`: wrk sends one
request signed by botocore (a signature stays valid for the 5 minutes of SigV4's clock skew, so
the same one serves a run; the gateway verifies it in full each time). The routes are loaded in turn, `--rounds` times, and
each ratio is the median of the per-round ratios (load drift on a shared machine enters a ratio
of neighbouring measurements less than either figure).

`--inprocess` measures the SigV4 route without wrk or a server instead: the generated app called
as an ASGI app in a loop (as `inprocess_bench.py`), CPU microseconds per request, the best of 5
runs, and the ratio of requests per CPU second; steadier than wrk on a loaded shared machine.

The JWT figure comes from a second gateway (an HTTP API): a Lambda proxy route (payload 2.0,
the same fixed handler) open and behind a JWT authorizer whose issuer's JWKS is a local file
made here from a fresh RSA key; wrk sends one valid RS256 token, so its signature is verified
once and every other request is served from the per-token validation cache, as API Gateway
caches JWT validation.

Benchmarks measure, tests assert: the exit status is non-zero only when a measurement crashed.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apigwc.pipeline import build
from runtime_bench import free_port, gateway

FUNCTIONS = """
import json

BODY = json.dumps({"status": "ok"})
POLICY = {"Version": "2012-10-17", "Statement": [
    {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"}]}


def handler(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": BODY}


def authorize(event, context):
    return {"principalId": "bench", "policyDocument": POLICY, "context": {"tier": 1}}
"""

_MOCK = """
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses: {default: {statusCode: "200", responseTemplates: {application/json: '{"status":"ok"}'}}}"""
_LAMBDA = """
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:Fixed/invocations"""
_AUTHORIZER = "arn:aws:lambda:us-east-1:123456789012:function:Authorizer"


KEY, SECRET = "AKIDBENCH00000000000", "bench-secret/0123456789"
_SIGV4 = """
  /sigv4/mock:
    get:
      security: [{sigv4: []}]
      responses: {"200": {description: ok}}""" + _MOCK + "\n"
_IDENTITIES = f"""  identities:
    iamCredentials:
      bench:
        accessKeyId: {KEY}
        secretAccessKey: {SECRET}
        policy: {{Statement: [{{Effect: Allow, Action: execute-api:Invoke, Resource: "*"}}]}}
"""


def spec() -> str:
    paths = [_SIGV4]
    for name, integration in (("mock", _MOCK), ("lambda", _LAMBDA)):
        for prefix, security in (("open", ""), ("authed", "\n      security: [{auth: []}]")):
            paths.append(
                f"  /{prefix}/{name}:\n    get:{security}\n"
                f'      responses: {{"200": {{description: ok}}}}{integration}\n'
            )
    return (
        'openapi: 3.0.1\ninfo: {title: AuthBench, version: "1.0"}\npaths:\n'
        + "".join(paths)
        + "components:\n  securitySchemes:\n    auth:\n"
        + "      {type: apiKey, name: Authorization, in: header,"
        + " x-amazon-apigateway-authtype: custom, x-amazon-apigateway-authorizer: {type: token,"
        + " authorizerUri: 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        + f"{_AUTHORIZER}/invocations', authorizerResultTtlInSeconds: 300}}}}\n"
        + "    sigv4: {type: apiKey, name: Authorization, in: header,"
        + " x-amazon-apigateway-authtype: awsSigv4}\n"
        + "x-apigwc:\n  functions:\n"
        + "    Fixed: {handler: fns:handler, codeUri: handlers, timeout: 10}\n"
        + "    Authorizer: {handler: fns:authorize, codeUri: handlers, timeout: 10}\n"
        + _IDENTITIES
    )


def signed(url: str) -> list[str]:
    """wrk's `-H` arguments of one GET of `url` signed by botocore for `execute-api`."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest("GET", url)
    SigV4Auth(Credentials(KEY, SECRET), "execute-api", "us-east-1").add_auth(request)
    return [f"{name}: {value}" for name, value in request.headers.items()]


def wrk(url: str, duration: int, connections: int, headers: list[str] | None = None) -> float:
    """Requests/s of `url`, every request with the same token (or the same `headers`)."""
    command = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{duration}s"]
    for header in headers if headers is not None else ["Authorization: bench-token"]:
        command += ["-H", header]
    command.append(url)
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"{url} answered non-2xx: {out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--inprocess", action="store_true", help="CPU cost, no server, no wrk")
    parser.add_argument(
        "--callgrind",
        action="store_true",
        help="the cached-authorizer, JWT and SigV4 figures as CPU instructions per request (server_cost_bench.py's method: "
        "steady where wrk's requests/s drift on a loaded machine) instead of wrk",
    )
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=500)
    args = parser.parse_args()
    args.annotate = False
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        (tmp / "handlers").mkdir()
        (tmp / "handlers" / "fns.py").write_text(FUNCTIONS, encoding="utf-8")
        (tmp / "bench.yaml").write_text(spec(), encoding="utf-8")
        built = build(tmp / "bench.yaml", tmp / "out")
        assert built.out_dir is not None and built.compilation.api is not None
        package = f"{built.compilation.api.slug}_gateway"
        if args.inprocess:
            inprocess(tmp / "out" / "runtime", package)
            return
        if args.callgrind:
            cached_instructions(tmp, package, args)
            sigv4_instructions(tmp, package, args)
        else:
            measure_served(tmp, package, args)
    with tempfile.TemporaryDirectory() as folder:
        measure_jwt(Path(folder), args)


def measure_served(tmp: Path, package: str, args: argparse.Namespace) -> None:
    port = free_port()
    server = gateway(package, port, tmp / "out" / "runtime", "uvicorn", tmp / "server.log")
    try:
        measure(port, args)
    finally:
        server.terminate()
        server.wait(timeout=10)


def measure(port: int, args: argparse.Namespace) -> None:
    ratios: dict[str, list[float]] = {"mock": [], "lambda": []}
    iam_ratios: list[float] = []
    for _ in range(args.rounds):
        for name, found in ratios.items():
            base = f"http://127.0.0.1:{port}"
            open_rps = wrk(f"{base}/open/{name}", args.duration, args.connections)
            authed_rps = wrk(f"{base}/authed/{name}", args.duration, args.connections)
            found.append(authed_rps / open_rps)
            print(f"  {name}: open {open_rps:.0f} req/s, cached authorizer {authed_rps:.0f} req/s")
        sigv4 = f"http://127.0.0.1:{port}/sigv4/mock"
        open_rps = wrk(f"http://127.0.0.1:{port}/open/mock", args.duration, args.connections)
        iam_rps = wrk(sigv4, args.duration, args.connections, signed(sigv4))
        iam_ratios.append(iam_rps / open_rps)
        print(f"  mock: open {open_rps:.0f} req/s, SigV4 {iam_rps:.0f} req/s")
    for name, found in ratios.items():
        print(
            f"{name} route behind a cached TOKEN authorizer: {statistics.median(found):.2f}x open"
        )
    print(f"mock route behind IAM (SigV4): {statistics.median(iam_ratios):.2f}x open")


def inprocess(runtime: Path, package: str) -> None:
    """CPU µs per request of the open and the SigV4 MOCK routes, the app called directly."""
    import asyncio
    import importlib

    sys.path.insert(0, str(runtime))
    app = importlib.import_module(f"{package}.app").app
    host = "127.0.0.1:8080"
    signature = [tuple(h.split(": ", 1)) for h in signed(f"http://{host}/sigv4/mock")]
    loop = asyncio.new_event_loop()
    costs = {}
    for path, extra in (("/open/mock", []), ("/sigv4/mock", signature)):
        headers = [(b"host", host.encode()), *((k.lower().encode(), v.encode()) for k, v in extra)]
        runs = [loop.run_until_complete(_cpu(app, path, headers, 5000)) for _ in range(5)]
        costs[path] = min(runs) / 5000 * 1e6
        print(f"  {path}: {costs[path]:.1f} µs/request (CPU)")
    ratio = costs["/open/mock"] / costs["/sigv4/mock"]
    print(f"mock route behind IAM (SigV4), in process: {ratio:.2f}x open (requests per CPU second)")


async def _cpu(app: Any, path: str, headers: list[tuple[bytes, bytes]], count: int) -> float:
    import time

    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8080),
        "extensions": {},
    }
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    for _ in range(200):
        await app(dict(scope), receive, send)
    if set(statuses) != {200}:
        raise RuntimeError(f"{path} answered {set(statuses)}")
    start = time.process_time()
    for _ in range(count):
        await app(dict(scope), receive, send)
    return time.process_time() - start


ISSUER = "https://issuer.bench.example/pool"


def jwt_spec() -> str:
    integration = _LAMBDA.replace("uri:", "payloadFormatVersion: '2.0'\n        uri:")
    paths = [
        f"  /{prefix}:\n    get:{security}\n"
        f'      responses: {{"200": {{description: ok}}}}{integration}\n'
        for prefix, security in (("open", ""), ("jwt", "\n      security: [{jwt: [bench/read]}]"))
    ]
    return (
        'openapi: 3.0.1\ninfo: {title: JwtBench, version: "1.0"}\n'
        "x-amazon-apigateway-importexport-version: '1.0'\npaths:\n"
        + "".join(paths)
        + "components:\n  securitySchemes:\n    jwt:\n"
        + "      {type: oauth2, flows: {}, x-amazon-apigateway-authorizer: {type: jwt,"
        + " identitySource: $request.header.Authorization,"
        + f" jwtConfiguration: {{issuer: '{ISSUER}', audience: [bench]}}}}}}\n"
        + "x-apigwc:\n  functions:\n"
        + "    Fixed: {handler: fns:handler, codeUri: handlers, timeout: 10}\n"
        + f"  identities:\n    cognitoUserPools:\n      bench: {{issuer: '{ISSUER}', jwks: jwks.json}}\n"
    )


def signed_token(tmp: Path) -> str:
    """A fresh RSA key's JWKS written beside the spec, and a token it signs (one hour)."""
    import json
    import time

    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa
    from jwt.algorithms import RSAAlgorithm

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    public.update(kid="bench", use="sig", alg="RS256")
    (tmp / "jwks.json").write_text(json.dumps({"keys": [public]}), encoding="utf-8")
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": "bench", "sub": "b", "scope": "bench/read"}
    claims |= {"iat": now, "exp": now + 3600}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "bench"})


def measure_jwt(tmp: Path, args: argparse.Namespace) -> None:
    (tmp / "handlers").mkdir()
    (tmp / "handlers" / "fns.py").write_text(FUNCTIONS, encoding="utf-8")
    (tmp / "jwt.yaml").write_text(jwt_spec(), encoding="utf-8")
    token = "Bearer " + signed_token(tmp)
    built = build(tmp / "jwt.yaml", tmp / "out")
    assert built.out_dir is not None and built.compilation.api is not None
    package = f"{built.compilation.api.slug}_gateway"
    if args.callgrind:
        jwt_instructions(tmp, package, token, args)
        return
    port = free_port()
    server = gateway(package, port, tmp / "out" / "runtime", "uvicorn", tmp / "server.log")
    ratios: list[float] = []
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(args.rounds):
            header = [f"Authorization: {token}"]
            open_rps = wrk(f"{base}/open", args.duration, args.connections, header)
            jwt_rps = wrk(f"{base}/jwt", args.duration, args.connections, header)
            ratios.append(jwt_rps / open_rps)
            print(f"  lambda (HTTP API): open {open_rps:.0f} req/s, JWT {jwt_rps:.0f} req/s")
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"lambda route behind a JWT authorizer: {statistics.median(ratios):.2f}x open")


def instructions(
    tmp: Path,
    package: str,
    targets: dict[str, str],
    headers_for: Callable[[int], list[str]],
    args: argparse.Namespace,
) -> dict[str, float]:
    """Instructions per request of each target path under callgrind (server_cost_bench.py's
    harness, the gateway's own protocol), each request carrying `headers_for(port)`."""
    import server_cost_bench as cost

    (tmp / "launcher.py").write_text(cost.LAUNCHER, encoding="utf-8")

    class HeaderClient(cost.Client):
        def __init__(self, port: int, path: str, connections: int = 1) -> None:
            super().__init__(port, path, connections)
            lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", *headers_for(port)]
            for connection in self.connections:
                connection.request = ("\r\n".join(lines) + "\r\n\r\n").encode()

    cost.Client = HeaderClient  # type: ignore[misc]
    for name, path in targets.items():
        cost.TARGETS[name] = ("{package}.app:app", "gateway", path)
    per = {name: cost.measure(tmp, package, name, args) / args.requests for name in targets}
    for name, count in per.items():
        print(f"  {name}: {count:,.0f} instructions per request")
    return per


def jwt_instructions(tmp: Path, package: str, token: str, args: argparse.Namespace) -> None:
    targets = {"jwt_open": "/open", "jwt": "/jwt"}
    per = instructions(tmp, package, targets, lambda port: [f"Authorization: {token}"], args)
    ratio = per["jwt_open"] / per["jwt"]
    print(f"lambda route behind a JWT authorizer: {ratio:.2f}x open (instructions)")


def cached_instructions(tmp: Path, package: str, args: argparse.Namespace) -> None:
    """The open and the cached-authorizer MOCK route, both requests carrying the token."""
    targets = {"token_open": "/open/mock", "token": "/authed/mock"}
    per = instructions(tmp, package, targets, lambda port: ["Authorization: bench-token"], args)
    ratio = per["token_open"] / per["token"]
    print(f"mock route behind a cached TOKEN authorizer: {ratio:.2f}x open (instructions)")


def sigv4_instructions(tmp: Path, package: str, args: argparse.Namespace) -> None:
    """The open and the SigV4 MOCK route, both requests carrying the same signed headers (the
    signature covers the port, so it is made once the server's port is known)."""

    def headers_for(port: int) -> list[str]:
        found = signed(f"http://127.0.0.1:{port}/sigv4/mock")
        return [h for h in found if not h.lower().startswith("host:")]

    targets = {"sigv4_open": "/open/mock", "sigv4": "/sigv4/mock"}
    per = instructions(tmp, package, targets, headers_for, args)
    ratio = per["sigv4_open"] / per["sigv4"]
    print(f"mock route behind IAM (SigV4): {ratio:.2f}x open (instructions)")


if __name__ == "__main__":
    main()
