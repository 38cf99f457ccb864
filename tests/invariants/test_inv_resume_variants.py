"""resume_exactly_once under the ways services resume: only the thread id, the config they keep
(``checkpoint_id: None``), a subgraph's config; and with the failing sibling inside a subgraph.

langgraph < 1.2.16 took any ``checkpoint_id`` key (even ``None``, which every subgraph's task
config carries) for a replay, so it reran finished siblings: the check flags those releases and
names the fix (langchain-ai/langgraph#6792); 1.2.16 tests the value, and the check is silent.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph

from chaos import Chaos, faults
from chaos.engine import Invoke, Resume
from chaos.errors import ChaosUsageError
from chaos.invariants.delta_culprit import langgraph_version
from chaos.invariants.exactly_once import CHECKPOINT_ID_FIXED_IN


class S(TypedDict, total=False):
    log: Annotated[list[str], operator.add]


def writer(name: str) -> Any:
    async def node(state: S) -> dict[str, Any]:
        return {"log": [name]}

    return node


def fan_out() -> StateGraph:
    """START -> (charge, notify) -> after."""
    g = StateGraph(S)
    for name in ("charge", "notify", "after"):
        g.add_node(name, writer(name))
    g.add_edge(START, "charge")
    g.add_edge(START, "notify")
    g.add_edge(["charge", "notify"], "after")
    g.add_edge("after", END)
    return g


def nested() -> Any:
    """The fan-out as subgraph ``inner`` of a parent graph (one checkpointer, the parent's)."""
    p = StateGraph(S)
    p.add_node("inner", fan_out().compile())
    p.add_edge(START, "inner")
    p.add_edge("inner", END)
    return p.compile(checkpointer=InMemorySaver())


def subgraph_config(graph: Any, thread: dict[str, Any]) -> dict[str, Any]:
    """What a service stores for a subgraph: its state's config, without the pinned checkpoint."""
    conf = dict(graph.get_state(thread, subgraphs=True).tasks[0].state.config["configurable"])
    conf.pop("checkpoint_id", None)
    conf.pop("checkpoint_map", None)
    return {"configurable": conf}


ONLY_THREAD = {"configurable": {}}
SERVICE_KEPT = {"configurable": {"checkpoint_id": None, "checkpoint_ns": ""}}
FIXED = langgraph_version() >= CHECKPOINT_ID_FIXED_IN


def _run(harness: Chaos, graph: Any, node: str, config: Any) -> Any:
    harness.inject(faults.exception(ConnectionError("smtp down")), node=node, attempts=1, times=1)
    return harness.run(graph, {}, steps=[Invoke(), Resume(config=config)], raise_on_violation=False)


def test_a_resume_with_only_the_thread_id_reruns_only_the_failed_task(harness: Chaos):
    result = _run(harness, fan_out().compile(checkpointer=InMemorySaver()), "notify", ONLY_THREAD)
    assert result.journal.steps[1].detail == "resume (only the thread id)"
    assert [a.outcome for a in result.attempts("charge")] == ["ok"]
    assert result.violated("resume_exactly_once") == []


def test_a_resume_with_the_config_a_service_keeps_is_flagged_only_where_langgraph_replays_it(harness: Chaos):
    result = _run(harness, fan_out().compile(checkpointer=InMemorySaver()), "notify", SERVICE_KEPT)
    found = result.violated("resume_exactly_once")
    if FIXED:
        assert [a.outcome for a in result.attempts("charge")] == ["ok"] and found == []
    else:  # the None-valued key made the loop replay the checkpoint: charge ran again
        [v] = found
        assert v.node == "charge"
        assert "resume ({'checkpoint_id': None, 'checkpoint_ns': ''})" not in v.message
        assert "langchain-ai/langgraph#6792" in v.message and "fixed in langgraph 1.2.16" in v.message


def test_a_finished_sibling_inside_a_subgraph_is_kept_by_a_thread_id_resume(harness: Chaos):
    result = _run(harness, nested(), "inner/notify", ONLY_THREAD)
    found = result.violated("resume_exactly_once")
    if FIXED:
        assert [a.outcome for a in result.attempts("inner/charge")] == ["ok"] and found == []
    else:  # the subgraph's task config carries checkpoint_id=None: it replayed
        [v] = found
        assert v.node == "inner/charge" and "langchain-ai/langgraph#6792" in v.message


def test_a_resume_with_the_subgraphs_config_keeps_its_finished_sibling(harness: Chaos):
    result = _run(harness, nested(), "inner/notify", subgraph_config)
    assert result.journal.steps[1].detail == "resume (config from subgraph_config: config {'checkpoint_ns': 'inner:<task>'})"
    found = result.violated("resume_exactly_once")
    if FIXED:
        assert found == [] and result.output["log"].count("charge") == 1
    else:
        assert [v.node for v in found] == ["inner/charge"]


def test_a_resume_that_pins_the_checkpoint_id_replays_and_is_flagged_on_every_release(harness: Chaos):
    def pinned(graph: Any, thread: dict[str, Any]) -> dict[str, Any]:
        return dict(graph.get_state(thread).config)

    result = _run(harness, fan_out().compile(checkpointer=InMemorySaver()), "notify", pinned)
    [v] = result.violated("resume_exactly_once")
    assert v.node == "charge"
    assert "The resume config pinned a checkpoint_id: LangGraph replays from that checkpoint" in v.message
    assert "the fault-free baseline ran it 1 time(s)" in v.message and "#6792" not in v.message


def test_a_resume_config_that_is_not_a_dict_is_an_error_naming_the_fix():
    with pytest.raises(ChaosUsageError, match=r"Resume\(config='t1'\): give a dict such as"):
        Resume(config="t1")  # type: ignore[arg-type]


def handled_next_to_a_failing_sibling() -> Any:
    """a (handled by h) next to b; b fails once for good, so the run fails and is resumed."""

    async def h(state: S, error: Any) -> dict[str, Any]:
        return {"log": ["handled a"]}

    from langgraph.errors import NodeError

    h.__annotations__["error"] = NodeError
    g = StateGraph(S)
    g.add_node("a", writer("a"), error_handler=h)
    g.add_node("b", writer("b"))
    g.add_edge(START, "a")
    g.add_edge(START, "b")
    g.add_edge("a", END)
    g.add_edge("b", END)
    return g.compile(checkpointer=InMemorySaver())


def test_a_handler_whose_update_committed_reruns_on_resume_and_both_checks_name_the_issue(harness: Chaos):
    harness.inject(faults.exception(ValueError("a failed")), node="a")
    harness.inject(faults.exception(ConnectionError("b failed")), node="b", attempts=1, times=1)
    result = harness.run(handled_next_to_a_failing_sibling(), {}, steps=[Invoke(), Resume()], raise_on_violation=False)
    [once] = result.violated("resume_exactly_once")
    assert once.node == "__error_handler__a" and "langchain-ai/langgraph#9002" in once.message
    [twice] = result.violated("error_handler")
    assert "ran 2 times for one failure" in twice.message and "langchain-ai/langgraph#9002" in twice.message


def test_a_handled_failure_with_no_failing_sibling_needs_no_resume_and_is_silent(harness: Chaos):
    harness.inject(faults.exception(ValueError("a failed")), node="a")
    result = harness.run(handled_next_to_a_failing_sibling(), {}, steps=[Invoke(), Resume()], raise_on_violation=False)
    from chaos.invariants.handled import FIXED_IN

    if langgraph_version() < FIXED_IN:  # the handled failure next to b re-raised (#8277): judged there
        assert "langchain-ai/langgraph#8277/#8608" in result.violated("handled_failures")[0].message
        return
    assert result.journal.steps[1].outcome == "skipped"
    assert result.violated("error_handler") == [] and result.violated("resume_exactly_once") == []
