"""Every route of every valid corpus spec, served, and the class of its answer (the table's data).

Each spec is built (as `apigwc build` writes it) and served by `python -m <pkg>` on 127.0.0.1;
a batch of specs is served at once, one server per spec. Each route gets one request (`probe`),
with valid credentials where it is protected (`corpus_credentials`). The answer's class is made from what a client sees, never from the runtime's
code: `2xx`/`3xx`, else `<status> <x-amzn-ErrorType> <message>` (the body's `message`, as JSON).
Each answer gets a cause: derived from the answer and the route as the spec declares it (`cause`)
or, for a defect known and not fixed yet, written by hand in the table as `known: <why>`.

AWS service integrations are called at a moto server started here (`aws_endpoint`, given to the
served gateways as `AWS_ENDPOINT_URL` with test keys), with the resources the corpus's routes
name created first where they can be (`create_aws_resources`).

HTTP integrations of the corpus name hosts on the internet; tests stay on loopback, so the
spec's copy that is built has each literal integration URI's scheme and host replaced by a real
upstream started here (`tests.runtime_server.upstream`, which answers with what it received). A
URI whose host is a stage variable is left alone.

The table is `tests/data/corpus_routes.tsv`. To rewrite it from today's answers (after a
change that fixes or changes answers; the hand-written `known:` causes of unchanged answers are
kept):

    .venv/bin/python -m tests.corpus_routes --update
"""

from __future__ import annotations

import atexit
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from apigwc.ir.api import Api

from tests.corpus import Row, spec_rows
from tests.corpus_credentials import Presenter, stand_ins, write_stand_ins
from tests.runtime_server import Reply, fetch, free_port, upstream, wait_for_port

TABLE = Path(__file__).resolve().parent / "data" / "corpus_routes.tsv"
COLUMNS = ("spec", "route", "request", "answer", "cause")
VALID = [r for r in spec_rows() if r.valid and r.format != "fragment"]
BATCH = 10
UNEXPLAINED = "UNEXPLAINED"  # a cause no rule gives: the test fails on it
KNOWN = "known: "  # prefix of a hand-written cause: a defect recorded, to fix
# Causes of a gateway-made 5xx that are by design today (features not reproduced yet).
NEEDS_AWS = "integration needs AWS"  # (an HTTP API first-class integration)
AWS_ANSWER = "the AWS service's error (moto), through the integration responses"
NO_HANDLER = "Lambda function has no local handler"
# An authorizer the stand-ins cannot serve: a user pool ARN that is a placeholder (`${...}`)
NO_AUTHORIZER = "authorizer names no user pool (a placeholder providerARN): 500, fail closed"
API_KEY_REQUIRED = "API key required (the request sends none)"
VALIDATION = "request validation"
NO_URL = "integration URI is no URL (a placeholder or an intrinsic the build cannot resolve)"
NO_STAGE_VARIABLE = "a stage variable the URI names is undefined (API Gateway answers 500)"
NO_INTEGRATION = "method has no integration (deploying it fails: AGW413)"
_URI = re.compile(r"""(["']?uri["']?\s*:\s*["']?)https?://([^/"'\s$][^/"'\s]*)""")


@dataclass(frozen=True)
class Observed:
    spec: str
    route: str
    request: str
    answer: str
    cause: str

    @property
    def key(self) -> tuple[str, str]:
        return self.spec, self.route


def spec_name(row: Row) -> str:
    return row.local_path.removeprefix("specs/")


def batches() -> list[list[Row]]:
    return [VALID[i : i + BATCH] for i in range(0, len(VALID), BATCH)]


# -- building and serving -------------------------------------------------------------------------


def loopback_copy(spec: Path, folder: Path, upstream_port: int) -> Path:
    """The spec with its literal integration hosts replaced by the upstream on 127.0.0.1."""
    text = spec.read_text(encoding="utf-8")
    text = _URI.sub(lambda m: f"{m.group(1)}http://127.0.0.1:{upstream_port}", text)
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / spec.name
    copy.write_text(text, encoding="utf-8")
    return copy


@dataclass(frozen=True)
class Built:
    """A spec's copy as `apigwc build` wrote it: its package, IR and route entries."""

    package: str
    api: Api
    routes: list[dict[str, Any]]

    @property
    def functions(self) -> dict[str, Any]:
        return dict(self.api.deployment.functions)


def build(spec: Path, out: Path) -> Built:
    """The build `apigwc build` writes into `out`, after the spec's copy got the local
    stand-ins its protected routes need (`corpus_credentials`)."""
    built = _build(spec, out)
    if write_stand_ins(spec, stand_ins(built.api)):
        built = _build(spec, out)
    return built


def _build(spec: Path, out: Path) -> Built:
    from apigwc.emitters.runtime_data import route_data
    from apigwc.pipeline import build as build_spec

    built = build_spec(spec, out)
    api = built.compilation.api
    assert built.out_dir is not None and api is not None, [
        d.message for d in built.compilation.sink.sorted()
    ]
    routes = [route_data(api, method, spec.name)["data"] for method in api.methods]
    return Built(f"{api.slug}_gateway", api, routes)


# A fork server: one interpreter imports the runtime's dependencies once (uvicorn, aiohttp,
# airspeed, fastjsonschema: about a second of start-up each time otherwise), then forks one child
# per spec that runs the generated `<pkg>.__main__` as `python -m <pkg>` would, on its own port.
# The parent has no thread, so forking it is safe. Each line on stdin is "runtime package port".
FORK_SERVER = """\
import os, runpy, signal, sys
import aiohttp, airspeed, fastjsonschema, uvicorn, uvicorn.main
import uvicorn.protocols.http.httptools_impl, uvicorn.lifespan.on
try:
    import uvloop, uvicorn.loops.uvloop
except ImportError:
    pass
children = []
for line in sys.stdin:
    runtime, package, port = line.split()
    pid = os.fork()
    if pid == 0:
        sys.path.insert(0, runtime)
        sys.argv = [package, "--port", port, "--no-access-log"]
        try:
            runpy.run_module(package + ".__main__", run_name="__main__")
        finally:
            os._exit(0)
    children.append(pid)
for pid in children:
    os.kill(pid, signal.SIGTERM)
for pid in children:
    os.waitpid(pid, 0)
"""


_MOTO: list[str] = []


def aws_endpoint() -> str:
    """A moto server for this process (its own process: moto's state is per process, so a
    server in threads would share the queues and functions other tests create), with the
    corpus's AWS resources created."""
    if not _MOTO:
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        atexit.register(_stop, server)
        wait_for_port(port, server, timeout=60)
        _MOTO.append(f"http://127.0.0.1:{port}")
        create_aws_resources(_MOTO[0])
    return _MOTO[0]


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    server.wait(timeout=10)


# What the corpus's AWS service routes name, as the probe calls them (a path parameter is "1"):
# api-as-kinesis-proxy's /streams/{stream-name}. (swagger-s3-proxy's bucket would be "1", which
# S3 refuses as a name: its routes get S3's NoSuchBucket.)
AWS_STREAMS = ("1",)


def create_aws_resources(endpoint: str) -> None:
    import boto3

    keys = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    for region in ("us-east-1", "us-west-2"):
        kinesis = boto3.client("kinesis", endpoint_url=endpoint, region_name=region, **keys)
        for stream in AWS_STREAMS:
            kinesis.create_stream(StreamName=stream, ShardCount=1)


def aws_environment() -> dict[str, str]:
    """The served gateways' environment: AWS calls go to moto, with test keys."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    environ.update(
        AWS_ENDPOINT_URL=aws_endpoint(),
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
    )
    return environ


@contextmanager
def fork_server() -> Iterator[subprocess.Popen[str]]:
    """The fork server; on exit its children are stopped and its stderr (the servers' log) is
    checked for tracebacks."""
    process = subprocess.Popen(
        [sys.executable, "-c", FORK_SERVER],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=aws_environment(),
    )
    try:
        yield process
    finally:
        _, log = process.communicate(timeout=30)
    assert process.returncode == 0 and "Traceback" not in log, log[-3000:]


def serve(server: subprocess.Popen[str], runtime: Path, package: str) -> int:
    port = free_port()
    assert server.stdin is not None
    server.stdin.write(f"{runtime} {package} {port}\n")
    server.stdin.flush()
    return port


# -- requests and answers -------------------------------------------------------------------------

METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")


def probe(route: dict[str, Any], declared: set[str]) -> tuple[str, str]:
    """(method, path) that reaches this route: parameters filled, `ANY` as a method the
    resource does not declare otherwise, `$default` on a path no other route has."""
    method = route["httpMethod"]
    if method == "ANY":
        method = next(m for m in METHODS if f"{m} {route['resourcePath']}" not in declared)
    if route["routeKey"] == "$default":
        return method, "/apigwc-default-probe"
    segments = []
    for segment in route["resourcePath"].split("/"):
        if segment.startswith("{") and segment.endswith("+}"):
            segments.append("a/b")
        elif segment.startswith("{"):
            segments.append("1")
        else:
            segments.append(segment)
    return method, "/".join(segments) or "/"


def answer_class(reply: Reply) -> str:
    """What a client sees, in one line: `2xx`, or status, error type and message."""
    if reply.status < 400:
        return f"{reply.status // 100}xx"
    try:
        body = json.loads(reply.body)
        message = json.dumps(body.get("message", body.get("Message")) if body else body)
    except (ValueError, AttributeError):
        message = repr(reply.body[:60])
    return f"{reply.status} {reply.header('x-amzn-ErrorType') or '-'} {message}"


def cause(answer: str, route: dict[str, Any], functions: dict[str, Any]) -> str:
    """The cause the spec explains; UNEXPLAINED when nothing the route declares does."""
    if answer in ("2xx", "3xx"):
        return "-"
    status = int(answer[:3])
    security, integration = route["security"], route["integration"]
    if "AuthorizerConfigurationException" in answer and "AUTHORIZER" in security:
        return NO_AUTHORIZER
    if answer.startswith("403 ForbiddenException") and "API_KEY" in security:
        return API_KEY_REQUIRED
    if "MissingAuthenticationToken" in answer or answer.startswith('404 - "Not Found"'):
        return UNEXPLAINED  # the request did not reach its route
    if status < 500:
        return VALIDATION if status == 400 and route.get("validation") else "-"
    kind = integration["type"]
    if kind is None:
        return NO_INTEGRATION
    uri = integration.get("uri") or ""
    if kind in ("HTTP", "HTTP_PROXY") and not re.match(r"https?://(\w|\$\{stageVariables\.)", uri):
        return NO_URL
    if kind in ("HTTP", "HTTP_PROXY") and "${stageVariables." in uri and status == 500:
        return NO_STAGE_VARIABLE  # the corpus specs define no stage variables
    if kind == "AWS" and integration.get("function") is None and "Exception" not in answer:
        return AWS_ANSWER  # not an error of the gateway's own (it would name its type)
    if kind in ("AWS", "AWS_PROXY") and integration.get("function") is None:
        return NEEDS_AWS
    if kind in ("AWS", "AWS_PROXY") and integration["function"] not in functions:
        return NO_HANDLER
    return UNEXPLAINED


def observe(rows: list[Row], tmp: Path) -> list[Observed]:
    """Build and serve each spec of the batch at once, one request per route."""
    found: list[Observed] = []
    with upstream() as upstream_port, fork_server() as server:
        served = []
        for index, row in enumerate(rows):
            spec = loopback_copy(row.path, tmp / f"s{index}", upstream_port)
            built = build(spec, tmp / f"b{index}")
            served.append((row, built, serve(server, tmp / f"b{index}" / "runtime", built.package)))
        for row, built, port in served:
            wait_for_port(port, server, timeout=60)
            found += _requests(row, built, port)
    return found


def _requests(row: Row, built: Built, port: int) -> list[Observed]:
    """One request per route, with valid credentials where the route is protected."""
    routes, functions = built.routes, built.functions
    declared = {f"{r['httpMethod']} {r['resourcePath']}" for r in routes}
    presenter = Presenter(built.api)
    found = []
    for ir_method, route in zip(built.api.methods, routes, strict=True):
        method, path = probe(route, declared)
        body = b"{}" if method in ("POST", "PUT", "PATCH") else b""
        headers = {"Content-Type": "application/json"}
        sent = presenter.present(ir_method, method, path, headers, body, port)
        reply = fetch(port, method, sent, headers, body)
        answer = answer_class(reply)
        route_key = f"{route['httpMethod']} {route['resourcePath']}"
        if route["routeKey"] == "$default":
            route_key = "$default"
        found.append(
            Observed(
                spec_name(row),
                route_key,
                f"{method} {path}",
                answer,
                cause(answer, route, functions),
            )
        )
    return found


# -- the table ------------------------------------------------------------------------------------


def read_table() -> dict[tuple[str, str], Observed]:
    lines = TABLE.read_text(encoding="utf-8").splitlines()
    assert tuple(lines[0].split("\t")) == COLUMNS, lines[0]
    rows = [Observed(*line.split("\t")) for line in lines[1:]]
    table = {r.key: r for r in rows}
    assert len(table) == len(rows), "a route is listed twice"
    return table


def write_table(observed: list[Observed]) -> None:
    old = read_table() if TABLE.is_file() else {}
    rows = []
    for found in sorted(observed, key=lambda o: o.key):
        before = old.get(found.key)
        kept = before is not None and before.answer == found.answer
        if kept and before is not None and before.cause.startswith(KNOWN):
            found = Observed(found.spec, found.route, found.request, found.answer, before.cause)
        rows.append(found)
    lines = ["\t".join(COLUMNS)] + ["\t".join(getattr(r, c) for c in COLUMNS) for r in rows]
    assert all(line.count("\t") == len(COLUMNS) - 1 for line in lines)
    TABLE.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _update() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        observed = [
            o for i, batch in enumerate(batches()) for o in observe(batch, Path(tmp) / str(i))
        ]
    write_table(observed)
    unexplained = [o for o in observed if o.cause == UNEXPLAINED]
    print(f"{len(observed)} routes written to {TABLE}; {len(unexplained)} unexplained")
    for o in unexplained:
        print(f"  {o.spec} {o.route}: {o.answer}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python -m tests.corpus_routes --update")
    _update()
