"""Reading a file that an untrusted spec names: inside the allowed folders, regular, bounded.

Flows in: a path a `$ref` (or a template's include, or a function's `codeUri`) names, and the
folders the reader may enter (`Roots`: the root spec's folder, and any `--allow-root DIR`).
Flows out: the file's bytes, or an exception the loader turns into a diagnostic.

Why: a spec is input from someone else. Without these checks `$ref: /etc/passwd` copied a local
file into every export and template, a `$ref` to a FIFO hung `validate`, and a `codeUri` of `..`
copied a whole home folder into the build. A path is confined after symlinks are resolved (a
link inside the folder that leads out of it is refused too); only a regular file is opened
(stat before open), and it is opened non-blocking, so a FIFO swapped in between the stat and
the open cannot hang the read; at most `limit` bytes are read.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


class NotRegular(Exception):
    """The path names a folder, device, FIFO or socket; `kind` says which."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class TooLarge(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


@dataclass(frozen=True)
class Roots:
    """The folders (real paths, symlinks resolved) whose trees a spec may read from."""

    folders: tuple[str, ...]

    @classmethod
    def of(cls, spec: str | os.PathLike[str], allowed: tuple[str, ...] = ()) -> Roots:
        """The spec's own folder, and each `--allow-root` folder."""
        base = os.path.dirname(os.path.abspath(spec))
        real = [os.path.realpath(p) for p in (base, *allowed)]
        return cls(tuple(dict.fromkeys(real)))

    def contain(self, path: str | os.PathLike[str]) -> bool:
        """True when `path`, symlinks resolved, is one of the folders or lies under one."""
        real = os.path.realpath(path)
        return any(
            real == folder or real.startswith(folder.rstrip(os.sep) + os.sep)
            for folder in self.folders
        )

    @property
    def shown(self) -> str:
        """The folders as a message names them."""
        return ", ".join(self.folders)


def file_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def read_regular(path: str, limit: int) -> bytes:
    """At most `limit` bytes of a regular file. Raises OSError, NotRegular or TooLarge."""
    mode = os.stat(path).st_mode  # follows symlinks: the file that would be read
    if not stat.S_ISREG(mode):
        raise NotRegular(file_kind(mode))
    fd = os.open(path, _OPEN_FLAGS)
    try:
        info = os.fstat(fd)  # what was opened, should the path have changed since the stat
        if not stat.S_ISREG(info.st_mode):
            raise NotRegular(file_kind(info.st_mode))
        if info.st_size > limit:
            raise TooLarge(info.st_size)
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > limit:
        raise TooLarge(size)
    return b"".join(chunks)


def copyable(path: Path, folder: Path) -> bool:
    """True for a regular file under `folder` (a resolved path) that is not a symlink and not
    reached through a symlinked sub-folder: what a build may copy out of a code folder."""
    return not path.is_symlink() and path.is_file() and path.resolve().is_relative_to(folder)
