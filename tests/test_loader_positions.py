"""Source positions: `Document.locate(Origin(file, pointer))` gives the exact 1-based span.

Spans are written `"line:col-end_line:end_col"`, the end column one past the last character, as
editors and the `validate --format json` output count them. The fixtures are under
`tests/data/loader/positions/`; line endings and byte-order marks are varied at test time so that
the checked-in files stay plain LF.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from apigwc.diagnostics import Origin, Position, Sink
from apigwc.loader import Document, load
from apigwc.loader.json_reader import json_source_map, scan_json
from apigwc.loader.positions import escape_token

from tests.corpus import CORPUS

DATA = Path(__file__).parent / "data" / "loader" / "positions"


def span(position: Position | None) -> str:
    assert position is not None
    p = position
    return f"{p.line}:{p.column}-{p.end_line}:{p.end_column}"


def loaded(folder: Path, name: str, allow_roots: tuple[str, ...] = ()) -> Document:
    sink = Sink()
    doc = load(folder / name, sink, allow_roots=allow_roots)
    assert doc is not None, sink.sorted()
    assert not sink.diagnostics, sink.sorted()
    return doc


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the fixtures in a temporary working directory, so display paths are bare names."""
    for source in DATA.iterdir():
        shutil.copy(source, tmp_path / source.name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


GET = "/paths/~1pets~1{id}/get"

YAML_VALUES = [
    # (id, pointer, at_key, span)
    ("scalar", "/openapi", False, "1:10-1:15"),
    ("key", "/info/title", True, "3:3-3:8"),
    ("value-of-key", "/info/title", False, "3:10-3:14"),
    ("quoted-scalar", "/info/version", False, "4:12-4:17"),
    ("escaped-slash-key", "/paths/~1pets~1{id}", True, "6:3-6:13"),
    ("list-item-ref", f"{GET}/parameters/0/$ref", False, "9:17-9:49"),
    ("block-mapping-in-list", f"{GET}/parameters/0", False, "9:11-9:49"),
    ("second-list-item", f"{GET}/parameters/1/name", False, "10:17-10:24"),
    ("key-in-list-item", f"{GET}/parameters/1/in", True, "11:11-11:13"),
    ("block-list", f"{GET}/parameters", False, "9:9-11:20"),
    ("quoted-status-key", f"{GET}/responses/200", True, "13:9-13:14"),
    ("tilde-and-slash-key", "/paths/~1a~0b", True, "15:3-15:7"),
    (
        "flow-mapping",
        "/paths/~1a~0b/x-amazon-apigateway-any-method/" "x-amazon-apigateway-integration",
        False,
        "17:40-17:76",
    ),
    (
        "flow-mapping-member",
        "/paths/~1a~0b/x-amazon-apigateway-any-method/"
        "x-amazon-apigateway-integration/timeoutInMillis",
        False,
        "17:70-17:75",
    ),
    ("flow-list-item", "/x-tags/1", False, "18:15-18:18"),
    ("quoted-flow-item", "/x-tags/2", False, "18:20-18:27"),
    ("root", "", False, "1:1-18:28"),
    ("missing-child-falls-back-to-parent", "/info/nope", False, "3:3-4:17"),
    ("key-of-missing-child-falls-back", "/info/nope", True, "3:3-4:17"),
]

JSON_VALUES = [
    ("scalar", "/openapi", False, "2:14-2:21"),
    ("key", "/openapi", True, "2:3-2:12"),
    ("flow-object", "/info", False, "3:11-3:46"),
    ("object-member", "/info/version", False, "3:40-3:45"),
    ("ref-in-list", f"{GET}/parameters/0/$ref", False, "8:20-8:52"),
    ("key-in-second-item", f"{GET}/parameters/1/in", True, "9:31-9:35"),
    ("list", f"{GET}/parameters", False, "7:23-10:10"),
    ("tilde-and-slash-key", "/paths/~1a~0b", True, "13:5-13:11"),
    ("empty-object", "/paths/~1a~0b", False, "13:13-13:15"),
    ("escaped-quote-key", '/x-esc"aped', True, "15:3-15:16"),
    ("escaped-quote-value", '/x-esc"aped', False, "15:18-15:21"),
    ("unicode-escape-key", "/x-\u00e9t\u00e9", True, "16:3-16:20"),
    ("number-in-list", "/x-\u00e9t\u00e9/1", False, "16:26-16:29"),
    ("null-in-list", "/x-\u00e9t\u00e9/3", False, "16:37-16:41"),
    ("escaped-solidus-key", "/x-sl~1ash", False, "17:16-17:18"),
    ("root", "", False, "1:1-18:2"),
]


def _ids(table: list[tuple[str, str, bool, str]]) -> list[str]:
    return [row[0] for row in table]


def _rewrite(folder: Path, name: str, *, crlf: bool, bom: bool) -> None:
    text = (folder / name).read_text(encoding="utf-8")
    if crlf:
        text = text.replace("\n", "\r\n")
    (folder / name).write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))


VARIANTS = pytest.mark.parametrize(
    ("crlf", "bom"), [(False, False), (True, False), (False, True)], ids=["lf", "crlf", "bom"]
)


@VARIANTS
@pytest.mark.parametrize(
    ("case", "pointer", "at_key", "expected"), YAML_VALUES, ids=_ids(YAML_VALUES)
)
def test_yaml_position(
    here: Path, crlf: bool, bom: bool, case: str, pointer: str, at_key: bool, expected: str
) -> None:
    _rewrite(here, "spec.yaml", crlf=crlf, bom=bom)
    doc = loaded(here, "spec.yaml")
    assert span(doc.locate(Origin("spec.yaml", pointer), at_key)) == expected


@VARIANTS
@pytest.mark.parametrize(
    ("case", "pointer", "at_key", "expected"), JSON_VALUES, ids=_ids(JSON_VALUES)
)
def test_json_position(
    here: Path, crlf: bool, bom: bool, case: str, pointer: str, at_key: bool, expected: str
) -> None:
    _rewrite(here, "spec.json", crlf=crlf, bom=bom)
    doc = loaded(here, "spec.json")
    assert span(doc.locate(Origin("spec.json", pointer), at_key)) == expected


@pytest.mark.parametrize("root", ["spec.yaml", "spec.json"])
def test_position_inside_referenced_file_names_that_file(here: Path, root: str) -> None:
    doc = loaded(here, root)
    holder = Origin(root, f"{GET}/parameters/0")
    value, origin = doc.deref(doc.get(holder), holder)
    assert value["name"] == "id"
    assert origin == Origin("components.yaml", "/parameters/Id")
    assert span(doc.locate(origin.child("required"))) == "5:15-5:19"
    assert span(doc.locate(origin.child("required"), True)) == "5:5-5:13"


def test_referenced_file_in_other_folder_keeps_its_relative_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "spec.yaml").write_text(
        "paths:\n  /a:\n    $ref: '../lib/item.yaml'\n", encoding="utf-8"
    )
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "item.yaml").write_text("get:\n  operationId: x\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    doc = loaded(tmp_path, "api/spec.yaml", allow_roots=("lib",))  # beside the spec's folder
    assert sorted(doc.files) == ["api/spec.yaml", "lib/item.yaml"]
    assert span(doc.locate(Origin("lib/item.yaml", "/get/operationId"))) == "2:16-2:17"


@pytest.mark.parametrize(("crlf", "bom"), [(True, False), (False, True)], ids=["crlf", "bom"])
def test_source_line_has_no_line_ending_or_bom(here: Path, crlf: bool, bom: bool) -> None:
    _rewrite(here, "spec.yaml", crlf=crlf, bom=bom)
    doc = loaded(here, "spec.yaml")
    assert doc.source_line("spec.yaml", 1) == "openapi: 3.0.1"
    assert doc.source_line("spec.yaml", 18) == 'x-tags: [one, two, "three"]'
    assert doc.source_line("spec.yaml", 99) == ""


NON_ASCII = [
    # Columns count characters (code points), not UTF-8 bytes, as editors do.
    ("yaml", "x-\u00e9: \u00fc\nb: \U0001f600x\n", "/b", "2:4-2:6"),
    ("yaml-key", "x-\u00e9: \u00fc\nb: \U0001f600x\n", "/x-\u00e9", "1:6-1:7"),
    ("json", '{"x-\u00e9": "\u00fc", "b": "\U0001f600x"}', "/b", "1:19-1:23"),
]


@pytest.mark.parametrize(
    ("kind", "text", "pointer", "expected"), NON_ASCII, ids=[r[0] for r in NON_ASCII]
)
def test_columns_count_characters(
    tmp_path: Path, kind: str, text: str, pointer: str, expected: str
) -> None:
    name = "spec.json" if kind == "json" else "spec.yaml"
    (tmp_path / name).write_text(text, encoding="utf-8")
    doc = loaded(tmp_path, name)
    assert span(doc.locate(Origin(doc.root, pointer))) == expected


def test_diagnostic_position_comes_from_the_source_map(tmp_path: Path) -> None:
    """A `Sink` given to `load` locates findings reported later by pointer alone."""
    (tmp_path / "spec.yaml").write_text("a:\n  b: [1, 2]\n", encoding="utf-8")
    sink = Sink()
    doc = load(tmp_path / "spec.yaml", sink)
    assert doc is not None
    found = sink.report("AGW201", Origin(doc.root, "/a/b/1"), what="x", expected="y", actual="z")
    assert found is not None
    assert span(found.position) == "2:10-2:11"
    found = sink.report("AGW204", Origin(doc.root, "/a/b"), at_key=True, what="x", prop="b")
    assert found is not None
    assert span(found.position) == "2:3-2:4"


AWKWARD_JSON = (
    ' \r\n{ "a" :\t{ } , "b\\"\\u00e9\\/" : [ [ ] , { "c" : -1.5e+3 } , "x\\\\" , true , null ] ,\n'
    '"d": {"e": [{"f": [{"g": "deep"}]}], "": {"~/": 0}}, "a": ["later"] }\n'
)


def _pointers(value: Any, pointer: str = "") -> Iterator[str]:
    yield pointer
    if isinstance(value, dict | list):
        for key, child in value.items() if isinstance(value, dict) else enumerate(value):
            yield from _pointers(child, f"{pointer}/{escape_token(key)}")


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(AWKWARD_JSON, id="awkward"),
        pytest.param(DATA / "spec.json", id="fixture"),
        *(pytest.param(path, id=path.name) for path in sorted(CORPUS.rglob("*.json"))[:20]),
    ],
)
def test_lazy_json_map_agrees_with_the_full_scan(source: str | Path) -> None:
    """Containers of a JSON file are read when a pointer first enters them: every value and
    key is located where the full scan puts it (duplicate keys: the last one, as json reads)."""
    text = source if isinstance(source, str) else source.read_text(encoding="utf-8-sig")
    full, lazy = scan_json(text)[0], json_source_map(text)
    for pointer in [*_pointers(json.loads(text)), "/nope", "/a/0/nope", "/d/e/9"]:
        for at_key in (False, True):
            assert lazy.position(pointer, at_key) == full.position(pointer, at_key), pointer
