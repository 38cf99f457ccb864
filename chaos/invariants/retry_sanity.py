"""``retry_sanity``: a RetryPolicy does not retry a failure that cannot change.

A retry helps only when the next attempt can succeed. When a task fails at least three times
with the same exception type and the same message on the same input, and none of those
failures was injected by the harness, the failure is deterministic (bad input, a bug, a
rejected request) and every retry only adds latency and load: ``retry_on`` accepts an
exception it should reject. Timeouts are left out (a slow upstream can recover).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from chaos.checks import Violation, register_checker
from chaos.invariants._common import node_tasks, violation, where
from chaos.journal import AttemptRecord

if TYPE_CHECKING:
    from chaos.trial import TrialResult

NAME = "retry_sanity"
#: Identical failures in a row (of one task, on one input) that make a failure deterministic.
SAME_FAILURES = 3


def check_retry_sanity(result: TrialResult) -> Iterable[Violation]:
    """No task is retried through >= 3 identical, non-injected failures on unchanged input."""
    for _task, attempts in node_tasks(result):
        run: list[AttemptRecord] = []
        for rec in attempts:
            if run and _same_failure(run[-1], rec):
                run.append(rec)
            elif _own_failure(rec):
                run = [rec]
            else:
                run = []
            if len(run) == SAME_FAILURES:
                first = run[0]
                yield violation(
                    NAME, result,
                    f"{where(first)}: attempts {', '.join(str(a.attempt) for a in run)} all failed with "
                    f"{first.error}: {first.error_message!r} on the same input, and none of these "
                    "failures was injected: the failure is deterministic and the retries only add "
                    "latency and load. Make retry_on reject it (retry transient errors only: "
                    "connection errors, timeouts, 429 and 5xx), or fix the input or the node.",
                    run[-1], t=run[-1].end,
                )


def _own_failure(rec: AttemptRecord) -> bool:
    """A failure the node produced itself (not injected, not a timeout or cancellation)."""
    return rec.outcome == "error" and rec.fault is None and rec.error is not None


def _same_failure(prev: AttemptRecord, rec: AttemptRecord) -> bool:
    return (
        _own_failure(rec)
        and rec.error == prev.error
        and rec.error_message == prev.error_message
        and _same_input(prev.input, rec.input)
    )


def _same_input(a: Any, b: Any) -> bool:
    if a is b:
        return True
    try:
        return bool(a == b)
    except Exception:  # an input that cannot be compared is taken as unchanged
        return True


register_checker(NAME, check_retry_sanity)
