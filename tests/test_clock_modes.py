"""The same trial on the simulated clock and in real time gives the same journal order."""

from __future__ import annotations

import asyncio
import operator
from typing import Annotated, Any, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.types import RetryPolicy, TimeoutPolicy

from chaos import Chaos, faults


class S(TypedDict, total=False):
    log: Annotated[list[str], operator.add]


def small_builder() -> StateGraph:
    """Two parallel branches with different timeouts and retries, in tens of milliseconds."""

    async def fast(state: S) -> dict[str, Any]:
        await asyncio.sleep(0.01)
        return {"log": ["fast"]}

    async def slow(state: S) -> dict[str, Any]:
        await asyncio.sleep(0.03)
        return {"log": ["slow"]}

    async def join(state: S) -> dict[str, Any]:
        return {"log": ["join"]}

    retry = RetryPolicy(initial_interval=0.02, backoff_factor=2, max_interval=0.1, max_attempts=3, jitter=False)
    g = StateGraph(S)
    g.add_node("fast", fast, retry_policy=retry, timeout=TimeoutPolicy(run_timeout=0.3))
    g.add_node("slow", slow, retry_policy=retry, timeout=TimeoutPolicy(run_timeout=0.6))
    g.add_node("join", join)
    g.add_edge(START, "fast")
    g.add_edge(START, "slow")
    g.add_edge(["fast", "slow"], "join")
    g.add_edge("join", END)
    return g


def journal_order(clock: str) -> list[tuple[str, int, str, str | None]]:
    h = Chaos(seed=5, test_id="clock-modes", clock=clock)  # type: ignore[arg-type]
    h.inject(faults.hang(), node="fast", attempts=1)
    h.inject(faults.raise_status(503), node="slow", attempts=1)
    result = h.run(small_builder(), {})
    ordered = sorted(result.journal.attempts, key=lambda a: (a.start, a.node))
    return [(a.node, a.attempt, a.outcome, a.timeout_kind) for a in ordered]


def test_real_time_gives_the_same_journal_order_as_simulated_time():
    simulated = journal_order("simulated")
    assert simulated == [
        ("fast", 1, "timeout", "run"),
        ("slow", 1, "error", None),
        ("slow", 2, "ok", None),
        ("fast", 2, "ok", None),
        ("join", 1, "ok", None),
    ]
    assert journal_order("real") == simulated
