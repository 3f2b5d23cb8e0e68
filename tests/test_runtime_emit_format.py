"""The runtime emitter's piecewise black formatting gives exactly what black gives for the whole file.

`apigwc build` formats `app.py`'s route table entry by entry and the models module chunk by chunk,
each by shape (strings and model indexes swapped for same-width placeholders, cached); these tests
compare against `black.format_str` of the whole source on the example specs and on hand-made data
(quotes, escapes, non-ASCII text, indexes of different widths, references between models).
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import black
import pytest
from apigwc import __version__
from apigwc.emitters import EmitContext
from apigwc.emitters import runtime as emitter
from apigwc.emitters.runtime_data import (
    api_data,
    comment_text,
    functions_folders,
    request_models,
    route_data,
)
from apigwc.emitters.runtime_models import compile_models
from apigwc.pipeline import compile_spec

ROOT = Path(__file__).resolve().parent.parent
SPECS = [ROOT / "specs" / "petstore.yaml", *sorted((ROOT / "specs" / "features").glob("*.yaml"))]


def _app_values(spec: Path) -> dict[str, Any]:
    api = compile_spec(spec).api
    assert api is not None
    ctx = EmitContext(spec, hashlib.sha256(spec.read_bytes()).hexdigest())
    return {
        "version": __version__,
        "spec_name": comment_text(spec.name),
        "package": "bench_gateway",
        "api": api_data(api, ctx, functions_folders(api, spec.parent)),
        "routes": [route_data(api, method, spec.name) for method in api.methods],
        "has_models": bool(request_models(api)),
    }


@pytest.mark.parametrize("spec", SPECS, ids=lambda path: path.stem)
def test_app_module_is_black_of_the_whole_file(spec: Path) -> None:
    values = _app_values(spec)
    assert emitter._app_module(values) == emitter._python("app.py.j2", values, "#")


def test_route_entries_with_awkward_strings_format_like_black() -> None:
    long = "x" * 90
    routes = [
        {
            "comment": "spec.yaml#/paths/~1a/get",
            "data": {
                "quotes": ["it's", 'say "hi"', "both ' and \"", "back\\slash", "line\nbreak"],
                "unicode": "héllo wörld ✓ 漢字" * 4,
                "long": long,
                "nested": {"k": [1, 2.5, None, True, ("one",)], "deep": {"deeper": [long, long]}},
                "empty": {},
            },
        },
        {"comment": "spec.yaml#/paths/~1b/get", "data": {"short": "b", "n": 1}},
    ]
    values = _app_values(SPECS[0]) | {"routes": routes}
    assert emitter._app_module(values) == emitter._python("app.py.j2", values, "#")


def test_models_module_is_black_of_the_whole_file() -> None:
    item = {
        "type": "object",
        "required": ["id"],
        "properties": {"id": {"type": "string", "maxLength": 64}, "n": {"type": "integer"}},
    }
    models: dict[str, Any] = {}
    for index in range(12):  # slot indexes of one and two digits
        models[f"Item{index:02d}"] = item
        models[f"List{index:02d}"] = {
            "type": "array",
            "items": {"$ref": f"#/models/Item{index:02d}"},
        }
    source = compile_models(models, banner="banner")
    assert emitter.format_top_level(source) == black.format_str(source, mode=emitter.BLACK_MODE)


PARALLEL_CHECK = """
import threading
import black
from apigwc.emitters import runtime as emitter
from apigwc.emitters.runtime_models import compile_models

models = {
    f"Model{i:03d}": {
        "type": "object",
        "required": [f"field{i}"],
        "properties": {f"field{i}": {"type": "string", "maxLength": i + 1}},
    }
    for i in range(emitter._PARALLEL_MIN + 12)
}
source = compile_models(models, banner="banner")
assert threading.active_count() == 1  # the forking path is the one taken
print(emitter.format_top_level(source) == black.format_str(source, mode=emitter.BLACK_MODE))
"""


def test_many_distinct_models_formatted_on_workers_are_black_of_the_whole_file() -> None:
    """Past `_PARALLEL_MIN` distinct shapes the models module is formatted by worker processes
    (in a process with no other thread: a subprocess here, pytest's workers have threads)."""
    result = subprocess.run(
        [sys.executable, "-c", PARALLEL_CHECK], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
