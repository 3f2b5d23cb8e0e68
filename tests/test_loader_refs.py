"""`$ref` resolution: local pointers, relative files, percent-encoding, and every way a reference
can fail (AGW101, AGW110-AGW113), each reported at the `$ref` that causes it.

Findings are compared as `"CODE file:line:column"` strings, so a failing case shows at a glance
what was reported where.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from apigwc.diagnostics import Origin, Sink
from apigwc.loader import Document, load

DATA = Path(__file__).parent / "data" / "loader" / "refs"
COMPILER = Path(__file__).parent.parent / "compiler"


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")


def findings(sink: Sink) -> list[str]:
    return [f"{d.code} {d.file}:{d.line}:{d.column}" for d in sink.diagnostics]


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def refs(here: Path) -> Document:
    shutil.copytree(DATA, here, dirs_exist_ok=True)
    sink = Sink()
    doc = load("root.yaml", sink)
    assert doc is not None
    assert not sink.diagnostics, findings(sink)
    return doc


def test_every_referenced_file_is_loaded_once(refs: Document) -> None:
    assert sorted(refs.files) == [
        "root.yaml",
        "shared/my item.yaml",
        "shared/params.yaml",
        "sub/paths.yaml",
    ]


RESOLVED = [
    # (id, file and pointer of the object holding `$ref`, operationId or name found, target)
    (
        "local-pointer",
        "root.yaml",
        "/paths/~1local",
        "local",
        Origin("root.yaml", "/x-paths/Local"),
    ),
    ("relative-file", "root.yaml", "/paths/~1file", "fromFile", Origin("sub/paths.yaml", "/Item")),
    (
        "percent-encoded-pointer",
        "root.yaml",
        "/paths/~1encoded",
        "encoded",
        Origin("root.yaml", "/x-paths/{proxy+}"),
    ),
    (
        "percent-encoded-file-name",
        "root.yaml",
        "/paths/~1spaced",
        "spaced",
        Origin("shared/my item.yaml", ""),
    ),
    (
        "parent-folder-from-referenced-file",
        "sub/paths.yaml",
        "/Item/get/parameters/0",
        "limit",
        Origin("shared/params.yaml", "/Limit"),
    ),
]


@pytest.mark.parametrize(
    ("case", "file", "pointer", "name", "target"), RESOLVED, ids=[r[0] for r in RESOLVED]
)
def test_reference_resolves(
    refs: Document, case: str, file: str, pointer: str, name: str, target: Origin
) -> None:
    holder = Origin(file, pointer)
    value, origin = refs.deref(refs.get(holder), holder)
    assert origin == target
    assert name in (value.get("name"), value.get("get", {}).get("operationId"))


SPEC_HEAD = "openapi: 3.0.1\ninfo: {title: t, version: '1'}\npaths: {}\n"

FAILURES = [
    # (id, files (the first is loaded), findings, a text each message holds, in order)
    (
        "missing-file",
        {"spec.yaml": SPEC_HEAD + "x-a:\n  $ref: 'nope.yaml'\n"},
        ["AGW101 spec.yaml:5:9"],
        ["cannot read nope.yaml"],
    ),
    (
        "missing-file-cited-from-referenced-file",
        {
            "spec.yaml": SPEC_HEAD + "x-a: {$ref: 'sub/a.yaml'}\n",
            "sub/a.yaml": "b:\n  $ref: '../gone.yaml#/b'\n",
        },
        ["AGW101 sub/a.yaml:2:9"],
        ["cannot read gone.yaml"],
    ),
    (
        "missing-file-reported-once",
        {"spec.yaml": SPEC_HEAD + "x-a: {$ref: n.yaml}\nx-b: {$ref: 'n.yaml#/b'}\n"},
        ["AGW101 spec.yaml:4:13"],
        ["n.yaml"],
    ),
    (
        "missing-local-pointer",
        {"spec.yaml": SPEC_HEAD + "x-a: {$ref: '#/components/parameters/Id'}\n"},
        ["AGW110 spec.yaml:4:13"],
        ["'#/components/parameters/Id' points to nothing: no 'components'"],
    ),
    (
        "missing-pointer-in-other-file",
        {
            "spec.yaml": SPEC_HEAD + "x-a:\n  $ref: 'other.yaml#/b/c'\n",
            "other.yaml": "b: {}\n",
        },
        ["AGW110 spec.yaml:5:9"],
        ["'other.yaml#/b/c' points to nothing: no 'c'"],
    ),
    (
        "index-out-of-range",
        {"spec.yaml": SPEC_HEAD + "x-l: [1]\nx-a: {$ref: '#/x-l/1'}\n"},
        ["AGW110 spec.yaml:5:13"],
        ["no '1'"],
    ),
    (
        "fragment-without-slash",
        {"spec.yaml": SPEC_HEAD + "x-a: {$ref: '#Pet'}\n"},
        ["AGW110 spec.yaml:4:13"],
        ["must start with '/'"],
    ),
    (
        "not-a-string",
        {"spec.yaml": SPEC_HEAD + "x-a: {$ref: [1]}\n"},
        ["AGW113 spec.yaml:4:13"],
        ["not list"],
    ),
    # A cycle is reported once, at the first `$ref` that leads into it, with the whole loop.
    (
        "cycle-of-two",
        {
            "spec.yaml": SPEC_HEAD
            + (
                "components:\n  parameters:\n    A: {$ref: '#/components/parameters/B'}\n"
                "    B: {$ref: '#/components/parameters/A'}\n"
            )
        },
        ["AGW111 spec.yaml:6:15"],
        [
            "spec.yaml#/components/parameters/A -> spec.yaml#/components/parameters/B"
            " -> spec.yaml#/components/parameters/A"
        ],
    ),
    (
        "use-of-a-cycle",
        {
            "spec.yaml": SPEC_HEAD
            + (
                "x-use: {$ref: '#/components/parameters/A'}\n"
                "components:\n  parameters:\n    A: {$ref: '#/components/parameters/B'}\n"
                "    B: {$ref: '#/components/parameters/A'}\n"
            )
        },
        ["AGW111 spec.yaml:4:15"],
        [
            "spec.yaml#/x-use -> spec.yaml#/components/parameters/A -> spec.yaml#/components/parameters/B"
            " -> spec.yaml#/components/parameters/A"
        ],
    ),
    (
        "self-reference",
        {"spec.yaml": SPEC_HEAD + "x-a: {$ref: '#/x-a'}\n"},
        ["AGW111 spec.yaml:4:13"],
        ["spec.yaml#/x-a -> spec.yaml#/x-a"],
    ),
    (
        "cycle-across-files",
        {
            "spec.yaml": SPEC_HEAD + "x-a: {$ref: 'b.yaml#/x'}\n",
            "b.yaml": "x: {$ref: 'spec.yaml#/x-a'}\n",
        },
        ["AGW111 spec.yaml:4:13"],
        ["spec.yaml#/x-a -> b.yaml#/x -> spec.yaml#/x-a"],
    ),
    (
        "two-separate-cycles",
        {"spec.yaml": SPEC_HEAD + "x-a: {$ref: '#/x-a'}\nx-b: {$ref: '#/x-b'}\n"},
        ["AGW111 spec.yaml:4:13", "AGW111 spec.yaml:5:13"],
        ["#/x-a -> ", "#/x-b -> "],
    ),
    (
        "remote-refused",
        {"spec.yaml": SPEC_HEAD + "x-a: {$ref: 'https://example.com/x.yaml#/Pet'}\n"},
        ["AGW112 spec.yaml:4:13"],
        ["'https://example.com/x.yaml' is remote"],
    ),
    (
        "unreadable-referenced-file-reported-in-it-once",
        {
            "spec.yaml": SPEC_HEAD + "x-a: {$ref: bad.yaml}\nx-b: {$ref: 'bad.yaml#/a'}\n",
            "bad.yaml": "a: 1\n b: [\n",
        },
        ["AGW103 bad.yaml:2:3"],
        ["YAML syntax error"],
    ),
    (
        "json-root-positions",
        {"spec.json": '{"openapi": "3.0.1", "paths": {},\n "x-a": {"$ref": "no.json"}}'},
        ["AGW101 spec.json:2:18"],
        ["cannot read no.json"],
    ),
]


@pytest.mark.parametrize(
    ("case", "files", "expected", "messages"), FAILURES, ids=[f[0] for f in FAILURES]
)
def test_reference_failure_is_reported_at_the_ref(
    here: Path, case: str, files: dict[str, str], expected: list[str], messages: list[str]
) -> None:
    write(here, files)
    sink = Sink()
    doc = load(next(iter(files)), sink)
    assert doc is not None  # a bad reference does not make the root unreadable
    assert findings(sink) == expected
    for diagnostic, text in zip(sink.diagnostics, messages, strict=True):
        assert text in diagnostic.message


NOT_THE_LOADERS = [
    # A missing model is the lowering's to report (REST rejects it, HTTP APIs only warn).
    ("missing-oas3-schema", "x-a: {$ref: '#/components/schemas/Missing'}\n"),
    ("missing-swagger-definition", "x-a: {$ref: '#/definitions/Missing'}\n"),
    # API Gateway's own model URL form names a model of the API, not a file to fetch.
    (
        "api-gateway-model-url",
        "x-a: {$ref: 'https://apigateway.amazonaws.com/restapis/abc/models/Pet'}\n",
    ),
]


@pytest.mark.parametrize(("case", "body"), NOT_THE_LOADERS, ids=[n[0] for n in NOT_THE_LOADERS])
def test_references_left_to_the_lowering(here: Path, case: str, body: str) -> None:
    write(here, {"spec.yaml": SPEC_HEAD + body})
    sink = Sink()
    doc = load("spec.yaml", sink)
    assert doc is not None
    assert not sink.diagnostics, findings(sink)
    assert list(doc.files) == ["spec.yaml"]


_NO_NETWORK = """
import json, sys
def refuse(event, args):
    if event.startswith(("socket.", "urllib.")):
        raise SystemExit(f"network access: {event} {args!r}")
sys.addaudithook(refuse)
from apigwc.diagnostics import Sink
from apigwc.loader import load
sink = Sink()
doc = load(sys.argv[1], sink, allow_remote_refs=False)
print(json.dumps([[d.code, d.line, d.column] for d in sink.diagnostics]))
"""


def test_remote_reference_touches_no_network(here: Path) -> None:
    """Refused before any socket is opened: an audit hook ends the process on the first one."""
    write(
        here,
        {
            "spec.yaml": SPEC_HEAD
            + (
                "x-a: {$ref: 'https://example.com/x.yaml'}\n"
                "x-b: {$ref: 'http://127.0.0.1:9/y.json#/a'}\n"
                "x-c: {$ref: 'https://apigateway.amazonaws.com/restapis/abc/models/Pet'}\n"
            )
        },
    )
    done = subprocess.run(
        [sys.executable, "-c", _NO_NETWORK, "spec.yaml"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": str(COMPILER)},
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [["AGW112", 4, 13], ["AGW112", 5, 13]]


def test_long_local_reference_chain_resolves_iteratively(here: Path) -> None:
    links = "".join(f"  l{i}: {{$ref: '#/x-chain/l{i + 1}'}}\n" for i in range(3000))
    write(here, {"spec.yaml": SPEC_HEAD + "x-chain:\n" + links + "  l3000: {end: true}\n"})
    sink = Sink()
    doc = load("spec.yaml", sink)
    assert doc is not None
    assert not sink.diagnostics
    value, origin = doc.deref(doc.data["x-chain"]["l0"], Origin("spec.yaml", "/x-chain/l0"))
    assert value == {"end": True}
    assert origin == Origin("spec.yaml", "/x-chain/l3000")


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A folder served over HTTP on the loopback interface, and its base URL."""
    folder = tmp_path / "site"
    folder.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(folder))
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield folder, f"http://127.0.0.1:{server.server_address[1]}"
        server.shutdown()


def test_remote_references_when_allowed(here: Path, served: tuple[Path, str]) -> None:
    """A file reached by URL keeps its URL, and its own relative `$ref`s are URLs too."""
    site, base = served
    write(site, {"lib/a.yaml": "A: {$ref: 'b.yaml#/B'}\n", "lib/b.yaml": "B:\n  value: 1\n"})
    write(
        here,
        {
            "spec.yaml": SPEC_HEAD + f"x-a: {{$ref: '{base}/lib/a.yaml#/A'}}\n"
            f"x-gone: {{$ref: '{base}/gone.yaml'}}\n"
        },
    )
    sink = Sink()
    doc = load("spec.yaml", sink, allow_remote_refs=True)
    assert doc is not None
    assert findings(sink) == ["AGW101 spec.yaml:5:16"]
    assert sorted(doc.files) == [f"{base}/lib/a.yaml", f"{base}/lib/b.yaml", "spec.yaml"]
    value, origin = doc.deref(doc.data["x-a"], Origin("spec.yaml", "/x-a"))
    assert (value, origin) == ({"value": 1}, Origin(f"{base}/lib/b.yaml", "/B"))
    position = doc.locate(origin.child("value"))
    assert position is not None and (position.line, position.column) == (2, 10)
