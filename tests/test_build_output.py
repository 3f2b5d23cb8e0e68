"""`apigwc build` into a folder that holds a previous build: what it no longer writes goes.

The rule is the safe one: only files the previous build's `manifest.json` lists are removed,
and only inside the output folder. A folder without a manifest (not a previous build), files
the user put there, and anything a hostile manifest names outside the folder are never touched.
"""

from __future__ import annotations

import json
from pathlib import Path

from apigwc.cli import main
from click.testing import CliRunner

SPEC = """\
openapi: 3.0.1
info: {{title: {title}, version: '1'}}
paths:
  /ping:
    get:
      responses: {{'200': {{description: ok}}}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {{application/json: '{{"statusCode": 200}}'}}
        responses: {{default: {{statusCode: '200'}}}}
"""


def _build(spec: Path, out: Path) -> None:
    result = CliRunner().invoke(main, ["build", str(spec), "-o", str(out)])
    assert result.exit_code == 0, result.output


def _listed(out: Path) -> set[str]:
    return set(json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"])


def _on_disk(out: Path) -> set[str]:
    return {
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_a_rebuild_removes_what_the_previous_build_wrote_and_this_one_does_not(
    tmp_path: Path,
) -> None:
    spec, out = tmp_path / "api.yaml", tmp_path / "out"
    spec.write_text(SPEC.format(title="First"), encoding="utf-8")
    _build(spec, out)
    assert (out / "runtime" / "first_gateway" / "app.py").is_file()
    (out / "notes.txt").write_text("mine", encoding="utf-8")  # the user's, in no manifest

    spec.write_text(SPEC.format(title="Second"), encoding="utf-8")  # the package is renamed
    _build(spec, out)

    assert not (out / "runtime" / "first_gateway").exists()  # its files and emptied folders
    assert (out / "runtime" / "second_gateway" / "app.py").is_file()
    assert _on_disk(out) == _listed(out) | {"manifest.json", "notes.txt"}


def test_a_folder_that_is_no_previous_build_keeps_its_files(tmp_path: Path) -> None:
    spec, out = tmp_path / "api.yaml", tmp_path / "out"
    spec.write_text(SPEC.format(title="First"), encoding="utf-8")
    (out / "runtime" / "old_gateway").mkdir(parents=True)
    (out / "runtime" / "old_gateway" / "app.py").write_text("kept", encoding="utf-8")
    _build(spec, out)
    assert (out / "runtime" / "old_gateway" / "app.py").read_text(encoding="utf-8") == "kept"


def test_a_manifest_naming_files_outside_the_folder_removes_none_of_them(tmp_path: Path) -> None:
    spec, out = tmp_path / "api.yaml", tmp_path / "out"
    spec.write_text(SPEC.format(title="First"), encoding="utf-8")
    _build(spec, out)
    outside = tmp_path / "outside.txt"
    outside.write_text("keep", encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "file.txt").write_text("keep", encoding="utf-8")
    (out / "link").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"] |= {"../outside.txt": "", str(outside): "", "link/file.txt": ""}
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")

    _build(spec, out)

    assert outside.read_text(encoding="utf-8") == "keep"
    assert (tmp_path / "elsewhere" / "file.txt").read_text(encoding="utf-8") == "keep"
