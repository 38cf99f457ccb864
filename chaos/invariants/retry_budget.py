"""``retry_budget``: SDK retries times graph retries stay within a budget per logical call.

An HTTP client or model SDK that retries on its own (``max_retries=2`` in openai/anthropic,
urllib3 ``Retry``, tenacity) under a node whose ``RetryPolicy`` retries too multiplies the
requests one logical call sends to a struggling upstream: 3 SDK tries x 3 node attempts = 9
requests, and every retry layer more multiplies again. Past the budget this is a violation
(the audit's LGC204 warns about the shape; this invariant judges what a trial actually sent).

A logical call is one task of one node sending to one method and URL, across all its attempts.
The budget is ``chaos_retry_budget`` (ini), 10 requests by default: the common ``max_retries=2``
under LangGraph's default ``RetryPolicy`` (9 requests) fits it and keeps its audit warning.
Requests the fault-free baseline also sent for the task are not retries and do not count.

One budget, two ways to set it: ``HttpChaos(max_requests_per_call=N)`` (``chaos.http``) sets it
for that harness's trials (the router journals an ``http_retry_budget`` event per call over
it, counting every request), and wins over the ini value. ``http_retry_budget``, the
invariant that used to judge the router's budget, is a deprecated alias of this one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from chaos.checks import Violation, register_checker
from chaos.errors import ChaosUsageError
from chaos.invariants._common import violation
from chaos.journal import HttpRecord, Journal

if TYPE_CHECKING:
    from chaos.trial import TrialResult

NAME = "retry_budget"
DEFAULT_BUDGET = 10
_budget = [DEFAULT_BUDGET]


def set_retry_budget(requests: int) -> None:
    """Set the most requests one logical call may send (``chaos_retry_budget``; default 10)."""
    if isinstance(requests, bool) or not isinstance(requests, int) or requests < 1:
        raise ChaosUsageError(
            f"chaos_retry_budget = {requests!r}: the budget is a whole number of requests per "
            "logical call, at least 1 (default 10), e.g. chaos_retry_budget = 10"
        )
    _budget[0] = requests


def retry_budget() -> int:
    """The current budget (requests per logical call)."""
    return _budget[0]


Key = tuple[str, str, str]


def _calls(journal: Journal) -> Counter[Key]:
    return Counter((h.task, h.method.upper(), h.url) for h in journal.http if h.task is not None)


def check_retry_budget(result: TrialResult) -> Iterable[Violation]:
    """No logical call sends more than the budget's requests (beyond what the baseline sent)."""
    routed = [e for e in result.journal.events if e.kind == "http_retry_budget"]
    if routed:  # HttpChaos(max_requests_per_call=N): the router judged each call against N
        for event in routed:
            yield violation(
                NAME, result,
                f"{event.detail} (HttpChaos.max_requests_per_call). SDK retries and graph retries "
                "multiply; lower one of them (e.g. the SDK's max_retries=0 when the node has a RetryPolicy).",
                node=event.node, t=event.time,
            )
        return
    budget = retry_budget()
    sent = _calls(result.journal)
    base = _calls(result.baseline) if result.baseline is not None else Counter()
    for key, n in sent.items():
        if n <= budget or n <= base.get(key, 0):
            continue
        task, method, url = key
        mine = [h for h in result.journal.http if (h.task, h.method.upper(), h.url) == key]
        per_attempt = Counter(h.attempt for h in mine)
        attempts = len(per_attempt)
        sdk = max(per_attempt.values())
        shape = " x ".join(
            [f"{attempts} node attempt(s)", f"up to {sdk} requests per attempt (the client/SDK retrying)"]
        )
        first: HttpRecord = mine[0]
        yield violation(
            NAME, result,
            f"task {task} of node {first.node!r} sent {n} requests for one logical call "
            f"({method} {url}): {shape} = {n}, over the retry budget of {budget} "
            f"(chaos_retry_budget). Retry layers multiply: each node attempt repeats every SDK "
            "retry. Keep one retry layer: set the SDK's max_retries=0 and let RetryPolicy retry, "
            "or make retry_on return False for errors the SDK already retried; or raise "
            "chaos_retry_budget if the upstream can take it.",
            node=first.node, t=mine[budget].time,
        )


register_checker(NAME, check_retry_budget)
