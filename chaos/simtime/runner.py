"""Run one trial (a coroutine or a sync callable) on a simulated or a real clock.

Both entry points must be called from plain sync code (a sync pytest test, a CLI): they own the
event loop and patch process-wide state, so they refuse to run inside a running event loop or
inside another trial.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from chaos.simtime.clock import ClockMode, RealClock, VirtualClock, use_clock
from chaos.simtime.loop import SimulatedDeadlock, TieBreak, VirtualEventLoop, describe_tasks
from chaos.simtime.patches import simulated_patches
from chaos.simtime.serial import nondeterminism_sink

__all__ = ["run_async", "run_sync"]

T = TypeVar("T")


def run_async(
    coro_factory: Callable[[], Awaitable[T]],
    *,
    mode: ClockMode = "simulated",
    seed: int = 0,
    describe_stuck: Callable[[], str] | None = None,
    tie_break: TieBreak = "fifo",
    on_nondeterminism: Callable[[str], None] | None = None,
) -> T:
    """Run ``await coro_factory()`` to completion on a fresh event loop and return its result.

    ``mode="simulated"``: a :class:`VirtualEventLoop` with the trial patches of
    :mod:`chaos.simtime.patches` (virtual ``time.monotonic``/``sleep``/wall clock, seeded jitter
    and ``random``); idle time is skipped, so retries, timeouts and TTLs cost no wall time.
    If the trial reaches a state where nothing can ever wake up, it is cancelled and
    :class:`SimulatedDeadlock` is raised, its message including ``describe_stuck()`` (or a
    listing of the pending tasks). ``seed`` drives jitter, the global ``random`` and, with
    ``tie_break="seeded"``, the order of timers due at the same instant.

    Executor jobs (sync node bodies) are atomic steps (see `chaos.simtime.serial`);
    ``on_nondeterminism(source)`` hears of each one that could not be.

    ``mode="real"``: a stock ``asyncio.new_event_loop()`` with no patches; ``current_clock()``
    is a :class:`RealClock`. ``seed``, ``describe_stuck`` and ``tie_break`` are ignored.

    The factory is called inside the loop (with the patches active). The event loop policy is
    left untouched and the thread's current event loop is restored afterwards (LangGraph's
    ``atick`` calls ``asyncio.set_event_loop(running_loop)``, which would otherwise leave the
    closed trial loop installed as the current loop).
    """
    _check_sync_caller("run_async")
    if mode not in ("simulated", "real"):
        raise ValueError(f"mode must be 'simulated' or 'real', not {mode!r}")
    with _preserve_current_event_loop(), nondeterminism_sink(on_nondeterminism):
        if mode == "simulated":
            return _run_simulated(coro_factory, seed, describe_stuck, tie_break)
        return _run_real(coro_factory)


def run_sync(
    fn: Callable[[], T],
    *,
    mode: ClockMode = "simulated",
    seed: int = 0,
    on_nondeterminism: Callable[[str], None] | None = None,
) -> T:
    """Call ``fn()`` as one trial: e.g. a sync ``graph.invoke``.

    ``mode="simulated"``: the same patches as :func:`run_async` without an event loop;
    ``time.sleep`` (LangGraph's sync retry backoff, sync node bodies) advances the virtual clock
    on any thread. The parallel tasks of a superstep still run on LangGraph's thread pool, but
    one at a time in submission order, each to completion (`chaos.simtime.serial`), so their
    order, their side effects and the sum their sleeps add to the clock are the same on every
    rerun; ``on_nondeterminism(source)`` hears of a task that could not be run so.
    ``mode="real"``: just calls ``fn`` with a real clock current.
    """
    _check_sync_caller("run_sync")
    if mode == "simulated":
        clock = VirtualClock()
        with simulated_patches(clock, seed=seed), nondeterminism_sink(on_nondeterminism):
            return fn()
    if mode == "real":
        with use_clock(RealClock()):
            return fn()
    raise ValueError(f"mode must be 'simulated' or 'real', not {mode!r}")


# --------------------------------------------------------------------------------------------
def _check_sync_caller(name: str) -> None:
    if asyncio._get_running_loop() is not None:
        raise RuntimeError(
            f"{name}() must be called from sync code, not from inside a running event loop "
            "(use a sync test function; the trial creates and owns its own loop)"
        )


@contextmanager
def _preserve_current_event_loop() -> Iterator[None]:
    """Restore the thread's current event loop exactly, as seen by ``get_event_loop()``.

    Uses the default policy's thread-local state (``_loop`` and ``_set_called``) because the
    public API cannot read the current loop without creating one, and ``set_event_loop(None)``
    would flip ``_set_called`` and change what a later ``get_event_loop()`` does. A custom policy
    without that state is left alone.
    """
    policy = asyncio.get_event_loop_policy()
    local = getattr(policy, "_local", None)
    saved = (getattr(local, "_loop", None), getattr(local, "_set_called", False))
    try:
        yield
    finally:
        if local is not None and asyncio.get_event_loop_policy() is policy:
            local._loop, local._set_called = saved


async def _call(factory: Callable[[], Awaitable[T]]) -> T:
    return await factory()


def _run_simulated(
    factory: Callable[[], Awaitable[T]],
    seed: int,
    describe_stuck: Callable[[], str] | None,
    tie_break: TieBreak,
) -> T:
    clock = VirtualClock()
    loop = VirtualEventLoop(clock, seed=seed, tie_break=tie_break)
    deadlock: list[str] = []
    try:
        with simulated_patches(clock, seed=seed):
            try:
                main = loop.create_task(_call(factory), name="chaos-trial")

                def on_deadlock() -> None:
                    deadlock.append(_deadlock_message(loop, clock, describe_stuck))
                    main.cancel(deadlock[0])

                loop.set_deadlock_handler(on_deadlock)
                try:
                    result = loop.run_until_complete(main)
                except BaseException as exc:
                    _mark_retrieved(main)
                    if deadlock:
                        raise SimulatedDeadlock(deadlock[0]) from (
                            None if isinstance(exc, asyncio.CancelledError) else exc
                        )
                    raise
                if deadlock:  # the trial swallowed our cancellation: still a deadlock
                    raise SimulatedDeadlock(deadlock[0])
                return result
            finally:
                # Still under the patches: leftover tasks' cleanup runs on simulated time, and
                # close() waits for executor threads before real time comes back.
                loop.set_deadlock_handler(None)
                try:
                    _finish_loop(loop)
                finally:
                    loop.close()
    finally:
        if not loop.is_closed():
            loop.close()


def _run_real(factory: Callable[[], Awaitable[T]]) -> T:
    loop = asyncio.new_event_loop()
    try:
        with use_clock(RealClock()):
            main = loop.create_task(_call(factory))
            try:
                return loop.run_until_complete(main)
            except BaseException:
                _mark_retrieved(main)
                raise
            finally:
                _finish_loop(loop)
                loop.run_until_complete(loop.shutdown_default_executor())
    finally:
        loop.close()


def _finish_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel leftover tasks and finalize async generators (as ``asyncio.run`` does)."""
    try:
        tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
    except (Exception, SimulatedDeadlock):
        # A leftover task that ignores cancellation and hangs (SimulatedDeadlock) must not mask
        # the trial's own outcome; the loop is closed regardless.
        pass


def _mark_retrieved(task: asyncio.Task[object]) -> None:
    # A BaseException (KeyboardInterrupt) escapes run_until_complete without result() being
    # called; retrieve it so asyncio does not log "exception was never retrieved" later.
    if task.done() and not task.cancelled():
        task.exception()


def _deadlock_message(
    loop: asyncio.AbstractEventLoop,
    clock: VirtualClock,
    describe_stuck: Callable[[], str] | None,
) -> str:
    head = (
        f"simulated deadlock at t={clock.now():.3f}s: no timer is pending, no I/O is ready, no "
        "executor work is in flight and no clock hold is active, so nothing can ever wake up "
        "(in real time this run would hang forever)"
    )
    if describe_stuck is not None:
        try:
            detail = describe_stuck()
        except Exception as exc:  # the description must never hide the deadlock itself
            detail = f"(describe_stuck() failed: {exc!r})\n{describe_tasks(loop)}"
    else:
        detail = describe_tasks(loop)
    return f"{head}\n{detail}"
