"""Requests per second of the generated gateway against a bare ASGI app, measured with wrk.

    .venv/bin/python benchmarks/runtime_bench.py [--duration 5] [--connections 32] [--rounds 3]
                                                 [--servers uvicorn,granian] [--no-connexion]

Each target runs with one worker on 127.0.0.1, under each server of `--servers` (uvicorn:
httptools, uvloop; granian: HTTP/1, ASGI), and is loaded by `wrk` (Debian package; `make deps`
installs it) in the same invocation:

    bare ASGI          an ASGI app answering a fixed JSON body (the baseline; `uvicorn` or
                       `granian` run on it directly, no access log)
    MOCK route         GET /mock?x=1 of a generated gateway, run as `python -m <pkg> --server S
                       --no-access-log` (MOCK integration, request validator on a required query
                       parameter, Velocity response template, gateway responses table)
    MOCK + access log  the same MOCK route on a second copy of the gateway with its own access
                       log on (the default of `python -m <pkg>`, and of `apigwc serve
                       --access-log stderr`: the CLF line, written to a file by the log's
                       writer thread); compared with the MOCK route without it
    MOCK + serve logs  (uvicorn) a third copy with what `apigwc serve` logs by default: the
                       console line (`--log-format text`), and the access log of the stages
                       whose spec sets a format (`APIGWC_ACCESS_LOG_CONFIGURED`; this spec's
                       stage sets none, so one line per request); against the MOCK route
                       (issue 11: at least 0.9)
    MOCK + log+metrics (uvicorn) a fourth copy with the access log and the metrics on
                       (`--admin-port`, nothing scraping); against the MOCK route (issue 13:
                       at least 0.9)
    MOCK twin          (uvicorn) a fifth copy, the same as the MOCK route's: its ratio to the
                       MOCK route is 1 but for the machine, so it reads the run's noise (on a
                       shared host two identical gateways have read 0.93 and 1.08 apart)
    Lambda proxy       GET /lambda (AWS_PROXY, in-process handler returning fixed JSON)
    Connexion          GET /mock?x=1 of a Connexion 3 AsyncApp with the same route, the required
                       query parameter validated (strict validation), answering the same JSON;
                       run from the peers venv (`peers.py`, installed on first use)
    HTTP proxy p50     GET /proxy/x (HTTP_PROXY to the bare app on uvicorn) vs that app directly,
                       one connection, both in each of `--rounds` rounds: added median latency
                       (median of the rounds' differences), for the gateway on each server

Every figure is given against the bare app on uvicorn (the issue's baseline: the usual ceiling
of a Python web app) and against the bare app on the gateway's own server.

The targets are loaded in turn, `--rounds` times, each round starting one target further along
(bare, MOCK, Lambda, ...; then MOCK, Lambda, ..., bare), and each ratio is the median of the
per-round ratios: on a shared machine the load of other processes drifts over a run, and a ratio
of two neighbouring measurements drifts less than either. The rotation keeps a target from
always being loaded first: with a fixed order, the MOCK twin read 1.08-1.11 of the MOCK route.

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


# What `apigwc serve` adds to `python -m <pkg>` by default: the developer's console line
# (observability/console_log.py) beside the access log.
SERVE_LOGGING = ("--log-format", "text")
# `apigwc serve` without `--access-log`: only the stages that set a format write an access log.
SERVE_ENVIRONMENT = {"APIGWC_ACCESS_LOG_CONFIGURED": "1"}


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
    app: str, port: int, pythonpath: Path, python: str = sys.executable
) -> subprocess.Popen[bytes]:
    """A bare app (or Connexion's) under uvicorn: httptools, uvloop, no access log."""
    command = [python, "-m", "uvicorn", app, "--port", str(port), "--workers", "1"]
    command += ["--no-access-log", "--log-level", "warning", "--http", "httptools"]
    command += ["--loop", "uvloop"]
    return _start(command, port, pythonpath, None)


def granian(app: str, port: int, pythonpath: Path) -> subprocess.Popen[bytes]:
    """A bare app under granian: ASGI, HTTP/1 (as the gateway runs it), no access log."""
    command = [sys.executable, "-m", "granian", "--interface", "asgi", "--http", "1", "--no-ws"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    command += ["--log-level", "warning", app]
    return _start(command, port, pythonpath, None)


def gateway(
    package: str,
    port: int,
    runtime: Path,
    server: str,
    log: Path,
    *extra: str,
    environment: dict[str, str] | None = None,
    access_log: bool = False,
) -> subprocess.Popen[bytes]:
    """The generated gateway as `python -m <pkg> --server S [extra]` runs it, with its access
    log on when `access_log` (else `--no-access-log`); its stderr (and so the access log) and
    stdout (the console line, with `--log-format`) go to `log`."""
    command = [sys.executable, "-m", package, "--port", str(port), "--server", server, *extra]
    if not access_log:
        command.append("--no-access-log")
    return _start(command, port, runtime, log, environment)


def _start(
    command: list[str],
    port: int,
    pythonpath: Path,
    log: Path | None,
    environment: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PYTHONPATH=str(pythonpath)) | (environment or {})
    if log is None:
        process = subprocess.Popen(command, env=env)
    else:
        with log.open("wb") as err:
            process = subprocess.Popen(command, env=env, stdout=err, stderr=err)
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
    parser.add_argument("--servers", default="uvicorn,granian", help="comma-separated")
    parser.add_argument("--no-connexion", action="store_true", help="skip the Connexion peer")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: run `make deps`")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        bare_port = free_port()
        package = build_workspace(tmp, bare_port)
        targets: dict[str, tuple[int, str]] = {"bare@uvicorn": (bare_port, "/")}
        servers = [uvicorn("bare_app:app", bare_port, tmp / "bare")]
        try:
            for server in args.servers.split(","):
                servers += start_server(server, package, tmp, targets)
            if not args.no_connexion:
                servers.append(start_connexion(tmp, targets))
            report(args, targets)
        finally:
            for process in servers:
                process.terminate()
                process.wait(timeout=10)


def build_workspace(tmp: Path, upstream_port: int) -> str:
    """The bare app (`tmp/bare`), the handler (`tmp/handlers`) and the gateway built from
    `SPEC` (`tmp/out`), its HTTP proxy route calling `upstream_port`; the package's name."""
    from tests.runtime_server import build_spec

    (tmp / "bare").mkdir()
    (tmp / "bare" / "bare_app.py").write_text(BARE_APP)
    (tmp / "handlers").mkdir()
    (tmp / "handlers" / "fixed.py").write_text(HANDLER)
    (tmp / "bench.yaml").write_text(SPEC.replace("UPSTREAM", str(upstream_port)))
    return build_spec(tmp / "bench.yaml", tmp / "out")


def start_server(
    server: str, package: str, tmp: Path, targets: dict[str, tuple[int, str]]
) -> list[subprocess.Popen[bytes]]:
    """The bare app (granian: uvicorn's runs already), the gateway, the gateway with its
    access log, under one server; their targets added."""
    started = []
    if server != "uvicorn":
        port = free_port()
        started.append(granian("bare_app:app", port, tmp / "bare"))
        targets[f"bare@{server}"] = (port, "/")
    runtime = tmp / "out" / "runtime"
    gw_port, log_port = free_port(), free_port()
    started.append(gateway(package, gw_port, runtime, server, tmp / f"{server}.log"))
    log_file = tmp / f"{server}-access.log"
    started.append(gateway(package, log_port, runtime, server, log_file, access_log=True))
    targets[f"mock@{server}"] = (gw_port, "/mock?x=1")
    targets[f"mock_log@{server}"] = (log_port, "/mock?x=1")
    if server == "uvicorn":  # the logging figures of issues 11 and 13, on the default server
        serve_port, observed_port = free_port(), free_port()
        serve_log = tmp / f"{server}-access-console.log"
        serve = gateway(
            package,
            serve_port,
            runtime,
            server,
            serve_log,
            *SERVE_LOGGING,
            environment=SERVE_ENVIRONMENT,
            access_log=True,  # as `apigwc serve`: on, for the stages that set a format
        )
        started.append(serve)
        observed_log = tmp / f"{server}-access-metrics.log"
        admin = ["--admin-port", str(free_port())]
        observed = gateway(
            package, observed_port, runtime, server, observed_log, *admin, access_log=True
        )
        started.append(observed)
        targets[f"mock_serve@{server}"] = (serve_port, "/mock?x=1")
        targets[f"mock_observed@{server}"] = (observed_port, "/mock?x=1")
        # The same gateway again, same options: how far two identical targets read apart in
        # this run, against which the other ratios' distance from 1 can be judged.
        twin_port = free_port()
        started.append(gateway(package, twin_port, runtime, server, tmp / f"{server}-twin.log"))
        targets[f"mock_twin@{server}"] = (twin_port, "/mock?x=1")
    targets[f"lambda@{server}"] = (gw_port, "/lambda")
    targets[f"proxy@{server}"] = (gw_port, "/proxy/x")  # latency only
    return started


def start_connexion(tmp: Path, targets: dict[str, tuple[int, str]]) -> subprocess.Popen[bytes]:
    from peers import python as peers_python

    (tmp / "connexion").mkdir()
    (tmp / "connexion" / "connexion_app.py").write_text(CONNEXION_APP)
    (tmp / "connexion" / "connexion_spec.yaml").write_text(CONNEXION_SPEC)
    port = free_port()
    targets["connexion"] = (port, "/mock?x=1")
    return uvicorn("connexion_app:app", port, tmp / "connexion", str(peers_python()))


def report(args: argparse.Namespace, targets: dict[str, tuple[int, str]]) -> None:
    print(
        f"load average (1 min) before loading: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
    )
    loaded = {name: target for name, target in targets.items() if not name.startswith("proxy@")}
    for port, path in loaded.values():  # warm-up: imports, handler load, connection pool
        wrk(f"http://127.0.0.1:{port}{path}", 1, args.connections)
    rounds: list[dict[str, float]] = []
    names = list(loaded)
    for index in range(args.rounds):
        # Each round starts one target further along: no target is always loaded first (a
        # twin loaded after its original read up to 1.11 of it when the order was fixed).
        start = index % len(names)
        rounds.append(
            {
                name: wrk(
                    f"http://127.0.0.1:{loaded[name][0]}{loaded[name][1]}",
                    args.duration,
                    args.connections,
                )[0]
                for name in names[start:] + names[:start]
            }
        )
    print(f"load average (1 min) after the throughput rounds: {os.getloadavg()[0]:.2f}")
    print(
        f"{args.rounds} rounds of {args.duration} s, {args.connections} connections; req/s medians"
    )
    print(f"{'measurement':<40}{'value':>10}{'baseline':>10}{'ratio':>8}  target")
    for label, name, base, target in rows(targets):
        value = statistics.median(r[name] for r in rounds)
        baseline = statistics.median(r[base] for r in rounds)
        ratio = statistics.median(r[name] / r[base] for r in rounds)
        print(f"{label:<40}{value:>10.0f}{baseline:>10.0f}{ratio:>8.2f}  {target}")
    report_latency(args, targets)


def report_latency(args: argparse.Namespace, targets: dict[str, tuple[int, str]]) -> None:
    """The HTTP proxy's added p50: one connection (a latency, not a saturation: with more
    connections than cores the p50 measures queueing in the servers), the upstream straight and
    through each gateway in turn in every round, added = median of the rounds' differences (the
    machine's load drifts less within a round than over the run)."""
    bare_port = targets["bare@uvicorn"][0]
    proxies = {name: target for name, target in targets.items() if name.startswith("proxy@")}
    seconds = max(1, args.duration // 2)
    for port, path in proxies.values():  # warm-up: the gateway's pooled connection
        wrk(f"http://127.0.0.1:{port}{path}", 1, 1)
    samples: list[dict[str, float]] = []
    for _ in range(args.rounds):
        sample = {"direct": wrk(f"http://127.0.0.1:{bare_port}/x", seconds, 1)[1]}
        for name, (port, path) in proxies.items():
            sample[name] = wrk(f"http://127.0.0.1:{port}{path}", seconds, 1)[1]
        samples.append(sample)
    direct_p50 = statistics.median(s["direct"] for s in samples)
    for name in proxies:
        proxy_p50 = statistics.median(s[name] for s in samples)
        added = statistics.median(s[name] - s["direct"] for s in samples)
        label = f"HTTP proxy p50 ms, {name[6:]} (1 conn.)"
        print(f"{label:<40}{proxy_p50:>10.3f}{direct_p50:>10.3f}{added:>+8.3f}  added <= 0.3 ms")
    print(f"load average (1 min) after the latency rounds: {os.getloadavg()[0]:.2f}")


def rows(targets: dict[str, tuple[int, str]]) -> list[tuple[str, str, str, str]]:
    """(label, measured, baseline, target) for every server measured; targets from issue 11
    (the default server's, and the fastest option's for the MOCK route)."""
    found: list[tuple[str, str, str, str]] = []
    for server in (name[5:] for name in targets if name.startswith("mock@")):
        default = server == "uvicorn"
        found += [
            (f"MOCK {server} / bare uvicorn", f"mock@{server}", "bare@uvicorn",
             ">= 0.75 (default)" if default else ">= 1.0 (fastest option)"),
            (f"Lambda {server} / bare uvicorn", f"lambda@{server}", "bare@uvicorn",
             ">= 0.6 (default)" if default else ""),
            (f"MOCK+log {server} / MOCK {server}", f"mock_log@{server}", f"mock@{server}",
             ">= 0.9"),
        ]  # fmt: skip
        if default:
            found += [
                (f"MOCK twin {server} / MOCK {server}", f"mock_twin@{server}",
                 f"mock@{server}", "1.00 (the run's noise)"),
                (f"MOCK+serve logs {server} / MOCK {server}", f"mock_serve@{server}",
                 f"mock@{server}", ">= 0.9 (issue 11)"),
                (f"MOCK+log+metrics {server} / MOCK {server}", f"mock_observed@{server}",
                 f"mock@{server}", ">= 0.9 (issue 13)"),
            ]  # fmt: skip
        if not default:
            found += [
                (f"bare {server} / bare uvicorn", f"bare@{server}", "bare@uvicorn", ""),
                (f"MOCK {server} / bare {server}", f"mock@{server}", f"bare@{server}", ""),
                (f"Lambda {server} / bare {server}", f"lambda@{server}", f"bare@{server}", ""),
                (f"MOCK {server} / MOCK uvicorn", f"mock@{server}", "mock@uvicorn", ""),
            ]
    if "connexion" in targets:
        found.append(("MOCK uvicorn / Connexion", "mock@uvicorn", "connexion", ">= 3"))
    return found


if __name__ == "__main__":
    main()
