"""A tiny AWS-compatible endpoint for what moto cannot answer here: Lambda's Invoke API (moto
runs functions in Docker, absent on this machine) and AppConfig's GetConfiguration (not in
moto). It serves on 127.0.0.1 in a thread and checks every request's SigV4 signature with
botocore's signer for the keys it knows (the signature the gateway sent must be the one
botocore computes for the same request, service and region), then answers as the service:

- `POST /2015-03-31/functions/{name or ARN}/invocations`: the registered Python function
  called with the JSON payload; its result as JSON, or `X-Amz-Function-Error: Unhandled` with
  `{"errorMessage", "errorType"}` when it raises; 404 `ResourceNotFoundException` for an
  unknown function.
- `GET /applications/{a}/environments/{e}/configurations/{c}?client_id=…`: the configuration's
  bytes with its `Content-Type` and `Configuration-Version`.
- `POST /` with `X-Amz-Target: AWSStepFunctions.StartSyncExecution` (moto has no Express
  workflows): a run of a pass-through state machine, its output the input, as AWS answers
  (`executionArn`, `status`, `output`, …).

A request whose signature does not verify is answered 403 `InvalidSignatureException`; each
request is recorded (method, path, query, headers, body, the signing access key and service).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

_AUTH = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request, SignedHeaders=(?P<signed>[^,]+), Signature=(?P<sig>[0-9a-f]+)"
)
_INVOKE = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations$")
_CONFIG = re.compile(
    r"^/applications/(?P<a>[^/]+)/environments/(?P<e>[^/]+)/configurations/(?P<c>[^/]+)$"
)


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    access_key: str
    service: str
    region: str


@dataclass
class SignedEndpoint:
    keys: dict[str, str]  # access key -> secret key
    functions: dict[str, Callable[[Any], Any]] = field(default_factory=dict)
    configurations: dict[tuple[str, str, str], tuple[str, bytes]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    url: str = ""


def verify(method: str, url: str, headers: dict[str, str], body: bytes, secret: str) -> bool:
    """The request's signature equals the one botocore's SigV4 signer computes."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    found = _AUTH.match(headers.get("authorization", ""))
    if found is None:
        return False
    signed = found["signed"].split(";")
    request = AWSRequest(
        method=method, url=url, data=body, headers={k: headers.get(k, "") for k in signed}
    )
    request.context["timestamp"] = headers.get("x-amz-date", "")
    token = headers.get("x-amz-security-token")
    signer = SigV4Auth(Credentials(found["key"], secret, token), found["service"], found["region"])
    # botocore signs the headers it is given, less a few it never signs: sign exactly these.
    signer.headers_to_sign = lambda _request: request.headers  # type: ignore[method-assign]
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    return bool(expected == found["sig"])


class _Handler(BaseHTTPRequestHandler):
    endpoint: SignedEndpoint

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        found = _AUTH.match(headers.get("authorization", ""))
        secret = self.endpoint.keys.get(found["key"]) if found else None
        url = f"http://{headers.get('host', '')}{self.path}"
        if found is None or secret is None or not verify(self.command, url, headers, body, secret):
            self._answer(403, {"x-amzn-ErrorType": "InvalidSignatureException"}, b"{}")
            return
        parts = urlsplit(self.path)
        self.endpoint.received.append(
            Received(
                self.command,
                parts.path,
                dict(parse_qsl(parts.query)),
                headers,
                body,
                found["key"],
                found["service"],
                found["region"],
            )
        )
        self._route(parts.path, dict(parse_qsl(parts.query)), body)

    def _route(self, path: str, query: dict[str, str], body: bytes) -> None:
        invoke, config = _INVOKE.match(path), _CONFIG.match(path)
        target = self.headers.get("X-Amz-Target", "")
        if self.command == "POST" and invoke:
            self._invoke(unquote(invoke["name"]), body)
        elif self.command == "POST" and target == "AWSStepFunctions.StartSyncExecution":
            self._start_sync(json.loads(body))
        elif self.command == "GET" and config and query.get("client_id"):
            key = (unquote(config["a"]), unquote(config["e"]), unquote(config["c"]))
            found = self.endpoint.configurations.get(key)
            if found is None:
                self._answer(404, {"x-amzn-ErrorType": "ResourceNotFoundException"}, b"{}")
                return
            kind, content = found
            self._answer(200, {"Content-Type": kind, "Configuration-Version": "1"}, content)
        else:
            self._answer(400, {"x-amzn-ErrorType": "ValidationException"}, b"{}")

    def _invoke(self, name: str, payload: bytes) -> None:
        function = self.endpoint.functions.get(name.split(":function:")[-1].split(":")[0])
        if function is None:
            self._answer(404, {"x-amzn-ErrorType": "ResourceNotFoundException"}, b"{}")
            return
        try:
            result = json.dumps(function(json.loads(payload or b"null"))).encode()
        except Exception as error:
            document = {"errorMessage": str(error), "errorType": type(error).__name__}
            self._answer(200, {"X-Amz-Function-Error": "Unhandled"}, json.dumps(document).encode())
            return
        self._answer(200, {"Content-Type": "application/json"}, result)

    def _start_sync(self, request: dict[str, Any]) -> None:
        machine = str(request.get("stateMachineArn", ""))
        name = request.get("name") or "run-1"
        document = {
            "executionArn": machine.replace(":stateMachine:", ":express:") + f":{name}:0",
            "stateMachineArn": machine,
            "name": name,
            "startDate": 1.7e9,
            "stopDate": 1.7e9,
            "status": "SUCCEEDED",
            "input": request.get("input", "{}"),
            "output": request.get("input", "{}"),
        }
        answer = json.dumps(document).encode()
        self._answer(200, {"Content-Type": "application/x-amz-json-1.0"}, answer)

    def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def signed_endpoint(keys: dict[str, str]) -> Iterator[SignedEndpoint]:
    endpoint = SignedEndpoint(keys)
    handler = type("Handler", (_Handler,), {"endpoint": endpoint})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield endpoint
    finally:
        server.shutdown()
        server.server_close()
