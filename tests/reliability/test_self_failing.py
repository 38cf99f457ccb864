"""A graph that fails by itself is ``inconclusive`` with its own error, never ``pass``.

Not "faults_fired: no matching node ran", not a pass: the fault-free baseline failed, so the
trial could not judge, and it says what the graph raised (a recursion error, its own event
loop inside the harness's, a checkpointer that raises on ``put``).
"""

from __future__ import annotations

import asyncio
import re
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
    sleep = asyncio.sleep(0, {"n": 1})
    try:
        return loop.run_until_complete(sleep)
    finally:
        # run_until_complete refused it: closed here, not "never awaited" when a later test's
        # garbage collection finds it (pytest would blame that test).
        sleep.close()
        loop.close()


class SaverThatCannotWrite(InMemorySaver):
    def put(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk full")

    async def aput(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk full")


def reads_a_missing_key(state: S) -> dict[str, int]:
    return {"n": state["missing"]}  # type: ignore[typeddict-item]  # the plain bug under test


def graphs() -> dict[str, Any]:
    return {
        "plain bug": one_node(reads_a_missing_key),
        "recursion": one_node(recurses),
        "own event loop": one_node(runs_its_own_loop),
        "checkpointer put raises": one_node(lambda s: {"n": 1}).compile(checkpointer=SaverThatCannotWrite()),
    }


@pytest.mark.parametrize(
    ("case", "error"),
    [
        ("plain bug", "KeyError: 'missing' in node 'work' (work#1, attempt 1)"),
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
    # Not "faults_fired: never fired" (its node never got that far), which would hide it.
    assert result.violations == [] and "faults_fired" not in result.checked
    if case == "checkpointer put raises":
        assert re.search(r"Likely fix: the checkpointer failed \(RuntimeError raised in the checkpointer's "
                         r"SaverThatCannotWrite\.a?put\)", result.inconclusive), result.inconclusive
        assert "input the graph rejects" not in result.inconclusive


@pytest.mark.parametrize(("graph_input", "error"), [
    ([1, 2], "InvalidUpdateError: Expected dict, got [1, 2]"),
    ("hi", "InvalidUpdateError: Expected dict, got hi"),
    (None, "EmptyInputError: Received no input for __start__"),
])
def test_an_input_of_the_wrong_shape_is_inconclusive_with_the_input_fix(graph_input: Any, error: str) -> None:
    harness = Chaos(1, "wrong input")
    harness.inject(faults.exception(), node="work", attempts=[1])
    try:
        result = harness.run(one_node(lambda s: {"n": 1}), graph_input, raise_on_violation=False)
    finally:
        harness.close()

    assert result.verdict == "inconclusive" and result.violations == []
    assert result.inconclusive is not None
    assert result.inconclusive.startswith(f"the fault-free baseline ended error: {error}")
    assert "Likely fix: an input the graph rejects" in result.inconclusive


def test_without_a_baseline_a_run_that_fails_with_no_fault_fired_is_inconclusive() -> None:
    harness = Chaos(1, "no baseline")
    try:
        broken = harness.run(one_node(reads_a_missing_key), {}, baseline=False, raise_on_violation=False)
        correct = harness.run(one_node(lambda s: {"n": 1}), {}, baseline=False, raise_on_violation=False)
    finally:
        harness.close()

    assert broken.verdict == "inconclusive"
    assert broken.inconclusive is not None and broken.inconclusive.startswith(
        "the run failed and no fault fired: KeyError: 'missing' in node 'work' (work#1, attempt 1). "
        "The graph fails by itself")
    assert correct.verdict == "pass"


def test_without_a_baseline_a_run_ended_by_its_fault_is_judged_as_usual() -> None:
    # The injected exception ends the run (no RetryPolicy): that is the fault's doing, and no
    # invariant asks a graph to survive an arbitrary exception.
    harness = Chaos(1, "no baseline, fault")
    harness.inject(faults.exception(), node="work", attempts=[1])
    try:
        result = harness.run(one_node(lambda s: {"n": 1}), {}, baseline=False, raise_on_violation=False)
    finally:
        harness.close()

    assert result.journal.outcome == "error"
    assert result.verdict == "pass" and result.inconclusive is None


def test_a_node_past_its_timeout_with_no_fault_is_named_with_the_timeout_fix() -> None:
    from langgraph.types import TimeoutPolicy

    async def hangs(state: S) -> dict[str, int]:
        await asyncio.sleep(3600)  # simulated time: no real wait
        return {"n": 1}

    builder: StateGraph[Any, Any, Any, Any] = StateGraph(S)
    builder.add_node("work", hangs, timeout=TimeoutPolicy(run_timeout=5))
    builder.add_edge(START, "work")
    builder.add_edge("work", END)
    harness = Chaos(1, "slow by itself")
    harness.inject(faults.exception(), node="work", attempts=[2])
    try:
        result = harness.run(builder, {}, raise_on_violation=False)
    finally:
        harness.close()

    assert result.verdict == "inconclusive" and result.inconclusive is not None
    assert "NodeTimeoutError" in result.inconclusive
    assert "Likely fix: a node ran past its TimeoutPolicy with no fault injected" in result.inconclusive
