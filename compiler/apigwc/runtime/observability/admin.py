"""The admin port: every worker's metrics as one Prometheus page, off the API's own port.

Flows in: the metrics folder (`metrics.py`: one counter file and one series file per worker
process) and scrapes, `GET /metrics`, on the port of `python -m <pkg> --admin-port N`. Flows out:
the Prometheus text exposition (version 0.0.4) of the sums over every process: counters, and
`Latency` and `IntegrationLatency` as histograms in milliseconds.

The server is the standard library's, on a daemon thread of the process that starts the server
(uvicorn's supervisor under `--workers N`, else the worker itself): it reads files, so it never
touches an event loop; a scrape costs the API nothing but the CPU of the read.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .metrics import (
    BOUNDS,
    BUCKETS,
    CACHE_HIT,
    CACHE_MISS,
    COUNT,
    DATA,
    ERRORS_4XX,
    ERRORS_5XX,
    INTEGRATION,
    LATENCY,
    PREFIX,
    WIDTH,
)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# (CloudWatch's name, the slot counted, help), per API type (reference §8.5).
REST_COUNTERS = (
    ("Count", COUNT, "The total number of API requests."),
    ("4XXError", ERRORS_4XX, "The number of client-side errors."),
    ("5XXError", ERRORS_5XX, "The number of server-side errors."),
    ("CacheHitCount", CACHE_HIT, "The number of requests served from the API cache."),
    (
        "CacheMissCount",
        CACHE_MISS,
        "The number of requests served from the backend with caching on.",
    ),
)
HTTP_COUNTERS = (
    ("Count", COUNT, "The total number of API requests."),
    ("4xx", ERRORS_4XX, "The number of client-side errors."),
    ("5xx", ERRORS_5XX, "The number of server-side errors."),
    ("DataProcessed", DATA, "The amount of data processed in bytes."),
)
HISTOGRAMS = (
    ("Latency", LATENCY, "Milliseconds from the request received to the response returned."),
    ("IntegrationLatency", INTEGRATION, "Milliseconds the integration took to answer."),
)

Series = dict[tuple[tuple[str, str], ...], list[float]]


def collect(directory: Path) -> Series:
    """Each series' slots, summed over every process's counter file."""
    totals: Series = {}
    for layout in sorted(directory.glob("*.json")):
        try:
            meta = json.loads(layout.read_text(encoding="utf-8"))
            data = layout.with_suffix(".bin").read_bytes()
        except (OSError, ValueError):  # a worker starting or its files removed
            continue
        if meta.get("width") != WIDTH or len(data) < len(meta["series"]) * WIDTH * 8:
            continue
        values = memoryview(data).cast("d")
        for index, labels in enumerate(meta["series"]):
            slots = totals.setdefault(tuple(labels.items()), [0.0] * WIDTH)
            for slot in range(WIDTH):
                slots[slot] += values[index * WIDTH + slot]
    return totals


def exposition(directory: Path) -> bytes:
    """The Prometheus page of every series in `directory`."""
    totals = collect(directory)
    http = any(key and key[0][0] == "ApiId" for key in totals)
    lines: list[str] = []
    for name, slot, text in HTTP_COUNTERS if http else REST_COUNTERS:
        lines += _family(name, "counter", text)
        lines += (f"{PREFIX}{name}{_labels(key)} {_number(s[slot])}" for key, s in totals.items())
    for name, slot, text in HISTOGRAMS:
        lines += _family(name, "histogram", text)
        for key, slots in totals.items():
            lines += _histogram(PREFIX + name, key, slots[slot : slot + 1 + BUCKETS])
    return ("\n".join(lines) + "\n").encode("utf-8")


def _family(name: str, kind: str, text: str) -> list[str]:
    return [f"# HELP {PREFIX}{name} {text} (CloudWatch: {name})", f"# TYPE {PREFIX}{name} {kind}"]


def _histogram(name: str, key: tuple[tuple[str, str], ...], slots: list[float]) -> Iterator[str]:
    """`_bucket` lines (cumulative, `le` in milliseconds), then `_sum` and `_count`."""
    total = 0.0
    for bound, count in zip((*BOUNDS, None), slots[1:], strict=True):
        total += count
        le = "+Inf" if bound is None else repr(bound)
        yield f"{name}_bucket{_labels(key, le)} {_number(total)}"
    yield f"{name}_sum{_labels(key)} {_number(slots[0])}"
    yield f"{name}_count{_labels(key)} {_number(total)}"


def _labels(key: tuple[tuple[str, str], ...], le: str | None = None) -> str:
    pairs = [*key, ("le", le)] if le is not None else list(key)
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in pairs) + "}"


def _escape(value: str) -> str:
    """A label value as the exposition format writes it: `\\`, `"` and newlines escaped."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def serve(host: str, port: int, directory: Path) -> ThreadingHTTPServer:
    """The admin server on `host:port`, answering on a daemon thread (raises OSError when the
    port cannot be bound)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?", 1)[0] != "/metrics":
                self._answer(404, b"not found: the metrics are at /metrics\n")
                return
            self._answer(200, exposition(directory))

        def _answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", CONTENT_TYPE)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return  # scrapes are not API requests: no line in the access log or stderr

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="apigwc-admin", daemon=True).start()
    return server


def start(host: str, port: int) -> str:
    """A new metrics folder (removed at exit) and the admin server reading it; the folder's
    path, for the workers' options. Raises OSError when the port cannot be bound."""
    directory = tempfile.mkdtemp(prefix="apigwc-metrics-")
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    serve(host, port, Path(directory))
    return directory
