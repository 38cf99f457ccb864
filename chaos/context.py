"""The state of one run while it executes: the plan, the journal, and the decisions made.

One `RunContext` lives for one execution of an instrumented graph (the chaos run, or its
fault-free baseline). Node wrappers consult it to decide whether an attempt gets a fault and
record every attempt in its journal.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from chaos.decide import coin
from chaos.faults import Injection
from chaos.journal import AttemptRecord, EventRecord, Journal


def trial_clock() -> Callable[[], float]:
    """Seconds since the run started, on the trial's clock when one is active."""
    try:
        from chaos.simtime import current_clock
    except ImportError:  # pragma: no cover - simtime is part of the package
        current_clock = None  # type: ignore[assignment]  # the fallback for a failed import
    clock = current_clock() if current_clock is not None else None
    if clock is not None:
        origin = clock.now()
        return lambda: round(clock.now() - origin, 9)
    origin = time.monotonic()
    return lambda: round(time.monotonic() - origin, 9)


@dataclass
class RunContext:
    """Decisions and records for one run of an instrumented graph."""

    seed: int
    test_id: str
    injections: Sequence[Injection] = ()
    journal: Journal = field(default_factory=Journal)
    now: Callable[[], float] = field(default_factory=trial_clock)
    fired: Counter[Injection] = field(default_factory=Counter)
    _task_labels: dict[tuple[str, str, int], str] = field(default_factory=dict)
    _task_counts: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    #: NodeTimeoutErrors raised by LangGraph's watchdogs and not yet matched to an attempt
    #: (None when nobody observes them; see `chaos.inject.observe_timeouts`).
    timeouts: list[Any] | None = None
    #: The current invocation (0 for the first; each ``repeat`` adds one, on its own thread).
    invocation: int = 0

    def begin(self, site: str, task_id: str | None, attempt: int, step: int | None) -> AttemptRecord:
        """Record the start of an attempt and return its (still open) record."""
        with self._lock:
            # A task resumed in a later run step keeps its LangGraph task id but is a new
            # execution (its attempts count from 1 again): a new label per invocation.
            key = (site, task_id or f"anon-{len(self.journal.attempts)}", self.invocation)
            label = self._task_labels.get(key)
            if label is None:
                self._task_counts[site] += 1
                label = f"{site}#{self._task_counts[site]}"
                self._task_labels[key] = label
            rec = AttemptRecord(
                node=site, task=label, attempt=attempt, step=step, start=self.now(), task_id=task_id,
                invocation=self.invocation,
            )
            self.journal.attempts.append(rec)
            return rec

    def choose(self, rec: AttemptRecord) -> Injection | None:
        """The injection (if any) that lands on this attempt. Pure function of the hash inputs."""
        ordinal = rec.task.rsplit("#", 1)[-1]
        for inj in self.injections:
            if inj.fault.level != "node":
                continue  # transport-level faults are decided per request (chaos.http)
            if not (inj.matches_site(rec.node) and inj.matches_attempt(rec.attempt)
                    and inj.matches_invocation(rec.invocation)):
                continue
            if inj.times is not None and self.fired[inj] >= inj.times:
                continue
            if coin(inj.probability, self.seed, self.test_id, inj.label, rec.node, ordinal, rec.attempt):
                rec.fault = inj.fault.describe()
                rec.fault_kind = inj.fault.kind
                return inj
        return None

    def claim_timeout(self, node: str) -> Any:
        """The oldest unclaimed NodeTimeoutError of ``node`` (removed), or None."""
        with self._lock:
            timeouts = self.timeouts or []
            for i, exc in enumerate(timeouts):
                if exc.node == node:
                    return timeouts.pop(i)
        return None

    def mark_fired(self, inj: Injection) -> None:
        with self._lock:
            self.fired[inj] += 1

    def event(self, kind: str, node: str | None = None, detail: str | None = None) -> None:
        with self._lock:
            self.journal.events.append(EventRecord(kind, self.now(), node, detail))

    def never_fired(self) -> list[Injection]:
        """Declared injections that did not fire once in this run."""
        return [inj for inj in self.injections if self.fired[inj] == 0]


class SignalContext(RunContext):
    """A run context that can turn a ``sigterm`` decision into a real SIGTERM to this process.

    `arm` aims a SIGTERM (an `Injection` of `chaos.shutdown.Sigterm`) at the next attempts;
    when one of them starts, the signal is delivered at once, from the node's own thread,
    and `landed` keeps the attempt it landed in.
    """

    armed: Injection | None = None
    landed: AttemptRecord | None = None

    def arm(self, injection: Injection | None) -> None:
        self.armed, self.landed = injection, None

    def choose(self, rec: AttemptRecord) -> Injection | None:
        inj = self.armed
        boundary = getattr(inj.fault, "after_step", None) if inj is not None else None
        if (inj is not None and self.landed is None and inj.matches_site(rec.node) and inj.matches_attempt(rec.attempt)
                and (boundary is None or rec.step == boundary)):
            import os
            import signal

            self.mark_fired(inj)
            self.landed = rec
            self.event("sigterm", rec.node,
                       f"SIGTERM delivered to the process as {rec.task} started attempt "
                       f"{rec.attempt} (superstep {rec.step})")
            os.kill(os.getpid(), signal.SIGTERM)
            chosen = super().choose(rec)
            if chosen is None:
                rec.fault, rec.fault_kind = inj.fault.describe(), inj.fault.kind
            return chosen if chosen is not None else inj
        return super().choose(rec)


class ActiveRun:
    """The slot through which the wrappers of one instrumented graph find the current run.

    Wrappers are built once per instrumented graph and reused across trials; the run they
    report to is swapped in here. No run active means the wrappers pass straight through.
    """

    __slots__ = ("context", "cache_ttl")

    def __init__(self) -> None:
        self.context: RunContext | None = None
        #: Instrumentation-time setting shared by nested subgraphs (see `instrument`).
        self.cache_ttl: float | None = None
