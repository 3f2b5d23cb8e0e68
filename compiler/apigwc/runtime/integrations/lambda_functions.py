"""Local Lambda functions: `x-apigwc.functions` handlers run in-process, like Lambda would.

Flows in: the functions table (generated data: handler `module:function`, code folder, timeout,
memory, environment) and an event. Flows out: the handler's result, serialised and parsed as
JSON the way Lambda returns it, or an exception: `FunctionError` (the handler raised, its result
is not JSON or over Lambda's 6 MB response limit, it exited, or it ran past the function
timeout), `asyncio.TimeoutError` (past the integration timeout, which API Gateway answers with
504) or `Throttled` (the function is at its concurrency limit: Lambda refuses the invocation).

Handlers run on a thread pool so a slow handler never blocks the event loop. Each function has
its own concurrency limit (Lambda's reserved concurrency, `reservedConcurrentExecutions`), and
an invocation counts against it from submission until its handler returns, even after the
client had its answer at the timeout (Python cannot stop a thread): a runaway function is
abandoned and throttled, but it never takes the capacity of another function, because the pool
may grow to the sum of the limits (threads are started only when none is idle).
"""

from __future__ import annotations

import asyncio
import collections
import functools
import importlib.util
import json
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

from ..pipeline.context import request_id
from . import invocation

Handler = Callable[[Any, Any], Any]
_MODULE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
DEFAULT_TIMEOUT_S = 3  # Lambda's default function timeout
DEFAULT_MEMORY_MB = 128
# Without reserved concurrency a function may scale to Lambda's default account concurrency.
DEFAULT_CONCURRENCY = 1000
# Lambda's synchronous response limit, as its error message states it ([AWS-REC] the Lambda
# runtime integration tests of aws/aws-lambda-dotnet: `Function.ResponseSizeTooLarge`).
MAX_RESPONSE_BYTES = 6291556


class FunctionError(Exception):
    """The function failed (Lambda's `X-Amz-Function-Error: Unhandled`); `error_message` and
    `error_type` are what Lambda reports (`errorMessage`, `errorType`)."""

    def __init__(self, error_message: str, error_type: str = "Runtime.Error") -> None:
        super().__init__(error_message)
        self.error_message = error_message
        self.error_type = error_type


class Throttled(Exception):
    """Lambda refused the invocation: the function is at its concurrency limit
    (`TooManyRequestsException`, reason `ReservedFunctionConcurrentInvocationLimitExceeded`)."""


def concurrency_limit(config: Mapping[str, Any]) -> int:
    """A function's concurrency limit: its reserved concurrency (0 throttles every invocation,
    as in Lambda), else Lambda's default account concurrency."""
    reserved = config.get("reservedConcurrentExecutions")
    return DEFAULT_CONCURRENCY if reserved is None else max(0, int(reserved))


@functools.cache
def _log_stream(name: str) -> str:
    """One log stream per function and process, as one Lambda execution environment has."""
    return time.strftime("%Y/%m/%d/[$LATEST]") + uuid.uuid4().hex


class FunctionFacts:
    """What every invocation's context shares, worked out once per function."""

    __slots__ = (
        "arn",
        "environment",
        "limit",
        "log_group",
        "log_stream",
        "memory_mb",
        "name",
        "running",
        "timeout",
        "timeout_s",
    )

    def __init__(self, name: str, config: Mapping[str, Any], region: str, account: str) -> None:
        self.name = name
        self.arn = f"arn:aws:lambda:{region}:{account}:function:{name}"
        self.memory_mb = int(config.get("memorySize") or DEFAULT_MEMORY_MB)
        self.log_group = f"/aws/lambda/{name}"
        self.log_stream = _log_stream(name)
        self.timeout_s = float(config.get("timeout") or DEFAULT_TIMEOUT_S)
        # The function timeout, one object per function so invocations share a timer.
        self.timeout: Timeout = (self.timeout_s, self._timed_out)
        self.limit = concurrency_limit(config)
        # Invocations submitted and not yet returned (touched on the event loop's thread only).
        self.running = 0
        # The variables its handler sees over the process's (invocation.py), set by `Functions`.
        self.environment: dict[str, str] = {}

    def _timed_out(self) -> BaseException:
        return FunctionError(
            f"Task timed out after {self.timeout_s:.2f} seconds", "Sandbox.Timedout"
        )


class LambdaContext:
    """The context object a Python Lambda handler receives: one per invocation, holding only
    what differs between invocations (its request id, drawn when first read, and deadline)."""

    __slots__ = ("_deadline", "_function", "_request_id")
    function_version = "$LATEST"
    identity = None
    client_context = None

    def __init__(self, function: FunctionFacts) -> None:
        self._function = function
        self._request_id = ""
        self._deadline = time.monotonic() + function.timeout_s

    @property
    def aws_request_id(self) -> str:
        if not self._request_id:
            self._request_id = request_id(None)  # a fresh UUID, built the cheap way
        return self._request_id

    @property
    def function_name(self) -> str:
        return self._function.name

    @property
    def invoked_function_arn(self) -> str:
        return self._function.arn

    @property
    def memory_limit_in_mb(self) -> int:
        return self._function.memory_mb

    @property
    def log_group_name(self) -> str:
        return self._function.log_group

    @property
    def log_stream_name(self) -> str:
        return self._function.log_stream

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


# Seconds, and what an invocation still running then fails with.
Timeout = tuple[float, Callable[[], BaseException]]


class Deadline:
    """The timeout of the invocations of one batch that share a timeout: one timer for all of
    them, cancelled when the last is settled (a timer per invocation was a tenth of a Lambda
    proxy request's cost; `WorkerPool._settle_all` counts `open` down). Touched on the event
    loop's thread only."""

    __slots__ = ("error", "futures", "open", "timer")

    def __init__(self, loop: asyncio.AbstractEventLoop, timeout: Timeout) -> None:
        self.futures: list[asyncio.Future[Any]] = []
        self.open = 0
        self.error = timeout[1]
        self.timer = loop.call_later(timeout[0], self._expire)

    def _expire(self) -> None:
        for future in self.futures:
            if not future.done():  # past the timeout: the request answers without the result
                future.set_exception(self.error())
        self.futures = []


# An invocation submitted in the loop's current turn: (future, timeout, slot, fn, args); then
# on its way through the pool: (loop, future, deadline, slot, fn, args). The slot is what the
# invocation counts against until it returns (a function's `FunctionFacts`), or None.
Submitted = tuple["asyncio.Future[Any]", "Timeout | None", Any, Callable[..., Any], tuple[Any, ...]]
Job = tuple[
    asyncio.AbstractEventLoop,
    "asyncio.Future[Any]",
    Deadline | None,
    Any,
    Callable[..., Any],
    tuple[Any, ...],
]


class WorkerPool:
    """A bounded pool of handler threads, lighter than `run_in_executor`.

    Every thread hop costs a GIL hand-over, and under load those hand-overs, not the handlers,
    are most of an invocation's cost. So hops are shared: the invocations submitted in one turn
    of the event loop go to one worker as one batch (one wake-up, one GIL hand-over), and results
    finished while the loop has not yet taken the previous hand-off join it (one loop wake-up).
    A batch still behind its worker after `RESCUE_AFTER_S` (a handler that sleeps or waits on
    I/O) is split off to another worker, so a slow handler delays the invocations batched behind
    it by about a millisecond, never by its own duration: concurrent invocations still run
    concurrently, as they do in Lambda."""

    RESCUE_AFTER_S = 0.001

    def __init__(self, size: int) -> None:
        self.size = size
        self.jobs: queue.SimpleQueue[collections.deque[Job]] = queue.SimpleQueue()
        self.started = 0
        self.idle = 0
        self.lock = threading.Lock()
        # Per event loop: invocations submitted in the loop's current turn (loop thread only).
        self.pending: dict[asyncio.AbstractEventLoop, list[Submitted]] = {}
        # Per event loop: results waiting for the loop, or absent when no hand-off is pending.
        self.finished: dict[asyncio.AbstractEventLoop, list[tuple[Any, ...]]] = {}

    def submit(
        self,
        loop: asyncio.AbstractEventLoop,
        timeout: Timeout | None,
        fn: Callable[..., Any],
        *args: Any,
        slot: Any = None,
        into: Any = None,
    ) -> Any:
        """A future of `fn(*args)`, failed with `timeout[1]()` after `timeout[0]` seconds (None:
        no timeout). A `slot` (an object with a `running` count) is released, on the loop's
        thread, when `fn` returns, not at the timeout. `into`: what to settle instead of a new
        future (anything with a future's `done`, `set_result`, `set_exception`: a `Pending`)."""
        future = loop.create_future() if into is None else into
        pending = self.pending.get(loop)
        if pending is None:
            pending = self.pending[loop] = []
            loop.call_soon(self._flush, loop)
        pending.append((future, timeout, slot, fn, args))
        return future

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        deadlines: dict[Timeout, Deadline] = {}
        batch: collections.deque[Job] = collections.deque()
        for future, timeout, slot, fn, args in self.pending.pop(loop, ()):
            deadline = None
            if timeout is not None:
                deadline = deadlines.get(timeout)
                if deadline is None:
                    deadline = deadlines[timeout] = Deadline(loop, timeout)
                deadline.futures.append(future)
                deadline.open += 1
            batch.append((loop, future, deadline, slot, fn, args))
        self._flush_batch(loop, batch)

    def _flush_batch(self, loop: asyncio.AbstractEventLoop, batch: collections.deque[Job]) -> None:
        self._dispatch(batch)
        if len(batch) > 1:
            loop.call_later(self.RESCUE_AFTER_S, self._rescue, loop, batch)

    def _dispatch(self, batch: collections.deque[Job]) -> None:
        with self.lock:
            if self.idle == 0 and self.started < self.size:
                self.started += 1
                threading.Thread(
                    target=self._work, name=f"lambda-{self.started}", daemon=True
                ).start()
            else:
                self.idle = max(0, self.idle - 1)
        self.jobs.put(batch)

    def _rescue(self, loop: asyncio.AbstractEventLoop, batch: collections.deque[Job]) -> None:
        """Move what a worker has not started yet to another worker (deque pops are atomic, so
        each invocation is taken by exactly one side)."""
        rest: collections.deque[Job] = collections.deque()
        while True:
            try:
                rest.append(batch.popleft())
            except IndexError:
                break
        if rest:
            self._flush_batch(loop, rest)

    def _work(self) -> None:
        while True:
            batch = self.jobs.get()
            while True:
                try:
                    loop, future, deadline, slot, fn, args = batch.popleft()
                except IndexError:
                    break
                try:
                    result, error = fn(*args), None
                except BaseException as exc:  # handed to the awaiting request, re-raised there
                    result, error = None, exc
                self._hand_back(loop, (future, deadline, slot, result, error))
            with self.lock:
                self.idle += 1

    def _hand_back(self, loop: asyncio.AbstractEventLoop, outcome: tuple[Any, ...]) -> None:
        with self.lock:
            waiting = self.finished.get(loop)
            if waiting is not None:  # a hand-off is pending: the loop takes this one too
                waiting.append(outcome)
                return
            self.finished[loop] = [outcome]
        try:
            loop.call_soon_threadsafe(self._settle_all, loop)
        except RuntimeError:  # the loop closed while the handler ran: nobody waits
            with self.lock:
                self.finished.pop(loop, None)

    def _settle_all(self, loop: asyncio.AbstractEventLoop) -> None:
        with self.lock:
            outcomes = self.finished.pop(loop, [])
        for future, deadline, slot, result, error in outcomes:
            if slot is not None:
                slot.running -= 1
            if deadline is not None:  # `Deadline.settled`, inline: a call less per invocation
                deadline.open -= 1
                if deadline.open == 0:
                    deadline.timer.cancel()
                    deadline.futures = []
            if future.done():  # the request timed out and stopped waiting
                continue
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(result)


class Functions:
    """The API's functions, each loaded once on first use and invoked on the shared pool within
    its own concurrency limit."""

    def __init__(
        self,
        table: Mapping[str, Mapping[str, Any]],
        base: Path,
        region: str,
        account: str,
        sources: Mapping[str, str] | None = None,
    ) -> None:
        self.table = table
        self.base = base
        # `apigwc serve` and the pytest plugin: each copied code folder (`codeDir`) -> the
        # user's own folder, loaded instead of the build's copy, so tracebacks, breakpoints and
        # reloads see the files the user edits (`lambda_reload.py`).
        self.sources = dict(sources or {})
        # Code folder -> when its last import began (ns): a reload compares files with it.
        self.loaded_at: dict[Path, int] = {}
        self.region = region
        self.account = account
        # Room for every function at its limit at once: one function's runaway invocations
        # (each holding a thread until it returns) never leave another without a thread.
        self.pool = WorkerPool(max(1, sum(concurrency_limit(c) for c in table.values())))
        self._handlers: dict[str, Handler] = {}
        self._facts: dict[str, FunctionFacts] = {}
        # One lock per function: its first load runs once, and callers arriving meanwhile wait.
        self._loading = {name: threading.Lock() for name in table}
        # Each function's own environment (invocation.py): `os.environ` answers a handler's
        # thread from its function's variables, so none leaks into another function.
        self._operator_variables = invocation.operator_variables()
        if table:
            invocation.install()

    def resolve(self, name: str) -> str | None:
        """A function name from an ARN may carry an alias or version (`name:live`)."""
        if name in self.table:
            return name
        base = name.split(":")[0]
        return base if base in self.table else None

    def handler(self, name: str) -> Handler:
        handler = self._handlers.get(name)
        if handler is None:
            with self._loading[name]:
                handler = self._handlers.get(name)
                if handler is None:
                    handler = self._handlers[name] = self._load(name)
        return handler

    def _load(self, name: str) -> Handler:
        config = self.table[name]
        module_name, _, attr = str(config["handler"]).rpartition(":")
        if not module_name:  # Lambda's own spelling: module.function
            module_name, _, attr = str(config["handler"]).rpartition(".")
        folder = self.code_folder(name)
        self.loaded_at[folder] = time.time_ns()
        module = _import(folder, module_name)
        handler = getattr(module, attr, None)
        if not callable(handler):
            raise FunctionError(f"handler {config['handler']!r} not found")
        return handler  # type: ignore[no-any-return]

    def code_folder(self, name: str) -> Path:
        """Where the function's modules are loaded from: the user's folder when known."""
        code_dir = str(self.table[name]["codeDir"])
        source = self.sources.get(code_dir)
        return Path(source) if source else self.base / code_dir

    def forget(self, folder: Path) -> list[str]:
        """Drop the loaded handlers of the functions whose code is in `folder` (a reload): the
        next invocation imports them again. Returns those functions' names."""
        names = [name for name in self.table if self.code_folder(name) == folder]
        for name in names:
            self._handlers.pop(name, None)
        return names

    def facts(self, name: str) -> FunctionFacts:
        facts = self._facts.get(name)
        if facts is None:
            config = self.table[name]
            facts = self._facts[name] = FunctionFacts(name, config, self.region, self.account)
            folder = (self.base / str(config.get("codeDir") or ".")).resolve()
            facts.environment = invocation.environment(
                name, config, facts, self.region, folder, self._operator_variables
            )
        return facts

    def invoke(self, name: str, event: Any, integration_timeout_s: float, into: Any = None) -> Any:
        """Run the handler: a future of its result (or `into`, settled as that future would be:
        `WorkerPool.submit`). Past the integration timeout the future
        fails with TimeoutError (API Gateway gives up first); past a shorter function timeout,
        with the FunctionError Lambda reports (`Sandbox.Timedout`). Raises `Throttled` when the
        function is at its concurrency limit. A plain function returning the future, so the
        request's coroutine awaits it with no frame between."""
        facts = self._facts.get(name) or self.facts(name)
        if facts.running >= facts.limit:
            raise Throttled(name)
        facts.running += 1
        timeout = (
            (integration_timeout_s, TimeoutError)
            if integration_timeout_s <= facts.timeout_s
            else facts.timeout
        )
        loop = asyncio.get_running_loop()
        return self.pool.submit(
            loop, timeout, self._run, name, event, LambdaContext(facts), slot=facts, into=into
        )

    def _run(self, name: str, event: Any, context: LambdaContext) -> Any:
        # This thread runs `name` now: its `os.environ` and its output's request id (invocation.py)
        invocation.current.invocation = (event, context, context._function.environment)
        try:
            result = (self._handlers.get(name) or self.handler(name))(event, context)
            # Lambda returns the JSON serialisation of the result: tuples become lists, and a
            # value that cannot be serialised is a function error.
            return _as_returned(result)
        except FunctionError:
            raise
        except Exception as exc:
            # Lambda writes the traceback to the function's log; here it goes to stderr.
            traceback.print_exc(file=sys.stderr)
            raise FunctionError(str(exc), type(exc).__name__) from exc
        except BaseException as exc:  # SystemExit, KeyboardInterrupt: the runtime exits
            traceback.print_exc(file=sys.stderr)
            raise _exited(exc, context) from None
        finally:
            invocation.current.invocation = None


def _exited(exc: BaseException, context: LambdaContext) -> FunctionError:
    """What Lambda reports when the runtime process exits during an invocation (a handler
    calling `sys.exit()`): `Runtime.ExitError` with the exit status, as users' captures of
    Lambda show it ("RequestId: … Error: Runtime exited with error: exit status 1", or
    "Runtime exited without providing a reason" for status 0)."""
    if isinstance(exc, SystemExit):
        code = exc.code
        status = code if isinstance(code, int) else (0 if code is None else 1)
        reason = "Runtime exited without providing a reason"
        if status:
            reason = f"Runtime exited with error: exit status {status}"
    elif isinstance(exc, KeyboardInterrupt):  # Python dies of SIGINT
        reason = "Runtime exited with error: signal: interrupt"
    else:
        reason = "Runtime exited with error: exit status 1"
    return FunctionError(
        f"RequestId: {context.aws_request_id} Error: {reason}", "Runtime.ExitError"
    )


_PLAIN = (float, type(None), bool)  # exact types JSON returns unchanged, beside str and int
_COPY_DEPTH = 32  # deeper results take the json round trip, which also detects cycles
# Larger ints take the json round trip (their text length is not bounded).
_PLAIN_INT = 10**18
_LEAST_PLAIN_INT = -_PLAIN_INT


def _as_returned(result: Any) -> Any:
    """The result as Lambda returns it: the JSON round trip of the handler's value, refused
    past Lambda's response size limit.

    A result of plain dicts (string keys), lists and scalars round-trips to an equal copy, so
    it is copied directly (the common proxy response, a third of the cost) while counting its
    characters and values; only a result whose count could pass the limit is serialised to
    measure it. Anything else (tuples, non-string keys, other types, deep nesting) takes
    `json.loads(json.dumps(...))`, which also raises for what Lambda cannot serialise."""
    count = [0]
    # A dict (the proxy response) straight to its copier: a call less per result.
    copied = _copy_dict(result, 0, count) if type(result) is dict else _plain_copy(result, 0, count)
    if copied is _NOT_PLAIN:
        text = json.dumps(result)
        _check_size(text)
        return json.loads(text)
    if count[0] * _MAX_BYTES_PER_COUNT > MAX_RESPONSE_BYTES:
        _check_size(json.dumps(result))
    return copied


def _check_size(text: str) -> None:
    # `json.dumps` escapes non-ASCII characters, so its length is the payload's byte count.
    if len(text) > MAX_RESPONSE_BYTES:
        raise FunctionError(
            f"Response payload size exceeded maximum allowed payload size "
            f"({MAX_RESPONSE_BYTES} bytes).",
            "Function.ResponseSizeTooLarge",
        )


_NOT_PLAIN: Any = object()
# What one counted character or value may take once serialised: a character at most 12 bytes
# escaped (an astral character is two `\\uXXXX`), a value with its quotes, brackets and
# separator at most 32 (a float prints in at most 24 characters, a plain int in 19).
_MAX_BYTES_PER_COUNT = 32


def _plain_copy(value: Any, depth: int, count: list[int]) -> Any:
    """A copy of a plain value, adding its characters (strings and keys) and values to
    `count[0]`. Scalars inside containers are handled in the containers' loops (a call per
    scalar was most of the copy's cost)."""
    kind = type(value)
    if kind is dict:
        return _copy_dict(value, depth, count)
    if kind is list:
        return _copy_list(value, depth, count)
    if kind is str:
        count[0] += len(value) + 1
        return value
    if kind in _PLAIN or (kind is int and _LEAST_PLAIN_INT < value < _PLAIN_INT):
        count[0] += 1
        return value
    return _NOT_PLAIN


def _copy_dict(value: dict[Any, Any], depth: int, count: list[int]) -> Any:
    if depth >= _COPY_DEPTH:
        return _NOT_PLAIN
    out = {}
    chars = 0  # characters of keys and string values
    for key, item in value.items():
        if type(key) is not str:
            return _NOT_PLAIN
        kind = type(item)
        if kind is str:
            chars += len(key) + len(item)
        elif kind is int:
            if not _LEAST_PLAIN_INT < item < _PLAIN_INT:
                return _NOT_PLAIN
            chars += len(key)
        elif kind is float or kind is bool or item is None:
            chars += len(key)
        else:
            # A nested dict (the result's `headers`) straight to its copier.
            item = (
                _copy_dict(item, depth + 1, count)
                if kind is dict
                else _plain_copy(item, depth + 1, count)
            )
            if item is _NOT_PLAIN:
                return _NOT_PLAIN
            chars += len(key)
        out[key] = item
    count[0] += chars + len(value) + 1
    return out


def _copy_list(value: list[Any], depth: int, count: list[int]) -> Any:
    if depth >= _COPY_DEPTH:
        return _NOT_PLAIN
    items = []
    chars = 0  # characters of string items
    for item in value:
        kind = type(item)
        if kind is str:
            chars += len(item)
        elif kind is int:
            if not _LEAST_PLAIN_INT < item < _PLAIN_INT:
                return _NOT_PLAIN
        elif not (kind is float or kind is bool or item is None):
            item = _plain_copy(item, depth + 1, count)
            if item is _NOT_PLAIN:
                return _NOT_PLAIN
        items.append(item)
    count[0] += chars + len(value) + 1
    return items


def _import(folder: Path, module_name: str) -> ModuleType:
    """Import `module_name` from the function's code folder, which joins sys.path as in Lambda.

    The name must be a dotted Python identifier: a handler string is spec text and must not
    name a file outside the code folder."""
    if not _MODULE_NAME.fullmatch(module_name):
        raise FunctionError(f"invalid handler module {module_name!r}")
    path = folder / (module_name.replace(".", "/") + ".py")
    # A module reached through a symlink out of the code folder is not the function's code.
    if not path.is_file() or not path.resolve().is_relative_to(folder.resolve()):
        raise FunctionError(f"module {module_name!r} not found in {folder}")
    if str(folder) not in sys.path:
        sys.path.append(str(folder))
    unique = f"_apigwc_fn_{abs(hash(str(folder))):x}_{module_name.replace('.', '_')}"
    # Functions sharing a module import it once; one arriving meanwhile waits for the import
    # to finish instead of taking the half-initialised module from sys.modules.
    with _MODULE_LOCKS.setdefault(unique, threading.Lock()):
        if unique in sys.modules:
            return sys.modules[unique]
        spec = importlib.util.spec_from_file_location(unique, path)
        if spec is None or spec.loader is None:
            raise FunctionError(f"cannot load {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[unique] = module  # the module may import itself while it initialises
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[unique]  # a failed import is retried, as Lambda retries its init
            raise
        return module


_MODULE_LOCKS: dict[str, threading.Lock] = {}
