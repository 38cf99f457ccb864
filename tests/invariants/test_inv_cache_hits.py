"""cache_hits: a failure is never served, no cached node vanishes, a hit is what its body returns.

Broken twins: a negative cache (remembers a miss as an empty entry: what a cached failure
looks like), a cache that ignores the key, a key_func that misses a field, and LangGraph's own
sync loop before 1.2.15 (langchain-ai/langgraph#7015). Correct twins: InMemoryCache,
SqliteCache and RedisCache, sync and async.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, TypedDict

import pytest
from langgraph.cache.base import FullKey
from langgraph.cache.memory import InMemoryCache
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.errors import NodeError
from langgraph.graph import END, START, StateGraph
from langgraph.types import CachePolicy, Command

from chaos import Chaos, faults
from chaos.engine import Invoke, Resume, again
from chaos.invariants.cache_hits import SYNC_FAILURE_FIXED_IN, key_blind_fields
from chaos.invariants.delta_culprit import langgraph_version


class Q(TypedDict, total=False):
    symbol: str
    currency: str
    log: Annotated[list[str], operator.add]


class NegativeCache(InMemoryCache):
    """Broken: remembers a miss as a failed entry (negative caching): the writes LangGraph's sync
    loop cached for a failed task before 1.2.15, so the next run of that input is skipped."""

    def get(self, keys: Sequence[FullKey]) -> dict[FullKey, Any]:
        found = super().get(keys)
        missed = {k: ([("__error__", "ConnectionError('pricing down')")], None) for k in keys if k not in found}
        if missed:
            super().set(missed)
        return found

    async def aget(self, keys: Sequence[FullKey]) -> dict[FullKey, Any]:
        return self.get(keys)


class IgnoresTheKey(InMemoryCache):
    """Broken: serves the namespace's first entry whatever the key."""

    def get(self, keys: Sequence[FullKey]) -> dict[FullKey, Any]:
        out: dict[FullKey, Any] = {}
        for ns, key in keys:
            stored = super().get([(ns, key)])
            if not stored:
                first = next((k for k in self._cache.get(ns, {})), None)
                stored = super().get([(ns, first)]) if first is not None else {}
                stored = {(ns, key): v for v, in [tuple(stored.values())]} if stored else {}
            out.update(stored)
        return out

    async def aget(self, keys: Sequence[FullKey]) -> dict[FullKey, Any]:
        return self.get(keys)

    def set(self, keys: Mapping[FullKey, tuple[Any, int | None]]) -> None:
        super().set(keys)


def quotes(cache: Any, *, sync: bool, key_func: Any = None) -> Any:
    """quote (cached, handled by fallback when it fails) -> END."""

    def quote_sync(state: Q) -> dict[str, Any]:
        return {"log": [f"{state.get('symbol')} in {state.get('currency', 'USD')}"]}

    async def quote_async(state: Q) -> dict[str, Any]:
        return quote_sync(state)

    def fallback(state: Q) -> dict[str, Any]:
        return {"log": ["fallback"]}

    def recover(state: Q, error: NodeError) -> Command:
        return Command(goto="fallback")

    g = StateGraph(Q)
    g.add_node("quote", quote_sync if sync else quote_async, error_handler=recover,
               cache_policy=CachePolicy(ttl=300, **({"key_func": key_func} if key_func else {})))
    g.add_node("fallback", fallback)
    g.add_edge(START, "quote")
    g.add_edge("quote", END)
    g.add_edge("fallback", END)
    return g.compile(checkpointer=InMemorySaver(), cache=cache)


FAIL_THEN_AGAIN = [Invoke(), again()]


def _fail_once(harness: Chaos, graph: Any, drive: str) -> Any:
    harness.inject(faults.exception(ConnectionError("pricing down")), node="quote", attempts=1, times=1)
    return harness.run(graph, {"symbol": "ACME"}, steps=FAIL_THEN_AGAIN, drive=drive, raise_on_violation=False)


@pytest.mark.parametrize("drive", ["astream", "stream"])
def test_a_negative_cache_serves_the_failure_and_makes_it_fire(harness: Chaos, drive: str):
    result = _fail_once(harness, quotes(NegativeCache(), sync=drive == "stream"), drive)
    found = result.violated("cache_hits")
    assert found, [v.message for v in result.violations]
    v = found[0]
    assert v.node == "quote"
    assert ("for an input whose latest run failed: node 'quote' task quote#1 attempt 1" in v.message
            or "neither ran nor was served from the cache in step 1" in v.message)


@pytest.mark.parametrize("drive", ["astream", "stream"])
def test_the_same_input_after_a_failure_runs_again_on_in_memory_cache(harness: Chaos, drive: str):
    result = _fail_once(harness, quotes(InMemoryCache(), sync=drive == "stream"), drive)
    found = result.violated("cache_hits")
    if drive == "stream" and langgraph_version() < SYNC_FAILURE_FIXED_IN:
        # LangGraph's own sync loop cached the failed task: the second run skipped quote.
        [v] = found
        assert "langchain-ai/langgraph#7015" in v.message and "fixed in langgraph 1.2.15" in v.message
    else:
        assert [a.outcome for a in result.attempts("quote")] == ["error", "ok"]
        assert found == [] and "cache_hits" in result.checked


def test_a_cache_that_ignores_the_key_serves_another_inputs_update_and_makes_it_fire(harness: Chaos):
    graph = quotes(IgnoresTheKey(), sync=False)
    result = harness.run(graph, {"symbol": "ACME"}, steps=[Invoke(), again({"symbol": "INIT"})],
                         raise_on_violation=False, enable=["cache_hit_values"])
    [v] = result.violated("cache_hit_values")
    assert "node 'quote' was served {'log': ['ACME in USD']} from the cache" in v.message
    assert "but its body returns {'log': ['INIT in USD']} for that input" in v.message


def test_a_key_func_that_misses_a_field_is_named_by_the_field(harness: Chaos):
    graph = quotes(InMemoryCache(), sync=False, key_func=lambda s: s.get("symbol"))
    result = harness.run(graph, {"symbol": "ACME", "currency": "USD"},
                         steps=[Invoke(), again({"symbol": "ACME", "currency": "EUR"})], raise_on_violation=False,
                         enable=["cache_hit_values"])
    [v] = result.violated("cache_hit_values")
    assert "whose input differs in ['currency']" in v.message
    assert "fields ['currency'] change the output but not the cache key" in v.message


def test_key_blind_fields_varies_each_field_on_its_own():
    graph = quotes(InMemoryCache(), sync=False, key_func=lambda s: s.get("symbol"))
    runnable = graph.builder.nodes["quote"].runnable
    assert key_blind_fields(runnable, lambda s: s.get("symbol"), {"symbol": "ACME", "currency": "USD"}) == ["currency"]
    assert key_blind_fields(runnable, lambda s: (s.get("symbol"), s.get("currency")),
                            {"symbol": "ACME", "currency": "USD"}) == []


def _sqlite_cache(path: Any) -> Any:
    from langgraph.cache.sqlite import SqliteCache

    return SqliteCache(path=str(path / "cache.db"))


def _redis_cache(redis_url: str) -> Any:
    import redis
    from langgraph.cache.redis import RedisCache

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    return RedisCache(client)


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_real_caches_serve_a_correct_key_and_never_a_failure(harness: Chaos, kind: str, request: pytest.FixtureRequest,
                                                             tmp_path: Any):
    if kind == "redis":
        cache = _redis_cache(request.getfixturevalue("redis_url"))
    else:
        cache = _sqlite_cache(tmp_path)
    hit = harness.run(quotes(cache, sync=False), {"symbol": "ACME"}, steps=[Invoke(), again()],
                      enable=["cache_hit_values"])
    assert [a.outcome for a in hit.attempts("quote")] == ["ok", "cached"]
    assert "cache_hits" in hit.checked and hit.violated("cache_hits") == []
    result = _fail_once(harness, quotes(cache, sync=False), "astream")
    assert result.violated("cache_hits") == []


def unhandled_quotes(cache: Any, *, sync: bool) -> Any:
    """quote (cached, no handler) -> END: a failure fails the run, and the thread is resumed."""

    def quote_sync(state: Q) -> dict[str, Any]:
        return {"log": [f"{state.get('symbol')} quoted"]}

    async def quote_async(state: Q) -> dict[str, Any]:
        return quote_sync(state)

    g = StateGraph(Q)
    g.add_node("quote", quote_sync if sync else quote_async, cache_policy=CachePolicy(ttl=300))
    g.add_edge(START, "quote")
    g.add_edge("quote", END)
    return g.compile(checkpointer=InMemorySaver(), cache=cache)


@pytest.mark.parametrize("drive", ["astream", "stream"])
@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_a_resume_after_a_failure_runs_the_cached_node_again(harness: Chaos, drive: str, kind: str, tmp_path: Any):
    cache = InMemoryCache() if kind == "memory" else _sqlite_cache(tmp_path)
    harness.inject(faults.exception(ConnectionError("pricing down")), node="quote", attempts=1, times=1)
    result = harness.run(unhandled_quotes(cache, sync=drive == "stream"), {"symbol": "ACME"},
                         steps=[Invoke(), Resume()], drive=drive, raise_on_violation=False)
    found = result.violated("cache_hits")
    if drive == "stream" and langgraph_version() < SYNC_FAILURE_FIXED_IN:
        # LangGraph's sync loop cached the failed task: the resume skipped quote and "finished".
        [v] = found
        assert "finished the thread without running it again or serving it from the cache" in v.message
        assert "langchain-ai/langgraph#7015" in v.message and "fixed in langgraph 1.2.15" in v.message
    else:
        assert [a.outcome for a in result.attempts("quote")] == ["error", "ok"]
        assert found == [] and result.output["log"] == ["ACME quoted"]
