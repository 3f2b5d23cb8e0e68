"""The observability stage's one background thread: what is written off the event loop.

Flows in: tasks registered at start-up (each log's batch writer, `access_log.BatchWriter`; the
metrics' publication of its counts, `metrics.MetricsRecorder.publish`). Flows out: each task run
every `INTERVAL` seconds on one daemon thread, started with the first task, and every task run
at once by `run_all` (a server's exit, since granian's workers end without `atexit`).

One thread for every task: the logs and the metrics wake one thread, not one each. It wakes on
a clock, not per request: waking a thread for each request (an event set on the event loop, a
thread switch and a hand-over of the GIL) cost about 16 us of CPU per request, measured, as much
as a MOCK route. A task that fails never stops the thread (the others keep running).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

INTERVAL = 0.05  # seconds between runs: a log line reaches its stream, a count its page, by then

Task = Callable[[], None]


class _Background:
    def __init__(self) -> None:
        self.tasks: list[Task] = []
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def add(self, task: Task) -> None:
        with self.lock:
            self.tasks = [*self.tasks, task]  # the thread reads the list without a lock
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, name="apigwc-log", daemon=True)
                self.thread.start()

    def _run(self) -> None:
        while True:
            time.sleep(INTERVAL)
            run_all()


_BACKGROUND = _Background()
every_interval = _BACKGROUND.add


def run_all() -> None:
    """Run every task now (the logs written out, the counts published)."""
    for task in _BACKGROUND.tasks:
        try:
            task()
        except Exception:  # a log that cannot be written is lost, not the thread
            continue
