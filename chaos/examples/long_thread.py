"""A long thread: hundreds of supersteps appending to a DeltaChannel.

``step`` runs once per superstep until ``n`` reaches ``target``, appending one entry to the
``journal`` DeltaChannel each time. Checkpoints store deltas (a snapshot every 16 updates);
the state at any step is rebuilt by replaying history, which is what ``delta_reconstruction``
checks over the whole thread.

Target: ``chaos.examples.long_thread:builder`` with input ``{"target": 300}`` and a
recursion limit above it (the scenario sets ``recursion_limit``).
"""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

from langgraph.channels.delta import DeltaChannel
from langgraph.graph import END, START, StateGraph
from langgraph.types import RetryPolicy

from chaos.examples.research import concat
from chaos.examples.support import is_transient


class LongState(TypedDict, total=False):
    n: int
    target: int
    journal: Annotated[list[str], DeltaChannel(concat, snapshot_frequency=16)]


async def step(state: LongState) -> dict[str, Any]:
    n = state.get("n", 0) + 1
    return {"n": n, "journal": [f"step {n}"]}


def more(state: LongState) -> str:
    return "step" if state.get("n", 0) < state.get("target", 100) else END


def build() -> StateGraph[LongState, None, LongState, LongState]:
    g = StateGraph(LongState)
    g.add_node("step", step, retry_policy=RetryPolicy(initial_interval=0.1, max_attempts=3, retry_on=is_transient), timeout=5)
    g.add_edge(START, "step")
    g.add_conditional_edges("step", more, ["step", END])
    return g


builder = build()
example_input = {"target": 300}
