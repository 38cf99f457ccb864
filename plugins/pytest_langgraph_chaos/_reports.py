"""Reports: trial records on test reports (xdist-safe), JSON/HTML files, terminal summary.

Memory stays bounded however many trials run: a trial's record travels on its test report
(the only way out of an xdist worker), is handed to the session's `chaos.report.TrialLog`
(counters in memory, the record spooled to a temporary file when a report was asked for), and
is then removed from the report, which pytest's terminal reporter keeps until the end. The
item's own results are dropped at teardown.

A crashed xdist worker is a trial too (verdict ``error``), and a report that cannot be written
at the end never hides the summary or the repro lines: the error is printed with them and the
session fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from chaos.report import TrialLog

from pytest_langgraph_chaos._settings import (
    AUDITS_KEY,
    CHAOS_KEY,
    REPORTS_KEY,
    RESULT_KEY,
    SEED_KEY,
    TARGETS_KEY,
)

#: Trial records of an item's results, taken as each result was produced (the fixture's
#: `chaos.results` keeps only a window of the latest).
PENDING_KEY = pytest.StashKey[list[dict[str, Any]]]()
#: Verdicts, best to worst: an item's ``chaos_verdict`` property is the worst of its trials'.
_ORDER = ("skipped", "pass", "inconclusive", "fail", "error")


def _worst(verdicts: list[str]) -> str:
    return max(verdicts, key=lambda v: _ORDER.index(v) if v in _ORDER else len(_ORDER))


# -- reports -----------------------------------------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    if call.when == "teardown":
        # The results were serialized into the call report; pytest keeps every item until the
        # session ends, so what they hold (journals, graphs, exceptions) must not stay on them.
        if RESULT_KEY in item.stash:
            del item.stash[RESULT_KEY]
        if CHAOS_KEY in item.stash:
            del item.stash[CHAOS_KEY]
        if PENDING_KEY in item.stash:
            del item.stash[PENDING_KEY]
        return report
    if call.when != "call":
        return report
    if (audit := getattr(item, "audit_payload", None)) is not None:  # a chaos-audit item
        report.chaos_audit = audit  # type: ignore[attr-defined]  # our own field on pytest's report
    trials: list[dict[str, Any]] = []
    if RESULT_KEY in item.stash:
        trials.append(item.stash[RESULT_KEY].to_json())
    pending = item.stash.get(PENDING_KEY, None)
    if pending is not None:
        trials.extend(pending)
        pending.clear()
    elif CHAOS_KEY in item.stash:
        trials.extend(r.to_json() for r in item.stash[CHAOS_KEY].results)
    if trials:
        # A plain attribute survives xdist's report serialization (it copies __dict__).
        report.chaos_trials = trials  # type: ignore[attr-defined]  # our own field on pytest's report
        fired = sorted({label for t in trials for label in t.get("fired", [])})
        # On the item, as record_property does: JUnit XML reads them from the teardown report,
        # which copies the item's list (the call report's copy is made before this hook runs).
        item.user_properties.append(("chaos_faults_fired", "; ".join(fired)))
        item.user_properties.append(("chaos_verdict", _worst([str(t.get("verdict")) for t in trials])))
        counts = {v: sum(t.get("verdict") == v for t in trials) for v in ("inconclusive", "error")}
        for verdict, n in counts.items():
            if n:
                item.user_properties.append((f"chaos_{verdict}", str(n)))
    return report


def crash_trial(config: pytest.Config, report: pytest.TestReport) -> dict[str, Any]:
    """The trial record of an item whose xdist worker crashed (a segfault, ``os.abort``)."""
    from pytest_langgraph_chaos._session import repro_command

    detail = str(report.longrepr) if report.longrepr is not None else "the worker crashed"
    seed = config.stash[SEED_KEY]
    return {
        "id": report.nodeid, "target": "", "seed": seed, "clock": "simulated", "faults": [], "fired": [],
        "verdict": "error", "checked": [], "violations": [], "journal": [],
        "events": [{"kind": "worker_crash", "time": 0.0, "node": None, "detail": detail}],
        "http": [], "outcome": "crashed", "error": "WorkerCrashed",
        "error_message": f"{detail}: the process running it died (a segfault, os.abort, an out-of-memory kill); "
        "run it alone with -n 0 -p no:xdist to see the crash",
        "final_state": None, "baseline": None,
        "repro": repro_command(config, report.nodeid),
    }


#: The most reproduce commands the terminal summary prints without -v.
MAX_REPRO_LINES = 10


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
        #: Reports that could not be written: (what, path, why).
        self.write_errors: list[tuple[str, str, str]] = []

    @property
    def log(self) -> TrialLog:
        return self.config.stash[REPORTS_KEY]

    @property
    def controller(self) -> bool:
        return not hasattr(self.config, "workerinput")

    @pytest.hookimpl(trylast=True)  # after xdist sent the report to the controller
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        trials = getattr(report, "chaos_trials", None)
        if trials and report.when == "call":
            if self.controller:
                for trial in trials:
                    self.log.add(trial)
                # Wall time stays out of the JSON report (same seed, same bytes); the terminal
                # summary lists the slowest items from pytest's own timing.
                self.durations = sorted([*self.durations, (report.duration, report.nodeid)], reverse=True)[:3]
            # The record now lives in the log (or travelled to the controller): off the report,
            # which the terminal reporter keeps for the whole session.
            del report.chaos_trials
        elif str(report.when) == "???" and report.failed and self.controller:  # xdist: the worker crashed
            self.log.add(crash_trial(self.config, report))
        audit = getattr(report, "chaos_audit", None)
        if audit and report.when == "call" and self.controller:
            self.config.stash[AUDITS_KEY].append(audit)

    @pytest.hookimpl
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        config = self.config
        try:
            if self.controller:
                self._finish(session)
        finally:
            for inst in config.stash[TARGETS_KEY].values():
                inst.close()

    def _finish(self, session: pytest.Session) -> None:
        config = self.config
        summary = self.log.summary()
        # Shards see part of each scope: leave the cross-trial check to `langgraph-chaos merge`.
        if config.getoption("langgraph_chaos_shard") is None:
            self.unfired = self.log.never_fired()
        if session.exitstatus == pytest.ExitCode.OK and (
            self.unfired or summary["inconclusive"] or summary["errors"]
        ):
            # An inconclusive trial is never a pass, and a crashed worker never a success.
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        path = config.getoption("langgraph_chaos_report")
        html = config.getoption("langgraph_chaos_html")
        audits: list[dict[str, Any]] = config.stash[AUDITS_KEY]
        extra = {"audit": sorted(audits, key=lambda a: a["target"])} if audits else {}
        if path:
            self._write("report", path, lambda: self.log.write_json(path, extra))
        compare = config.getoption("langgraph_chaos_compare_to")
        if html or compare:
            from chaos.report import SCHEMA_VERSION
            from chaos.reporting import write_html

            def write() -> None:
                # The page needs every trial at once: read back from the spool only now.
                doc = {"schema_version": SCHEMA_VERSION, "seed": self.log.seed, "summary": summary,
                       **extra, "trials": list(self.log.trials())}
                if compare:
                    from chaos.reporting.diff import write_compared_html

                    self.comparison = write_compared_html(html, doc, compare)
                else:
                    write_html(html, doc)

            self._write("html report", html or "(none)", write)
        if self.write_errors and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    @pytest.hookimpl
    def pytest_unconfigure(self, config: pytest.Config) -> None:
        # After the terminal summary, which reads the spooled repro lines back.
        if REPORTS_KEY in config.stash:
            config.stash[REPORTS_KEY].close()

    def _write(self, what: str, path: str, write: Any) -> None:
        # Checked before the first trial (pytest_configure); a disk that fills up or a folder
        # removed meanwhile still must not cost the run its summary and repro lines.
        try:
            write()
        except (OSError, ValueError, TypeError, RecursionError) as exc:
            why = getattr(exc, "strerror", None) or f"{type(exc).__name__}: {exc}"
            self.write_errors.append((what, path, str(why)))

    @pytest.hookimpl
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        config = self.config
        if not self.controller:
            return
        if config.stash[AUDITS_KEY]:
            from pytest_langgraph_chaos._audit import summary_lines

            terminalreporter.write_sep("-", "chaos audit")
            audits: list[dict[str, Any]] = config.stash[AUDITS_KEY]
            for line in summary_lines(audits):
                terminalreporter.write_line(line)
        log = self.log
        if not len(log) and not self.write_errors:
            return
        summary = log.summary()
        tr = terminalreporter
        tr.write_sep("-", "chaos summary")
        counts = f"passed={summary['passed']}  failed={summary['failed']}"
        for key in ("inconclusive", "errors"):
            if summary[key]:
                counts += f"  {key}={summary[key]}"
        tr.write_line(f"seed={log.seed}  trials={summary['trials']}  {counts}")
        faults = ", ".join(f"{k}={v}" for k, v in summary["faults_injected"].items()) or "none"
        tr.write_line(f"faults injected: {faults}")
        tr.write_line(f"invariants checked: {', '.join(summary['checked']) or 'none'}")
        viol = ", ".join(f"{k}={v}" for k, v in summary["violations"].items()) or "none"
        tr.write_line(f"invariants violated: {viol}")
        if self.durations:
            tr.write_line("slowest trials: " + ", ".join(f"{node} {secs:.2f}s" for secs, node in self.durations))
        storms = sorted(log.storms)
        for detail in storms[:10]:
            tr.write_line(f"retry storm: {detail}")
        if len(storms) + log.more_storms > 10:
            tr.write_line(f"retry storm: ... {len(storms) + log.more_storms - 10} more in the report")
        # A bounded number, unless -v: with hundreds of failures the commands would bury the
        # summary; every one is still in its failure's report and in the JSON report.
        limit = None if config.option.verbose > 0 else MAX_REPRO_LINES
        shown = more = 0
        for tid, verdict, repro in log.needs_attention():
            if not repro or verdict == "skipped":
                continue
            if limit is not None and shown >= limit:
                more += 1
                continue
            shown += 1
            label = "reproduce" if verdict == "fail" else f"reproduce ({verdict})"
            tr.write_line(f"{label} {tid}: {repro}")
        if more:
            where = (f"the JSON report ({config.getoption('langgraph_chaos_report')})"
                     if config.getoption("langgraph_chaos_report") else "the JSON report (--chaos-report=PATH)")
            tr.write_line(
                f"reproduce: {more} more; each failure's report above ends with its "
                f"command, -v prints them all here, and {where} has every one"
            )
        for scope, label in self.unfired:
            tr.write_line(
                f"ERROR [faults_fired] {scope}: probabilistic fault {label!r} never fired in any "
                "trial; raise its probability or the number of trials",
                red=True,
            )
        if self.comparison:
            tr.write_line(self.comparison)
        failed = {what for what, _, _ in self.write_errors}
        for what, path, why in self.write_errors:
            tr.write_line(f"ERROR: the {what} could not be written to {path} ({why}); the results are above", red=True)
        for label, option in (("report", "langgraph_chaos_report"), ("html report", "langgraph_chaos_html")):
            if config.getoption(option) and label not in failed:
                tr.write_line(f"{label}: {config.getoption(option)}")
