"""Invariants about HTTP, read from the journal's requests (``journal.http``).

- ``http_unmatched``: every request the graph sent (baseline or chaos run) had a happy path.
- ``http_429_fatal``: the run did not fail because a node gave up on an HTTP 429. A 429 is the
  upstream asking to be retried later, and LangGraph's default ``retry_on`` does not retry it
  (it retries 5xx only), so this is the most common way a graph dies of a rate limit.
- ``http_retry_budget``: no logical call sent more requests than
  ``HttpChaos(max_requests_per_call=N)`` allows (off unless a budget is set).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from chaos.checks import Violation, register_checker
from chaos.journal import Journal

if TYPE_CHECKING:
    from chaos.trial import TrialResult

_FIX_429 = (
    "A 429 is the upstream asking to be retried later: retry it and wait at least its "
    "Retry-After, e.g. RetryPolicy(retry_on=lambda e: isinstance(e, httpx.HTTPStatusError) and "
    "e.response.status_code in (429, 500, 502, 503, 504), initial_interval=2.0)."
)


@register_checker("http_unmatched")
def check_unmatched(result: TrialResult) -> Iterable[Violation]:
    """Every request had a happy-path route (in the baseline and in the chaos run)."""
    seen: set[tuple[str, str]] = set()
    for run, journal in (("baseline", result.baseline), ("chaos run", result.journal)):
        if journal is None:
            continue
        for rec in journal.http:
            if rec.error != "UnmatchedRequest" or (rec.method, rec.url) in seen:
                continue
            seen.add((rec.method, rec.url))
            who = f"node {rec.node!r}" if rec.node else "code outside any node"
            url = rec.url.split("?", 1)[0]
            yield Violation(
                "http_unmatched",
                f"{rec.method} {rec.url}, sent by {who} in the {run}, matched no happy-path "
                f"route, so it failed (no request leaves the machine). Add one, e.g. "
                f'chaos.http.{rec.method.lower()}("{url}").respond(200, json={{...}}), or '
                "chaos.http.use(your_respx_router).",
                node=rec.node,
                time=rec.time,
            )


@register_checker("http_429_fatal")
def check_429_fatal(result: TrialResult) -> Iterable[Violation]:
    """The run did not fail because a node gave up on an HTTP 429."""
    journal = result.journal
    if journal.outcome != "error":
        return
    for task, attempts in journal.tasks().items():
        last = attempts[-1]
        if last.outcome != "error":
            continue
        sent = [h for h in journal.http if h.task == task and h.attempt == last.attempt]
        if not sent or sent[-1].status != 429:
            continue
        req = sent[-1]
        exc = getattr(last, "exc", None)
        retry_after = _retry_after_of(exc)
        ra = f", Retry-After: {retry_after}" if retry_after else ""
        n = len(attempts)
        yield Violation(
            "http_429_fatal",
            f"node {last.node!r} gave up on HTTP 429 Too Many Requests from {req.method} {req.url} "
            f"(task {task}, attempt {last.attempt} of {n}{ra}) and the run failed with "
            f"{journal.error}. {_why_not_retried(result, last.node, exc, n)} {_FIX_429}",
            node=last.node,
            time=last.end,
        )


@register_checker("http_retry_budget")
def check_retry_budget(result: TrialResult) -> Iterable[Violation]:
    """No logical call sent more requests than the budget (``max_requests_per_call``)."""
    for event in result.journal.events:
        if event.kind == "http_retry_budget":
            yield Violation(
                "http_retry_budget",
                f"{event.detail}. SDK retries and graph retries multiply; lower one of them "
                "(e.g. the SDK's max_retries=0 when the node has a RetryPolicy).",
                node=event.node,
                time=event.time,
            )


def _retry_after_of(exc: BaseException | None) -> str | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    try:
        value = headers.get("retry-after")
    except Exception:  # an exotic response object: the header is a nicety
        return None
    return str(value) if value is not None else None


def _why_not_retried(result: TrialResult, node: str, exc: BaseException | None, attempts: int) -> str:
    inst = result.instrumented
    info = inst.nodes.get(node) if inst is not None else None
    if info is None or info.spec is None:
        return ""
    policies = _policies(info.retry_policy)
    if not policies:
        return "The node has no RetryPolicy."
    if exc is None or not isinstance(exc, Exception):
        return ""
    for policy in policies:
        if _retries(policy, exc):
            return (
                f"Its RetryPolicy retried it but gave up after max_attempts={policy.max_attempts}: "
                "the rate limit outlasted the retry budget."
            )
    from langgraph._internal._retry import default_retry_on

    if any(p.retry_on is default_retry_on for p in policies):
        return (
            f"Its RetryPolicy uses LangGraph's default retry_on, which retries 5xx but not 429, "
            f"so the {type(exc).__name__} was raised at once."
        )
    return f"Its RetryPolicy's retry_on does not accept the {type(exc).__name__}."


def _policies(value: Any) -> Sequence[Any]:
    from langgraph.types import RetryPolicy

    if value is None:
        return ()
    if isinstance(value, RetryPolicy):
        return (value,)
    return tuple(value)


def _retries(policy: Any, exc: Exception) -> bool:
    """``retry_on`` evaluated as LangGraph evaluates it (class, sequence of classes, callable)."""
    retry_on = policy.retry_on
    try:
        if isinstance(retry_on, type):
            return isinstance(exc, retry_on)
        if isinstance(retry_on, Sequence):
            return isinstance(exc, tuple(retry_on))
        return bool(retry_on(exc))
    except Exception:  # a predicate that raises is not a retry
        return False


def http_records(journal: Journal, node: str | None = None) -> list[Any]:
    """The requests of ``journal`` (of ``node`` only, if given), in the order they were sent."""
    return [h for h in journal.http if node is None or h.node == node]


__all__ = ["check_429_fatal", "check_retry_budget", "check_unmatched", "http_records"]
