"""delta_reconstruction names the culprit: the user's reducer, or a LangGraph/saver defect.

Two real LangGraph defects of the supported range are broken twins here: each check flags the
release that has the defect and stays silent on the release that fixed it.
"""

# No `from __future__ import annotations`: the state schemas below close over local reducers.

from typing import Annotated, Any, TypedDict

from langgraph.channels.delta import DeltaChannel
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import Overwrite

from chaos import Chaos
from chaos.invariants.delta_culprit import ORDER_FIXED, OVERWRITE_FIXED, langgraph_version
from tests.invariants.test_inv_delta_reconstruction import ForgetfulHistorySaver, concat, counting, last_batch_only


class S(TypedDict, total=False):
    items: Annotated[list, DeltaChannel(concat)]


def writer(value: Any) -> Any:
    async def node(state: S) -> dict[str, Any]:
        return {"items": value}

    return node


def overwrite_next_to_a_plain_write() -> StateGraph:
    """seed -> (reset: Overwrite, add: a plain write) in one superstep -> after."""
    g = StateGraph(S)
    g.add_node("seed", writer(["a", "b"]))
    g.add_node("a_reset", writer(Overwrite(["r"])))
    g.add_node("b_add", writer(["x"]))
    g.add_node("after", writer(["z"]))
    g.add_edge(START, "seed")
    g.add_edge("seed", "a_reset")
    g.add_edge("seed", "b_add")
    g.add_edge(["a_reset", "b_add"], "after")
    g.add_edge("after", END)
    return g


def test_an_overwrite_next_to_a_plain_write_is_a_langgraph_defect_before_1_2_7(harness: Chaos):
    result = harness.run(overwrite_next_to_a_plain_write(), {}, baseline=False, raise_on_violation=False)
    found = result.violated("delta_reconstruction")
    if langgraph_version() >= OVERWRITE_FIXED:
        assert result.output["items"] == ["r", "z"]  # Overwrite wins the superstep, as in a plain channel
        assert found == []
    else:  # langgraph 1.2.2-1.2.6: live ['r', 'x', 'z'], read back ['r', 'z']
        assert found and all("Not the reducer: an Overwrite next to a plain write in one superstep" in v.message for v in found)
        assert "superstep 2: [Overwrite(['r']), ['x']]" in found[0].message
        assert "langchain-ai/langgraph#8125 (fixed in langgraph 1.2.7)" in found[0].message


def fan_in(width: int = 6) -> StateGraph:
    g = StateGraph(S)
    names = [f"n{i}" for i in range(width)]
    for name in names:
        g.add_node(name, writer([name]))
        g.add_edge(START, name)
    g.add_node("z", writer(["z"]))
    g.add_edge(names, "z")
    g.add_edge("z", END)
    return g


def test_parallel_writes_replayed_out_of_order_are_a_saver_defect_before_checkpoint_4_3_0(harness: Chaos):
    result = harness.run(fan_in().compile(checkpointer=InMemorySaver()), {}, baseline=False, raise_on_violation=False)
    assert result.output["items"] == [f"n{i}" for i in range(6)] + ["z"]
    found = result.violated("delta_reconstruction")
    if langgraph_version("langgraph-checkpoint") >= ORDER_FIXED:
        assert found == []
    else:
        assert found and "Not the reducer: concat is batching-invariant on these writes" in found[0].message
        assert "langchain-ai/langgraph#8382 (fixed in langgraph-checkpoint 4.3.0" in found[0].message


def test_a_reducer_that_is_not_batching_invariant_is_named_as_the_culprit_with_the_threads_own_writes(harness: Chaos):
    result = harness.run(counting(last_batch_only), {}, baseline=False, raise_on_violation=False)
    first = result.violated("delta_reconstruction")[0].message
    assert "The reducer last_batch_only is at fault: it is not batching-invariant, from the stored state [], " in first
    assert "superstep 1's writes [[0]] then superstep 2's [[1]] give [0, 1] one superstep at a time but [1] in one batch" in first


def test_a_saver_that_loses_writes_is_named_and_the_reducer_cleared(harness: Chaos):
    graph = counting(concat).compile(checkpointer=ForgetfulHistorySaver())
    result = harness.run(graph, {}, baseline=False, raise_on_violation=False)
    shadow = [v.message for v in result.violated("delta_reconstruction") if "shadow run" in v.message]
    assert shadow and "Not the reducer: concat is batching-invariant on these writes" in shadow[0]
    assert "the saver (ForgetfulHistorySaver) lost, reordered or duplicated the writes" in shadow[0]


def test_the_shadow_run_is_memoised_per_graph_input_and_faults(harness: Chaos):
    from chaos.invariants import delta_shadow

    calls: list[int] = []
    real = delta_shadow._run_shadow

    def counting_runs(result: Any, fields: Any) -> Any:
        calls.append(1)
        return real(result, fields)

    delta_shadow._run_shadow = counting_runs
    try:
        g = counting(concat)
        for _ in range(3):
            harness.run(g, {}, baseline=False)
        harness.run(g, {"n": 2}, baseline=False)  # another input: its own shadow
    finally:
        delta_shadow._run_shadow = real
    assert len(calls) == 2
