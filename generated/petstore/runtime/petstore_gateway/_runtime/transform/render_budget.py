"""Budgets that keep one mapping template from freezing the gateway (runtime reference §3.1).

Part of the runtime support library copied verbatim into every generated gateway: relative imports
only, standard library only.

Templates are spec text run on the event loop's thread, so a hostile or careless one (a regex
such as `.matches("(a|a)*b")` on a request value, nested `#foreach` loops, a string doubled in a
loop) would stall every route. Flow: `velocity_engine.merge` runs the render through
`within_deadline(call)` and gives it a `StepBudget`; exceeding either raises, and the pipeline
answers `500 {"message": "Internal server error"}` as for any failed template. Request validation
(`request_validation.check_body`) runs its model validator within the same deadline, since a
model's `pattern` is a regex run on client data (400 `Invalid request body` when it runs out).

Why a timer signal rather than a worker: Python's `re` cannot be interrupted from another thread
while it runs in C, and holds the GIL meanwhile, so a worker thread would still freeze the loop; a
worker process per render would cost an IPC round trip on every engine render. The regex engine
does poll for signals (every few thousand steps), and so does the interpreter between bytecodes:
a one-shot `ITIMER_REAL` whose handler raises `RenderTimeout` stops the render wherever it is, at
the cost of two `setitimer` calls per engine render (plain templates take the fast path in
`vtl.py` and never come here). Signals reach only the main thread: a render on another thread
(an embedding that runs the app off the main thread) keeps the step and size budgets, which are
deterministic, but not the clock.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import Any, Final, TypeVar

RENDER_DEADLINE_S: Final = 1.0
"""Wall time one render may take. AWS documents no figure; a template needing a second is
pathological (real templates render in well under a millisecond), and a bound keeps every
other route served (inferred; fail closed)."""

MAX_RENDER_STEPS: Final = 100_000
"""`#foreach` iterations one render may run, over all its loops. Each loop stops by itself at
1,000 (AWS's documented limit); nesting multiplies that, so the whole render has its own bound
(inferred: AWS bounds a render by time and payload size, not by a documented count)."""

MAX_TEXT_CHARS: Final = 10 * 1024 * 1024
"""The longest string a render may build or print: API Gateway's 10 MB payload quota."""

_T = TypeVar("_T")


class RenderTimeout(BaseException):
    """The render's wall-time budget ran out. A BaseException so that neither the engine's nor
    a template helper's `except Exception` can swallow it."""


class BudgetExceeded(RuntimeError):
    """The render ran too many loop steps or built too long a text."""


class StepBudget:
    """The `#foreach` iterations left to one render."""

    __slots__ = ("left",)

    def __init__(self, steps: int = MAX_RENDER_STEPS) -> None:
        self.left = steps

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise BudgetExceeded(f"template ran more than {MAX_RENDER_STEPS} loop steps")


def bounded_text(text: str) -> str:
    """`text`, or `BudgetExceeded` when it is longer than a payload may be."""
    if len(text) > MAX_TEXT_CHARS:
        raise BudgetExceeded(f"template text longer than {MAX_TEXT_CHARS} characters")
    return text


class _Alarm:
    """Process-wide state of the render timer (one main thread, renders never nest)."""

    armed = False
    installed = False
    previous: Any = None


def _on_alarm(signum: int, frame: Any) -> None:
    if _Alarm.armed:
        _Alarm.armed = False
        raise RenderTimeout()
    # Not ours (an alarm someone else set): hand it to the handler that was there before.
    if callable(_Alarm.previous):
        _Alarm.previous(signum, frame)


def _install() -> bool:
    if not _Alarm.installed:
        try:
            _Alarm.previous = signal.signal(signal.SIGALRM, _on_alarm)
        except (ValueError, OSError, AttributeError):  # no SIGALRM on this platform
            return False
        _Alarm.installed = True
    return True


def within_deadline(call: Callable[[], _T], seconds: float = RENDER_DEADLINE_S) -> _T:
    """`call()`, raising `RenderTimeout` if it runs longer than `seconds` (main thread only)."""
    if threading.current_thread() is not threading.main_thread() or not _install():
        return call()
    _Alarm.armed = True
    before, interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return call()
    finally:
        _Alarm.armed = False
        left, _ = signal.setitimer(signal.ITIMER_REAL, 0)
        if before > 0:  # someone else's timer was running: give it back what remains of it
            signal.setitimer(signal.ITIMER_REAL, max(before - (seconds - left), 1e-6), interval)
