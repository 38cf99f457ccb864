"""Graphs and deliberately broken components for the invariant tests (each has a correct twin)."""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypedDict

import httpx
from langgraph.graph import END, START, StateGraph
from langgraph.types import RetryPolicy


class Log(TypedDict, total=False):
    log: Annotated[list[str], operator.add]
    n: int


def http_error(status: int, retry_after: str | None = None) -> httpx.HTTPStatusError:
    request = httpx.Request("GET", "https://api.example.test/v1")
    headers = {"Retry-After": retry_after} if retry_after else {}
    response = httpx.Response(status, request=request, headers=headers)
    return httpx.HTTPStatusError(f"HTTP {status}", request=request, response=response)


def scripted_builder(script: Sequence[BaseException | None], policy: RetryPolicy | Sequence[RetryPolicy] | None) -> StateGraph:
    """One async node whose k-th call raises ``script[k]`` (None: succeeds), then ``after``."""
    calls = iter(list(script))

    async def flaky(state: Log) -> dict[str, Any]:
        exc = next(calls, None)
        if exc is not None:
            raise exc
        return {"log": ["flaky ok"]}

    async def after(state: Log) -> dict[str, Any]:
        return {"log": ["after"]}

    g = StateGraph(Log)
    g.add_node("flaky", flaky, retry_policy=policy)
    g.add_node("after", after)
    g.add_edge(START, "flaky")
    g.add_edge("flaky", "after")
    g.add_edge("after", END)
    return g


def budget_retry_on(budget: int) -> Callable[[BaseException], bool]:
    """A retry_on that lies: it spends a shared retry budget, so asking twice changes the answer."""
    left = [budget]

    def retry_on(exc: BaseException) -> bool:
        if left[0] <= 0:
            return False
        left[0] -= 1
        return True

    return retry_on
