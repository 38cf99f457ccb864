"""The task boundary: where every task LangGraph runs gets its faults and its journal record.

Every task LangGraph executes (a node, a ``Send`` task, a Functional-API ``@task`` call, an
error-handler task, the nodes of a subgraph) is handed to ``run_with_retry`` or
``arun_with_retry``, which run its attempts by calling ``task.proc``. `task_boundary` rebinds
those two names in ``langgraph.pregel._runner`` (the only caller) for the duration of a run;
the replacement gives the retry loop a copy of the task whose ``proc`` is a `FaultProc`, so
each attempt the loop makes goes through the harness: journaled, maybe faulted, then run.
LangGraph keeps doing everything else (retry policies, timeouts, caching, error handlers,
``Command`` routing), so the faults meet exactly the policies production meets, and no node
callable is ever replaced.

A task belongs to an instrumented graph when its config carries the graph's `Instrumentation`
(the instrumented copy's config holds it under `MARKER`, and LangGraph hands configurable
values down to every task and subgraph). Other graphs running meanwhile pass straight through.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import copy
import dataclasses
import math
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.runnables.config import run_in_executor
from langgraph._internal._config import recast_checkpoint_ns
from langgraph._internal._constants import CONF, CONFIG_KEY_CHECKPOINT_NS, NS_SEP
from langgraph._internal._runnable import RunnableSeq
from langgraph.pregel import Pregel
from langgraph.types import PregelExecutableTask

from chaos.context import ActiveRun
from chaos.inject.attempt import _CURRENT_ATTEMPT, NO_TIMEOUT_REACHES, SYNC_CANNOT_TIME_OUT, Attempt
from chaos.inject.nodes import NodeInfo, TaskSpec

#: The configurable key under which an instrumented graph's config carries its `Instrumentation`.
#: Two leading underscores: LangChain copies no such key into run metadata, nor do checkpoints.
MARKER = "__chaos_instrumentation__"


@dataclass(eq=False)
class Instrumentation:
    """What the task boundary needs to know about one instrumented graph.

    Attributes:
        active: the slot holding the current run (None: tasks pass through).
        nodes: the graph's sites by name; ``@task`` functions first seen during a run are
            added here (one `NodeInfo` per task function, from the policies it was called with).
    """

    active: ActiveRun
    nodes: dict[str, NodeInfo]
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)

    def info_for(self, task: PregelExecutableTask) -> NodeInfo | None:
        """The site a task runs at, or None for tasks the harness does not fault.

        Subgraph container nodes are not sites of their own: their inner nodes are. A subgraph
        invoked from inside a node's body (not added as a node) is not instrumented.
        """
        site = site_of(task)
        info = self.nodes.get(site)
        if info is None and is_call(task):
            with self.lock:
                info = self.nodes.get(site)
                if info is None:
                    info = self.nodes[site] = task_info(site, task)
        if info is None or isinstance(getattr(info.spec, "runnable", None), Pregel):
            return None
        return info


def site_of(task: PregelExecutableTask) -> str:
    """``node``, or ``parent/child`` inside a subgraph: the task's namespace without task ids.

    An error-handler task runs in the namespace of the task that failed (``fetch|__error_handler__fetch``):
    its site is the handler node's, beside the failed node.
    A ``@task`` call runs in the namespace of the task that called it (``pipeline|fetch``): its
    site is the task function's, in the graph it runs in (``fetch``).
    """
    ns = task.config.get(CONF, {}).get(CONFIG_KEY_CHECKPOINT_NS) or task.name
    parts = recast_checkpoint_ns(ns).split(NS_SEP)
    callers = _callers(task) if is_call(task) else int(is_error_handler_task(task))
    if callers and len(parts) > callers:
        parts = [*parts[: -callers - 1], parts[-1]]
    return "/".join(parts)


def _callers(task: PregelExecutableTask) -> int:
    """How many tasks deep a ``@task`` call is: 1 when the entrypoint (or a node) called it."""
    depth, parent = 1, task.path[1]
    while _is_call_path(parent):
        assert isinstance(parent, tuple)
        depth, parent = depth + 1, parent[1]
    return depth


def is_error_handler_task(task: PregelExecutableTask) -> bool:
    """True for the task LangGraph runs a failed node's error handler in."""
    return len(task.path) >= 2 and task.path[-2] == "node_error_handler"


def is_call(task: PregelExecutableTask) -> bool:
    """True for a Functional-API ``@task`` call.

    LangGraph runs a call under the path ``(PUSH, caller's path, index, True)``.
    """
    return _is_call_path(task.path)


def _is_call_path(path: Any) -> bool:
    from langgraph._internal._constants import PUSH

    return isinstance(path, tuple) and len(path) == 4 and path[0] == PUSH and path[-1] is True


def task_info(site: str, task: PregelExecutableTask) -> NodeInfo:
    """A `NodeInfo` for a ``@task`` function, from the policies its call carries."""
    from langgraph.pregel._utils import _runnable_has_native_async

    # The call's CachePolicy is not on the task (only its cache key): None here; a task found
    # in the entrypoint's code beforehand (`chaos.inject.graph.pregel_sites`) has it.
    spec = TaskSpec(runnable=task.proc, retry_policy=task.retry_policy or None, timeout=task.timeout)
    return NodeInfo(site, spec, is_async=_runnable_has_native_async(task.proc))


class FaultProc(Runnable[Any, Any]):
    """A task's ``proc`` seen through the harness: each call is one journaled attempt."""

    def __init__(self, inner: Runnable[Any, Any], info: NodeInfo, active: ActiveRun, *, call: bool = False) -> None:
        self.inner = inner
        self.info = info
        self.active = active
        self.call = call
        self.name = inner.get_name()

    def journal_input(self, input: Any) -> Any:
        """The input as the journal keeps it: a ``@task`` called with one argument keeps that
        argument (what its CachePolicy's ``key_func`` is applied to), as a node keeps its state."""
        if self.call and isinstance(input, tuple) and len(input) == 2:
            args, kwargs = input
            if len(args) == 1 and not kwargs:
                return args[0]
        return input

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        """One attempt on LangGraph's sync loop: a sync body cannot be cancelled, so a hang ends the trial."""
        ctx = self.active.context
        if ctx is None or config is None:
            return self.inner.invoke(input, config, **kwargs)
        att = Attempt(ctx, self.info, config)
        token = _CURRENT_ATTEMPT.set(att)
        try:
            delay = att.before_body(self.journal_input(input), can_wait_forever=False, why=SYNC_CANNOT_TIME_OUT)
            if delay:
                time.sleep(delay)  # simulated: advances the trial clock
            result = self.inner.invoke(input, att.config, **kwargs)
            if att.after_body():
                raise att.hang_abort(SYNC_CANNOT_TIME_OUT)
        except BaseException as exc:
            att.finish_exception(exc)
            raise
        finally:
            _CURRENT_ATTEMPT.reset(token)
        att.finish("ok")
        return result

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        """One attempt on LangGraph's async loop."""
        async with self._attempt(config) as att:
            if att is None:
                return await self.inner.ainvoke(input, config, **kwargs)
            await self._before(att, input)
            result = await self.inner.ainvoke(input, att.config, **kwargs)
            await self._after(att)
            return result

    async def astream(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any | None) -> AsyncIterator[Any]:
        """One attempt on LangGraph's async loop, streamed (LangGraph streams a task's chunks)."""
        async with self._attempt(config) as att:
            if att is None:
                async for chunk in self.inner.astream(input, config, **kwargs):
                    yield chunk
                return
            await self._before(att, input)
            async for chunk in self.inner.astream(input, att.config, **kwargs):
                yield chunk
            await self._after(att)

    async def _before(self, att: Attempt, input: Any) -> None:
        if not self.info.is_async:
            if att.fault is not None:
                # A sync body runs as an executor job: its fault acts in one too, queued behind
                # the jobs of the siblings that started first, as the body would be.
                await run_in_executor(None, self._sync_before, att, input)
            else:
                att.note_input(self.journal_input(input))  # what before_body keeps, for the checkers
            att.note_heartbeat_passthrough()
            return
        delay = att.before_body(self.journal_input(input), can_wait_forever=self.info.can_time_out, why=NO_TIMEOUT_REACHES)
        if delay == math.inf:
            await _forever()  # only a timeout watchdog's cancellation ends it
        elif delay:
            await asyncio.sleep(delay)
        att.note_heartbeat_passthrough()

    def _sync_before(self, att: Attempt, input: Any) -> None:
        # A sync body runs on a thread nothing can cancel, so no timeout can end its hang.
        delay = att.before_body(self.journal_input(input), can_wait_forever=False, why=SYNC_CANNOT_TIME_OUT)
        if delay:
            time.sleep(delay)  # simulated: advances the trial clock

    async def _after(self, att: Attempt) -> None:
        if att.after_body():
            if not (self.info.is_async and self.info.can_time_out):
                raise att.hang_abort(NO_TIMEOUT_REACHES if self.info.is_async else SYNC_CANNOT_TIME_OUT)
            await _forever()

    @contextlib.asynccontextmanager
    async def _attempt(self, config: RunnableConfig | None) -> AsyncIterator[Attempt | None]:
        """The attempt around an async body: its outcome recorded however the body ends."""
        ctx = self.active.context
        if ctx is None or config is None:
            yield None
            return
        att = Attempt(ctx, self.info, config)
        token = _CURRENT_ATTEMPT.set(att)
        try:
            yield att
        except asyncio.CancelledError as exc:
            if _cancel_requested():
                att.finish_cancelled()
            else:  # the body raised it itself: a node failure (see chaos.invariants.cancellation)
                att.finish("error", exc)
            raise
        except BaseException as exc:
            att.finish_exception(exc)
            raise
        finally:
            _CURRENT_ATTEMPT.reset(token)
        att.finish("ok")
        if _cancel_requested():
            ctx.event("swallowed_cancel", self.info.site, f"{att.rec.task} attempt {att.rec.attempt}")


def _cancel_requested() -> bool:
    """True when someone cancelled the running task (a watchdog, a failed sibling, the caller).

    A body that raises ``CancelledError`` with no cancellation requested raised it itself; a
    body that returns while one is still requested swallowed it.
    """
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


async def _forever() -> None:
    """Wait for something that never happens (only cancellation ends it)."""
    await asyncio.get_running_loop().create_future()


def through_boundary(task: PregelExecutableTask) -> PregelExecutableTask:
    """The task the retry loop should run: a copy whose body is a `FaultProc` when the harness faults it.

    Only the node's body is the attempt; the channel writers LangGraph appends to it run after,
    as in production (a lost result is lost before its writes are sent; a cancellation landing
    while LangGraph finishes a task does not make a finished body a cancelled one). The copy
    shares the original's ``writes`` (the runner commits those of the original).
    """
    marker = task.config.get(CONF, {}).get(MARKER)
    if not isinstance(marker, Instrumentation):
        marker = _RUNNING.get()
    if marker is None or marker.active.context is None:
        return task
    info = marker.info_for(task)
    if info is None:
        return task
    proc = task.proc
    steps = getattr(proc, "steps", None)
    writers = list(task.writers)
    if isinstance(proc, RunnableSeq) and steps is not None and writers and steps[len(steps) - len(writers):] == writers:
        body_steps = steps[: len(steps) - len(writers)]
        if not body_steps:
            return task  # a node with no body of its own: only writes
        body: Runnable[Any, Any]
        if len(body_steps) == 1:
            body = body_steps[0]
        else:
            body = seq = copy.copy(proc)
            seq.steps = body_steps
        proc = seq = copy.copy(proc)
        seq.steps = [FaultProc(body, info, marker.active, call=is_call(task)), *writers]
    else:
        proc = FaultProc(proc, info, marker.active, call=is_call(task))
    return dataclasses.replace(task, proc=proc)


#: The instrumented graph whose run this context is in (`task_boundary`): how tasks are told
#: apart where the graph's config does not reach them (langgraph < 1.2.x's ensure_config
#: replaces, rather than merges, a graph's own configurable with the caller's).
_RUNNING: contextvars.ContextVar[Instrumentation | None] = contextvars.ContextVar("chaos_running", default=None)

_lock = threading.Lock()
_depth = 0
_originals: dict[str, Callable[..., Any]] = {}


def _hooked_sync(original: Callable[..., Any]) -> Callable[..., Any]:
    def run_with_retry(task: PregelExecutableTask, *args: Any, **kwargs: Any) -> Any:
        return original(through_boundary(task), *args, **kwargs)

    return run_with_retry


def _hooked_async(original: Callable[..., Any]) -> Callable[..., Any]:
    async def arun_with_retry(task: PregelExecutableTask, *args: Any, **kwargs: Any) -> Any:
        return await original(through_boundary(task), *args, **kwargs)

    return arun_with_retry


HOOK_POINTS = ("run_with_retry", "arun_with_retry")


@contextlib.contextmanager
def task_boundary(graph: Pregel[Any, Any, Any, Any] | None = None) -> Iterator[None]:
    """Route every task LangGraph runs through the harness while inside (re-entrant, thread-safe).

    Runs may nest and overlap (a repeat's invocations run on their own threads): the names are
    rebound by the first to enter and restored by the last to leave. ``graph`` (an
    instrumented copy) is the graph this context runs: its tasks are faulted even where its
    config does not reach them.
    """
    global _depth
    marker = ((graph.config or {}).get(CONF) or {}).get(MARKER) if graph is not None else None
    token = _RUNNING.set(marker if isinstance(marker, Instrumentation) else None)
    from langgraph.pregel import _runner

    with _lock:
        if _depth == 0:
            missing = [name for name in HOOK_POINTS if not callable(getattr(_runner, name, None))]
            if missing:  # pragma: no cover - checked on every supported release by tests/engine
                raise RuntimeError(
                    f"langgraph.pregel._runner has no {', '.join(missing)}: this langgraph release "
                    "moved the retry loop; langgraph-chaos needs updating for it"
                )
            _originals.update({name: getattr(_runner, name) for name in HOOK_POINTS})
            setattr(_runner, "run_with_retry", _hooked_sync(_originals["run_with_retry"]))  # noqa: B010
            setattr(_runner, "arun_with_retry", _hooked_async(_originals["arun_with_retry"]))  # noqa: B010
        _depth += 1
    try:
        yield
    finally:
        _RUNNING.reset(token)
        with _lock:
            _depth -= 1
            if _depth == 0:
                for name, fn in _originals.items():
                    setattr(_runner, name, fn)
                _originals.clear()


def mark(graph: Pregel[Any, Any, Any, Any], instrumentation: Instrumentation) -> None:
    """Make every task of ``graph`` (a harness-owned copy) carry ``instrumentation``."""
    from langchain_core.runnables.config import merge_configs

    graph.config = merge_configs(graph.config, {"configurable": {MARKER: instrumentation}})


async def call_node_body(runnable: Runnable[Any, Any], state: Any) -> Any:
    """Run a node's own runnable on ``state`` outside any graph run.

    ``cache_hits`` reruns a cached node's body uncached to compare it with the hit: with no
    task of an instrumented graph around it, no fault lands and nothing is journaled.
    """
    return await runnable.ainvoke(state)
