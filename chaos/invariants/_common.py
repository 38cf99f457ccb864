"""Helpers shared by the checkers: where an attempt is, how to reproduce, policies by node."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from chaos.checks import Violation
from chaos.journal import AttemptRecord

if TYPE_CHECKING:
    from chaos.inject import NodeInfo
    from chaos.trial import TrialResult

#: Slack for comparing simulated times that went through float arithmetic.
EPS = 1e-6


def where(rec: AttemptRecord, t: float | None = None) -> str:
    """``node 'fetch' task fetch#1 attempt 2 superstep 0 at t=1.0s`` for a message."""
    when = rec.start if t is None else t
    step = "?" if rec.step is None else rec.step
    return f"node {rec.node!r} task {rec.task} attempt {rec.attempt} superstep {step} at t={when:g}s"


def reproduce(result: TrialResult) -> str:
    """The sentence every message ends with: the command that replays the trial."""
    if result.repro:
        return f" Reproduce: {result.repro}"
    return f" Reproduce: rerun trial {result.id!r} with seed={result.seed}."


def violation(
    name: str, result: TrialResult, message: str, rec: AttemptRecord | None = None, *,
    node: str | None = None, t: float | None = None,
) -> Violation:
    """A violation located at ``rec`` (when given) whose message ends with the repro command."""
    return Violation(
        name,
        message + reproduce(result),
        node=rec.node if rec is not None else node,
        time=(rec.start if t is None else t) if rec is not None else t,
        task=rec.task if rec is not None else None,
        attempt=rec.attempt if rec is not None else None,
        step=rec.step if rec is not None else None,
    )


def node_tasks(result: TrialResult) -> Iterator[tuple[str, list[AttemptRecord]]]:
    """Executed (not cache-served) attempts of the chaos run grouped by task label."""
    for task, attempts in result.journal.tasks().items():
        real = [a for a in attempts if a.outcome != "cached"]
        if real:
            yield task, real


def node_info(result: TrialResult, site: str) -> NodeInfo | None:
    inst = result.instrumented
    return inst.nodes.get(site) if inst is not None else None


def owner_graph(result: TrialResult, site: str) -> Any:
    """The compiled graph (the root or a subgraph) that runs the node at ``site``."""
    inst = result.instrumented
    if inst is None:
        return None
    graph: Any = inst.graph
    for part in site.split("/")[:-1]:
        spec = graph.builder.nodes.get(part) if getattr(graph, "builder", None) is not None else None
        if spec is None:
            return None
        graph = spec.runnable
    return graph


def effective_retry_policy(result: TrialResult, site: str) -> Any:
    """``task.retry_policy or graph.retry_policy``, as LangGraph resolves it (semantics §1)."""
    info = node_info(result, site)
    own = info.retry_policy if info is not None and info.spec is not None else None
    if own:
        return own
    graph = owner_graph(result, site)
    return getattr(graph, "retry_policy", None)


def thread_writes(result: TrialResult) -> list[tuple[dict[str, Any], list[tuple[str, str, Any]]]]:
    """(checkpoint metadata, pending writes) of every checkpoint of the chaos run's thread, in
    every namespace (subgraphs included), newest first as the saver lists them. Empty when the
    graph has no checkpointer."""
    inst, cfg = result.instrumented, result.chaos_config
    saver = getattr(inst.graph, "checkpointer", None) if inst is not None else None
    if saver is None or saver is True or cfg is None:
        return []
    thread = {"configurable": {"thread_id": cfg["configurable"]["thread_id"]}}
    return [(dict(t.metadata or {}), list(t.pending_writes or [])) for t in saver.list(thread)]
