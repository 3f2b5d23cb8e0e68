"""What a local Lambda invocation sees beside its event: its environment, and who is running.

Flows in: a function's table entry (handler, code folder, memory, `environment`), the API's
region, and the operator's variables for handlers (`apigwc serve`'s `env` configuration, passed
as JSON in `APIGWC_FUNCTION_ENVIRONMENT`). Flows out: `environment()`, each function's variables,
and `current`, the invocation running on this thread (set by `lambda_functions.Functions._run`),
which the process's `os.environ` (`FunctionEnviron`) and the console log's handler output
(`observability/console_log.py`) read.

Lambda gives each function its own environment; here every function runs in one process, whose
`os.environ` is shared. So `os.environ` is replaced once by `FunctionEnviron`, which answers a
handler's thread from its function's variables first, then from the process's: one function's
variables never reach another, nor the gateway's own code. What a handler sets in `os.environ`
stays in its function's variables, as it stays in its Lambda execution environment. A child
process a handler starts inherits the process's environment, not its function's (the C-level
environment is the process's).

Each function sees Lambda's defined runtime variables (`AWS_REGION`, `AWS_DEFAULT_REGION`,
`AWS_LAMBDA_FUNCTION_NAME`, `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, `AWS_LAMBDA_FUNCTION_VERSION`,
`AWS_LAMBDA_LOG_GROUP_NAME`, `AWS_LAMBDA_LOG_STREAM_NAME`, `AWS_LAMBDA_INITIALIZATION_TYPE`,
`AWS_EXECUTION_ENV`, `LAMBDA_TASK_ROOT`, `_HANDLER`), which Lambda does not let a function's
configuration override, and `AWS_SAM_LOCAL=true` and `IS_OFFLINE=true`, which handler code checks
to detect a local run (SAM CLI and serverless-offline set them), which it may.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping, MutableMapping
from pathlib import Path
from typing import Any

from ..pipeline.options import json_tables

FUNCTION_ENVIRONMENT = "APIGWC_FUNCTION_ENVIRONMENT"
LOCAL_RUN = {"AWS_SAM_LOCAL": "true", "IS_OFFLINE": "true"}

# `current.invocation`: (event, LambdaContext, the function's variables) while a handler runs on
# this thread, else absent or None.
current = threading.local()


def operator_variables(environ: Mapping[str, str] | None = None) -> dict[str, dict[str, str]]:
    """`APIGWC_FUNCTION_ENVIRONMENT`: {"" (every function) or a function name: {name: value}}
    (the operator's own configuration, checked by `apigwc serve`)."""
    return json_tables((os.environ if environ is None else environ).get(FUNCTION_ENVIRONMENT))


def environment(
    name: str,
    config: Mapping[str, Any],
    facts: Any,
    region: str,
    task_root: Path,
    operator: Mapping[str, Mapping[str, str]],
) -> dict[str, str]:
    """The variables function `name` sees over the process's: the local-run markers, the
    spec's `environment`, the operator's (every function's, then this one's), then Lambda's
    defined runtime variables."""
    runtime = str(config.get("runtime") or "python3.12")
    reserved = {
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(facts.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": facts.log_group,
        "AWS_LAMBDA_LOG_STREAM_NAME": facts.log_stream,
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{runtime}",
        "_HANDLER": str(config.get("handler") or ""),
        "LAMBDA_TASK_ROOT": str(task_root),
    }
    spec = {str(k): str(v) for k, v in (config.get("environment") or {}).items()}
    return {**LOCAL_RUN, **spec, **operator.get("", {}), **operator.get(name, {}), **reserved}


def _variables() -> dict[str, str] | None:
    invocation = getattr(current, "invocation", None)
    return invocation[2] if invocation is not None else None


class FunctionEnviron(MutableMapping[str, str]):
    """`os.environ` for a process whose threads run different functions' handlers."""

    def __init__(self, process: MutableMapping[str, str]) -> None:
        self.process = process

    def __getitem__(self, key: str) -> str:
        variables = _variables()
        if variables is not None and key in variables:
            return variables[key]
        return self.process[key]

    def __setitem__(self, key: str, value: str) -> None:
        variables = _variables()
        if variables is None:
            self.process[key] = value
        else:
            variables[key] = str(value)

    def __delitem__(self, key: str) -> None:
        variables = _variables()
        if variables is not None and key in variables:
            del variables[key]
        else:
            del self.process[key]

    def __iter__(self) -> Iterator[str]:
        variables = _variables() or {}
        yield from variables
        yield from (key for key in self.process if key not in variables)

    def __len__(self) -> int:
        variables = _variables() or {}
        return len(variables) + sum(1 for key in self.process if key not in variables)

    def copy(self) -> dict[str, str]:
        return dict(self)

    def __repr__(self) -> str:
        return f"FunctionEnviron({len(self)} variables)"


def install() -> None:
    """Replace `os.environ` once per process (`os.getenv` reads it too)."""
    if not isinstance(os.environ, FunctionEnviron):
        setattr(os, "environ", FunctionEnviron(os.environ))  # noqa: B010 (mypy: _Environ)
