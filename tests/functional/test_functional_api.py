"""Functional-API targets: an @entrypoint's @task calls are fault sites like nodes (issue #16).

Faults reach them at the task boundary (`chaos.inject.boundary`), where LangGraph's retry loop
runs every task; their RetryPolicy, TimeoutPolicy and CachePolicy apply as in production.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from langgraph.cache.memory import InMemoryCache
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.func import entrypoint, task
from langgraph.types import CachePolicy, RetryPolicy, TimeoutPolicy

from chaos import faults
from chaos.harness import Chaos
from chaos.inject import instrument

CALLS: list[str] = []


@task(retry_policy=RetryPolicy(max_attempts=3, initial_interval=1, jitter=False),
      timeout=TimeoutPolicy(run_timeout=30))
async def fetch(query: str) -> str:
    CALLS.append(f"fetch:{query}")
    return "data for " + query


@task
async def summarize(text: str) -> str:
    CALLS.append("summarize")
    return text.upper()


@entrypoint(checkpointer=InMemorySaver())
async def pipeline(query: str) -> dict[str, Any]:
    data = await fetch(query)
    return {"summary": await summarize(data)}


@task
async def fragile(query: str) -> str:
    CALLS.append("fragile")
    return query


@entrypoint(checkpointer=InMemorySaver())
async def unprotected(query: str) -> str:
    return await fragile(query)


@task
def sync_step(x: int) -> int:
    CALLS.append(f"sync_step:{x}")
    return x + 1


@entrypoint(checkpointer=InMemorySaver())
def sync_pipeline(x: int) -> list[int]:
    futures = [sync_step(i) for i in range(x)]
    return [f.result() for f in futures]


@task(cache_policy=CachePolicy(ttl=60))
async def cached_lookup(key: str) -> str:
    CALLS.append(f"lookup:{key}")
    return key * 2


@entrypoint(checkpointer=InMemorySaver(), cache=InMemoryCache())
async def cached(key: str) -> str:
    return await cached_lookup(key)


@pytest.fixture(autouse=True)
def _calls() -> None:
    CALLS.clear()


@pytest.fixture
def harness() -> Chaos:
    return Chaos(seed=7)


def test_an_entrypoints_sites_are_its_node_and_the_tasks_it_calls() -> None:
    inst = instrument(pipeline)
    assert inst.sites() == ["pipeline", "fetch", "summarize"]
    assert inst.nodes["fetch"].retry_policy.max_attempts == 3
    assert inst.nodes["fetch"].timeout.run_timeout == 30 and inst.nodes["fetch"].is_async


def test_a_5xx_in_a_task_is_retried_by_its_retry_policy(harness: Chaos) -> None:
    harness.inject(faults.raise_status(503), node="fetch", attempts=[1])
    result = harness.run(pipeline, "q")
    assert [a.outcome for a in result.attempts("fetch")] == ["error", "ok"]
    assert [a.error for a in result.attempts("fetch")] == ["HTTPStatusError", None]
    assert result.attempts("fetch")[1].start == 1.0  # the policy's initial_interval, simulated
    assert result.output == {"summary": "DATA FOR Q"}


def test_a_task_without_a_retry_policy_fails_the_entrypoint_once(harness: Chaos) -> None:
    harness.inject(faults.raise_status(503), node="fragile", attempts=[1])
    result = harness.run(unprotected, "q", baseline=False, raise_on_violation=False)
    assert (result.journal.outcome, result.journal.error) == ("error", "HTTPStatusError")
    assert [(a.node, a.outcome) for a in result.journal.attempts] == [("unprotected", "error"), ("fragile", "error")]
    assert CALLS == []  # the fault replaced the body


def test_a_hang_in_a_task_is_ended_by_its_timeout_policy_and_retried(harness: Chaos) -> None:
    harness.inject(faults.hang(), node="fetch", attempts=[1])
    result = harness.run(pipeline, "q")
    first, second = result.attempts("fetch")
    assert (first.outcome, first.timeout_kind, first.end) == ("timeout", "run", 30.0)
    assert second.outcome == "ok"


def test_a_hang_in_a_task_with_no_timeout_ends_the_trial_naming_the_task(harness: Chaos) -> None:
    harness.inject(faults.hang(), node="summarize")
    result = harness.run(pipeline, "q", raise_on_violation=False)
    assert result.verdict == "fail"
    assert any("'summarize' hangs" in v.message for v in result.violations)


def test_sync_tasks_each_call_is_its_own_task_on_the_real_clock() -> None:
    # A sync entrypoint blocks its thread on its tasks' futures: simulated time runs sync
    # jobs one at a time, so such a graph needs the real clock (simulated, it is inconclusive).
    harness = Chaos(seed=7, clock="real")
    harness.inject(faults.exception(ConnectionError("down")), node="sync_step", attempts=[1], times=1)
    result = harness.run(sync_pipeline, 3, drive="invoke", baseline=False, raise_on_violation=False)
    tasks = {a.task for a in result.attempts("sync_step")}
    assert len(tasks) == 3
    assert [a.outcome for a in result.attempts("sync_step")].count("error") == 1


def test_a_cached_task_is_not_rerun_while_its_entry_lives(harness: Chaos) -> None:
    from chaos.engine.steps import Invoke, Wait

    # The trial runs after its baseline on a cleared cache: its first run calls the task, the
    # second, within the TTL, is served from the cache (cache_ttl judges both).
    result = harness.run(cached, "k", steps=[Invoke(), Wait(1), Invoke()])
    assert [(a.node, a.outcome) for a in result.journal.attempts] == [
        ("cached", "ok"), ("cached_lookup", "ok"), ("cached", "ok"), ("cached_lookup", "cached")]
    assert result.output == "kk" and CALLS == ["lookup:k", "lookup:k"]


def test_an_unknown_site_names_the_entrypoints_tasks(harness: Chaos) -> None:
    from chaos.errors import ChaosUsageError

    harness.inject(faults.raise_status(503), node="nope")
    with pytest.raises(ChaosUsageError, match="pipeline, fetch, summarize"):
        harness.run(pipeline, "q")


def test_the_retry_loop_is_restored_after_a_run(harness: Chaos) -> None:
    from langgraph.pregel import _retry, _runner

    harness.run(pipeline, "q")
    assert _runner.run_with_retry is _retry.run_with_retry
    assert _runner.arun_with_retry is _retry.arun_with_retry


def test_the_hook_point_exists_on_this_langgraph_release() -> None:
    # chaos.inject.boundary rebinds these two names: the only caller of the retry loop.
    from langgraph.pregel import _retry, _runner

    assert _runner.run_with_retry is _retry.run_with_retry
    assert _runner.arun_with_retry is _retry.arun_with_retry
    from pathlib import Path

    source = Path(_runner.__file__).read_text()
    assert "from langgraph.pregel._retry import arun_with_retry, run_with_retry" in source


def test_the_users_entrypoint_is_untouched(harness: Chaos) -> None:
    before = dict(pipeline.config or {})
    harness.inject(faults.raise_status(503), node="fetch", attempts=[1])
    harness.run(pipeline, "q")
    assert dict(pipeline.config or {}) == before
    assert httpx  # imported for the faults' exception types
