"""The output folder of a build: what `apigwc build` writes there, removes and refuses to touch.

Flows in: the folder and the files one build emitted (`manifest.json` among them). Flows out:
the files written, the previous build's files that this one no longer writes removed, and notes
on what was kept. What apigwc wrote is known from one source only, the previous build's
`manifest.json` (every file with its sha256). The rule that keeps a user's files safe:
- a file is removed only when the previous manifest lists it, it lies inside the folder (no
  symlink, no `..`), and it still holds the bytes apigwc wrote (an edited file is kept, noted);
- a file is written over only when the previous manifest lists it; any other file already at a
  path this build writes (a folder that is not a build: the user's `openapi/`, `manifest.json`)
  stops the build before anything is written or removed (`OutputRefused`);
- a folder that holds files but no manifest of apigwc's gets a note: its files are kept.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

MANIFEST = "manifest.json"


class OutputRefused(Exception):
    """The build would write over files apigwc did not write: nothing was written or removed."""


def write(out_dir: Path, files: dict[str, bytes]) -> tuple[str, ...]:
    """Write `files` (paths relative to `out_dir`) and remove the previous build's files that
    are not among them; the notes say what was kept and why. Raises `OutputRefused`."""
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputRefused(f"{out_dir} is a file, not a folder")
    previous = _previous_files(out_dir)
    _refuse_foreign(out_dir, files, previous)
    notes = [] if previous is not None else _foreign_note(out_dir)
    notes += _remove_stale(out_dir, {k: v for k, v in (previous or {}).items() if k not in files})
    for rel, data in files.items():
        target = out_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists() or target.read_bytes() != data:
            target.write_bytes(data)
    return tuple(notes)


def _previous_files(out_dir: Path) -> dict[str, str] | None:
    """{path: sha256} of what the previous build wrote; None when the folder holds no manifest
    written by apigwc (a `manifest.json` of some other tool is the user's file)."""
    try:
        manifest = json.loads((out_dir / MANIFEST).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or "apigwc_version" not in manifest:
        return None
    listed = manifest.get("files")
    if not isinstance(listed, dict):
        return None
    return {
        rel: digest if isinstance(digest, str) else ""
        for rel, digest in listed.items()
        if isinstance(rel, str) and _is_plain_relative(rel)
    }


def _is_plain_relative(rel: str) -> bool:
    path = Path(rel)
    return bool(rel) and not path.is_absolute() and ".." not in path.parts and "\\" not in rel


def _refuse_foreign(
    out_dir: Path, files: dict[str, bytes], previous: dict[str, str] | None
) -> None:
    owned = set() if previous is None else {*previous, MANIFEST}
    foreign = sorted(rel for rel in files if _blocked(out_dir, rel, rel in owned))
    if foreign:
        shown = ", ".join(foreign[:5]) + (
            f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
        )
        raise OutputRefused(
            f"{out_dir} holds files apigwc did not write where this build writes ({shown}); "
            "nothing was written. Build into an empty folder, or one an apigwc build wrote "
            f"(its {MANIFEST} lists the files it may replace)."
        )


def _blocked(out_dir: Path, rel: str, owned: bool) -> bool:
    """Something not ours is at `rel` or on its way: a file we did not write, a folder where our
    file goes, a file where our folder goes, or a symlink (it would send the write elsewhere)."""
    path, parts = out_dir, Path(rel).parts
    for depth, part in enumerate(parts, 1):
        path = path / part
        if path.is_symlink():
            return True
        if not path.exists():
            return False
        if depth < len(parts) and not path.is_dir():
            return True
    return path.is_dir() or not owned


def _foreign_note(out_dir: Path) -> list[str]:
    if not out_dir.is_dir() or not any(out_dir.iterdir()):
        return []
    return [
        f"{out_dir} holds files no apigwc build wrote (it had no {MANIFEST} of apigwc's); they "
        "are kept, and later builds remove only files a build wrote"
    ]


def _remove_stale(out_dir: Path, stale: dict[str, str]) -> list[str]:
    """Delete what the previous build wrote and this one does not (e.g. the handler of a removed
    function), with the bytecode Python compiled from it and the folders left empty."""
    root, notes = out_dir.resolve(), []
    for rel, digest in sorted(stale.items()):
        target = out_dir / rel
        if target.is_symlink() or not target.is_file() or not _inside(target.parent, root):
            continue
        if hashlib.sha256(target.read_bytes()).hexdigest() != digest:
            notes.append(f"kept {target}: no longer generated, but changed since apigwc wrote it")
            continue
        target.unlink()
        _remove_bytecode(target)
        _remove_empty_folders(target.parent, root)
    return notes


def _inside(folder: Path, root: Path) -> bool:
    try:
        return folder.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a symlink loop
        return False


def _remove_bytecode(source: Path) -> None:
    """`__pycache__/<name>.<tag>.pyc` of a removed module: Python wrote it from our file."""
    if source.suffix != ".py":
        return
    cache = source.parent / "__pycache__"
    for compiled in cache.glob(f"{source.stem}.*.pyc"):
        if compiled.is_file() and not compiled.is_symlink():
            compiled.unlink()
    if cache.is_dir() and not cache.is_symlink() and not any(cache.iterdir()):
        cache.rmdir()


def _remove_empty_folders(folder: Path, root: Path) -> None:
    while folder.resolve() != root and _inside(folder, root):
        try:
            folder.rmdir()  # only when empty
        except OSError:
            return
        folder = folder.parent
