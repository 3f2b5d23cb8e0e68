"""Local Lambda functions: `x-apigwc.functions` handlers run in-process, like Lambda would.

Flows in: the functions table (generated data: handler `module:function`, code folder, timeout,
memory, environment) and an event. Flows out: the handler's result, serialised and parsed as
JSON the way Lambda returns it, or an exception: `FunctionError` (the handler raised, its result
is not JSON, or it ran past the function timeout) or `asyncio.TimeoutError` (past the
integration timeout, which API Gateway answers with 504).

Handlers run on a bounded thread pool so a slow handler never blocks the event loop; a handler
that overruns keeps its thread until it returns (Python cannot stop a thread), but the client
has its answer at the timeout.
"""

from __future__ import annotations

import asyncio
import functools
import importlib.util
import json
import os
import queue
import re
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from .context import request_id

Handler = Callable[[Any, Any], Any]
_MODULE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
DEFAULT_TIMEOUT_S = 3  # Lambda's default function timeout
DEFAULT_MEMORY_MB = 128


class FunctionError(Exception):
    """The function failed (Lambda's `X-Amz-Function-Error: Unhandled`); `error_message` and
    `error_type` are what Lambda reports (`errorMessage`, `errorType`)."""

    def __init__(self, error_message: str, error_type: str = "Runtime.Error") -> None:
        super().__init__(error_message)
        self.error_message = error_message
        self.error_type = error_type


@functools.cache
def _log_stream(name: str) -> str:
    """One log stream per function and process, as one Lambda execution environment has."""
    return time.strftime("%Y/%m/%d/[$LATEST]") + uuid.uuid4().hex


class LambdaContext:
    """The context object a Python Lambda handler receives."""

    def __init__(self, name: str, config: Mapping[str, Any], region: str, account: str) -> None:
        self.function_name = name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{account}:function:{name}"
        self.memory_limit_in_mb = int(config.get("memorySize") or DEFAULT_MEMORY_MB)
        self.aws_request_id = request_id(None)  # a fresh UUID, built the cheap way
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = _log_stream(name)
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + float(config.get("timeout") or DEFAULT_TIMEOUT_S)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class WorkerPool:
    """A bounded pool of handler threads, lighter than `run_in_executor`: a worker hands its
    result straight to the asyncio future of the request (one thread hop each way). Results
    finished while the loop has not yet run the previous hand-off join it, so a busy loop is
    woken once per batch rather than once per invocation."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.jobs: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()
        self.started = 0
        self.idle = 0
        self.lock = threading.Lock()
        # Per event loop: results waiting for the loop, or absent when no hand-off is pending.
        self.finished: dict[asyncio.AbstractEventLoop, list[tuple[Any, ...]]] = {}

    def submit(
        self, loop: asyncio.AbstractEventLoop, fn: Callable[..., Any], *args: Any
    ) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = loop.create_future()
        with self.lock:
            if self.idle == 0 and self.started < self.size:
                self.started += 1
                threading.Thread(
                    target=self._work, name=f"lambda-{self.started}", daemon=True
                ).start()
            else:
                self.idle = max(0, self.idle - 1)
        self.jobs.put((loop, future, fn, args))
        return future

    def _work(self) -> None:
        while True:
            loop, future, fn, args = self.jobs.get()
            try:
                result, error = fn(*args), None
            except BaseException as exc:  # handed to the awaiting request, re-raised there
                result, error = None, exc
            with self.lock:
                self.idle += 1
                batch = self.finished.get(loop)
                if batch is not None:  # a hand-off is pending: the loop takes this one too
                    batch.append((future, result, error))
                    continue
                self.finished[loop] = [(future, result, error)]
            try:
                loop.call_soon_threadsafe(self._settle_all, loop)
            except RuntimeError:  # the loop closed while the handler ran: nobody waits
                with self.lock:
                    self.finished.pop(loop, None)

    def _settle_all(self, loop: asyncio.AbstractEventLoop) -> None:
        with self.lock:
            batch = self.finished.pop(loop, [])
        for future, result, error in batch:
            _settle(future, result, error)


async def _before(
    loop: asyncio.AbstractEventLoop, call: asyncio.Future[Any], seconds: float
) -> Any:
    """The result of `call`, or TimeoutError after `seconds`. A timer that fails the future is a
    third of the cost of `asyncio.timeout` (no task cancellation), which is per invocation."""
    timer = loop.call_later(seconds, _expire, call)
    try:
        return await call
    finally:
        timer.cancel()


def _expire(future: asyncio.Future[Any]) -> None:
    if not future.done():
        future.set_exception(TimeoutError())


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():  # the request timed out and stopped waiting
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class Functions:
    """The API's functions, loaded once on first use, invoked on a bounded pool."""

    def __init__(
        self,
        table: Mapping[str, Mapping[str, Any]],
        base: Path,
        region: str,
        account: str,
        workers: int = 32,
    ) -> None:
        self.table = table
        self.base = base
        self.region = region
        self.account = account
        self.pool = WorkerPool(workers)
        self._handlers: dict[str, Handler] = {}

    def resolve(self, name: str) -> str | None:
        """A function name from an ARN may carry an alias or version (`name:live`)."""
        if name in self.table:
            return name
        base = name.split(":")[0]
        return base if base in self.table else None

    def handler(self, name: str) -> Handler:
        if name not in self._handlers:
            self._handlers[name] = self._load(name)
        return self._handlers[name]

    def _load(self, name: str) -> Handler:
        config = self.table[name]
        module_name, _, attr = str(config["handler"]).rpartition(":")
        if not module_name:  # Lambda's own spelling: module.function
            module_name, _, attr = str(config["handler"]).rpartition(".")
        folder = self.base / str(config["codeDir"])
        for key, value in (config.get("environment") or {}).items():
            os.environ.setdefault(str(key), str(value))
        module = _import(folder, module_name)
        handler = getattr(module, attr, None)
        if not callable(handler):
            raise FunctionError(f"handler {config['handler']!r} not found")
        return handler  # type: ignore[no-any-return]

    async def invoke(self, name: str, event: Any, integration_timeout_s: float) -> Any:
        """Run the handler; past the integration timeout raise `asyncio.TimeoutError`."""
        config = self.table[name]
        context = LambdaContext(name, config, self.region, self.account)
        function_timeout = float(config.get("timeout") or DEFAULT_TIMEOUT_S)
        loop = asyncio.get_running_loop()
        call = self.pool.submit(loop, self._run, name, event, context)
        if integration_timeout_s <= function_timeout:
            return await _before(loop, call, integration_timeout_s)
        try:
            return await _before(loop, call, function_timeout)
        except TimeoutError:
            message = f"Task timed out after {function_timeout:.2f} seconds"
            raise FunctionError(message, "Sandbox.Timedout") from None

    def _run(self, name: str, event: Any, context: LambdaContext) -> Any:
        try:
            result = self.handler(name)(event, context)
            # Lambda returns the JSON serialisation of the result: tuples become lists, and a
            # value that cannot be serialised is a function error.
            return _as_returned(result)
        except FunctionError:
            raise
        except Exception as exc:
            # Lambda writes the traceback to the function's log; here it goes to stderr.
            traceback.print_exc(file=sys.stderr)
            raise FunctionError(str(exc), type(exc).__name__) from exc


_PLAIN = (str, int, float, type(None))  # exact types JSON returns unchanged (bool is an int)
_COPY_DEPTH = 32  # deeper results take the json round trip, which also detects cycles


def _as_returned(result: Any) -> Any:
    """The result as Lambda returns it: the JSON round trip of the handler's value.

    A result of plain dicts (string keys), lists and scalars round-trips to an equal copy, so
    it is copied directly (the common proxy response, a third of the cost); anything else
    (tuples, non-string keys, other types, deep nesting) takes `json.loads(json.dumps(...))`,
    which also raises for what Lambda cannot serialise."""
    copied = _plain_copy(result, 0)
    if copied is _NOT_PLAIN:
        return json.loads(json.dumps(result))
    return copied


_NOT_PLAIN: Any = object()


def _plain_copy(value: Any, depth: int) -> Any:
    kind = type(value)
    if kind in _PLAIN or kind is bool:
        return value
    if depth >= _COPY_DEPTH:
        return _NOT_PLAIN
    if kind is dict:
        out = {}
        for key, item in value.items():
            if type(key) is not str:
                return _NOT_PLAIN
            copied = _plain_copy(item, depth + 1)
            if copied is _NOT_PLAIN:
                return _NOT_PLAIN
            out[key] = copied
        return out
    if kind is list:
        items = []
        for item in value:
            copied = _plain_copy(item, depth + 1)
            if copied is _NOT_PLAIN:
                return _NOT_PLAIN
            items.append(copied)
        return items
    return _NOT_PLAIN


def _import(folder: Path, module_name: str) -> ModuleType:
    """Import `module_name` from the function's code folder, which joins sys.path as in Lambda.

    The name must be a dotted Python identifier: a handler string is spec text and must not
    name a file outside the code folder."""
    if not _MODULE_NAME.fullmatch(module_name):
        raise FunctionError(f"invalid handler module {module_name!r}")
    path = folder / (module_name.replace(".", "/") + ".py")
    if not path.is_file():
        raise FunctionError(f"module {module_name!r} not found in {folder}")
    if str(folder) not in sys.path:
        sys.path.append(str(folder))
    unique = f"_apigwc_fn_{abs(hash(str(folder))):x}_{module_name.replace('.', '_')}"
    if unique in sys.modules:
        return sys.modules[unique]
    spec = importlib.util.spec_from_file_location(unique, path)
    if spec is None or spec.loader is None:
        raise FunctionError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[unique] = module
    spec.loader.exec_module(module)
    return module
