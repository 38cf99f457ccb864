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

from langgraph.errors import GraphBubbleUp
from langgraph.types import RetryPolicy

#: What a policy argument may be, as LangGraph accepts it on ``add_node``/``set_node_defaults``.
Policies = RetryPolicy | Sequence[RetryPolicy] | None


def normalize(policies: Policies) -> tuple[RetryPolicy, ...]:
    """The policies as the ordered tuple LangGraph iterates (``RetryPolicy`` is a NamedTuple,
    so a single policy must not be mistaken for a sequence of them)."""
    if policies is None:
        return ()
    if isinstance(policies, RetryPolicy):
        return (policies,)
    return tuple(policies)


def should_retry_on(policy: RetryPolicy, exc: BaseException) -> bool:
    """``retry_on`` evaluated exactly as LangGraph's ``_should_retry_on`` does."""
    retry_on = policy.retry_on
    if isinstance(retry_on, Sequence):
        return isinstance(exc, tuple(retry_on))
    if isinstance(retry_on, type) and issubclass(retry_on, Exception):
        return isinstance(exc, retry_on)
    if callable(retry_on):
        return bool(retry_on(exc))  # type: ignore[call-arg]
    raise TypeError(f"retry_on must be an Exception class, a sequence of them or a callable, not {retry_on!r}")


def matching_policy(policies: Sequence[RetryPolicy], exc: BaseException) -> RetryPolicy | None:
    """The policy LangGraph uses for ``exc``: the first whose ``retry_on`` matches, if any."""
    if isinstance(exc, GraphBubbleUp) or not isinstance(exc, Exception):
        return None
    for policy in policies:
        if should_retry_on(policy, exc):
            return policy
    return None


def backoff(policy: RetryPolicy, failures: int) -> float:
    """The sleep before the retry that follows failure number ``failures`` (1-based), without jitter."""
    return min(policy.max_interval, policy.initial_interval * policy.backoff_factor ** (failures - 1))


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
    if not policies:
        return Step(attempt, "raise", "the node has no retry policy")
    if isinstance(exc, GraphBubbleUp):
        return Step(attempt, "raise", f"{type(exc).__name__} is control flow (GraphBubbleUp), never retried")
    if not isinstance(exc, Exception):
        return Step(attempt, "raise", f"{type(exc).__name__} is a BaseException, never retried")
    policy = matching_policy(policies, exc)
    if policy is None:
        return Step(attempt, "raise", f"no policy's retry_on matches {type(exc).__name__}")
    index = next(i for i, p in enumerate(policies) if p is policy)
    if attempt >= policy.max_attempts:
        return Step(
            attempt, "raise", f"attempt {attempt} reached max_attempts={policy.max_attempts} of policy #{index + 1}",
            policy, index,
        )
    base = backoff(policy, attempt)
    return Step(
        attempt, "retry", f"policy #{index + 1} matches {type(exc).__name__}", policy, index,
        base, base + (1.0 if policy.jitter else 0.0),
    )


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
