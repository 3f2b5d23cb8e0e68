"""The gateway's own access log: one line per request, written after the response is sent.

Flows in: the stage's `accessLog.format` (`x-apigwc.stages.<s>.accessLog.format`, in the
generated API data as `stages.<s>.accessLogFormat`), else `DEFAULT_FORMAT` (or no line, for
`apigwc serve`'s default: `AccessLog.configured_only`); then, per request,
the request, the route it matched, the stage and the response. Flows out: lines on stderr,
stdout or appended to a file (`--access-log`).

A format is compiled once, at start-up, into one function building one f-string
(`compile_line`): the variables of the console presets are fixed expressions over the request,
any other goes through its getter; `compile_format` and `render` are the same rules as pieces and
getters, the reference the compiled line is tested against. Variables
are substituted as API Gateway substitutes them in access logs: a variable with no value here
(`$context.integrationLatency`, `$context.identity.caller` of a request no IAM signature
authenticated, `$context.authorizer.*` of a request no Lambda authorizer allowed, any name the runtime does not know) prints `-` (reference §9, "Unset variables in access logs print as
`-`"). Only API Gateway's `$context` variables exist, and none of them holds an Authorization
header, an API key or a query string value, so no secret of the request reaches the log unless
the format itself names a variable holding one: `$context.identity.apiKey` prints the key a
method requiring one accepted, as in API Gateway, and only when the format names it.

The default line is API Gateway's CLF example format (reference §9, stage access logging):
`sourceIp caller user [requestTime] "httpMethod resourcePath protocol" status responseLength
requestId extendedRequestId` (caller and user print `-`; resourcePath is `-` when no route
matched).

Lines go to a bounded in-memory buffer (a deque: one append per request, no lock held by the
event loop) that the process's background thread (`background.py`, shared with the console line
and the metrics) writes in batches, so a slow or blocked destination never
stalls the event loop; when the buffer is full the oldest lines are dropped, keeping memory
bounded. The thread wakes on a clock (`background.INTERVAL`), not per line. Lines
are rendered on the event loop (a few microseconds) rather than in the thread: a buffered entry
would hold its request, body included, until written. What is left is flushed at exit.
"""

from __future__ import annotations

import atexit
import re
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO, Any

from ..pipeline.context import Request, _clf_second
from .background import every_interval, run_all

DEFAULT_FORMAT = (
    "$context.identity.sourceIp $context.identity.caller $context.identity.user "
    '[$context.requestTime] "$context.httpMethod $context.resourcePath $context.protocol" '
    "$context.status $context.responseLength $context.requestId $context.extendedRequestId"
)
# `$context.a.b`: dotted names; a trailing dot belongs to the text after the variable.
_VARIABLE = re.compile(r"\$context\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)")
_BUFFER_LINES = 65536  # lines held for the writer thread at most (oldest dropped beyond)


@dataclass(slots=True)
class Entry:
    """What one finished request offers the getters."""

    request: Request
    route: Mapping[str, Any] | None
    stage: str
    status: int
    length: int
    done: float
    api: Mapping[str, Any]


Getter = Callable[[Entry], object]


def _route_value(key: str) -> Getter:
    return lambda e: e.route.get(key) if e.route else None


def _host(e: Entry) -> str | None:
    return e.request.header("host")


def _path(e: Entry) -> str:
    path = e.request.path
    return path if e.stage == "$default" else f"/{e.stage}{path}"


def _latency(e: Entry) -> int:
    return max(0, int((e.done - e.request.epoch) * 1000))


# The `$context` variables the runtime knows a value of (reference §3.4 and the access-log
# variables); every other name prints `-`.
GETTERS: dict[str, Getter] = {
    "accountId": lambda e: e.api.get("account"),
    "apiId": lambda e: e.api.get("apiId"),
    "deploymentId": lambda e: e.api.get("deploymentId"),
    "domainName": _host,
    "domainPrefix": lambda e: (_host(e) or "").split(".", 1)[0].split(":", 1)[0] or None,
    "extendedRequestId": lambda e: e.request.extended_request_id,
    "httpMethod": lambda e: e.request.method,
    "identity.apiKey": lambda e: e.request.api_key[0] if e.request.api_key else None,
    "identity.apiKeyId": lambda e: e.request.api_key[1] if e.request.api_key else None,
    "identity.sourceIp": lambda e: e.request.source_ip,
    "identity.userAgent": lambda e: e.request.header("user-agent"),
    "path": _path,
    "protocol": lambda e: "HTTP/1.1",
    "requestId": lambda e: e.request.request_id,
    "requestTime": lambda e: _clf_second(int(e.request.epoch)),
    "requestTimeEpoch": lambda e: int(e.request.epoch * 1000),
    "resourceId": _route_value("resourceId"),
    "resourcePath": _route_value("resourcePath"),
    "routeKey": _route_value("routeKey"),
    "responseLatency": _latency,
    "responseLength": lambda e: e.length,
    "stage": lambda e: e.stage,
    "status": lambda e: e.status,
}


def _unset(_: Entry) -> None:
    return None


def _caller_value(key: str) -> Getter:
    """`$context.identity.<key>` of an IAM caller (accessKey, accountId, caller, user,
    userArn), `-` for any other request."""

    def value(e: Entry) -> object:
        caller = e.request.caller
        return caller.get(key) if caller is not None else None

    return value


_CALLER_KEYS = ("accessKey", "accountId", "caller", "user", "userArn")
GETTERS.update({f"identity.{key}": _caller_value(key) for key in _CALLER_KEYS})


def _authorizer_value(key: str) -> Getter:
    """`$context.authorizer.<key>`: what a Lambda authorizer let through (principalId, its
    context values, integrationLatency), `-` for a request no authorizer allowed."""

    def value(e: Entry) -> object:
        authorizer = e.request.authorizer
        return authorizer.get(key) if authorizer is not None else None

    return value


def _claim_value(claim: str) -> Getter:
    """`$context.authorizer.claims.<name>`: a claim a Cognito or JWT authorizer verified
    (reference §2.8), `-` for a request no such authorizer allowed."""

    def value(e: Entry) -> object:
        claims = (e.request.authorizer or {}).get("claims")
        return claims.get(claim) if isinstance(claims, dict) else None

    return value


def _getter(name: str) -> Getter:
    if name.startswith("authorizer.") and "." not in name[len("authorizer.") :]:
        return _authorizer_value(name[len("authorizer.") :])
    if name.startswith("authorizer.claims."):
        return _claim_value(name[len("authorizer.claims.") :])
    return GETTERS.get(name, _unset)


def compile_format(text: str) -> tuple[str | Getter, ...]:
    """`text` as literal pieces and getters, in order (once per stage, at start-up)."""
    pieces: list[str | Getter] = []
    at = 0
    for found in _VARIABLE.finditer(text):
        if found.start() > at:
            pieces.append(text[at : found.start()])
        pieces.append(_getter(found.group(1)))
        at = found.end()
    if at < len(text):
        pieces.append(text[at:])
    return tuple(pieces)


def render(pieces: tuple[str | Getter, ...], entry: Entry) -> str:
    """One line: literals as they are, each variable's value, or `-` when it has none."""
    out = []
    for piece in pieces:
        if isinstance(piece, str):
            out.append(piece)
        else:
            value = piece(entry)
            out.append("-" if value is None or value == "" else str(value))
    return "".join(out)


# -- the request path: a format compiled into one function -------------------------------------

Line = Callable[[Request, "Mapping[str, Any] | None", str, int, int], str]

# Python expressions of the variables every preset names, over the line function's arguments
# (`r` the request, `route`, `stage`, `status`, `length`): no getter call, no `Entry`. Each gives
# what `render` gives (a dash for no value). Only these fixed texts and generated names enter the
# function's source; the format's own text is a constant of its namespace, never source. (No
# `'` inside them: the f-string that holds them is written with `repr`.)
_INLINE = {
    "requestId": "r.request_id",
    "extendedRequestId": "r.extended_request_id",
    "httpMethod": "r.method",
    "identity.sourceIp": '(r.source_ip or "-")',
    "status": "(small[status] if 0 <= status < 1000 else status)",
    "responseLength": "(small[length] if 0 <= length < 1000 else length)",
    "requestTime": "clf(int(r.epoch))",
    "requestTimeEpoch": "int(r.epoch * 1000)",
    "protocol": '"HTTP/1.1"',
    "stage": '(stage or "-")',
    "resourcePath": '((route.get("resourcePath") if route else None) or "-")',
    "resourceId": '((route.get("resourceId") if route else None) or "-")',
    "routeKey": '((route.get("routeKey") if route else None) or "-")',
    "responseLatency": "max(0, int((now() - r.epoch) * 1000))",
    "identity.userAgent": '(r.header("user-agent") or "-")',
    "domainName": '(r.header("host") or "-")',
    "identity.apiKey": '((r.api_key[0] if r.api_key else None) or "-")',
    "identity.apiKeyId": '((r.api_key[1] if r.api_key else None) or "-")',
    "apiId": '(api.get("apiId") or "-")',
    "accountId": '(api.get("account") or "-")',
    "deploymentId": '(api.get("deploymentId") or "-")',
}
# `$context.identity.<key>` of an IAM caller (the CLF preset names `caller` and `user`).
_INLINE.update(
    {
        f"identity.{key}": f'((r.caller.get("{key}") if r.caller is not None else None) or "-")'
        for key in ("accessKey", "accountId", "caller", "user", "userArn")
    }
)


# The text of the numbers below 1000, looked up: a status and most local bodies' lengths (two
# int formats were a seventh of a CLF line's instructions).
_SMALL_NUMBERS = tuple(str(n) for n in range(1000))


def _dash(value: object) -> object:
    return "-" if value is None or value == "" else value


def compile_line(text: str, api: Mapping[str, Any]) -> Line:
    """`text` as one function of the finished request that returns its line, the same as
    `render(compile_format(text), entry)`, compiled once per stage at start-up into one f-string:
    a request costs one call and one string build (no template parsed per request, as `%`
    formatting would). A variable in `_INLINE` is an expression over the arguments; any other
    goes through its getter (an `Entry` is made only then). The format's literal text is
    written with its braces doubled and the whole f-string through `repr`, which escapes every
    quote and backslash: the text prints as it is and never runs (tested with code-like text)."""
    pieces: list[str] = []
    namespace: dict[str, Any] = {"clf": _clf_second, "dash": _dash, "Entry": Entry}
    namespace["small"] = _SMALL_NUMBERS
    namespace |= {"api": api, "now": time.time}
    at, getters = 0, 0
    for found in _VARIABLE.finditer(text):
        pieces.append(_literal(text[at : found.start()]))
        name, at = found.group(1), found.end()
        if name in _INLINE:
            pieces.append("{" + _INLINE[name] + "}")
        else:
            namespace[f"g{getters}"] = _getter(name)
            pieces.append(f"{{dash(g{getters}(e))}}")
            getters += 1
    pieces.append(_literal(text[at:]))
    source = "def line(r, route, stage, status, length):\n"
    if getters:
        source += "    e = Entry(r, route, stage, status, length, now(), api)\n"
    source += f"    return f{''.join(pieces)!r}\n"
    exec(compile(source, "<access log format>", "exec"), namespace)
    line: Line = namespace["line"]
    return line


def _literal(text: str) -> str:
    """A literal piece of the format as f-string text: its braces doubled (`repr` escapes
    the rest when the whole f-string is written)."""
    return text.replace("{", "{{").replace("}", "}}")


def stage_formats(api: Mapping[str, Any]) -> dict[str, str | None]:
    """Each stage's `accessLog.format`, None for a stage whose spec sets none."""
    return {
        name: str((stage or {}).get("accessLogFormat") or "") or None
        for name, stage in (api.get("stages") or {}).items()
    }


class AccessLog:
    """The access log of one gateway process: a compiled format per stage and the writer.

    `destination` is where lines go: `stderr` (the default), `stdout`, or a file path (opened
    for appending; several workers append whole batches, each one `write`). `configured_only`
    (`apigwc serve`'s default) writes lines only for the stages whose spec sets a format, as
    API Gateway writes an access log only for a stage that configures one; otherwise a stage
    without a format gets the CLF line (`python -m <pkg>`'s default, a server's usual log)."""

    def __init__(
        self,
        api: Mapping[str, Any],
        stream: IO[str] | None = None,
        destination: str = "stderr",
        configured_only: bool = False,
    ) -> None:
        self.api = api
        self.default = None if configured_only else compile_line(DEFAULT_FORMAT, api)
        self.lines: dict[str, Line | None] = {
            name: self.default if text is None else compile_line(text, api)
            for name, text in stage_formats(api).items()
        }
        self.writer = BatchWriter(stream, destination)
        self.put = self.writer.lines.append  # atomic; the writer pops from the other end

    def line_of(self, stage: str) -> Line | None:
        """The compiled line of `stage` (the gateway holds the served stage's); None for a stage
        that writes none."""
        return self.lines.get(stage, self.default)


def check_destination(destination: str) -> None:
    """Raise OSError when `destination` is a file that cannot be opened for appending (the
    command line refuses it before any worker starts)."""
    if destination not in ("stderr", "stdout"):
        with open(destination, "ab"):
            pass


class BatchWriter:
    """Lines from the event loop to the destination, written in batches by the process's one
    background thread (`background.py`: the access log's and the console line's writers share
    it with the metrics). `render` makes the text of a batch of what was put (by
    default, the lines themselves)."""

    def __init__(
        self,
        stream: IO[str] | None,
        destination: str = "stderr",
        render: Callable[[list[Any]], str] = "\n".join,
    ) -> None:
        self.stream = stream
        self.render = render
        self.file = (
            None
            if stream is not None or destination in ("stderr", "stdout")
            else open(destination, "ab", buffering=0)  # noqa: SIM115 (held for the process)
        )
        self.destination = destination
        self.lines: deque[Any] = deque(maxlen=_BUFFER_LINES)
        # Held while a batch is taken and written: the exit's flush waits for the thread's
        # batch in flight, so no line is lost or written out of order.
        self.lock = threading.Lock()
        every_interval(self.flush)
        atexit.register(self.flush)

    def put(self, line: Any) -> None:
        self.lines.append(line)  # atomic; the writer pops from the other end

    def flush(self) -> None:
        with self.lock:
            lines = self.lines
            batch = [lines.popleft() for _ in range(len(lines))]  # only this thread pops
            if not batch:
                return
            text = self.render(batch) + "\n"
            try:
                if self.file is not None:
                    # Unbuffered: the batch is one `write` on a file opened for appending, so
                    # several workers' batches never interleave within a line.
                    self.file.write(text.encode("utf-8", "replace"))
                    return
                stream = self.stream or (sys.stdout if self.destination == "stdout" else sys.stderr)
                stream.write(text)
                stream.flush()
            except (OSError, ValueError):  # a closed stream: the log is lost, not the server
                pass


def flush_all() -> None:
    """Write every log's lines and publish the counts now: a server whose workers end without
    running `atexit` (granian's) calls this as it stops, so the last requests are not lost."""
    run_all()
