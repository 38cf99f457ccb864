"""VirtualEventLoop: skipping idle time, timer tie-breaks, executor tracking, holds, deadlocks."""

from __future__ import annotations

import asyncio
import concurrent.futures
import heapq
import threading
import time
from asyncio import events
from typing import Any

import pytest

from chaos.simtime import (
    SimulatedDeadlock,
    VirtualClock,
    VirtualEventLoop,
    current_clock,
    run_async,
    run_sync,
)


def clock() -> VirtualClock:
    c = current_clock()
    assert isinstance(c, VirtualClock)
    return c


# --------------------------------------------------------------------------------------------
# time
# --------------------------------------------------------------------------------------------
def test_loop_time_is_the_virtual_clock() -> None:
    async def main() -> tuple[float, ...]:
        loop = asyncio.get_running_loop()
        t0 = clock().now()
        await asyncio.sleep(1.5)
        return t0, clock().now(), loop.time() - clock().monotonic(), time.monotonic() - loop.time()

    assert run_async(main) == (0.0, 1.5, 0.0, 0.0)


def test_long_horizons_stay_exact() -> None:
    """Past asyncio's 24 h select cap, and far enough that float spacing exceeds 1 ns."""

    async def main() -> list[float]:
        seen = []
        for delay in (3 * 86400, 10**7, 10**8, 0.25):
            await asyncio.sleep(delay)
            seen.append(clock().now())
        return seen

    assert run_async(main) == [259200.0, 10259200.0, 110259200.0, 110259200.25]


def test_asyncio_timeouts_use_virtual_time() -> None:
    async def main() -> tuple[bool, float]:
        try:
            async with asyncio.timeout(30):
                await asyncio.Event().wait()
        except TimeoutError:
            return True, clock().now()
        return False, clock().now()

    assert run_async(main) == (True, 30.0)


def test_blocking_time_sleep_in_async_code_advances_the_clock() -> None:
    async def main() -> list[str]:
        order: list[str] = []

        async def timer() -> None:
            await asyncio.sleep(1)
            order.append(f"timer@{clock().now()}")

        task = asyncio.create_task(timer())
        await asyncio.sleep(0)
        time.sleep(5)  # blocks the loop: the timer can only run afterwards, late
        order.append(f"blocker@{clock().now()}")
        await task
        return order

    assert run_async(main) == ["blocker@5.0", "timer@5.0"]


# --------------------------------------------------------------------------------------------
# tie-breaks
# --------------------------------------------------------------------------------------------
def test_stock_heap_order_of_equal_deadlines_is_not_fifo() -> None:
    """Why the loop overrides call_at: plain TimerHandles tie on `when` in heap order."""
    loop = asyncio.new_event_loop()
    try:
        heap: list[Any] = []
        for i in range(8):
            heapq.heappush(heap, events.TimerHandle(5.0, lambda: None, (i,), loop))
        popped = [heapq.heappop(heap)._args[0] for _ in range(8)]
        assert popped != list(range(8))
    finally:
        loop.close()


def test_branches_due_at_the_same_instant_fire_in_creation_order() -> None:
    async def main() -> list[str]:
        order: list[str] = []

        async def branch(name: str, first: float) -> None:
            await asyncio.sleep(first)
            await asyncio.sleep(5 - first)  # all four fall due at t=5
            order.append(name)

        await asyncio.gather(*(branch(n, f) for n, f in [("a", 0), ("b", 1), ("c", 2), ("d", 3)]))
        return order

    assert run_async(main) == ["a", "b", "c", "d"]


def _tie_order(tie_break: str, seed: int) -> list[int]:
    async def main() -> list[int]:
        loop = asyncio.get_running_loop()
        order: list[int] = []
        when = loop.time() + 5
        for i in range(40):
            loop.call_at(when, order.append, i)
            loop.call_at(when - 1 - (i % 7) * 0.1, lambda: None)  # perturb the heap
        await asyncio.sleep(6)
        return order

    return run_async(main, tie_break=tie_break, seed=seed)  # type: ignore[arg-type]


def test_fifo_tie_break() -> None:
    assert _tie_order("fifo", 0) == list(range(40))
    assert _tie_order("fifo", 99) == list(range(40))


def test_seeded_tie_break_is_a_reproducible_shuffle() -> None:
    a = _tie_order("seeded", 1)
    assert sorted(a) == list(range(40))
    assert a != list(range(40))
    assert _tie_order("seeded", 1) == a
    assert _tie_order("seeded", 2) != a


def test_invalid_tie_break() -> None:
    with pytest.raises(ValueError):
        VirtualEventLoop(tie_break="random")  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# executor work and holds: the clock must not jump while real work is pending
# --------------------------------------------------------------------------------------------
def test_clock_does_not_jump_while_executor_work_runs() -> None:
    def cpu_work() -> tuple[float, float]:
        start = clock().now()
        sum(range(300_000))  # a few ms of real work with a timer due at t=1 meanwhile
        return start, clock().now()

    async def main() -> tuple[Any, Any, float]:
        timer = asyncio.create_task(asyncio.sleep(1))
        in_thread = await asyncio.to_thread(cpu_work)
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            custom = await asyncio.get_running_loop().run_in_executor(pool, cpu_work)
        await timer
        return in_thread, custom, clock().now()

    assert run_async(main) == ((0.0, 0.0), (0.0, 0.0), 1.0)


def test_default_executor_runs_one_job_at_a_time_in_order() -> None:
    def job(i: int) -> int:
        time.sleep(1)  # each "takes" 1 s of the shared clock
        return i

    async def main() -> tuple[list[int], float, int]:
        loop = asyncio.get_running_loop()
        names: set[str] = set()

        def record(i: int) -> int:
            names.add(threading.current_thread().name)
            return job(i)

        got = await asyncio.gather(*(loop.run_in_executor(None, record, i) for i in range(5)))
        return list(got), clock().now(), len(names)

    assert run_async(main) == ([0, 1, 2, 3, 4], 5.0, 1)


def test_hold_keeps_the_clock_while_a_real_thread_delivers() -> None:
    async def main() -> tuple[float, float]:
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[int] = loop.create_future()
        pending_timer = asyncio.create_task(asyncio.sleep(5))
        with clock().hold():
            # A thread the loop does not know about (like a driver's I/O thread).
            threading.Thread(target=loop.call_soon_threadsafe, args=(fut.set_result, 1)).start()
            await fut
            during = clock().now()
        await pending_timer
        return during, clock().now()

    assert run_async(main) == (0.0, 5.0)


def test_releasing_the_last_hold_from_another_thread_wakes_the_loop() -> None:
    async def main() -> float:
        hold = clock().hold()
        hold.__enter__()
        release = threading.Thread(target=hold.__exit__, args=(None, None, None))
        asyncio.get_running_loop().call_soon(release.start)
        await asyncio.sleep(5)  # cannot jump until the thread releases the hold
        release.join()
        return clock().now()

    assert run_async(main) == 5.0


def test_real_wait_cap_turns_a_stuck_hold_into_an_error() -> None:
    vclock = VirtualClock()
    loop = VirtualEventLoop(vclock, real_wait_cap=0.02)
    try:
        with vclock.hold():  # never released while the loop waits: e.g. a hung driver thread
            task = loop.create_task(asyncio.sleep(1))
            with pytest.raises(SimulatedDeadlock, match="20 ms of real time"):
                loop.run_until_complete(task)
            # Teardown while still held fails fast instead of waiting for the cap again.
            task.cancel()
            with pytest.raises(SimulatedDeadlock, match="after the real-wait cap"):
                loop.run_until_complete(asyncio.sleep(1))
        loop.run_until_complete(asyncio.gather(*asyncio.all_tasks(loop), return_exceptions=True))
        assert vclock.now() == 1.0
    finally:
        loop.close()


# --------------------------------------------------------------------------------------------
# deadlocks and errors
# --------------------------------------------------------------------------------------------
def test_deadlock_when_the_trial_swallows_the_cancellation_and_hangs_again() -> None:
    async def main() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            await asyncio.Event().wait()

    with pytest.raises(SimulatedDeadlock, match="stuck here"):
        run_async(main, describe_stuck=lambda: "stuck here")


def test_deadlock_when_the_trial_swallows_the_cancellation_and_returns() -> None:
    async def main() -> str:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            return "recovered"
        return "woken"

    with pytest.raises(SimulatedDeadlock):
        run_async(main)


def test_describe_stuck_failure_does_not_hide_the_deadlock() -> None:
    def broken() -> str:
        raise KeyError("oops")

    with pytest.raises(SimulatedDeadlock, match="describe_stuck\\(\\) failed"):
        run_async(lambda: asyncio.Event().wait(), describe_stuck=broken)


def test_leftover_background_tasks_are_cancelled() -> None:
    cancelled: list[float] = []

    async def forever() -> None:
        try:
            await asyncio.sleep(10**6)
        except asyncio.CancelledError:
            await asyncio.sleep(3)  # cleanup still runs on simulated time
            cancelled.append(clock().now())
            raise

    async def main() -> str:
        asyncio.get_running_loop().create_task(forever())
        await asyncio.sleep(1)
        return "done"

    assert run_async(main) == "done"
    assert cancelled == [4.0]


def test_exceptions_propagate_unchanged() -> None:
    async def main() -> None:
        await asyncio.sleep(3)
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        run_async(main)


def test_must_be_called_from_sync_code_and_not_nested() -> None:
    async def inner() -> None:
        run_async(lambda: asyncio.sleep(0))

    with pytest.raises(RuntimeError, match="sync code"):
        run_async(inner)
    with pytest.raises(RuntimeError, match="cannot nest"):
        run_sync(lambda: run_sync(lambda: None))
    with pytest.raises(ValueError):
        run_async(lambda: asyncio.sleep(0), mode="fast")  # type: ignore[arg-type]
    assert current_clock() is None
