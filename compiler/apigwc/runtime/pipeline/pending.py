"""A response on its way, settled by callbacks instead of awaited in a task.

Flows in: an outcome settled on the event loop's thread (`set_result`, `set_exception`: the
Lambda handler pool settles it as it settles a future, `integrations/lambda_functions.py`).
Flows out: that outcome through each layer's mapping (`then`: the integration step turns the
handler's result into a `Response`, the gateway handles its errors and runs the response steps)
to one listener (`listen`: the server protocol writes the answer), all at once, in the turn of
the loop that settled it; or to a coroutine awaiting it, as any awaitable.

Why: awaited in a task, a Lambda proxy request ran a task and a chain of three coroutines (the
protocol's, the gateway's, the step's) around the pool's future, resumed one loop turn after the
future was settled. The layers need no task (the pool's deadline is a timer, not
`asyncio.timeout`), so they are plain functions called in turn.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Generator
from typing import Any

# (function, its extra arguments): called as `function(result, error, *arguments)`.
Mapping = tuple[Callable[..., Any], tuple[Any, ...]]


class Pending:
    """An outcome still to come (a result or an exception), mapped by `then`, given to one
    listener. Touched on the event loop's thread only."""

    __slots__ = ("_error", "_listener", "_maps", "_result", "_settled")

    def __init__(self) -> None:
        self._maps: list[Mapping] = []
        self._listener: Mapping | None = None
        self._settled = False
        self._result: Any = None
        self._error: BaseException | None = None

    # -- the side that settles it, as it would a future ----------------------------------------

    def done(self) -> bool:
        return self._settled

    def set_result(self, result: Any) -> None:
        self._settle(result, None)

    def set_exception(self, error: BaseException) -> None:
        self._settle(None, error)

    def _settle(self, result: Any, error: BaseException | None) -> None:
        if self._settled:
            raise asyncio.InvalidStateError("the outcome is already settled")
        self._settled = True
        maps, self._maps = self._maps, []
        for function, arguments in maps:  # `_mapped`, inline: a call less per layer
            try:
                result, error = function(result, error, *arguments), None
            except BaseException as raised:  # see `_mapped`
                result, error = None, raised
        self._result, self._error = result, error
        if self._listener is not None:
            self._tell(self._listener)

    # -- the side that waits for it ------------------------------------------------------------

    def then(self, function: Callable[..., Any], *arguments: Any) -> Pending:
        """`function(result, error, *arguments)` maps the outcome when it comes (error None:
        a result): what it returns is the next result, what it raises the next error."""
        if self._settled:
            self._result, self._error = _mapped(function, arguments, self._result, self._error)
        else:
            self._maps.append((function, arguments))
        return self

    def listen(self, function: Callable[..., Any], *arguments: Any) -> None:
        """`function(result, error, *arguments)` is told the outcome, mapped, once it comes
        (at once when it has). One listener: an outcome has one consumer."""
        if self._listener is not None:
            raise RuntimeError("a pending outcome has one listener")
        self._listener = (function, arguments)
        if self._settled:
            self._tell(self._listener)

    def _tell(self, listener: Mapping) -> None:
        function, arguments = listener
        try:
            function(self._result, self._error, *arguments)
        except Exception as error:  # reported as a failed loop callback would be; the
            # settling side (the pool, settling a whole batch) goes on with the others
            asyncio.get_running_loop().call_exception_handler(
                {"message": "Exception in a pending outcome's listener", "exception": error}
            )

    def __await__(self) -> Generator[Any, None, Any]:
        """Awaited as a future is (a coroutine layer: tracing, metrics, the ASGI entry)."""
        if not self._settled:
            future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            self.listen(_into_future, future)
            return (yield from future.__await__())
        if self._error is not None:
            raise self._error
        return self._result


def _mapped(
    function: Callable[..., Any], arguments: tuple[Any, ...], result: Any, error: Any
) -> tuple[Any, BaseException | None]:
    try:
        return function(result, error, *arguments), None
    except BaseException as raised:  # passed on, to the listener at last: the request is
        # answered (500 at worst) rather than left waiting, as a task's failure would leave it
        return None, raised


def _into_future(result: Any, error: BaseException | None, future: asyncio.Future[Any]) -> None:
    if future.done():  # the awaiting task was cancelled
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
