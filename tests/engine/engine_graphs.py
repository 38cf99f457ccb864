"""Small real LangGraph graphs for the engine's tests: a human-in-the-loop graph, a parallel
fan-out whose branch can fail, and a graph the fault-free baseline cannot run."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt


class S(TypedDict, total=False):
    log: Annotated[list[str], operator.add]
    answer: str
    route: str


def start(state: S) -> dict[str, Any]:
    return {"log": ["start"]}


def ask(state: S) -> dict[str, Any]:
    return {"answer": interrupt("approve?"), "log": ["asked"]}


def finish(state: S) -> dict[str, Any]:
    return {"log": [f"finished with {state.get('answer')}"]}


def hitl_builder() -> StateGraph:
    """start -> ask (interrupt) -> finish."""
    g = StateGraph(S)
    g.add_node("start", start)
    g.add_node("ask", ask)
    g.add_node("finish", finish)
    g.add_edge(START, "start")
    g.add_edge("start", "ask")
    g.add_edge("ask", "finish")
    g.add_edge("finish", END)
    return g


def fast(state: S) -> dict[str, Any]:
    return {"log": ["fast"]}


def slow(state: S) -> dict[str, Any]:
    return {"log": ["slow"]}


def join(state: S) -> dict[str, Any]:
    return {"log": ["join"]}


def parallel_builder() -> StateGraph:
    """start -> (fast, slow) -> join."""
    g = StateGraph(S)
    g.add_node("start", start)
    g.add_node("fast", fast)
    g.add_node("slow", slow)
    g.add_node("join", join)
    g.add_edge(START, "start")
    g.add_edge("start", "fast")
    g.add_edge("start", "slow")
    g.add_edge(["fast", "slow"], "join")
    g.add_edge("join", END)
    return g


def needs_key(state: S) -> dict[str, Any]:
    return {"log": [state["route"]]}  # KeyError without a route in the input


def broken_builder() -> StateGraph:
    g = StateGraph(S)
    g.add_node("needs_key", needs_key)
    g.add_edge(START, "needs_key")
    g.add_edge("needs_key", END)
    return g


HITL = hitl_builder()
PARALLEL = parallel_builder()
BROKEN = broken_builder()
