"""``retry_after``: a retry after an answer that carried ``Retry-After`` waits for it.

Two retry layers are checked, both on the trial's (simulated) clock:

- **inside one attempt** (on by default): a client that retries on its own (an SDK's
  ``max_retries``, a ``Runnable.with_retry`` around the model, tenacity, a retrying
  transport) must not resend the request to the same URL before the delay its previous
  answer asked for. The journal's `chaos.journal.HttpRecord` carries each answer's
  ``Retry-After`` for this. The openai and anthropic clients honour the header, so a graph
  that leaves retrying to them stays silent;
- **the graph's** (when the trial names it: ``enable=["retry_after"]``): LangGraph's
  ``RetryPolicy`` ignores ``Retry-After`` by design (its backoff is the policy's own), so
  checking it on every graph would flag every policy that meets a 429. Asked for, a node
  attempt that failed on a 429/503/529 carrying the header must not be followed by the next
  attempt before the delay has passed. The header is read from the exception of any client
  library `chaos.sdk.classify` knows (httpx, requests, aiohttp, openai, anthropic),
  ``retry-after-ms`` before ``Retry-After`` as the SDKs read it.

Delta-seconds and ``retry-after-ms`` are measured directly; an HTTP-date form is measured
from the answer's ``Date`` header (graph layer) or from the simulated wall clock at the time
of the answer (inside one attempt, simulated clock only).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING

from chaos.checks import Violation, register_checker
from chaos.invariants._common import EPS, node_tasks, violation, where
from chaos.journal import HttpRecord
from chaos.sdk import classify, is_inference_endpoint, parse_retry_after

if TYPE_CHECKING:
    from chaos.trial import TrialResult

NAME = "retry_after"
#: Statuses whose ``Retry-After`` means "not before": rate limits and unavailable/overloaded.
STATUSES = frozenset({429, 503, 529})


def retry_after_seconds(exc: BaseException | None) -> float | None:
    """The delay a 429/503/529 error of any known client library asks for, or None."""
    if exc is None:
        return None
    info = classify(exc)
    if info.status not in STATUSES:
        return None
    return info.retry_after


def check_retry_after(result: TrialResult) -> Iterable[Violation]:
    """No retry (by the graph, or by a client inside one attempt) starts before the
    ``Retry-After`` it was given."""
    if NAME in result.enabled:
        yield from _graph_retries(result)
    yield from _client_retries(result)


register_checker(NAME, check_retry_after)


def _graph_retries(result: TrialResult) -> Iterable[Violation]:
    for _task, attempts in node_tasks(result):
        for rec, nxt in zip(attempts, attempts[1:]):
            if rec.exc is None or rec.end is None:
                continue
            info = classify(rec.exc)
            if info.status not in STATUSES or info.retry_after is None:
                continue
            gap = nxt.start - rec.end
            if gap < info.retry_after - EPS:
                yield violation(
                    NAME, result,
                    f"{where(nxt)}: attempt {rec.attempt} got HTTP {info.status} with Retry-After: "
                    f"{info.retry_after_header} at t={rec.end:g}s, so the retry must wait at least "
                    f"{info.retry_after:g}s; it started after {gap:g}s (the attempt raised {info.type_name}). "
                    "LangGraph's RetryPolicy ignores Retry-After: give the policy an "
                    f"initial_interval >= {info.retry_after:g}s or honour the header in the node.",
                    nxt,
                )


def _client_retries(result: TrialResult) -> Iterable[Violation]:
    by_attempt: dict[tuple[str, int], list[HttpRecord]] = {}
    for h in result.journal.http:
        if h.task is not None and h.attempt is not None:
            by_attempt.setdefault((h.task, h.attempt), []).append(h)
    for sent in by_attempt.values():
        for i, rec in enumerate(sent):
            delay = asked(rec, result.clock)
            if delay is None:
                continue
            nxt = next((h for h in sent[i + 1 :] if h.method == rec.method and h.url == rec.url), None)
            if nxt is None:
                continue
            gap = nxt.time - rec.time
            if gap < delay - EPS:
                yield violation(
                    NAME, result,
                    f"node {rec.node!r} task {rec.task} attempt {rec.attempt}: {rec.method} {rec.url} got HTTP "
                    f"{rec.status} with Retry-After: {rec.retry_after} at t={rec.time:g}s, and the client sent "
                    f"it again inside the same node attempt after {gap:g}s, before the {delay:g}s the server "
                    f"asked for (a retry loop inside the node; LangGraph was not involved). {_fix(rec)}",
                    node=rec.node, t=nxt.time,
                )
                break  # one per attempt: the rest of its loop repeats the same mistake


def asked(rec: HttpRecord, clock: str) -> float | None:
    """Seconds the answer journaled in ``rec`` asked the client to wait (None: it did not)."""
    if rec.status not in STATUSES or not rec.retry_after:
        return None
    value = rec.retry_after
    if value.endswith(" ms"):
        try:
            return max(0.0, float(value[:-3]) / 1000.0)
        except ValueError:
            return None
    now = None
    if clock == "simulated":
        from chaos.simtime import SIM_EPOCH

        now = SIM_EPOCH + timedelta(seconds=rec.time)
    return parse_retry_after(value, None, now)


def _fix(rec: HttpRecord) -> str:
    if is_inference_endpoint(rec.url, rec.method):
        return (
            "Fix: the openai and anthropic clients honour Retry-After themselves (openai up to 120 s); "
            "a retry around the model call (Runnable.with_retry, tenacity, a retrying http_client) does "
            "not. Drop that loop and keep the SDK's (ChatOpenAI(max_retries=2) / ChatAnthropic(max_retries=2)), "
            "or set max_retries=0 and retry in a RetryPolicy whose initial_interval covers the Retry-After."
        )
    return (
        "Fix: make the client's retry wait at least Retry-After (read response.headers['Retry-After'] "
        "and sleep that long), or disable the client's retries and let a RetryPolicy with a long "
        "enough initial_interval retry."
    )


__all__ = ["NAME", "STATUSES", "asked", "check_retry_after", "retry_after_seconds"]
