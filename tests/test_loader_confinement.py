"""A spec reads files only in its own folder tree (or under `--allow-root`), only regular ones.

Each case lays out a spec folder and a folder beside it holding a secret, runs the real
`apigwc validate` / `export` / `build` in a child process (a FIFO read would hang: the timeout
fails the test instead of pytest), and checks the finding, its position and that the secret
never reaches the output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from apigwc.loader.files import NotRegular, read_regular

COMPILER = Path(__file__).parent.parent / "compiler"
SECRET = "s3cr3t-from-outside"
HEAD = "openapi: 3.0.1\ninfo: {title: t, version: '1'}\n"


def apigwc(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "apigwc", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(COMPILER)},
    )


def spec_with_ref(ref: str) -> str:
    return (
        HEAD + "paths:\n  /pets:\n    get:\n      responses:\n        '200':\n"
        "          description: ok\n          content:\n            application/json:\n"
        f"              schema: {{$ref: {json.dumps(ref)}}}\n"
        "      x-amazon-apigateway-integration: {type: mock}\n"
    )


REF_LINE, REF_COLUMN = 11, 30  # where `$ref`'s value starts in spec_with_ref


def layout(tmp_path: Path) -> tuple[Path, Path]:
    spec_dir, outside = tmp_path / "proj", tmp_path / "outside"
    spec_dir.mkdir()
    outside.mkdir()
    (outside / "secret.yaml").write_text(f"type: object\ndescription: {SECRET}\n")
    return spec_dir, outside


def fifo(folder: Path) -> str:
    os.mkfifo(folder / "pipe.yaml")
    return "pipe.yaml"


def symlink_out(folder: Path) -> str:
    (folder / "link.yaml").symlink_to(folder.parent / "outside" / "secret.yaml")
    return "link.yaml"


def symlinked_folder(folder: Path) -> str:
    (folder / "schemas").symlink_to(folder.parent / "outside")
    return "schemas/secret.yaml"


def sub_folder(folder: Path) -> str:
    (folder / "schemas").mkdir()
    return "schemas"


# (id, make the $ref in the spec folder, code, message fragment)
REFUSED: list[tuple[str, Callable[[Path], str], str, str]] = [
    ("absolute-path", lambda f: str(f.parent / "outside" / "secret.yaml"), "AGW143", "outside"),
    ("dot-dot", lambda f: "../outside/secret.yaml", "AGW143", "outside"),
    ("dot-dot-deep", lambda f: "../" * 40 + "etc/hostname", "AGW143", "outside"),
    ("etc-passwd", lambda f: "/etc/passwd", "AGW143", "outside"),
    ("device", lambda f: "/dev/zero", "AGW143", "outside"),
    ("symlink-leading-out", symlink_out, "AGW143", "outside"),
    ("through-symlinked-folder", symlinked_folder, "AGW143", "outside"),
    ("fifo-inside", fifo, "AGW144", "a FIFO (named pipe), not a regular file"),
    ("folder-inside", sub_folder, "AGW144", "a folder, not a regular file"),
]


@pytest.mark.parametrize(("case", "make", "code", "fragment"), REFUSED, ids=[r[0] for r in REFUSED])
def test_ref_outside_or_irregular_is_refused(
    tmp_path: Path, case: str, make: Callable[[Path], str], code: str, fragment: str
) -> None:
    spec_dir, _ = layout(tmp_path)
    (spec_dir / "api.yaml").write_text(spec_with_ref(make(spec_dir)))
    done = apigwc(spec_dir, "validate", "--format", "json", "api.yaml")
    assert "Traceback" not in done.stderr
    assert done.returncode == 1, done.stdout + done.stderr
    found = [d for d in json.loads(done.stdout)["diagnostics"] if d["code"] == code]
    assert len(found) == 1, done.stdout
    assert fragment in found[0]["message"]
    assert (found[0]["file"], found[0]["line"], found[0]["column"]) == (
        "api.yaml",
        REF_LINE,
        REF_COLUMN,
    )
    assert "--allow-root" in found[0]["hint"] or code == "AGW144"
    exported = apigwc(spec_dir, "export", "api.yaml")
    assert exported.returncode != 0 and SECRET not in exported.stdout + exported.stderr


def test_allow_root_widens_the_folders(tmp_path: Path) -> None:
    spec_dir, outside = layout(tmp_path)
    (spec_dir / "api.yaml").write_text(spec_with_ref("../outside/secret.yaml"))
    assert apigwc(spec_dir, "validate", "api.yaml", "--allow-root", str(outside)).returncode == 0
    exported = apigwc(spec_dir, "export", "api.yaml", "--allow-root", "../outside")
    assert exported.returncode == 0, exported.stderr
    assert SECRET in exported.stdout  # read, because the user named the folder


def test_ref_inside_the_tree_is_read(tmp_path: Path) -> None:
    spec_dir, _ = layout(tmp_path)
    (spec_dir / "schemas").mkdir()
    (spec_dir / "schemas" / "pet.yaml").write_text("type: object\ndescription: inside\n")
    (spec_dir / "api.yaml").write_text(spec_with_ref("schemas/pet.yaml"))
    assert apigwc(spec_dir, "validate", "api.yaml").returncode == 0


def spec_with_code(code_uri: str) -> str:
    return (
        HEAD + "paths:\n  /pets:\n    get:\n      responses: {'200': {description: ok}}\n"
        "      x-amazon-apigateway-integration: {type: aws_proxy, httpMethod: POST,"
        " uri: 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:us-east-1:123456789012:function:fn/invocations'}\n"
        f"x-apigwc:\n  functions:\n    fn: {{handler: 'app:handler', codeUri: {code_uri}}}\n"
    )


CODE_URIS = [
    ("parent", "..", "AGW143"),
    ("sibling", "../outside", "AGW143"),
    ("absolute", "/etc", "AGW143"),
    ("inside", "src", None),
]


@pytest.mark.parametrize(("case", "code_uri", "code"), CODE_URIS, ids=[c[0] for c in CODE_URIS])
def test_code_uri_is_confined(tmp_path: Path, case: str, code_uri: str, code: str | None) -> None:
    spec_dir, outside = layout(tmp_path)
    (outside / "app.py").write_text(f"SECRET = {SECRET!r}\n")
    (spec_dir / "src").mkdir()
    (spec_dir / "src" / "app.py").write_text("def handler(event, context):\n    return {}\n")
    (spec_dir / "api.yaml").write_text(spec_with_code(code_uri))
    out = tmp_path / "build"
    done = apigwc(spec_dir, "build", "api.yaml", "-o", str(out))
    assert "Traceback" not in done.stderr
    if code is None:
        assert done.returncode == 0, done.stderr
        return
    assert done.returncode == 1 and code in done.stderr and "codeUri" in done.stderr
    assert "api.yaml:10:43:" in done.stderr  # the codeUri's line
    assert not out.exists()


def test_code_uri_outside_builds_when_allowed(tmp_path: Path) -> None:
    spec_dir, outside = layout(tmp_path)
    (outside / "app.py").write_text("def handler(event, context):\n    return {}\n")
    (spec_dir / "api.yaml").write_text(spec_with_code("../outside"))
    out = tmp_path / "build"
    done = apigwc(spec_dir, "build", "api.yaml", "-o", str(out), "--allow-root", "../outside")
    assert done.returncode == 0, done.stderr
    assert list(out.rglob("_functions/*/app.py"))


def test_code_folder_symlinks_are_not_copied(tmp_path: Path) -> None:
    """A symlink inside an allowed code folder that leads out of it is left behind by every
    emitter (the runtime's `_functions` and the SAM template's code copy)."""
    spec_dir, outside = layout(tmp_path)
    (spec_dir / "src").mkdir()
    (spec_dir / "src" / "app.py").write_text("def handler(event, context):\n    return {}\n")
    (spec_dir / "src" / "leak.py").symlink_to(outside / "secret.yaml")
    (spec_dir / "api.yaml").write_text(spec_with_code("src"))
    out = tmp_path / "build"
    assert apigwc(spec_dir, "build", "api.yaml", "-o", str(out)).returncode == 0
    copied = [p for p in out.rglob("*") if p.is_file()]
    assert any(p.name == "app.py" for p in copied)
    assert not any(p.name == "leak.py" for p in copied)
    assert not any(SECRET.encode() in p.read_bytes() for p in copied)


def test_fifo_swapped_in_after_the_check_does_not_block(tmp_path: Path) -> None:
    """The open is non-blocking and the opened file is checked again: a FIFO with no writer
    (which a blocking open would wait on forever) is refused at once."""
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(NotRegular, match="FIFO"):
        read_regular(str(tmp_path / "pipe"), 100)


def test_serve_build_takes_allow_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`apigwc serve --allow-root DIR` reaches the build it serves (ServeOptions.allow_roots)."""
    from apigwc.serve import ServeOptions, build

    spec_dir, outside = layout(tmp_path)
    (outside / "app.py").write_text("def handler(event, context):\n    return {}\n")
    (spec_dir / "api.yaml").write_text(spec_with_code("../outside"))
    monkeypatch.chdir(tmp_path)  # the serve cache, .apigwc-cache/, is made here
    assert build(spec_dir / "api.yaml", None) is None
    options = ServeOptions(allow_roots=(str(outside),))
    built = build(spec_dir / "api.yaml", None, options.allow_roots)
    assert built is not None
    assert list(built.runtime_dir.rglob("_functions/*/app.py"))


@pytest.mark.parametrize("command", ["validate", "export", "build", "serve"])
def test_every_reading_command_has_allow_root(command: str) -> None:
    from apigwc.cli import main
    from click.testing import CliRunner

    done = CliRunner().invoke(main, [command, "--help"])
    assert done.exit_code == 0 and "--allow-root" in done.output
