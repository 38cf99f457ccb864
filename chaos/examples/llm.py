"""An LLM-style node with CachePolicy, RetryPolicy and TimeoutPolicy stacked.

``generate`` stands for a chat-model call: cached for five minutes per prompt, retried on rate
limits and server errors with backoff, and bounded by a run timeout. ``review`` checks the
draft. A cache hit never runs the node (so no retry and no timeout either).

Target: ``chaos.examples.llm:builder``.
"""

from __future__ import annotations

import asyncio
from typing import Any, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.types import CachePolicy, RetryPolicy, TimeoutPolicy

from chaos.examples.support import is_transient


class LLMState(TypedDict, total=False):
    prompt: str
    draft: str
    approved: bool


async def generate(state: LLMState) -> dict[str, Any]:
    await asyncio.sleep(2)  # model latency
    return {"draft": f"answer to {state.get('prompt', '')!r}"}


async def review(state: LLMState) -> dict[str, Any]:
    return {"approved": bool(state.get("draft"))}


def build() -> StateGraph[LLMState, None, LLMState, LLMState]:
    g = StateGraph(LLMState)
    g.add_node(
        "generate",
        generate,
        cache_policy=CachePolicy(ttl=300),
        retry_policy=RetryPolicy(initial_interval=1, backoff_factor=2, max_interval=20, max_attempts=5, retry_on=is_transient),
        timeout=TimeoutPolicy(run_timeout=30),
    )
    g.add_node("review", review, timeout=5)
    g.add_edge(START, "generate")
    g.add_edge("generate", "review")
    g.add_edge("review", END)
    return g


builder = build()
example_input = {"prompt": "summarize the incident"}
