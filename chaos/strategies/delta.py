"""DeltaChannel reducers: batching invariance and checkpoint reconstruction, with shrinking."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from langgraph.graph import StateGraph

from chaos.strategies._hyp import NoSuchExample, st

Reducer = Callable[[Any, list[Any]], Any]


def as_batch_reducer(update: Callable[[Any, Any], Any]) -> Reducer:
    """Adapt a one-update reducer (``add_messages(left, right)``) to DeltaChannel's
    ``reducer(state, writes)`` by flattening the writes into one update (semantics §6)."""

    def batch(state: Any, writes: list[Any]) -> Any:
        flat = [item for w in writes for item in (w if isinstance(w, list) else [w])]
        return update(state, flat)

    batch.__name__ = f"batched_{getattr(update, '__name__', 'reducer')}"
    return batch


@dataclass(frozen=True)
class BatchingCounterexample:
    """Writes on which applying two batches one after the other differs from one batch.

    ``start`` is the writes that built the state ``s``; ``stepwise`` is ``r(r(s, xs), ys)``
    and ``batched`` ``r(s, xs + ys)`` (or the error the batched call raised).
    """

    start: list[Any]
    xs: list[Any]
    ys: list[Any]
    stepwise: Any
    batched: Any

    @property
    def size(self) -> int:
        """Number of writes in the example (its length after shrinking)."""
        return len(self.start) + len(self.xs) + len(self.ys)

    def __str__(self) -> str:
        return (
            f"reducer(reducer(s, xs), ys) != reducer(s, xs + ys) with s = reducer(empty, {_short(self.start)}), "
            f"xs = {_short(self.xs)}, ys = {_short(self.ys)}: step by step gives {_short(self.stepwise)}, "
            f"one batch gives {_short(self.batched)}"
        )


def _short(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_short(v) for v in value) + "]"
    if type(value).__name__ == "RemoveMessage":
        return f"Remove({value.id})"
    if hasattr(value, "content") and hasattr(value, "id"):
        return f"{type(value).__name__[:-7] or 'Msg'}({value.id})"
    return repr(value)


def check_batching(
    reducer: Reducer, start: list[Any], xs: list[Any], ys: list[Any], *, empty: Callable[[], Any] = list
) -> BatchingCounterexample | None:
    """Compare ``r(r(s, xs), ys)`` with ``r(s, xs + ys)`` where ``s = r(empty(), start)``.

    Returns None when they agree, or when the step-by-step application itself raises (the
    reducer rejects those writes, so they are not a valid example).
    """
    # The start state is built twice rather than deep-copied: a reducer may update its state
    # in place, and deep copies of messages cost more than the reducer itself.
    try:
        stepwise = reducer(reducer(reducer(empty(), list(start)), list(xs)), list(ys))
    except Exception:
        return None
    try:
        batched = reducer(reducer(empty(), list(start)), list(xs) + list(ys))
    except Exception as exc:
        batched = f"raised {type(exc).__name__}: {exc}"
    if batched != stepwise:
        return BatchingCounterexample(list(start), list(xs), list(ys), stepwise, batched)
    return None


def _batch_strategy(writes: st.SearchStrategy[Any], max_batch: int) -> st.SearchStrategy[list[Any]]:
    return st.lists(writes, max_size=max_batch)


def batching_counterexample(
    reducer: Reducer,
    writes: st.SearchStrategy[Any],
    *,
    empty: Callable[[], Any] = list,
    max_batch: int = 3,
    max_examples: int = 1000,
) -> BatchingCounterexample | None:
    """Search for writes that break ``r(r(s, xs), ys) == r(s, xs + ys)``; the shrunk one or None.

    ``writes`` draws single writes; the start state and the two batches are lists of up to
    ``max_batch`` of them. Uses `hypothesis.find`, so the result is shrunk: the fewest and
    simplest writes (as ``writes`` shrinks) that still differ. Deterministic (derandomized).
    """
    from hypothesis import HealthCheck, find, settings

    batch = _batch_strategy(writes, max_batch)
    found: list[BatchingCounterexample] = []

    def differs(case: tuple[list[Any], list[Any], list[Any]]) -> bool:
        ce = check_batching(reducer, *case, empty=empty)
        if ce is not None:
            found.append(ce)
        return ce is not None

    try:
        start, xs, ys = find(
            st.tuples(batch, batch, batch), differs,
            settings=settings(max_examples=max_examples, derandomize=True, database=None,
                              suppress_health_check=list(HealthCheck)),
        )
    except NoSuchExample:
        return None
    return check_batching(reducer, start, xs, ys, empty=empty)


_DELTA_GRAPHS: dict[tuple[int, int], Any] = {}


def _delta_graph(reducer: Reducer, snapshot_frequency: int) -> Any:
    """A one-node graph that writes batch k of ``state["batches"]`` to a DeltaChannel field in
    superstep k (one task, one write per item), on an in-memory checkpointer. Built once."""
    key = (id(reducer), snapshot_frequency)
    if key in _DELTA_GRAPHS:
        return _DELTA_GRAPHS[key][1]
    from typing import Annotated, TypedDict

    from langgraph.channels.delta import DeltaChannel
    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.graph import END, START
    from langgraph.types import Command

    DeltaState = TypedDict(  # the reducer is a runtime value
        "DeltaState",
        {"value": Annotated[list[Any], DeltaChannel(reducer, snapshot_frequency=snapshot_frequency)],
         "batches": list[Any], "k": int},
        total=False,
    )

    def step(state: Any) -> list[Command[Any]]:
        k = state.get("k", 0)
        return [Command(update={"value": w}) for w in state["batches"][k]] + [Command(update={"k": k + 1})]

    def more(state: Any) -> str:
        return "step" if state.get("k", 0) < len(state["batches"]) else END

    g = StateGraph(DeltaState)
    g.add_node("step", step)
    g.add_conditional_edges(START, more, ["step", END])
    g.add_conditional_edges("step", more, ["step", END])
    graph = g.compile(checkpointer=InMemorySaver())
    _DELTA_GRAPHS[key] = (reducer, graph)  # keep the reducer alive: the key is its id
    return graph


_DELTA_THREADS = itertools.count()


def check_reconstruction(
    reducer: Reducer, batches: Sequence[Sequence[Any]], *, snapshot_frequency: int = 1000
) -> tuple[Any, Any]:
    """Run a real graph writing ``batches`` (one superstep each) to a ``DeltaChannel(reducer)``
    field; return (live value the run ended with, value the checkpointer rebuilds).

    With the default ``snapshot_frequency`` nothing is snapshotted, so the checkpointer
    replays every write in one reducer call. A reducer that raises propagates its error.
    """
    graph = _delta_graph(reducer, snapshot_frequency)
    cfg = {"configurable": {"thread_id": f"delta-{next(_DELTA_THREADS)}"}}
    from chaos.engine.drive import invoke_plain

    live = invoke_plain(graph, {"batches": [list(b) for b in batches], "k": 0}, cfg).get("value", [])
    rebuilt = graph.get_state(cfg).values.get("value", [])
    return live, rebuilt


def reducer_property(
    reducer: Reducer,
    writes: st.SearchStrategy[Any],
    *,
    empty: Callable[[], Any] = list,
    max_batch: int = 4,
    saver: bool = True,
) -> Callable[[], None]:
    """A ``@given`` test of a DeltaChannel reducer: batching invariance and, with ``saver``,
    that a real checkpointer rebuilds the value the run held. Use it as a test::

        test_my_reducer = settings(max_examples=200)(reducer_property(my_reducer, st.integers()))

    Fails with a `BatchingCounterexample` message (shrunk by hypothesis: fewest writes first).
    """
    from hypothesis import given

    batch = _batch_strategy(writes, max_batch)

    @given(start=batch, xs=batch, ys=batch)
    def test_reducer_is_batching_invariant(start: list[Any], xs: list[Any], ys: list[Any]) -> None:
        ce = check_batching(reducer, start, xs, ys, empty=empty)
        problem = None if ce is None else str(ce)
        if problem is None and saver and check_batching(reducer, [], start, xs, empty=empty) is None:
            try:
                live, rebuilt = check_reconstruction(reducer, [start, xs, ys])
            except Exception:
                live = rebuilt = None  # the reducer rejects these writes in a live run too
            if live != rebuilt:
                problem = (
                    f"the checkpointer rebuilds {_short(rebuilt)} but the run held {_short(live)} "
                    f"after batches {_short(start)}, {_short(xs)}, {_short(ys)} (one superstep each)"
                )
        # One assertion, so hypothesis shrinks both kinds of failure as one.
        assert problem is None, problem

    test_reducer_is_batching_invariant.__name__ = f"test_{getattr(reducer, '__name__', 'reducer')}_is_batching_invariant"
    return test_reducer_is_batching_invariant


def message_updates(ids: str = "ab", *, removals: bool = True) -> st.SearchStrategy[Any]:
    """Message writes for ``add_messages``-style reducers: an ``AIMessage`` with an id from
    ``ids`` (its content is its id: only ids matter to merging) or, with ``removals``, a
    ``RemoveMessage`` of such an id.

    Shrinks toward a message with the first id.
    """
    from langchain_core.messages import AIMessage, RemoveMessage

    ident = st.sampled_from(list(ids))
    msg = ident.map(lambda i: AIMessage(content=i, id=i))
    if not removals:
        return msg
    return st.one_of(msg, ident.map(lambda i: RemoveMessage(id=i)))
