"""What the gateway does once a response is written: the access log line, the metrics and the
developer's console line.

Flows in: the gateway's access log, metrics recorder and console log (each may be None) and the
stage it serves at `/`. Flows out: one function, `sent(request, response)`, compiled once at
start-up for the combination that is on, so that a gateway with none pays one empty call per
request and one with the log alone never tests for the metrics.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..pipeline.context import Request
from ..responses.gateway_responses import Response
from .access_log import AccessLog
from .metrics import MetricsRecorder

if TYPE_CHECKING:  # imported by the gateway only when `--log-format` asks for it
    from .console_log import ConsoleLog

Sent = Callable[[Request, Response], None]


def compile_sent(
    access_log: AccessLog | None,
    metrics: MetricsRecorder | None,
    served: str,
    all_stages: bool,
    console: ConsoleLog | None = None,
) -> Sent:
    """The gateway's `sent` for what is on."""
    if access_log is not None and not all_stages and access_log.line_of(served) is None:
        access_log = None  # the served stage writes no access log (`AccessLog.configured_only`)
    sent = _logs_and_metrics(access_log, metrics, served, all_stages)
    return sent if console is None else _shown(sent, console, served)


def _logs_and_metrics(
    access_log: AccessLog | None, metrics: MetricsRecorder | None, served: str, all_stages: bool
) -> Sent:
    if access_log is None:
        return _nothing if metrics is None else metrics.record
    if metrics is None:
        return _logged(access_log, served, all_stages)
    if all_stages:
        logged, record = _logged(access_log, served, all_stages), metrics.record

        def sent_staged(request: Request, response: Response) -> None:
            logged(request, response)
            record(request, response)

        return sent_staged
    return _logged_and_recorded(access_log, metrics, served)


def _nothing(request: Request, response: Response) -> None:
    return None


def _logged_and_recorded(access_log: AccessLog, metrics: MetricsRecorder, served: str) -> Sent:
    """Both, serving one stage: the line and the counts in one call (no frame in between)."""
    put, line, record = access_log.put, access_log.line_of(served), metrics.record
    assert line is not None  # compile_sent keeps no access log for a stage that writes none

    def sent(request: Request, response: Response) -> None:
        put(line(request, request.route, served, response.status, len(response.body)))
        record(request, response)

    return sent


def _logged(access_log: AccessLog, served: str, all_stages: bool) -> Sent:
    """The access log's line: of the served stage, or (`--all-stages`) of the request's."""
    put = access_log.put
    if all_stages:
        line_of = access_log.line_of

        def sent_staged(request: Request, response: Response) -> None:
            stage = request.stage_prefix[1:] or served
            line = line_of(stage)
            if line is not None:  # None: a stage that writes no access log
                put(line(request, request.route, stage, response.status, len(response.body)))

        return sent_staged
    line = access_log.line_of(served)
    assert line is not None  # compile_sent keeps no access log for a stage that writes none

    def sent(request: Request, response: Response) -> None:
        put(line(request, request.route, served, response.status, len(response.body)))

    return sent


def _shown(sent: Sent, console: ConsoleLog, served: str) -> Sent:
    """`sent`, then the console line's record appended (console_log.Record, inline: the line is
    formatted by the background thread). With nothing else on (`apigwc serve`'s default), the
    record alone: no call to an empty `sent`. The stage is the request's under `--all-stages`,
    else the served one (a request's stage prefix is empty then)."""
    put, now = console.put, time.time

    def shown(request: Request, response: Response) -> None:
        put(
            (
                request.epoch,
                now(),
                request.method,
                request.path,
                response.status,
                request.route,
                request.request_id,
                request.stage_prefix[1:] or served,
            )
        )

    if sent is _nothing:
        return shown

    def sent_and_shown(request: Request, response: Response) -> None:
        sent(request, response)
        shown(request, response)

    return sent_and_shown
