"""An asyncio event loop that runs on a :class:`~chaos.simtime.clock.VirtualClock`.

How time moves (approach "A" of docs/virtual-time.md): the loop's ``time()`` is the virtual
clock. Each loop iteration first polls the real selector without blocking. When nothing is ready:

* a clock hold is active, or executor work is in flight: block in the real selector (thread
  completions and I/O wake it through the loop's self-pipe), capped at ``real_wait_cap`` real
  seconds, after which :class:`SimulatedDeadlock` is raised rather than hanging the test run;
* otherwise, if a timer is pending: jump the clock to the earliest timer's deadline;
* otherwise nothing can ever wake: call the deadlock handler (``run_async`` cancels the trial's
  main task and reports :class:`SimulatedDeadlock`); a second deadlock raises directly.

Timers due at the same instant fire first-in-first-out (a real run fires them in creation order;
stock asyncio pops equal deadlines in heap order), or in a reproducible seeded shuffle.
"""

from __future__ import annotations

import asyncio
import os
import concurrent.futures
import contextvars
import heapq
import math
import selectors
import threading
import traceback
from asyncio import events, futures
from collections.abc import Callable, Coroutine, Generator, Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, TypeVarTuple, Unpack

from chaos.simtime.clock import VirtualClock, real_monotonic
from chaos.simtime.serial import job_label, report_nondeterminism

__all__ = ["SimulatedDeadlock", "TieBreak", "VirtualEventLoop"]

TieBreak = Literal["fifo", "seeded"]

#: Real seconds the loop may block while a hold is active or executor work is in flight.
#: ``CHAOS_REAL_WAIT_CAP`` (real seconds) lowers it, for tests of graphs that block for real.
DEFAULT_REAL_WAIT_CAP: float = float(os.environ.get("CHAOS_REAL_WAIT_CAP", "120"))

#: Real seconds an executor job that has posted work to the loop may keep running before the
#: loop stops waiting for it (it is then most likely waiting for the loop itself, e.g. through
#: ``asyncio.run_coroutine_threadsafe(...).result()``) and lets it run concurrently.
CALLBACK_GRACE: float = 1.0

_MASK64 = (1 << 64) - 1

_T = TypeVar("_T")
_Ts = TypeVarTuple("_Ts")


class SimulatedDeadlock(BaseException):
    """Nothing in a simulated trial can ever wake up again (or a real wait exceeded its cap).

    In real time this trial would hang forever; under simulation it fails fast instead. A
    `BaseException` (as `asyncio.CancelledError` and `chaos.ChaosAbort` are), not an
    `Exception`: a user's ``except Exception``, a LangGraph error handler or a retry policy
    must never turn "this run would hang forever" into a fallback answer; trials report it as
    a ``liveness`` violation.
    """


def _fmt_secs(secs: float) -> str:
    return f"{secs * 1e3:.0f} ms" if secs < 1 else f"{secs:.0f} s"


def _mix64(seed: int, seq: int) -> int:
    """splitmix64 of (seed, seq): a stable, PYTHONHASHSEED-independent shuffle key."""
    z = (seed * 0x9E3779B97F4A7C15 + seq + 1) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


class _OrderedTimerHandle(events.TimerHandle):
    """A TimerHandle ordered by ``(when, order)`` so ties break deterministically.

    ``heapq`` only uses ``<``; the other comparisons are kept consistent for safety.
    """

    __slots__ = ("_order",)

    if TYPE_CHECKING:
        # CPython's Handle/TimerHandle state (asyncio/events.py), which typeshed leaves out.
        _when: float
        _scheduled: bool
        _source_traceback: traceback.StackSummary | None

    def __init__(
        self,
        when: float,
        order: tuple[int, ...],
        callback: Callable[..., object],
        args: tuple[Any, ...],
        loop: asyncio.AbstractEventLoop,
        context: Any = None,
    ) -> None:
        super().__init__(when, callback, args, loop, context)
        self._order = order

    def _key(self) -> tuple[float, tuple[int, ...]]:
        return (self._when, self._order)

    def __lt__(self, other: object) -> bool:
        if isinstance(other, _OrderedTimerHandle):
            return self._key() < other._key()
        if isinstance(other, events.TimerHandle):
            return super().__lt__(other)
        return NotImplemented

    def __le__(self, other: object) -> bool:
        if isinstance(other, _OrderedTimerHandle):
            return self._key() <= other._key()
        if isinstance(other, events.TimerHandle):
            return super().__le__(other)
        return NotImplemented

    def __gt__(self, other: object) -> bool:
        if isinstance(other, _OrderedTimerHandle):
            return self._key() > other._key()
        if isinstance(other, events.TimerHandle):
            return super().__gt__(other)
        return NotImplemented

    def __ge__(self, other: object) -> bool:
        if isinstance(other, _OrderedTimerHandle):
            return self._key() >= other._key()
        if isinstance(other, events.TimerHandle):
            return super().__ge__(other)
        return NotImplemented

    __hash__ = events.TimerHandle.__hash__


class _SeqTask(asyncio.Task[Any]):
    """A Task that hashes by its creation number on its loop, not by its memory address.

    LangGraph iterates sets of tasks (``for watchdog in done`` after ``asyncio.wait``: a run and
    an idle timeout due at the same instant), and a set of objects hashed by address iterates
    in an order that changes from one process, or one rerun, to the next. Numbered, the order
    follows the (deterministic) order of creation.
    """

    _chaos_seq: int = 0

    if TYPE_CHECKING:
        _source_traceback: traceback.StackSummary | None  # CPython's Task state; not in typeshed

    def __hash__(self) -> int:
        return self._chaos_seq


class _SeqFuture(asyncio.Future[Any]):
    """A Future hashed by creation number (see `_SeqTask`): ``asyncio.wait`` puts them in sets."""

    _chaos_seq: int = 0

    def __hash__(self) -> int:
        return self._chaos_seq


class _VirtualSelector(selectors.BaseSelector):
    """Wraps a real selector; its ``select()`` decides between real waiting and skipping time."""

    def __init__(self) -> None:
        self._real = selectors.DefaultSelector()
        self.loop: VirtualEventLoop | None = None  # set once the loop exists

    # Delegation: the loop registers its self-pipe and any real sockets here.
    def register(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._real.register(fileobj, events, data)

    def unregister(self, fileobj: Any) -> selectors.SelectorKey:
        return self._real.unregister(fileobj)

    def modify(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._real.modify(fileobj, events, data)

    def get_key(self, fileobj: Any) -> selectors.SelectorKey:
        return self._real.get_key(fileobj)

    def get_map(self) -> Mapping[Any, selectors.SelectorKey]:
        return self._real.get_map()

    def close(self) -> None:
        self._real.close()

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready = self._real.select(0)
        if ready or (timeout is not None and timeout <= 0):
            return ready
        loop = self.loop
        if loop is None:  # pragma: no cover - only during construction
            return self._real.select(timeout)
        return loop._idle(self._real, timeout)


class VirtualEventLoop(asyncio.SelectorEventLoop):
    """A selector event loop whose time is a :class:`VirtualClock` and that skips idle time.

    Args:
        clock: the clock to run on (a fresh one by default).
        seed: seed of the ``"seeded"`` tie-break.
        tie_break: order of timers due at the same instant: ``"fifo"`` (creation order, like a
            real run) or ``"seeded"`` (a reproducible shuffle, to explore interleavings).
        real_wait_cap: real seconds to block while a hold or executor work is pending before
            raising :class:`SimulatedDeadlock`.

    The default executor is a one-thread ``ThreadPoolExecutor``, and an executor job runs to
    completion *before the loop takes its next step* (the loop thread waits for it): sync node
    bodies (LangGraph runs them through ``run_in_executor``) and ``asyncio.to_thread`` calls are
    atomic steps of the simulation, one at a time in submission order. Their side effects, their
    ``time.sleep`` advances of the shared clock and, above all, the moment the loop learns that a
    job finished no longer depend on the OS scheduler: a parallel sync sibling of a failing node
    has always finished (or never started) when LangGraph cancels the superstep, on every rerun.

    A job that posts work to the loop and then waits for it (``run_coroutine_threadsafe(...)
    .result()``, an async-only saver called from a sync body) cannot be atomic: after
    `CALLBACK_GRACE` real seconds the loop lets it run concurrently and records the source in
    `nondeterminism` (trials report it as ``inconclusive``, reason ``nondeterministic: ...``).
    A job that never finishes is caught by ``real_wait_cap``.
    """

    def __init__(
        self,
        clock: VirtualClock | None = None,
        *,
        seed: int = 0,
        tie_break: TieBreak = "fifo",
        real_wait_cap: float = DEFAULT_REAL_WAIT_CAP,
    ) -> None:
        self._vclock = clock if clock is not None else VirtualClock()
        self._tie_break: TieBreak = tie_break
        self._tie_seed = int(seed)
        self._timer_seq = 0
        self._executor_inflight = 0
        self._real_wait_cap = float(real_wait_cap)
        self._real_wait_exceeded = False
        self._deadlock_handler: Callable[[], None] | None = None
        self._deadlock_fired = False
        #: The thread of the executor job the loop is waiting for, and whether it posted work.
        self._object_seq = 0
        self._job_thread: int | None = None
        self._job_posted = False
        self._job_label: str | None = None
        #: Sources of nondeterminism the loop could not control, in the order they happened.
        self.nondeterminism: list[str] = []
        vselector = _VirtualSelector()
        super().__init__(selector=vselector)
        vselector.loop = self
        if tie_break not in ("fifo", "seeded"):
            # Validated after BaseEventLoop.__init__ so that __del__ finds a whole loop.
            self._default_executor = None
            super().close()
            raise ValueError(f"tie_break must be 'fifo' or 'seeded', not {tie_break!r}")
        self.set_default_executor(
            concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="chaos-sim")
        )
        self._vclock.add_release_listener(self._wake)

    if TYPE_CHECKING:
        # The private BaseEventLoop state and checks (CPython's asyncio/base_events.py) that
        # call_at, create_task and run_in_executor mirror; typeshed leaves them out.
        _debug: bool
        _scheduled: list[_OrderedTimerHandle]  # only ours: call_at is the one way in
        _task_factory: Any  # typeshed's _TaskFactory alias is private to the stubs
        _default_executor: concurrent.futures.ThreadPoolExecutor | None

        def _check_closed(self) -> None: ...
        def _check_thread(self) -> None: ...
        def _check_callback(self, callback: Callable[..., object], method: str) -> None: ...
        def _check_default_executor(self) -> None: ...
        def _write_to_self(self) -> None: ...

    # -- time ----------------------------------------------------------------------------
    @property
    def clock(self) -> VirtualClock:
        """The virtual clock this loop runs on."""
        return self._vclock

    def time(self) -> float:
        return self._vclock.monotonic()

    # BaseEventLoop.__init__ assigns the platform clock resolution (15 ms on Windows, which
    # would fire distinct virtual timers together). _run_once pops timers with
    # ``when < time() + resolution``, so the resolution must also stay above the float spacing
    # of the current time or a due timer would never pop; hence computed, never stored.
    @property
    def _clock_resolution(self) -> float:
        return max(1e-9, 4 * math.ulp(self._vclock.monotonic()))

    @_clock_resolution.setter
    def _clock_resolution(self, value: float) -> None:
        pass

    # -- timers --------------------------------------------------------------------------
    def call_at(
        self,
        when: float,
        callback: Callable[[Unpack[_Ts]], object],
        *args: Unpack[_Ts],
        context: contextvars.Context | None = None,
    ) -> asyncio.TimerHandle:
        # Mirrors BaseEventLoop.call_at (CPython 3.11) with an ordered handle.
        if when is None:
            raise TypeError("when cannot be None")
        self._check_closed()
        if self._debug:
            self._check_thread()
            self._check_callback(callback, "call_at")
        seq = self._timer_seq
        self._timer_seq += 1
        order = (seq,) if self._tie_break == "fifo" else (_mix64(self._tie_seed, seq), seq)
        timer = _OrderedTimerHandle(when, order, callback, args, self, context)
        if timer._source_traceback:
            del timer._source_traceback[-1]
        heapq.heappush(self._scheduled, timer)
        timer._scheduled = True
        return timer

    # -- tasks and futures: hashed by creation order ---------------------------------------
    def _number(self, obj: _SeqTask | _SeqFuture) -> None:
        self._object_seq += 1
        obj._chaos_seq = self._object_seq

    def create_task(
        self, coro: Generator[Any, None, _T] | Coroutine[Any, Any, _T], **kwargs: Any
    ) -> asyncio.Task[_T]:
        if self._task_factory is not None:
            return super().create_task(coro, **kwargs)
        self._check_closed()
        name = kwargs.pop("name", None)
        task = _SeqTask(coro, loop=self, **kwargs)
        self._number(task)
        if name is not None:
            task.set_name(name)
        if task._source_traceback:
            del task._source_traceback[-1]
        return task

    def create_future(self) -> asyncio.Future[Any]:
        fut = _SeqFuture(loop=self)
        self._number(fut)
        return fut

    # -- executor ------------------------------------------------------------------------
    @property
    def executor_inflight(self) -> int:
        """Executor jobs submitted through this loop that have not finished running."""
        return self._executor_inflight

    def run_in_executor(
        self,
        executor: concurrent.futures.Executor | None,
        func: Callable[[Unpack[_Ts]], _T],
        *args: Unpack[_Ts],
    ) -> asyncio.Future[_T]:
        # Mirrors BaseEventLoop.run_in_executor, counting in-flight work. The count drops in a
        # done-callback of the *concurrent* future, relayed to the loop thread with
        # call_soon_threadsafe: it follows the thread's real work even when the awaiting task
        # is cancelled (the body keeps running), and the relay's self-pipe write wakes a loop
        # blocked in the real selector. It is registered *after* wrap_future's own relay, so
        # the worker thread queues "set the asyncio future" before "decrement": when the count
        # reaches zero the awaiting task's wake-up is already queued. (Registered first, the
        # loop could run the decrement, find nothing ready and declare a deadlock before the
        # worker queued the result: a lost wake-up that was observed in ~1 run in 10.)
        self._check_closed()
        if self._debug:
            self._check_callback(func, "run_in_executor")
        if executor is None:
            self._check_default_executor()
            executor = self._default_executor
            if executor is None:  # pragma: no cover - we always set one
                executor = concurrent.futures.ThreadPoolExecutor(max_workers=1)
                self._default_executor = executor
        finished = threading.Event()

        def job() -> _T:
            self._job_thread = threading.get_ident()
            return func(*args)

        self._job_posted = False
        cfut = executor.submit(job)
        self._executor_inflight += 1
        afut = futures.wrap_future(cfut, loop=self)
        cfut.add_done_callback(self._executor_job_done)
        # Last: when it fires, the result relay and the in-flight decrement are already queued.
        cfut.add_done_callback(lambda _f: finished.set())
        self._run_to_completion(func, finished)
        return afut

    def call_soon_threadsafe(
        self,
        callback: Callable[[Unpack[_Ts]], object],
        *args: Unpack[_Ts],
        context: contextvars.Context | None = None,
    ) -> asyncio.Handle:
        if self._job_thread is not None and threading.get_ident() == self._job_thread and not self._job_posted:
            self._job_posted = True
            self._job_label = job_label()
        return super().call_soon_threadsafe(callback, *args, context=context)

    def _run_to_completion(self, func: Callable[..., Any], finished: threading.Event) -> None:
        """Wait (on the loop thread) until the job just submitted has finished; see class doc."""
        start = real_monotonic()
        try:
            while not finished.wait(0.05):
                waited = real_monotonic() - start
                if self._job_posted and waited >= CALLBACK_GRACE:
                    source = (
                        f"{self._job_label or 'an executor job'} waits for work it posted to the event "
                        "loop (e.g. run_coroutine_threadsafe(...).result()), so it runs concurrently "
                        "with the loop"
                    )
                    self.nondeterminism.append(source)
                    report_nondeterminism(source)
                    return
                if waited >= self._real_wait_cap:
                    return  # the loop's own real-wait cap reports the stuck job
        finally:
            self._job_thread = None
            self._job_posted = False

    def _executor_job_done(self, _fut: concurrent.futures.Future[Any]) -> None:
        try:
            self.call_soon_threadsafe(self._dec_inflight)
        except RuntimeError:
            pass  # loop already closed: nothing is waiting any more

    def _dec_inflight(self) -> None:
        self._executor_inflight -= 1

    # -- idle policy ---------------------------------------------------------------------
    def set_deadlock_handler(self, handler: Callable[[], None] | None) -> None:
        """Called (on the loop thread) the first time nothing can ever wake; see module doc."""
        self._deadlock_handler = handler
        self._deadlock_fired = False

    def _must_wait_real(self) -> bool:
        return self._vclock.held or self._executor_inflight > 0

    def _idle(
        self, real: selectors.BaseSelector, timeout: float | None
    ) -> list[tuple[selectors.SelectorKey, int]]:
        """Nothing is ready right now: wait for real work, skip time, or declare a deadlock."""
        if self._must_wait_real():
            if self._real_wait_exceeded:  # already gave up once: don't block the teardown too
                raise SimulatedDeadlock("real work still pending after the real-wait cap")
            return self._wait_real(real)
        if timeout is None:
            return self._deadlock()
        scheduled = self._scheduled
        # _run_once has just dropped cancelled timers from the head, so scheduled[0] is the
        # earliest live deadline. Jump straight there, past asyncio's 24 h select cap.
        target = scheduled[0]._when if scheduled else self.time() + timeout
        if not self._vclock.jump_to(target):  # a hold started on another thread meanwhile
            return self._wait_real(real)
        return []

    def _wait_real(
        self, real: selectors.BaseSelector
    ) -> list[tuple[selectors.SelectorKey, int]]:
        deadline = real_monotonic() + self._real_wait_cap
        while True:
            remaining = deadline - real_monotonic()
            if remaining <= 0:
                self._real_wait_exceeded = True
                raise SimulatedDeadlock(
                    f"simulated trial blocked for {_fmt_secs(self._real_wait_cap)} of real time at "
                    f"t={self._vclock.now():.3f}s waiting for "
                    f"{self._executor_inflight} executor job(s) / clock hold "
                    f"(held={self._vclock.held}); a sync node body or held real I/O never finished"
                )
            ready = real.select(remaining)
            if ready or not self._must_wait_real():
                return ready

    def _deadlock(self) -> list[tuple[selectors.SelectorKey, int]]:
        handler = self._deadlock_handler
        if handler is not None and not self._deadlock_fired:
            self._deadlock_fired = True
            handler()  # cancels the main task; the cancellation is processed next iteration
            return []
        raise SimulatedDeadlock(
            f"simulated deadlock at t={self._vclock.now():.3f}s: no timer, no ready I/O, no "
            f"executor work and no clock hold, so nothing can ever wake up\n"
            + describe_tasks(self)
        )

    def _wake(self) -> None:
        # Called from whichever thread released the last hold; harmless if the loop is idle.
        if not self.is_closed():
            try:
                self._write_to_self()
            except Exception:  # pragma: no cover - closing race
                pass

    # -- shutdown ------------------------------------------------------------------------
    def close(self) -> None:
        """Close the loop and shut the default executor down.

        Waits for running executor jobs unless the real-wait cap was exceeded (a job that is
        stuck would otherwise hang the test session).
        """
        if self.is_running():
            raise RuntimeError("Cannot close a running event loop")
        if self.is_closed():
            return
        self._vclock.remove_release_listener(self._wake)
        executor = self._default_executor
        if executor is not None:
            self._default_executor = None
            executor.shutdown(wait=not self._real_wait_exceeded, cancel_futures=True)
        super().close()


def describe_tasks(loop: asyncio.AbstractEventLoop) -> str:
    """A short listing of the loop's pending tasks and the ``await`` chain each is suspended in."""
    lines = []
    for task in sorted(asyncio.all_tasks(loop), key=lambda t: t.get_name()):
        if not task.done():
            lines.append(f"  task {task.get_name()}: {_await_chain(task.get_coro())}")
    if not lines:
        return "  (no pending tasks)"
    return "pending tasks:\n" + "\n".join(lines)


def _await_chain(coro: Any, limit: int = 6) -> str:
    """``outer > ... > inner (file:line)``: the coroutines a task is suspended in."""
    names: list[str] = []
    frame = None
    depth = 0
    while coro is not None and depth < 100:
        f = getattr(coro, "cr_frame", None) or getattr(coro, "ag_frame", None)
        f = f or getattr(coro, "gi_frame", None)
        if f is not None:
            frame = f
            if f.f_code.co_qualname != "_call":  # run_async's own wrapper is noise
                names.append(f.f_code.co_qualname)
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
        depth += 1
    if len(names) > limit:
        names = names[:1] + ["..."] + names[-(limit - 1) :]
    where = f" ({frame.f_code.co_filename}:{frame.f_lineno})" if frame is not None else ""
    return " > ".join(names) + where
