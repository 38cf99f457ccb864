"""LGC201-LGC204: retry policies against the failures they will really meet."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from langgraph.graph import END, START, StateGraph
from langgraph.types import RetryPolicy, TimeoutPolicy

from chaos import Chaos, faults
from chaos.audit import audit
from chaos.audit.probe import record_http
from tests.audit.helpers import URL, S, one_node, upstream
from tests.graphs import RETRY, transient

T = TimeoutPolicy(run_timeout=30)


async def work(state: S) -> dict[str, Any]:
    return {"result": "done"}


# -- LGC201 ----------------------------------------------------------------------------------


def test_the_default_retry_policy_is_reported_for_not_retrying_429() -> None:
    [finding] = audit(one_node(work, retry_policy=RetryPolicy(), timeout=T))
    assert (finding.code, finding.location) == ("LGC201", "work")
    assert "default_retry_on" in finding.message


def test_a_policy_that_retries_429_is_not_reported() -> None:
    assert audit(one_node(work, retry_policy=RETRY, timeout=T)) == []


def test_a_node_without_retries_is_not_reported() -> None:
    assert audit(one_node(work, timeout=T)) == []


def test_langgraph_gives_up_on_a_429_under_the_default_policy(harness: Chaos) -> None:
    harness.inject(faults.raise_status(429, retry_after=1), node="work", attempts=[1])
    default = harness.run(one_node(work, retry_policy=RetryPolicy(jitter=False), timeout=T), {}, baseline=False,
                          raise_on_violation=False)
    assert [a.outcome for a in default.attempts("work")] == ["error"]
    fixed = harness.run(one_node(work, retry_policy=RETRY, timeout=T), {}, baseline=False)
    assert [a.outcome for a in fixed.attempts("work")] == ["error", "ok"]


# -- LGC202 ----------------------------------------------------------------------------------


async def post(state: S) -> dict[str, Any]:
    async with upstream(201) as client:
        await client.post(URL, json={"q": state.get("query")})
    return {"result": "created"}


async def get(state: S) -> dict[str, Any]:
    async with upstream() as client:
        await client.get(URL)
    return {"result": "read"}


def only_connect_errors(exc: BaseException) -> bool:
    # The request never left: retrying cannot apply it twice.
    return isinstance(exc, httpx.ConnectError)


def test_a_post_retried_after_read_timeouts_is_an_error() -> None:
    [finding] = audit(one_node(post, retry_policy=RETRY, timeout=T))
    assert (finding.code, finding.severity) == ("LGC202", "error")
    assert "httpx.ReadTimeout" in finding.message and "NodeTimeoutError" in finding.message


def test_a_post_retried_only_after_connect_errors_is_not_reported() -> None:
    fixed = RetryPolicy(max_attempts=3, retry_on=only_connect_errors)
    # LGC201 still applies to this policy (it does not retry 429); silence it to isolate LGC202.
    assert audit(one_node(post, retry_policy=fixed, timeout=T), ignore=["LGC201"]) == []


def test_a_get_under_the_same_policy_is_not_reported() -> None:
    assert audit(one_node(get, retry_policy=RETRY, timeout=T)) == []


def test_a_retried_lost_result_sends_the_post_twice(harness: Chaos) -> None:
    # What LGC202 rests on: the body ran (the POST was applied) and the retry sends it again.
    harness.around.append(record_http())
    harness.inject(faults.lost_result(), node="work", attempts=[1])
    result = harness.run(one_node(post, retry_policy=RETRY, timeout=T), {}, baseline=False, raise_on_violation=False)
    assert [(h.method, h.attempt) for h in result.journal.http] == [("POST", 1), ("POST", 2)]
    assert [v.invariant for v in result.violations] == ["duplicate_deliveries"]


# -- LGC203 ----------------------------------------------------------------------------------

SLOW_BACKOFF = RetryPolicy(initial_interval=2.0, backoff_factor=2.0, max_attempts=4, jitter=False, retry_on=transient)


async def flaky(state: S) -> dict[str, Any]:
    raise httpx.ConnectError("refused", request=httpx.Request("GET", URL))


def nested(policy: RetryPolicy, fn: Any = work) -> StateGraph:
    inner = one_node(fn, retry_policy=policy, timeout=T).compile()
    outer = StateGraph(S)
    outer.add_node("inner", inner, timeout=TimeoutPolicy(run_timeout=5))
    outer.add_edge(START, "inner")
    outer.add_edge("inner", END)
    return outer


def test_backoff_longer_than_the_enclosing_timeout_is_reported() -> None:
    [finding] = audit(nested(SLOW_BACKOFF))
    assert (finding.code, finding.location) == ("LGC203", "inner/work")
    assert "attempt 3 of 4 cannot start before 6 s" in finding.message


def test_backoff_that_fits_the_enclosing_timeout_is_not_reported() -> None:
    fits = RetryPolicy(initial_interval=2.0, max_attempts=2, jitter=False, retry_on=transient)
    assert audit(nested(fits)) == []


def test_the_enclosing_timeout_really_ends_the_node_before_its_last_retries(harness: Chaos) -> None:
    result = harness.run(nested(SLOW_BACKOFF, flaky), {}, baseline=False, raise_on_violation=False)
    assert [a.start for a in result.attempts("inner/work")] == [0.0, 2.0]
    assert result.journal.outcome == "error"


def test_worst_case_retry_time_over_the_callers_budget_is_reported() -> None:
    policy = RetryPolicy(initial_interval=1.0, max_attempts=3, jitter=True, retry_on=transient)
    graph = one_node(work, retry_policy=policy, timeout=TimeoutPolicy(run_timeout=10))
    [finding] = audit(graph, budget=30)
    # 3 attempts x 10 s + (1 + 1) + (2 + 1) s of backoff with worst-case jitter.
    assert finding.code == "LGC203" and "= 35 s" in finding.message
    assert audit(graph, budget=40) == []


# -- LGC204 ----------------------------------------------------------------------------------


async def sdk_request(client: httpx.AsyncClient, max_retries: int) -> httpx.Response:
    """What SDKs built on httpx do: retry 5xx themselves, with a short sleep."""
    for attempt in range(max_retries + 1):
        response = await client.get(URL)
        if response.status_code < 500 or attempt == max_retries:
            return response.raise_for_status()
        await asyncio.sleep(0.5)
    raise AssertionError("unreachable")


def sdk_node(max_retries: int) -> Any:
    async def call(state: S) -> dict[str, Any]:
        async with upstream() as client:
            await sdk_request(client, max_retries)
        return {"result": "ok"}

    return call


def test_sdk_retries_under_a_retry_policy_are_reported_as_a_storm() -> None:
    [finding] = audit(one_node(sdk_node(2), retry_policy=RETRY, timeout=T))
    assert (finding.code, finding.location) == ("LGC204", "work")
    assert "up to 3 requests per node attempt" in finding.message and "3 node attempt(s) sent 9" in finding.message


def test_one_retry_layer_is_not_reported() -> None:
    assert audit(one_node(sdk_node(0), retry_policy=RETRY, timeout=T)) == []
    assert audit(one_node(sdk_node(2), timeout=T)) == []
