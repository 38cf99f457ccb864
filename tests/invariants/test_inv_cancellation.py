"""cancellation: a node's own CancelledError is a failure; a swallowed cancellation is flagged."""

from __future__ import annotations

import asyncio
import operator
from typing import Annotated, Any, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.types import TimeoutPolicy

from chaos import Chaos, faults
from tests.invariants.releases import NODE_CANCELLED_ERROR


class S(TypedDict, total=False):
    log: Annotated[list[str], operator.add]


async def fetch(state: S) -> dict[str, Any]:
    return {"log": ["fetch"]}


async def publish(state: S) -> dict[str, Any]:
    return {"log": ["publish"]}


def sync_fetch(state: S) -> dict[str, Any]:
    return {"log": ["fetch"]}


def sync_publish(state: S) -> dict[str, Any]:
    return {"log": ["publish"]}


def chain(first: Any = fetch, second: Any = publish, **node_kwargs: Any) -> StateGraph:
    g = StateGraph(S)
    g.add_node("fetch", first, **node_kwargs)
    g.add_node("publish", second)
    g.add_edge(START, "fetch")
    g.add_edge("fetch", "publish")
    g.add_edge("publish", END)
    return g


def test_a_node_raising_cancelled_error_fails_the_run_and_the_journal_says_the_node_raised_it(harness: Chaos):
    harness.inject(faults.raises_cancelled(), node="fetch")
    result = harness.run(chain(), {}, baseline=False, raise_on_violation=False)
    [rec] = result.attempts("fetch")
    # The node raised it: outcome "error" (a framework cancellation would be "cancelled").
    assert (rec.outcome, rec.error, rec.fault_kind) == ("error", "CancelledError", "raises_cancelled")
    assert result.attempts("publish") == []  # nothing downstream ran
    bare = result.violated("cancellation")
    if NODE_CANCELLED_ERROR:  # fixed in langgraph 1.2.4: the caller gets NodeCancelledError
        assert result.journal.error == "NodeCancelledError"
        assert bare == []
    else:  # langgraph 1.2.2: a bare CancelledError reaches the caller
        assert result.journal.error == "CancelledError"
        [v] = bare
        assert "the run ended with a bare CancelledError" in v.message
        assert "langgraph 1.2.4" in v.message


def test_the_sync_loop_records_a_sync_nodes_own_cancelled_error_as_a_failure(harness: Chaos):
    harness.inject(faults.raises_cancelled(), node="fetch")
    result = harness.run(chain(sync_fetch, sync_publish), {}, drive="stream", baseline=False, raise_on_violation=False)
    [rec] = result.attempts("fetch")
    assert (rec.outcome, rec.error) == ("error", "CancelledError")
    assert result.attempts("publish") == []
    assert (result.violated("cancellation") == []) is NODE_CANCELLED_ERROR


async def swallows(state: S) -> dict[str, Any]:
    try:
        await asyncio.sleep(60)
    except asyncio.CancelledError:
        return {"log": ["stale"]}  # broken: carries on after the run gave up on it
    return {"log": ["fresh"]}


async def cleans_up_and_reraises(state: S) -> dict[str, Any]:
    try:
        await asyncio.sleep(60)
    except asyncio.CancelledError:
        await asyncio.sleep(0)  # release what it held ...
        raise  # ... and let the cancellation through
    return {"log": ["fresh"]}


def test_a_node_that_swallows_the_cancellation_of_its_run_timeout_makes_it_fire(harness: Chaos):
    g = chain(swallows, timeout=TimeoutPolicy(run_timeout=5))
    result = harness.run(g, {}, baseline=False, raise_on_violation=False)
    [v] = result.violated("cancellation")
    assert (v.node, v.task, v.attempt) == ("fetch", "fetch#1", 1)
    assert "its run_timeout=5s fired at t=5s" in v.message
    assert "caught the CancelledError" in v.message and "Re-raise it" in v.message


def test_a_node_that_cleans_up_and_reraises_is_silent(harness: Chaos):
    g = chain(cleans_up_and_reraises, timeout=TimeoutPolicy(run_timeout=5))
    result = harness.run(g, {}, baseline=False, raise_on_violation=False)
    [rec] = result.attempts("fetch")
    assert rec.outcome == "timeout"  # the framework's cancellation, told apart from the node's own
    assert result.violated("cancellation") == []


def test_a_fault_free_run_is_silent(harness: Chaos):
    result = harness.run(chain(), {})
    assert result.violated("cancellation") == []
