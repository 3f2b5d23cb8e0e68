"""Every file of the shared corpus through `load`: no exception; the two files recorded invalid give
their syntax error; the others read the same data as independent parsers, and every key's
recorded position holds that key's text."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from apigwc.diagnostics import Origin, Sink
from apigwc.loader import Document, load

from tests.corpus import CORPUS as SHARED

CORPUS = SHARED / "specs"
FILES = sorted(p for p in CORPUS.rglob("*") if p.is_file())
INVALID = {
    "localstack/invalid/bad-json-string.json": "AGW104 1:2",
    "localstack/invalid/bad-yaml-string.yaml": "AGW103 3:23",
}


def _id(path: Path) -> str:
    return path.relative_to(CORPUS).as_posix()


def test_corpus_is_there() -> None:
    assert len(FILES) >= 100, CORPUS
    assert set(INVALID) <= {_id(p) for p in FILES}


class _Oracle(yaml.CSafeLoader):
    """PyYAML's own composer, told to keep keys and timestamps as source text as apigwc does."""


def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[str, Any]:
    loader.flatten_mapping(node)
    return {k.value: loader.construct_object(v, deep=True) for k, v in node.value}


_Oracle.add_constructor("tag:yaml.org,2002:map", _mapping)
_Oracle.add_constructor("tag:yaml.org,2002:timestamp", lambda _, node: node.value)


def _oracle(path: Path) -> Any:
    text = path.read_text(encoding="utf-8-sig")
    return json.loads(text) if path.suffix == ".json" else yaml.load(text, Loader=_Oracle)


def _keys(data: Any) -> Iterator[tuple[str, str]]:
    """(pointer, key) for every mapping key, walked without recursion."""
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack:
        value, pointer = stack.pop()
        items = (
            value.items()
            if isinstance(value, dict)
            else enumerate(value) if isinstance(value, list) else ()
        )
        for key, child in items:
            child_pointer = Origin("", pointer).child(key).pointer
            if isinstance(value, dict):
                yield child_pointer, key
            stack.append((child, child_pointer))


def _source(doc: Document, pointer: str) -> str:
    position = doc.locate(Origin(doc.root, pointer), at_key=True)
    assert position is not None and position.line == position.end_line, pointer
    return doc.source_line(doc.root, position.line)[position.column - 1 : position.end_column - 1]


@pytest.mark.parametrize("path", FILES, ids=[_id(p) for p in FILES])
def test_corpus_file_loads(path: Path) -> None:
    sink = Sink()
    doc = load(path, sink)
    found = [f"{d.code} {d.line}:{d.column}" for d in sink.diagnostics]
    if _id(path) in INVALID:
        assert doc is None
        assert found == [INVALID[_id(path)]]
        return
    assert doc is not None, found
    # A fragment names components of the document it was cut from: only those may be missing.
    allowed = {"AGW110"} if "/fragments/" in _id(path) else set()
    assert {d.code for d in sink.diagnostics} <= allowed, found
    assert doc.data == _oracle(path)
    for pointer, key in _keys(doc.data):
        text = _source(doc, pointer)
        assert (json.loads(text) if doc.root.endswith(".json") else text.strip("'\"")) == key
