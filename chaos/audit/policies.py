"""Read a node's retry policies the way LangGraph 1.2.22 applies them.

Facts relied on (docs/design langgraph-semantics §1): the node's own policy wins over the
graph's (``task.retry_policy or retry_policy``); in a list, the first policy whose ``retry_on``
matches the exception is used and retries while ``attempts < max_attempts``; the sleep before
retry k (k = 1, 2, ...) is ``min(max_interval, initial_interval * backoff_factor**(k-1))``, plus
``uniform(0, 1)`` when ``jitter`` is on, added *after* the cap.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import httpx
from langgraph.errors import NodeTimeoutError
from langgraph.types import RetryPolicy

from chaos import faults
from chaos.inject import NodeInfo
from chaos.journal import Journal
from chaos.sdk import classify
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


def retries(policies: Sequence[RetryPolicy], exc: BaseException) -> bool:
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
    return faults.raise_status(429, retry_after=1).make(method="GET")


def rate_limits_raised(storm: Journal | None, site: str) -> list[BaseException]:
    """The 429 errors node ``site`` really raises: each error status it raised in the storm
    probe (every request answered 503), rebuilt as a 429 of the same class family and request
    (``openai.InternalServerError`` from ChatOpenAI becomes langchain_openai's
    ``OpenAIRateLimitError``; an ``httpx.HTTPStatusError`` stays one, with a 429 response).
    Empty when the probe saw none (the node sent no HTTP, or wrapped the error in its own)."""
    out: list[BaseException] = []
    seen: set[type] = set()
    for a in storm.attempts if storm is not None else ():
        if a.node != site or a.exc is None:
            continue
        made = rate_limit_like(a.exc)
        if made is not None and type(made) not in seen:
            seen.add(type(made))
            out.append(made)
    return out


def rate_limit_like(exc: BaseException) -> BaseException | None:
    """The 429 (``Retry-After: 1``) the library that raised status error ``exc`` raises for
    the same request, or None when ``exc`` is not a library's status error."""
    info = classify(exc)
    if info.family != "status" or info.wrapped:
        return None
    response: Any = getattr(exc, "response", None)
    if response is None:
        return None
    try:
        if info.library in ("openai", "anthropic"):
            r429 = type(response)(429, headers={"retry-after": "1"}, request=response.request)
            for cls in _rate_limit_classes(exc, info.library):
                try:
                    made: BaseException = cls("chaos audit: 429 Too Many Requests", response=r429, body=None)
                except TypeError:  # a subclass with another constructor: try the SDK's own
                    continue
                return made
            return None
        if info.library in ("httpx", "httpx2"):
            request = response.request
            r429 = type(response)(429, headers={"Retry-After": "1"}, request=request)
            return type(exc)("chaos audit: 429 Too Many Requests", request=request, response=r429)  # type: ignore[call-arg]  # type(exc) is httpx.HTTPStatusError
        if info.library == "requests":
            import copy

            r429 = copy.copy(response)
            r429.status_code = 429
            r429.headers = {**dict(response.headers), "Retry-After": "1"}
            return type(exc)("429 Client Error: Too Many Requests", response=r429)  # type: ignore[call-arg]  # type(exc) is requests.HTTPError
    except Exception:  # an exotic response object: fall back to the generic probe
        return None
    return None


def _rate_limit_classes(exc: BaseException, library: str) -> list[type]:
    """``RateLimitError`` classes to build, most specific first: a subclass from the module of
    ``exc``'s class (LangChain's ``OpenAIRateLimitError``), then the SDK's own."""
    sdk = sys.modules.get(library)
    base = getattr(sdk, "RateLimitError", None)
    if not isinstance(base, type):
        return []
    mod = sys.modules.get(type(exc).__module__)
    own = [c for c in list(vars(mod).values()) if isinstance(c, type) and issubclass(c, base) and c is not base] if mod else []
    return [*own, base]


def ambiguous_failures(node: str) -> dict[str, Exception]:
    """Errors after which a sent request may already have been applied upstream.

    A read timeout, a dropped connection mid-response, and LangGraph's own timeout (which
    cancels the node while it awaits a reply). A `ConnectError` is not here: the request never
    left, so retrying it is always safe.
    """
    return {
        "httpx.ReadTimeout": faults.raise_read_timeout().make(method="POST"),
        "httpx.RemoteProtocolError": faults.raise_remote_protocol_error().make(method="POST"),
        "NodeTimeoutError": NodeTimeoutError(node, 30.0, kind="run", run_timeout=30.0),
    }
