"""``retry_after`` (opt-in): a retry after a 429/503 that carried ``Retry-After`` waits for it.

LangGraph's ``RetryPolicy`` ignores ``Retry-After`` (its backoff is the policy's own), so this
invariant is opt-in: enable it with ``chaos.run(..., enable=["retry_after"])`` for graphs that
promise to honour the header (a ``retry_on`` that sleeps, a client-level retry, a policy whose
backoff is never shorter than the server's answers).

Only the delta-seconds form is checked against the simulated clock; an HTTP-date form is
checked when the response also carries a ``Date`` header to measure it from.
"""

from __future__ import annotations

from collections.abc import Iterable
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

import httpx

from chaos.checks import Violation, register_checker
from chaos.invariants._common import EPS, node_tasks, violation, where

if TYPE_CHECKING:
    from chaos.trial import TrialResult

NAME = "retry_after"
_STATUSES = (429, 503)


def retry_after_seconds(exc: BaseException | None) -> float | None:
    """The delay a 429/503 ``httpx.HTTPStatusError`` asks for, or None."""
    if not isinstance(exc, httpx.HTTPStatusError) or exc.response.status_code not in _STATUSES:
        return None
    value = exc.response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    date = exc.response.headers.get("Date")
    if date is None:
        return None
    try:
        return max(0.0, (parsedate_to_datetime(value) - parsedate_to_datetime(date)).total_seconds())
    except (TypeError, ValueError):
        return None


@register_checker(NAME, opt_in=True)
def check_retry_after(result: TrialResult) -> Iterable[Violation]:
    """A retry never starts before the ``Retry-After`` of the answer that failed the attempt."""
    for _task, attempts in node_tasks(result):
        for rec, nxt in zip(attempts, attempts[1:]):
            delay = retry_after_seconds(rec.exc)
            if delay is None or rec.end is None:
                continue
            gap = nxt.start - rec.end
            if gap < delay - EPS:
                status = rec.exc.response.status_code  # type: ignore[union-attr]  # delay is set: an HTTP error
                yield violation(
                    NAME, result,
                    f"{where(nxt)}: attempt {rec.attempt} got HTTP {status} with Retry-After: "
                    f"{rec.exc.response.headers['Retry-After']} at t={rec.end:g}s, "  # type: ignore[union-attr]  # as above
                    f"so the retry must wait at least {delay:g}s; it started after {gap:g}s. "
                    "LangGraph's RetryPolicy ignores Retry-After: give the policy an "
                    f"initial_interval >= {delay:g}s or honour the header in the node.",
                    nxt,
                )
