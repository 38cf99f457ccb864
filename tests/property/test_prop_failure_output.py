"""A deliberately broken graph: ``fault_plans`` finds the duplicate order and the failure shows
the shrunk plan as ``chaos.inject(...)`` lines with the seeds that replay it.

place_order retries ``httpx.TransportError``; a lost response (the POST ran, the client saw a
ReadTimeout) is retried and places the order again. The test file runs in a subprocess, so its
``register_checker`` never leaks into this process's checker registry.
"""

from __future__ import annotations

import pytest

ORDERS_TEST = '''
import httpx
from typing import TypedDict
from hypothesis import given, settings
from langgraph.config import get_config
from langgraph.graph import END, START, StateGraph
from langgraph.types import RetryPolicy

import chaos
from chaos import strategies as cst

ORDERS = []


class Order(TypedDict, total=False):
    item: str
    order_id: str


async def validate(state):
    return {}


async def place_order(state):
    ORDERS.append((get_config()["configurable"]["thread_id"], state["item"]))  # a real POST
    return {"order_id": "order-" + state["item"]}


async def notify(state):
    return {}


builder = StateGraph(Order)
builder.add_node("validate", validate)
builder.add_node("place_order", place_order,
                 retry_policy=RetryPolicy(max_attempts=3, jitter=False, retry_on=httpx.TransportError))
builder.add_node("notify", notify)
builder.add_edge(START, "validate")
builder.add_edge("validate", "place_order")
builder.add_edge("place_order", "notify")
builder.add_edge("notify", END)


@chaos.register_checker("each_order_placed_once")
def each_order_placed_once(result):
    thread = result.chaos_config["configurable"]["thread_id"]
    placed = [item for t, item in ORDERS if t == thread]
    for item in set(placed):
        if placed.count(item) > 1:
            yield chaos.Violation("each_order_placed_once", f"order {item!r} placed {placed.count(item)} times")


@settings(max_examples=200, deadline=None, database=None)
@given(plan=cst.fault_plans(builder, faults=cst.node_faults(["exception", "raise_status", "lost_result", "delay"])))
def test_orders_are_placed_once(plan):
    cst.run_plan(builder, {"item": "book"}, plan)
'''


def test_the_duplicate_order_is_found_and_shrunk_to_a_short_pasteable_plan(pytester: pytest.Pytester):
    pytester.makepyfile(test_orders=ORDERS_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--hypothesis-seed=12345")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*Failing test case: test_orders_are_placed_once(*",
        '*Injection.of(faults.lost_result(), node="place_order", attempts=[[]1[]]),*',
        "*Fault plan (paste into a test that uses the chaos fixture):*",
        '*    chaos.inject(faults.lost_result(), node="place_order", attempts=[[]1[]])*',
        "*Chaos seed: 0 (run_plan(..., seed=0); in a chaos test: pytest --chaos-seed=0)*",
        "*Hypothesis: add @seed(12345) to the test, or run pytest with --hypothesis-seed=12345*",
    ])
    result.stdout.fnmatch_lines(["*[[]each_order_placed_once[]] order 'book' placed 2 times*"])
    lines = result.stdout.lines
    start = next(i for i, line in enumerate(lines) if "Fault plan (paste" in line)
    end = next(i for i in range(start, len(lines)) if "Chaos seed:" in lines[i])
    plan = [line.lstrip("E ").strip() for line in lines[start + 1:end]]
    print("\n".join(plan))
    assert 1 <= len(plan) <= 2 and all(line.startswith("chaos.inject(") for line in plan)
