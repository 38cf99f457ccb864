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
                f"({step.kind}) continued the thread (attempt {rec.attempt} at t={rec.start:g}s): a "
                "resume must rerun only the failed and the un-started tasks, so its side effects "
                "happened twice. Its writes should have been kept as pending writes of its "
                "superstep: the saver dropped them, or the resume config named a checkpoint_id "
                "(that replays from the checkpoint instead of resuming; resume with "
                "{'configurable': {'thread_id': ...}} only).",
                rec, t=rec.start,
            )
        if rec.outcome == "ok" and done is None:
            finished[key] = (rec, step)


register_checker(NAME, check_exactly_once, applies_to=_has_resume)
