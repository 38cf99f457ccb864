"""Graphs whose nodes run in parallel: sync siblings, async siblings, a Send fan-out.

Importable by a kill trial's child process (``tests.determinism.graphs:ATTR``).
"""

from __future__ import annotations

import asyncio
import operator
from typing import Annotated, Any, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.types import RetryPolicy, Send, TimeoutPolicy

RETRY = RetryPolicy(initial_interval=0.5, max_attempts=2, jitter=True)


class S(TypedDict, total=False):
    items: list[int]
    log: Annotated[list[str], operator.add]


def _busy(n: int) -> int:
    # Real CPU work of different lengths: a thread scheduler would interleave them differently.
    return sum(range(n))


def sync_left(state: S) -> dict[str, Any]:
    _busy(200_000)
    return {"log": ["left"]}


def sync_right(state: S) -> dict[str, Any]:
    _busy(1_000)
    return {"log": ["right"]}


async def async_left(state: S) -> dict[str, Any]:
    await asyncio.sleep(0.2)
    return {"log": ["left"]}


async def async_right(state: S) -> dict[str, Any]:
    await asyncio.sleep(0.1)
    return {"log": ["right"]}


def join(state: S) -> dict[str, Any]:
    return {"log": ["join"]}


def _siblings(left: Any, right: Any, *, timeout: TimeoutPolicy | None = None) -> StateGraph:
    g = StateGraph(S)
    g.add_node("left", left, retry_policy=RETRY, timeout=timeout)
    g.add_node("right", right, retry_policy=RETRY, timeout=timeout)
    g.add_node("join", join)
    g.add_edge(START, "left")
    g.add_edge(START, "right")
    g.add_edge(["left", "right"], "join")
    g.add_edge("join", END)
    return g


def parallel_sync() -> StateGraph:
    return _siblings(sync_left, sync_right)


def parallel_async() -> StateGraph:
    return _siblings(async_left, async_right, timeout=TimeoutPolicy(run_timeout=5, idle_timeout=5))


def split(state: S) -> dict[str, Any]:
    return {"log": ["split"]}


def fan_out(state: S) -> list[Send]:
    return [Send("work", {"items": [i]}) for i in state.get("items") or [1, 2, 3, 4]]


def work(state: S) -> dict[str, Any]:
    _busy(50_000 * state["items"][0])
    return {"log": [f"work {state['items'][0]}"]}


async def awork(state: S) -> dict[str, Any]:
    await asyncio.sleep(0.1 * (5 - state["items"][0]))
    return {"log": [f"work {state['items'][0]}"]}


def _fanout(worker: Any) -> StateGraph:
    g = StateGraph(S)
    g.add_node("split", split)
    g.add_node("work", worker, retry_policy=RETRY)
    g.add_conditional_edges("split", fan_out, ["work"])
    g.add_edge(START, "split")
    g.add_edge("work", END)
    return g


def send_fanout_sync() -> StateGraph:
    return _fanout(work)


def send_fanout_async() -> StateGraph:
    return _fanout(awork)


def sync_chain() -> StateGraph:
    """left -> join: the kill trial's graph (a killed parallel sibling's record is h1's race)."""
    g = StateGraph(S)
    g.add_node("left", sync_left)
    g.add_node("join", join)
    g.add_edge(START, "left")
    g.add_edge("left", "join")
    g.add_edge("join", END)
    return g


chain = sync_chain()
