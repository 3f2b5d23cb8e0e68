"""What the gateway does once a response is written: the access log line and the metrics.

Flows in: the gateway's access log and metrics recorder (either may be None) and the stage it
serves at `/`. Flows out: one function, `sent(request, response)`, compiled once at start-up
for the combination that is on, so that a gateway with neither pays one empty call per request
and one with the log alone never tests for the metrics.
"""

from __future__ import annotations

from collections.abc import Callable

from ..pipeline.context import Request
from ..responses.gateway_responses import Response
from .access_log import AccessLog
from .metrics import MetricsRecorder

Sent = Callable[[Request, Response], None]


def compile_sent(
    access_log: AccessLog | None, metrics: MetricsRecorder | None, served: str, all_stages: bool
) -> Sent:
    """The gateway's `sent` for what is on."""
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
            put(line(request, request.route, stage, response.status, len(response.body)))

        return sent_staged
    line = access_log.line_of(served)

    def sent(request: Request, response: Response) -> None:
        put(line(request, request.route, served, response.status, len(response.body)))

    return sent
