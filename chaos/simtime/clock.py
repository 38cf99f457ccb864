"""Clocks for chaos trials: a virtual clock for simulated runs and a real one for ``mode="real"``.

Both implement the :class:`Clock` protocol that the rest of the harness talks to:

* ``now()``: seconds since the trial started (simulated or real);
* ``hold()``: context manager; while any hold is active the virtual clock never jumps ahead to
  the next timer (the harness brackets real I/O with it: database sockets, subprocesses);
* ``advance(dt)``: move the virtual clock forward (patched ``time.sleep`` uses it);
* ``mode``: ``"simulated"`` or ``"real"``.

``current_clock()`` returns the clock of the running trial. It is a plain module-level slot, not a
contextvar, on purpose: a trial patches process-wide state anyway, and sync node bodies run on
executor threads where a contextvar would only be visible if every hop copied the context.
"""

from __future__ import annotations

import math
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timezone
from typing import Literal, Protocol, cast, runtime_checkable

__all__ = [
    "SIM_EPOCH",
    "Clock",
    "ClockMode",
    "RealClock",
    "VirtualClock",
    "current_clock",
    "use_clock",
]

ClockMode = Literal["simulated", "real"]

#: Wall clock at simulated t=0. In the future on purpose: uuid6 checkpoint ids never go
#: backwards, so a simulated wall clock behind ids already issued would force ``last+1`` ids.
SIM_EPOCH: datetime = datetime(2030, 1, 1, tzinfo=timezone.utc)

#: The virtual ``time.monotonic()`` value at t=0. A large, exactly representable base keeps
#: ``now() == monotonic() - base`` exact (both are multiples of the same ulp) and makes a
#: virtual monotonic value easy to recognise in a debugger.
MONOTONIC_BASE: float = 1_000_000.0


def _resolve_real(name: str) -> Callable[..., object]:
    """The real ``time.<name>``, even if this module is first imported under freezegun."""
    fn = getattr(time, name)
    if isinstance(fn, types.BuiltinFunctionType):
        return fn  # time-machine patches at C level but leaves monotonic/sleep alone
    fg = sys.modules.get("freezegun.api")
    real: Callable[..., object] | None = getattr(fg, f"real_{name}", None) if fg is not None else None
    return real if real is not None else fn


class _Real:
    # Kept off module level on purpose: freezegun's start() swaps every *module attribute* that
    # is the real monotonic for its fake, which would freeze our real-time safety caps.
    monotonic = staticmethod(_resolve_real("monotonic"))
    sleep = staticmethod(_resolve_real("sleep"))


def real_monotonic() -> float:
    """The real ``time.monotonic()``, whatever is patched."""
    return cast(float, _Real.monotonic())  # time.monotonic or freezegun's saved real one


def real_sleep(secs: float) -> None:
    """The real ``time.sleep()``, whatever is patched."""
    _Real.sleep(secs)


@runtime_checkable
class Clock(Protocol):
    """What the harness needs from a trial clock (virtual or real)."""

    mode: ClockMode

    def now(self) -> float:
        """Seconds since the trial started."""
        ...

    def hold(self) -> AbstractContextManager[None]:
        """Context manager: keep the virtual clock from jumping while real work is awaited."""
        ...

    def advance(self, dt: float) -> None:
        """Move the clock forward by ``dt`` seconds (virtual clocks only)."""
        ...


class VirtualClock:
    """A thread-safe simulated clock.

    The clock stores the virtual ``time.monotonic()`` value; ``now()`` is that minus
    :data:`MONOTONIC_BASE`. It moves only when told to: :meth:`advance` (a ``time.sleep`` on any
    thread) or :meth:`jump_to` (the event loop skipping idle time to the next timer).
    Listeners registered with :meth:`add_listener` see every change; the wall-clock driver uses
    that to keep ``time.time()``/``datetime.now()`` at ``SIM_EPOCH + now()``.
    """

    mode: ClockMode = "simulated"

    def __init__(self, *, base: float = MONOTONIC_BASE) -> None:
        self._base = float(base)
        self._mono = float(base)
        # RLock: a listener may read the clock while we notify under the lock.
        self._lock = threading.RLock()
        self._holds = 0
        self._listeners: list[Callable[[float], None]] = []
        self._release_listeners: list[Callable[[], None]] = []

    # -- reading -------------------------------------------------------------------------
    def now(self) -> float:
        """Simulated seconds since the trial started."""
        return self._mono - self._base

    def monotonic(self) -> float:
        """The virtual ``time.monotonic()`` / ``perf_counter()`` / event-loop ``time()`` value."""
        return self._mono

    def monotonic_ns(self) -> int:
        """The virtual ``time.monotonic_ns()`` value."""
        return round(self._mono * 1e9)

    @property
    def held(self) -> bool:
        """True while at least one :meth:`hold` is active."""
        return self._holds > 0

    # -- moving --------------------------------------------------------------------------
    def advance(self, dt: float) -> None:
        """Move forward by ``dt`` seconds (used by the patched ``time.sleep``, any thread)."""
        if math.isnan(dt) or dt < 0:
            raise ValueError("sleep length must be non-negative")
        if dt == 0:
            return
        with self._lock:
            self._mono += dt
            self._notify()

    def jump_to(self, monotonic: float) -> bool:
        """Jump to an absolute virtual monotonic value unless a hold is active.

        Returns False (and does not move) while held. Never moves backwards.
        """
        with self._lock:
            if self._holds:
                return False
            if monotonic > self._mono:
                self._mono = monotonic
                self._notify()
            return True

    def _notify(self) -> None:
        now = self._mono - self._base
        for listener in tuple(self._listeners):
            listener(now)

    # -- holding -------------------------------------------------------------------------
    @contextmanager
    def hold(self) -> Iterator[None]:
        """Keep the virtual clock from jumping while real work (I/O, threads) is awaited.

        Nestable and thread-safe. While held, a simulated event loop with nothing ready blocks
        in the real selector (capped; see ``VirtualEventLoop``) instead of skipping time, so a
        reply arriving on a real socket is not overtaken by a virtual timeout. Releasing the last
        hold wakes the loop. A thread that releases it should deliver its result to the loop
        (``call_soon_threadsafe``) *before* releasing, or the loop may skip time first.
        ``time.sleep``/:meth:`advance` still move the clock while held: they are "work took
        this long", not idle time.
        """
        with self._lock:
            self._holds += 1
        try:
            yield
        finally:
            with self._lock:
                self._holds -= 1
                released = self._holds == 0
                listeners = tuple(self._release_listeners) if released else ()
            for wake in listeners:
                wake()

    # -- listeners -----------------------------------------------------------------------
    def add_listener(self, fn: Callable[[float], None]) -> None:
        """Call ``fn(now)`` after every change of the clock (under the clock's lock)."""
        with self._lock:
            self._listeners.append(fn)

    def remove_listener(self, fn: Callable[[float], None]) -> None:
        with self._lock:
            if fn in self._listeners:
                self._listeners.remove(fn)

    def add_release_listener(self, fn: Callable[[], None]) -> None:
        """Call ``fn()`` whenever the last hold is released (from the releasing thread)."""
        with self._lock:
            self._release_listeners.append(fn)

    def remove_release_listener(self, fn: Callable[[], None]) -> None:
        with self._lock:
            if fn in self._release_listeners:
                self._release_listeners.remove(fn)

    def __repr__(self) -> str:
        return f"<VirtualClock now={self.now():.6f}s holds={self._holds}>"


class RealClock:
    """The clock of a ``mode="real"`` trial: real monotonic seconds since the trial started."""

    mode: ClockMode = "real"

    def __init__(self) -> None:
        self._t0 = real_monotonic()

    def now(self) -> float:
        """Real seconds since the trial started."""
        return real_monotonic() - self._t0

    @contextmanager
    def hold(self) -> Iterator[None]:
        """No-op: real time never jumps."""
        yield

    @property
    def held(self) -> bool:
        return False

    def advance(self, dt: float) -> None:
        """Not supported: real time cannot be moved."""
        raise RuntimeError("cannot advance a real clock (this trial runs in mode='real')")

    def __repr__(self) -> str:
        return f"<RealClock now={self.now():.6f}s>"


_current: Clock | None = None
_current_lock = threading.Lock()


def current_clock() -> Clock | None:
    """The clock of the running trial, or None outside a trial (visible from every thread)."""
    return _current


@contextmanager
def use_clock(clock: Clock) -> Iterator[Clock]:
    """Make ``clock`` the current clock for the duration of the block (trials do not nest)."""
    global _current
    with _current_lock:
        if _current is not None:
            raise RuntimeError(
                "a chaos trial is already running in this process; trials cannot nest "
                "(run_async/run_sync must be called from plain sync code)"
            )
        _current = clock
    try:
        yield clock
    finally:
        with _current_lock:
            _current = None
