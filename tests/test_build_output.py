"""`apigwc build` into a folder that holds a previous build: what it no longer writes goes.

The rule is the safe one (`emitters.output`): only files the previous build's `manifest.json`
lists are removed, only inside the output folder, and only while they hold the bytes apigwc
wrote. A folder without a manifest (not a previous build), files the user put there, and
anything a hostile manifest names outside the folder are never touched; a build that would
write over a file apigwc did not write is refused (exit 2) before it writes anything.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
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


def _build_output(spec: Path, out: Path, exit_code: int = 0) -> str:
    """What `apigwc build` printed on stderr."""
    result = CliRunner().invoke(main, ["build", str(spec), "-o", str(out)])
    assert result.exit_code == exit_code, result.output
    return result.stderr


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


def test_a_rebuild_removes_the_bytecode_python_compiled_from_a_removed_module(
    tmp_path: Path,
) -> None:
    """`apigwc serve` runs the build it wrote, so Python leaves `__pycache__` beside our files."""
    spec, out = tmp_path / "api.yaml", tmp_path / "out"
    spec.write_text(SPEC.format(title="First"), encoding="utf-8")
    _build(spec, out)
    cache = out / "runtime" / "first_gateway" / "__pycache__"
    cache.mkdir()
    (cache / "app.cpython-312.pyc").write_bytes(b"compiled")
    (cache / "app.cpython-312.opt-1.pyc").write_bytes(b"compiled")

    spec.write_text(SPEC.format(title="Second"), encoding="utf-8")
    _build(spec, out)

    assert not (out / "runtime" / "first_gateway").exists()


def test_a_stale_file_edited_since_apigwc_wrote_it_is_kept_with_a_note(tmp_path: Path) -> None:
    spec, out = tmp_path / "api.yaml", tmp_path / "out"
    spec.write_text(SPEC.format(title="First"), encoding="utf-8")
    _build(spec, out)
    edited = out / "runtime" / "first_gateway" / "app.py"
    edited.write_text("# my change\n", encoding="utf-8")

    spec.write_text(SPEC.format(title="Second"), encoding="utf-8")
    stderr = _build_output(spec, out)

    assert edited.read_text(encoding="utf-8") == "# my change\n"
    assert "note: kept" in stderr and "app.py" in stderr and "changed since apigwc" in stderr
    assert not (out / "runtime" / "first_gateway" / "__init__.py").exists()  # unchanged: gone


def test_a_folder_that_is_no_previous_build_gets_a_note(tmp_path: Path) -> None:
    spec, out = tmp_path / "api.yaml", tmp_path / "out"
    spec.write_text(SPEC.format(title="First"), encoding="utf-8")
    out.mkdir()
    (out / "README.md").write_text("mine", encoding="utf-8")

    stderr = _build_output(spec, out)

    assert "no apigwc build wrote" in stderr and "kept" in stderr
    assert (out / "README.md").read_text(encoding="utf-8") == "mine"
    assert "README.md" not in _listed(out)
    assert _build_output(spec, out) == ""  # now a previous build: nothing to say


@pytest.mark.parametrize(
    "foreign",
    ["manifest.json", "openapi/openapi.yaml", "runtime/pyproject.toml"],
)
def test_a_build_that_would_write_over_a_users_file_is_refused(
    tmp_path: Path, foreign: str
) -> None:
    """A folder that is no previous build (here a project with its own `manifest.json` or
    `openapi/`): nothing is written, nothing removed, and the message names the file."""
    spec, out = tmp_path / "api.yaml", tmp_path / "out"
    spec.write_text(SPEC.format(title="First"), encoding="utf-8")
    (out / foreign).parent.mkdir(parents=True, exist_ok=True)
    (out / foreign).write_text('{"name": "mine"}', encoding="utf-8")
    before = _on_disk(out)

    stderr = _build_output(spec, out, exit_code=2)

    assert f"holds files apigwc did not write where this build writes ({foreign})" in stderr
    assert _on_disk(out) == before
    assert (out / foreign).read_text(encoding="utf-8") == '{"name": "mine"}'


def test_a_user_file_where_the_new_build_writes_is_refused_in_a_previous_build(
    tmp_path: Path,
) -> None:
    """The previous manifest vouches only for the files it lists: a file the user added at a
    path the new build writes (the renamed package) is theirs."""
    spec, out = tmp_path / "api.yaml", tmp_path / "out"
    spec.write_text(SPEC.format(title="First"), encoding="utf-8")
    _build(spec, out)
    mine = out / "runtime" / "second_gateway" / "app.py"
    mine.parent.mkdir(parents=True)
    mine.write_text("mine", encoding="utf-8")

    spec.write_text(SPEC.format(title="Second"), encoding="utf-8")
    stderr = _build_output(spec, out, exit_code=2)

    assert "runtime/second_gateway/app.py" in stderr
    assert mine.read_text(encoding="utf-8") == "mine"
    assert (out / "runtime" / "first_gateway" / "app.py").is_file()  # nothing removed


def test_a_symlink_on_the_way_of_a_written_file_is_refused(tmp_path: Path) -> None:
    """A link inside the output folder would send the build's writes elsewhere."""
    spec, out = tmp_path / "api.yaml", tmp_path / "out"
    spec.write_text(SPEC.format(title="First"), encoding="utf-8")
    _build(spec, out)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.rmtree(out / "openapi")
    (out / "openapi").symlink_to(elsewhere, target_is_directory=True)

    stderr = _build_output(spec, out, exit_code=2)

    assert "openapi/openapi.yaml" in stderr
    assert list(elsewhere.iterdir()) == []


def test_serve_refuses_a_cache_folder_it_did_not_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from apigwc.serve import CACHE, build

    spec = tmp_path / "api.yaml"
    spec.write_text(SPEC.format(title="First"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    (CACHE / "first").mkdir(parents=True)
    (CACHE / "first" / "manifest.json").write_text("{}", encoding="utf-8")

    assert build(spec, None) is None
    assert "holds files apigwc did not write" in capsys.readouterr().err
    assert (CACHE / "first" / "manifest.json").read_text(encoding="utf-8") == "{}"
