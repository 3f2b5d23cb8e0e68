"""`apigwc.toml` / `[tool.apigwc]`: the project's defaults for `apigwc serve` and `apigwc build`.

Flows in: the first `apigwc.toml`, else `pyproject.toml` holding a `[tool.apigwc]` table, found in
the working folder or one of its parents (as ruff and black find theirs). Flows out: `Config`,
whose `defaults` become click's `default_map` of each command, so the order of precedence is
click's own: a command-line flag, then its `APIGWC_*` environment variable (`envvar=` on the
option), then the file, then the built-in default. A path in the file (`spec`) is relative to
the file's folder, not to the working folder.

Keys (kebab-case, as `pyproject.toml` tools write them): `spec`, `stage`, `host`, `port`,
`workers`, `state`, `aws-endpoint`, `log-format`, the `env` table of handler environment
variables: a string value is set for every function, a table value (`[env.GetPet]`) for that
function only (SAM's `--env-vars` file has the same two levels), and the `stage-variables`
table, the same two levels over the spec's stage variables (`[stage-variables.prod]`): the local
stand-in for the values a deployment would override. A bad file is a `ConfigError`
whose message starts with `file:line:` (tomllib's own position for a syntax error, the key's
line for a wrong key or value), so editors and terminals can jump to it.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FILE = "apigwc.toml"
PYPROJECT = "pyproject.toml"

# key -> (the type expected, what a message calls it)
_SCALARS: dict[str, tuple[type, str]] = {
    "spec": (str, "a path"),
    "stage": (str, "a stage name"),
    "host": (str, "an address"),
    "port": (int, "a port number"),
    "workers": (int, "a number of workers"),
    "state": (str, "memory or redis://HOST:PORT/DB"),
    "aws-endpoint": (str, "a URL"),
    "log-format": (str, "text, json or off"),
}
LOG_FORMATS = ("text", "json", "off")
# The `serve` and `build` parameters each key sets (click's parameter names).
_SERVE = {
    "spec": "spec",
    "stage": "stage",
    "host": "host",
    "port": "port",
    "workers": "workers",
    "state": "state",
    "aws-endpoint": "aws_endpoint",
    "log-format": "log_format",
}
_BUILD = {"spec": "spec", "stage": "stage"}
_TABLES = ("env", "stage-variables")


class ConfigError(Exception):
    """A configuration file apigwc cannot use; the message is `file:line: what is wrong`."""


@dataclass(frozen=True)
class Config:
    path: Path | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    # function name ("" for every function) -> variables
    env: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # stage name ("" for every stage) -> stage variables over the spec's
    stage_variables: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def defaults(self, command: str) -> dict[str, Any]:
        """The file's values as click's `default_map` entries of `command`."""
        names = _SERVE if command == "serve" else _BUILD if command == "build" else {}
        return {names[key]: value for key, value in self.values.items() if key in names}


def find(start: Path) -> Path | None:
    """`apigwc.toml`, else a `pyproject.toml` with `[tool.apigwc]`, in `start` or a parent."""
    for folder in (start, *start.parents):
        if (folder / FILE).is_file():
            return folder / FILE
        pyproject = folder / PYPROJECT
        if pyproject.is_file() and re.search(r"^\[tool\.apigwc[.\]]", _text(pyproject), re.M):
            return pyproject
    return None


def load(start: Path | None = None) -> Config:
    """The configuration in force for a command run in `start` (default: the working folder)."""
    path = find((start or Path.cwd()).resolve())
    if path is None:
        return Config()
    text = _text(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}:{_error_line(error)}: {_error_message(error)}") from None
    table = data.get("tool", {}).get("apigwc", {}) if path.name == PYPROJECT else data
    return _parse(path, text, table)


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}:1: cannot read the file ({error})") from None


def _error_line(error: tomllib.TOMLDecodeError) -> int:
    found = re.search(r"\(at line (\d+)", str(error))
    return int(found.group(1)) if found else 1


def _error_message(error: tomllib.TOMLDecodeError) -> str:
    return re.sub(r"\s*\(at line \d+, column \d+\)|\s*\(at end of document\)", "", str(error))


def _parse(path: Path, text: str, table: Any) -> Config:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}:1: [tool.apigwc] must be a table")
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key in _TABLES:
            continue
        expected = _SCALARS.get(key)
        if expected is None:
            known = ", ".join([*_SCALARS, *_TABLES])
            raise ConfigError(f"{path}:{_line_of(text, key)}: unknown key {key!r} (known: {known})")
        _check_scalar(path, text, key, value, expected)
        values[key] = value
    if "spec" in values:
        values["spec"] = str(path.parent / values["spec"])
    env = _parse_env(path, text, "env", table.get("env", {}))
    variables = _parse_env(path, text, "stage-variables", table.get("stage-variables", {}))
    return Config(path, values, env, variables)


def _check_scalar(path: Path, text: str, key: str, value: Any, expected: tuple[type, str]) -> None:
    kind, what = expected
    wrong = not isinstance(value, kind) or isinstance(value, bool)
    if not wrong and key == "port":
        wrong = not 0 <= value <= 65535
    if not wrong and key == "workers":
        wrong = value < 1
    if not wrong and key == "log-format":
        wrong = value not in LOG_FORMATS
    if wrong:
        raise ConfigError(f"{path}:{_line_of(text, key)}: {key} must be {what}, not {value!r}")


def _parse_env(path: Path, text: str, key: str, env: Any) -> dict[str, dict[str, str]]:
    """`env` or `stage-variables`: string values for every function (stage), tables of them
    for one."""
    if not isinstance(env, dict):
        raise ConfigError(f"{path}:{_line_of(text, key)}: {key} must be a table")
    parsed: dict[str, dict[str, str]] = {"": {}}
    for name, value in env.items():
        if isinstance(value, dict):
            parsed[name] = {k: _env_value(path, text, k, v) for k, v in value.items()}
        else:
            parsed[""][name] = _env_value(path, text, name, value)
    return parsed


def _env_value(path: Path, text: str, name: str, value: Any) -> str:
    """Environment variables are strings; numbers and booleans are written as TOML spells
    them (`true`, `3`), the way SAM's env-vars file turns JSON values into text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise ConfigError(f"{path}:{_line_of(text, name)}: {name} must be a string, not {value!r}")


def _line_of(text: str, key: str) -> int:
    """The line where `key` is assigned or opens a table (its first occurrence)."""
    pattern = re.compile(rf"^[ \t]*(\[[^\]]*\b)?[\"']?{re.escape(key)}[\"']?\s*(=|\]|\.)", re.M)
    found = pattern.search(text)
    return text.count("\n", 0, found.start()) + 1 if found else 1
