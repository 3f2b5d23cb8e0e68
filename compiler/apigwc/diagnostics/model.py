"""Plain data for diagnostics: severity, origin (file + JSON pointer), position, the finding.

Nothing here knows how a position is computed: the loader's source maps turn an `Origin`
into a `Position` when a `Sink` records a finding.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]


@dataclass(frozen=True, slots=True, order=True)
class Origin:
    """Where a value came from: the file that holds it and its JSON pointer inside that file."""

    file: str
    pointer: str = ""

    def child(self, *tokens: str | int) -> Origin:
        """The origin of a value nested under this one (tokens escaped as RFC 6901 asks)."""
        ptr = self.pointer
        for token in tokens:
            ptr += "/" + str(token).replace("~", "~0").replace("/", "~1")
        return Origin(self.file, ptr)


@dataclass(frozen=True, slots=True)
class Position:
    """1-based line/column span in a source file."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    name: str
    severity: Severity
    message: str
    hint: str
    file: str
    pointer: str
    position: Position | None = None
    related: tuple[str, ...] = field(default=())

    @property
    def line(self) -> int:
        return self.position.line if self.position else 1

    @property
    def column(self) -> int:
        return self.position.column if self.position else 1

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.file, self.line, self.column, self.code)

    def to_json(self) -> dict[str, object]:
        pos = self.position
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity.value,
            "message": self.message,
            "hint": self.hint,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "end_line": pos.end_line if pos else self.line,
            "end_column": pos.end_column if pos else self.column,
            "pointer": self.pointer,
        }


class DiagnosticError(Exception):
    """Raised to abandon a stage after fatal diagnostics were recorded (unreadable input)."""
