"""``interrupts_answered``: once an ``interrupt()`` is answered, it is never asked again.

After ``Command(resume=answer)`` is delivered for a pending interrupt, no later run of the
thread may stop at an interrupt with the same id: the user answered it, and asking again means
the answer was lost (the node was retried, or failed after the answer, and LangGraph replayed
it without the answer). An interrupt re-asked after a resume *without* an answer
(``Resume()``, input ``None``) is expected and not reported.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from chaos.checks import Violation, register_checker
from chaos.invariants._common import violation

if TYPE_CHECKING:
    from chaos.trial import TrialResult

NAME = "interrupts_answered"


def _answers(result: TrialResult) -> bool:
    return any(s.kind == "resume" and s.detail.startswith("resume with Command") for s in result.journal.steps)


def check_interrupts_answered(result: TrialResult) -> Iterable[Violation]:
    """No interrupt id reappears after a resume step delivered an answer for it."""
    # Keyed by (interrupt id, question): the interrupts of one task share an id.
    pending: dict[tuple[str, str], int] = {}  # -> the step that asked it
    answered: dict[tuple[str, str], tuple[int, str]] = {}  # -> (answering step, its detail)
    for step in result.journal.steps:
        if step.kind == "resume" and step.outcome != "skipped" and step.detail.startswith("resume with Command"):
            for key in list(pending):
                answered[key] = (step.index, step.detail)
                del pending[key]
        for iid, question in step.interrupts_asked:
            key = (iid, question)
            if key in answered:
                by, detail = answered[key]
                yield violation(
                    NAME, result,
                    f"step {step.index} ({step.kind}) stopped at interrupt {iid} ({question}) again, although step "
                    f"{by} answered it ({detail}): the answer was lost and the user is asked the same "
                    "question twice. LangGraph must replay a delivered answer when the node is "
                    "retried or rerun after it (langgraph < 1.2.20 did not reset the interrupt counter "
                    "on retry); keep side effects after interrupt() idempotent and do not fail after "
                    "the answer, or upgrade langgraph.",
                    t=step.start,
                )
                del answered[key]
            else:
                pending[key] = step.index


register_checker(NAME, check_interrupts_answered, applies_to=_answers)
