"""``no_partial_writes``: failed attempts leave nothing behind; successful siblings leave it once.

Read from the checkpointer (every checkpoint of the chaos run's thread, subgraphs included):

- a task whose attempt failed, timed out or was cancelled (it has an ``__error__`` write) must
  have no other channel writes: anything else is a partial write. LangGraph keeps it as a
  pending write, ``get_state()`` shows it, and a resume reads the task as finished and skips it
  and everything downstream (semantics §7: writes sent mid-node by the *last* failing attempt
  survive; earlier attempts' writes are cleared);
- a task that succeeded in the chaos run has its writes stored (not lost when a sibling in the
  same superstep failed, or a resume would run it again), under one checkpoint, each once
  (not applied twice).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from chaos.checks import Violation, register_checker
from chaos.invariants._common import node_tasks, thread_writes, violation, where

if TYPE_CHECKING:
    from langchain_core.runnables import RunnableConfig

    from chaos.trial import TrialResult

NAME = "no_partial_writes"
_ERROR = "__error__"
#: The channel Send packets travel on: a task may legitimately send the same packet twice.
_TASKS = "__pregel_tasks"


def check_no_partial_writes(result: TrialResult) -> Iterable[Violation]:
    """No write of a failed attempt is kept; every successful task's writes are kept exactly once."""
    checkpoints = thread_writes(result)
    if not any(pending for _meta, pending in checkpoints):
        return  # no checkpointer, or durability="exit": nothing was persisted to check
    by_task: dict[str, list[tuple[int, str, Any]]] = defaultdict(list)
    for n, (_meta, pending) in enumerate(checkpoints):
        for task_id, channel, value in pending:
            by_task[task_id].append((n, channel, value))
    steps = {n: meta.get("step") for n, (meta, _p) in enumerate(checkpoints)}
    # Only the first invocation ran on chaos_config's thread (``repeat`` runs use their own).
    records = {
        a.task_id: a
        for a in result.journal.attempts
        if a.task_id and not _is_handler(a.node) and a.invocation == 0
    }

    # A task resumed in a later run step (same task id) writes next to its earlier error.
    rerun = {a.task_id for a in result.journal.attempts if a.task_id and a.invocation > 0}
    # Names from the checkpointer's snapshots only for a violation that needs one: reading the
    # state history prepares every superstep's tasks (as much CPU as the rest of the trial's
    # checks), and most trials have tasks the journal does not name (``__start__``'s input).
    task_names: dict[str, str] | None = None
    for task_id, writes in by_task.items():
        channels = {ch for _n, ch, _v in writes}
        if _ERROR not in channels or task_id in rerun:
            continue
        partial = sorted(ch for ch in channels if not ch.startswith("__"))
        if partial:
            rec = records.get(task_id)
            if rec is None and task_names is None:
                task_names = _task_names(result)
            error = next(repr(v)[:120] for _n, ch, v in writes if ch == _ERROR)
            at = where(rec, rec.end) if rec is not None else f"task {task_id} (checkpoint step {steps[writes[0][0]]})"
            yield violation(
                NAME, result,
                f"{at}: the attempt failed ({error}) but its writes to {partial} are kept in the "
                "checkpointer next to the error: get_state() shows them, and a resume reads the "
                "task as finished and never reruns it or the nodes after it. Expected only the "
                "__error__ write. Write state only in the node's return value (LangGraph keeps "
                "writes sent mid-node by the last failing attempt).",
                rec, node=rec.node if rec else (task_names or {}).get(task_id), t=rec.end if rec else None,
            )

    if result.journal.outcome not in ("ok", "error"):
        return  # an aborted run stops tasks before they commit
    for _task, attempts in node_tasks(result):
        last = attempts[-1]
        if last.outcome != "ok" or not last.task_id or _is_handler(last.node) or last.invocation:
            continue
        writes = by_task.get(last.task_id, [])
        if not writes:
            yield violation(
                NAME, result,
                f"{where(last, last.end)}: the attempt succeeded but the checkpointer holds none of "
                "its writes: they are lost (a resume would run it again; its siblings' failure must "
                "not discard them). Expected its writes as pending writes of its superstep.",
                last, t=last.end,
            )
            continue
        where_stored = sorted({n for n, _ch, _v in writes})
        dupes = Counter((ch, repr(v)) for _n, ch, v in writes if ch != _TASKS and not ch.startswith("__"))
        doubled = sorted(ch for (ch, _v), k in dupes.items() if k > 1)
        if len(where_stored) > 1 or doubled:
            what = (f"stored under {len(where_stored)} checkpoints (steps "
                    f"{[steps[n] for n in where_stored]})" if len(where_stored) > 1
                    else f"the same write to {doubled} stored {max(dupes.values())} times")
            yield violation(
                NAME, result,
                f"{where(last, last.end)}: the task's writes are applied twice: {what}. Expected "
                "each write once, under the checkpoint of its superstep.",
                last, t=last.end,
            )


def _task_names(result: TrialResult) -> dict[str, str]:
    """Task id -> node name from the checkpointer, for tasks the journal has no record of.

    The violation must still name the node (a task whose attempt the journal never saw: a
    record lost with a killed child, a node that is not instrumented); LangGraph's snapshots of
    the chaos run's thread list each superstep's tasks with their names.
    """
    inst, cfg = result.instrumented, result.chaos_config
    if inst is None or cfg is None:
        return {}
    try:
        return {t.id: t.name for snap in inst.graph.get_state_history(cast("RunnableConfig", cfg)) for t in snap.tasks}
    except Exception:  # a saver without a sync API: the message still names the task id
        return {}


def _is_handler(site: str) -> bool:
    # A handler's execution info carries the failed task's id, not its own.
    return site.rsplit("/", 1)[-1].startswith(("__error_handler__", "__default_error_handler__"))


register_checker(NAME, check_no_partial_writes)
