"""docs/diagnostics.md is generated from the code registry and kept in sync.

When this fails, run `make regen` (or `python -m apigwc.codes docs/diagnostics.md`)
and commit the result.
"""

from __future__ import annotations

from pathlib import Path

from apigwc.codes import all_codes, main
from apigwc.diagnostics.docs import render

DOCS = Path(__file__).resolve().parent.parent / "docs" / "diagnostics.md"


def test_checked_in_docs_match_the_registry() -> None:
    expected = render(all_codes())
    assert (
        DOCS.read_text(encoding="utf-8") == expected
    ), "run `make regen` and commit docs/diagnostics.md"


def test_every_code_has_a_section_with_its_examples() -> None:
    text = render(all_codes())
    for code in all_codes().values():
        heading = f"### {code.code} {code.name}"
        assert heading in text, heading
        section = text.split(heading, 1)[1].split("\n### ", 1)[0]
        assert f"**Severity:** {code.severity.value}" in section
        if code.bad:
            assert "Failing example:" in section and "Fixed:" in section


def test_main_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "diagnostics.md"
    assert main([str(out)]) == 0
    assert out.read_text(encoding="utf-8") == render(all_codes())
