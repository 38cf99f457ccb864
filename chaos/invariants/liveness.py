"""``liveness``: the run ended, and every timed node task ended within its policies' bound.

A node with a ``run_timeout`` T and retry policies allowing at most A attempts cannot take
longer than ``A*T`` plus the longest backoff LangGraph may sleep between them (cap plus one
second of jitter per retry). A task that ran longer had its timeout defeated, typically by
blocking code inside an async node, which starves LangGraph's watchdogs (semantics §2).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from chaos.checks import Violation, register_checker
from chaos.inject.nodes import seconds
from chaos.invariants._common import EPS, effective_retry_policy, node_info, node_tasks, reproduce, violation
from chaos.invariants.retry_model import backoff, normalize

if TYPE_CHECKING:
    from chaos.journal import AttemptRecord
    from chaos.trial import TrialResult


@register_checker("liveness")
def check_liveness(result: TrialResult) -> Iterable[Violation]:
    """The run ended: no hang that nothing can time out, no deadlock, no task past its bound."""
    journal = result.journal
    if journal.outcome in ("aborted", "deadlock"):
        node = next((a.node for a in journal.attempts if a.outcome == "aborted"), None)
        yield Violation(
            "liveness",
            (journal.error_message or "the run never ended") + reproduce(result),
            node=node,
            time=journal.duration,
        )
        return
    for _task, attempts in node_tasks(result):
        first, last = attempts[0], attempts[-1]
        bound = task_time_bound(result, first.node)
        if bound is None or last.end is None:
            continue
        span = last.end - first.start
        if span > bound + EPS:
            yield violation(
                "liveness", result,
                f"{_where_task(first)} ran for {span:g}s of simulated time, beyond the {bound:g}s "
                f"its policies allow (run_timeout x max attempts + the longest backoffs). The "
                "timeout did not fire: is there blocking code (time.sleep, a sync client) inside "
                "the async node? It starves LangGraph's watchdogs; await instead.",
                last, t=last.end,
            )


def task_time_bound(result: TrialResult, site: str) -> float | None:
    """The longest a task of ``site`` may take, or None when its policies set no bound."""
    info = node_info(result, site)
    if info is None or info.spec is None or info.timeout is None or info.timeout.run_timeout is None:
        return None
    run_timeout = seconds(info.timeout.run_timeout)
    policies = normalize(effective_retry_policy(result, site))
    attempts = max((p.max_attempts for p in policies), default=1)
    sleeps = sum(
        max(backoff(p, k) + (1.0 if p.jitter else 0.0) for p in policies) for k in range(1, attempts)
    )
    return attempts * run_timeout + sleeps


def _where_task(rec: AttemptRecord) -> str:
    return f"node {rec.node!r} task {rec.task} (from t={rec.start:g}s)"
