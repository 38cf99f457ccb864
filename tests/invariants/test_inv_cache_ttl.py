"""cache_ttl fires on a cache that ignores TTLs or drops entries; InMemoryCache is silent."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from langgraph.cache.base import FullKey
from langgraph.cache.memory import InMemoryCache
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import CachePolicy

from chaos import Chaos
from tests.invariants.inv_graphs import Log


class IgnoresTtl(InMemoryCache):
    """Broken: stores every entry forever."""

    def set(self, keys: Mapping[FullKey, tuple[Any, int | None]]) -> None:
        super().set({k: (v, None) for k, (v, _ttl) in keys.items()})


class ForgetsEverything(InMemoryCache):
    """Broken: never returns an entry (an eviction bug, a key that changes every call)."""

    def get(self, keys: Sequence[FullKey]) -> dict[FullKey, Any]:
        return {}


class QueryLog(Log, total=False):
    query: str


def looping(gap: float, cache: InMemoryCache) -> Any:
    """expensive (ttl=300, keyed by query only) -> wait ``gap`` s -> expensive -> wait -> end."""

    async def expensive(state: dict[str, Any]) -> dict[str, Any]:
        return {"log": [f"computed {state.get('query')}"]}

    async def wait(state: dict[str, Any]) -> dict[str, Any]:
        await asyncio.sleep(gap)
        return {"n": state.get("n", 0) + 1}

    g = StateGraph(QueryLog)
    g.add_node("expensive", expensive, cache_policy=CachePolicy(ttl=300, key_func=lambda s: str(s.get("query"))))
    g.add_node("wait", wait)
    g.add_edge(START, "expensive")
    g.add_edge("expensive", "wait")
    g.add_conditional_edges("wait", lambda s: "expensive" if s.get("n", 0) < 2 else END, ["expensive", END])
    return g.compile(checkpointer=InMemorySaver(), cache=cache)


def outcomes(result: Any) -> list[tuple[str, float]]:
    return [(a.outcome, a.start) for a in result.attempts("expensive")]


def test_a_cache_that_ignores_ttls_serves_stale_entries_and_makes_it_fire(harness: Chaos):
    result = harness.run(looping(400, IgnoresTtl()), {"query": "q"}, baseline=False, raise_on_violation=False)
    assert outcomes(result) == [("ok", 0.0), ("cached", 400.0)]
    v = result.violated("cache_ttl")[0]
    assert v.message.startswith("node 'expensive' was served from the cache at t=400s but the latest entry was set by expensive#1 at t=0s with ttl=300, so it expired at t=300s")
    assert "Does the cache ignore TTLs?" in v.message


def test_a_correct_cache_misses_after_the_ttl_and_is_silent(harness: Chaos):
    result = harness.run(looping(400, InMemoryCache()), {"query": "q"}, baseline=False)
    assert [o for o, _t in outcomes(result)] == ["ok", "ok"]
    assert result.violations == []


def test_a_correct_cache_hits_within_the_ttl_and_is_silent(harness: Chaos):
    result = harness.run(looping(100, InMemoryCache()), {"query": "q"}, baseline=False)
    assert outcomes(result) == [("ok", 0.0), ("cached", 100.0)]
    assert result.violations == []


def test_a_cache_that_drops_entries_runs_the_body_within_the_ttl_and_makes_it_fire(harness: Chaos):
    result = harness.run(looping(100, ForgetsEverything()), {"query": "q"}, baseline=False, raise_on_violation=False)
    v = result.violated("cache_ttl")[0]
    assert (v.node, v.step, v.time) == ("expensive", 3, 100.0)
    assert "the body ran although an identical input (same key_func key) was cached by expensive#1 at t=0s with ttl=300" in v.message
