"""The langgraph-chaos pytest plugin: ``--chaos``, the ``chaos`` fixture and marker, reports.

Registered through the ``pytest11`` entry point, so installing the package is enough; disable
it with ``-p no:chaos``. Like hypothesis' plugin, it imports the library only inside hooks that
need it: a session without ``--chaos`` pays (almost) nothing.

Settings precedence (one resolver, `_setting`): ini < command line < marker.
"""

from __future__ import annotations

import random
import shlex
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from chaos.harness import Chaos
    from chaos.inject import InstrumentedGraph
    from chaos.trial import TrialResult

SEED_KEY = pytest.StashKey[int]()
REPORTS_KEY = pytest.StashKey[list[dict[str, Any]]]()
TARGETS_KEY = pytest.StashKey[dict[str, "InstrumentedGraph"]]()
CHAOS_KEY = pytest.StashKey["Chaos"]()
RESULT_KEY = pytest.StashKey["TrialResult"]()
AUDITS_KEY = pytest.StashKey[list[dict[str, Any]]]()

CLOCKS = ("simulated", "real")
SKIP_REASON = "chaos tests run only with --chaos (pass --chaos to run them)"
MARKER_KWARGS = {"node", "attempts", "probability", "times", "clock", "disable", "seed"}


# -- options ------------------------------------------------------------------------------------


def _seed_value(text: str) -> int | str:
    if text == "last":
        return text
    try:
        return int(text)
    except ValueError:
        raise pytest.UsageError(
            f"--chaos-seed: {text!r} is not an integer or the string 'last'"
        ) from None


def _shard_value(text: str) -> tuple[int, int]:
    index, sep, total = text.partition("/")
    try:
        i, n = int(index), int(total)
    except ValueError:
        i = n = 0
    if not sep or n < 1 or not 1 <= i <= n:
        raise pytest.UsageError(
            f"--chaos-shard: {text!r} is not I/N with 1 <= I <= N, e.g. --chaos-shard=1/4"
        )
    return i, n


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise pytest.UsageError(f"--chaos-trials: {text!r} is not a whole number") from None
    if value < 1:
        raise pytest.UsageError(f"--chaos-trials: {value} must be at least 1")
    return value


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("chaos", "langgraph-chaos: fault injection for LangGraph graphs")
    group.addoption(
        "--chaos",
        action="store_true",
        default=False,
        help="Run chaos tests and the fault suite of --chaos-target graphs\n"
        "Without it the plugin injects nothing and chaos tests are skipped",
    )
    group.addoption(
        "--chaos-target",
        action="append",
        default=[],
        metavar="MODULE:ATTR",
        help="A graph to run the built-in fault suite against (repeatable)\n"
        "A StateGraph builder, a compiled graph, or a zero-argument callable returning one",
    )
    group.addoption(
        "--chaos-input",
        default=None,
        metavar="JSON",
        help="The input given to --chaos-target graphs (JSON; default {})",
    )
    group.addoption(
        "--chaos-seed",
        type=_seed_value,
        default=None,
        metavar="N|last",
        help="Seed of every fault decision; 'last' reuses the previous run's seed",
    )
    group.addoption(
        "--chaos-trials",
        type=_positive_int,
        default=None,
        metavar="N",
        help="Trials per target and fault kind (default 1, or the chaos_trials ini setting)",
    )
    group.addoption(
        "--chaos-report",
        default=None,
        metavar="PATH",
        help="Write the JSON report of every chaos trial to PATH",
    )
    group.addoption(
        "--chaos-clock",
        default=None,
        choices=CLOCKS,
        help="simulated (default): one deterministic virtual clock\n"
        "real: the same trials in real time, to confirm a finding",
    )
    group.addoption(
        "--chaos-html",
        default=None,
        metavar="PATH",
        help="Write the self-contained HTML report (timelines of every trial) to PATH",
    )
    group.addoption(
        "--chaos-shard",
        type=_shard_value,
        default=None,
        metavar="I/N",
        help="Run only shard I of N (1-based): tests split by a hash of their node id\n"
        "Composes with -n inside a machine and with CI matrices across machines",
    )
    group.addoption(
        "--chaos-audit",
        action="store_true",
        default=False,
        help="Also audit every --chaos-target's configuration (one chaos-audit:MODULE:ATTR item each)\n"
        "The item fails on findings of severity error; see docs/audit.md",
    )
    parser.addini("chaos_targets", "Graphs (MODULE:ATTR) to run the fault suite against", type="linelist", default=[])
    parser.addini("chaos_input", "Default JSON input for chaos targets", default="")
    parser.addini("chaos_trials", "Default trials per target and fault kind", default="1")
    parser.addini("chaos_clock", "Default clock: simulated or real", default="simulated")
    parser.addini("chaos_disable", "Invariants to turn off everywhere", type="linelist", default=[])
    parser.addini(
        "chaos_audit_ignore", "Audit findings to silence: CODE or CODE:node", type="linelist", default=[]
    )


def _setting(config: pytest.Config, option: str, ini: str) -> Any:
    value = config.getoption(option)
    return value if value is not None else config.getini(ini)


def _clock(config: pytest.Config) -> str:
    clock = _setting(config, "chaos_clock", "chaos_clock")
    if clock not in CLOCKS:
        raise pytest.UsageError(f"chaos_clock = {clock!r} (ini): use one of {', '.join(CLOCKS)}")
    return clock


def _trials(config: pytest.Config) -> int:
    value = config.getoption("chaos_trials")
    if value is None:
        raw = config.getini("chaos_trials")
        try:
            value = int(raw)
        except ValueError:
            raise pytest.UsageError(f"chaos_trials = {raw!r} (ini): expected a whole number") from None
        if value < 1:
            raise pytest.UsageError(f"chaos_trials = {value} (ini): must be at least 1")
    return value


def _targets(config: pytest.Config) -> list[str]:
    return [*config.getoption("chaos_target"), *config.getini("chaos_targets")]


# -- configuration and the seed -----------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "chaos(*faults, node='*', attempts=None, probability=1.0, times=None, clock=None, "
        "disable=(), seed=None): inject faults into the graph this test runs with the chaos "
        "fixture; skipped unless pytest runs with --chaos",
    )
    config.stash[REPORTS_KEY] = []
    config.stash[TARGETS_KEY] = {}
    config.stash[AUDITS_KEY] = []
    if not config.getoption("chaos"):
        if config.getoption("chaos_audit"):
            raise pytest.UsageError("--chaos-audit audits --chaos-target graphs and needs --chaos; pass both")
        return
    _clock(config)
    _trials(config)
    config.stash[SEED_KEY] = _settle_seed(config)
    config.pluginmanager.register(_ReportCollector(config), "chaos-reports")
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_XdistHooks(), "chaos-xdist")


def _settle_seed(config: pytest.Config) -> int:
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and "chaos_seed" in workerinput:
        return int(workerinput["chaos_seed"])
    value = config.getoption("chaos_seed")
    cache = getattr(config, "cache", None)
    if value == "last":
        if cache is None:
            raise pytest.UsageError("--chaos-seed=last needs pytest's cache; do not pass -p no:cacheprovider")
        value = cache.get("chaos/seed", None)
        if value is None:
            raise pytest.UsageError("--chaos-seed=last: no previous chaos run is cached; pass --chaos-seed=N")
    if value is None:
        value = random.Random().randrange(2**31)
    if cache is not None:
        cache.set("chaos/seed", value)
    config.option.chaos_seed = value
    return int(value)


class _XdistHooks:
    """Send the controller's seed to every worker, so all of them make the same decisions."""

    @pytest.hookimpl
    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput["chaos_seed"] = node.config.stash[SEED_KEY]


def pytest_report_header(config: pytest.Config) -> str | None:
    if not config.getoption("chaos"):
        return None
    targets = _targets(config)
    extra = f" targets={','.join(targets)}" if targets else ""
    return f"chaos: seed={config.stash[SEED_KEY]} clock={_clock(config)} trials={_trials(config)}{extra}"


# -- reproduction --------------------------------------------------------------------------------


def repro_command(
    config: pytest.Config, nodeid: str | None, *, select: str | None = None, target: str | None = None
) -> str:
    """The one command line that reproduces a test or a generated trial (of ``target``)."""
    parts = ["pytest"]
    if nodeid is not None:
        parts.append(nodeid)
    parts += ["--chaos", f"--chaos-seed={config.stash[SEED_KEY]}"]
    if _clock(config) != "simulated":
        parts.append(f"--chaos-clock={_clock(config)}")
    if select is not None:
        targets = config.getoption("chaos_target")
        # A generated trial depends on its own target only: the others would just run again.
        parts += [f"--chaos-target={t}" for t in ([target] if target in targets else targets)]
        inp = config.getoption("chaos_input")
        if inp:
            parts.append(f"--chaos-input={inp}")
        if config.getoption("chaos_trials"):
            parts.append(f"--chaos-trials={config.getoption('chaos_trials')}")
        parts += ["-k", select]
    return shlex.join(parts)


# -- the fixture and the marker ----------------------------------------------------------------


def _marker_settings(item: pytest.Item) -> tuple[list[Any], dict[str, Any]]:
    """Validate every chaos marker on ``item``; return (injections, settings)."""
    from chaos.faults import Fault, Injection

    injections: list[Any] = []
    settings: dict[str, Any] = {}
    for mark in reversed(list(item.iter_markers("chaos"))):
        unknown = set(mark.kwargs) - MARKER_KWARGS
        if unknown:
            raise pytest.UsageError(
                f"{item.nodeid}: @pytest.mark.chaos got unknown argument(s) {sorted(unknown)}; "
                f"valid: {', '.join(sorted(MARKER_KWARGS))}"
            )
        for arg in mark.args:
            if not isinstance(arg, Fault):
                raise pytest.UsageError(
                    f"{item.nodeid}: @pytest.mark.chaos({arg!r}): positional arguments must be faults "
                    "from chaos.faults, e.g. @pytest.mark.chaos(faults.http_429(), node='fetch')"
                )
            try:
                injections.append(
                    Injection.of(
                        arg,
                        mark.kwargs.get("node", "*"),
                        mark.kwargs.get("attempts"),
                        mark.kwargs.get("probability", 1.0),
                        mark.kwargs.get("times"),
                    )
                )
            except ValueError as exc:
                raise pytest.UsageError(f"{item.nodeid}: invalid @pytest.mark.chaos: {exc}") from None
        for key in ("clock", "disable", "seed"):
            if key in mark.kwargs:
                settings[key] = mark.kwargs[key]
    if "clock" in settings and settings["clock"] not in CLOCKS:
        raise pytest.UsageError(
            f"{item.nodeid}: invalid clock {settings['clock']!r} from marker; use one of {', '.join(CLOCKS)}"
        )
    return injections, settings


@pytest.fixture
def chaos(request: pytest.FixtureRequest) -> Iterator[Chaos]:
    """A `chaos.Chaos` for this test: declare faults, run the graph, read journal and verdict.

    Faults from ``@pytest.mark.chaos`` are already declared. Skipped unless pytest runs with
    ``--chaos``.
    """
    config = request.config
    if not config.getoption("chaos"):
        pytest.skip(SKIP_REASON)
    from chaos.harness import Chaos

    item = request.node
    injections, settings = _marker_settings(item)
    seed = settings.get("seed", config.stash[SEED_KEY])
    harness = Chaos(
        seed,
        item.nodeid,
        clock=settings.get("clock", _clock(config)),
        repro=repro_command(config, item.nodeid),
        disabled_checks=[*config.getini("chaos_disable"), *settings.get("disable", ())],
    )
    harness.injections.extend(injections)
    item.stash[CHAOS_KEY] = harness
    yield harness
    harness.close()
    _fail_on_unfired(harness, item)


def _fail_on_unfired(harness: Chaos, item: pytest.Item) -> None:
    """Strictness at the test's scope: nothing declared may be silently ignored.

    Faults declared on the marker but never run at all, and probabilistic faults that fired
    in none of the test's runs, fail the test (per-run strictness is the ``faults_fired``
    invariant, which leaves probabilistic faults to this check).
    """
    if not harness.results:
        if harness.injections and not harness.runs_started:
            labels = ", ".join(repr(i.label) for i in harness.injections)
            pytest.fail(
                f"{item.nodeid}: declared fault(s) {labels} never fired: the test never ran a graph. "
                "Call chaos.run(graph, input) (or remove the @pytest.mark.chaos faults).",
                pytrace=False,
            )
        return
    from chaos.strictness import never_fired_across

    trials = [r.to_json() for r in harness.results]
    for trial in trials:  # one scope: every run of this test
        trial["id"] = item.nodeid
    unfired = never_fired_across(trials)
    if unfired:
        labels = ", ".join(repr(label) for _scope, label in unfired)
        pytest.fail(
            f"{item.nodeid}: probabilistic fault(s) {labels} fired in none of the test's "
            f"{len(trials)} run(s); raise the probability or run more trials. "
            f"Reproduce: {harness.repro}",
            pytrace=False,
        )


def pytest_itemcollected(item: pytest.Item) -> None:
    # As time-machine does: a marker brings its fixture, so marked tests need not request it.
    if item.get_closest_marker("chaos") is not None:
        names = getattr(item, "fixturenames", None)
        if names is not None and "chaos" not in names:
            names.insert(0, "chaos")
        if not item.config.getoption("chaos"):
            # A skip marker rather than pytest.skip() in a hook: -rs then shows the test's own
            # location instead of this file's.
            item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


# -- generated trials for --chaos-target ------------------------------------------------------


class ChaosTargetCollector(pytest.Collector):
    """Groups the generated trials of one target (node id ``chaos:MODULE:ATTR``)."""

    def __init__(self, *, target: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target = target

    def collect(self) -> list[pytest.Item]:
        from chaos.suite import SUITE_KINDS

        return [
            # An explicit string node id: pytest parses ids read back from its cache (--lf)
            # into name and [params], so the item's own id must be built the same way.
            ChaosTrialItem.from_parent(
                self,
                name=f"{kind}[{trial}]",
                nodeid=f"{self.nodeid}::{kind}[{trial}]",
                target=self.target,
                kind=kind,
                trial=trial,
            )
            for kind in SUITE_KINDS
            for trial in range(_trials(self.config))
        ]


class ChaosTrialItem(pytest.Item):
    """One trial of the built-in fault suite: a fault kind aimed at one node of a target."""

    def __init__(self, *, target: str, kind: str, trial: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target = target
        self.kind = kind
        self.trial = trial

    def runtest(self) -> None:
        from chaos.suite import plan_case, reachable_sites
        from chaos.targets import parse_input
        from chaos.trial import ChaosViolation, run_trial

        config = self.config
        seed = config.stash[SEED_KEY]
        inst = _instrumented_target(config, self.target)
        raw_input = _setting(config, "chaos_input", "chaos_input")
        source = "--chaos-input" if config.getoption("chaos_input") is not None else "chaos_input (ini)"
        graph_input = parse_input(raw_input, source=source)
        case = plan_case(
            inst, target=self.target, kind=self.kind, trial=self.trial, seed=seed,
            reachable=reachable_sites(inst, graph_input),
        )
        if case.injection is None:
            pytest.skip(f"{self.target}: {self.kind}: {case.skip_reason}")
        result = run_trial(
            inst,
            graph_input,
            injections=[case.injection],
            seed=seed,
            test_id=self.nodeid,
            target=self.target,
            clock=_clock(config),  # type: ignore[arg-type]
            disabled_checks=config.getini("chaos_disable"),
            repro=repro_command(config, None, select=self.name, target=self.target),
        )
        self.stash[RESULT_KEY] = result
        if not result.ok:
            raise ChaosViolation(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        from chaos.errors import ChaosUsageError
        from chaos.trial import ChaosViolation

        if isinstance(excinfo.value, (ChaosViolation, ChaosUsageError)):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)  # type: ignore[arg-type]

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None, f"chaos {self.target} {self.name}"


def _instrumented_target(config: pytest.Config, target: str) -> InstrumentedGraph:
    from chaos.inject import instrument
    from chaos.savers import default_cache, sqlite_saver_in
    from chaos.targets import load_target

    cache = config.stash[TARGETS_KEY]
    if target not in cache:
        cache[target] = instrument(
            load_target(target), checkpointer_factory=sqlite_saver_in, cache_factory=default_cache
        )
    return cache[target]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    # tryfirst: our items must exist before -k/-m deselection and --lf filtering look at them.
    if config.getoption("chaos"):
        _add_target_items(session, config, items)
    _shard(config, items)


def _add_target_items(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    from chaos.errors import ChaosUsageError
    from chaos.targets import parse_input

    for target in _targets(config):
        try:
            _instrumented_target(config, target)
            # Bad JSON is one usage error now, not the same failure in every generated item.
            source = "--chaos-input" if config.getoption("chaos_input") is not None else "chaos_input (ini)"
            parse_input(_setting(config, "chaos_input", "chaos_input"), source=source)
        except ChaosUsageError as exc:
            raise pytest.UsageError(str(exc)) from None
        parent = ChaosTargetCollector.from_parent(
            session, name=f"chaos:{target}", nodeid=f"chaos:{target}", target=target
        )
        # Through the normal collection protocol, so the terminal counts the generated items
        # ("collected N items") and other plugins see their collect report.
        items.extend(session.genitems(parent))
        if config.getoption("chaos_audit"):
            items.append(_audit_item(session, config, target))


def _audit_item(session: pytest.Session, config: pytest.Config, target: str) -> pytest.Item:
    """The ``chaos-audit:MODULE:ATTR`` item (see chaos/audit/pytest_item.py)."""
    from chaos.audit.pytest_item import ChaosAuditItem
    from chaos.audit.silence import parse_ignore
    from chaos.errors import ChaosUsageError

    ignore = config.getini("chaos_audit_ignore")
    try:
        parse_ignore(ignore, source="chaos_audit_ignore (ini)")
    except ChaosUsageError as exc:
        raise pytest.UsageError(str(exc)) from None
    source = "--chaos-input" if config.getoption("chaos_input") is not None else "chaos_input (ini)"
    return ChaosAuditItem.from_parent(
        session,
        name=f"chaos-audit:{target}",
        nodeid=f"chaos-audit:{target}",
        target=target,
        input_text=_setting(config, "chaos_input", "chaos_input"),
        input_source=source,
        ignore=ignore,
    )


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
            if config.getoption("chaos_shard") is None:
                self.unfired = never_fired_across(config.stash[REPORTS_KEY])
                if self.unfired and session.exitstatus == pytest.ExitCode.OK:
                    session.exitstatus = pytest.ExitCode.TESTS_FAILED
        try:
            path = config.getoption("chaos_report")
            html = config.getoption("chaos_html")
            if (path or html) and not hasattr(config, "workerinput"):
                from chaos.report import build_report, write_report

                doc = build_report(config.stash[SEED_KEY], config.stash[REPORTS_KEY])
                if config.stash[AUDITS_KEY]:
                    doc["audit"] = sorted(config.stash[AUDITS_KEY], key=lambda a: a["target"])
                if path:
                    write_report(path, doc)
                if html:
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
            from chaos.audit.pytest_item import summary_lines

            terminalreporter.write_sep("-", "chaos audit")
            for line in summary_lines(config.stash[AUDITS_KEY]):
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
        for label, option in (("report", "chaos_report"), ("html report", "chaos_html")):
            if config.getoption(option):
                tr.write_line(f"{label}: {config.getoption(option)}")


# -- scenario files and shards -------------------------------------------------------------


def pytest_collect_file(file_path: Any, parent: pytest.Collector) -> pytest.Collector | None:
    if not parent.config.getoption("chaos"):
        return None
    from chaos.scenarios.collect import ScenarioFile, is_scenario_file

    if is_scenario_file(file_path):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


def _shard(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Every item (generated or not) goes to one shard by a hash of its node id alone, so shards
    # never depend on order, worker, machine, or on what -k/--lf deselect later.
    shard = config.getoption("chaos_shard")
    if shard is None:
        return
    from chaos.decide import unit_interval

    index, total = shard
    keep, drop = [], []
    for item in items:
        (keep if int(unit_interval("shard", item.nodeid) * total) == index - 1 else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
