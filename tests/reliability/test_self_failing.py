"""A graph that fails by itself is ``inconclusive`` with its own error, never ``pass``.

Not "faults_fired: no matching node ran", not a pass: the fault-free baseline failed, so the
trial could not judge, and it says what the graph raised (a recursion error, its own event
loop inside the harness's, a checkpointer that raises on ``put``).
"""

from __future__ import annotations

import asyncio
from typing import Any, TypedDict

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph

from chaos import Chaos, faults


class S(TypedDict, total=False):
    n: int


def one_node(body: Any) -> StateGraph[Any, Any, Any, Any]:
    builder: StateGraph[Any, Any, Any, Any] = StateGraph(S)
    builder.add_node("work", body)
    builder.add_edge(START, "work")
    builder.add_edge("work", END)
    return builder


def recurses(state: S) -> dict[str, int]:
    def down(n: int) -> int:
        return down(n + 1)

    return {"n": down(0)}


async def runs_its_own_loop(state: S) -> dict[str, int]:
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(asyncio.sleep(0, {"n": 1}))
    finally:
        loop.close()


class SaverThatCannotWrite(InMemorySaver):
    def put(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk full")

    async def aput(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk full")


def graphs() -> dict[str, Any]:
    return {
        "recursion": one_node(recurses),
        "own event loop": one_node(runs_its_own_loop),
        "checkpointer put raises": one_node(lambda s: {"n": 1}).compile(checkpointer=SaverThatCannotWrite()),
    }


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the un-awaited sleep of the own-loop graph
@pytest.mark.parametrize(
    ("case", "error"),
    [
        ("recursion", "RecursionError: maximum recursion depth exceeded in node 'work'"),
        ("own event loop", "RuntimeError: Cannot run the event loop while another loop is running in node 'work'"),
        ("checkpointer put raises", "RuntimeError: disk full outside any node"),
    ],
)
def test_a_graph_that_fails_by_itself_is_inconclusive_with_its_own_error(case: str, error: str) -> None:
    harness = Chaos(1, case)
    harness.inject(faults.exception(), node="work", attempts=[1])
    try:
        result = harness.run(graphs()[case], {}, raise_on_violation=False)
    finally:
        harness.close()

    assert result.verdict == "inconclusive"
    assert result.inconclusive is not None
    assert result.inconclusive.startswith(f"the fault-free baseline ended error: {error}")
    assert not [v for v in result.violations if v.invariant == "faults_fired"]
