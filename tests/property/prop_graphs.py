"""Real graphs for the property tests: one with every resilience lever, one deliberately broken.

``ORDERS`` is the external system the order graphs write to (a list of (thread, order id)),
so a checker can tell how many times an order was really placed on one thread.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from typing import Annotated, Any, TypedDict

import httpx
from langgraph.config import get_config
from langgraph.errors import NodeError
from langgraph.graph import END, START, StateGraph
from langgraph.types import CachePolicy, Command, RetryPolicy, TimeoutPolicy

from chaos.checks import Violation
from chaos.strategies import retry_transient

ORDERS: list[tuple[str, str]] = []


class S(TypedDict, total=False):
    query: str
    log: Annotated[list[str], operator.add]
    result: str


RETRY = RetryPolicy(initial_interval=1.0, backoff_factor=2.0, max_interval=8.0, max_attempts=3,
                    jitter=False, retry_on=retry_transient)


async def fetch(state: S) -> dict[str, Any]:
    return {"log": ["fetched"], "result": f"data for {state.get('query', '')}"}


async def enrich(state: S) -> dict[str, Any]:
    return {"log": ["enriched"]}


async def answer(state: S) -> dict[str, Any]:
    return {"log": ["answered"]}


async def apologise(state: S, error: NodeError) -> Command:
    return Command(goto=END, update={"log": [f"sorry: {error.node} failed"]})


def levers_builder() -> StateGraph:
    """fetch (retries transient errors, run_timeout 30 s) -> enrich (cached 300 s) -> answer
    (an error handler apologises instead of failing the run)."""
    g = StateGraph(S)
    g.add_node("fetch", fetch, retry_policy=RETRY, timeout=TimeoutPolicy(run_timeout=30))
    g.add_node("enrich", enrich, cache_policy=CachePolicy(ttl=300))
    g.add_node("answer", answer, error_handler=apologise)
    g.add_edge(START, "fetch")
    g.add_edge("fetch", "enrich")
    g.add_edge("enrich", "answer")
    g.add_edge("answer", END)
    return g


# -- the broken order graph -------------------------------------------------------------------


class Order(TypedDict, total=False):
    item: str
    order_id: str
    log: Annotated[list[str], operator.add]


async def validate(state: Order) -> dict[str, Any]:
    return {"log": ["validated"]}


async def place_order(state: Order) -> dict[str, Any]:
    # A non-idempotent POST: every run of the body places one more order upstream.
    thread = get_config()["configurable"]["thread_id"]
    ORDERS.append((thread, state["item"]))
    return {"order_id": f"order-{state['item']}", "log": ["placed"]}


async def notify(state: Order) -> dict[str, Any]:
    return {"log": ["notified"]}


def orders_builder() -> StateGraph:
    """validate -> place_order (retries transport errors: including the ReadTimeout of a lost
    response, which re-sends the POST) -> notify."""
    g = StateGraph(Order)
    g.add_node("validate", validate)
    g.add_node("place_order", place_order, retry_policy=RetryPolicy(
        initial_interval=1.0, max_attempts=3, jitter=False, retry_on=httpx.TransportError))
    g.add_node("notify", notify)
    g.add_edge(START, "validate")
    g.add_edge("validate", "place_order")
    g.add_edge("place_order", "notify")
    g.add_edge("notify", END)
    return g


def each_order_placed_once(result: Any) -> Iterable[Violation]:
    """Checker: no order was placed twice on the chaos run's thread (read from ORDERS)."""
    cfg = result.chaos_config or {}
    thread = cfg.get("configurable", {}).get("thread_id")
    placed = [item for t, item in ORDERS if t == thread]
    for item in sorted(set(placed)):
        if placed.count(item) > 1:
            yield Violation(
                "each_order_placed_once",
                f"order {item!r} was placed {placed.count(item)} times on thread {thread} "
                "(a retry re-sent a POST whose response was lost)",
                node="place_order",
            )
