"""A research pipeline modelled on the LangGraph performance guide.

``plan`` fans out one ``investigate`` task per angle (``Send``); each investigation runs a
timeout-guarded ``web_search`` step inline and appends to two ``DeltaChannel`` fields
(``findings`` and ``log``), whose checkpoints store deltas and are rebuilt from history;
``synthesize`` streams its answer chunk by chunk under an idle timeout refreshed by heartbeats.
The reducers are batching-invariant (plain concatenation), as ``DeltaChannel`` requires.

Target: ``chaos.examples.research:builder``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Annotated, Any, TypedDict

from langgraph.channels.delta import DeltaChannel
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import RetryPolicy, Send, TimeoutPolicy

from chaos.examples.support import is_transient


def concat(state: list[str] | None, writes: Sequence[list[str]]) -> list[str]:
    """Batching-invariant: concat(concat(s, xs), ys) == concat(s, xs + ys)."""
    out = list(state or [])
    for w in writes:
        out.extend(w)
    return out


class ResearchState(TypedDict, total=False):
    topic: str
    angles: list[str]
    findings: Annotated[list[str], DeltaChannel(concat, snapshot_frequency=8)]
    log: Annotated[list[str], DeltaChannel(concat)]
    report: str


RETRY = RetryPolicy(initial_interval=0.5, backoff_factor=2.0, max_interval=8.0, max_attempts=4, retry_on=is_transient)


async def plan(state: ResearchState) -> dict[str, Any]:
    topic = state.get("topic", "")
    return {"angles": [f"{topic}: history", f"{topic}: costs", f"{topic}: risks"], "log": ["planned"]}


def to_investigations(state: ResearchState) -> list[Send]:
    return [Send("investigate", {"angle": a}) for a in state["angles"]]


async def investigate(task: dict[str, str]) -> dict[str, Any]:
    await asyncio.sleep(0.5)  # the upstream search takes half a (simulated) second
    return {"findings": [f"{task['angle']}: 3 sources"], "log": [f"searched {task['angle']}"]}


async def synthesize(state: ResearchState, runtime: Runtime) -> dict[str, Any]:
    chunks = []
    for finding in sorted(state.get("findings", [])):
        await asyncio.sleep(1)  # one streamed chunk per second
        runtime.stream_writer({"chunk": finding})
        runtime.heartbeat()
        chunks.append(finding.split(":")[1].strip())
    return {"report": "; ".join(chunks), "log": ["synthesized"]}


def build() -> StateGraph[ResearchState, None, ResearchState, ResearchState]:
    g = StateGraph(ResearchState)
    g.add_node("plan", plan, timeout=10)
    # A Send target takes the Send's plain dict; LangGraph's node protocols type only schema inputs.
    g.add_node(
        "investigate", investigate, retry_policy=RETRY, timeout=TimeoutPolicy(run_timeout=15)  # type: ignore[arg-type]  # see above: a Send target
    )
    g.add_node(
        "synthesize",
        synthesize,
        retry_policy=RETRY,
        timeout=TimeoutPolicy(run_timeout=60, idle_timeout=5, refresh_on="heartbeat"),
    )
    g.add_edge(START, "plan")
    g.add_conditional_edges("plan", to_investigations, ["investigate"])
    g.add_edge("investigate", "synthesize")
    g.add_edge("synthesize", END)
    return g


builder = build()
example_input = {"topic": "solar"}
