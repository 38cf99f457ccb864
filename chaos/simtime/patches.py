"""Process-wide patches that put a trial on a virtual clock, and the ``real_time()`` escape hatch.

Applied by :func:`simulated_patches` on enter and restored exactly on exit, also when the trial
raises or is interrupted (each step is registered on an ``ExitStack`` as soon as it is applied):

* ``time.monotonic``/``monotonic_ns``/``perf_counter``/``perf_counter_ns`` rebound (module
  attributes) to the virtual clock. LangGraph's idle watchdog and ``NodeTimeoutError.elapsed``
  call ``time.monotonic()`` through the module, so rebinding reaches them. Copies taken earlier
  with ``from time import monotonic`` (``threading``, ``queue``) keep real time, which is what
  their real-thread timeouts need.
* ``time.sleep(d)``, on any thread, advances the virtual clock by ``d``: a sync body "took d
  seconds". Parallel sync sleeps therefore add up instead of overlapping.
* The wall clock (``time.time``/``time_ns``, ``datetime.now``/``utcnow``, ``date.today``) reads
  ``SIM_EPOCH + now()``; naive ``datetime.now()`` is UTC. Driven by time-machine (C-level patch,
  cheap), or, when the caller is inside an active ``freezegun.freeze_time`` (time-machine refuses
  to start then), by a nested freezegun freeze that is popped on exit so the caller's frozen
  time is intact afterwards.
* ``langgraph.pregel._retry.random`` (retry jitter draws ``random.uniform(0, 1)`` from it) is a
  ``random.Random(seed)``; the global ``random`` (uuid6 checkpoint ids draw from it) is seeded
  with ``seed`` and its state restored afterwards.
* ``langgraph.checkpoint.base.id._last_v6_timestamp`` is cleared (uuid6 forces ids to ``last+1``
  otherwise, making ids depend on earlier trials) and restored afterwards.
* aiosqlite (under ``AsyncSqliteSaver``): ``Connection._connect``/``_execute``/``close`` hold
  the clock while they await the connection's own worker thread. That thread completes futures with ``call_soon_threadsafe``,
  invisible to the loop, which would otherwise declare a deadlock or skip time mid-query.
* ``langgraph.pregel._executor.get_executor_for_config`` (the thread pool of LangGraph's sync
  ``BackgroundExecutor``) yields a `chaos.simtime.serial.AtomicExecutor`: under ``invoke`` the
  tasks of a superstep run one at a time, in submission order, each to completion before the
  next is submitted, so a sibling's fate never depends on the OS scheduler.
* :func:`~chaos.simtime.clock.current_clock` returns the trial's clock.

Wall-clock driver cost, measured on this machine (Python 3.11.7, langgraph 1.2.22 and the
whole ``chaos`` package imported, 2 cores; ``python -m chaos.simtime.patches`` runs ``_measure()``,
3 runs, 2000 pairs each (20 for freezegun's later pairs)):

================================================  ==========================
driver                                             start+stop, ms per pair
================================================  ==========================
time-machine ``travel(SIM_EPOCH, tick=False)``     0.021 (incl. TZ=UTC tzset)
freezegun ``freeze_time``, first start+stop        270 to 292 (scans every module)
freezegun ``freeze_time``, later start+stop        16.6 to 17.5
freezegun nested inside an active freeze           0.009 (no module scan)
================================================  ==========================

The nested freezegun case is only used when the user already froze time, so its module scan
was already paid for by the user's own ``freeze_time``.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import random
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from types import ModuleType
from typing import Any, Protocol

from chaos.simtime.clock import SIM_EPOCH, VirtualClock, real_sleep, use_clock

__all__ = ["freezegun_active", "real_time", "simulated_patches"]

_NS_PER_S = 1_000_000_000
_SIM_EPOCH_NS = int(SIM_EPOCH.timestamp()) * _NS_PER_S
_SIM_EPOCH_NAIVE_UTC = SIM_EPOCH.replace(tzinfo=None)

_TIME_NAMES = ("monotonic", "monotonic_ns", "perf_counter", "perf_counter_ns", "sleep")


def freezegun_active() -> bool:
    """True inside an active ``freezegun.freeze_time`` (never imports freezegun)."""
    api = sys.modules.get("freezegun.api")
    if api is not None and getattr(api, "freeze_factories", None):
        return True
    # The check time-machine itself uses before refusing to start.
    return "freezegun" in sys.modules and sys.modules["datetime"].datetime.__name__ == "FakeDatetime"


# --------------------------------------------------------------------------------------------
# wall-clock drivers: keep the wall clock at SIM_EPOCH + clock.now()
# --------------------------------------------------------------------------------------------
class _WallDriver(Protocol):
    def start(self, now: float) -> None: ...
    def update(self, now: float) -> None: ...
    def stop(self) -> None: ...


class _TimeMachineWall:
    """time-machine, frozen (``tick=False``) and shifted whenever the virtual clock moves."""

    def __init__(self) -> None:
        import time_machine

        self._tm = time_machine
        self._travel: Any = None
        self._traveller: Any = None

    def start(self, now: float) -> None:
        # A UTC datetime destination makes time-machine set TZ=UTC for the trial, so naive
        # datetime.now() is the same on every machine (and matches the freezegun fallback).
        travel = self._tm.travel(SIM_EPOCH, tick=False)
        self._traveller = travel.start()
        self._travel = travel
        self.update(now)

    def update(self, now: float) -> None:
        traveller = self._traveller
        if traveller is None:
            return
        # Compute the target from now() each time rather than accumulating shifts, so rounding
        # never drifts. shift() takes float seconds and rounds to ns; exact for |delta| < ~11 days
        # and self-correcting beyond.
        delta_ns = _SIM_EPOCH_NS + round(now * _NS_PER_S) - traveller.time_ns()
        if delta_ns:
            traveller.shift(delta_ns / _NS_PER_S)

    def stop(self) -> None:
        travel, self._travel, self._traveller = self._travel, None, None
        if travel is not None:
            travel.stop()


class _FreezegunWall:
    """A freeze nested inside the user's active freezegun freeze (pushed on start, popped on stop)."""

    def __init__(self) -> None:
        import freezegun

        self._freezegun = freezegun
        self._freezer: Any = None
        self._factory: Any = None

    def start(self, now: float) -> None:
        freezer = self._freezegun.freeze_time(SIM_EPOCH, tick=False)
        self._factory = freezer.start()
        self._freezer = freezer
        self.update(now)

    def update(self, now: float) -> None:
        factory = self._factory
        if factory is not None:
            # FrozenDateTimeFactory reads this public attribute on every call; µs resolution.
            factory.time_to_freeze = _SIM_EPOCH_NAIVE_UTC + timedelta(microseconds=round(now * 1e6))

    def stop(self) -> None:
        freezer, self._freezer, self._factory = self._freezer, None, None
        if freezer is not None:
            freezer.stop()


# --------------------------------------------------------------------------------------------
# the session
# --------------------------------------------------------------------------------------------
def _optional_module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError:  # langgraph is optional for run_sync on plain code
        return None


def _held(clock: VirtualClock, fn: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
    """Wrap a coroutine function so the clock holds still while it awaits real work."""

    @functools.wraps(fn)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        with clock.hold():
            return await fn(*args, **kwargs)

    return wrapper


class _SimSession:
    """The patch state of one simulated trial; suspendable by :func:`real_time`."""

    def __init__(self, clock: VirtualClock, seed: int) -> None:
        self.clock = clock
        self.seed = seed
        self._saved_time: dict[str, Any] = {}
        self._virtual_time: dict[str, Any] = {
            "monotonic": clock.monotonic,
            "monotonic_ns": clock.monotonic_ns,
            "perf_counter": clock.monotonic,
            "perf_counter_ns": clock.monotonic_ns,
            "sleep": self._sleep,
        }
        self._wall: _WallDriver | None = None
        self._suspended = 0
        self._lock = threading.RLock()

    def _sleep(self, secs: float) -> None:
        """The patched ``time.sleep``: the calling code "took" ``secs`` of virtual time."""
        if not isinstance(secs, (int, float)):
            secs = float(secs)
        self.clock.advance(secs)  # raises ValueError for negative, like time.sleep
        real_sleep(0)  # still yield the GIL, as a real sleep would; keeps poll loops fair

    # Wall clock listener, called under the clock's lock on every move.
    def _on_clock(self, now: float) -> None:
        wall = self._wall
        if wall is not None and not self._suspended:
            wall.update(now)

    def enter(self, stack: ExitStack) -> None:
        stack.enter_context(use_clock(self.clock))

        # Randomness: the global generator (uuid6 ids) is seeded, its state restored after.
        saved_random = random.getstate()
        stack.callback(random.setstate, saved_random)
        random.seed(self.seed)

        retry = _optional_module("langgraph.pregel._retry")
        if retry is not None:
            saved_retry_random = retry.random
            stack.callback(setattr, retry, "random", saved_retry_random)
            setattr(retry, "random", random.Random(self.seed))

        ids = _optional_module("langgraph.checkpoint.base.id")
        if ids is not None and hasattr(ids, "_last_v6_timestamp"):
            saved_ts = ids._last_v6_timestamp
            stack.callback(setattr, ids, "_last_v6_timestamp", saved_ts)
            setattr(ids, "_last_v6_timestamp", None)

        aiosqlite = _optional_module("aiosqlite.core")
        if aiosqlite is not None:
            conn_cls = aiosqlite.Connection
            for name in ("_connect", "_execute", "close"):
                orig = conn_cls.__dict__.get(name)
                if orig is not None and inspect.iscoroutinefunction(orig):
                    stack.callback(setattr, conn_cls, name, orig)
                    setattr(conn_cls, name, _held(self.clock, orig))

        executor = _optional_module("langgraph.pregel._executor")
        if executor is not None and hasattr(executor, "get_executor_for_config"):
            from chaos.simtime.serial import atomic_executor_for_config

            saved_pool = executor.get_executor_for_config
            stack.callback(setattr, executor, "get_executor_for_config", saved_pool)
            setattr(executor, "get_executor_for_config", atomic_executor_for_config(saved_pool))

        # Wall clock.
        wall: _WallDriver = _FreezegunWall() if freezegun_active() else _TimeMachineWall()
        wall.start(self.clock.now())
        self._wall = wall
        stack.callback(self._stop_wall)
        self.clock.add_listener(self._on_clock)
        stack.callback(self.clock.remove_listener, self._on_clock)

        # time module rebinding (after the wall driver: freezegun's own start may rebind them).
        self._saved_time = {name: getattr(time, name) for name in _TIME_NAMES}
        stack.callback(self._restore_time)
        self._bind_virtual_time()

    def _stop_wall(self) -> None:
        wall, self._wall = self._wall, None
        if wall is not None and not self._suspended:
            wall.stop()

    def _bind_virtual_time(self) -> None:
        for name, fn in self._virtual_time.items():
            setattr(time, name, fn)

    def _restore_time(self) -> None:
        for name, fn in self._saved_time.items():
            setattr(time, name, fn)

    # -- real_time() ---------------------------------------------------------------------
    def suspend(self) -> None:
        with self._lock:
            self._suspended += 1
            if self._suspended == 1:
                self._restore_time()
                if self._wall is not None:
                    self._wall.stop()

    def resume(self) -> None:
        with self._lock:
            if self._suspended == 1:
                if self._wall is not None:
                    self._wall.start(self.clock.now())
                self._bind_virtual_time()
            self._suspended -= 1


_active: _SimSession | None = None


@contextmanager
def simulated_patches(clock: VirtualClock, *, seed: int = 0) -> Iterator[VirtualClock]:
    """Apply every patch of a simulated trial for the duration of the block (see module doc).

    Trials cannot nest. Everything is restored on exit, including on ``KeyboardInterrupt``.
    """
    global _active
    session = _SimSession(clock, int(seed))
    with ExitStack() as stack:
        session.enter(stack)
        _active = session

        def _clear() -> None:
            global _active
            _active = None

        stack.callback(_clear)
        yield clock


@contextmanager
def real_time() -> Iterator[None]:
    """Escape hatch: real ``time.monotonic``/``perf_counter``/``sleep``/``time.time``/``datetime.now``.

    Inside a simulated trial this temporarily undoes the trial's time patches (like
    ``time_machine.escape_hatch``, but for ordinary calls); outside a trial it does nothing.
    Usable from nodes, e.g. to time a real call or to sleep for real. Note that:

    * it is process-wide while active (other threads see real time too) and reentrant;
    * the event loop keeps its virtual time: ``asyncio.sleep`` inside it is still simulated,
      while ``time.sleep`` blocks the loop for real;
    * the virtual clock does not move during the block; afterwards the wall clock is back at
      ``SIM_EPOCH + now()``.
    """
    session = _active
    if session is None:
        yield
        return
    session.suspend()
    try:
        yield
    finally:
        session.resume()


def _measure(n: int = 2000) -> dict[str, float]:  # pragma: no cover - documentation helper
    """Re-measure the numbers in the module docstring: ms per start+stop pair."""
    import freezegun
    import time_machine

    importlib.import_module("langgraph.graph")
    pc: Callable[[], float] = time.perf_counter
    out: dict[str, float] = {}

    t0 = pc()
    for _ in range(n):
        tm = time_machine.travel(SIM_EPOCH, tick=False)
        tm.start()
        tm.stop()
    out["time_machine"] = (pc() - t0) * 1e3 / n

    t0 = pc()
    fz = freezegun.freeze_time(SIM_EPOCH)
    fz.start()
    fz.stop()
    out["freezegun_first"] = (pc() - t0) * 1e3

    m = max(1, n // 100)
    t0 = pc()
    for _ in range(m):
        fz = freezegun.freeze_time(SIM_EPOCH)
        fz.start()
        fz.stop()
    out["freezegun_later"] = (pc() - t0) * 1e3 / m

    outer = freezegun.freeze_time("2020-01-01")
    outer.start()
    try:
        t0 = pc()
        for _ in range(n):
            fz = freezegun.freeze_time(SIM_EPOCH, tick=False)
            fz.start()
            fz.stop()
        out["freezegun_nested"] = (pc() - t0) * 1e3 / n
    finally:
        outer.stop()
    return out


if __name__ == "__main__":  # pragma: no cover
    print(_measure())
