"""Copying a user's builder or compiled graph, and listing the copy's nodes.

The harness compiles its own copy because compile() mutates the builder (it applies node
defaults), because scenario files may shorten every CachePolicy's TTL, and because routers run
inline on the simulated loop (`inline_router`). Faults reach the nodes at the task boundary
(`chaos.inject.boundary`), not by replacing node callables. The user's objects are never
mutated: node specs, branches and defaults are copied, and a compiled graph is recompiled from
a copy of its builder with its own checkpointer, cache, store and compile options.
"""

from __future__ import annotations

import asyncio
import contextvars
import copy
import dataclasses
import functools
from collections.abc import Sequence
from typing import Any

from langchain_core.runnables import Runnable
from langchain_core.runnables.config import run_in_executor
from langgraph._internal._runnable import RunnableCallable
from langgraph.graph import StateGraph
from langgraph.pregel import Pregel
from langgraph.types import All, TimeoutPolicy

from chaos.context import ActiveRun
from chaos.inject.nodes import NodeInfo

DEFAULT_HANDLER = "__default_error_handler__"


def copy_builder(builder: StateGraph[Any, Any, Any, Any], cache_ttl: float | None = None) -> StateGraph[Any, Any, Any, Any]:
    """A copy that compile() may mutate freely (it applies defaults to the node specs)."""
    new = copy.copy(builder)
    new.nodes = {name: dataclasses.replace(spec) for name, spec in builder.nodes.items()}
    new.edges = set(builder.edges)
    new.branches = copy.copy(builder.branches)
    new.waiting_edges = set(builder.waiting_edges)
    new.schemas = dict(builder.schemas)
    new.channels = dict(builder.channels)
    new.managed = dict(builder.managed)
    new._node_defaults = dataclasses.replace(builder._node_defaults)
    new.compiled = False
    if cache_ttl is not None:
        for spec in new.nodes.values():
            if spec.cache_policy is not None:
                spec.cache_policy = dataclasses.replace(spec.cache_policy, ttl=cache_ttl)  # type: ignore[arg-type]  # float TTLs work
        if new._node_defaults.cache_policy is not None:
            new._node_defaults.cache_policy = dataclasses.replace(new._node_defaults.cache_policy, ttl=cache_ttl)  # type: ignore[arg-type]  # float TTLs work
    if DEFAULT_HANDLER in new.nodes:
        # The builder was compiled before: the default handler node and per-node routing to it
        # are already in the specs; registering it again would make compile() refuse.
        new._node_defaults.error_handler = None
    return new


def instrument_compiled(
    graph: Pregel[Any, Any, Any, Any],
    prefix: str,
    active: ActiveRun,
    nodes: dict[str, NodeInfo],
    enclosing: tuple[TimeoutPolicy, ...],
) -> Pregel[Any, Any, Any, Any]:
    builder = getattr(graph, "builder", None)
    if not isinstance(builder, StateGraph):
        return graph  # built without StateGraph (an @entrypoint): nothing to recompile
    new_builder = copy_builder(builder, active.cache_ttl)
    prepare_builder(new_builder, prefix, active, nodes, enclosing)
    compiled = new_builder.compile(
        checkpointer=graph.checkpointer,
        cache=graph.cache,
        store=graph.store,
        interrupt_before=_interrupts(graph.interrupt_before_nodes),
        interrupt_after=_interrupts(graph.interrupt_after_nodes),
        debug=graph.debug,
        name=graph.name,
    )
    # Options set on the compiled object itself (with_config, graph-level policies) carry over.
    for attr in ("config", "retry_policy", "cache_policy", "step_timeout", "stream_mode", "stream_eager"):
        setattr(compiled, attr, getattr(graph, attr))
    return compiled


def _interrupts(nodes: All | Sequence[str]) -> All | list[str] | None:
    """A compiled graph's interrupt nodes as compile() takes them (``"*"``, a list or None)."""
    if nodes == "*":
        return "*"
    return list(nodes) or None


def prepare_builder(
    builder: StateGraph[Any, Any, Any, Any],
    prefix: str,
    active: ActiveRun,
    nodes: dict[str, NodeInfo],
    enclosing: tuple[TimeoutPolicy, ...],
) -> None:
    for name, spec in list(builder.nodes.items()):
        site = prefix + name
        info = NodeInfo(site, spec, is_async=False, enclosing_timeouts=enclosing)
        if isinstance(spec.runnable, Pregel):
            nodes[site] = info
            inner_enclosing = enclosing + ((spec.timeout,) if spec.timeout else ())
            spec.runnable = instrument_compiled(spec.runnable, site + "/", active, nodes, inner_enclosing)
            continue
        nodes[site] = info
    for source, specs in list(builder.branches.items()):
        # New inner dicts and specs: the user's builder shares the old ones (a shallow copy).
        builder.branches[source] = {name: spec._replace(path=inline_router(spec.path)) for name, spec in specs.items()}
    if builder._node_defaults.error_handler is not None:
        # The default handler becomes a node only at compile() (`_finish_node_info` fills it in).
        site = prefix + DEFAULT_HANDLER
        nodes[site] = NodeInfo(site, None, is_async=False, enclosing_timeouts=enclosing)


def inline_router(path: Runnable[Any, Any]) -> Runnable[Any, Any]:
    """A sync conditional-edge function that runs inline on the simulated loop when it can.

    LangGraph awaits a sync router through ``run_in_executor``: under simulated time every
    superstep then pays a real thread round-trip (the loop must block in the real selector
    until the thread finishes), the single largest cost of a long fault-free trial. A router
    is a function of the state it is handed, so running it on the loop thread, in a copied
    context as the executor would, gives the same result at the same simulated instant. Only
    when no executor job is in flight: the one-thread executor would otherwise have run it
    after them, and a sync node body still racing it must keep that order. Real-clock runs and
    other loops keep LangGraph's executor path unchanged.
    """
    if not (isinstance(path, RunnableCallable) and path.func is not None and _is_executor_backed(path.afunc)):
        return path
    func = path.func

    async def route(*args: Any, **kwargs: Any) -> Any:
        from chaos.simtime.loop import VirtualEventLoop

        loop = asyncio.get_running_loop()
        if not isinstance(loop, VirtualEventLoop) or loop.executor_inflight:
            return await run_in_executor(None, func, *args, **kwargs)
        try:
            return contextvars.copy_context().run(func, *args, **kwargs)
        except StopIteration as exc:  # as langchain's run_in_executor: never leak into a coroutine
            raise RuntimeError from exc

    new = copy.copy(path)
    new.afunc = functools.wraps(func)(route)
    return new


def _is_executor_backed(afunc: Any) -> bool:
    return isinstance(afunc, functools.partial) and afunc.func is run_in_executor
