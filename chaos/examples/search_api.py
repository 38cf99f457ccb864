"""A node that calls a real HTTP API with httpx, the way production nodes do.

``search`` sends ``GET https://search.example.com/v1/search?q=...`` through a shared
``httpx.AsyncClient`` (10 s timeout), calls ``raise_for_status()`` and reads the JSON. Its
``RetryPolicy`` retries what a retry can fix: 429 (LangGraph's default ``retry_on`` would not),
5xx, transport errors and timeouts. ``answer`` summarises the hits. In chaos trials the harness
answers the request (a route in the scenario file or the test) and injects faults below httpx,
so ``raise_for_status`` and ``retry_on`` see real responses.

Target: ``chaos.examples.search_api:builder``.
"""

from __future__ import annotations

from typing import Any, TypedDict

import httpx
from langgraph.graph import END, START, StateGraph
from langgraph.types import RetryPolicy, TimeoutPolicy

from chaos.examples.support import is_transient

SEARCH_URL = "https://search.example.com/v1/search"
_client = httpx.AsyncClient(timeout=10.0)


class SearchState(TypedDict, total=False):
    query: str
    hits: list[str]
    answer: str


async def search(state: SearchState) -> dict[str, Any]:
    response = await _client.get(SEARCH_URL, params={"q": state.get("query", "")})
    response.raise_for_status()
    return {"hits": [hit["title"] for hit in response.json()["hits"]]}


async def answer(state: SearchState) -> dict[str, Any]:
    hits = state.get("hits", [])
    return {"answer": f"{len(hits)} results; best: {hits[0] if hits else 'none'}"}


def build() -> StateGraph[SearchState, None, SearchState, SearchState]:
    g = StateGraph(SearchState)
    g.add_node(
        "search",
        search,
        retry_policy=RetryPolicy(initial_interval=1, backoff_factor=2, max_interval=30, max_attempts=5, retry_on=is_transient),
        timeout=TimeoutPolicy(run_timeout=60),
    )
    g.add_node("answer", answer, timeout=5)
    g.add_edge(START, "search")
    g.add_edge("search", "answer")
    g.add_edge("answer", END)
    return g


builder = build()
example_input = {"query": "rotate api keys"}
