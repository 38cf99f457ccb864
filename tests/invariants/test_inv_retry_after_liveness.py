"""retry_after (opt-in) and the liveness time bound, each with a broken and a correct twin."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from langgraph.graph import END, START, StateGraph
from langgraph.types import RetryPolicy, TimeoutPolicy

from chaos import Chaos, ChaosUsageError, faults
from tests import graphs


def test_retry_after_is_opt_in_and_fires_when_the_backoff_is_shorter_than_the_header(harness: Chaos, calls):
    harness.inject(faults.raise_status(429, retry_after=7), node="fetch", attempts=1)
    quiet = harness.run(graphs.retry_builder(), {"query": "q"})
    assert quiet.violations == []  # off by default: LangGraph's RetryPolicy ignores Retry-After
    loud = harness.run(graphs.retry_builder(), {"query": "q"}, enable=["retry_after"], raise_on_violation=False)
    [v] = loud.violated("retry_after")
    assert (v.node, v.attempt, v.time) == ("fetch", 2, 1.0)
    assert "attempt 1 got HTTP 429 with Retry-After: 7 at t=0s, so the retry must wait at least 7s; it started after 1s" in v.message
    assert "initial_interval >= 7s" in v.message


def test_retry_after_is_silent_when_the_policy_waits_long_enough(harness: Chaos, calls):
    builder = graphs.retry_builder()
    builder.nodes["fetch"].retry_policy = graphs.RETRY._replace(initial_interval=7.0)
    harness.inject(faults.raise_status(429, retry_after=7), node="fetch", attempts=1)
    result = harness.run(builder, {"query": "q"}, enable=["retry_after"])
    assert [a.start for a in result.attempts("fetch")] == [0.0, 7.0]


def test_enabling_an_unknown_invariant_is_a_usage_error_naming_it(harness: Chaos, calls):
    with pytest.raises(ChaosUsageError, match=r"unknown invariant\(s\) \['retry_aftr'\] to turn on; known: faults_fired"):
        harness.run(graphs.retry_builder(), {}, enable=["retry_aftr"])


def timed(blocking: bool) -> StateGraph:
    async def lookup(state: graphs.S) -> dict[str, Any]:
        if blocking:
            time.sleep(100)  # a sync client inside an async node: starves the watchdog
        else:
            await asyncio.sleep(100)
        return {"log": ["looked up"]}

    g = StateGraph(graphs.S)
    g.add_node("lookup", lookup, timeout=TimeoutPolicy(run_timeout=10),
               retry_policy=RetryPolicy(max_attempts=2, initial_interval=1, jitter=False))
    g.add_edge(START, "lookup")
    g.add_edge("lookup", END)
    return g


def test_blocking_code_that_defeats_a_run_timeout_breaks_the_liveness_bound(harness: Chaos):
    result = harness.run(timed(blocking=True), {}, baseline=False, raise_on_violation=False)
    [v] = result.violated("liveness")
    assert v.message.startswith("node 'lookup' task lookup#1 (from t=0s) ran for 100s of simulated time, beyond the 21s its policies allow")
    assert "blocking code" in v.message


def test_an_awaiting_node_is_timed_out_within_the_bound(harness: Chaos):
    result = harness.run(timed(blocking=False), {}, baseline=False, raise_on_violation=False)
    assert [(a.outcome, a.end) for a in result.attempts("lookup")] == [("timeout", 10.0), ("timeout", 21.0)]
    assert result.violations == []
