"""A `Pending` outcome: what a local Lambda proxy route answers with instead of a coroutine.

It must behave as the awaited chain it replaces: each layer's mapping sees the previous one's
result or exception, the listener is told once, it can be awaited, and it can be settled by the
handler pool (as a future, with a timeout) without the pool stopping at a failing listener.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from apigwc.runtime.integrations.lambda_functions import WorkerPool
from apigwc.runtime.pipeline.pending import Pending


def _double(result: Any, error: BaseException | None) -> Any:
    if error is not None:
        raise error
    return result * 2


def _recover(result: Any, error: BaseException | None, fallback: Any) -> Any:
    return fallback if error is not None else result


def test_maps_run_in_order_and_the_listener_is_told_once() -> None:
    told: list[tuple[Any, Any]] = []
    pending = Pending().then(_double).then(_double)
    pending.listen(lambda result, error: told.append((result, error)))
    assert not pending.done() and told == []
    pending.set_result(3)
    assert pending.done() and told == [(12, None)]
    with pytest.raises(asyncio.InvalidStateError):
        pending.set_result(4)
    with pytest.raises(RuntimeError):
        pending.listen(lambda result, error: None)


def test_an_exception_passes_to_the_next_mapping() -> None:
    told: list[tuple[Any, Any]] = []
    pending = Pending().then(_double).then(_recover, "fallback")
    pending.set_exception(ValueError("no"))
    pending.listen(lambda result, error: told.append((result, error)))  # after: told at once
    assert told == [("fallback", None)]
    failed = Pending().then(_double)
    failed.set_exception(KeyError("x"))
    failed.listen(lambda result, error: told.append((result, type(error))))
    assert told[-1] == (None, KeyError)


def test_awaited_as_a_future() -> None:
    async def scenario() -> tuple[Any, BaseException | None]:
        loop = asyncio.get_running_loop()
        ok = Pending().then(_double)
        loop.call_soon(ok.set_result, 5)
        failing = Pending()
        loop.call_soon(failing.set_exception, TimeoutError())
        try:
            await failing
        except TimeoutError as error:
            return await ok, error
        return await ok, None

    result, error = asyncio.run(scenario())
    assert result == 10 and isinstance(error, TimeoutError)


def test_settled_by_the_pool_with_a_timeout_and_a_failing_listener() -> None:
    """The pool settles a batch: a listener that raises is reported, the others are told."""

    async def scenario() -> tuple[list[Any], list[Any]]:
        loop = asyncio.get_running_loop()
        reported: list[Any] = []
        loop.set_exception_handler(lambda _, context: reported.append(context["exception"]))
        pool = WorkerPool(4)
        told: list[Any] = []
        done = asyncio.Event()

        def fails(result: Any, error: BaseException | None) -> None:
            raise RuntimeError("listener failed")

        def records(result: Any, error: BaseException | None) -> None:
            told.append(result if error is None else type(error))
            if len(told) == 2:
                done.set()

        first, second, late = Pending(), Pending(), Pending()
        pool.submit(loop, (5.0, TimeoutError), lambda: 1, into=first)
        pool.submit(loop, (5.0, TimeoutError), lambda: 2, into=second)
        pool.submit(loop, (0.05, TimeoutError), time.sleep, 0.5, into=late)
        first.listen(fails)
        second.listen(records)
        late.listen(records)
        await asyncio.wait_for(done.wait(), 5)
        return told, reported

    told, reported = asyncio.run(scenario())
    assert told == [2, TimeoutError]
    assert [str(error) for error in reported] == ["listener failed"]
