"""Reports: trial records on test reports (xdist-safe), JSON/HTML files, terminal summary."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from chaos.trial import TrialResult

from pytest_langgraph_chaos._settings import AUDITS_KEY, CHAOS_KEY, REPORTS_KEY, RESULT_KEY, SEED_KEY, TARGETS_KEY


# -- reports -----------------------------------------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    if call.when != "call":
        return report
    if (audit := getattr(item, "audit_payload", None)) is not None:  # a chaos-audit item
        report.chaos_audit = audit  # type: ignore[attr-defined]
    results: list[TrialResult] = []
    if RESULT_KEY in item.stash:
        results.append(item.stash[RESULT_KEY])
    if CHAOS_KEY in item.stash:
        results.extend(item.stash[CHAOS_KEY].results)
    if results:
        # A plain attribute survives xdist's report serialization (it copies __dict__).
        report.chaos_trials = [r.to_json() for r in results]  # type: ignore[attr-defined]
        fired = sorted({label for r in results for label in r.to_json()["fired"]})
        # On the item, as record_property does: JUnit XML reads them from the teardown report,
        # which copies the item's list (the call report's copy is made before this hook runs).
        item.user_properties.append(("chaos_faults_fired", "; ".join(fired)))
        item.user_properties.append(("chaos_verdict", "fail" if any(not r.ok for r in results) else "pass"))
    return report


class _ReportCollector:
    """Collects trial records from every test report (also those arriving from xdist workers).

    Registered per session so hooks that receive only a report still reach the config's stash.
    """

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.unfired: list[tuple[str, str]] = []
        #: The ``--chaos-compare-to`` line of the terminal summary.
        self.comparison: str | None = None
        self.durations: list[tuple[float, str]] = []

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        trials = getattr(report, "chaos_trials", None)
        if trials and report.when == "call":
            self.config.stash[REPORTS_KEY].extend(trials)
            # Wall time stays out of the JSON report (same seed, same bytes); the terminal
            # summary lists the slowest items from pytest's own timing.
            self.durations.append((report.duration, report.nodeid))
        audit = getattr(report, "chaos_audit", None)
        if audit and report.when == "call":
            self.config.stash[AUDITS_KEY].append(audit)

    @pytest.hookimpl
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        config = self.config
        if not hasattr(config, "workerinput"):
            from chaos.strictness import never_fired_across

            # Shards see part of each scope: leave the cross-trial check to `langgraph-chaos merge`.
            if config.getoption("langgraph_chaos_shard") is None:
                reports: list[dict[str, Any]] = config.stash[REPORTS_KEY]
                self.unfired = never_fired_across(reports)
                if self.unfired and session.exitstatus == pytest.ExitCode.OK:
                    session.exitstatus = pytest.ExitCode.TESTS_FAILED
        try:
            path = config.getoption("langgraph_chaos_report")
            html = config.getoption("langgraph_chaos_html")
            compare = config.getoption("langgraph_chaos_compare_to")
            if (path or html or compare) and not hasattr(config, "workerinput"):
                from chaos.report import build_report, write_report

                trials: list[dict[str, Any]] = config.stash[REPORTS_KEY]
                audits: list[dict[str, Any]] = config.stash[AUDITS_KEY]
                doc = build_report(config.stash[SEED_KEY], trials)
                if audits:
                    doc["audit"] = sorted(audits, key=lambda a: a["target"])
                if path:
                    write_report(path, doc)
                if compare:
                    from chaos.reporting.diff import write_compared_html

                    self.comparison = write_compared_html(html, doc, compare)
                elif html:
                    from chaos.reporting import write_html

                    write_html(html, doc)
        finally:
            for inst in config.stash[TARGETS_KEY].values():
                inst.close()

    @pytest.hookimpl
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        config = self.config
        trials = config.stash[REPORTS_KEY]
        if not hasattr(config, "workerinput") and config.stash[AUDITS_KEY]:
            from pytest_langgraph_chaos._audit import summary_lines

            terminalreporter.write_sep("-", "chaos audit")
            audits: list[dict[str, Any]] = config.stash[AUDITS_KEY]
            for line in summary_lines(audits):
                terminalreporter.write_line(line)
        if hasattr(config, "workerinput") or not trials:
            return
        from chaos.report import build_report

        summary = build_report(config.stash[SEED_KEY], trials)["summary"]
        tr = terminalreporter
        tr.write_sep("-", "chaos summary")
        tr.write_line(
            f"seed={config.stash[SEED_KEY]}  trials={summary['trials']}  "
            f"passed={summary['passed']}  failed={summary['failed']}"
        )
        faults = ", ".join(f"{k}={v}" for k, v in summary["faults_injected"].items()) or "none"
        tr.write_line(f"faults injected: {faults}")
        tr.write_line(f"invariants checked: {', '.join(summary['checked']) or 'none'}")
        viol = ", ".join(f"{k}={v}" for k, v in summary["violations"].items()) or "none"
        tr.write_line(f"invariants violated: {viol}")
        slowest = sorted(self.durations, reverse=True)[:3]
        if slowest:
            tr.write_line("slowest trials: " + ", ".join(f"{node} {secs:.2f}s" for secs, node in slowest))
        storms = sorted({e["detail"] for t in trials for e in t.get("events", []) if e["kind"] == "http_retry_storm"})
        for detail in storms[:10]:
            tr.write_line(f"retry storm: {detail}")
        if len(storms) > 10:
            tr.write_line(f"retry storm: ... {len(storms) - 10} more in the report")
        for t in trials:
            if t["verdict"] == "fail" and t.get("repro"):
                tr.write_line(f"reproduce {t['id']}: {t['repro']}")
        for scope, label in self.unfired:
            tr.write_line(
                f"ERROR [faults_fired] {scope}: probabilistic fault {label!r} never fired in any "
                "trial; raise its probability or the number of trials",
                red=True,
            )
        if self.comparison:
            tr.write_line(self.comparison)
        for label, option in (("report", "langgraph_chaos_report"), ("html report", "langgraph_chaos_html")):
            if config.getoption(option):
                tr.write_line(f"{label}: {config.getoption(option)}")
