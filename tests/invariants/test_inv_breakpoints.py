"""breakpoints: interrupt_before/interrupt_after hold across drains and resumes.

Broken twins: a service resume that passes a stale breakpoint list (it runs past the next one), and
langgraph < 1.2.15, whose drain in front of a breakpoint made the resume skip it.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph

from chaos import Chaos
from chaos.engine import Invoke, Resume, Sigterm
from chaos.invariants.breakpoints import DRAIN_FIXED_IN
from chaos.invariants.delta_culprit import langgraph_version


class S(TypedDict, total=False):
    log: Annotated[list[str], operator.add]


async def resume_without_breakpoints(graph: Any, config: dict[str, Any]) -> Any:
    """Broken: a service's generic "resume" that passes its own, stale breakpoint list (it
    overrides the graph's: ``approve`` and ``send`` are no longer in it)."""
    return await graph.ainvoke(None, config, interrupt_before=["fetch"], interrupt_after=["fetch"])


def _resumed_by_service(where: str) -> Any:
    from chaos.engine import TrialSpec, run_trial
    from chaos.inject import instrument

    nodes = ["approve", "send"] if where == "interrupt_before" else ["fetch", "approve"]
    inst = instrument(refund(InMemorySaver(), **{where: nodes}))
    return run_trial(TrialSpec(graph=inst, input={}, steps=(Invoke(), Resume()), baseline="off",
                               resume=resume_without_breakpoints))


def refund(saver: InMemorySaver, **breakpoints: Any) -> Any:
    def writer(name: str) -> Any:
        async def node(state: S) -> dict[str, Any]:
            return {"log": [name]}

        return node

    g = StateGraph(S)
    for name in ("fetch", "approve", "send"):
        g.add_node(name, writer(name))
    g.add_edge(START, "fetch")
    g.add_edge("fetch", "approve")
    g.add_edge("approve", "send")
    g.add_edge("send", END)
    return g.compile(checkpointer=saver, **breakpoints)


def runs(result: Any) -> list[tuple[str, str, list[str]]]:
    return [(s.kind, s.outcome, [a.node for a in result.journal.attempts[s.first:s.last]]) for s in result.journal.steps]


@pytest.mark.parametrize("where", ["interrupt_before", "interrupt_after"])
def test_a_breakpoint_pauses_the_thread_and_the_resume_goes_on(harness: Chaos, where: str):
    result = harness.run(refund(InMemorySaver(), **{where: ["approve"]}), {}, steps=[Invoke(), Resume()])
    first = ["fetch"] if where == "interrupt_before" else ["fetch", "approve"]
    assert runs(result)[0] == ("invoke", "interrupted", first)
    assert result.journal.steps[0].breakpoint == (["approve"] if where == "interrupt_before" else ["send"])
    assert "breakpoints" in result.checked and result.violated("breakpoints") == []


@pytest.mark.parametrize("where", ["interrupt_before", "interrupt_after"])
def test_a_resume_that_overrides_the_breakpoints_runs_past_one_and_it_fires(where: str):
    result = _resumed_by_service(where)
    [v] = result.violated("breakpoints")
    assert v.node == "send"
    if where == "interrupt_before":
        assert "interrupt_before=['approve', 'send'] should have paused the thread before it" in v.message
        assert "went on into superstep" in v.message
    else:
        assert "after 'approve' finished in superstep 2, but interrupt_after=['fetch', 'approve'] should have paused" in v.message


def test_a_drain_in_front_of_a_breakpoint_keeps_it_only_from_langgraph_1_2_15(harness: Chaos):
    steps = [Sigterm("fetch"), Invoke(), Resume(), Resume()]
    result = harness.run(refund(InMemorySaver(), interrupt_before=["approve"]), {}, steps=steps,
                         raise_on_violation=False)
    found = result.violated("breakpoints")
    if langgraph_version() >= DRAIN_FIXED_IN:  # the breakpoint wins over the drain: paused
        assert runs(result)[:2] == [("invoke", "interrupted", ["fetch"]), ("resume", "ok", ["approve", "send"])]
        assert found == []
    else:
        assert runs(result)[0] == ("invoke", "drained", ["fetch"])
        [v] = found
        assert v.node == "approve"
        assert "resumed a run that ended drained (step 1), not one paused at the breakpoint" in v.message
        assert "fixed in langgraph 1.2.15" in v.message


def test_a_drain_before_an_interrupt_after_node_keeps_the_breakpoint(harness: Chaos):
    steps = [Sigterm("fetch"), Invoke(), Resume(), Resume()]
    result = harness.run(refund(InMemorySaver(), interrupt_after=["approve"]), {}, steps=steps)
    assert runs(result)[1:] == [("resume", "interrupted", ["approve"]), ("resume", "ok", ["send"])]
    assert result.violated("breakpoints") == []
