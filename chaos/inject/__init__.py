"""Put faults into the nodes of a user's graph without touching the user's objects.

`instrument` takes a `StateGraph` builder or a compiled graph and returns an `InstrumentedGraph`:
a *copy* compiled from a copy of the builder whose node runnables are wrapped. Everything
LangGraph derives from the node stays as it was, because the wrapper keeps the original
`RunnableCallable` shape:

- sync nodes stay sync (their async path is still the executor-backed ``partial`` LangGraph
  recognises, so a sync node with a timeout is still rejected at compile);
- injected parameters (``config``, ``runtime``, ``store``, ``writer``, ...) are computed by
  LangGraph from the *original* signature and handed through;
- retry, cache and timeout policies, error handlers, ``set_node_defaults``, ``Send`` tasks and
  ``Command`` returns are untouched because only the callable changes;
- subgraphs used as nodes are instrumented recursively (their nodes become ``parent/child``);
- a compiled graph keeps its own checkpointer, cache, store and compile options.

The package is split by concept:

- `chaos.inject.graph`: `instrument`, `InstrumentedGraph`, `graph_label`;
- `chaos.inject.copying`: copying a builder or compiled graph and wrapping its nodes;
- `chaos.inject.nodes`: `NodeInfo`, what the harness knows about one node;
- `chaos.inject.wrappers`: the sync and async attempt wrappers;
- `chaos.inject.attempt`: one attempt in flight and the faults acting around its body;
- `chaos.inject.timeouts`: `observe_timeouts`, LangGraph's timeout watchdogs observed.
"""

from __future__ import annotations

from chaos.inject.attempt import current_attempt
from chaos.inject.copying import copy_builder, inline_router
from chaos.inject.graph import InstrumentedGraph, graph_label, instrument
from chaos.inject.nodes import NodeInfo
from chaos.inject.timeouts import observe_timeouts

#: Old private names other modules of the package import (kept so they keep working).
_copy_builder = copy_builder
_inline_router = inline_router

__all__ = [
    "InstrumentedGraph",
    "NodeInfo",
    "copy_builder",
    "current_attempt",
    "graph_label",
    "inline_router",
    "instrument",
    "observe_timeouts",
]
