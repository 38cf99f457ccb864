"""A lost response: the upstream did the work, the client never heard back, the retry repeats it.

This is Jepsen's indeterminate operation: the journal keeps the request as delivered (the
route ran, status 201) *and* failed (ReadTimeout), so a duplicated side effect is visible.
"""

from __future__ import annotations

from typing import Any, TypedDict

import httpx
import pytest
from langgraph.graph import END, START, StateGraph
from langgraph.types import RetryPolicy

from chaos import Chaos
from chaos.http import faults as http_faults

ORDERS_URL = "https://shop.example.com/orders"
CLIENT = httpx.AsyncClient(timeout=httpx.Timeout(5.0, read=8.0))
ORDERS: list[dict[str, Any]] = []


class S(TypedDict, total=False):
    order_id: int


def transient(exc: BaseException) -> bool:
    return isinstance(exc, httpx.TransportError)


async def place_order(state: S) -> dict[str, Any]:
    response = await CLIENT.post(ORDERS_URL, json={"sku": "A1"})
    response.raise_for_status()
    return {"order_id": response.json()["id"]}


async def place_order_idempotently(state: S) -> dict[str, Any]:
    response = await CLIENT.post(ORDERS_URL, json={"sku": "A1"}, headers={"Idempotency-Key": "order-A1"})
    response.raise_for_status()
    return {"order_id": response.json()["id"]}


def create_order(request: httpx.Request) -> httpx.Response:
    """The upstream: creates an order per request, unless it saw the idempotency key before."""
    key = request.headers.get("Idempotency-Key")
    for order in ORDERS:
        if key is not None and order["key"] == key:
            return httpx.Response(200, json={"id": order["id"]})
    ORDERS.append({"id": len(ORDERS) + 1, "key": key})
    return httpx.Response(201, json={"id": len(ORDERS)})


def builder(node: Any) -> StateGraph:
    g = StateGraph(S)
    g.add_node("order", node, retry_policy=RetryPolicy(initial_interval=1.0, jitter=False, retry_on=transient))
    g.add_edge(START, "order")
    g.add_edge("order", END)
    return g


@pytest.fixture
def chaos(harness: Chaos) -> Chaos:
    harness.http.post(ORDERS_URL).mock(side_effect=create_order)
    return harness


def run_chaos_only(chaos: Chaos, node: Any) -> Any:
    ORDERS.clear()
    return chaos.run(builder(node), {}, baseline=False, raise_on_violation=False)


def test_a_lost_response_on_a_post_duplicates_the_order(chaos: Chaos) -> None:
    chaos.inject(http_faults.lost_response(), node="order", attempts=[1])

    result = run_chaos_only(chaos, place_order)

    # The client waited its 8 s read timeout, LangGraph retried 1 s later: two orders placed.
    assert [(h.attempt, h.time, h.method, h.status, h.error, h.delivered) for h in result.journal.http] == [
        (1, 0.0, "POST", 201, "ReadTimeout", True),
        (2, 9.0, "POST", 201, None, True),
    ]
    assert [o["id"] for o in ORDERS] == [1, 2]
    assert result.output == {"order_id": 2}
    first = result.attempts("order")[0]
    assert (first.outcome, first.error, first.end, first.fault) == ("error", "ReadTimeout", 8.0, "http lost response (read_timeout)")
    duplicates = [h for h in result.journal.http if h.delivered and h.method == "POST"]
    assert len(duplicates) == 2


def test_a_disconnect_loses_the_response_at_once(chaos: Chaos) -> None:
    chaos.inject(http_faults.lost_response("disconnect"), node="order", attempts=[1])
    result = run_chaos_only(chaos, place_order)
    assert [(h.time, h.status, h.error) for h in result.journal.http] == [(0.0, 201, "RemoteProtocolError"), (1.0, 201, None)]
    assert len(ORDERS) == 2


def test_an_idempotency_key_makes_the_retry_safe_and_the_journal_still_shows_both_requests(chaos: Chaos) -> None:
    chaos.inject(http_faults.lost_response(), node="order", attempts=[1])
    result = run_chaos_only(chaos, place_order_idempotently)
    assert [(h.status, h.error, h.delivered) for h in result.journal.http] == [(201, "ReadTimeout", True), (200, None, True)]
    assert len(ORDERS) == 1
    assert result.output == {"order_id": 1}


def test_a_lost_response_under_steady_state_is_caught_against_the_baseline(chaos: Chaos) -> None:
    ORDERS.clear()
    chaos.inject(http_faults.lost_response(), node="order", attempts=[1])
    result = chaos.run(builder(place_order), {}, raise_on_violation=False)
    # Baseline placed order 1, the chaos run orders 2 and 3: its answer differs. A second
    # fault-free run (steady_state's experiment) placed order 4: the upstream's counter moves
    # between fault-free runs too, so order_id is volatile, compared by type; the duplicate
    # itself is what fails the trial.
    assert len(ORDERS) == 4
    assert not result.violated("steady_state")
    [note] = [e.detail for e in result.journal.events if e.kind == "steady_state_volatile"]
    assert note is not None and note.startswith("Two fault-free runs differ at order_id")
    [violation] = result.violated("duplicate_deliveries")
    assert "delivered POST https://shop.example.com/orders 2 times (the fault-free run: 1)" in violation.message
