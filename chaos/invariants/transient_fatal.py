"""``transient_fatal``: a run does not die of one injected transient fault.

A transient fault is one a retry gets past: an HTTP 408/425/429/5xx (anthropic's 529 too), a
refused or dropped connection, a lost response, a read timeout, LangGraph's own
``NodeTimeoutError`` after a hang. When the chaos run ends in error because of one, the
fault-free baseline succeeded, and no error handler took the failure, the graph dies in
production on every such blip. The message says why the failure was not survived, asking
LangGraph's own retry rule (`chaos.sdk.decide`) about the exception actually raised:

- the node has no ``RetryPolicy``;
- its ``retry_on`` did not match the exception (named as raised, e.g. ``httpx.HTTPStatusError``
  under LangGraph's default, which retries 5xx but not 429);
- its attempts ran out (the schedule it ran is shown);

and gives a fix whose ``retry_on`` names the classes of the library that raised the error
(`chaos.sdk.fix_for`). Replaces ``http_429_fatal`` (kept as a deprecated alias name).

Judged faults: those that hit a request the node really sent (``chaos.http`` transport
faults), and node-boundary faults in a node that really calls an upstream (it sent requests
through ``chaos.http`` in the fault-free run). A node-boundary fault in a node that calls
nothing stands for a failure it never meets in production and is not judged.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from chaos.checks import Violation, register_checker
from chaos.invariants._common import effective_retry_policy, violation
from chaos.journal import AttemptRecord, Journal
from chaos.sdk import ErrorInfo, classify, decide, describe_schedule, fix_for, normalize

if TYPE_CHECKING:
    from chaos.trial import TrialResult

NAME = "transient_fatal"
#: The name this invariant had when only an HTTP 429 was checked.
DEPRECATED_ALIAS = "http_429_fatal"
_FAILED = ("error", "timeout")


@register_checker(NAME)
def check_transient_fatal(result: TrialResult) -> Iterable[Violation]:
    """The run did not end in error because a node gave up on an injected transient fault."""
    journal, baseline = result.journal, result.baseline
    if journal.outcome != "error" or baseline is None or baseline.outcome != "ok":
        return
    found = culprit(journal, baseline)
    if found is None:
        return
    rec, info, attempts = found
    if handled(journal, rec.node):
        return
    policies = normalize(effective_retry_policy(result, rec.node))
    decision = decide(policies, info.raised, rec.attempt)
    if decision.retried or decision.reason in ("control_flow", "base_exception", "cancelled"):
        return  # LangGraph would have retried: retry_schedule reports that; not a policy gap
    what = _what(rec, journal, info)
    if decision.reason == "no_policy":
        why = f"The node has no RetryPolicy, so the first {info.type_name} ended the run"
    elif decision.reason == "exhausted":
        assert decision.policy is not None
        ran = ", ".join(f"attempt {a.attempt} at t={a.start:g}s" for a in attempts)
        why = (
            f"Its RetryPolicy retried it but the attempts ran out: {describe_schedule(decision.policy)}; "
            f"it ran {ran}, and the fault outlasted them"
        )
    elif decision.reason == "predicate_raised":
        why = f"Its {decision.why}, so LangGraph failed the task instead of retrying"
    else:
        why = f"Its RetryPolicy's retry_on did not match the {info.type_name} it raised{_default_note(policies, info)}"
    if decision.reason == "exhausted":
        fix = _exhausted_fix(info)
    else:
        fix = fix_for(info, has_policy=bool(policies))
    yield violation(
        NAME, result,
        f"{what}, and the run failed with {journal.error}; the fault-free baseline succeeded and no "
        f"error handler took it. A transient fault must be survived (retried) or handled: in production "
        f"this graph dies on every such blip. {why}. {fix}",
        rec,
    )


def culprit(journal: Journal, baseline: Journal | None = None) -> tuple[AttemptRecord, ErrorInfo, list[AttemptRecord]] | None:
    """The failed last attempt of a task that a transient injected fault ended, with its
    classified error and the task's attempts; the one that raised the run's error first."""
    tasks = journal.tasks()
    candidates = []
    for attempts in tasks.values():
        last = attempts[-1]
        if last.outcome not in _FAILED or last.exc is None or not _faulted(journal, last, baseline):
            continue
        info = classify(last.exc)
        if info.transient:
            candidates.append((last, info, attempts))
    if not candidates:
        return None
    # The innermost faulted task whose exception is the one the run raised comes first.
    candidates.sort(key=lambda c: (type(c[0].exc).__name__ != journal.error, -c[0].node.count("/")))
    return candidates[0]


def _faulted(journal: Journal, rec: AttemptRecord, baseline: Journal | None) -> bool:
    """True when an injected fault hit a request this attempt really sent, or hit (at the node
    boundary) a node that really calls an upstream: it sent requests in the fault-free run.

    A node-boundary fault in a node that calls nothing (a router, a formatter) stands for a
    failure it can never meet in production, so it is not judged here.
    """
    if any(h.fault is not None for h in journal.http if h.task == rec.task and h.attempt == rec.attempt):
        return True
    return rec.fault is not None and baseline is not None and any(h.node == rec.node for h in baseline.http)


def handled(journal: Journal, site: str) -> bool:
    """True when an error handler ran for the failed node (it took the failure, even if it
    failed itself: the ``error_handler`` invariant judges that)."""
    local = site.rsplit("/", 1)[-1]
    prefix = site.rsplit("/", 1)[0] + "/" if "/" in site else ""
    for a in journal.attempts:
        name = a.node.rsplit("/", 1)[-1]
        if not a.node.startswith(prefix) or "error_handler__" not in name:
            continue
        err = a.node_error
        source = getattr(err, "node", None)
        if source == local or (source is None and name.endswith(f"__{local}")) or name == f"__error_handler__{local}":
            return True
    return False


def _what(rec: AttemptRecord, journal: Journal, info: ErrorInfo) -> str:
    sent = [h for h in journal.http if h.task == rec.task and h.attempt == rec.attempt]
    via = ""
    if sent:
        last = sent[-1]
        via = f" from {last.method} {last.url} ({len(sent)} request(s) in the attempt)"
    fault = f" (injected fault: {rec.fault})" if rec.fault else ""
    return (
        f"node {rec.node!r} gave up on a transient {info.describe()}{via}{fault} at task {rec.task} "
        f"attempt {rec.attempt}"
    )


def _default_note(policies: tuple[Any, ...], info: ErrorInfo) -> str:
    """Why LangGraph's default ``retry_on`` (when the node uses it) rejected the error."""
    wrapped = f" (the node wrapped the {info.cause_name} in it)" if info.wrapped else ""
    try:
        from langgraph._internal._retry import default_retry_on
    except ImportError:  # a LangGraph that moved it: no note, the rest of the message stands
        return wrapped
    if wrapped or not any(getattr(p, "retry_on", None) is default_retry_on for p in policies):
        return wrapped
    if info.library in ("httpx", "httpx2") and info.status is not None and info.status < 500:
        return f": LangGraph's default retry_on retries 5xx but not {info.status}"
    if isinstance(info.raised, OSError):
        return ": it is an OSError, which LangGraph's default retry_on never retries"
    return ": LangGraph's default retry_on rejects it"


def _exhausted_fix(info: ErrorInfo) -> str:
    wait = ""
    if info.retry_after is not None:
        wait = f" (the upstream asked for Retry-After {info.retry_after:g}s: initial_interval >= {info.retry_after:g})"
    return (
        "Fix: give the policy enough attempts and backoff to outlast the fault"
        f"{wait}, e.g. RetryPolicy(max_attempts=5, initial_interval=1.0, backoff_factor=2.0, retry_on=...same...), "
        "or add an error_handler that degrades gracefully."
    )


__all__ = ["DEPRECATED_ALIAS", "NAME", "check_transient_fatal", "culprit", "handled"]
