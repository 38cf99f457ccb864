"""Retry findings: what a node's RetryPolicy does with the failures it will really meet.

Every check asks LangGraph's own matcher (`langgraph.pregel._retry._should_retry_on`) about real
exceptions (an ``httpx.HTTPStatusError`` carrying a 429 response, an ``httpx.ReadTimeout``, a
``NodeTimeoutError``) instead of reading ``retry_on`` by eye: predicates, classes and lists all
answer the same way they will in production.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from langgraph.types import RetryPolicy

from chaos.audit.context import NON_IDEMPOTENT, AuditContext
from chaos.audit.findings import Finding
from chaos.audit.policies import (
    ambiguous_failures,
    effective_policies,
    http_429,
    rate_limits_raised,
    retries,
    sleeps,
    worst_case,
)
from chaos.inject import NodeInfo
from chaos.journal import Journal
from chaos.sdk import classify, fix_for, is_inference_endpoint


def retry_skips_429(ctx: AuditContext) -> Iterator[Finding]:
    """LGC201: the node retries, but not a rate limit.

    The node's policy is asked about the 429 the node really raises (`rate_limits_raised`:
    ChatOpenAI raises an ``openai.RateLimitError`` subclass, which LangGraph's default policy
    retries; a raw httpx client raises ``httpx.HTTPStatusError``, which it does not), and
    about an httpx 429 when the probes saw the node raise no status error.
    """
    for info in ctx.user_nodes():
        policies = effective_policies(info, ctx.graph_policy)
        if not any(p.max_attempts > 1 for p in policies):
            continue
        raised = rate_limits_raised(ctx.probes.storm, info.site) or [http_429()]
        for exc in raised:
            if retries(policies, exc):
                continue
            err = classify(exc)
            default = all(_is_default(p) for p in policies)
            why = (f"LangGraph's default_retry_on retries {err.type_name} for 5xx but never for 429" if default
                   else f"its retry_on rejects the {err.type_name} a 429 raises")
            yield Finding.of(
                "LGC201",
                info.site,
                f"node {info.site!r} has a retry policy but a rate limit ({err.describe()}) fails it at once: {why}.",
                fix_for(err, has_policy=True).removeprefix("Fix: ") + ", see docs/audit.md#lgc201",
            )
            break


def retry_non_idempotent(ctx: AuditContext) -> Iterator[Finding]:
    """LGC202: a node that POSTs is retried after an ambiguous failure."""
    for info in ctx.user_nodes():
        # A POST that asks a model for an answer (chat completions, messages, responses,
        # embeddings) creates nothing a retry could duplicate: not a side-effecting write.
        writes = {h.method for h in ctx.probes.http(info.site) if not is_inference_endpoint(h.url, h.method)}
        methods = sorted(writes & NON_IDEMPOTENT)
        if not methods:
            continue
        policies = effective_policies(info, ctx.graph_policy)
        retried = [name for name, exc in ambiguous_failures(info.site).items() if retries(policies, exc)]
        if not retried:
            continue
        yield Finding.of(
            "LGC202",
            info.site,
            f"node {info.site!r} sends {'/'.join(methods)} and its retry policy retries "
            f"{', '.join(retried)}: after those the request may already have been applied, so "
            "the retry can apply it twice.",
            "send an Idempotency-Key derived from the task (then silence this code for the node), "
            "or make retry_on return False for errors after the request left (ReadTimeout, "
            "RemoteProtocolError, NodeTimeoutError)",
        )


def backoff_exceeds_budget(ctx: AuditContext) -> Iterator[Finding]:
    """LGC203: the retry schedule cannot fit the enclosing timeout or the caller's budget."""
    for info in ctx.user_nodes():
        policies = [p for p in effective_policies(info, ctx.graph_policy) if p.max_attempts > 1]
        if not policies:
            continue
        finding = _against_enclosing(ctx, info, policies) or _against_budget(ctx, info, policies)
        if finding is not None:
            yield finding


def _against_enclosing(ctx: AuditContext, info: NodeInfo, policies: list[RetryPolicy]) -> Finding | None:
    bounds = [
        (f"the enclosing subgraph node's run_timeout={t:g}", t)
        for t in (getattr(tp, "run_timeout", None) for tp in info.enclosing_timeouts)
        if t
    ]
    if ctx.graph.step_timeout:
        bounds.append((f"the graph's step_timeout={ctx.graph.step_timeout:g}", ctx.graph.step_timeout))
    for policy in policies:
        gaps = sleeps(policy, jitter=False)
        for what, bound in bounds:
            # The backoff alone, with zero-length attempts and no jitter, is the least time it
            # takes to reach the last attempt: past the bound, that attempt can never start.
            waited = 0.0
            for k, gap in enumerate(gaps, start=2):
                waited += gap
                if waited >= bound:
                    return Finding.of(
                        "LGC203",
                        info.site,
                        f"node {info.site!r}: attempt {k} of {policy.max_attempts} cannot start before "
                        f"{waited:g} s of backoff, but {what} s ends the node first; those retries "
                        "never happen.",
                        f"lower max_attempts/initial_interval/max_interval so the backoff fits in {bound:g} s, "
                        "or raise the enclosing timeout",
                    )
    return None


def _against_budget(ctx: AuditContext, info: NodeInfo, policies: list[RetryPolicy]) -> Finding | None:
    if ctx.budget is None:
        return None
    run_timeout = getattr(info.timeout, "run_timeout", None)
    for policy in policies:
        worst = worst_case(policy, run_timeout)
        if worst is not None and worst > ctx.budget:
            detail = (
                f"{policy.max_attempts} attempts x run_timeout {run_timeout:g} s + "
                f"{sum(sleeps(policy)):g} s backoff (jitter adds up to 1 s per sleep) = {worst:g} s"
            )
        elif worst is None and sum(sleeps(policy)) > ctx.budget:
            detail = f"{sum(sleeps(policy)):g} s of backoff alone, and no run_timeout bounds the attempts"
        else:
            continue
        return Finding.of(
            "LGC203",
            info.site,
            f"node {info.site!r} can take {detail}, more than the caller's budget of {ctx.budget:g} s.",
            "lower max_attempts, intervals or run_timeout until attempts x run_timeout + backoff "
            "fits the budget",
        )
    return None


def retry_storm(ctx: AuditContext) -> Iterator[Finding]:
    """LGC204: several requests per node attempt (an SDK retrying) under a retrying policy."""
    journals = [j for j in (ctx.probes.storm, ctx.probes.base) if j is not None]
    for info in ctx.user_nodes():
        for journal in journals:
            per_attempt = _requests_per_attempt(journal, info.site)
            attempts = len(per_attempt)
            policies = effective_policies(info, ctx.graph_policy)
            if not per_attempt or max(per_attempt.values()) < 2 or not any(p.max_attempts > 1 for p in policies):
                continue
            total = sum(per_attempt.values())
            sdk = max(per_attempt.values())
            shown = f"{attempts} node attempt(s) sent {total} requests" if attempts > 1 else (
                f"one node attempt sent {sdk} requests and the policy would retry up to "
                f"{max(p.max_attempts for p in policies)} times"
            )
            yield Finding.of(
                "LGC204",
                info.site,
                f"node {info.site!r}: with every request failing (503), up to {sdk} requests per "
                f"node attempt (retries inside the client/SDK) under a RetryPolicy: {shown}.",
                "keep one retry layer: set the SDK's max_retries=0 and let RetryPolicy retry, or "
                "retry_on=False for errors the SDK already retried",
            )
            break


def _requests_per_attempt(journal: Journal, site: str) -> Counter[tuple[str | None, int | None]]:
    """Failed requests per (task, attempt) of ``site``: retries show as counts above 1."""
    return Counter(
        (h.task, h.attempt)
        for h in journal.http
        if h.node == site and (h.error is not None or (h.status is not None and (h.status >= 500 or h.status == 429)))
    )


def _is_default(policy: RetryPolicy) -> bool:
    from langgraph._internal._retry import default_retry_on

    return policy.retry_on is default_retry_on

