"""Simulated time for chaos trials.

A trial runs on a :class:`VirtualClock`: an event loop (:class:`VirtualEventLoop`) that skips idle
time to the next timer, plus process-wide patches (``time.monotonic``/``sleep``, the wall clock,
seeded jitter) that are restored when the trial ends. Retry backoff, run/idle timeouts and cache
TTLs then take milliseconds of wall time while keeping the event order of a real run.

Entry points: :func:`run_async` (``graph.ainvoke``/``astream``) and :func:`run_sync`
(``graph.invoke``). Inside a trial, :func:`current_clock` gives the trial's clock and
:func:`real_time` temporarily restores real time.
"""

from __future__ import annotations

from chaos.simtime.clock import SIM_EPOCH, Clock, ClockMode, RealClock, VirtualClock, current_clock
from chaos.simtime.loop import SimulatedDeadlock, VirtualEventLoop
from chaos.simtime.patches import real_time
from chaos.simtime.runner import run_async, run_sync

__all__ = [
    "SIM_EPOCH",
    "Clock",
    "ClockMode",
    "RealClock",
    "SimulatedDeadlock",
    "VirtualClock",
    "VirtualEventLoop",
    "current_clock",
    "real_time",
    "run_async",
    "run_sync",
]
