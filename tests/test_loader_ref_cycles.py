"""References that loop through the objects holding them end as one diagnostic, never a traceback.

`$ref: "#"`, `#/paths` inside paths and references between schemas that inline each other used
to recurse until RecursionError (or, with two references each, run for ever). Each case runs the
real `apigwc validate` in a child process, with a timeout, and checks stderr has no traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

COMPILER = Path(__file__).parent.parent / "compiler"
HEAD = "openapi: 3.0.1\ninfo: {title: t, version: '1'}\n"
MOCK = (
    "      responses: {'200': {description: ok}}\n"
    "      x-amazon-apigateway-integration: {type: mock, requestTemplates: "
    "{application/json: '{}'}, responses: {default: {statusCode: '200'}}}\n"
)


def body_schema(ref: str, extra: str = "") -> str:
    """A POST whose request body schema is `{$ref: ref}` (the `$ref` is on line 9, column 28)."""
    return (
        HEAD + "paths:\n  /a:\n    post:\n      requestBody:\n        content:\n"
        f"          application/json:\n            schema: {{$ref: '{ref}'}}\n" + MOCK + extra
    )


def fan_out(levels: int, refs: int) -> str:
    """`l0` holds `refs` references to `l1`, ... : inlining copies refs**levels schemas."""
    out = "x-s:\n"
    for level in range(levels):
        out += f"  l{level}:\n    type: object\n    properties:\n"
        out += "".join(f"      p{i}: {{$ref: '#/x-s/l{level + 1}'}}\n" for i in range(refs))
    return out + f"  l{levels}: {{type: string}}\n"


def nested(levels: int) -> str:
    inner = "{type: string}"
    for _ in range(levels):
        inner = f"{{type: object, properties: {{a: {inner}}}}}"
    return f"x-s:\n  deep: {inner}\n"


MUTUAL = (
    "x-s:\n"
    "  a: {type: object, properties: {p: {$ref: '#/x-s/b'}, q: {$ref: '#/x-s/b'}}}\n"
    "  b: {type: object, properties: {p: {$ref: '#/x-s/a'}, q: {$ref: '#/x-s/a'}}}\n"
)

# (id, spec text, expected "CODE line:column" findings, a fragment of the first message)
CASES = [
    ("hash-root", body_schema("#"), ["AGW111 9:28"], "s.yaml#, which holds the $ref itself"),
    ("paths-inside-paths", body_schema("#/paths"), ["AGW111 9:28"], "#/paths, which holds"),
    ("path-item", body_schema("#/paths/~1a"), ["AGW111 9:28"], "which holds the $ref"),
    (
        "content",
        body_schema("#/paths/~1a/post/requestBody/content"),
        ["AGW111 9:28"],
        "which holds the $ref",
    ),
    (
        "path-item-ref-to-paths",
        HEAD + "paths:\n  /a: {$ref: '#/paths'}\n",
        ["AGW111 4:14"],
        "#/paths, which holds",
    ),
    (
        "mutual-with-fan-out",
        body_schema("#/x-s/a", MUTUAL),
        ["AGW111 14:44", "AGW111 14:66"],
        "#/x-s/a -> s.yaml#/x-s/b -> s.yaml#/x-s/a",
    ),
    (
        "reference-bomb",
        body_schema("#/x-s/l0", fan_out(9, 10)),
        ["AGW145 128:18"],
        "copy more than 200,000 values",
    ),
    (
        "schema-nested-200",
        body_schema("#/x-s/deep", nested(200)),
        ["AGW111 13:3109"],
        "schema nests too deep",
    ),
]


@pytest.mark.parametrize(("case", "text", "findings", "fragment"), CASES, ids=[c[0] for c in CASES])
def test_looping_reference_is_a_diagnostic(
    tmp_path: Path, case: str, text: str, findings: list[str], fragment: str
) -> None:
    (tmp_path / "s.yaml").write_text(text, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "apigwc", "validate", "--format", "json", "s.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(COMPILER)},
    )
    assert "Traceback" not in done.stderr and done.stderr == "", done.stderr[-2000:]
    assert done.returncode == 1, done.stdout
    found = [d for d in json.loads(done.stdout)["diagnostics"] if d["severity"] == "error"]
    assert sorted(f"{d['code']} {d['line']}:{d['column']}" for d in found) == findings
    assert fragment in found[0]["message"]
