"""How many HTTP requests each logical call made: where SDK retries and graph retries multiply.

A *logical call* is one node task (``fetch#1``): LangGraph may run it several times
(``RetryPolicy``), and inside every attempt an SDK may send the request several times (its own
retry loop). The two multiply: an SDK that tries 3 times inside a node LangGraph attempts 3
times sends 9 requests for one call, a retry storm against an upstream that is already
struggling. `summarize` reads the journal and shows it per attempt.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from chaos.journal import HttpRecord, Journal


@dataclass(frozen=True)
class CallRequests:
    """The HTTP requests of one node task, attempt by attempt.

    Attributes:
        node: the node (site name).
        task: the stable task label (``node#k``).
        per_attempt: ``(attempt, requests)`` pairs in attempt order; an attempt that sent no
            request has 0.
        outcomes: for each attempt, the status or error of each request (``"503"``,
            ``"ConnectError"``, ``"200"``).
    """

    node: str
    task: str
    per_attempt: tuple[tuple[int, int], ...]
    outcomes: tuple[tuple[str, ...], ...]

    @property
    def attempts(self) -> int:
        return len(self.per_attempt)

    @property
    def total(self) -> int:
        return sum(n for _, n in self.per_attempt)

    @property
    def max_per_attempt(self) -> int:
        return max((n for _, n in self.per_attempt), default=0)

    @property
    def multiplied(self) -> bool:
        """True when both layers retried: several graph attempts, and an attempt that sent
        more than one request."""
        return self.attempts > 1 and self.max_per_attempt > 1

    def __str__(self) -> str:
        counts = " + ".join(str(n) for _, n in self.per_attempt)
        detail = " | ".join(", ".join(o) or "-" for o in self.outcomes)
        head = f"{self.task}: {self.total} request(s) in {self.attempts} graph attempt(s)"
        if self.attempts > 1:
            head += f" ({counts})"
        if self.multiplied:
            head += f": SDK and graph retries multiply (up to {self.max_per_attempt} per attempt)"
        return f"{head} [{detail}]"


def outcome_of(rec: HttpRecord) -> str:
    """A request's outcome as the client saw it: its error if any, else its status."""
    if rec.error is not None:
        return rec.error
    return str(rec.status) if rec.status is not None else "?"


def requests_per_attempt(journal: Journal) -> Counter[tuple[str, str, int]]:
    """Requests sent by each ``(node, task, attempt)``; requests outside nodes are left out."""
    counts: Counter[tuple[str, str, int]] = Counter()
    for rec in journal.http:
        if rec.node is not None and rec.task is not None and rec.attempt is not None:
            counts[(rec.node, rec.task, rec.attempt)] += 1
    return counts


def summarize(journal: Journal) -> list[CallRequests]:
    """One `CallRequests` per node task that sent HTTP requests, in order of first attempt."""
    by_task: dict[str, dict[int, list[HttpRecord]]] = {}
    nodes: dict[str, str] = {}
    for task, attempts in journal.tasks().items():
        for a in attempts:
            if a.attempt >= 1:
                by_task.setdefault(task, {}).setdefault(a.attempt, [])
                nodes[task] = a.node
    for rec in journal.http:
        if rec.task is None or rec.attempt is None or rec.node is None:
            continue
        by_task.setdefault(rec.task, {}).setdefault(rec.attempt, []).append(rec)
        nodes.setdefault(rec.task, rec.node)
    out = []
    for task, requests in by_task.items():
        if not any(requests.values()):
            continue
        order = sorted(requests)
        out.append(
            CallRequests(
                node=nodes[task],
                task=task,
                per_attempt=tuple((a, len(requests[a])) for a in order),
                outcomes=tuple(tuple(outcome_of(r) for r in requests[a]) for a in order),
            )
        )
    return out


def format_summary(journal: Journal) -> str:
    """The summary as text, one line per logical call (empty when no node sent a request)."""
    return "\n".join(str(c) for c in summarize(journal))


__all__ = ["CallRequests", "format_summary", "outcome_of", "requests_per_attempt", "summarize"]
