"""Timing primitives: a plain ``ainvoke`` and a harness trial of the same graph, side by side.

Both sides use a fresh `EmbeddedSqliteSaver` database of their own and a fresh thread id per
run, so neither reads the other's history. The plain side reuses one stock event loop (its
cost is the graph's alone); the harness side pays for everything a trial does: the virtual
loop and its executor, the patches, the wrappers and journal, and the checkers.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import count
from typing import Any

from chaos.bench.graphs import Case
from chaos.checks import checker_names, opt_in_names
from chaos.faults import Injection
from chaos.inject import InstrumentedGraph, instrument
from chaos.savers import default_cache, sqlite_saver_in
from chaos.trial import TrialResult, run_trial

_ids = count()


def median(xs: Sequence[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


@dataclass
class Subject:
    """One graph prepared both ways: compiled plainly and instrumented by the harness."""

    case: Case
    plain: Any
    inst: InstrumentedGraph
    loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.new_event_loop)

    @classmethod
    def of(cls, case: Case) -> Subject:
        builder = case.build()
        needs_cache = any(s.cache_policy is not None for s in builder.nodes.values())
        plain = builder.compile(checkpointer=sqlite_saver_in(), cache=default_cache() if needs_cache else None)
        inst = instrument(case.build(), checkpointer_factory=sqlite_saver_in, cache_factory=default_cache)
        return cls(case, plain, inst)

    def run_plain(self) -> float:
        """Wall seconds of one plain ``ainvoke`` on a fresh thread."""
        cfg = {**self.case.config, "configurable": {"thread_id": f"plain-{next(_ids)}"}}
        t0 = time.perf_counter()
        self.loop.run_until_complete(self._ainvoke(cfg))
        return time.perf_counter() - t0

    async def _ainvoke(self, cfg: dict[str, Any]) -> Any:
        if self.plain.cache is not None:
            await self.plain.aclear_cache()  # as every trial does: no run is served from cache
        return await self.plain.ainvoke(self.case.input, cfg)

    def run_trial(self, *, checks: bool, injections: Sequence[Injection] = (), baseline: bool = False,
                  clock: str = "simulated") -> tuple[float, TrialResult]:
        """Wall seconds of one harness trial (chaos run + checkers; baseline only if asked)."""
        t0 = time.perf_counter()
        result = trial(self.inst, self.case, checks=checks, injections=injections, baseline=baseline, clock=clock)
        return time.perf_counter() - t0, result

    def close(self) -> None:
        self.loop.close()
        self.inst.close()


def trial(inst: InstrumentedGraph, case: Case, *, checks: bool = True, injections: Sequence[Injection] = (),
          baseline: bool = False, clock: str = "simulated") -> TrialResult:
    """One trial of ``case`` with every invariant on (opt-in ones too) or all of them off."""
    result = run_trial(
        inst, case.input, injections=list(injections), seed=0, test_id=f"bench-{next(_ids)}",
        config=dict(case.config), baseline=baseline, clock=clock,  # type: ignore[arg-type]  # a dict config; the bench's own clock names
        disabled_checks=() if checks else checker_names(),
        enabled_checks=opt_in_names() if checks else (),
    )
    if result.journal.outcome != "ok" and not injections:
        raise RuntimeError(f"bench graph {case.name} failed: {result.journal.error}: {result.journal.error_message}")
    return result


def interleaved(
    fns: dict[str, Callable[[], object]], reps: int, min_seconds: float = 0.0
) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) seconds of each function, run round-robin so load hits all alike.

    At least ``reps`` rounds, more until ``min_seconds`` of wall time were sampled (small
    graphs take milliseconds: one scheduler hiccup would decide a median of 7). CPU time (all
    threads of this process) is the load-independent cross-check: on a shared machine the
    wall time also counts the time other processes held the cores.
    """
    samples: dict[str, list[tuple[float, float]]] = {k: [] for k in fns}
    for fn in fns.values():  # warm-up: imports, first compile of SQL, caches
        fn()
    started = time.perf_counter()
    rounds = 0
    while rounds < reps or (time.perf_counter() - started < min_seconds and rounds < 50 * reps):
        rounds += 1
        for key, fn in fns.items():
            w0, c0 = time.perf_counter(), time.process_time()
            fn()
            samples[key].append((time.perf_counter() - w0, time.process_time() - c0))
    return {k: (median([w for w, _ in v]), median([c for _, c in v])) for k, v in samples.items()}
