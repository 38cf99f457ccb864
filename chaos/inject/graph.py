"""The instrumented graph: a wrapped copy of a user's graph, and `instrument` that makes one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from langchain_core.runnables import Runnable
from langgraph.graph import StateGraph
from langgraph.pregel import Pregel

from chaos.context import ActiveRun
from chaos.errors import ChaosUsageError
from chaos.faults import Injection
from chaos.inject.boundary import Instrumentation, mark
from chaos.inject.copying import copy_builder, instrument_compiled, prepare_builder
from chaos.inject.nodes import NodeInfo, TaskSpec


@dataclass
class InstrumentedGraph:
    """A wrapped copy of a user's graph, ready to run trials.

    Attributes:
        graph: the compiled copy to run (never the user's object).
        nodes: every wrapped node by site name (``node`` or ``parent/child``).
        active: the slot through which wrappers find the current run.
        owns_checkpointer: True when the harness supplied the checkpointer (builder input).
    """

    graph: Pregel[Any, Any, Any, Any]
    nodes: dict[str, NodeInfo]
    active: ActiveRun
    owns_checkpointer: bool = False
    cleanups: list[Callable[[], None]] = field(default_factory=list)
    #: Facts learned about this graph once and reused across trials (e.g. reachable nodes).
    memo: dict[Any, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Every task of the copy carries the sites and the run slot to the task boundary.
        mark(self.graph, Instrumentation(self.active, self.nodes))

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
    if isinstance(target, StateGraph):
        builder = copy_builder(target, cache_ttl)
        prepare_builder(builder, "", active, nodes, ())
        checkpointer = checkpointer_factory() if checkpointer_factory else None
        needs_cache = any(
            s.cache_policy is not None for s in builder.nodes.values()
        ) or builder._node_defaults.cache_policy is not None
        cache = cache_factory() if (cache_factory and needs_cache) else None
        compiled: Pregel[Any, Any, Any, Any] = builder.compile(checkpointer=checkpointer, cache=cache)
        inst = InstrumentedGraph(compiled, nodes, active, owns_checkpointer=checkpointer is not None)
        if checkpointer is not None:
            inst.cleanups.append(_closer(checkpointer))
    elif isinstance(target, Pregel) and isinstance(getattr(target, "builder", None), StateGraph):
        inst = InstrumentedGraph(instrument_compiled(target, "", active, nodes, ()), nodes, active)
    elif isinstance(target, Pregel):
        # An @entrypoint (or a low-level Pregel): no builder to copy; a copy of the graph
        # object is enough, since faults reach its tasks at the task boundary.
        nodes.update(pregel_sites(target))
        copied = target.copy()
        _clear_task_caches_too(copied, nodes)
        inst = InstrumentedGraph(copied, nodes, active)
    else:
        raise ChaosUsageError(
            f"cannot instrument {type(target).__name__}: expected a StateGraph builder, a "
            "compiled graph (the result of builder.compile()) or an @entrypoint"
        )
    _finish_node_info(inst)
    return inst


def pregel_sites(graph: Pregel[Any, Any, Any, Any]) -> dict[str, NodeInfo]:
    """The sites of a graph built without StateGraph: its nodes, then the ``@task`` functions
    their code refers to (found by name; a task reached otherwise is added when it first runs).
    """
    from langgraph.pregel._utils import _runnable_has_native_async

    sites: dict[str, NodeInfo] = {}
    for name, node in graph.nodes.items():
        spec = TaskSpec.of_pregel_node(node)
        sites[name] = NodeInfo(name, spec, is_async=_runnable_has_native_async(node.bound))
        for fn in referenced_tasks(getattr(node.bound, "func", None) or getattr(node.bound, "afunc", None)):
            task_spec = TaskSpec.of_task(fn)
            site = task_spec.runnable.name
            sites.setdefault(site, NodeInfo(site, task_spec, is_async=_runnable_has_native_async(task_spec.runnable)))
    return sites


def _clear_task_caches_too(graph: Pregel[Any, Any, Any, Any], nodes: dict[str, NodeInfo]) -> None:
    """Make the copy's ``(a)clear_cache()`` clear its ``@task`` entries too.

    LangGraph clears only its nodes' namespaces, while a task caches under its function's
    (``(CACHE_NS_WRITES, module.qualname)``): without this a trial is served what the baseline
    cached. ``nodes`` is read when called, so tasks first seen during a run are cleared too.
    """
    from langgraph._internal._constants import CACHE_NS_WRITES
    from langgraph.pregel._call import identifier

    clear, aclear = graph.clear_cache, graph.aclear_cache

    def task_namespaces() -> list[tuple[str, ...]]:
        fns = [_task_function(info.spec.runnable)
               for site, info in nodes.items() if isinstance(info.spec, TaskSpec) and site not in graph.nodes]
        return [(CACHE_NS_WRITES, identifier(fn) or "__dynamic__") for fn in fns]

    def clear_cache(nodes: Any = None) -> None:
        clear(nodes)
        if graph.cache is not None and nodes is None:
            graph.cache.clear(task_namespaces())

    async def aclear_cache(nodes: Any = None) -> None:
        await aclear(nodes)
        if graph.cache is not None and nodes is None:
            await graph.cache.aclear(task_namespaces())

    graph.clear_cache = clear_cache  # type: ignore[method-assign]  # this copy's cache, cleared with its namespaces
    graph.aclear_cache = aclear_cache  # type: ignore[method-assign]  # the same, async


def _task_function(runnable: Any) -> Any:
    """The function a task's runnable calls (LangGraph keys the task's cache by it)."""
    steps = getattr(runnable, "steps", None)
    if steps:
        runnable = steps[0]
    # An async task's RunnableCallable keeps its function as afunc only.
    return getattr(runnable, "func", None) or getattr(runnable, "afunc", None)


def referenced_tasks(fn: Any) -> list[Any]:
    """The ``@task`` functions ``fn`` names (globals, closure cells, ``module.attr``), transitively."""
    import inspect
    import types

    from langgraph.func import _TaskFunction

    found: dict[int, Any] = {}
    todo = [inspect.unwrap(fn)] if callable(fn) else []
    while todo:
        func = todo.pop()
        code = getattr(func, "__code__", None)
        if code is None:
            continue
        scope = dict(getattr(func, "__globals__", {}))
        for cell_name, cell in zip(code.co_freevars, getattr(func, "__closure__", None) or ()):
            try:
                scope[cell_name] = cell.cell_contents
            except ValueError:  # an empty cell
                pass
        names: list[str] = []
        codes = [code]
        while codes:
            c = codes.pop()
            names += [*c.co_names, *c.co_freevars]
            codes += [k for k in c.co_consts if isinstance(k, types.CodeType)]
        values = [scope[n] for n in names if n in scope]
        values += [getattr(v, n, None) for v in values if isinstance(v, types.ModuleType) for n in names]
        for value in values:
            if isinstance(value, _TaskFunction) and id(value) not in found:
                found[id(value)] = value
                todo.append(inspect.unwrap(value.func))
    return list(found.values())


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

    def collect(graph: Pregel[Any, Any, Any, Any], prefix: str) -> None:
        for name, spec in graph.builder.nodes.items():  # type: ignore[attr-defined]  # Pregel.builder is set by StateGraph.compile
            specs[prefix + name] = spec
            if isinstance(spec.runnable, Pregel):
                collect(spec.runnable, prefix + name + "/")

    if isinstance(getattr(inst.graph, "builder", None), StateGraph):
        collect(inst.graph, "")
    for site, spec in specs.items():
        # Nodes compile() added (a per-node error handler): sites of their own.
        inst.nodes.setdefault(site, NodeInfo(site, spec, is_async=False))
    for site, info in inst.nodes.items():
        if site in specs:
            info.spec = specs[site]
            # Only wrapped callables report sync/async; subgraph nodes are async-capable.
            runnable = info.spec.runnable
            info.is_async = isinstance(runnable, Pregel) or _is_native_async(runnable)


def _is_native_async(runnable: Runnable[Any, Any]) -> bool:
    from langgraph.pregel._utils import _runnable_has_native_async

    return _runnable_has_native_async(runnable)


