"""The stateful 429: retries arriving before Retry-After has passed are rate-limited too.

Simulated time: the window is measured on the trial clock, so "retry after 2 s" costs nothing.
"""

from __future__ import annotations

import asyncio
from typing import Any, TypedDict

import httpx
from langgraph.graph import END, START, StateGraph
from langgraph.types import RetryPolicy

from chaos import Chaos
from chaos.http import faults as http_faults

API = "https://api.example.com/search"
CLIENT = httpx.AsyncClient(timeout=10)


class S(TypedDict, total=False):
    hits: int


def transient(exc: BaseException) -> bool:
    return isinstance(exc, httpx.HTTPStatusError) and exc.response.status_code in (429, 503)


async def search(state: S) -> dict[str, Any]:
    response = await CLIENT.get(API)
    response.raise_for_status()
    return {"hits": response.json()["hits"]}


async def polite_search(state: S) -> dict[str, Any]:
    """A client that honours Retry-After itself (as SDKs such as openai do)."""
    for _ in range(5):
        response = await CLIENT.get(API)
        if response.status_code != 429:
            break
        await asyncio.sleep(float(response.headers["Retry-After"]))
    response.raise_for_status()
    return {"hits": response.json()["hits"]}


def builder(node: Any, retry: RetryPolicy | None = None) -> StateGraph:
    g = StateGraph(S)
    g.add_node("search", node, retry_policy=retry)
    g.add_edge(START, "search")
    g.add_edge("search", END)
    return g


def seen(result: Any) -> list[tuple[int | None, float, int | None, str | None]]:
    return [(h.attempt, h.time, h.status, h.fault) for h in result.journal.http]


def test_a_retry_policy_faster_than_retry_after_keeps_hitting_the_limit(harness: Chaos) -> None:
    harness.http.get(API).respond(200, json={"hits": 3})
    harness.inject(http_faults.rate_limited(retry_after=2), node="search", attempts=[1])
    fast = RetryPolicy(initial_interval=0.5, backoff_factor=2.0, jitter=False, max_attempts=5, retry_on=transient)

    result = harness.run(builder(search, fast), {})

    # Window opened at t=0 until t=2; retries at 0.5 and 1.5 are answered 429 with the time
    # left (rounded up), the retry at 3.5 gets through.
    assert seen(result) == [
        (1, 0.0, 429, "http 429 rate limit 2s [request 1]"),
        (2, 0.5, 429, "http 429 rate limit window (1.5s left)"),
        (3, 1.5, 429, "http 429 rate limit window (0.5s left)"),
        (4, 3.5, 200, None),
    ]
    assert [h.delivered for h in result.journal.http] == [False, False, False, True]
    assert result.output == {"hits": 3}


def test_the_limiter_sends_the_time_left_as_retry_after(harness: Chaos) -> None:
    headers: list[str] = []

    async def record(state: S) -> dict[str, Any]:
        response = await CLIENT.get(API)
        headers.append(response.headers.get("Retry-After", "-"))
        response.raise_for_status()
        return {"hits": 0}

    harness.http.get(API).respond(200, json={"hits": 0})
    harness.inject(http_faults.rate_limited(retry_after=3), node="search", attempts=[1])
    fast = RetryPolicy(initial_interval=0.5, backoff_factor=1.0, jitter=False, max_attempts=8, retry_on=transient)
    harness.run(builder(record, fast), {})
    # The baseline sends one request; the chaos run: at t=0, 0.5, 1, 1.5, 2, 2.5, then 3 passes.
    assert headers[1:] == ["3", "3", "2", "2", "1", "1", "-"]


def test_a_client_that_honours_retry_after_gets_through_on_its_next_try(harness: Chaos) -> None:
    harness.http.get(API).respond(200, json={"hits": 5})
    harness.inject(http_faults.rate_limited(retry_after=2), node="search", attempts=[1])
    result = harness.run(builder(polite_search), {})
    assert seen(result) == [(1, 0.0, 429, "http 429 rate limit 2s [request 1]"), (1, 2.0, 200, None)]


def test_retry_after_as_a_date_is_honoured_on_the_simulated_wall_clock(harness: Chaos) -> None:
    from email.utils import parsedate_to_datetime

    from chaos.simtime import SIM_EPOCH

    async def by_date(state: S) -> dict[str, Any]:
        import datetime as dt

        for _ in range(3):
            response = await CLIENT.get(API)
            if response.status_code != 429:
                break
            when = parsedate_to_datetime(response.headers["Retry-After"])
            await asyncio.sleep((when - dt.datetime.now(dt.timezone.utc)).total_seconds())
        response.raise_for_status()
        return {"hits": 1}

    harness.http.get(API).respond(200, json={"hits": 1})
    harness.inject(http_faults.rate_limited(retry_after=4, retry_after_as="date"), node="search", attempts=[1])
    result = harness.run(builder(by_date), {})
    assert [(h.time, h.status) for h in result.journal.http] == [(0.0, 429), (4.0, 200)]
    assert SIM_EPOCH.year == 2030  # dates are in the simulated epoch, not today


def test_default_retry_policy_and_a_rate_limit_fail_the_run_with_a_clear_violation(harness: Chaos) -> None:
    harness.http.get(API).respond(200, json={"hits": 5})
    harness.inject(http_faults.rate_limited(retry_after=2), node="search", attempts=[1])
    result = harness.run(builder(search, RetryPolicy()), {}, raise_on_violation=False)
    assert [v.invariant for v in result.violations] == ["transient_fatal"]
    assert "Retry-After: 2" in result.violations[0].message
