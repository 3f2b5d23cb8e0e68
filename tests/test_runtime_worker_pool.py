"""The pool that runs local Lambda handlers: shared thread hops must not serialise invocations.

Invocations submitted in one turn of the event loop go to one worker as a batch; a handler that
blocks must not hold back the invocations batched behind it (Lambda runs concurrent invocations
in separate execution environments), and a failing handler fails only its own invocation.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest
from apigwc.runtime.integrations.lambda_functions import WorkerPool


def _sleep_then(value: Any, seconds: float) -> Any:
    time.sleep(seconds)
    return value


def _fail() -> None:
    raise ValueError("handler failed")


def test_fast_invocation_batched_behind_a_blocked_one_completes_first() -> None:
    async def scenario() -> tuple[bool, str]:
        loop = asyncio.get_running_loop()
        pool = WorkerPool(4)
        # Same loop turn: one batch, the blocking handler first.
        slow = pool.submit(loop, None, _sleep_then, "slow", 1.0)
        fast = pool.submit(loop, None, _sleep_then, "fast", 0.0)
        value = await asyncio.wait_for(fast, timeout=0.9)
        slow_done_then = slow.done()
        await slow
        return slow_done_then, value

    slow_done, value = asyncio.run(scenario())
    assert value == "fast"
    assert not slow_done


def test_every_invocation_of_a_large_batch_gets_its_own_result() -> None:
    async def scenario() -> list[Any]:
        loop = asyncio.get_running_loop()
        pool = WorkerPool(3)
        futures = [pool.submit(loop, None, _sleep_then, i, 0.001 * (i % 3)) for i in range(200)]
        return list(await asyncio.gather(*futures))

    assert asyncio.run(scenario()) == list(range(200))


def test_an_error_reaches_only_its_own_invocation() -> None:
    async def scenario() -> tuple[Any, Any]:
        loop = asyncio.get_running_loop()
        pool = WorkerPool(2)
        failing = pool.submit(loop, None, _fail)
        fine = pool.submit(loop, None, _sleep_then, "fine", 0.0)
        with pytest.raises(ValueError, match="handler failed"):
            await failing
        return await fine, None

    assert asyncio.run(scenario()) == ("fine", None)


def test_threads_stay_within_the_bound() -> None:
    async def scenario(pool: WorkerPool) -> None:
        loop = asyncio.get_running_loop()
        futures = []
        for _ in range(5):  # five loop turns of blocking handlers
            futures += [pool.submit(loop, None, _sleep_then, None, 0.05) for _ in range(4)]
            await asyncio.sleep(0)
        await asyncio.gather(*futures)

    pool = WorkerPool(3)
    before = threading.active_count()
    asyncio.run(scenario(pool))
    assert pool.started <= 3
    assert threading.active_count() - before <= 3


def test_timeouts_fail_only_the_invocations_that_overrun() -> None:
    async def scenario() -> tuple[bool, Any]:
        loop = asyncio.get_running_loop()
        pool = WorkerPool(4)
        late = pool.submit(loop, (0.2, TimeoutError), _sleep_then, "late", 1.0)
        on_time = pool.submit(loop, (0.2, TimeoutError), _sleep_then, "on time", 0.0)
        value = await on_time
        try:
            await late
        except TimeoutError:
            return True, value
        return False, value

    assert asyncio.run(scenario()) == (True, "on time")


class _Slot:
    running = 1


def test_a_slot_is_released_when_the_handler_returns_not_at_the_timeout() -> None:
    # A function's concurrency counts an invocation until its handler returns: the client has
    # its answer at the timeout, but the thread is still the function's.
    async def scenario() -> tuple[int, int]:
        loop = asyncio.get_running_loop()
        pool = WorkerPool(2)
        slot = _Slot()
        future = pool.submit(loop, (0.05, TimeoutError), _sleep_then, None, 0.3, slot=slot)
        with pytest.raises(TimeoutError):
            await future
        at_timeout = slot.running
        for _ in range(200):
            if slot.running == 0:
                break
            await asyncio.sleep(0.01)
        return at_timeout, slot.running

    assert asyncio.run(scenario()) == (1, 0)
