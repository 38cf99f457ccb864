"""LGC304 cache-key-blind-field: a field the output depends on but the cache key leaves out.

The broken twin's key_func keys a quote by symbol only, while the quote depends on the currency
too: on real LangGraph (InMemoryCache) a second input with another currency is served the first
one's result. The correct twin keys by both and stays silent; a node that sent HTTP in the probe
is not run again.
"""

from __future__ import annotations

import asyncio
from typing import Any, TypedDict

from langgraph.cache.memory import InMemoryCache
from langgraph.graph import END, START, StateGraph
from langgraph.types import CachePolicy, TimeoutPolicy

from chaos.audit import RULES, audit
from tests.audit.helpers import URL, upstream

T = TimeoutPolicy(run_timeout=30)


class Q(TypedDict, total=False):
    symbol: str
    currency: str
    price: str


RATES = {"USD": 1.0, "EUR": 0.5}


async def quote(state: Q) -> dict[str, Any]:
    return {"price": f"{100 * RATES.get(state.get('currency', 'USD'), 2.0):g} {state.get('currency')}"}


def quotes(key_func: Any, body: Any = quote) -> StateGraph:
    g = StateGraph(Q)
    policy = CachePolicy(ttl=300) if key_func is None else CachePolicy(key_func=key_func, ttl=300)
    g.add_node("quote", body, cache_policy=policy, timeout=T)
    g.add_edge(START, "quote")
    g.add_edge("quote", END)
    return g


def by_symbol(s: Q) -> str:
    return s.get("symbol", "")


def by_symbol_and_currency(s: Q) -> str:
    return f"{s.get('symbol')}/{s.get('currency')}"


INPUT = {"symbol": "ACME", "currency": "USD"}


def test_a_key_func_that_leaves_out_a_field_the_output_reads_is_named_by_the_field() -> None:
    [finding] = audit(quotes(by_symbol), INPUT)
    assert (finding.code, finding.location, finding.severity) == ("LGC304", "quote", RULES["LGC304"].severity)
    assert "only 'currency' changes" in finding.message and "'symbol'" not in finding.message
    assert "include 'currency' in CachePolicy(key_func=...)" in finding.fix


def test_the_blind_key_really_serves_one_inputs_result_to_another() -> None:
    async def twice(graph: Any) -> list[Any]:
        first = await graph.ainvoke(INPUT)
        await asyncio.sleep(0.01)  # cache writes are submitted in the background
        return [first, await graph.ainvoke({"symbol": "ACME", "currency": "EUR"})]

    wrong = asyncio.run(twice(quotes(by_symbol).compile(cache=InMemoryCache())))
    right = asyncio.run(twice(quotes(by_symbol_and_currency).compile(cache=InMemoryCache())))
    assert [r["price"] for r in wrong] == ["100 USD", "100 USD"]  # the EUR caller got the USD quote
    assert [r["price"] for r in right] == ["100 USD", "50 EUR"]


def test_a_key_over_every_field_the_output_reads_and_the_default_key_are_silent() -> None:
    assert audit(quotes(by_symbol_and_currency), INPUT) == []
    assert audit(quotes(None), INPUT) == []  # the default key is the whole input


def test_a_cached_node_that_sends_http_is_not_run_again_by_the_check() -> None:
    calls: list[str] = []

    async def fetch_quote(state: Q) -> dict[str, Any]:
        calls.append(state.get("currency", ""))
        async with upstream() as client:
            await client.get(URL)
        return await quote(state)

    found = audit(quotes(by_symbol, fetch_quote), INPUT)
    assert [f.code for f in found if f.code == "LGC304"] == []
    assert len(calls) == len([c for c in calls if c == "USD"])  # only the probe runs, never a varied input
