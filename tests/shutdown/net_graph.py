"""A graph whose nodes try to reach the network: what a kill trial's children may not do.

``probe`` opens a TCP socket to the address in the state (a listener of the test), resolves a
host name and sends an httpx request, and records how each ended; ``slow`` is the node killed.
Module level, so a kill trial's child process imports it.
"""

from __future__ import annotations

import operator
import socket
from typing import Annotated, Any, TypedDict

import httpx
from langgraph.graph import END, START, StateGraph


class S(TypedDict, total=False):
    port: int
    net: Annotated[list[str], operator.add]
    log: Annotated[list[str], operator.add]


def _outcome(call: Any) -> str:
    try:
        call()
    except Exception as exc:  # the seal's refusal is what a correct child shows
        return type(exc).__name__
    return "reached"


def probe(state: S) -> dict[str, Any]:
    def connect() -> None:
        with socket.create_connection(("127.0.0.1", state["port"]), timeout=2):
            pass

    def resolve() -> None:
        socket.getaddrinfo("example.com", 443)

    def request() -> None:
        httpx.get("https://api.example.com/v1/ping", timeout=2).raise_for_status()

    return {"net": [f"connect:{_outcome(connect)}", f"resolve:{_outcome(resolve)}", f"httpx:{_outcome(request)}"]}


def slow(state: S) -> dict[str, Any]:
    return {"log": ["slow"]}


def net() -> StateGraph[Any, Any, Any, Any]:
    g: StateGraph[Any, Any, Any, Any] = StateGraph(S)
    g.add_node("probe", probe)
    g.add_node("slow", slow)
    g.add_edge(START, "probe")
    g.add_edge("probe", "slow")
    g.add_edge("slow", END)
    return g


builder = net()


def fetch(state: S) -> dict[str, Any]:
    return {"net": [f"httpx:{_outcome(lambda: httpx.get('https://api.example.com/v1/ping', timeout=2).raise_for_status())}"]}


def fetching() -> StateGraph[Any, Any, Any, Any]:
    """fetch (httpx only, nothing else) -> slow: for in-process front ends, which seal no sockets."""
    g: StateGraph[Any, Any, Any, Any] = StateGraph(S)
    g.add_node("fetch", fetch)
    g.add_node("slow", slow)
    g.add_edge(START, "fetch")
    g.add_edge("fetch", "slow")
    g.add_edge("slow", END)
    return g


def routes() -> Any:
    """The happy path of the probe's API (a picklable run hook: a respx route, no lambda)."""
    from chaos.http import HttpChaos

    http = HttpChaos()
    http.get("https://api.example.com/v1/ping").respond(200, json={"ok": True})
    return http


def prepare(inst: Any) -> tuple[list[Any], None, None]:
    """What each child builds its hooks with (``prepare=``)."""
    return [routes()], None, None
