"""Diagnostics: stable codes, located findings, and their renderings.

Flows in: a code id from `catalogue`, an `Origin` (file + JSON pointer) and message fields.
Flows out: `Diagnostic` records (data, never exceptions) that the CLI renders as text or JSON.
"""

from apigwc.diagnostics.model import (
    Diagnostic,
    DiagnosticError,
    Origin,
    Position,
    Severity,
)
from apigwc.diagnostics.sink import Sink

__all__ = ["Diagnostic", "DiagnosticError", "Origin", "Position", "Severity", "Sink"]
