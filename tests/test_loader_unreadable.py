"""Input the loader cannot read becomes one AGW1xx diagnostic at the offending line and column,
and `load` returns None: never an exception, never a half-read document."""

from __future__ import annotations

from pathlib import Path

import pytest
from apigwc.diagnostics import Sink
from apigwc.loader import load, load_text

UNREADABLE = [
    # (id, file name, bytes, "CODE line:column", a text the message holds)
    (
        "yaml-unclosed-flow",
        "spec.yaml",
        b"a: [1, 2\nb: 3\n",
        "AGW103 2:2",
        "did not find expected ',' or ']'",
    ),
    (
        "yaml-bad-indent",
        "spec.yaml",
        b"a:\n  b: 1\n c: 2\n",
        "AGW103 3:2",
        "did not find expected key",
    ),
    ("yaml-tab-indent", "spec.yaml", b"a:\n\tb: 1\n", "AGW103 2:1", "cannot start any token"),
    ("yaml-unknown-alias", "spec.yaml", b"a: *nope\n", "AGW103 1:4", "unknown alias *nope"),
    (
        "yaml-two-documents",
        "spec.yaml",
        b"a: 1\n---\nb: 2\n",
        "AGW103 2:1",
        "more than one YAML document",
    ),
    (
        "yaml-nul-character",
        "spec.yaml",
        b"a: 1\nb: x\x00\n",
        "AGW103 2:5",
        "unacceptable character #x0000",
    ),
    (
        "yaml-bad-explicit-int",
        "spec.yaml",
        b"a: !!int abc\n",
        "AGW103 1:4",
        "'abc' is not a valid int",
    ),
    (
        "yaml-bad-explicit-bool",
        "spec.yaml",
        b"a: !!bool maybe\n",
        "AGW103 1:4",
        "'maybe' is not a valid bool",
    ),
    (
        "yaml-integer-too-long",
        "spec.yaml",
        b"a:\n  " + b"1" * 5000 + b"\n",
        "AGW103 2:3",
        "is not a valid int",
    ),
    ("json-missing-value", "spec.json", b'{"a": 1,\n "b": }', "AGW104 2:7", "Expecting value"),
    ("json-trailing-comma", "spec.json", b'{"a": [1, 2,]}', "AGW104 1:13", "Expecting value"),
    ("json-single-quotes", "spec.json", b"{'a': 1}", "AGW104 1:2", "double quotes"),
    (
        "json-control-character",
        "spec.json",
        b'{"a": "x\ty"}',
        "AGW104 1:9",
        "Invalid control character",
    ),
    (
        "json-integer-too-long",
        "spec.json",
        b'{"a":\n  ' + b"1" * 5000 + b"}",
        "AGW104 2:3",
        "4300 digits",
    ),
    ("json-file-holding-yaml", "spec.json", b"a: 1\n", "AGW104 1:1", "Expecting value"),
    ("latin-1-byte", "spec.yaml", b"a: 1\nb: caf\xe9\n", "AGW102 2:7", "byte 0xe9 at offset 11"),
    (
        "bad-byte-after-multibyte",
        "spec.yaml",
        b"a: \xc3\xa9\xff\n",
        "AGW102 1:5",
        "byte 0xff at offset 5",
    ),
    (
        "bad-byte-after-bom",
        "spec.yaml",
        b"\xef\xbb\xbfa: \xff\n",
        "AGW102 1:4",
        "byte 0xff at offset 6",
    ),
    ("utf-16", "spec.yaml", "a: 1\n".encode("utf-16"), "AGW102 1:1", "byte 0xff at offset 0"),
    ("empty-file", "spec.yaml", b"", "AGW108 1:1", "root is empty"),
    ("only-comments", "spec.yaml", b"# nothing here\n\n", "AGW108 1:1", "root is empty"),
    ("bare-scalar", "spec.yaml", b"hello\n", "AGW108 1:1", "root is str"),
    ("yaml-list-root", "spec.yaml", b"- a\n- b\n", "AGW108 1:1", "root is list"),
    ("json-list-root", "spec.json", b"[1]", "AGW108 1:1", "root is list"),
    ("json-null-root", "spec.json", b"null", "AGW108 1:1", "root is empty"),
]


@pytest.mark.parametrize(
    ("case", "name", "raw", "expected", "message"), UNREADABLE, ids=[u[0] for u in UNREADABLE]
)
def test_unreadable_file(
    tmp_path: Path, case: str, name: str, raw: bytes, expected: str, message: str
) -> None:
    (tmp_path / name).write_bytes(raw)
    sink = Sink()
    assert load(tmp_path / name, sink) is None
    assert [f"{d.code} {d.line}:{d.column}" for d in sink.diagnostics] == [expected]
    assert message in sink.diagnostics[0].message
    assert sink.diagnostics[0].file.endswith(name)
    assert sink.has_errors


READABLE = [
    # Near misses that are fine: an explicit single document, JSON in a .yaml file (read as JSON,
    # and when it is not valid JSON, as the YAML flow mapping it also is), a BOM.
    ("explicit-single-document", "spec.yaml", b"---\na: 1\n...\n", {"a": 1}),
    ("json-in-yaml-file", "spec.yaml", b'{"a": [1, 2]}', {"a": [1, 2]}),
    ("yaml-flow-in-yaml-file", "spec.yaml", b"{a: 1, }", {"a": 1}),
    ("bom", "spec.json", b'\xef\xbb\xbf{"a": 1}', {"a": 1}),
    ("crlf", "spec.yaml", b"a:\r\n  b: 1\r\n", {"a": {"b": 1}}),
]


@pytest.mark.parametrize(("case", "name", "raw", "data"), READABLE, ids=[r[0] for r in READABLE])
def test_readable_near_misses(
    tmp_path: Path, case: str, name: str, raw: bytes, data: object
) -> None:
    (tmp_path / name).write_bytes(raw)
    sink = Sink()
    doc = load(tmp_path / name, sink)
    assert doc is not None, sink.sorted()
    assert doc.data == data
    assert not sink.diagnostics


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_file_that_cannot_be_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    monkeypatch.chdir(tmp_path)
    path = "nope.yaml"
    if kind == "directory":
        (tmp_path / path).mkdir()
    sink = Sink()
    assert load(path, sink) is None
    assert [(d.code, d.file) for d in sink.diagnostics] == [("AGW101", "nope.yaml")]
    assert sink.diagnostics[0].message.startswith("cannot read nope.yaml: ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", "AGW108 root is empty"), ("- 1\n", "AGW108 root is list"), ("a: [\n", "AGW103 ")],
    ids=["empty", "list", "syntax"],
)
def test_load_text_refuses_what_load_refuses(text: str, expected: str) -> None:
    sink = Sink()
    assert load_text(text, "spec.yaml", sink) is None
    code, _, fragment = expected.partition(" ")
    assert [d.code for d in sink.diagnostics] == [code]
    assert fragment in sink.diagnostics[0].message
