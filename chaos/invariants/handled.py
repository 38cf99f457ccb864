"""``handled_failures``: a failure an error handler handled does not fail the run.

When a node's retries are exhausted and its error handler ran and ended ``ok``, the failure is
handled: the run must not end with that node's exception, whichever way the graph is driven
(``invoke``, ``ainvoke``, ``stream``/``astream`` in any stream mode, ``astream_events``) and also
when the failing node ran in parallel with others. The handler must run once per failure and
receive the original exception object in its ``NodeError`` (`error_handler` checks those).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from chaos.checks import Violation, register_checker
from chaos.invariants._common import violation, where

if TYPE_CHECKING:
    from chaos.trial import TrialResult

NAME = "handled_failures"
#: langgraph < 1.2.18 re-raised a handled failure from its background executor when the node ran
#: in parallel with other tasks, or under the custom/messages stream modes (the fast path for
#: a single task hid it): langchain-ai/langgraph#8277, #8608; 1.2.18 skips re-raising it.
FIXED_IN = (1, 2, 18)
_DEFECT = (
    " This langgraph ({version}) has the defect langchain-ai/langgraph#8277/#8608 (the executor "
    "re-raises a handled failure of a node that ran in parallel, or under custom/messages "
    "streaming), fixed in langgraph 1.2.18: upgrade langgraph."
)
_HANDLERS = ("__error_handler__", "__default_error_handler__")


def check_handled_failures(result: TrialResult) -> Iterable[Violation]:
    """The run does not end with the exception of a node whose handler ended ok."""
    journal = result.journal
    # Each run step that failed (a later resume may have finished the thread since).
    ended = [(s.error, s.error_message or "", s.first, s.last) for s in journal.steps
             if s.kind in ("invoke", "resume") and s.outcome == "error" and s.error]
    if not ended and journal.error is not None:
        ended = [(journal.error, journal.error_message or "", 0, len(journal.attempts))]
    for i, rec in enumerate(journal.attempts):
        if rec.outcome != "ok" or not rec.node.rsplit("/", 1)[-1].startswith(_HANDLERS):
            continue
        err = getattr(rec.node_error, "error", None)
        if err is None:
            continue
        if any(first <= i < last and type(err).__name__ == error and str(err)[:200] == message[:200]
               for error, message, first, last in ended):
            failed = getattr(rec.node_error, "node", "?")
            yield violation(
                NAME, result,
                f"{where(rec, rec.end)}: the error handler handled the failure of node {failed!r} "
                f"({type(err).__name__}: {err}) and ended ok, yet the run ({result.drive}) ended with "
                "that same exception: a handled failure must not reach the caller. Expected the run "
                "to continue where the handler routed it." + _known_defect(),
                rec, t=rec.end,
            )
            return


def _known_defect() -> str:
    from importlib.metadata import version

    from chaos.invariants.delta_culprit import langgraph_version

    return _DEFECT.format(version=version("langgraph")) if langgraph_version() < FIXED_IN else ""


register_checker(NAME, check_handled_failures)
