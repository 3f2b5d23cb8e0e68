"""Handler reload: a handler module edited while the gateway runs is loaded again, in place.

Where it sits: beside `lambda_functions.Functions`, started by the gateway only when asked
(`apigwc serve --reload`, `GatewayOptions.reload_handlers`), with the functions loaded from the
user's own folders (`Functions.sources`). Flows in: the files of the modules loaded from those
folders (polled: a few `stat` calls, off the event loop, never on the request path). Flows out:
the changed folder's handlers and modules dropped (`Functions.forget`), so the next invocation
imports the new code, and one log line saying so.

Nothing else is restarted: connections, throttle buckets, quotas and caches stay as they are,
as a new Lambda function version leaves the API Gateway stage in front of it untouched. Module
globals of the reloaded handlers start afresh, as a new Lambda execution environment's do.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import sys
import threading
from pathlib import Path
from types import ModuleType

from .lambda_functions import Functions

log = logging.getLogger("uvicorn.error.apigwc")
POLL_S = 0.3  # how often the loaded modules' files are looked at


class HandlerReload:
    """Watches the loaded handler modules of `functions` (the folders of `functions.sources`)."""

    def __init__(self, functions: Functions) -> None:
        self.functions = functions
        self.folders = tuple(Path(folder) for folder in set(functions.sources.values()))
        self.seen: dict[str, int] = {}  # file -> its mtime (ns) when first or last looked at

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._watch, name="apigwc-reload", daemon=True)
        thread.start()
        return thread

    def _watch(self) -> None:
        event = threading.Event()
        while not event.wait(POLL_S):
            self.poll()

    def poll(self) -> list[Path]:
        """One look: reload each folder with a changed module file; the folders reloaded."""
        changed: dict[Path, list[str]] = {}
        for file, folder in self._module_files():
            mtime = _mtime(file)
            # A file first seen here may have been edited between its import and this look.
            before = self.seen.get(file, min(mtime, self.functions.loaded_at.get(folder, mtime)))
            self.seen[file] = mtime
            if before != mtime:
                changed.setdefault(folder, []).append(file)
        for folder, files in changed.items():
            self.reload(folder, files)
        return list(changed)

    def reload(self, folder: Path, files: list[str]) -> None:
        for file in files:  # a same-size edit within a second would pass the .pyc's check
            with contextlib.suppress(OSError, ValueError):
                Path(importlib.util.cache_from_source(file)).unlink(missing_ok=True)
        for name, _module in _modules_under(folder):
            sys.modules.pop(name, None)
        names = self.functions.forget(folder)
        edited = ", ".join(sorted(Path(f).name for f in files))
        log.info(
            "reloaded %s: functions %s run the new code (state and connections kept)",
            edited,
            ", ".join(names) or "none",
        )

    def _module_files(self) -> list[tuple[str, Path]]:
        return [
            (str(module.__file__), folder)
            for folder in self.folders
            for _name, module in _modules_under(folder)
        ]


def _modules_under(folder: Path) -> list[tuple[str, ModuleType]]:
    """The loaded modules whose file is in `folder`, outside hidden folders (a `.venv` inside
    a project's folder holds installed packages, not handler code) and `site-packages`."""
    found = []
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if not file:
            continue
        path = Path(file)
        if not path.is_relative_to(folder):
            continue
        parts = path.relative_to(folder).parts
        if any(p.startswith(".") or p == "site-packages" for p in parts[:-1]):
            continue
        found.append((name, module))
    return found


def _mtime(file: str) -> int:
    try:
        return Path(file).stat().st_mtime_ns
    except OSError:
        return -1  # removed: a change too
