"""The developer's console: one readable line per request, and handler output tagged with it.

Flows in: per answered request, the request, the route it matched (its `routeKey` and
integration `type`), the stage and the status; and whatever local Lambda handlers `print` or log.
Flows out: lines on stdout, `text` (for a person: colours by status class only when stdout is a
terminal and `NO_COLOR` is not set) or `json` (one object a line, for machines).

This is apigwc's own line, not API Gateway's: the stage's access log (`access_log.py`, the
`$context` format of `accessLog.format`, or API Gateway's CLF line) is the log CloudWatch would
hold, and goes to stderr; the console line goes to stdout, so each can be kept or dropped on its
own (`--log-format off`, `--no-access-log`) and a pipe of one never mixes in the other.
`apigwc serve` writes the access log only for the stages that set a format (as API Gateway), so
by default a request is one line: this one, and the access log's too only where asked for.

No secret reaches a line: the path is printed without its query string, and no header or body
is. Control characters of a path are escaped, so a request cannot forge a line.

Cost: the event loop appends one small tuple of values it already holds to a bounded deque per
request (formatting nothing); the background thread (`background.py`) formats and writes the
lines in batches every `background.INTERVAL` seconds (waking a thread per line cost more than
the line), so a slow terminal never stalls the loop. When the buffer is full the oldest lines are dropped.

Handler output: a Lambda handler's `print` and `logging` lines are tagged with the request they
belong to, since concurrent invocations on the handler threads interleave. `HandlerOutput`
replaces `sys.stdout` and `sys.stderr` and prefixes each line written on a thread running a
handler (`integrations/invocation.py`) with the function's name and API Gateway's request id of
the event (`requestContext.requestId`, the id the console line and the client's
`x-amzn-RequestId` carry), else Lambda's `aws_request_id`; other threads' output is untouched.
The root logger gets Lambda's Python log format (`[LEVEL]\\ttime\\trequestId\\tmessage`) when no
handler configured one. Lambda's `START`/`END`/`REPORT` lines are not written: the console line
carries the latency, and REPORT's billed duration and memory have no local meaning.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from collections.abc import Mapping
from typing import IO, Any

from ..integrations import invocation
from .access_log import BatchWriter

FORMATS = ("text", "json", "off")
_COLOURS = {2: "\x1b[32m", 3: "\x1b[36m", 4: "\x1b[33m", 5: "\x1b[31m"}
_DIM, _RESET = "\x1b[2m", "\x1b[0m"
# Control characters a path may carry, escaped so that one request stays one line.
_ESCAPES = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F)}

# What the event loop appends per answered request: (epoch, answered epoch, method, path,
# status, the matched route's data or None, request id, stage). Nothing is formatted on the
# loop; the writer thread renders a batch (the route's label once per route, the time of day
# once per second).
Record = tuple[float, float, str, str, int, "Mapping[str, Any] | None", str, str]


def use_colour(stream: IO[str]) -> bool:
    """Colours only for a person: a terminal, and no `NO_COLOR` (no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


_THREE_DIGITS = tuple(f"{n:03d}" for n in range(1000))  # milliseconds and statuses, no int format
# "0.0ms" to "99.9ms" by tenths of a millisecond: a local request's usual latencies, looked up.
_LATENCIES = tuple(f"{tenths // 10}.{tenths % 10}ms" for tenths in range(1000))


def _latency(epoch: float, done: float) -> str:
    """Milliseconds with one decimal, rounded (integer arithmetic: a float format per line cost
    half a microsecond)."""
    tenths = max(0, int((done - epoch) * 10000 + 0.5))
    return _LATENCIES[tenths] if tenths < 1000 else f"{tenths // 10}.{tenths % 10}ms"


# The "routeKey (integration type)" label of each route seen, by the identity of its data (the
# plan's, held for the process's life; the data is kept here too, so an id is never reused).
_labels: dict[int, tuple[Mapping[str, Any], str]] = {}


def _route_parts(route: Mapping[str, Any] | None) -> tuple[str | None, str | None]:
    if route is None:
        return None, None
    return route.get("routeKey"), (route.get("integration") or {}).get("type")


def _route_label(route: Mapping[str, Any] | None) -> str:
    if route is None:
        return "- (-)"
    known = _labels.get(id(route))
    if known is None:
        route_key, integration = _route_parts(route)
        known = _labels[id(route)] = (route, f"{route_key or '-'} ({integration or '-'})")
    return known[1]


def render_text(batch: list[Record], colour: bool) -> str:
    """The text lines of a batch, one loop on the writer thread: the time of day is formatted
    once per second, a route's label once per route, statuses and short latencies looked up
    (the line cost 1.8 us formatted piece by piece, 1.0 us so)."""
    lines: list[str] = []
    append, digits, latencies, labels = lines.append, _THREE_DIGITS, _LATENCIES, _labels
    second, clock = -1, ""
    for epoch, done, method, path, status, route, request_id, _ in batch:
        millis = int(epoch * 1000)
        if millis // 1000 != second:
            second = millis // 1000
            clock = time.strftime("%H:%M:%S.", time.localtime(second))
        if not path.isprintable():
            path = path.translate(_ESCAPES)
        known = labels.get(id(route))
        label = known[1] if known is not None else _route_label(route)
        tenths = int((done - epoch) * 10000 + 0.5)
        latency = latencies[tenths] if 0 <= tenths < 1000 else _latency(epoch, done)
        if colour:
            append(
                f"{clock}{digits[millis % 1000]} {method} {path} "
                f"{_COLOURS.get(status // 100, '')}{status}{_RESET} {latency} "
                f"{_DIM}{label}{_RESET} {_DIM}{request_id}{_RESET}"
            )
            continue
        append(
            f"{clock}{digits[millis % 1000]} {method} {path} "
            f"{digits[status] if 0 <= status < 1000 else status} {latency} {label} {request_id}"
        )
    return "\n".join(lines)


def render_json(record: Record) -> str:
    epoch, done, method, path, status, route, request_id, stage = record
    at = (
        time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch * 1000) % 1000:03d}Z"
    )
    route_key, integration = _route_parts(route)
    return json.dumps(
        {
            "time": at,
            "requestId": request_id,
            "method": method,
            "path": path,
            "status": status,
            "latencyMs": round(max(0.0, (done - epoch) * 1000), 3),
            "routeKey": route_key,
            "integration": integration,
            "stage": stage,
        },
        separators=(",", ":"),
    )


class ConsoleLog:
    """The console line of one gateway process."""

    def __init__(self, fmt: str, stream: IO[str] | None = None) -> None:
        self.fmt = fmt
        self.stream = stream
        self.colour = fmt == "text" and use_colour(stream or sys.stdout)
        # The access log's batch writer (access_log.py), rendering this log's records.
        self.writer = BatchWriter(stream, "stdout", self._render)
        # One `Record` per answered request, appended by the gateway's `sent` (finish.py) on the
        # event loop: atomic; the writer pops from the other end.
        self.put = self.writer.lines.append
        self.flush = self.writer.flush

    def _render(self, batch: list[Record]) -> str:
        if self.fmt == "json":
            return "\n".join([render_json(r) for r in batch])
        return render_text(batch, self.colour)


# -- handler output ---------------------------------------------------------------------------


def invocation_tag() -> tuple[str, str] | None:
    """(function name, request id) of the handler running on this thread, or None."""
    running = getattr(invocation.current, "invocation", None)
    if running is None:
        return None
    event, context, _ = running
    request_id = None
    if isinstance(event, dict):
        request_context = event.get("requestContext")
        if isinstance(request_context, dict):
            request_id = request_context.get("requestId")
    return context.function_name, str(request_id or context.aws_request_id)


class HandlerOutput:
    """A text stream whose lines written by a handler's thread carry the invocation's tag."""

    def __init__(self, stream: IO[str], fmt: str) -> None:
        self.stream = stream
        self.fmt = fmt
        self.partial = threading.local()

    def write(self, text: str) -> int:
        tag = invocation_tag()
        if tag is None:
            return self.stream.write(text)
        pending = getattr(self.partial, "text", "") + text
        *lines, rest = pending.split("\n")
        self.partial.text = rest
        if lines:
            self.stream.write("".join(self._tagged(tag, line) + "\n" for line in lines))
        return len(text)

    def _tagged(self, tag: tuple[str, str], line: str) -> str:
        function, request_id = tag
        if self.fmt == "json":
            record = {"requestId": request_id, "function": function, "message": line}
            return json.dumps(record, separators=(",", ":"))
        return f"{request_id} {function} | {line}"

    def flush(self) -> None:
        self.stream.flush()

    def __getattr__(self, name: str) -> Any:  # encoding, isatty, fileno, ... of the stream
        return getattr(self.stream, name)


class _RequestIdFilter(logging.Filter):
    """Gives log records Lambda's `aws_request_id` (the invocation's, else empty)."""

    def filter(self, record: logging.LogRecord) -> bool:
        tag = invocation_tag()
        record.aws_request_id = tag[1] if tag else ""
        return True


# Lambda's Python runtime's log format (its bootstrap's `LambdaLoggerHandler`).
LAMBDA_LOG_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s"


def install_handler_output(fmt: str) -> None:
    """Tag handler output on stdout and stderr; give the root logger Lambda's format unless
    something configured it already. Once per process."""
    if isinstance(sys.stdout, HandlerOutput) or fmt == "off":
        return
    raw = sys.stderr
    sys.stdout = HandlerOutput(sys.stdout, fmt)
    sys.stderr = HandlerOutput(sys.stderr, fmt)
    root = logging.getLogger()
    if root.handlers:
        return
    # The untagged stream: Lambda's format carries the request id itself.
    handler = logging.StreamHandler(raw)
    formatter = logging.Formatter(LAMBDA_LOG_FORMAT, "%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    handler.addFilter(_RequestIdFilter())
    root.addHandler(handler)
