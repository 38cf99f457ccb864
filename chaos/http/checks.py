"""Invariants about HTTP, read from the journal's requests (``journal.http``).

- ``http_unmatched``: every request the graph sent (baseline or chaos run) had a happy path.
- (``http_429_fatal`` became `chaos.invariants.transient_fatal`, which covers every transient
  fault: 429, 5xx, 529, transport errors, lost responses, timeouts; the old name is a
  deprecated alias.)
- (``http_retry_budget`` is now part of `chaos.invariants.retry_budget`: one budget per logical
  call, set by ``HttpChaos(max_requests_per_call=N)`` or ``chaos_retry_budget``; the old name is
  a deprecated alias.)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from chaos.checks import Violation, register_checker
from chaos.journal import Journal

if TYPE_CHECKING:
    from chaos.trial import TrialResult

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


register_checker("http_unmatched", check_unmatched)


def check_retry_budget(result: TrialResult) -> Iterable[Violation]:
    """Deprecated: `chaos.invariants.retry_budget.check_retry_budget` judges the router's budget."""
    from chaos.invariants.retry_budget import check_retry_budget as merged

    return merged(result)


def http_records(journal: Journal, node: str | None = None) -> list[Any]:
    """The requests of ``journal`` (of ``node`` only, if given), in the order they were sent."""
    return [h for h in journal.http if node is None or h.node == node]


__all__ = ["check_retry_budget", "check_unmatched", "http_records"]
