"""Every semantic (phase 4) and limits (phase 5) code carries a failing and a fixed example, and
both behave: `bad` reports the code at the catalogue's severity, `good` does not report it.

The examples are whole documents run through the real loader, lowering and validation, so a
rule that stops firing, or an example that stops being minimal and valid, fails here."""

from __future__ import annotations

import pytest
from apigwc.codes import all_codes
from apigwc.diagnostics.catalogue import Code

from tests.rules_cases import diagnostics

RULE_CODES = sorted(
    (c for c in all_codes().values() if c.phase in (4, 5) and not c.retired), key=lambda c: c.code
)


def test_catalogue_has_rules() -> None:
    assert len(RULE_CODES) >= 50


@pytest.mark.parametrize("code", RULE_CODES, ids=[c.code for c in RULE_CODES])
def test_bad_example_reports_code(code: Code) -> None:
    assert code.bad and code.good, f"{code.code} needs both a bad and a good example"
    found = [d for d in diagnostics(code.bad) if d.code == code.code]
    assert found, f"{code.code}: the bad example does not report it"
    assert any(d.severity is code.severity for d in found), [d.severity for d in found]


@pytest.mark.parametrize("code", RULE_CODES, ids=[c.code for c in RULE_CODES])
def test_good_example_is_clean(code: Code) -> None:
    assert not [d for d in diagnostics(code.good) if d.code == code.code], code.code
