"""The resilience audit: findings about a graph's configuration, with stable codes.

    from chaos.audit import audit

    for finding in audit(builder, {"question": "hi"}, volatile_fields=["request_id"]):
        print(finding.format())

Many resilience bugs are visible before a fault is injected: a sync node nothing can time out,
a retry policy that gives up on HTTP 429, a DeltaChannel reducer that replays differently. The
audit reads the compiled graph and a few cheap probe runs (fault-free, simulated time) and
reports each problem under a stable code (``LGC101``), with a severity, the node or channel, a
one-line message and the fix. ``pytest --chaos --chaos-audit`` runs it for every target. Codes
are documented one per section in docs/audit.md; `RULES` lists them.
"""

from __future__ import annotations

from chaos.audit.findings import RULES, Finding, Rule, Severity
from chaos.audit.runner import CHECKS, audit, has_errors
from chaos.audit.silence import parse_ignore

__all__ = ["CHECKS", "RULES", "Finding", "Rule", "Severity", "audit", "has_errors", "parse_ignore"]
