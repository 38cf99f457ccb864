"""Small builders shared by the audit tests: fake HTTP upstreams and one-node graphs."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Annotated, Any, TypedDict

import httpx
from langgraph.graph import END, START, StateGraph

from chaos.audit import Finding

URL = "https://api.example.test/v1/items"


class S(TypedDict, total=False):
    query: str
    request_id: str
    log: Annotated[list[str], operator.add]
    result: str


def upstream(status: int = 200, timeout: Any = None) -> httpx.AsyncClient:
    """An httpx client whose every request is answered in-process with ``status``.

    No client timeout by default (``timeout=None``): LGC102 counts only unbounded requests.
    """
    return httpx.AsyncClient(
        transport=httpx.MockTransport(lambda request: httpx.Response(status, json={"ok": True})), timeout=timeout
    )


def one_node(fn: Callable[..., Any], **node_kwargs: Any) -> StateGraph:
    """START -> ``work`` -> END."""
    g = StateGraph(S)
    g.add_node("work", fn, **node_kwargs)
    g.add_edge(START, "work")
    g.add_edge("work", END)
    return g


def codes(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.code, f.location) for f in findings]
