"""Hostile documents end as one diagnostic: never a crash, a traceback, or unbounded time or memory.

The nesting and alias cases run `load` in a child process, so that a segfault in a C parser (as
libyaml's recursive composer gives on ~100,000 nested brackets) fails the test instead of killing
pytest; the child reports its findings and peak memory as JSON on stdout (time is for benchmarks).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from apigwc.diagnostics import Origin, Sink
from apigwc.loader import load
from apigwc.loader.limits import IMPORT_SIZE_LIMIT, MAX_DEPTH

COMPILER = Path(__file__).parent.parent / "compiler"

_CHILD = """
import json, sys
from apigwc.diagnostics import Sink
from apigwc.loader import load
def peak_mb():
    # VmHWM belongs to this process's own address space; ru_maxrss would also count the pytest
    # worker that forked it (Linux keeps a child's maxrss across exec), whatever that worker held.
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) for l in status if l.startswith("VmHWM:")) / 1024
sink = Sink()
doc = load(sys.argv[1], sink)
print(json.dumps({
    "loaded": doc is not None,
    "peak_mb": peak_mb(),
    "findings": [f"{d.code} {d.line}:{d.column}" for d in sink.diagnostics],
    "messages": [d.message for d in sink.diagnostics],
}))
"""


def run_child(path: Path, code: str = _CHILD) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(COMPILER)},
    )
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stderr[-2000:]}"
    assert done.stderr == ""  # no traceback, no warning
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _block_mappings(levels: int) -> str:
    return "".join(" " * i + "a:\n" for i in range(levels)) + " " * levels + "b: 1\n"


DEEP = 100_000
NESTING = [
    # (id, file name, text, finding): the first bracket or entry past MAX_DEPTH is the one marked
    (
        "yaml-flow-sequences",
        "spec.yaml",
        "a: " + "[" * DEEP + "]" * DEEP,
        f"AGW105 1:{3 + MAX_DEPTH}",
    ),
    ("yaml-flow-sequences-unclosed", "spec.yaml", "a: " + "[" * DEEP, f"AGW105 1:{3 + MAX_DEPTH}"),
    (
        "yaml-flow-mappings",
        "spec.yaml",
        "a: " + "{a: " * DEEP + "1" + "}" * DEEP,
        f"AGW105 1:{4 * MAX_DEPTH}",
    ),
    (
        "bracket-root-in-yaml-file",
        "spec.yaml",
        "[" * DEEP + "]" * DEEP,
        f"AGW105 1:{1 + MAX_DEPTH}",
    ),
    (
        "yaml-compact-block-sequences",
        "spec.yaml",
        "- " * 5000 + "x\n",
        f"AGW105 1:{1 + 2 * MAX_DEPTH}",
    ),
    (
        "yaml-block-mappings",
        "spec.yaml",
        _block_mappings(1000),
        f"AGW105 {MAX_DEPTH + 1}:{MAX_DEPTH + 1}",
    ),
    ("json-arrays", "spec.json", "[" * DEEP + "]" * DEEP, f"AGW105 1:{1 + MAX_DEPTH}"),
    (
        "json-objects",
        "spec.json",
        '{"a":' * DEEP + "1" + "}" * DEEP,
        f"AGW105 1:{1 + 5 * MAX_DEPTH}",
    ),
    ("json-arrays-unclosed", "spec.json", "[" * DEEP, f"AGW105 1:{1 + MAX_DEPTH}"),
    # Deeper than MAX_DEPTH but shallow enough for json.loads: refused all the same, so later
    # passes never meet a document deeper than the limit.
    (
        "json-just-past-the-limit",
        "spec.json",
        '{"a": ' + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "}",
        f"AGW105 1:{7 + MAX_DEPTH - 1}",
    ),
]


@pytest.mark.parametrize(("case", "name", "text", "finding"), NESTING, ids=[n[0] for n in NESTING])
def test_deep_nesting_is_refused(
    tmp_path: Path, case: str, name: str, text: str, finding: str
) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    result = run_child(tmp_path / name)
    assert not result["loaded"]
    assert result["findings"] == [finding]
    assert result["messages"] == [f"the document nests deeper than {MAX_DEPTH} levels"]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("spec.yaml", "a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n"),
        ("spec.json", '{"a": ' + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "}"),
        ("spec.yaml", _block_mappings(MAX_DEPTH - 1)),
    ],
    ids=["yaml-flow", "json", "yaml-block"],
)
def test_nesting_up_to_the_limit_is_read(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    sink = Sink()
    assert load(tmp_path / name, sink) is not None
    assert not sink.diagnostics


_UNDER_LIBRARY_LIMIT = """
import json, sys, threading, yaml
from apigwc.loader.yaml_reader import YamlReadError, read_yaml
library_limit, texts = int(sys.argv[1]), json.loads(sys.argv[2])
setter = getattr(getattr(yaml, "_yaml", None), "_set_max_nest_level", None)
if library_limit and setter is not None:  # PyYAML >= 6.0.3 bundles a libyaml with a limit
    setter(library_limit)
threading.stack_size(256 * 1024)  # libyaml's event parser keeps its own stack: no C recursion
found = []
def parse():
    for text in texts:
        try:
            read_yaml(text)
            found.append("read")
        except YamlReadError as err:
            found.append(f"{err.code} {err.span[0]}:{err.span[1]}")
worker = threading.Thread(target=parse)
worker.start()
worker.join()
print(json.dumps(found))
"""

# Whatever nesting limit the installed libyaml has (none before PyYAML 6.0.3, 1,000 levels since;
# 100 and 600 set through its own knob where it has one), MAX_DEPTH alone decides. (Below ours,
# the pure-Python parser reads the document: the 5,000 brackets on one line take it ~2 s.)
DEPTH_TEXTS = [
    ("a: " + "[" * 5000, f"AGW105 1:{3 + MAX_DEPTH}"),
    ("a:\n" + " [\n" * 5000, f"AGW105 {MAX_DEPTH + 1}:2"),
    ("a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1), "read"),
]


@pytest.mark.parametrize(
    "library_limit",
    [0, 100, MAX_DEPTH + 88, 1000],
    ids=lambda n: f"libyaml-limit-{n or 'as-built'}",
)
def test_our_depth_limit_decides_whatever_the_librarys(library_limit: int) -> None:
    texts, expected = [t for t, _ in DEPTH_TEXTS], [f for _, f in DEPTH_TEXTS]
    done = subprocess.run(
        [sys.executable, "-c", _UNDER_LIBRARY_LIMIT, str(library_limit), json.dumps(texts)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(COMPILER)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert json.loads(done.stdout) == expected


def _laughs(levels: int) -> str:
    """Anchor l<i> holds nine aliases of l<i-1>: level i expands to about 9**i values."""
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


ALIASES = [
    ("billion-laughs", _laughs(10) + "bomb: *l9\n", "AGW107 7:20", "expand to more than 2,000,000"),
    # A key that is an alias is the anchor's value as text: as large as the value, so as costly.
    (
        "laughs-as-keys",
        _laughs(6) + "".join(f"k{i}: {{*l5 : x}}\n" for i in range(3)),
        "AGW107 9:6",
        "expand to more than 2,000,000",
    ),
    ("recursive-sequence", "a: &a [1, *a]\n", "AGW103 1:11", "alias *a refers to itself"),
    ("recursive-mapping", "a: &a {b: {c: *a}}\n", "AGW103 1:15", "alias *a refers to itself"),
]


@pytest.mark.parametrize(
    ("case", "text", "finding", "message"), ALIASES, ids=[a[0] for a in ALIASES]
)
def test_alias_bombs_are_refused_quickly_in_bounded_memory(
    tmp_path: Path, case: str, text: str, finding: str, message: str
) -> None:
    (tmp_path / "spec.yaml").write_text(text, encoding="utf-8")
    result = run_child(tmp_path / "spec.yaml")
    assert not result["loaded"]
    assert result["findings"] == [finding]
    assert message in result["messages"][0]
    assert result["peak_mb"] < 200


def test_many_legitimate_aliases_are_read(tmp_path: Path) -> None:
    """Shared anchors are cheap as long as what they expand to stays under the budget."""
    text = "shared: &s {" + ", ".join(f"k{i}: {i}" for i in range(100)) + "}\n"
    text += "".join(f"use{i}: *s\n" for i in range(2000))
    (tmp_path / "spec.yaml").write_text(text, encoding="utf-8")
    sink = Sink()
    doc = load(tmp_path / "spec.yaml", sink)
    assert doc is not None
    assert doc.data["use1999"]["k99"] == 99
    assert not sink.diagnostics


def test_file_over_6_mb_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"\xff" * (IMPORT_SIZE_LIMIT + 1))  # not UTF-8: reading it would say so
    sink = Sink()
    assert load(path, sink) is None
    assert [d.code for d in sink.diagnostics] == ["AGW106"]
    message = sink.diagnostics[0].message
    assert f"is {IMPORT_SIZE_LIMIT + 1:,} bytes" in message
    assert "limit of 6,291,456 bytes (6 MB)" in message


def test_size_of_a_huge_file_is_its_real_size(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as fh:
        fh.truncate(100 * 1024 * 1024)  # sparse: costs no disk
    sink = Sink()
    assert load(path, sink) is None
    assert "is 104,857,600 bytes" in sink.diagnostics[0].message


def _fifo(path: Path, content: bytes) -> threading.Thread:
    """A named pipe (as `apigwc validate <(...)` passes) fed by a thread: its size is unknown."""
    os.mkfifo(path)

    def feed() -> None:
        with contextlib.suppress(BrokenPipeError), path.open("wb") as fh:
            fh.write(content)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    return writer


NEEDS_FIFO = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")


@NEEDS_FIFO
def test_named_pipe_is_read(tmp_path: Path) -> None:
    writer = _fifo(tmp_path / "spec.yaml", b"openapi: 3.0.1\npaths: {}\n")
    sink = Sink()
    doc = load(tmp_path / "spec.yaml", sink)
    writer.join(timeout=10)
    assert doc is not None
    assert doc.data == {"openapi": "3.0.1", "paths": {}}
    assert not sink.diagnostics


@NEEDS_FIFO
def test_named_pipe_over_6_mb_is_refused(tmp_path: Path) -> None:
    """A pipe has no size to ask for: the loader reads one byte past the limit, and stops."""
    writer = _fifo(tmp_path / "spec.yaml", b"#" * (IMPORT_SIZE_LIMIT + 100))
    sink = Sink()
    assert load(tmp_path / "spec.yaml", sink) is None
    writer.join(timeout=10)
    assert [d.code for d in sink.diagnostics] == ["AGW106"]
    assert f"is {IMPORT_SIZE_LIMIT + 1:,} bytes" in sink.diagnostics[0].message


def test_file_of_exactly_6_mb_is_read(tmp_path: Path) -> None:
    head = b"openapi: 3.0.1\npaths: {}\n# "
    path = tmp_path / "spec.yaml"
    path.write_bytes(head + b"x" * (IMPORT_SIZE_LIMIT - len(head) - 1) + b"\n")
    assert path.stat().st_size == IMPORT_SIZE_LIMIT
    sink = Sink()
    assert load(path, sink) is not None
    assert not sink.diagnostics


def test_chain_of_500_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spec.yaml").write_text("paths: {}\nx-chain: {$ref: 'c1.yaml'}\n", encoding="utf-8")
    for i in range(1, 500):
        (tmp_path / f"c{i}.yaml").write_text(f"$ref: 'c{i + 1}.yaml'\n", encoding="utf-8")
    (tmp_path / "c500.yaml").write_text("end: true\n", encoding="utf-8")
    sink = Sink()
    doc = load("spec.yaml", sink)
    assert doc is not None
    assert not sink.diagnostics
    assert len(doc.files) == 501
    assert doc.deref(doc.data["x-chain"], Origin("spec.yaml", "/x-chain")) == (
        {"end": True},
        Origin("c500.yaml", ""),
    )


def test_cycle_through_500_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spec.yaml").write_text("paths: {}\nx-chain: {$ref: 'c1.yaml'}\n", encoding="utf-8")
    for i in range(1, 501):
        (tmp_path / f"c{i}.yaml").write_text(f"$ref: 'c{i % 500 + 1}.yaml'\n", encoding="utf-8")
    sink = Sink()
    doc = load("spec.yaml", sink)
    assert doc is not None
    assert [(d.code, d.file) for d in sink.diagnostics] == [("AGW111", "spec.yaml")]
    assert sink.diagnostics[0].message.count(" -> ") == 501


def test_duplicate_key_in_a_huge_json_string_is_located(tmp_path: Path) -> None:
    """A duplicate key makes the JSON position scan run; a 5 MB string must not slow it down."""
    path = tmp_path / "spec.json"
    path.write_text('{"a": "' + 'x\\"' * 1_500_000 + '",\n "a": 1}', encoding="utf-8")
    sink = Sink()
    assert load(path, sink) is not None
    assert [f"{d.code} {d.line}:{d.column}" for d in sink.diagnostics] == ["AGW123 2:2"]
