"""The collector every stage reports into.

A `Sink` turns (code, origin, fields) into a located `Diagnostic`, using a locator that the
loader provides (origin -> line/column), and applies `x-apigwc-ignore` suppressions: a code
silenced at the document root is dropped everywhere; one silenced on an operation is dropped for
findings under that operation's pointer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from apigwc.diagnostics import catalogue
from apigwc.diagnostics.model import Diagnostic, Origin, Position, Severity

Locator = Callable[[Origin, bool], Position | None]


def _no_position(_: Origin, __: bool) -> Position | None:
    return None


class _Fields(dict[str, Any]):
    """Format fields that render a missing key as '' instead of raising."""

    def __missing__(self, key: str) -> str:
        return ""


class Sink:
    def __init__(self, locator: Locator = _no_position) -> None:
        self.locator = locator
        self.diagnostics: list[Diagnostic] = []
        self._ignored: list[tuple[Origin | None, frozenset[str]]] = []

    def ignore(self, codes: Iterable[str], scope: Origin | None = None) -> None:
        """Silence codes everywhere (scope None) or under one origin's pointer."""
        self._ignored.append((scope, frozenset(codes)))

    def report(
        self,
        code: str,
        origin: Origin,
        *,
        at_key: bool = False,
        position: Position | None = None,
        severity: Severity | None = None,
        **fields: Any,
    ) -> Diagnostic | None:
        """Record a finding; `at_key` points at the mapping key rather than its value."""
        spec = catalogue.get(code)
        if self._is_ignored(code, origin):
            return None
        values = _Fields(fields)
        diag = Diagnostic(
            code=spec.code,
            name=spec.name,
            severity=severity or spec.severity,
            message=spec.message.format_map(values),
            hint=spec.hint.format_map(values),
            file=origin.file,
            pointer=origin.pointer,
            position=position or self.locator(origin, at_key),
        )
        self.diagnostics.append(diag)
        return diag

    def _is_ignored(self, code: str, origin: Origin) -> bool:
        for scope, codes in self._ignored:
            if code not in codes:
                continue
            if scope is None:
                return True
            if origin.file == scope.file and (
                origin.pointer == scope.pointer or origin.pointer.startswith(scope.pointer + "/")
            ):
                return True
        return False

    def extend(self, other: Sink) -> None:
        self.diagnostics.extend(other.diagnostics)

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.diagnostics)

    def sorted(self) -> list[Diagnostic]:
        unique = {(d.code, d.file, d.pointer, d.message): d for d in self.diagnostics}
        return sorted(unique.values(), key=Diagnostic.sort_key)
