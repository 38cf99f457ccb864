"""The one answer to "does LangGraph retry this exception under this policy?".

Every checker, audit finding and fix text asks `decide` (or its shorthands `matching_policy`
and `retries`), which mirrors ``run_with_retry`` / ``arun_with_retry`` of LangGraph 1.2
(langgraph/pregel/_retry.py; design notes §1) and calls LangGraph's own ``_should_retry_on``
for the ``retry_on`` test itself, so a class, a sequence of classes, a callable and
``default_retry_on`` answer exactly as at run time:

- no policy: never retried;
- ``GraphBubbleUp`` (interrupts, parent commands, drains) and ``BaseException``s that are not
  ``Exception`` are never retried, and neither is a node body's own ``CancelledError``
  (LangGraph turns it into ``NodeCancelledError`` outside its retry loop);
- the first policy whose ``retry_on`` matches is used; a ``retry_on`` that raises ends the
  task with its own error (no retry);
- one failure counter is shared by all policies of the task: after failure ``k`` the task
  retries while ``k < max_attempts`` of the policy that matched *this* exception.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from langgraph.errors import GraphBubbleUp
from langgraph.types import RetryPolicy

#: What a policy argument may be, as LangGraph accepts it on ``add_node``/``set_node_defaults``.
Policies = RetryPolicy | Sequence[RetryPolicy] | None


def normalize(policies: Policies) -> tuple[RetryPolicy, ...]:
    """The policies as the ordered tuple LangGraph iterates (``RetryPolicy`` is a NamedTuple,
    so a single policy must not be mistaken for a sequence of them)."""
    if not policies:
        return ()
    if isinstance(policies, RetryPolicy):
        return (policies,)
    return tuple(policies)


def _langgraph_should_retry_on() -> Any:
    try:
        from langgraph.pregel._retry import _should_retry_on
    except ImportError:  # a LangGraph that moved it: the same rules, restated
        return _should_retry_on_restated
    return _should_retry_on


def _should_retry_on_restated(policy: RetryPolicy, exc: Exception) -> bool:
    retry_on: Any = policy.retry_on
    if isinstance(retry_on, Sequence):
        return isinstance(exc, tuple(retry_on))
    if isinstance(retry_on, type) and issubclass(retry_on, Exception):
        return isinstance(exc, retry_on)
    if callable(retry_on):
        return bool(retry_on(exc))
    raise TypeError("retry_on must be an Exception class, a list or tuple of Exception classes, or a callable")


_SHOULD_RETRY_ON = _langgraph_should_retry_on()


@dataclass(frozen=True)
class RetryDecision:
    """What LangGraph does after failure number ``failures`` of a task raised ``exc``.

    Attributes:
        retried: True when another attempt follows.
        why: the reason, for messages (``"no policy's retry_on matches httpx.HTTPStatusError"``).
        reason: a stable code: ``retry``, ``no_policy``, ``control_flow``, ``base_exception``,
            ``cancelled``, ``no_match``, ``predicate_raised``, ``exhausted``.
        policy, index: the matching policy and its 0-based position, when one matched.
        predicate_error: what a raising ``retry_on`` raised.
    """

    retried: bool
    why: str
    reason: str
    policy: RetryPolicy | None = None
    index: int | None = None
    predicate_error: BaseException | None = None

    def __bool__(self) -> bool:
        return self.retried


def _name(exc: BaseException) -> str:
    from chaos.sdk.errors import qualified_name

    return qualified_name(type(exc))


def find_policy(policies: Policies, exc: BaseException) -> tuple[int, RetryPolicy] | RetryDecision:
    """The first policy whose ``retry_on`` matches ``exc`` (with its index), or the decision
    not to retry at all (no policy, control flow, no match, a raising ``retry_on``)."""
    pols = normalize(policies)
    if not pols:
        return RetryDecision(False, "the node has no retry policy", "no_policy")
    if isinstance(exc, GraphBubbleUp):
        return RetryDecision(False, f"{type(exc).__name__} is control flow (GraphBubbleUp), never retried", "control_flow")
    if isinstance(exc, asyncio.CancelledError):
        return RetryDecision(False, "a CancelledError raised by the node body is never retried", "cancelled")
    if not isinstance(exc, Exception):
        return RetryDecision(False, f"{type(exc).__name__} is a BaseException, never retried", "base_exception")
    for index, policy in enumerate(pols):
        try:
            matched = _SHOULD_RETRY_ON(policy, exc)
        except Exception as err:  # LangGraph lets it escape its except clause: the task fails with it
            return RetryDecision(
                False, f"retry_on of policy #{index + 1} raised {type(err).__name__}({err}) on {_name(exc)}",
                "predicate_raised", policy, index, err,
            )
        if matched:
            return index, policy
    return RetryDecision(False, f"no policy's retry_on matches {_name(exc)}", "no_match")


def decide(policies: Policies, exc: BaseException, failures: int = 1) -> RetryDecision:
    """Does LangGraph retry after failure number ``failures`` (1-based) raised ``exc``?

    ``failures`` counts every failed attempt of the task so far (all policies share it).
    """
    found = find_policy(policies, exc)
    if isinstance(found, RetryDecision):
        return found
    index, policy = found
    if failures >= policy.max_attempts:
        return RetryDecision(
            False, f"attempt {failures} reached max_attempts={policy.max_attempts} of policy #{index + 1}",
            "exhausted", policy, index,
        )
    return RetryDecision(True, f"policy #{index + 1} matches {_name(exc)}", "retry", policy, index)


def matching_policy(policies: Policies, exc: BaseException) -> RetryPolicy | None:
    """The policy LangGraph uses for ``exc`` (the first whose ``retry_on`` matches), if any."""
    found = find_policy(policies, exc)
    return None if isinstance(found, RetryDecision) else found[1]


def retries(policies: Policies, exc: BaseException) -> bool:
    """True when a task's first failure with ``exc`` is retried at least once."""
    return decide(policies, exc, 1).retried


def backoff(policy: RetryPolicy, failures: int) -> float:
    """The sleep before the retry that follows failure number ``failures`` (1-based), without
    jitter: ``min(max_interval, initial_interval * backoff_factor ** (failures - 1))``."""
    return float(min(policy.max_interval, policy.initial_interval * policy.backoff_factor ** (failures - 1)))


#: Jitter adds at most this much to every sleep (``random.uniform(0, 1)``, after the cap).
MAX_JITTER = 1.0


def schedule(policy: RetryPolicy) -> list[float]:
    """The sleeps between the attempts of ``policy`` when every attempt fails, without jitter."""
    return [backoff(policy, k) for k in range(1, policy.max_attempts)]


def describe_schedule(policy: RetryPolicy) -> str:
    """``3 attempts, sleeping 0.5s, 1s (+ up to 1s jitter each)`` for messages."""
    gaps = schedule(policy)
    sleeps = ", ".join(f"{g:g}s" for g in gaps) or "no sleep"
    jitter = " (+ up to 1s jitter each)" if policy.jitter and gaps else ""
    return f"max_attempts={policy.max_attempts}: {policy.max_attempts} attempt(s), sleeping {sleeps}{jitter}"


__all__ = [
    "MAX_JITTER", "Policies", "RetryDecision", "backoff", "decide", "describe_schedule", "find_policy",
    "matching_policy", "normalize", "retries", "schedule",
]
