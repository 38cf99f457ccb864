"""Graphs whose nodes run in parallel: sync siblings, async siblings, a Send fan-out.

Importable by a kill trial's child process (``tests.determinism.graphs:ATTR``).
"""

from __future__ import annotations

import asyncio
import operator
from typing import Annotated, Any, TypedDict

import httpx
from langgraph.graph import END, START, StateGraph
from langgraph.types import RetryPolicy, Send, TimeoutPolicy

RETRY = RetryPolicy(initial_interval=0.5, max_attempts=2, jitter=True)


class S(TypedDict, total=False):
    items: list[int]
    log: Annotated[list[str], operator.add]


def _busy(n: int) -> int:
    # Real CPU work of different lengths: a thread scheduler would interleave them differently.
    return sum(range(n))


def sync_left(state: S) -> dict[str, Any]:
    _busy(200_000)
    return {"log": ["left"]}


def sync_right(state: S) -> dict[str, Any]:
    _busy(1_000)
    return {"log": ["right"]}


async def async_left(state: S) -> dict[str, Any]:
    await asyncio.sleep(0.2)
    return {"log": ["left"]}


async def async_right(state: S) -> dict[str, Any]:
    await asyncio.sleep(0.1)
    return {"log": ["right"]}


def join(state: S) -> dict[str, Any]:
    return {"log": ["join"]}


def _siblings(left: Any, right: Any, *, timeout: TimeoutPolicy | None = None) -> StateGraph[Any, Any, Any, Any]:
    g: StateGraph[Any, Any, Any, Any] = StateGraph(S)
    g.add_node("left", left, retry_policy=RETRY, timeout=timeout)
    g.add_node("right", right, retry_policy=RETRY, timeout=timeout)
    g.add_node("join", join)
    g.add_edge(START, "left")
    g.add_edge(START, "right")
    g.add_edge(["left", "right"], "join")
    g.add_edge("join", END)
    return g


def parallel_sync() -> StateGraph[Any, Any, Any, Any]:
    return _siblings(sync_left, sync_right)


def parallel_async() -> StateGraph[Any, Any, Any, Any]:
    return _siblings(async_left, async_right, timeout=TimeoutPolicy(run_timeout=5, idle_timeout=5))


def split(state: S) -> dict[str, Any]:
    return {"log": ["split"]}


def fan_out(state: S) -> list[Send]:
    return [Send("work", {"items": [i]}) for i in state.get("items") or [1, 2, 3, 4]]


def work(state: S) -> dict[str, Any]:
    _busy(50_000 * state["items"][0])
    return {"log": [f"work {state['items'][0]}"]}


async def awork(state: S) -> dict[str, Any]:
    await asyncio.sleep(0.1 * (5 - state["items"][0]))
    return {"log": [f"work {state['items'][0]}"]}


def _fanout(worker: Any) -> StateGraph[Any, Any, Any, Any]:
    g: StateGraph[Any, Any, Any, Any] = StateGraph(S)
    g.add_node("split", split)
    g.add_node("work", worker, retry_policy=RETRY)
    g.add_conditional_edges("split", fan_out, ["work"])
    g.add_edge(START, "split")
    g.add_edge("work", END)
    return g


def send_fanout_sync() -> StateGraph[Any, Any, Any, Any]:
    return _fanout(work)


def send_fanout_async() -> StateGraph[Any, Any, Any, Any]:
    return _fanout(awork)


def sync_chain() -> StateGraph[Any, Any, Any, Any]:
    """left -> join: the kill trial's graph (a killed parallel sibling's record is h1's race)."""
    g: StateGraph[Any, Any, Any, Any] = StateGraph(S)
    g.add_node("left", sync_left)
    g.add_node("join", join)
    g.add_edge(START, "left")
    g.add_edge("left", "join")
    g.add_edge("join", END)
    return g


chain = sync_chain()


API = "https://api.example.com/v1/status"
_CLIENT = httpx.Client(timeout=10.0)


def http_left(state: S) -> dict[str, Any]:
    _busy(100_000)
    _CLIENT.get(API).raise_for_status()
    return {"log": ["left"]}


def http_right(state: S) -> dict[str, Any]:
    _CLIENT.get(API).raise_for_status()
    return {"log": ["right"]}


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code == 429 or exc.response.status_code >= 500
    return isinstance(exc, (httpx.TransportError, ValueError))


def http_siblings() -> StateGraph[Any, Any, Any, Any]:
    """Parallel sync siblings that call an API (HTTP kinds land on their requests)."""
    g = _siblings(http_left, http_right)
    for name in ("left", "right"):
        g.nodes[name].retry_policy = RetryPolicy(initial_interval=1.0, max_attempts=3, retry_on=_transient)
    return g


# Module-level builders: what a kill trial's child process imports to rebuild each graph.
parallel_sync_builder = parallel_sync()
parallel_async_builder = parallel_async()
send_fanout_sync_builder = send_fanout_sync()
send_fanout_async_builder = send_fanout_async()
http_siblings_builder = http_siblings()


def routes() -> Any:
    """The happy path of `API` (the parent's runs and a kill trial's children alike)."""
    from chaos.http import HttpChaos

    http = HttpChaos(seal=True)  # every client library answered here, none reaches the network
    http.get(API).mock(side_effect=lambda r: httpx.Response(200, json={"ok": True}))
    return http


def child_prepare(inst: Any) -> tuple[list[Any], None, None]:
    """A kill trial's child rebuilds its runs with the same routes (picklable: a module function)."""
    return [routes()], None, None


def cached_left(state: S) -> dict[str, Any]:
    import requests

    requests.get(API, timeout=10).raise_for_status()
    return {"log": ["left"]}


async def handled_right(state: S) -> dict[str, Any]:
    # httpx, not aiohttp: aiohttp is sealed only with aioresponses installed (the suite then
    # plans aiohttp_error on such a node; here it is absent, with that reason).
    async with httpx.AsyncClient(timeout=10.0) as client:
        (await client.get(API)).raise_for_status()
    return {"log": ["right"]}


def degrade(state: S, error: Any) -> dict[str, Any]:
    return {"log": ["degraded"]}


def approve(state: S) -> dict[str, Any]:
    from langgraph.types import interrupt

    return {"log": [f"approved {interrupt('ship it?')}"]}


def levers() -> StateGraph[Any, Any, Any, Any]:
    """Parallel siblings with every lever the suite aims at: a cached node calling requests, a
    handled async node calling aiohttp (both with timeouts), then an interrupt."""
    from langgraph.types import CachePolicy

    g: StateGraph[Any, Any, Any, Any] = StateGraph(S)
    timeout = TimeoutPolicy(run_timeout=5, idle_timeout=5)
    g.add_node("left", cached_left, retry_policy=RetryPolicy(initial_interval=1.0, max_attempts=3, retry_on=_transient_any),
               cache_policy=CachePolicy(ttl=60))
    g.add_node("right", handled_right, retry_policy=RetryPolicy(initial_interval=1.0, max_attempts=3, retry_on=_transient_any),
               error_handler=degrade, timeout=timeout)
    g.add_node("approve", approve)
    g.add_edge(START, "left")
    g.add_edge(START, "right")
    g.add_edge(["left", "right"], "approve")
    g.add_edge("approve", END)
    return g


def _transient_any(exc: BaseException) -> bool:
    import aiohttp
    import requests

    if isinstance(exc, (requests.ConnectionError, requests.Timeout, aiohttp.ClientConnectionError)):
        return True
    if isinstance(exc, requests.HTTPError):
        return exc.response is not None and (exc.response.status_code == 429 or exc.response.status_code >= 500)
    if isinstance(exc, aiohttp.ClientResponseError):
        return exc.status == 429 or exc.status >= 500
    return _transient(exc)


levers_builder = levers()
