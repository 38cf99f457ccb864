"""The ``chaos-audit:MODULE:ATTR`` test item that ``pytest --chaos --chaos-audit`` adds per target.

The item fails when the audit finds anything of severity ``error``; warnings and infos only
show in the terminal summary and the JSON report. Silence findings with node metadata or the
``chaos_audit_ignore`` ini setting (``CODE`` or ``CODE:node``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import pytest

from pytest_langgraph_chaos._nodes import ChaosItem

if TYPE_CHECKING:
    from chaos.audit.findings import Finding

FINDINGS_KEY = pytest.StashKey[list["Finding"]]()


class AuditFailed(AssertionError):
    """Raised by the audit item when findings of severity ``error`` exist."""

    def __init__(self, target: str, findings: Sequence[Finding]) -> None:
        errors = [f for f in findings if f.severity == "error"]
        lines = [f"chaos audit of {target}: {len(errors)} error finding(s)"]
        lines += [f"  {f.format()}" for f in findings]
        lines.append(
            "Silence an accepted finding with add_node(..., metadata={'chaos': {'ignore': ['CODE']}}) "
            "or the chaos_audit_ignore ini setting (CODE or CODE:node); see docs/audit.md."
        )
        super().__init__("\n".join(lines))
        self.findings = list(findings)


class ChaosAuditItem(ChaosItem):
    """The audit of one ``--chaos-target``."""

    kind_label = "chaos audit"

    def __init__(self, *, target: str, input_text: str | None, input_source: str, ignore: Sequence[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target = target
        self.input_text = input_text
        self.input_source = input_source
        self.ignore = list(ignore)
        self.audit_payload: dict[str, Any] | None = None

    def runtest(self) -> None:
        from chaos.audit.runner import audit, has_errors
        from chaos.zerocode import environment
        from pytest_langgraph_chaos._targets import audit_setup

        # The probes run with the trials' input, config, context, environment and sealed
        # network (routes, the session's respx routers, the model fakes).
        setup, http, context = audit_setup(self.config, self.target)
        findings = audit(
            setup.graph,
            setup.input,
            config=setup.config,
            context=context,
            around=[environment(setup.env_with_credentials()), http],
            ignore=self.ignore,
        )
        self.stash[FINDINGS_KEY] = findings
        #: Read by the plugin's makereport hook (without importing this module) and carried on
        #: the report, across xdist, to the terminal summary and the JSON report.
        self.audit_payload = {"target": self.target, "findings": [f.to_json() for f in findings]}
        if has_errors(findings):
            raise AuditFailed(self.target, findings)

    def describe(self) -> str:
        return f"chaos audit {self.target}"


def summary_lines(audits: Iterable[dict[str, Any]]) -> list[str]:
    """Terminal summary lines: one per finding, grouped by target."""
    lines: list[str] = []
    for entry in sorted(audits, key=lambda a: a["target"]):
        found = entry["findings"]
        counts = {s: sum(f["severity"] == s for f in found) for s in ("error", "warning", "info")}
        lines.append(
            f"audit {entry['target']}: "
            + (", ".join(f"{n} {s}(s)" for s, n in counts.items() if n) or "no findings")
        )
        lines += [
            f"  {f['code']} {f['severity']} [{f['kind']} {f['location']}] {f['message']} Fix: {f['fix']}"
            for f in found
        ]
    return lines
