"""Read a node's retry policies the way LangGraph 1.2.22 applies them.

Facts relied on (docs/design langgraph-semantics §1): the node's own policy wins over the
graph's (``task.retry_policy or retry_policy``); in a list, the first policy whose ``retry_on``
matches the exception is used and retries while ``attempts < max_attempts``; the sleep before
retry k (k = 1, 2, ...) is ``min(max_interval, initial_interval * backoff_factor**(k-1))``, plus
``uniform(0, 1)`` when ``jitter`` is on, added *after* the cap.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
from langgraph.errors import NodeTimeoutError
from langgraph.types import RetryPolicy

from chaos import faults
from chaos.inject import NodeInfo
from chaos.sdk.retry import MAX_JITTER
from chaos.sdk.retry import matching_policy as _matching_policy
from chaos.sdk.retry import retries as _retries


def effective_policies(info: NodeInfo, graph_policy: Any) -> tuple[RetryPolicy, ...]:
    """The policies LangGraph consults for this node (node-level, else graph-level)."""
    policy = getattr(info.spec, "retry_policy", None) or graph_policy
    if not policy:
        return ()
    if isinstance(policy, RetryPolicy):
        return (policy,)
    return tuple(policy)


def matching_policy(policies: Sequence[RetryPolicy], exc: Exception) -> RetryPolicy | None:
    """The policy LangGraph would use for ``exc`` (the first whose ``retry_on`` matches)."""
    return _matching_policy(policies, exc)


def retries(policies: Sequence[RetryPolicy], exc: Exception) -> bool:
    """True when a first failure with ``exc`` is retried at least once (`chaos.sdk.retries`)."""
    return _retries(policies, exc)


def sleeps(policy: RetryPolicy, *, jitter: bool | None = None) -> list[float]:
    """The backoff sleeps between the attempts of ``policy`` (worst case jitter if on)."""
    add = MAX_JITTER if (policy.jitter if jitter is None else jitter) else 0.0
    return [
        min(policy.max_interval, policy.initial_interval * policy.backoff_factor ** (k - 1)) + add
        for k in range(1, policy.max_attempts)
    ]


def worst_case(policy: RetryPolicy, run_timeout: float | None) -> float | None:
    """Longest time the node can take under ``policy``: every attempt runs to its run_timeout.

    None when an attempt is unbounded (no run_timeout).
    """
    if run_timeout is None:
        return None
    return policy.max_attempts * run_timeout + sum(sleeps(policy))


# -- real exceptions to probe retry_on with -------------------------------------------------------


def http_429() -> httpx.HTTPStatusError:
    """A 429 exactly as an SDK raises it: `httpx.HTTPStatusError` with request and response."""
    return faults.http_429(retry_after=1).make(method="GET")


def ambiguous_failures(node: str) -> dict[str, Exception]:
    """Errors after which a sent request may already have been applied upstream.

    A read timeout, a dropped connection mid-response, and LangGraph's own timeout (which
    cancels the node while it awaits a reply). A `ConnectError` is not here: the request never
    left, so retrying it is always safe.
    """
    return {
        "httpx.ReadTimeout": faults.read_timeout().make(method="POST"),
        "httpx.RemoteProtocolError": faults.remote_protocol_error().make(method="POST"),
        "NodeTimeoutError": NodeTimeoutError(node, 30.0, kind="run", run_timeout=30.0),
    }
