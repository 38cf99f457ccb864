"""RedisCache on a real redis-server, under simulated time.

Redis expires keys on the server's own clock (``SETEX``), which simulated time cannot move, so
the TTL is checked in real time with a 2 s TTL and a bounded real wait (the trial clock does
not move meanwhile). 2 s, not 1 s: the hit must land before the TTL even on a loaded machine. Every Redis command runs with the trial clock held.
"""

from __future__ import annotations

import operator
import time
import uuid
from typing import Annotated, Any, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.types import CachePolicy

from chaos.savers import redis_cache
from chaos.simtime import run_async

RUNS: list[str] = []


class S(TypedDict, total=False):
    q: str
    log: Annotated[list[str], operator.add]


async def lookup(state: S) -> dict[str, Any]:
    RUNS.append("lookup")
    return {"log": ["looked up"]}


def test_redis_cache_ttl_is_checked_in_real_time(redis_url: str):
    cache = redis_cache(redis_url, prefix=f"langgraph-chaos-test:{uuid.uuid4().hex}:")
    g = StateGraph(S)
    g.add_node("lookup", lookup, cache_policy=CachePolicy(ttl=2))
    g.add_edge(START, "lookup")
    g.add_edge("lookup", END)
    graph = g.compile(cache=cache)
    RUNS.clear()

    def run() -> list[Any]:
        async def main() -> list[Any]:
            return [chunk async for chunk in graph.astream({"q": "x"}, stream_mode="updates")]

        return run_async(main, mode="simulated")

    try:
        first, second = run(), run()
        time.sleep(2.2)  # RedisCache TTL checked in real time: the server's clock must pass 2 s
        third = run()
    finally:
        cache.clear()
        cache.redis.close()
    assert RUNS == ["lookup", "lookup"]  # run 2 was served by Redis, run 3 missed after the TTL
    assert second[0].get("__metadata__") == {"cached": True}
    assert "__metadata__" not in first[0] and "__metadata__" not in third[0]


def _redis_graph(redis_url: str, ttl: int = 1) -> Any:
    cache = redis_cache(redis_url, prefix=f"langgraph-chaos-test:{uuid.uuid4().hex}:")
    g = StateGraph(S)
    g.add_node("lookup", lookup, cache_policy=CachePolicy(ttl=ttl))
    g.add_edge(START, "lookup")
    g.add_edge("lookup", END)
    return g.compile(cache=cache)


def test_cache_ttl_says_it_cannot_judge_redis_ttls_on_simulated_time(redis_url: str):
    from chaos import Chaos

    result = Chaos(seed=1, test_id="redis-sim").run(_redis_graph(redis_url), {"q": "x"}, repeat=[0.5], baseline=False)
    notes = [e.detail for e in result.journal.events if e.kind == "note"]
    assert any("Redis server's clock" in (n or "") and "--chaos-clock=real" in (n or "") for n in notes)
    assert result.verdict == "pass"


def test_cache_ttl_checks_redis_in_real_time_with_a_short_ttl(redis_url: str):
    from chaos import Chaos

    # ttl=2 s on the server: a hit right after the entry is written, a miss 2.3 s later.
    result = Chaos(seed=1, test_id="redis-real", clock="real").run(
        _redis_graph(redis_url, ttl=2), {"q": "x"}, repeat=[0.0, 2.3], baseline=False
    )
    assert [a.outcome for a in result.attempts("lookup")] == ["ok", "cached", "ok"]
    assert "cache_ttl" in result.checked and result.verdict == "pass"
