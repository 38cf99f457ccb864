"""Compensation: an error handler that routes to a cache fallback.

``live_quote`` asks an upstream pricing service (retried on transient errors). When its retries
run out, the error handler does not fail the run: it routes to ``cached_quote``, which serves
the last known price and marks the answer stale. ``respond`` formats either.

Target: ``chaos.examples.compensation:builder``.
"""

from __future__ import annotations

from typing import Any, TypedDict

from langgraph.errors import NodeError
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, RetryPolicy, TimeoutPolicy

from chaos.examples.support import is_transient

LAST_KNOWN = {"ACME": 41.5}


class QuoteState(TypedDict, total=False):
    symbol: str
    price: float
    stale: bool
    message: str


async def live_quote(state: QuoteState) -> dict[str, Any]:
    return {"price": 42.0, "stale": False}


async def to_fallback(state: QuoteState, error: NodeError) -> Command[str]:
    return Command(goto="cached_quote", update={"stale": True})


async def cached_quote(state: QuoteState) -> dict[str, Any]:
    return {"price": LAST_KNOWN.get(state.get("symbol", ""), 0.0)}


async def respond(state: QuoteState) -> dict[str, Any]:
    suffix = " (stale)" if state.get("stale") else ""
    return {"message": f"{state.get('symbol')}: {state.get('price')}{suffix}"}


def build() -> StateGraph[QuoteState, None, QuoteState, QuoteState]:
    g = StateGraph(QuoteState)
    g.set_node_defaults(timeout=TimeoutPolicy(run_timeout=10))
    g.add_node(
        "live_quote",
        live_quote,
        retry_policy=RetryPolicy(initial_interval=0.5, max_attempts=3, retry_on=is_transient),
        error_handler=to_fallback,
    )
    g.add_node("cached_quote", cached_quote)
    g.add_node("respond", respond)
    g.add_edge(START, "live_quote")
    g.add_edge("live_quote", "respond")
    g.add_edge("cached_quote", "respond")
    g.add_edge("respond", END)
    return g


builder = build()
example_input = {"symbol": "ACME"}
