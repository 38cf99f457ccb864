"""One seed, one history: every trial kind replays the same verdict and journal 20 times.

On graphs whose nodes run in parallel (sync siblings in a thread, async siblings, ``Send``
fan-outs), where a verdict would otherwise depend on the OS scheduler: which sibling finished
before a failure cancelled the superstep.

The Done-when count is 20 reruns: ``CHAOS_DETERMINISM_REPEATS=20`` (the suite runs 3, to keep
its cost small; kill trials, two child processes each, run 3 either way).
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from typing import Any

import pytest
from langgraph.graph import END, START, StateGraph

from chaos import Chaos
from chaos.inject import instrument
from chaos.suite import SUITE_KINDS, plan_case
from chaos.trial import TrialResult
from tests.determinism import graphs

#: Reruns per case: 20 for the full check, fewer in the suite (see the module docstring).
REPEATS = int(os.environ.get("CHAOS_DETERMINISM_REPEATS", "3"))
SEED = 20261201

GRAPHS: dict[str, Callable[[], StateGraph[Any, Any, Any, Any]]] = {
    "parallel_sync": graphs.parallel_sync,
    "parallel_async": graphs.parallel_async,
    "send_fanout_sync": graphs.send_fanout_sync,
    "send_fanout_async": graphs.send_fanout_async,
}


def fingerprint(result: TrialResult, *, drop: tuple[str, ...] = ()) -> str:
    """The verdict, the violations and the whole journal (baseline too), as one string."""
    data: dict[str, Any] = result.to_json()
    for key in drop:
        data.pop(key, None)
    data["verdict"] = result.verdict
    return json.dumps(data, sort_keys=True, default=repr)


def run_suite_case(graph: str, kind: str, invoke: str) -> str:
    builder = GRAPHS[graph]()
    inst = instrument(builder)
    try:
        case = plan_case(inst, target=graph, kind=kind, trial=0, seed=SEED)
    finally:
        inst.close()
    if case.injection is None:
        return f"skipped: {case.skip_reason}"
    harness = Chaos(seed=SEED, test_id=f"determinism::{graph}::{kind}")
    try:
        inj = case.injection
        harness.inject(inj.fault, node=inj.node, attempts=sorted(inj.attempts or ()), times=inj.times)
        result = harness.run(builder, {}, drive=invoke, raise_on_violation=False)
        return fingerprint(result)
    finally:
        harness.close()


@pytest.mark.parametrize("invoke", ["astream", "stream"])
@pytest.mark.parametrize("graph", list(GRAPHS))
def test_every_suite_kind_replays_one_verdict_and_journal(graph: str, invoke: str) -> None:
    if invoke == "stream" and graph in ("parallel_async", "send_fanout_async"):
        pytest.skip("async nodes cannot run under invoke='sync'")
    for kind in SUITE_KINDS:
        seen = {run_suite_case(graph, kind, invoke) for _ in range(REPEATS)}
        assert len(seen) == 1, f"{kind} on {graph} ({invoke}) gave {len(seen)} different histories"
        assert '"nondeterministic"' not in next(iter(seen)), "every source here is controlled"


def test_a_failing_parallel_sync_node_never_costs_its_sibling_its_writes() -> None:
    """The case of the issue: the sibling's thread always finished before the cancel."""
    from chaos import faults

    verdicts = set()
    for _ in range(REPEATS):
        harness = Chaos(seed=SEED, test_id="determinism::sibling")
        harness.inject(faults.exception(ValueError("boom")), node="left")
        result = harness.run(graphs.parallel_sync(), {}, raise_on_violation=False)
        verdicts.add((result.verdict, tuple((a.node, a.outcome) for a in result.journal.attempts)))
        harness.close()
    assert verdicts == {("pass", (("left", "error"), ("right", "ok")))}


@pytest.mark.parametrize("graph", ["parallel_sync", "parallel_async"])
def test_a_drain_trial_replays_one_verdict_and_journal(graph: str) -> None:
    seen = set()
    for _ in range(REPEATS):
        harness = Chaos(seed=SEED, test_id=f"determinism::drain::{graph}")
        result = harness.drain(GRAPHS[graph](), {}, node="left", saver="memory", raise_on_violation=False)
        seen.add(fingerprint(result))
        harness.close()
    assert len(seen) == 1


def test_a_kill_trial_replays_one_verdict_and_journal_without_real_timestamps() -> None:
    # Kill trials run child processes on real time: compare without the times they record.
    def stable(result: TrialResult) -> str:
        data = json.loads(fingerprint(result))
        for attempt in data.get("journal", []):
            for key in ("start", "end"):
                attempt.pop(key, None)
        for event in data.get("events", []):
            event.pop("time", None)
        data.pop("baseline", None)
        data.pop("duration", None)
        return json.dumps(data, sort_keys=True)

    seen = set()
    # Two child processes per trial (about 20 s each today): three reruns, not twenty.
    for _ in range(3):
        harness = Chaos(seed=SEED, test_id="determinism::kill")
        result = harness.kill("tests.determinism.graphs:chain", {}, node="left", raise_on_violation=False)
        seen.add((result.verdict, stable(result)))
        harness.close()
    assert len(seen) == 1


LOOP: list[asyncio.AbstractEventLoop] = []


async def note_loop(state: graphs.S) -> dict[str, Any]:
    LOOP[:] = [asyncio.get_running_loop()]
    return {"log": ["noted"]}


def waits_for_the_loop(state: graphs.S) -> dict[str, Any]:
    # A sync body that posts work to the event loop and blocks on its answer cannot be an
    # atomic step of the simulation.
    asyncio.run_coroutine_threadsafe(asyncio.sleep(0), LOOP[0]).result()
    return {"log": ["answered"]}


def loop_waiter() -> StateGraph[Any, Any, Any, Any]:
    g: StateGraph[Any, Any, Any, Any] = StateGraph(graphs.S)
    g.add_node("note", note_loop)
    g.add_node("wait", waits_for_the_loop)
    g.add_edge(START, "note")
    g.add_edge("note", "wait")
    g.add_edge("wait", END)
    return g


def test_a_source_the_clock_cannot_control_makes_the_trial_inconclusive_every_time() -> None:
    reasons = set()
    for _ in range(2):
        harness = Chaos(seed=SEED, test_id="determinism::loop-waiter")
        result = harness.run(loop_waiter(), {}, raise_on_violation=False)
        reasons.add((result.verdict, result.inconclusive))
        harness.close()
    assert len(reasons) == 1, reasons
    [(verdict, reason)] = reasons
    assert verdict == "inconclusive"
    assert reason is not None and reason.startswith("nondeterministic: sync node 'wait' (attempt 1) waits for work it posted")
