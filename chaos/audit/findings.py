"""What the audit reports: `Finding`s under stable codes, and the catalogue of those codes.

Codes never change meaning once released: a code is a promise that an ``ignore`` entry written
today silences the same problem tomorrow. Each code has one severity, one docs section
(``docs/audit.md#lgcNNN``) and a pair of tests: a graph that triggers it and a fixed twin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
#: What a finding points at: a node site (``node`` or ``parent/child``), a state channel, or
#: the graph as a whole (run configuration such as durability).
LocationKind = Literal["node", "channel", "graph"]

SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")


@dataclass(frozen=True)
class Rule:
    """One audit code: its fixed severity and a short name for summaries and docs."""

    code: str
    name: str
    severity: Severity
    summary: str

    @property
    def docs(self) -> str:
        return f"docs/audit.md#{self.code.lower()}"


_RULES = [
    Rule("LGC001", "probe-incomplete", "info",
         "a probe run did not finish, so the checks that read its journal saw only part of the graph"),
    Rule("LGC101", "sync-node-without-timeout", "warning",
         "a sync node: LangGraph cannot time it out, so a hang there hangs the run"),
    Rule("LGC102", "http-without-timeout", "error",
         "an async node calls out over HTTP and no TimeoutPolicy reaches it"),
    Rule("LGC103", "idle-timeout-without-heartbeat", "error",
         "idle_timeout refreshed only by heartbeats on a node that never heartbeats"),
    Rule("LGC104", "swallows-cancellation", "error",
         "an async node catches CancelledError and does not re-raise it: it outlives its cancellation"),
    Rule("LGC105", "async-node-without-timeout", "warning",
         "an async node no TimeoutPolicy reaches, not seen doing HTTP: anything else it awaits can hang the run"),
    Rule("LGC201", "retry-skips-429", "warning",
         "a retry policy that does not retry HTTP 429 (LangGraph's default_retry_on does not)"),
    Rule("LGC202", "retry-non-idempotent", "error",
         "a node that POSTs is retried after errors whose request may already have been applied"),
    Rule("LGC203", "backoff-exceeds-budget", "warning",
         "the retry schedule does not fit the enclosing timeout or the caller's time budget"),
    Rule("LGC204", "retry-storm", "warning",
         "an SDK retries under the node's RetryPolicy: requests multiply per failure"),
    Rule("LGC205", "retry-on-bad-input", "warning",
         "retry_on accepts exceptions that mean bad input (ValueError, KeyError, validation errors)"),
    Rule("LGC206", "retry-surprising-answer", "warning",
         "retry_on retries a 4xx, or does not retry a connection error or timeout, of the client used"),
    Rule("LGC301", "delta-reducer-not-batching-invariant", "error",
         "a DeltaChannel reducer gives different state when writes are replayed in one batch"),
    Rule("LGC302", "cache-key-volatile", "warning",
         "a cache key changes with fields marked volatile, so the cache never hits"),
    Rule("LGC303", "cache-skips-side-effects", "error",
         "a cached node has side effects (HTTP writes) that a cache hit silently skips"),
    Rule("LGC304", "cache-key-blind-field", "error",
         "an input field changes a cached node's output but not its cache key"),
    Rule("LGC401", "handler-can-hang", "warning",
         "an error handler that no TimeoutPolicy reaches"),
    Rule("LGC402", "handler-raises", "error",
         "an error handler that itself raises when given a NodeError"),
    Rule("LGC501", "exit-durability-crash", "error",
         'durability="exit" where the process can crash: nothing is checkpointed until the run ends'),
    Rule("LGC502", "exit-durability-drain", "warning",
         'durability="exit" with drains: a drain that outlives its grace period loses the whole run'),
    Rule("LGC503", "resume-with-checkpoint-id", "error",
         "a resume config that names a checkpoint_id replays instead of resuming"),
]

#: Every audit code, in code order.
RULES: dict[str, Rule] = {r.code: r for r in _RULES}


@dataclass(frozen=True)
class Finding:
    """One problem in a graph's configuration.

    Attributes:
        code: the stable code (``LGC101``); see `RULES` and docs/audit.md.
        severity: ``error`` fails ``pytest --chaos-audit``; ``warning`` and ``info`` do not.
        location: the node site, channel name, or ``graph``.
        kind: what ``location`` names.
        message: one line: what is wrong, with the evidence.
        fix: one line: what to change.
    """

    code: str
    severity: Severity
    location: str
    kind: LocationKind
    message: str
    fix: str

    @classmethod
    def of(cls, code: str, location: str, message: str, fix: str, *, kind: LocationKind = "node") -> Finding:
        """A finding under ``code``, with the code's catalogued severity."""
        return cls(code, RULES[code].severity, location, kind, message, fix)

    @property
    def rule(self) -> Rule:
        return RULES[self.code]

    def format(self) -> str:
        """``LGC102 error [node fetch] message (fix: ...)``: the summary line."""
        return f"{self.code} {self.severity} [{self.kind} {self.location}] {self.message} Fix: {self.fix}"

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.rule.name,
            "severity": self.severity,
            "location": self.location,
            "kind": self.kind,
            "message": self.message,
            "fix": self.fix,
            "docs": self.rule.docs,
        }


def sort_key(finding: Finding) -> tuple[int, str, str]:
    """Errors first, then by code and location: a stable order for reports."""
    return (SEVERITIES.index(finding.severity), finding.code, finding.location)
