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
"""

from __future__ import annotations

import asyncio
import contextvars
import copy
import dataclasses
import functools
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from langchain_core.runnables import Runnable
from langchain_core.runnables.config import run_in_executor
from langgraph._internal._constants import CONF, CONFIG_KEY_RUNTIME
from langgraph._internal._runnable import RunnableCallable
from langgraph.config import get_config
from langgraph.errors import GraphBubbleUp, GraphInterrupt
from langgraph.graph import StateGraph
from langgraph.pregel import Pregel
from langgraph.types import TimeoutPolicy

from chaos.context import ActiveRun, RunContext
from chaos.errors import ChaosAbort, ChaosUsageError
from chaos.faults import Hang, HttpStatus, Injection, LostResult, RaiseError, Slow, Stall, TransportError
from chaos.journal import AttemptRecord

_DEFAULT_HANDLER = "__default_error_handler__"

#: The node attempt whose body is running in this context (None outside instrumented nodes).
#: HTTP fault routing reads it to tell which node and attempt sent a request.
_CURRENT_ATTEMPT: contextvars.ContextVar[_Attempt | None] = contextvars.ContextVar(
    "chaos_current_attempt", default=None
)


def current_attempt() -> AttemptRecord | None:
    """The journal record of the node attempt running in this context, if any."""
    att = _CURRENT_ATTEMPT.get()
    return att.rec if att is not None else None


def current_run() -> RunContext | None:
    """The run context of the node attempt running in this context, if any."""
    att = _CURRENT_ATTEMPT.get()
    return att.ctx if att is not None else None


@dataclass
class NodeInfo:
    """What the harness knows about one node of the instrumented graph (after compile)."""

    site: str
    spec: Any  # langgraph.graph._node.StateNodeSpec (private type; read-only use)
    is_async: bool
    enclosing_timeouts: tuple[TimeoutPolicy, ...] = ()

    @property
    def timeout(self) -> TimeoutPolicy | None:
        return self.spec.timeout

    @property
    def retry_policy(self) -> Any:
        return self.spec.retry_policy

    @property
    def cache_policy(self) -> Any:
        return self.spec.cache_policy

    @property
    def is_error_handler(self) -> bool:
        return bool(self.spec.is_error_handler)

    @property
    def error_handler(self) -> str | None:
        return self.spec.error_handler_node

    @property
    def can_time_out(self) -> bool:
        """True when some TimeoutPolicy (its own or an enclosing subgraph node's) bounds it."""
        return self.timeout is not None or bool(self.enclosing_timeouts)


@dataclass
class InstrumentedGraph:
    """A wrapped copy of a user's graph, ready to run trials.

    Attributes:
        graph: the compiled copy to run (never the user's object).
        nodes: every wrapped node by site name (``node`` or ``parent/child``).
        active: the slot through which wrappers find the current run.
        owns_checkpointer: True when the harness supplied the checkpointer (builder input).
    """

    graph: Pregel
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
    target: StateGraph | Pregel,
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
    active = ActiveRun()
    active.cache_ttl = cache_ttl
    nodes: dict[str, NodeInfo] = {}
    if isinstance(target, StateGraph):
        builder = _copy_builder(target, cache_ttl)
        _wrap_builder(builder, "", active, nodes, ())
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
        graph = _instrument_compiled(target, "", active, nodes, ())
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


# -- copying graphs ---------------------------------------------------------------------------


def _copy_builder(builder: StateGraph, cache_ttl: float | None = None) -> StateGraph:
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
                spec.cache_policy = dataclasses.replace(spec.cache_policy, ttl=cache_ttl)
        if new._node_defaults.cache_policy is not None:
            new._node_defaults.cache_policy = dataclasses.replace(new._node_defaults.cache_policy, ttl=cache_ttl)
    if _DEFAULT_HANDLER in new.nodes:
        # The builder was compiled before: the default handler node and per-node routing to it
        # are already in the specs; registering it again would make compile() refuse.
        new._node_defaults.error_handler = None
    return new


def _instrument_compiled(
    graph: Pregel,
    prefix: str,
    active: ActiveRun,
    nodes: dict[str, NodeInfo],
    enclosing: tuple[TimeoutPolicy, ...],
) -> Pregel:
    builder = getattr(graph, "builder", None)
    if not isinstance(builder, StateGraph):
        raise ChaosUsageError(
            f"cannot instrument the graph {getattr(graph, 'name', graph)!r}: it was not built "
            "with StateGraph (low-level Pregel and functional-API graphs are not supported as "
            "targets; wrap the logic in a StateGraph node)"
        )
    new_builder = _copy_builder(builder, active.cache_ttl)
    _wrap_builder(new_builder, prefix, active, nodes, enclosing)
    compiled = new_builder.compile(
        checkpointer=graph.checkpointer,
        cache=graph.cache,
        store=graph.store,
        interrupt_before=graph.interrupt_before_nodes or None,
        interrupt_after=graph.interrupt_after_nodes or None,
        debug=graph.debug,
        name=graph.name,
    )
    # Options set on the compiled object itself (with_config, graph-level policies) carry over.
    for attr in ("config", "retry_policy", "cache_policy", "step_timeout", "stream_mode", "stream_eager"):
        setattr(compiled, attr, getattr(graph, attr))
    return compiled


def _wrap_builder(
    builder: StateGraph,
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
            spec.runnable = _instrument_compiled(spec.runnable, site + "/", active, nodes, inner_enclosing)
            continue
        spec.runnable = _wrap_runnable(spec.runnable, info, active)
        nodes[site] = info
    for source, specs in list(builder.branches.items()):
        # New inner dicts and specs: the user's builder shares the old ones (a shallow copy).
        builder.branches[source] = {name: spec._replace(path=_inline_router(spec.path)) for name, spec in specs.items()}
    handler = builder._node_defaults.error_handler
    if handler is not None:
        # The default handler becomes a node only at compile(); wrap the callable now.
        from langgraph._internal._runnable import coerce_to_runnable

        site = prefix + _DEFAULT_HANDLER
        info = NodeInfo(site, None, is_async=False, enclosing_timeouts=enclosing)
        builder._node_defaults.error_handler = _wrap_runnable(
            coerce_to_runnable(handler, name=_DEFAULT_HANDLER, trace=False), info, active
        )
        nodes[site] = info


def _inline_router(path: Runnable) -> Runnable:
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


def _finish_node_info(inst: InstrumentedGraph) -> None:
    """Fill in the specs LangGraph finalised at compile (defaults applied, handlers added)."""
    specs: dict[str, Any] = {}

    def collect(graph: Pregel, prefix: str) -> None:
        for name, spec in graph.builder.nodes.items():
            specs[prefix + name] = spec
            if isinstance(spec.runnable, Pregel):
                collect(spec.runnable, prefix + name + "/")

    collect(inst.graph, "")
    for site, info in inst.nodes.items():
        if site in specs:
            info.spec = specs[site]
            # Only wrapped callables report sync/async; subgraph nodes are async-capable.
            runnable = info.spec.runnable
            info.is_async = isinstance(runnable, Pregel) or _is_native_async(runnable)


def _is_native_async(runnable: Runnable) -> bool:
    from langgraph.pregel._utils import _runnable_has_native_async

    return _runnable_has_native_async(runnable)


# -- wrapping one node --------------------------------------------------------------------------


def _wrap_runnable(runnable: Runnable, info: NodeInfo, active: ActiveRun) -> Runnable:
    if isinstance(runnable, RunnableCallable):
        new = copy.copy(runnable)
        sync = runnable.func
        if sync is not None:
            new.func = _sync_wrapper(sync, info, active)
        afunc = runnable.afunc
        if afunc is not None:
            if isinstance(afunc, functools.partial) and afunc.func is run_in_executor and new.func:
                # Keep the executor-backed shape: LangGraph reads it to know the node is sync.
                new.afunc = functools.wraps(new.func)(functools.partial(run_in_executor, None, new.func))
            else:
                new.afunc = _async_wrapper(afunc, info, active)
        return new

    # Any other Runnable (a chain, a RunnableLambda over a generator): call through it.
    def call_sync(input: Any, config: Any) -> Any:
        return runnable.invoke(input, config)

    async def call_async(input: Any, config: Any) -> Any:
        return await runnable.ainvoke(input, config)

    return RunnableCallable(
        _sync_wrapper(call_sync, info, active),
        _async_wrapper(call_async, info, active),
        name=runnable.get_name(),
        trace=False,
    )


def _attempt_info(config: dict[str, Any]) -> tuple[str | None, int, int | None, Any]:
    conf = config.get(CONF, {})
    runtime = conf.get(CONFIG_KEY_RUNTIME)
    exec_info = getattr(runtime, "execution_info", None)
    task_id = getattr(exec_info, "task_id", None)
    attempt = getattr(exec_info, "node_attempt", 1) or 1
    step = config.get("metadata", {}).get("langgraph_step")
    return task_id, attempt, step, runtime


class _Attempt:
    """One attempt in flight: its record, its fault, and stall bookkeeping."""

    def __init__(self, ctx: RunContext, info: NodeInfo, config: dict[str, Any]) -> None:
        task_id, attempt, step, runtime = _attempt_info(config)
        self.ctx = ctx
        self.info = info
        self.runtime = runtime
        self.rec: AttemptRecord = ctx.begin(info.site, task_id, attempt, step)
        self.injection: Injection | None = ctx.choose(self.rec)
        self.fault = self.injection.fault if self.injection else None
        self.last_progress = self.rec.start
        self.heartbeats = 0
        self.stalled = False

    def fire(self) -> None:
        assert self.injection is not None
        self.ctx.mark_fired(self.injection)

    def immediate_error(self) -> BaseException | None:
        """The exception for faults that replace the node body, if this attempt has one."""
        f = self.fault
        if isinstance(f, RaiseError):
            self.fire()
            return f.make()
        if isinstance(f, (HttpStatus, TransportError)):
            self.fire()
            return f.make()
        return None

    def before_body(self, args: tuple[Any, ...], kwargs: dict[str, Any], *, can_wait_forever: bool, why: str) -> float:
        """Apply the faults that act before the body runs.

        Raises what replaces the body (exceptions, HTTP errors, a hang nothing can end);
        returns the latency to wait first: 0, the seconds of a slow call, or ``math.inf`` for a
        hang that a timeout will end. Also keeps the node's input and its NodeError (error
        handlers) on the record for the checkers, and interposes on heartbeats for stalls.
        """
        self.rec.input, self.rec.node_error = (args[0] if args else None), kwargs.get("error")
        if (err := self.immediate_error()) is not None:
            raise err
        delay = 0.0
        if isinstance(self.fault, Hang):
            self.fire()
            if not can_wait_forever:
                raise self.hang_abort(why)
            delay = math.inf
        elif isinstance(self.fault, Slow):
            self.fire()
            delay = self.fault.seconds
        self.patch_runtime(kwargs)
        return delay

    def after_body(self) -> bool:
        """Apply the faults that act after the body returned; True when the node must stall."""
        if self.stalled:
            return True
        if isinstance(self.fault, LostResult):
            self.fire()
            raise self.fault.make()
        return False

    def hang_abort(self, why: str) -> ChaosAbort:
        return ChaosAbort(
            self.info.site,
            f"node {self.info.site!r} hangs ({self.rec.fault}) and {why}: in production this "
            "run would never finish. Give the node a TimeoutPolicy (async nodes only), e.g. "
            f"add_node({self.info.site.rsplit('/', 1)[-1]!r}, fn, timeout=TimeoutPolicy(run_timeout=30)).",
        )

    def patch_runtime(self, kwargs: dict[str, Any]) -> None:
        """Under a stall fault, interpose on runtime.heartbeat() to count and then swallow beats."""
        if not isinstance(self.fault, Stall) or "runtime" not in kwargs or kwargs["runtime"] is None:
            return
        runtime = kwargs["runtime"]
        original = runtime.heartbeat
        limit = self.fault.after_heartbeats

        def heartbeat() -> None:
            self.heartbeats += 1
            if self.heartbeats <= limit:
                self.last_progress = self.ctx.now()
                original()
            elif not self.stalled:
                self.stalled = True
                self.fire()

        kwargs["runtime"] = runtime.override(heartbeat=heartbeat)

    def note_heartbeat_passthrough(self, kwargs: dict[str, Any]) -> None:
        """Track heartbeats (without faults) so a timeout can be told idle from run."""
        if isinstance(self.fault, Stall) or kwargs.get("runtime") is None:
            return
        runtime = kwargs["runtime"]
        original = runtime.heartbeat

        def heartbeat() -> None:
            self.last_progress = self.ctx.now()
            original()

        kwargs["runtime"] = runtime.override(heartbeat=heartbeat)

    def finish(self, outcome: str, error: BaseException | None = None) -> None:
        rec = self.rec
        rec.end = self.ctx.now()
        rec.outcome = outcome  # type: ignore[assignment]
        if error is not None:
            rec.exc = error
            rec.error = type(error).__name__
            rec.error_message = str(error)[:500]

    def finish_cancelled(self) -> None:
        """A cancelled attempt: tell a timeout watchdog's cancel from a sibling's failure.

        LangGraph builds the NodeTimeoutError *before* it cancels the node's task, so while
        `observe_timeouts` is active the watchdog's verdict is already recorded when the
        cancellation reaches the wrapper: claim it. Without the observer (a run outside
        `run_once`), infer the kind from the elapsed time and the policy.
        """
        node_name = self.info.site.rsplit("/", 1)[-1]
        exc = self.ctx.claim_timeout(node_name)
        if exc is not None:
            self.finish("timeout", exc)
            self.rec.timeout_kind = exc.kind
            return
        if self.ctx.timeouts is not None:
            self.finish("cancelled")
            return
        now = self.ctx.now()
        tp = self.info.timeout
        kind = None
        if tp is not None:
            eps = 1e-6
            if tp.run_timeout is not None and now - self.rec.start >= tp.run_timeout - eps:
                kind = "run"
            elif tp.idle_timeout is not None and now - self.last_progress >= tp.idle_timeout - eps:
                kind = "idle"
        self.finish("timeout" if kind else "cancelled")
        self.rec.timeout_kind = kind
        if kind:
            self.rec.error = "NodeTimeoutError"

    def finish_exception(self, exc: BaseException) -> None:
        if isinstance(exc, ChaosAbort):
            self.finish("aborted", exc)
        elif isinstance(exc, GraphInterrupt):
            self.finish("interrupted", exc)
        elif isinstance(exc, GraphBubbleUp):
            self.finish("ok")  # ParentCommand and friends: control flow, not failure
        else:
            self.finish("error", exc)


_SYNC_CANNOT_TIME_OUT = "it is a sync node, which LangGraph cannot time out"
_NO_TIMEOUT_REACHES = "no TimeoutPolicy reaches it"


def _sync_wrapper(func: Callable[..., Any], info: NodeInfo, active: ActiveRun) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        ctx = active.context
        if ctx is None:
            return func(*args, **kwargs)
        att = _Attempt(ctx, info, get_config())
        token = _CURRENT_ATTEMPT.set(att)
        try:
            # A sync body cannot be cancelled: a hang or a stall ends the trial at once.
            delay = att.before_body(args, kwargs, can_wait_forever=False, why=_SYNC_CANNOT_TIME_OUT)
            if delay:
                time.sleep(delay)  # simulated: advances the trial clock
            result = func(*args, **kwargs)
            if att.after_body():
                raise att.hang_abort(_SYNC_CANNOT_TIME_OUT)
        except BaseException as exc:
            att.finish_exception(exc)
            raise
        finally:
            _CURRENT_ATTEMPT.reset(token)
        att.finish("ok")
        return result

    return wrapped


def _async_wrapper(afunc: Callable[..., Any], info: NodeInfo, active: ActiveRun) -> Callable[..., Any]:
    @functools.wraps(afunc)
    async def wrapped(*args: Any, **kwargs: Any) -> Any:
        ctx = active.context
        if ctx is None:
            return await afunc(*args, **kwargs)
        att = _Attempt(ctx, info, get_config())
        token = _CURRENT_ATTEMPT.set(att)
        try:
            delay = att.before_body(args, kwargs, can_wait_forever=info.can_time_out, why=_NO_TIMEOUT_REACHES)
            if delay == math.inf:
                await _forever()  # only a timeout watchdog's cancellation ends it
            elif delay:
                await asyncio.sleep(delay)
            att.note_heartbeat_passthrough(kwargs)
            result = await afunc(*args, **kwargs)
            if att.after_body():
                if not info.can_time_out:
                    raise att.hang_abort(_NO_TIMEOUT_REACHES)
                await _forever()
        except asyncio.CancelledError:
            att.finish_cancelled()
            raise
        except BaseException as exc:
            att.finish_exception(exc)
            raise
        finally:
            _CURRENT_ATTEMPT.reset(token)
        att.finish("ok")
        return result

    return wrapped


@contextmanager
def observe_timeouts(ctx: RunContext) -> Iterator[None]:
    """Record every NodeTimeoutError LangGraph's timeout watchdogs raise during a run.

    ``langgraph.pregel._retry`` raises ``NodeTimeoutError(...)`` by its module-level name and
    uses it nowhere else, so rebinding that name to a recording factory (which still returns
    the real exception class) tells the journal exactly which attempts timed out, and how,
    without guessing from the clock. Restored on exit, also when the run fails.
    """
    from langgraph.pregel import _retry

    original = _retry.NodeTimeoutError
    ctx.timeouts = []

    def recording(node: str, elapsed: float, **kwargs: Any) -> Any:
        exc = original(node, elapsed, **kwargs)
        ctx.timeouts.append(exc)  # type: ignore[union-attr]
        return exc

    _retry.NodeTimeoutError = recording  # type: ignore[assignment,misc]
    try:
        yield
    finally:
        _retry.NodeTimeoutError = original  # type: ignore[misc]


async def _forever() -> None:
    """Wait for something that never happens (only cancellation ends it)."""
    await asyncio.get_running_loop().create_future()


def iter_sites(inst: InstrumentedGraph) -> Iterator[NodeInfo]:
    """The user's nodes (not LangGraph's hidden handler nodes), in definition order."""
    for site in inst.sites():
        yield inst.nodes[site]
