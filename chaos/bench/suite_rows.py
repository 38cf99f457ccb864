"""Rows 7 to 12: what a user's test suite pays, measured as it calls the harness.

7. repeated ``chaos.run`` (a fresh `Chaos` per call, as a fresh ``chaos`` fixture per test of a
   parametrized suite) against the floor, one plain ``ainvoke`` of the same compiled graph on
   LangGraph's ``InMemorySaver``, on a 10-node chain and on a 50-step ``DeltaChannel`` thread;
8. a kill trial (two child processes) against an exception trial of the same graph;
9. examples per CPU second of a ``fault_plans`` + ``run_plan`` property test;
10. state-machine steps per CPU second;
11. the main job (``pytest --chaos scenarios/``) with ``-n 0`` and ``-n 2``;
12. collection of the bundled pack.

CPU times are this process's `time.process_time` (rows 7 to 10; row 8 adds the CPU time the
kill trial's children report) or the children's ``RUSAGE_CHILDREN`` (rows 11 and 12, each a
fresh ``pytest`` process), printed next to wall times: the machine may be shared.
"""

from __future__ import annotations

import asyncio
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from itertools import count
from pathlib import Path
from typing import Any

from chaos.bench.graphs import chain, chain5
from chaos.bench.measure import interleaved, median

_ids = count()

#: The bundled scenario pack and the small file the ``--quick`` rows use.
PACK = "scenarios/"
QUICK_FILE = "scenarios/compensation.chaos.toml"
#: The options of the README's main-job command that change its cost (a test keeps them equal):
#: one process, and hypothesis' plugin off (it imports hypothesis at the end of every session).
MAIN_JOB_FLAGS = ("-p", "no:hypothesispytest")


def _row(name: str, measured: dict[str, float], headline: str, target: str, ok: bool | None,
         detail: list[dict[str, Any]] | None = None) -> Any:
    from chaos.bench.rows import Row

    return Row(name, measured, headline, target, ok, detail or [])


# -- 7. repeated chaos.run -----------------------------------------------------------------------
def _floor_and_run(graph: Any, input: Any, config: dict[str, Any] | None) -> dict[str, Callable[[], object]]:
    from chaos import Chaos

    loop = asyncio.new_event_loop()

    def floor() -> object:
        cfg = {**(config or {}), "configurable": {"thread_id": f"floor-{next(_ids)}"}}
        return loop.run_until_complete(graph.ainvoke(input, cfg))

    def run() -> object:
        harness = Chaos(test_id=f"tests/test_suite.py::test_case[{next(_ids)}]")
        try:
            return harness.run(graph, input, config=config)
        finally:
            harness.close()

    return {"floor": floor, "chaos.run": run}


def repeated_run(reps: int, min_seconds: float) -> Any:
    """Row 7: CPU of a repeated ``chaos.run`` (every default invariant on) over the floor."""
    from langgraph.checkpoint.memory import InMemorySaver

    from chaos.examples import long_thread

    cases = [
        ("chain[10]", chain(10).compile(checkpointer=InMemorySaver()), {"n": 0}, None),
        ("long_thread[50] (DeltaChannel)", long_thread.build().compile(checkpointer=InMemorySaver()),
         {"target": 50}, {"recursion_limit": 1000}),
    ]
    detail: list[dict[str, Any]] = []
    for name, graph, input, config in cases:
        fns = _floor_and_run(graph, input, config)
        fns["chaos.run"]()  # the first call runs the baseline and the delta shadow: not "repeated"
        m = interleaved(fns, reps, min_seconds)
        (fw, fc), (rw, rc) = m["floor"], m["chaos.run"]
        detail.append({"graph": name, "floor_ms": fw * 1e3, "floor_cpu_ms": fc * 1e3, "run_ms": rw * 1e3,
                       "run_cpu_ms": rc * 1e3, "cpu_ratio": rc / fc, "wall_ratio": rw / fw})
    chain_d, delta_d = detail
    measured: dict[str, float] = {"chain_cpu_ratio": chain_d["cpu_ratio"], "chain_wall_ratio": chain_d["wall_ratio"],
                "delta_cpu_ratio": delta_d["cpu_ratio"], "delta_wall_ratio": delta_d["wall_ratio"]}
    return _row(
        "7 repeated chaos.run / InMemorySaver ainvoke", measured,
        f"chain[10] {chain_d['cpu_ratio']:.2f}x CPU ({chain_d['run_cpu_ms']:.1f} vs {chain_d['floor_cpu_ms']:.1f} ms; "
        f"wall {chain_d['wall_ratio']:.2f}x), long_thread[50] {delta_d['cpu_ratio']:.2f}x CPU "
        f"({delta_d['run_cpu_ms']:.1f} vs {delta_d['floor_cpu_ms']:.1f} ms; wall {delta_d['wall_ratio']:.2f}x)",
        "<= 1.5x CPU on both",
        chain_d["cpu_ratio"] <= 1.5 and delta_d["cpu_ratio"] <= 1.5, detail,
    )


# -- 8. kill trial -------------------------------------------------------------------------------
def kill_vs_exception(reps: int) -> Any:
    """Row 8: a kill trial (children forked from the pre-imported server) against an exception trial."""
    from chaos import Chaos, faults
    from chaos.engine import child

    def exception_trial() -> object:
        harness = Chaos(test_id=f"bench-exception-{next(_ids)}")
        try:
            harness.inject(faults.exception(RuntimeError("boom")), "n2", attempts=[1])
            return harness.run(chain5, {"n": 0}, raise_on_violation=False)
        finally:
            harness.close()

    def kill_trial() -> object:
        harness = Chaos(test_id=f"bench-kill-{next(_ids)}")
        try:
            return harness.kill("chaos.bench.graphs:chain5", {"n": 0}, node="n2", idempotent=["n2"])
        finally:
            harness.close()

    samples: dict[str, list[tuple[float, float]]] = {"exception": [], "kill": []}
    exception_trial()
    kill_trial()  # warm-up: starts the forkserver (once per process)
    for _ in range(reps):
        for key, fn in (("exception", exception_trial), ("kill", kill_trial)):
            w0, c0, k0 = time.perf_counter(), time.process_time(), child.children_cpu
            fn()
            samples[key].append((time.perf_counter() - w0, time.process_time() - c0 + child.children_cpu - k0))
    (ew, ec), (kw, kc) = ((median([w for w, _ in v]), median([c for _, c in v])) for v in samples.values())
    return _row(
        "8 kill trial / exception trial (chain[5])",
        {"cpu_ratio": kc / ec, "wall_ratio": kw / ew, "kill_ms": kw * 1e3, "kill_cpu_ms": kc * 1e3,
         "exception_ms": ew * 1e3, "exception_cpu_ms": ec * 1e3},
        f"{kc / ec:.1f}x CPU ({kc * 1e3:.0f} vs {ec * 1e3:.0f} ms, children included); wall {kw / ew:.1f}x "
        f"({kw * 1e3:.0f} vs {ew * 1e3:.0f} ms, with the 0.05 s grace before SIGKILL)",
        "<= 5x CPU", kc / ec <= 5.0,
    )


# -- 9. property test ------------------------------------------------------------------------------
def property_examples(examples: int) -> Any:
    """Row 9: ``@given(fault_plans(g))`` + ``run_plan`` on a 4-node chain, examples per CPU second."""
    from hypothesis import HealthCheck, given, settings

    from chaos import strategies as cst

    builder = chain(4)
    ran = [0]

    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(plan=cst.fault_plans(builder))
    def test_plans(plan: cst.FaultPlan) -> None:
        ran[0] += 1
        cst.run_plan(builder, {"n": 0}, plan, test_id="bench-property", raise_on_violation=False)

    w0, c0 = time.perf_counter(), time.process_time()
    test_plans()
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    n = ran[0]
    return _row(
        "9 property test (fault_plans + run_plan, chain[4])",
        {"examples_per_cpu_s": n / cpu, "examples_per_wall_s": n / wall, "examples": float(n)},
        f"{n / cpu:.0f} examples per CPU s ({n / wall:.0f} per wall s; {n} examples, the first one "
        "included: strategy construction, instrumenting, the baseline)",
        ">= 150 per CPU s", n / cpu >= 150,
    )


# -- 10. state machine -----------------------------------------------------------------------------
def machine_steps(examples: int, steps: int) -> Any:
    """Row 10: `chaos.stateful.chaos_machine` on a 4-node chain, rule steps per CPU second."""
    from hypothesis import HealthCheck, settings
    from hypothesis.stateful import run_state_machine_as_test

    from chaos.stateful import chaos_machine

    counted = [0]
    base = chaos_machine(chain(4), {"n": 0}, name="BenchMachine")

    class Counting(base):  # type: ignore[valid-type,misc]  # a class made at run time by chaos_machine
        def check_invariants(self, *args: Any, **kwargs: Any) -> Any:
            counted[0] += 1  # once after __init__, then after every step
            return super().check_invariants(*args, **kwargs)

    w0, c0 = time.perf_counter(), time.process_time()
    run_state_machine_as_test(Counting, settings=settings(
        max_examples=examples, stateful_step_count=steps, deadline=None, derandomize=True, database=None,
        suppress_health_check=list(HealthCheck)))
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    n = max(1, counted[0] - examples)
    return _row(
        "10 state machine (chaos_machine, chain[4])",
        {"steps_per_cpu_s": n / cpu, "steps_per_wall_s": n / wall, "steps": float(n)},
        f"{n / cpu:.0f} steps per CPU s ({n / wall:.0f} per wall s; {n} steps in {examples} examples)",
        "report", None,
    )


# -- 11, 12. pytest processes ---------------------------------------------------------------------
def _pytest(args: list[str], cwd: Path) -> tuple[float, float, str]:
    """Wall and CPU seconds (this child and its own children: xdist workers) of one pytest run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                          cwd=cwd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise RuntimeError(f"pytest {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return wall, cpu, proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""


def _root() -> Path:
    return Path(__file__).resolve().parents[2]


def main_job(rounds: int) -> Any:
    """Row 11: ``pytest --chaos scenarios/`` with ``-n 0`` and ``-n 2``, alternating rounds."""
    root = _root()
    runs: dict[str, list[tuple[float, float]]] = {"0": [], "2": []}
    for _ in range(rounds):
        for n in runs:
            wall, cpu, _last = _pytest(["--chaos", PACK, *MAIN_JOB_FLAGS, "-n", n], root)
            runs[n].append((wall, cpu))
    (w0, c0), (w2, c2) = ((median([w for w, _ in v]), median([c for _, c in v])) for v in runs.values())
    return _row(
        "11 main job (pytest --chaos scenarios/)",
        {"n0_wall_s": w0, "n0_cpu_s": c0, "n2_wall_s": w2, "n2_cpu_s": c2},
        f"-n 0: {w0:.1f} s wall, {c0:.1f} s CPU; -n 2: {w2:.1f} s wall, {c2:.1f} s CPU",
        "report: -n only where it pays", None,
    )


def collection(rounds: int, quick: bool) -> Any:
    """Row 12: CPU of collecting the bundled pack (a fresh process: imports and plugins included)."""
    root = _root()
    what = QUICK_FILE if quick else PACK
    samples = [_pytest(["--chaos", what, *MAIN_JOB_FLAGS, "--collect-only"], root) for _ in range(rounds)]
    wall, cpu = median([s[0] for s in samples]), median([s[1] for s in samples])
    return _row(
        "12 collection (pytest --chaos scenarios/ --collect-only)",
        {"cpu_s": cpu, "wall_s": wall},
        f"{cpu:.2f} s CPU ({wall:.2f} s wall) for {what}" + (" (--quick: one file)" if quick else ""),
        "<= 2.95 s CPU (half of 5.9 s)", None if quick else cpu <= 2.95,
    )


__all__ = ["collection", "kill_vs_exception", "machine_steps", "main_job", "property_examples", "repeated_run"]
