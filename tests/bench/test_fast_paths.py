"""The fast paths the benchmark drove keep LangGraph's behaviour (see `chaos.inject._inline_router`)."""

from __future__ import annotations

import functools
import threading
from typing import Any, TypedDict

from langchain_core.runnables.config import run_in_executor
from langgraph.graph import END, START, StateGraph

from chaos.harness import Chaos


class Count(TypedDict):
    n: int


def _graph(threads: list[str]) -> StateGraph:
    def route(state: Count) -> str:
        threads.append(threading.current_thread().name)
        return "step" if state["n"] < 3 else END

    async def step(state: Count) -> dict[str, Any]:
        return {"n": state["n"] + 1}

    g = StateGraph(Count)
    g.add_node("step", step)
    g.add_edge(START, "step")
    g.add_conditional_edges("step", route, ["step", END])
    return g


def test_a_sync_router_runs_on_the_loop_thread_under_simulated_time_and_routes_as_before() -> None:
    threads: list[str] = []
    chaos = Chaos(test_id="inline-router")
    try:
        result = chaos.run(_graph(threads), {"n": 0})
    finally:
        chaos.close()
    assert result.output == {"n": 3}
    assert [a.node for a in result.journal.attempts] == ["step"] * 3
    assert threads == [threading.current_thread().name] * 6  # baseline and chaos run, 3 routes each


def test_a_sync_router_keeps_the_executor_on_the_real_clock_and_the_users_builder_is_untouched() -> None:
    threads: list[str] = []
    g = _graph(threads)
    chaos = Chaos(test_id="real-router", clock="real")
    try:
        result = chaos.run(g, {"n": 0})
    finally:
        chaos.close()
    assert result.output == {"n": 3}
    assert threading.current_thread().name not in threads
    afunc = g.branches["step"]["route"].path.afunc
    assert isinstance(afunc, functools.partial) and afunc.func is run_in_executor
