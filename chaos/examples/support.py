"""A support-answer graph with every resilience lever LangGraph 1.2 offers.

``plan`` fans out one ``search`` task per query with ``Send``; each search heartbeats while it
pages through results under an idle timeout; ``rank`` is cached; ``answer`` is guarded by a
run timeout. Transient failures (429, 5xx, transport errors, timeouts) are retried with
backoff; anything else goes to a default error handler that degrades the answer instead of
failing the run. Every node is async, because sync nodes cannot be timed out.

Use it as ``--chaos-target=chaos.examples.support:builder``.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

import httpx
from langgraph.errors import NodeError, NodeTimeoutError
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import CachePolicy, Command, RetryPolicy, Send, TimeoutPolicy


def latest(_old: str, new: str) -> str:
    """The answer channel's reducer: the newest answer wins."""
    return new


class SupportState(TypedDict, total=False):
    question: str
    queries: list[str]
    sources: Annotated[list[str], operator.add]
    ranked: list[str]
    # A reducer, not a plain value: when several ``search`` copies fail for good in one
    # superstep, each copy's handler degrades the answer, and a plain channel rejects more
    # than one write per superstep (InvalidUpdateError would end the run the handlers saved).
    answer: Annotated[str, latest]
    notes: Annotated[list[str], operator.add]


def is_transient(exc: BaseException) -> bool:
    """Retry what a retry can fix: rate limits, server errors, transport errors, timeouts.

    LangGraph's default ``retry_on`` does not retry HTTP 429; this one does.
    """
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code == 429 or exc.response.status_code >= 500
    return isinstance(exc, (httpx.TransportError, NodeTimeoutError, ConnectionError))


TRANSIENT = RetryPolicy(initial_interval=1.0, backoff_factor=2.0, max_interval=10.0, max_attempts=4, retry_on=is_transient)


async def plan(state: SupportState) -> dict[str, Any]:
    question = state.get("question", "")
    return {"queries": [f"{question} docs", f"{question} forum", f"{question} changelog"]}


def fan_out(state: SupportState) -> list[Send]:
    return [Send("search", {"query": q}) for q in state["queries"]]


async def search(task: dict[str, str], runtime: Runtime) -> dict[str, Any]:
    # Paging through results: each page is progress, so the idle timeout is refreshed.
    for _page in range(3):
        runtime.heartbeat()
    return {"sources": [f"result for {task['query']}"]}


async def rank(state: SupportState) -> dict[str, Any]:
    return {"ranked": sorted(state.get("sources", []))}


async def answer(state: SupportState) -> dict[str, Any]:
    return {"answer": f"{len(state.get('ranked', []))} sources say: it depends"}


async def degrade(state: SupportState, error: NodeError) -> Command[str]:
    """Compensation: answer without the failed step instead of failing the run."""
    return Command(
        goto=END,
        update={"answer": "Sorry, try again later.", "notes": [f"degraded: {error.node} failed"]},
    )


def build() -> StateGraph[SupportState, None, SupportState, SupportState]:
    """The builder (the harness compiles it with its embedded checkpointer and cache)."""
    graph = StateGraph(SupportState)
    # LangGraph injects ``error: NodeError`` into a handler; its StateNode protocols have no such
    # variant. mypy's verdict on this call differs between a fresh and an incremental run (the
    # reducer on ``answer``), hence unused-ignore too.
    graph.set_node_defaults(
        retry_policy=TRANSIENT, error_handler=degrade, timeout=TimeoutPolicy(run_timeout=60)  # type: ignore[arg-type, unused-ignore]  # see above
    )
    graph.add_node("plan", plan)
    # A Send target takes the Send's plain dict; LangGraph's node protocols type only schema inputs.
    graph.add_node(
        "search",
        search,  # type: ignore[arg-type]  # see above: a Send target
        timeout=TimeoutPolicy(run_timeout=30, idle_timeout=10, refresh_on="heartbeat"),
    )
    graph.add_node("rank", rank, cache_policy=CachePolicy(ttl=300))
    graph.add_node("answer", answer, timeout=TimeoutPolicy(run_timeout=20))
    graph.add_edge(START, "plan")
    graph.add_conditional_edges("plan", fan_out, ["search"])
    graph.add_edge("search", "rank")
    graph.add_edge("rank", "answer")
    graph.add_edge("answer", END)
    return graph


builder = build()
#: The input the README's main job uses.
example_input = {"question": "How do I rotate API keys?"}
