"""What the gateway adds to an SQS SendMessage call (issue 14: at most 1 ms added p50).

    .venv/bin/python benchmarks/aws_bench.py [--requests 400] [--warmup 50]

A moto server (its own process, 127.0.0.1) holds a queue. The same SendMessage (SQS's JSON
protocol, as botocore sends it today) is made three ways, one connection each, one request at a
time, interleaved request by request so that the shared machine's drift enters every path alike:

- **gateway**: `POST /orders/json` of `specs/aws/messaging.yaml` through the generated gateway
  (uvicorn, one worker, no access log), which renders the mapping template, signs the request
  with botocore's SigV4 signer and sends it to moto over its pooled client;
- **botocore client**: `sqs.send_message` of a boto3 client (urllib3, one pooled connection):
  the "same signed call made directly with botocore";
- **botocore signed request**: the gateway's own request bytes signed with `SigV4Auth` and sent
  on a kept-alive `http.client` connection: the call without an SDK client around it.

Each path's p50 latency is printed with the gateway's added p50 over each direct path (the
issue's figure is over the botocore client; the signed-request figure is the stricter one).

`--stub` puts a minimal SQS-compatible endpoint (http.server, HTTP/1.1 keep-alive, a fixed
SendMessage answer, its own process) in moto's place: moto's own time per call (tens of
milliseconds on a loaded shared machine, and as variable) hides a 1 ms difference, while the
stub's is small and steady, so the added p50 is the gateway's own cost.
Benchmarks measure, tests assert: the exit status is non-zero only when a measurement crashed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apigwc.pipeline import build
from runtime_bench import free_port, gateway, wait

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "specs" / "aws" / "messaging.yaml"
KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
BODY = b'{"item": "book", "qty": 2}'


STUB = """
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
ANSWER = b'{"MD5OfMessageBody": "0", "MessageId": "5fea7756-0ea4-451a-a703-a558b933e274"}'
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args):
        pass
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if "CreateQueue" in self.headers.get("X-Amz-Target", ""):
            body = b'{"QueueUrl": "http://127.0.0.1/123456789012/orders"}'
        else:
            body = ANSWER
        head = "HTTP/1.1 200 OK\\r\\nContent-Type: application/x-amz-json-1.0\\r\\n"
        head += "Content-Length: %d\\r\\n\\r\\n" % len(body)
        self.wfile.write(head.encode() + body)  # one write: no Nagle wait between two
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


def moto(port: int, stub: bool = False) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    if stub:
        command = [sys.executable, "-c", STUB, str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait(port)
    return process


def timed(call: Callable[[], int]) -> float:
    start = time.perf_counter()
    status = call()
    elapsed = time.perf_counter() - start
    if status != 200:
        raise RuntimeError(f"answered {status}")
    return elapsed * 1000


class Keep:
    """One kept-alive HTTP/1.1 connection."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def send(self, method: str, path: str, headers: dict[str, str], body: bytes) -> int:
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        response.read()
        return response.status


def signed_call(endpoint_port: int, queue_url: str) -> Callable[[], int]:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    keep = Keep(endpoint_port)
    credentials = Credentials("testing", "testing")
    body = json.dumps({"QueueUrl": queue_url, "MessageBody": BODY.decode()}).encode()
    url = f"http://127.0.0.1:{endpoint_port}/"

    def call() -> int:
        headers = {
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "AmazonSQS.SendMessage",
        }
        request = AWSRequest("POST", url, data=body, headers=headers)
        SigV4Auth(credentials, "sqs", "us-east-1").add_auth(request)
        return keep.send("POST", "/", dict(request.headers.items()), body)

    return call


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--stub", action="store_true", help="a fixed SQS answer, not moto")
    args = parser.parse_args()
    import boto3
    from botocore.config import Config

    moto_port, gateway_port = free_port(), free_port()
    endpoint = f"http://127.0.0.1:{moto_port}"
    server = moto(moto_port, args.stub)
    served = None
    try:
        config = Config(max_pool_connections=1, retries={"max_attempts": 1})
        sqs = boto3.client(
            "sqs", endpoint_url=endpoint, region_name="us-east-1", config=config, **KEYS
        )
        queue = sqs.create_queue(QueueName="orders")["QueueUrl"]
        with tempfile.TemporaryDirectory() as tmp:
            built = build(SPEC, Path(tmp) / "out")
            package = f"{built.compilation.api.slug}_gateway"  # type: ignore[union-attr]
            os.environ.update(
                AWS_ENDPOINT_URL=endpoint,
                AWS_ACCESS_KEY_ID="testing",
                AWS_SECRET_ACCESS_KEY="testing",
            )
            served = gateway(
                package, gateway_port, Path(tmp) / "out" / "runtime", "uvicorn", Path(tmp) / "log"
            )
            through = Keep(gateway_port)
            paths: dict[str, Callable[[], int]] = {
                "gateway": lambda: through.send(
                    "POST", "/orders/json", {"Content-Type": "application/json"}, BODY
                ),
                "botocore client": lambda: int(
                    sqs.send_message(QueueUrl=queue, MessageBody=BODY.decode())["ResponseMetadata"][
                        "HTTPStatusCode"
                    ]
                ),
                "botocore signed request": signed_call(moto_port, queue),
            }
            samples = measure(paths, args.requests, args.warmup)
    finally:
        if served is not None:
            served.terminate()
        server.terminate()
    report(samples, args.requests, "a stub SQS endpoint" if args.stub else "moto")
    return 0


def measure(
    paths: dict[str, Callable[[], int]], requests: int, warmup: int
) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {name: [] for name in paths}
    for index in range(warmup + requests):
        for name, call in paths.items():
            elapsed = timed(call)
            if index >= warmup:
                samples[name].append(elapsed)
    return samples


def report(samples: dict[str, list[float]], requests: int, where: str) -> None:
    p50 = {name: statistics.median(values) for name, values in samples.items()}
    print(f"SQS SendMessage at {where}, one connection, {requests} requests per path, interleaved")
    print(f"{'path':<26}{'p50 ms':>9}{'p90 ms':>9}")
    for name, values in samples.items():
        p90 = statistics.quantiles(values, n=10)[-1]
        print(f"{name:<26}{p50[name]:>9.2f}{p90:>9.2f}")
    for direct in ("botocore client", "botocore signed request"):
        added = p50["gateway"] - p50[direct]
        verdict = "ok" if added <= 1.0 else "OVER"
        print(f"gateway added p50 over {direct}: {added:+.2f} ms (target 1 ms: {verdict})")


if __name__ == "__main__":
    sys.exit(main())
