"""LGC301-LGC303: DeltaChannel reducers and cache policies."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Annotated, Any, TypedDict

from langgraph.cache.memory import InMemoryCache
from langgraph.channels import DeltaChannel
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import _messages_delta_reducer, add_messages
from langgraph.types import CachePolicy, TimeoutPolicy

from chaos.audit import audit
from chaos.audit.delta import find_counterexample
from tests.audit.helpers import URL, S, codes, one_node, upstream

T = TimeoutPolicy(run_timeout=30)


def delta_graph(reducer: Any) -> StateGraph:
    # Functional form: the annotation must be evaluated here, where `reducer` is in scope.
    M = TypedDict("M", {"messages": Annotated[list, DeltaChannel(reducer)]}, total=False)  # type: ignore[misc]

    async def noop(state: Any) -> dict[str, Any]:
        return {}

    g = StateGraph(M)
    g.add_node("noop", noop, timeout=T)
    g.add_edge(START, "noop")
    g.add_edge("noop", END)
    return g


def keep_last(state: list[Any], writes: Sequence[Any]) -> list[Any]:
    return [*state, writes[-1]]


def concat(state: list[Any], writes: Sequence[Any]) -> list[Any]:
    out = list(state)
    for w in writes:
        out.extend(w if isinstance(w, list) else [w])
    return out


# -- LGC301 ----------------------------------------------------------------------------------


def test_add_messages_in_a_delta_channel_is_reported_with_the_remove_then_readd_counterexample() -> None:
    [finding] = audit(delta_graph(add_messages), probes=False)
    assert (finding.code, finding.kind, finding.location) == ("LGC301", "channel", "messages")
    assert "[Remove(a)] then [H(a)]" in finding.message


def test_a_reducer_that_keeps_the_last_write_of_a_batch_is_reported() -> None:
    assert codes(audit(delta_graph(keep_last), probes=False)) == [("LGC301", "messages")]


def test_batching_invariant_reducers_are_not_reported() -> None:
    assert audit(delta_graph(_messages_delta_reducer), probes=False) == []
    assert audit(delta_graph(concat), probes=False) == []


def test_the_counterexample_really_breaks_the_law_langgraph_relies_on() -> None:
    found = find_counterexample(add_messages)
    assert found is not None
    assert add_messages(add_messages(found.state, found.xs), found.ys) != add_messages(found.state, found.xs + found.ys)


# -- LGC302 ----------------------------------------------------------------------------------

CALLS: list[str] = []


async def expensive(state: S) -> dict[str, Any]:
    CALLS.append(state.get("request_id", ""))
    return {"result": f"computed {state.get('query')}"}


def without_request_id(state: dict[str, Any]) -> str:
    return repr(sorted((k, v) for k, v in state.items() if k != "request_id"))


def test_a_default_cache_key_over_a_volatile_field_is_reported() -> None:
    graph = one_node(expensive, cache_policy=CachePolicy(ttl=300), timeout=T)
    [finding] = audit(graph, {"query": "q", "request_id": "r1"}, volatile_fields=["request_id"])
    assert (finding.code, finding.location) == ("LGC302", "work")
    assert audit(graph, {"query": "q", "request_id": "r1"}) == []  # nothing marked volatile


def test_a_key_func_that_leaves_the_volatile_field_out_is_not_reported() -> None:
    graph = one_node(expensive, cache_policy=CachePolicy(key_func=without_request_id, ttl=300), timeout=T)
    assert audit(graph, {"query": "q", "request_id": "r1"}, volatile_fields=["request_id"]) == []


async def twice(graph: Any, first: dict[str, Any], second: dict[str, Any]) -> None:
    await graph.ainvoke(first)
    await asyncio.sleep(0.01)  # cache writes are submitted in the background
    await graph.ainvoke(second)


def test_a_volatile_field_in_the_key_means_the_cache_never_hits() -> None:
    CALLS.clear()
    for policy in (CachePolicy(ttl=300), CachePolicy(key_func=without_request_id, ttl=300)):
        graph = one_node(expensive, cache_policy=policy, timeout=T).compile(cache=InMemoryCache())
        asyncio.run(twice(graph, {"query": "q", "request_id": "r1"}, {"query": "q", "request_id": "r2"}))
    assert CALLS == ["r1", "r2", "r1"]  # default key: both ran; fixed key: the second hit


# -- LGC303 ----------------------------------------------------------------------------------


async def cached_post(state: S) -> dict[str, Any]:
    async with upstream(201) as client:
        await client.post(URL, json={"q": state.get("query")})
    return {"result": "sent"}


async def cached_get(state: S) -> dict[str, Any]:
    async with upstream() as client:
        await client.get(URL)
    return {"result": "read"}


def test_a_cached_node_that_posts_is_an_error() -> None:
    [finding] = audit(one_node(cached_post, cache_policy=CachePolicy(ttl=60), timeout=T))
    assert (finding.code, finding.severity) == ("LGC303", "error")
    assert f"POST {URL}" in finding.message


def test_a_cached_node_that_only_reads_is_not_reported() -> None:
    assert audit(one_node(cached_get, cache_policy=CachePolicy(ttl=60), timeout=T)) == []


def test_a_cache_hit_skips_the_post() -> None:
    sent: list[str] = []

    async def notify(state: S) -> dict[str, Any]:
        sent.append("POST")
        return {"result": "sent"}

    graph = one_node(notify, cache_policy=CachePolicy(ttl=60), timeout=T).compile(cache=InMemoryCache())
    asyncio.run(twice(graph, {"query": "q"}, {"query": "q"}))
    assert sent == ["POST"]
