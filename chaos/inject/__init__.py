"""Put faults into the tasks of a user's graph without touching the user's objects.

`instrument` takes a `StateGraph` builder, a compiled graph or a Functional-API
``@entrypoint`` and returns an `InstrumentedGraph`: a copy the harness may run (a builder or
compiled graph is recompiled from a copy of its builder; see `chaos.inject.copying`) and the
list of its sites. Faults land at the *task boundary* (`chaos.inject.boundary`): while a trial
runs, LangGraph's retry loop hands every attempt of every task (a node, a ``Send`` task, a
``@task`` call, an error-handler task, a subgraph's nodes, as ``parent/child``) to the harness,
which journals it, maybe faults it, and runs it. No node callable is replaced, so everything
LangGraph derives from a node stays as it was: injected parameters, sync or async, retry,
cache and timeout policies, error handlers, ``set_node_defaults``, ``Command`` returns.

The package is split by concept:

- `chaos.inject.graph`: `instrument`, `InstrumentedGraph`, `graph_label`;
- `chaos.inject.copying`: copying a builder or compiled graph and listing its nodes;
- `chaos.inject.nodes`: `NodeInfo`, what the harness knows about one node;
- `chaos.inject.boundary`: the task boundary every task LangGraph runs passes, where faults land;
- `chaos.inject.attempt`: one attempt in flight and the faults acting around its body;
- `chaos.inject.timeouts`: `observe_timeouts`, LangGraph's timeout watchdogs observed.
"""

from __future__ import annotations

from chaos.inject.attempt import current_attempt
from chaos.inject.boundary import task_boundary
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
    "task_boundary",
]
