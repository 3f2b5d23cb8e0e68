"""A plain `pip install apigwc` runs every command: each third-party module imported anywhere under
`compiler/apigwc` (the compiler, and the runtime support library that `apigwc serve` runs in this
interpreter) comes from a distribution named in `[project].dependencies`, not only from an extra
or from the development venv. The wheel test (tests/test_wheel.py) proves it end to end.

One exception, the pytest plugin (`compiler/apigwc/testing/`): no command runs it; pytest loads it,
and its optional parts (moto) are imported only by the fixture that needs them, so its imports
may come from the `[testing]` extra instead."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "compiler" / "apigwc"


def _declared(extra: str | None = None) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    listed = project["optional-dependencies"][extra] if extra else project["dependencies"]
    return {_canonical(re.split(r"[\s\[<>=!~;]", d, maxsplit=1)[0]) for d in listed}


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _imported_top_levels() -> dict[str, str]:
    """Top-level module name -> the first file importing it (absolute imports only)."""
    found: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], path.relative_to(ROOT).as_posix())
    return found


def test_every_third_party_import_is_a_declared_dependency() -> None:
    distributions = importlib.metadata.packages_distributions()
    declared = _declared() | {"apigwc"}
    third_party = {
        top: where
        for top, where in _imported_top_levels().items()
        if top not in sys.stdlib_module_names and top != "apigwc"
    }
    assert {"airspeed", "fastjsonschema", "uvicorn"} <= set(third_party)  # the scan sees them
    plugin = declared | _declared("testing")
    undeclared = {
        f"{top} ({where})"
        for top, where in third_party.items()
        if not {_canonical(d) for d in distributions.get(top, [top])}
        & (plugin if where.startswith("compiler/apigwc/testing/") else declared)
    }
    assert not undeclared, sorted(undeclared)
