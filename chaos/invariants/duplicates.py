"""``duplicate_deliveries``: one logical task delivers a non-idempotent request once.

In every trial, not only kill trials: when a response is lost (the upstream applied the POST,
the client timed out) and the node, its SDK or LangGraph's RetryPolicy sends it again, the
upstream applies it twice: two payments, two tickets, two e-mails. Read from the HTTP journal:
requests the upstream saw (``delivered``), grouped by the task that sent them (``node#k``,
across all its attempts) and by method and URL.

Non-idempotent means POST or PATCH without an ``Idempotency-Key`` header (RFC 9110 §9.2.2),
excluding model-inference endpoints (chat completions, messages, responses, embeddings, ...;
the one classifier `chaos.sdk.endpoints.is_inference_endpoint` the audit uses too): a repeated
inference costs tokens but applies nothing.

A task that legitimately sends the same request several times (a batch loop) does so in the
fault-free baseline too: only deliveries beyond the baseline's count for the same task are
duplicates (without a baseline, beyond what one attempt of the task sent).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from chaos.checks import Violation, register_checker
from chaos.invariants._common import violation
from chaos.journal import HttpRecord, Journal
from chaos.sdk.endpoints import is_inference_endpoint

if TYPE_CHECKING:
    from chaos.trial import TrialResult

NAME = "duplicate_deliveries"
NON_IDEMPOTENT = frozenset({"POST", "PATCH"})
def is_model_inference(url: str) -> bool:
    """True for a model-inference endpoint: `chaos.sdk.endpoints.is_inference_endpoint` (POST)."""
    return is_inference_endpoint(url, "POST")


def non_idempotent(rec: HttpRecord) -> bool:
    """A POST/PATCH without an Idempotency-Key that is not a model-inference call."""
    return (
        rec.method.upper() in NON_IDEMPOTENT
        and not rec.idempotency_key
        and not is_inference_endpoint(rec.url, rec.method)
    )


Key = tuple[str, str, str]  # (task, method, url)


def _delivered(journal: Journal) -> Counter[Key]:
    return Counter(
        (h.task, h.method.upper(), h.url)
        for h in journal.http
        if h.delivered and h.task is not None and non_idempotent(h)
    )


def _per_attempt_max(journal: Journal) -> Counter[Key]:
    per: Counter[tuple[str, str, str, int | None]] = Counter(
        (h.task, h.method.upper(), h.url, h.attempt)
        for h in journal.http
        if h.delivered and h.task is not None and non_idempotent(h)
    )
    out: Counter[Key] = Counter()
    for (task, method, url, _attempt), n in per.items():
        out[(task, method, url)] = max(out[(task, method, url)], n)
    return out


def check_duplicate_deliveries(result: TrialResult) -> Iterable[Violation]:
    """No task delivers the same POST/PATCH (without Idempotency-Key) more often than the baseline."""
    journal = result.journal
    seen = _delivered(journal)
    if not seen:
        return
    allowed = _delivered(result.baseline) if result.baseline is not None else _per_attempt_max(journal)
    for (task, method, url), n in seen.items():
        limit = max(allowed.get((task, method, url), 0), 1)
        if n <= limit:
            continue
        sent = [h for h in journal.http if h.task == task and h.method.upper() == method and h.url == url and h.delivered]
        lines = "; ".join(
            f"attempt {h.attempt} at t={h.time:g}s -> {h.status if h.status is not None else h.error}"
            + (f" ({h.fault})" if h.fault else "")
            for h in sent
        )
        first = sent[0]
        yield violation(
            NAME, result,
            f"task {task} of node {first.node!r} delivered {method} {url} {n} times (the fault-free "
            f"run: {limit}): {lines}. The upstream applied it each time: a lost response followed by "
            "a retry repeats the side effect. Send an Idempotency-Key derived from the task (e.g. "
            "the thread id + node + task id) so the upstream deduplicates, or do not retry "
            "after the request may have been delivered (ReadTimeout, RemoteProtocolError).",
            node=first.node, t=sent[limit].time,
        )


register_checker(NAME, check_duplicate_deliveries)
