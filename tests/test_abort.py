"""The harness's "this run would hang forever" abort cannot be caught by user code.

A hang nothing can time out must be a `liveness` violation even when the node guards its work
with ``except Exception`` or LangGraph routes its failures to an error handler: the abort is
a `BaseException` (as `asyncio.CancelledError` is), so neither swallows it.
"""

from __future__ import annotations

import asyncio
from typing import Any, TypedDict

import httpx
import pytest
from langgraph.errors import NodeError
from langgraph.graph import END, START, StateGraph
from langgraph.types import TimeoutPolicy

from chaos import Chaos, ChaosAbort, faults
from chaos.http import faults as http_faults
from chaos.simtime import SimulatedDeadlock

URL = "https://api.example.com/answer"


class S(TypedDict, total=False):
    answer: str


def fallback(state: S, error: NodeError) -> dict[str, Any]:
    return {"answer": f"fallback after {type(error.error).__name__}"}


def one_node(node: Any, *, handler: bool = False, timeout: TimeoutPolicy | None = None) -> StateGraph:
    g = StateGraph(S)
    g.add_node("ask", node, error_handler=fallback if handler else None, timeout=timeout)
    g.add_edge(START, "ask")
    g.add_edge("ask", END)
    return g


def guarded_sync_call(state: S) -> dict[str, Any]:
    """A sync client with no timeout, and a handler that turns every error into a fallback."""
    try:
        with httpx.Client(timeout=None) as client:
            return {"answer": client.get(URL).text}
    except Exception as exc:  # the user's catch-all must not swallow the harness's abort
        return {"answer": f"fallback after {exc!r}"}


async def guarded_wait(state: S) -> dict[str, Any]:
    """Waits for an event nobody sets, guarded by a catch-all."""
    try:
        await asyncio.Event().wait()
    except Exception as exc:
        return {"answer": f"fallback after {exc!r}"}
    return {"answer": "never"}


async def answer(state: S) -> dict[str, Any]:
    return {"answer": "42"}


def test_the_aborts_are_base_exceptions_not_exceptions() -> None:
    assert not issubclass(ChaosAbort, Exception) and issubclass(ChaosAbort, BaseException)
    assert not issubclass(SimulatedDeadlock, Exception) and issubclass(SimulatedDeadlock, BaseException)


@pytest.fixture
def chaos(harness: Chaos) -> Chaos:
    harness.http.get(URL).respond(200, text="42")
    return harness


def test_a_hang_inside_a_catch_all_of_a_sync_node_is_a_liveness_violation(chaos: Chaos) -> None:
    chaos.inject(http_faults.lost_response(), node="ask", attempts=[1])
    result = chaos.run(one_node(guarded_sync_call), {}, raise_on_violation=False)
    [v] = result.violated("liveness")
    assert v.node == "ask" and "waits forever" in v.message
    assert result.journal.outcome == "aborted" and result.output is None


def test_a_hang_behind_an_error_handler_is_a_liveness_violation(chaos: Chaos) -> None:
    chaos.inject(faults.hang(), node="ask", attempts=[1])
    result = chaos.run(one_node(answer, handler=True), {}, raise_on_violation=False)
    [v] = result.violated("liveness")
    assert v.node == "ask" and "hangs" in v.message
    assert [a.node for a in result.journal.attempts] == ["ask"]  # the handler never ran


def test_a_deadlock_inside_a_catch_all_behind_an_error_handler_is_a_liveness_violation(chaos: Chaos) -> None:
    result = chaos.run(one_node(guarded_wait, handler=True), {}, baseline=False, raise_on_violation=False)
    [v] = result.violated("liveness")
    assert "nothing can ever wake up" in v.message or "never finish" in v.message
    assert result.journal.outcome == "deadlock" and result.output is None


def test_the_correct_twin_with_a_timeout_stays_silent(chaos: Chaos) -> None:
    chaos.inject(faults.hang(), node="ask", attempts=[1])
    result = chaos.run(one_node(answer, handler=True, timeout=TimeoutPolicy(run_timeout=5)), {}, raise_on_violation=False)
    assert result.violated("liveness") == [] and result.output["answer"].startswith("fallback after")
