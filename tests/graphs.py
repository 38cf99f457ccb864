"""Small real LangGraph graphs the tests aim faults at. Each uses the levers it is named for.

Nodes record their side effects in ``CALLS`` (cleared by the ``calls`` fixture) so tests can
tell "the body ran" from "the attempt was journaled".
"""

from __future__ import annotations

import asyncio
import operator
from typing import Annotated, Any, TypedDict

import httpx
from langgraph.errors import NodeError, NodeTimeoutError
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import CachePolicy, Command, RetryPolicy, Send, TimeoutPolicy

CALLS: list[str] = []


class S(TypedDict, total=False):
    query: str
    log: Annotated[list[str], operator.add]
    result: str


def transient(exc: BaseException) -> bool:
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code == 429 or exc.response.status_code >= 500
    return isinstance(exc, (httpx.TransportError, NodeTimeoutError))


RETRY = RetryPolicy(initial_interval=1.0, backoff_factor=2.0, max_interval=8.0, max_attempts=3, jitter=False, retry_on=transient)


async def fetch(state: S) -> dict[str, Any]:
    CALLS.append("fetch")
    return {"log": ["fetched"], "result": f"data for {state.get('query', '')}"}


async def summarize(state: S) -> dict[str, Any]:
    CALLS.append("summarize")
    return {"log": ["summarized"]}


def retry_builder() -> StateGraph:
    """fetch (retries transient errors 3x, 1 s then 2 s backoff) -> summarize."""
    g = StateGraph(S)
    g.add_node("fetch", fetch, retry_policy=RETRY)
    g.add_node("summarize", summarize)
    g.add_edge(START, "fetch")
    g.add_edge("fetch", "summarize")
    g.add_edge("summarize", END)
    return g


async def search(state: S, runtime: Runtime) -> dict[str, Any]:
    CALLS.append("search")
    for _ in range(4):
        await asyncio.sleep(5)
        runtime.heartbeat()
    return {"log": ["searched"]}


def timeout_builder(*, retry: bool = False) -> StateGraph:
    """search: heartbeats every 5 s for 20 s, run_timeout=30, idle_timeout=10 (heartbeat)."""
    g = StateGraph(S)
    g.add_node(
        "search",
        search,
        timeout=TimeoutPolicy(run_timeout=30, idle_timeout=10, refresh_on="heartbeat"),
        retry_policy=RETRY if retry else None,
    )
    g.add_node("summarize", summarize)
    g.add_edge(START, "search")
    g.add_edge("search", "summarize")
    g.add_edge("summarize", END)
    return g


async def expensive(state: S) -> dict[str, Any]:
    CALLS.append("expensive")
    return {"result": f"computed {state.get('query', '')}"}


def cache_builder() -> StateGraph:
    g = StateGraph(S)
    g.add_node("expensive", expensive, cache_policy=CachePolicy(ttl=300))
    g.add_edge(START, "expensive")
    g.add_edge("expensive", END)
    return g


async def fallback(state: S, error: NodeError) -> Command:
    CALLS.append(f"fallback:{error.node}:{type(error.error).__name__}")
    return Command(goto="summarize", update={"log": [f"fallback after {error.node}"]})


def handler_builder() -> StateGraph:
    """fetch retries 3x and then hands over to an error handler that routes to summarize."""
    g = StateGraph(S)
    g.add_node("fetch", fetch, retry_policy=RETRY, error_handler=fallback)
    g.add_node("summarize", summarize)
    g.add_edge(START, "fetch")
    g.add_edge("fetch", "summarize")
    g.add_edge("summarize", END)
    return g


async def split(state: S) -> dict[str, Any]:
    return {"log": ["split"]}


def to_workers(state: S) -> list[Send]:
    return [Send("work", {"query": f"part{i}"}) for i in range(3)]


async def work(item: dict[str, str]) -> dict[str, Any]:
    CALLS.append(f"work:{item['query']}")
    return {"log": [f"done {item['query']}"]}


def fanout_builder() -> StateGraph:
    """split -> three Send tasks of `work` (retried) -> summarize."""
    g = StateGraph(S)
    g.add_node("split", split)
    g.add_node("work", work, retry_policy=RETRY)
    g.add_node("summarize", summarize)
    g.add_edge(START, "split")
    g.add_conditional_edges("split", to_workers, ["work"])
    g.add_edge("work", "summarize")
    g.add_edge("summarize", END)
    return g


def subgraph_builder() -> StateGraph:
    """outer: prepare -> inner (a compiled subgraph: fetch -> summarize)."""
    inner = retry_builder().compile()

    async def prepare(state: S) -> dict[str, Any]:
        return {"log": ["prepared"]}

    g = StateGraph(S)
    g.add_node("prepare", prepare)
    g.add_node("inner", inner)
    g.add_edge(START, "prepare")
    g.add_edge("prepare", "inner")
    g.add_edge("inner", END)
    return g


def sync_fetch(state: S) -> dict[str, Any]:
    CALLS.append("sync_fetch")
    return {"log": ["fetched"]}


def sync_builder() -> StateGraph:
    """One sync node (which LangGraph cannot time out) with retries."""
    g = StateGraph(S)
    g.add_node("fetch", sync_fetch, retry_policy=RETRY)
    g.add_edge(START, "fetch")
    g.add_edge("fetch", END)
    return g
