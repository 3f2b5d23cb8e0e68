"""What every validation rule module is: a tuple of `CODES` and a `check(api, report)` function.

Rules read the IR (never the raw document) and report at the IR node's origin, so a finding
inside a `$ref`'d file names that file. `Report` is a thin wrapper over the run's `Sink`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apigwc.diagnostics.model import Origin, Severity
from apigwc.diagnostics.sink import Sink


@dataclass
class Report:
    sink: Sink

    def __call__(
        self,
        code: str,
        origin: Origin | None,
        *,
        at_key: bool = False,
        severity: Severity | None = None,
        **fields: Any,
    ) -> None:
        if origin is None:  # a node built without an origin (defaults): nothing to point at
            return
        self.sink.report(code, origin, at_key=at_key, severity=severity, **fields)
