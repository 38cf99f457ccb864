"""``resume_exactly_once``: across fail-then-resume, a task that finished never runs again.

A superstep in which some tasks succeed and one fails for good leaves the successes as pending
writes of that superstep's checkpoint. Resuming the thread (``Resume()`` with only the thread
id) must rerun only the failed and the un-started tasks: a finished sibling, or an error
handler whose update committed, that runs again repeats its side effects (a second payment, a
second e-mail) and its writes are applied twice.

Counted from the journal over the whole history: LangGraph derives a task's id from the
checkpoint it starts from, so the same task resumed from the same checkpoint keeps its id; an
attempt whose (node, task id) already finished ``ok`` in an earlier run step is a rerun.
(Drain and kill trials have their own ``exactly_once``, judged from the shutdown record.)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from chaos.checks import Violation, register_checker
from chaos.invariants._common import violation, where
from chaos.journal import AttemptRecord, StepRecord

if TYPE_CHECKING:
    from chaos.trial import TrialResult

NAME = "resume_exactly_once"
#: langgraph < 1.2.16 read any ``checkpoint_id`` key in the config, even ``None``, as "replay
#: from this checkpoint": a service's kept config (``checkpoint_id: None``) and every subgraph
#: (whose task configs carry ``checkpoint_id: None``) reran finished tasks on resume
#: (langchain-ai/langgraph#6792). 1.2.16 tests the value.
CHECKPOINT_ID_FIXED_IN = (1, 2, 16)


def _has_resume(result: TrialResult) -> bool:
    return any(s.kind == "resume" and s.outcome != "skipped" for s in result.journal.steps)


def _step_of(steps: list[StepRecord], index: int) -> StepRecord | None:
    for s in steps:
        if s.first <= index < s.last:
            return s
    return None


def check_exactly_once(result: TrialResult) -> Iterable[Violation]:
    """No (node, task) that finished ok in one run step runs again in a later one."""
    steps = result.journal.steps
    finished: dict[tuple[str, str], tuple[AttemptRecord, StepRecord]] = {}
    reported: set[tuple[str, str]] = set()
    for i, rec in enumerate(result.journal.attempts):
        if rec.task_id is None or rec.outcome == "cached":
            continue
        step = _step_of(steps, i)
        if step is None:
            continue
        key = (rec.node, rec.task_id)
        done = finished.get(key)
        if done is not None and done[1].index != step.index and key not in reported:
            first, first_step = done
            reported.add(key)
            yield violation(
                NAME, result,
                f"{where(first, first.end)} finished ok in step {first_step.index} ({first_step.kind}, "
                f"the run ended {first_step.outcome}), and its body ran again when step {step.index} "
                f"({step.detail}) continued the thread (attempt {rec.attempt} at t={rec.start:g}s): a "
                "resume must rerun only the failed and the un-started tasks, so its side effects "
                "happened twice. " + _cause(rec, step),
                rec, t=rec.start,
            )
        if rec.outcome == "ok" and done is None:
            finished[key] = (rec, step)
    yield from _more_than_baseline(result, reported)


def _more_than_baseline(result: TrialResult, reported: set[tuple[str, str]]) -> Iterable[Violation]:
    """A node that finished in one run step and again in a later one, more often than in the
    fault-free baseline: a resume that replayed (new task ids: a pinned checkpoint_id forks)."""
    base = result.baseline
    if base is None or base.outcome != "ok":
        return
    steps = result.journal.steps
    done_before: dict[str, tuple[AttemptRecord, StepRecord]] = {}
    count: dict[str, int] = {}
    base_count: dict[str, int] = {}
    for a in base.attempts:
        if a.outcome == "ok" and not _is_handler(a.node):
            base_count[a.node] = base_count.get(a.node, 0) + 1
    flagged = {node for node, _tid in reported}
    for i, rec in enumerate(result.journal.attempts):
        if rec.outcome != "ok" or _is_handler(rec.node):
            continue
        step = _step_of(steps, i)
        if step is None:
            continue
        count[rec.node] = count.get(rec.node, 0) + 1
        first = done_before.get(rec.node)
        if first is None:
            done_before[rec.node] = (rec, step)
            continue
        if first[1].index != step.index and step.kind == "resume" and rec.node not in flagged \
                and count[rec.node] > base_count.get(rec.node, 0):
            flagged.add(rec.node)
            prev, prev_step = first
            yield violation(
                NAME, result,
                f"{where(prev, prev.end)} finished ok in step {prev_step.index} ({prev_step.kind}, the run "
                f"ended {prev_step.outcome}), and node {rec.node!r} finished again as task {rec.task} when "
                f"step {step.index} ({step.detail}) continued the thread: {count[rec.node]} successful runs "
                f"across the history, the fault-free baseline ran it {base_count.get(rec.node, 0)} time(s). "
                "A resume must rerun only the failed and the un-started tasks. " + _cause(rec, step),
                rec, t=rec.start,
            )


def _is_handler(site: str) -> bool:
    return site.rsplit("/", 1)[-1].startswith(("__error_handler__", "__default_error_handler__"))


def _cause(rec: AttemptRecord, step: StepRecord) -> str:
    if _is_handler(rec.node):
        return ("An error handler whose update committed must not rerun: LangGraph keeps no record "
                "that it finished and reruns it for the failure's __error__ write "
                "(langchain-ai/langgraph#9002, open; seen on langgraph 1.2.2, 1.2.12 and 1.2.24).")
    if "'checkpoint_id': '<id>'" in step.detail:
        return ("The resume config pinned a checkpoint_id: LangGraph replays from that checkpoint "
                "(time travel) and reruns its tasks instead of resuming. Resume with "
                "{'configurable': {'thread_id': ...}} only.")
    from chaos.invariants.delta_culprit import langgraph_version

    if langgraph_version() < CHECKPOINT_ID_FIXED_IN and ("'checkpoint_id': None" in step.detail or "/" in rec.node):
        from importlib.metadata import version

        what = ("the resume config carries checkpoint_id: None" if "'checkpoint_id': None" in step.detail
                else f"the node runs in subgraph {rec.node.rsplit('/', 1)[0]!r}, whose task config carries checkpoint_id: None")
        return (f"This langgraph ({version('langgraph')}) reads any checkpoint_id key as a replay and "
                f"{what}: the defect langchain-ai/langgraph#6792, fixed in langgraph 1.2.16 (it tests "
                "the value). Upgrade langgraph, or resume with only the thread id.")
    return ("Its writes should have been kept as pending writes of its superstep: the saver dropped "
            "them, or the resume config named a checkpoint_id (that replays from the checkpoint "
            "instead of resuming; resume with {'configurable': {'thread_id': ...}} only).")


register_checker(NAME, check_exactly_once, applies_to=_has_resume)
