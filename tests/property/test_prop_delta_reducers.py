"""DeltaChannel reducers under generated write batches (semantics §6).

A reducer is batching-invariant when r(r(s, xs), ys) == r(s, xs + ys); only then does the
checkpointer (which replays every write since the last snapshot in one call) rebuild the value
the run held. ``add_messages`` (through a flattening adapter) is not, and hypothesis finds the
remove-then-re-add counterexample and shrinks it to a few writes.
"""

from __future__ import annotations

import operator

from hypothesis import settings
from hypothesis import strategies as st
from langchain_core.messages import AIMessage, RemoveMessage
from langgraph.graph.message import _messages_delta_reducer, add_messages

from chaos.strategies import (
    as_batch_reducer,
    batching_counterexample,
    check_reconstruction,
    message_updates,
    reducer_property,
)

batched_add_messages = as_batch_reducer(add_messages)


def concat(state: list[int], writes: list[int]) -> list[int]:
    """A batching-invariant reducer: concatenation."""
    return state + list(writes)


def last_of_batch(state: list[int], writes: list[int]) -> list[int]:
    """Not batching-invariant: keeps only the last write of each batch (semantics §6)."""
    return state + writes[-1:]


def test_add_messages_is_not_batching_invariant_and_shrinks_to_a_short_counterexample(capsys):
    ce = batching_counterexample(batched_add_messages, message_updates("ab"))
    assert ce is not None, "hypothesis should find that add_messages is not batching-invariant"
    with capsys.disabled():
        print(f"\n[add_messages] shrunk counterexample ({ce.size} writes): {ce}")
    assert ce.size <= 4
    # It is the §6 shape: an id removed in one batch comes back in the next.
    removed = {w.id for w in ce.xs if isinstance(w, RemoveMessage)}
    assert removed & {w.id for w in ce.ys if not isinstance(w, RemoveMessage)}


def test_the_checkpointer_rebuilds_a_different_value_for_add_messages():
    a, b = AIMessage("a", id="a"), AIMessage("b", id="b")
    live, rebuilt = check_reconstruction(batched_add_messages, [[a, b], [RemoveMessage(id="a")], [AIMessage("a", id="a")]])
    assert [m.id for m in live] == ["b", "a"]
    assert [m.id for m in rebuilt] == ["a", "b"]


def test_the_shipped_batch_reducer_has_no_counterexample():
    assert batching_counterexample(_messages_delta_reducer, message_updates("ab"), max_examples=300) is None


def test_a_last_of_batch_reducer_is_caught_with_two_writes():
    ce = batching_counterexample(last_of_batch, st.integers(0, 3))
    assert ce is not None and ce.size <= 2, ce


# Reusable property tests built by reducer_property: the algebra and a real checkpointer.
test_concat_is_batching_invariant = settings(max_examples=60, deadline=None, derandomize=True, database=None)(
    reducer_property(concat, st.integers(0, 9))
)
test_operator_add_is_batching_invariant = settings(max_examples=30, deadline=None, derandomize=True, database=None)(
    reducer_property(operator.add, st.text(max_size=2))
)


def test_reducer_property_fails_with_the_shrunk_batches():
    prop = settings(max_examples=100, deadline=None, derandomize=True, database=None)(
        reducer_property(last_of_batch, st.integers(0, 3))
    )
    try:
        prop()
    except AssertionError as exc:
        assert "reducer(reducer(s, xs), ys) != reducer(s, xs + ys)" in str(exc)
    else:  # pragma: no cover - the property must fail
        raise AssertionError("reducer_property should fail for last_of_batch")
