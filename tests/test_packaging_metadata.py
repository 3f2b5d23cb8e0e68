"""pyproject.toml's metadata in the current form, so an install prints no deprecation warning.

setuptools deprecated `project.license` as a TOML table (PEP 639): the SPDX expression string
replaces it, and setuptools reads that string from version 77 on.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

PYPROJECT = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text("utf-8"))


def test_license_is_an_spdx_expression() -> None:
    assert PYPROJECT["project"]["license"] == "Apache-2.0"
    assert not any(c.startswith("License ::") for c in PYPROJECT["project"].get("classifiers", []))


def test_build_backend_reads_spdx_license_strings() -> None:
    requires = PYPROJECT["build-system"]["requires"]
    pinned = [r for r in requires if re.match(r"setuptools\b", r)]
    assert len(pinned) == 1
    found = re.fullmatch(r"setuptools>=(\d+)(?:\.\d+)*", pinned[0])
    assert found is not None and int(found.group(1)) >= 77
