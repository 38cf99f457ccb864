"""A document-ingestion job: the graph rolling deploys and crashes land in.

``fetch`` downloads a document; ``embed`` and ``index`` run in parallel in the next superstep
(embedding is the slow one); ``publish`` makes it searchable. Every node appends to ``log``
(``operator.add``), so a write that is lost or applied twice shows in the final state. Nodes
sleep for tens of milliseconds: simulated in process, real in a child process (kill trials).

Target: ``chaos.examples.ingest:builder``.
"""

from __future__ import annotations

import asyncio
import operator
from typing import Annotated, Any, TypedDict

from langgraph.graph import END, START, StateGraph


class IngestState(TypedDict, total=False):
    doc: str
    log: Annotated[list[str], operator.add]


async def fetch(state: IngestState) -> dict[str, Any]:
    return {"log": [f"fetched {state.get('doc', '')}"]}


async def embed(state: IngestState) -> dict[str, Any]:
    await asyncio.sleep(0.04)
    return {"log": ["embedded"]}


async def index(state: IngestState) -> dict[str, Any]:
    await asyncio.sleep(0.01)
    return {"log": ["indexed"]}


async def publish(state: IngestState) -> dict[str, Any]:
    return {"log": ["published"]}


def build() -> StateGraph[IngestState, None, IngestState, IngestState]:
    g = StateGraph(IngestState)
    for name, fn in (("fetch", fetch), ("embed", embed), ("index", index), ("publish", publish)):
        g.add_node(name, fn, timeout=30)
    g.add_edge(START, "fetch")
    g.add_edge("fetch", "embed")
    g.add_edge("fetch", "index")
    g.add_edge(["embed", "index"], "publish")
    g.add_edge("publish", END)
    return g


builder = build()
example_input = {"doc": "handbook.pdf"}
