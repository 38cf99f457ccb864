"""A reference model of LangGraph 1.2's retry semantics (pure: no graph, no clock).

Given a node's retry policies and the exceptions its attempts raised, `expected_schedule` says
what LangGraph must do after each attempt: retry after a sleep in a known window, or give up.
It mirrors ``run_with_retry`` / ``arun_with_retry`` (langgraph/pregel/_retry.py, design notes
§1) and is tested against real LangGraph (tests/invariants/test_inv_retry_model.py):

- the first policy whose ``retry_on`` matches the exception is used; no match, no retry;
- one attempt counter (and backoff exponent) is shared by all policies of the task: it counts
  failures, and the task gives up once it reaches the *matching* policy's ``max_attempts``;
- sleep = ``min(max_interval, initial_interval * backoff_factor ** (failures - 1))``, plus
  ``uniform(0, 1)`` when ``jitter`` (added after the cap, so it may exceed ``max_interval``);
- ``GraphBubbleUp`` (interrupts, parent commands, drains) and ``BaseException``s that are not
  ``Exception`` are never retried, and neither is a node body's own ``CancelledError``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from langgraph.types import RetryPolicy

from chaos.sdk.retry import Policies, backoff, decide, normalize
from chaos.sdk.retry import matching_policy as _matching_policy


def should_retry_on(policy: RetryPolicy, exc: BaseException) -> bool:
    """``retry_on`` of one policy evaluated as LangGraph evaluates it (see `chaos.sdk.decide`)."""
    return _matching_policy((policy,), exc) is not None


def matching_policy(policies: Sequence[RetryPolicy], exc: BaseException) -> RetryPolicy | None:
    """The policy LangGraph uses for ``exc``: the first whose ``retry_on`` matches, if any."""
    return _matching_policy(policies, exc)


@dataclass(frozen=True)
class Step:
    """What LangGraph does after one failed attempt.

    ``action`` is ``"retry"`` (then the next attempt starts after a sleep in
    ``[min_sleep, max_sleep]``; ``max_sleep`` is exclusive of the jitter's upper end) or
    ``"raise"`` with ``why`` saying why it gave up.
    """

    attempt: int
    action: Literal["retry", "raise"]
    why: str
    policy: RetryPolicy | None = None
    policy_index: int | None = None
    min_sleep: float = 0.0
    max_sleep: float = 0.0


def after_failure(policies: Sequence[RetryPolicy], exc: BaseException, attempt: int) -> Step:
    """LangGraph's decision after attempt number ``attempt`` (1-based) raised ``exc``.

    ``attempt`` equals the number of failures so far, because a task stops at its first success.
    """
    d = decide(policies, exc, attempt)
    if not d.retried:
        return Step(attempt, "raise", d.why, d.policy, d.index)
    assert d.policy is not None  # a retry always has its matching policy
    base = backoff(d.policy, attempt)
    return Step(attempt, "retry", d.why, d.policy, d.index, base, base + (1.0 if d.policy.jitter else 0.0))


@dataclass(frozen=True)
class Expected:
    """The whole schedule for one task: the steps after each failure and the final outcome."""

    steps: tuple[Step, ...]
    attempts: int
    outcome: Literal["ok", "raise"]


def expected_schedule(policies: Policies, outcomes: Iterable[BaseException | None]) -> Expected:
    """What LangGraph does for a task whose successive attempts end as ``outcomes``.

    Each item is the exception attempt k would raise, or None for success. The model consumes
    items until the task succeeds or gives up; items after that are never reached.
    """
    pols = normalize(policies)
    steps: list[Step] = []
    attempt = 0
    for exc in outcomes:
        attempt += 1
        if exc is None:
            return Expected(tuple(steps), attempt, "ok")
        step = after_failure(pols, exc, attempt)
        steps.append(step)
        if step.action == "raise":
            return Expected(tuple(steps), attempt, "raise")
    raise ValueError(
        f"the outcomes ran out after {attempt} attempts while LangGraph would still retry; "
        "give one more outcome (None for success)"
    )


__all__ = [
    "Expected", "Policies", "Step", "after_failure", "backoff", "expected_schedule", "matching_policy", "normalize",
    "should_retry_on",
]
