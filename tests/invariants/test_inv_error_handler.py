"""error_handler fires on a handler that raises or returns no routing; a Command handler is silent."""

from __future__ import annotations

from typing import Any

from langgraph.errors import NodeError
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command

from chaos import Chaos, faults
from tests import graphs


def handled(handler: Any) -> StateGraph:
    g = StateGraph(graphs.S)
    g.add_node("fetch", graphs.fetch, retry_policy=graphs.RETRY, error_handler=handler)
    g.add_node("summarize", graphs.summarize)
    g.add_edge(START, "fetch")
    g.add_edge("fetch", "summarize")
    g.add_edge("summarize", END)
    return g


async def crashing_handler(state: graphs.S, error: NodeError) -> Command:
    raise RuntimeError("the fallback service is down too")


async def routing_handler(state: graphs.S, error: NodeError) -> Command:
    return Command(goto="summarize", update={"log": [f"fallback after {error.node}"]})


def test_a_handler_that_raises_makes_error_handler_fire(harness: Chaos, calls):
    harness.inject(faults.raise_status(502), node="fetch")
    result = harness.run(handled(crashing_handler), {}, baseline=False, raise_on_violation=False)
    [v] = result.violated("error_handler")
    assert (v.node, v.attempt, v.time) == ("__error_handler__fetch", 1, 3.0)
    assert "the error handler itself failed with RuntimeError: the fallback service is down too" in v.message
    assert "The failure of 'fetch' (HTTPStatusError) was not handled" in v.message


def test_a_handler_that_routes_with_a_command_is_silent(harness: Chaos, calls):
    harness.inject(faults.raise_status(502), node="fetch")
    result = harness.run(handled(routing_handler), {}, baseline=False)
    [h] = result.attempts("__error_handler__fetch")
    assert h.node_error.node == "fetch" and h.node_error.error is result.attempts("fetch")[-1].exc
    assert result.violations == []
