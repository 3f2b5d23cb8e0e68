"""Requests per second of the generated gateway against a bare ASGI app, measured with wrk.

    .venv/bin/python benchmarks/runtime_bench.py [--duration 5] [--connections 32] [--rounds 3]
                                                 [--no-connexion]

Each target runs under uvicorn with one worker (httptools, uvloop, no access log) on 127.0.0.1
and is loaded by `wrk` (Debian package; `make deps` installs it) in the same invocation:

    bare ASGI          an ASGI app answering a fixed JSON body (the baseline)
    MOCK route         GET /mock?x=1 of a generated gateway (MOCK integration, request validator
                       on a required query parameter, Velocity response template, gateway
                       responses table)
    MOCK + access log  the same MOCK route on a second copy of the gateway with its own access
                       log on (APIGWC_ACCESS_LOG=1, as `apigwc serve` runs it by default: the
                       CLF line, written to a file by the log's writer thread); compared with
                       the MOCK route without it
    Lambda proxy       GET /lambda (AWS_PROXY, in-process handler returning fixed JSON)
    Connexion          GET /mock?x=1 of a Connexion 3 AsyncApp with the same route, the required
                       query parameter validated (strict validation), answering the same JSON;
                       run from the peers venv (`peers.py`, installed on first use)
    HTTP proxy p50     GET /proxy/x (HTTP_PROXY to the bare app) vs the bare app directly, one
                       connection: added median latency

The targets are loaded in turn, `--rounds` times (bare, MOCK, Lambda, Connexion, bare, ...), and
each ratio is the median of the per-round ratios: on a shared machine the load of other
processes drifts over a run, and a ratio of two neighbouring measurements drifts less than either.

Benchmarks measure, tests assert: the exit status is non-zero only when a measurement crashed.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BARE_APP = """
BODY = b'{"status":"ok"}'
HEADERS = [(b"content-type", b"application/json"), (b"content-length", b"15")]

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
"""

HANDLER = """
import json
BODY = json.dumps({"status": "ok"})

def handler(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": BODY}
"""

CONNEXION_APP = """
from pathlib import Path

import connexion


async def get_mock(x: str) -> dict:
    return {"status": "ok", "x": x}


app = connexion.AsyncApp(__name__)
app.add_api(Path(__file__).with_name("connexion_spec.yaml"), strict_validation=True)
"""

CONNEXION_SPEC = """\
openapi: 3.0.1
info: {title: Bench, version: "1.0"}
paths:
  /mock:
    get:
      operationId: connexion_app.get_mock
      parameters: [{name: x, in: query, required: true, schema: {type: string}}]
      responses: {"200": {description: ok}}
"""

SPEC = """\
openapi: 3.0.1
info: {title: Bench, version: "1.0"}
paths:
  /mock:
    get:
      x-amazon-apigateway-request-validator: params
      parameters: [{name: x, in: query, required: true, schema: {type: string}}]
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses:
          default:
            statusCode: "200"
            responseTemplates: {application/json: '{"status":"ok","x":"$input.params(''x'')"}'}
  /lambda:
    get:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:Fixed/invocations
  /proxy/{proxy+}:
    get:
      parameters: [{name: proxy, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: http://127.0.0.1:UPSTREAM/{proxy}
x-amazon-apigateway-request-validators:
  params: {validateRequestParameters: true, validateRequestBody: false}
x-amazon-apigateway-gateway-responses:
  DEFAULT_4XX:
    responseParameters: {gatewayresponse.header.Access-Control-Allow-Origin: "'*'"}
x-apigwc:
  functions:
    Fixed: {handler: fixed:handler, codeUri: handlers, timeout: 10}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def uvicorn(
    app: str,
    port: int,
    pythonpath: Path,
    python: str = sys.executable,
    http: str = "httptools",
    log: Path | None = None,
) -> subprocess.Popen[bytes]:
    """`http` is uvicorn's protocol: the generated gateway runs with its own httptools subclass
    (header casing kept, as `python -m <pkg>` runs it), the others with httptools itself.
    With `log`, the gateway writes its access log and the server's stderr goes to that file."""
    command = [python, "-m", "uvicorn", app, "--port", str(port), "--workers", "1"]
    command += [
        "--no-access-log",
        "--log-level",
        "warning",
        "--http",
        http,
        "--loop",
        "uvloop",
    ]
    env = dict(os.environ, PYTHONPATH=str(pythonpath), APIGWC_STAGE="", APIGWC_ALL_STAGES="")
    env["APIGWC_ACCESS_LOG"] = "1" if log else ""
    if log is None:
        process = subprocess.Popen(command, env=env)
    else:
        with log.open("wb") as err:
            process = subprocess.Popen(command, env=env, stderr=err)
    wait(port)
    return process


def wrk(url: str, duration: int, connections: int) -> tuple[float, float]:
    """(requests/s, p50 latency in ms)."""
    command = [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        url,
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"50%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    return rps, float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-connexion", action="store_true", help="skip the Connexion peer")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: run `make deps`")
    from tests.runtime_server import build_spec

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "bare").mkdir()
        (tmp / "bare" / "bare_app.py").write_text(BARE_APP)
        (tmp / "handlers").mkdir()
        (tmp / "handlers" / "fixed.py").write_text(HANDLER)
        bare_port, gw_port, cx_port, log_port = free_port(), free_port(), None, free_port()
        (tmp / "bench.yaml").write_text(SPEC.replace("UPSTREAM", str(bare_port)))
        package = build_spec(tmp / "bench.yaml", tmp / "out")
        servers = [
            uvicorn("bare_app:app", bare_port, tmp / "bare"),
            uvicorn(
                f"{package}.app:app",
                gw_port,
                tmp / "out" / "runtime",
                http=f"{package}._runtime.server.http_protocol:HeaderCasingHttpToolsProtocol",
            ),
            uvicorn(
                f"{package}.app:app",
                log_port,
                tmp / "out" / "runtime",
                http=f"{package}._runtime.server.http_protocol:HeaderCasingHttpToolsProtocol",
                log=tmp / "access.log",
            ),
        ]
        if not args.no_connexion:
            from peers import python as peers_python

            (tmp / "connexion").mkdir()
            (tmp / "connexion" / "connexion_app.py").write_text(CONNEXION_APP)
            (tmp / "connexion" / "connexion_spec.yaml").write_text(CONNEXION_SPEC)
            cx_port = free_port()
            interpreter = str(peers_python())
            servers.append(uvicorn("connexion_app:app", cx_port, tmp / "connexion", interpreter))
        try:
            report(args, bare_port, gw_port, cx_port, log_port)
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=10)


def report(
    args: argparse.Namespace, bare_port: int, gw_port: int, cx_port: int | None, log_port: int
) -> None:
    targets = {"bare": (bare_port, "/"), "mock": (gw_port, "/mock?x=1")}
    targets["mock_log"] = (log_port, "/mock?x=1")
    targets["lambda"] = (gw_port, "/lambda")
    if cx_port is not None:
        targets["connexion"] = (cx_port, "/mock?x=1")
    for port, path in targets.values():  # warm-up: imports, handler load, connection pool
        wrk(f"http://127.0.0.1:{port}{path}", 1, args.connections)
    rounds: list[dict[str, float]] = []
    for _ in range(args.rounds):
        rounds.append(
            {
                name: wrk(f"http://127.0.0.1:{port}{path}", args.duration, args.connections)[0]
                for name, (port, path) in targets.items()
            }
        )

    def median(name: str) -> float:
        return statistics.median(r[name] for r in rounds)

    def ratio(name: str, base: str) -> float:
        return statistics.median(r[name] / r[base] for r in rounds)

    _, direct_p50 = wrk(f"http://127.0.0.1:{bare_port}/x", args.duration, 1)
    _, proxy_p50 = wrk(f"http://127.0.0.1:{gw_port}/proxy/x", args.duration, 1)
    print(
        f"{args.rounds} rounds of {args.duration} s, {args.connections} connections; req/s medians"
    )
    print(f"{'measurement':<34}{'value':>12}{'baseline':>12}{'ratio':>9}  target")
    rows = [
        ("MOCK route req/s", "mock", "bare", ">= 0.50 of bare ASGI"),
        ("Lambda proxy route req/s", "lambda", "bare", ">= 0.40 of bare ASGI"),
        ("MOCK route, access log req/s", "mock_log", "mock", ">= 0.90 of no log"),
        ("MOCK route, access log vs bare", "mock_log", "bare", ""),
    ]
    if cx_port is not None:
        rows.append(("MOCK route vs Connexion req/s", "mock", "connexion", ">= 3 x Connexion"))
    for label, name, base, target in rows:
        print(
            f"{label:<34}{median(name):>12.0f}{median(base):>12.0f}{ratio(name, base):>9.2f}  {target}"
        )
    added = proxy_p50 - direct_p50
    label = "HTTP proxy p50 ms (1 connection)"
    print(f"{label:<34}{proxy_p50:>12.3f}{direct_p50:>12.3f}{added:>+9.3f}  added <= 1 ms")


if __name__ == "__main__":
    main()
