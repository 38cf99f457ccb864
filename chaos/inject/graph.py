"""The instrumented graph: a wrapped copy of a user's graph, and `instrument` that makes one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from langchain_core.runnables import Runnable
from langgraph.graph import StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.pregel import Pregel

from chaos.context import ActiveRun
from chaos.errors import ChaosUsageError
from chaos.faults import Injection
from chaos.inject.copying import copy_builder, instrument_compiled, wrap_builder
from chaos.inject.nodes import NodeInfo


@dataclass
class InstrumentedGraph:
    """A wrapped copy of a user's graph, ready to run trials.

    Attributes:
        graph: the compiled copy to run (never the user's object).
        nodes: every wrapped node by site name (``node`` or ``parent/child``).
        active: the slot through which wrappers find the current run.
        owns_checkpointer: True when the harness supplied the checkpointer (builder input).
    """

    graph: CompiledStateGraph[Any, Any, Any, Any]
    nodes: dict[str, NodeInfo]
    active: ActiveRun
    owns_checkpointer: bool = False
    cleanups: list[Callable[[], None]] = field(default_factory=list)
    #: Facts learned about this graph once and reused across trials (e.g. reachable nodes).
    memo: dict[Any, Any] = field(default_factory=dict)

    def sites(self, *, include_hidden: bool = False) -> list[str]:
        """Node sites in definition order; hidden LangGraph nodes only when asked."""
        return [s for s in self.nodes if include_hidden or not s.rsplit("/", 1)[-1].startswith("__")]

    def check_injections(self, injections: list[Injection]) -> None:
        """Fail with a usage error naming the graph's nodes if an injection matches none."""
        sites = list(self.nodes)
        for inj in injections:
            if not any(inj.matches_site(s) for s in sites):
                raise ChaosUsageError(
                    f"no node matches {inj.node!r} (fault {inj.fault.describe()}). The graph's nodes "
                    f"are: {', '.join(self.sites()) or '(none)'}. Use a node name, a glob such as "
                    "'fetch*', or 'parent/child' for a subgraph node."
                )

    def close(self) -> None:
        while self.cleanups:
            self.cleanups.pop()()


def instrument(
    target: StateGraph[Any, Any, Any, Any] | Pregel[Any, Any, Any, Any],
    *,
    checkpointer_factory: Callable[[], Any] | None = None,
    cache_factory: Callable[[], Any] | None = None,
    cache_ttl: float | None = None,
) -> InstrumentedGraph:
    """Wrap every node of ``target`` (a builder or a compiled graph) for fault injection.

    A builder is compiled with the embedded defaults from the factories (the caller supplies
    an SQLite checkpointer and, if any node declares a CachePolicy, an in-memory cache). A
    compiled graph keeps its own checkpointer, cache, store and compile options.
    ``cache_ttl`` overrides the TTL of every CachePolicy (scenario files use it to make cache
    expiry happen within a trial).
    """
    from chaos.arguments import check_policies

    check_policies(target)  # a policy of the wrong type: named now, not an AttributeError mid-trial
    active = ActiveRun()
    active.cache_ttl = cache_ttl
    nodes: dict[str, NodeInfo] = {}
    graph: CompiledStateGraph[Any, Any, Any, Any]
    if isinstance(target, StateGraph):
        builder = copy_builder(target, cache_ttl)
        wrap_builder(builder, "", active, nodes, ())
        checkpointer = checkpointer_factory() if checkpointer_factory else None
        needs_cache = any(
            s.cache_policy is not None for s in builder.nodes.values()
        ) or builder._node_defaults.cache_policy is not None
        cache = cache_factory() if (cache_factory and needs_cache) else None
        graph = builder.compile(checkpointer=checkpointer, cache=cache)
        inst = InstrumentedGraph(graph, nodes, active, owns_checkpointer=checkpointer is not None)
        if checkpointer is not None:
            inst.cleanups.append(_closer(checkpointer))
    elif isinstance(target, Pregel):
        graph = instrument_compiled(target, "", active, nodes, ())
        inst = InstrumentedGraph(graph, nodes, active)
    else:
        raise ChaosUsageError(
            f"cannot instrument {type(target).__name__}: expected a StateGraph builder or a "
            "compiled graph (the result of builder.compile())"
        )
    _finish_node_info(inst)
    return inst


def graph_label(graph: Any) -> str:
    """A readable name for reports: a compiled graph's name, or ``StateGraph(SchemaName)``."""
    if isinstance(graph, StateGraph):
        return f"StateGraph({getattr(graph.state_schema, '__name__', 'state')})"
    return getattr(graph, "name", None) or type(graph).__name__


def _closer(saver: Any) -> Callable[[], None]:
    """Close what the harness opened for a builder: the saver's database connection."""

    def close() -> None:
        target = getattr(saver, "close", None) or getattr(getattr(saver, "conn", None), "close", None)
        if callable(target):
            target()

    return close



def _finish_node_info(inst: InstrumentedGraph) -> None:
    """Fill in the specs LangGraph finalised at compile (defaults applied, handlers added)."""
    specs: dict[str, Any] = {}

    def collect(graph: CompiledStateGraph[Any, Any, Any, Any], prefix: str) -> None:
        for name, spec in graph.builder.nodes.items():
            specs[prefix + name] = spec
            if isinstance(spec.runnable, Pregel):
                # instrument_compiled recompiled every subgraph node from its StateGraph.
                collect(cast('CompiledStateGraph[Any, Any, Any, Any]', spec.runnable), prefix + name + "/")

    collect(inst.graph, "")
    for site, info in inst.nodes.items():
        if site in specs:
            info.spec = specs[site]
            # Only wrapped callables report sync/async; subgraph nodes are async-capable.
            runnable = info.spec.runnable
            info.is_async = isinstance(runnable, Pregel) or _is_native_async(runnable)


def _is_native_async(runnable: Runnable[Any, Any]) -> bool:
    from langgraph.pregel._utils import _runnable_has_native_async

    return _runnable_has_native_async(runnable)


