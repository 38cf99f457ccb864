"""delta_reconstruction fires on reducers that are not batching-invariant, on both savers."""

# No `from __future__ import annotations`: the state schemas below close over local reducers.

from typing import Annotated, Any, TypedDict

import pytest
from langchain_core.messages import AIMessage, RemoveMessage
from langgraph.channels.delta import DeltaChannel
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages

from chaos import Chaos


def last_batch_only(state: list[Any], writes: list[list[Any]]) -> list[Any]:
    """Broken: keeps only the last write of a batch (fine live, one write per step)."""
    return state + writes[-1]


def concat(state: list[Any], writes: list[list[Any]]) -> list[Any]:
    return state + [x for w in writes for x in w]


def counting(reducer: Any, steps: int = 5) -> StateGraph:
    class S(TypedDict, total=False):
        items: Annotated[list, DeltaChannel(reducer)]
        n: int

    async def tick(state: S) -> dict[str, Any]:
        n = state.get("n", 0)
        return {"items": [n], "n": n + 1}

    g = StateGraph(S)
    g.add_node("tick", tick)
    g.add_edge(START, "tick")
    g.add_conditional_edges("tick", lambda s: "tick" if s["n"] < steps else END, ["tick", END])
    return g


SAVERS = {"embedded-sqlite": lambda b: b, "in-memory": lambda b: b.compile(checkpointer=InMemorySaver())}


@pytest.mark.parametrize("saver", sorted(SAVERS))
def test_a_reducer_that_is_not_batching_invariant_makes_it_fire(harness: Chaos, saver: str):
    result = harness.run(SAVERS[saver](counting(last_batch_only)), {}, baseline=False, raise_on_violation=False)
    assert result.output["items"] == [0, 1, 2, 3, 4]  # live state is right ...
    found = result.violated("delta_reconstruction")
    assert found and {v.node for v in found} == {"items"}
    first = found[0].message
    assert "field 'items' at the checkpoint of superstep 2: applying the writes one superstep at a time" in first
    assert "gives [0, 1], but the checkpointer rebuilds [1]" in first  # ... what is read back is not
    assert "must be batching-invariant: reducer(reducer(s, xs), ys) == reducer(s, xs + ys)" in first


@pytest.mark.parametrize("saver", sorted(SAVERS))
def test_a_batching_invariant_reducer_is_silent(harness: Chaos, saver: str):
    result = harness.run(SAVERS[saver](counting(concat)), {}, baseline=False)
    assert result.output["items"] == [0, 1, 2, 3, 4]
    assert result.violations == []


def test_delta_channel_of_add_messages_as_the_performance_guide_suggests_is_reported_unsafe(harness: Chaos):
    class Chat(TypedDict, total=False):
        messages: Annotated[list, DeltaChannel(add_messages, snapshot_frequency=8)]

    async def reply(state: Chat) -> dict[str, Any]:
        return {"messages": [AIMessage("hi", id="m1")]}

    g = StateGraph(Chat)
    g.add_node("reply", reply)
    g.add_edge(START, "reply")
    g.add_edge("reply", END)
    result = harness.run(g, {}, baseline=False, raise_on_violation=False)
    [v] = result.violated("delta_reconstruction")
    assert "field 'messages' is DeltaChannel(add_messages, snapshot_frequency=8), which is unsafe" in v.message
    assert "batching-invariant" in v.message


def flat_add_messages(state: list[Any], writes: list[Any]) -> list[Any]:
    """add_messages adapted to batches by flattening them: still not batching-invariant."""
    return add_messages(state, [m for w in writes for m in w])


def test_add_messages_adapted_to_batches_still_diverges_after_a_remove_and_re_add(harness: Chaos):
    class Chat(TypedDict, total=False):
        messages: Annotated[list, DeltaChannel(flat_add_messages)]
        n: int

    script = [
        [AIMessage("a", id="a"), AIMessage("b", id="b")],
        [RemoveMessage(id="a")],
        [AIMessage("a", id="a")],
    ]

    async def step(state: Chat) -> dict[str, Any]:
        n = state.get("n", 0)
        return {"messages": script[n], "n": n + 1}

    g = StateGraph(Chat)
    g.add_node("step", step)
    g.add_edge(START, "step")
    g.add_conditional_edges("step", lambda s: "step" if s["n"] < len(script) else END, ["step", END])
    result = harness.run(g, {}, baseline=False, raise_on_violation=False)
    assert [m.id for m in result.output["messages"]] == ["b", "a"]
    found = result.violated("delta_reconstruction")
    assert found and "gives ['b', 'a'], but the checkpointer rebuilds ['a', 'b']" in found[0].message


class ForgetfulHistorySaver(InMemorySaver):
    """Broken: reading DeltaChannel history forgets the oldest write of every channel."""

    def get_delta_channel_history(self, *, config: Any, channels: Any) -> Any:
        history = super().get_delta_channel_history(config=config, channels=channels)
        return {ch: {**h, "writes": list(h.get("writes", []))[1:]} for ch, h in history.items()}


def test_a_saver_that_loses_writes_differs_from_the_full_state_shadow_run(harness: Chaos):
    # The reducer is fine; the saver is not. Replaying the saver's own (lossy) history agrees
    # with LangGraph's reconstruction, so only the shadow run with full-state channels sees it.
    graph = counting(concat).compile(checkpointer=ForgetfulHistorySaver())
    result = harness.run(graph, {}, baseline=False, raise_on_violation=False)
    messages = [v.message for v in result.violated("delta_reconstruction")]
    shadow = [m for m in messages if "a shadow run of the same graph with the same reducer stored as full state" in m]
    assert shadow, messages
    assert "field 'items' at superstep" in shadow[0]


def test_the_shadow_run_agrees_with_a_correct_saver(harness: Chaos):
    from chaos.invariants.delta_shadow import shadow_values

    result = harness.run(counting(concat), {}, baseline=False)
    values = shadow_values(result, ["items"])
    assert values is not None and values[max(values)]["items"] == [0, 1, 2, 3, 4]
    assert result.violated("delta_reconstruction") == []
