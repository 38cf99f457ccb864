"""Constants, graph sources and helpers of the pytester tests of the plugin surface.

The graphs are written into each pytester directory as real modules (``--chaos-target`` imports
them by name), so they work the same in-process and in a ``runpytest_subprocess`` run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

#: The bundled example graph and an input it accepts.
SUPPORT = "chaos.examples.support:builder"
SUPPORT_ARGS = ("--chaos", f"--chaos-target={SUPPORT}", '--chaos-input={"question": "q"}')

#: One async node with no TimeoutPolicy: the suite's ``hang`` trial violates ``liveness``, and
#: ``stall`` is skipped (no idle_timeout); every other fault kind passes.
BROKEN = """
from typing import TypedDict

from langgraph.graph import END, START, StateGraph


class S(TypedDict, total=False):
    query: str
    result: str


async def work(state: S) -> dict:
    return {"result": "done"}


builder = StateGraph(S)
builder.add_node("work", work)
builder.add_edge(START, "work")
builder.add_edge("work", END)
"""

#: fetch (retries a 429 once, 1 s backoff) -> summarize, for tests using the fixture and marker.
RETRYING = """
from typing import TypedDict

import httpx
from langgraph.graph import END, START, StateGraph
from langgraph.types import RetryPolicy


class S(TypedDict, total=False):
    query: str
    result: str


def rate_limited(exc: BaseException) -> bool:
    return isinstance(exc, httpx.HTTPStatusError) and exc.response.status_code == 429


async def fetch(state: S) -> dict:
    return {"result": "fetched " + state.get("query", "")}


async def summarize(state: S) -> dict:
    return {"result": state["result"] + ", summarized"}


builder = StateGraph(S)
builder.add_node("fetch", fetch, retry_policy=RetryPolicy(initial_interval=1.0, jitter=False, retry_on=rate_limited))
builder.add_node("summarize", summarize)
builder.add_edge(START, "fetch")
builder.add_edge("fetch", "summarize")
builder.add_edge("summarize", END)
"""



def load_report(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())
