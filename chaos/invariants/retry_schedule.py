"""``retry_schedule``: each node task's attempts follow its retry policies as LangGraph applies them.

The journal's attempts of one task are replayed through the reference model
(`chaos.invariants.retry_model`) with the exceptions they actually raised: every retry must be
one the model makes (a matching policy, under its ``max_attempts``), must start no earlier than
its backoff (and, on the simulated clock, no later than backoff plus the jitter's one second),
and a task may not give up while the model still retries. ``retry_on`` is evaluated again by
the checker, so it must be a pure function of the exception.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Literal

from langgraph.errors import NodeTimeoutError
from langgraph.types import RetryPolicy

from chaos.checks import Violation, register_checker
from chaos.invariants._common import EPS, effective_retry_policy, node_info, node_tasks, violation, where
from chaos.invariants.retry_model import after_failure, normalize
from chaos.journal import AttemptRecord

if TYPE_CHECKING:
    from chaos.trial import TrialResult

NAME = "retry_schedule"
_FAILED = ("error", "timeout", "cancelled", "aborted", "interrupted")


def check_retry_schedule(result: TrialResult) -> Iterable[Violation]:
    """Every task's attempts match the model of its retry policies."""
    for _task, attempts in node_tasks(result):
        site = attempts[0].node
        policies = normalize(effective_retry_policy(result, site))
        yield from check_task(result, attempts, policies)


def attempt_exception(rec: AttemptRecord) -> BaseException | None:
    """The exception LangGraph's retry loop saw for a failed attempt (None if unknown)."""
    if rec.outcome == "timeout":
        # The node body saw a cancellation; LangGraph raised this in its place.
        name = rec.node.rsplit("/", 1)[-1]
        kind: Literal["idle", "run"] = "idle" if rec.timeout_kind == "idle" else "run"
        elapsed = rec.duration or 0.0
        return NodeTimeoutError(name, elapsed, kind=kind, idle_timeout=elapsed if kind == "idle" else None,
                                run_timeout=elapsed if kind == "run" else None)
    if rec.outcome == "cancelled":
        return asyncio.CancelledError()
    return rec.exc


def check_task(result: TrialResult, attempts: Sequence[AttemptRecord], policies: Sequence[RetryPolicy]) -> Iterable[Violation]:
    site = attempts[0].node
    info = node_info(result, site)
    # On the simulated clock an async node's retry starts exactly when its sleep ends, so the
    # jitter window bounds it from above too. Sync invoke sleeps on a shared clock: lower bound only.
    upper_bound = result.clock == "simulated" and info is not None and info.is_async
    for i, rec in enumerate(attempts):
        nxt = attempts[i + 1] if i + 1 < len(attempts) else None
        if rec.attempt != i + 1:
            yield violation(NAME, result, f"{where(rec)}: expected attempt number {i + 1} (LangGraph's "
                            f"node_attempt counts executions of the task), seen {rec.attempt}.", rec)
            return
        if rec.outcome not in _FAILED:
            if nxt is not None:
                return  # it failed after the body returned (in LangGraph's writers): not observable
            continue
        exc = attempt_exception(rec)
        if exc is None or rec.end is None:
            return
        step = after_failure(policies, exc, i + 1)
        if step.action == "raise":
            if nxt is not None:
                yield violation(
                    NAME, result,
                    f"{where(nxt)}: a retry ran after attempt {rec.attempt} failed with "
                    f"{type(exc).__name__}, but LangGraph's rule says give up ({step.why}). Expected "
                    f"{rec.attempt} attempt(s), seen {len(attempts)}. Is a retry_on predicate not a pure "
                    "function of the exception (a budget, a counter, the clock)? The schedule must "
                    "be predictable from the policies.",
                    nxt,
                )
            return
        if nxt is None:
            if _retry_was_cut_short(result, rec, step.max_sleep):
                return
            yield violation(
                NAME, result,
                f"{where(rec, rec.end)}: attempt {rec.attempt} failed with {type(exc).__name__} and "
                f"the model retries it ({step.why}, max_attempts={step.policy.max_attempts}, "  # type: ignore[union-attr]  # a retried step has a policy
                f"backoff {step.min_sleep:g}s), but no attempt {rec.attempt + 1} ran. Is a retry_on "
                "predicate not a pure function of the exception?",
                rec, t=rec.end,
            )
            return
        gap = nxt.start - rec.end
        window = f"[{step.min_sleep:g}s, {step.max_sleep:g}s{')' if step.max_sleep > step.min_sleep else ']'}"
        if gap < step.min_sleep - EPS:
            yield violation(
                NAME, result,
                f"{where(nxt)}: the retry started {gap:g}s after attempt {rec.attempt} failed at "
                f"t={rec.end:g}s, before its backoff elapsed: expected a sleep in {window} "
                f"(policy #{(step.policy_index or 0) + 1}, min(max_interval, initial_interval * "
                f"backoff_factor**{rec.attempt - 1}) + jitter), seen {gap:g}s.",
                nxt,
            )
        elif upper_bound and gap > step.max_sleep + EPS:
            yield violation(
                NAME, result,
                f"{where(nxt)}: the retry started {gap:g}s after attempt {rec.attempt} failed at "
                f"t={rec.end:g}s: expected a sleep in {window} (policy "
                f"#{(step.policy_index or 0) + 1}), seen {gap:g}s. Something delayed the retry.",
                nxt,
            )


def _retry_was_cut_short(result: TrialResult, rec: AttemptRecord, max_sleep: float) -> bool:
    """True when the run ended (a sibling failed, the run was aborted) before the retry was due.

    The latest the retry could have been due is the end of the failed attempt plus the longest
    sleep the policy allows (jitter included): a sibling failing before then cancels the sleep.
    """
    journal = result.journal
    assert rec.end is not None
    if journal.outcome == "ok":
        return False
    if journal.outcome in ("aborted", "deadlock"):
        return True
    if journal.duration >= rec.end + max_sleep + EPS:
        return False
    # Only another task's terminal failure cancels this task's backoff; if this task's own
    # error ended the run, it gave up early.
    last_of: dict[str, AttemptRecord] = {}
    for a in journal.attempts:
        last_of[a.task] = a
    return any(
        a.task != rec.task and a.outcome in ("error", "timeout", "aborted") for a in last_of.values()
    )


register_checker(NAME, check_retry_schedule)
