"""``breakpoints``: ``interrupt_before``/``interrupt_after`` pause the thread, across drains and resumes.

A graph compiled with ``interrupt_before=[N]`` must pause before every superstep that would run
N, and with ``interrupt_after=[N]`` after every superstep that ran N; the run that continues is
the next resume. Judged over the history, run step by run step:

- N (``interrupt_before``) may run only in the first superstep of a resume of a paused run
  (stopped at that breakpoint or at an ``interrupt()``): in any other superstep, or in the
  resume of a drained, failed or killed run, the breakpoint was skipped;
- after a superstep that ran N (``interrupt_after``), the same run step runs nothing more.

langgraph < 1.2.15 checked a requested drain before the breakpoints, so the resume of a run
drained just before a breakpoint ran past it; 1.2.15 checks the drain after them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from chaos.checks import Violation, register_checker
from chaos.invariants._common import violation, where
from chaos.journal import StepRecord

if TYPE_CHECKING:
    from chaos.trial import TrialResult

NAME = "breakpoints"
#: langgraph < 1.2.15 drained in front of a breakpoint, and the resume skipped it.
DRAIN_FIXED_IN = (1, 2, 15)
_HANDLERS = ("__error_handler__", "__default_error_handler__")


def _nodes(result: TrialResult) -> tuple[list[str], list[str]]:
    graph = result.instrumented.graph if result.instrumented is not None else None
    before = getattr(graph, "interrupt_before_nodes", None) or []
    after = getattr(graph, "interrupt_after_nodes", None) or []
    return ([] if before == "*" else list(before)), ([] if after == "*" else list(after))


def _applies(result: TrialResult) -> bool:
    before, after = _nodes(result)
    return bool(before or after)


def check_breakpoints(result: TrialResult) -> Iterable[Violation]:
    """No node runs where an interrupt_before/interrupt_after breakpoint should have paused."""
    before, after = _nodes(result)
    runs = [s for s in result.journal.steps if s.kind in ("invoke", "resume") and s.outcome != "skipped"]
    previous: dict[str | None, StepRecord] = {}
    for step in runs:
        prior = previous.get(step.thread)
        previous[step.thread] = step
        attempts = [a for a in result.journal.attempts[step.first:step.last]
                    if a.step is not None and a.outcome != "cached" and "/" not in a.node]
        if not attempts:
            continue
        first = min(a.step for a in attempts if a.step is not None)
        for rec in attempts:
            if rec.node not in before or rec.attempt != 1:
                continue
            resumed_pause = step.kind == "resume" and prior is not None and prior.outcome == "interrupted"
            if rec.step == first and (resumed_pause or (step.kind == "resume" and prior is None)):
                continue  # a resume of a paused run (or of a run this journal did not see)
            if step.kind == "resume" and prior is not None and rec.step == first:
                why = (f"step {step.index} resumed a run that ended {prior.outcome} (step {prior.index}), not one "
                       f"paused at the breakpoint, and went past it" + _drain_defect(prior))
            else:
                why = (f"the run had already run superstep {first} and went on into superstep {rec.step} "
                       "without pausing")
            yield violation(
                NAME, result,
                f"{where(rec)} ran in step {step.index} ({step.detail}), but interrupt_before={before} "
                f"should have paused the thread before it: {why}. A breakpoint must hold across "
                "drains and resumes: the thread pauses there and the next resume runs the node.",
                rec,
            )
            return
        for rec in attempts:
            if rec.node not in after or rec.outcome != "ok":
                continue
            later = [a for a in attempts if a.step is not None and rec.step is not None and a.step > rec.step
                     and not a.node.startswith(_HANDLERS)]
            if later:
                nxt = later[0]
                yield violation(
                    NAME, result,
                    f"{where(nxt)} ran in step {step.index} ({step.detail}) after {rec.node!r} finished in "
                    f"superstep {rec.step}, but interrupt_after={after} should have paused the thread "
                    "after that superstep: the run went past the breakpoint. A breakpoint must hold "
                    "across drains and resumes.",
                    nxt,
                )
                return


def _drain_defect(prior: StepRecord) -> str:
    if prior.outcome != "drained":
        return ""
    from importlib.metadata import version

    from chaos.invariants.delta_culprit import langgraph_version

    if langgraph_version() < DRAIN_FIXED_IN:
        return (f" (this langgraph, {version('langgraph')}, checks a requested drain before the breakpoints, "
                "so it drained in front of one and the resume skipped it; fixed in langgraph 1.2.15: upgrade)")
    return ""


register_checker(NAME, check_breakpoints, applies_to=_applies)
