"""Generated trials for ``--chaos-target``, scenario files, and shards."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from chaos.engine.drive import Drive
    from chaos.http import HttpChaos
    from chaos.suite import SuiteCase, SuitePlan
    from chaos.inject import InstrumentedGraph
    from chaos.zerocode import TargetSetup

from pathlib import Path

from pytest_langgraph_chaos._nodes import ChaosCollector, ChaosItem
from pytest_langgraph_chaos._session import repro_command
from pytest_langgraph_chaos._audit import ChaosAuditItem
from pytest_langgraph_chaos._scenarios import is_scenario_file
from pytest_langgraph_chaos._settings import SEED_KEY, TARGETS_KEY, _clock, _drives, _setting, _targets, _trials


_SETUPS_KEY = pytest.StashKey[dict[str, tuple["TargetSetup", "HttpChaos"]]]()


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    from pytest_langgraph_chaos import _hookspec

    pluginmanager.add_hookspecs(_hookspec)


# -- generated trials for --chaos-target ------------------------------------------------------


class ChaosTargetCollector(ChaosCollector):
    """Groups the generated trials of one target (node id ``chaos:MODULE:ATTR``)."""

    def __init__(self, *, target: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target = target

    def collect(self) -> list[pytest.Item]:
        failure = self.config.stash.get(LOAD_ERRORS_KEY, {}).get(self.target)
        if failure is not None:
            # One failing item for the target, not a collection error: the other targets and
            # tests of the session still run.
            return [TargetLoadFailed.from_parent(self, name="load", nodeid=f"{self.nodeid}::load", message=failure)]
        return [
            # An explicit string node id: pytest parses ids read back from its cache (--lf)
            # into name and [params], so the item's own id must be built the same way.
            ChaosTrialItem.from_parent(
                self, name=case.name, nodeid=f"{self.nodeid}::{case.name}", target=self.target, case=case,
            )
            # Each kind under each --chaos-invoke mode (a mode other than the default names
            # itself in the id: ``chaos:<target>::<mode>::<kind>[<site>]#<trial>``).
            for drive in _drives(self.config)
            for case in _target_plan(self.config, self.target, drive).cases
        ]


class ChaosTrialItem(ChaosItem):
    """One trial of the built-in suite: a kind aimed at one site of a target (`chaos.suite`)."""

    def __init__(self, *, target: str, case: SuiteCase, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target = target
        self.case = case
        self.kind = case.kind
        self.trial = case.trial

    def runtest(self) -> None:
        from chaos.suite_run import run_case
        from chaos.zerocode import unanswered

        config = self.config
        seed = config.stash[SEED_KEY]
        inst, setup, http = _target_state(config, self.target)
        case = self.case
        if case.skip_reason is not None:
            pytest.skip(f"{self.target}: {case.kind}: {case.skip_reason}")
        kill_options, _ = _kill_options(config, self.target) if case.mode == "kill" else (None, None)
        result = run_case(
            case, inst, setup.input,
            seed=seed,
            test_id=self.nodeid,
            target=self.target,
            clock=_clock(config),  # type: ignore[arg-type]  # validated against CLOCKS
            config=setup.config,
            context=setup.context_for(inst),
            disable=config.getini("chaos_disable"),
            repro=repro_command(config, None, select=self.name, target=self.target, drive=case.drive),
            around=setup.hooks(inst, http),
            kill_options=kill_options,
        )
        missing = unanswered(result.baseline)
        if missing:
            # The baseline could not run as production would: no verdict about the faults
            # (an http_unmatched violation is not a fault's doing either).
            result.inconclusive = missing
            result.violations = []
        self.record(result)

    def describe(self) -> str:
        return f"chaos {self.target} {self.name}"


_PLANS_KEY = pytest.StashKey[dict[tuple[str, str], "SuitePlan"]]()


def _target_plan(config: pytest.Config, target: str, drive: Drive | None = None) -> SuitePlan:
    """The suite of ``target`` driven by ``drive`` (default: the default drive), planned once
    per process from its fault-free run under that drive.

    Planned at collection (the item ids name each site), from a run on the simulated clock with
    seed 0: every process (each xdist worker) plans the same items. A drive the installed
    LangGraph cannot run (``astream_events:v3`` before LangGraph had it) gets the default
    drive's items, each skipped with the reason.
    """
    import dataclasses

    from chaos.engine.drive import DEFAULT, unsupported
    from chaos.suite import ALL_KINDS, SuitePlan, discover_steps, plan_suite
    from chaos.zerocode import unanswered

    drive = drive or DEFAULT
    plans = config.stash.setdefault(_PLANS_KEY, {})
    key = (target, drive.token)
    if key not in plans:
        inst, setup, http = _target_state(config, target)
        why = unsupported(drive, inst.graph)
        if why is not None:
            base = _target_plan(config, target, DEFAULT)
            plans[key] = SuitePlan([dataclasses.replace(c, drive=drive, skip_reason=why) for c in base.cases],
                                   dict(base.absent))
            return plans[key]
        steps, journal = discover_steps(inst, setup.input, answers=setup.answers, config=setup.config,
                                        context=setup.context_for(inst), around=setup.hooks(inst, http), drive=drive)
        finished = journal.outcome in ("ok", "interrupted") and unanswered(journal) is None
        kill_reason = _kill_options(config, target)[1]
        if kill_reason is None and drive != DEFAULT:
            # The kill engine's child processes drive each run step with astream.
            kill_reason = f"kill trials' child processes drive the graph with {DEFAULT.token}, not {drive.token}"
        kinds, absent = ALL_KINDS, {}
        if drive.method in ("abatch", "batch"):
            # A SIGTERM drains every copy of the batch at once; the drain checks read one thread.
            absent["sigterm"] = f"{drive.token} runs {drive.n} threads at once, and the drain checks judge one"
            kinds = tuple(k for k in ALL_KINDS if k not in absent)
        plan = plan_suite(
            inst, target=target, seed=config.stash[SEED_KEY], trials=_trials(config),
            journal=journal if finished else None, steps=steps, kill_reason=kill_reason, kinds=kinds,
        )
        plan.absent.update(absent)
        plan.cases = [dataclasses.replace(c, drive=drive) for c in plan.cases]
        plans[key] = plan
    return plans[key]


def _kill_options(config: pytest.Config, target: str) -> tuple[dict[str, Any] | None, str | None]:
    """How a kill trial's children rebuild ``target`` (or why they cannot)."""
    import copy

    from chaos.suite import picklable
    from chaos.suite_run import ChildPrepare

    inst, setup, _ = _target_state(config, target)
    graph = setup.graph
    if getattr(graph, "builder", graph) is None or not hasattr(getattr(graph, "builder", graph), "nodes"):
        return None, "the target is not built from a StateGraph, so a child process cannot rebuild it to kill"
    child_setup = copy.copy(setup)
    child_setup.graph = None
    prepare = ChildPrepare(child_setup)
    why = picklable(prepare)
    if why is not None:
        return None, (f"the target's setup (from pytest_chaos_setup) cannot be sent to a child process ({why}), "
                      "so kill trials cannot rebuild its sealed network there")
    return {"target": _absolute_target(config, target), "saver": "sqlite", "prepare": prepare, "timeout": 60.0}, None


def _absolute_target(config: pytest.Config, target: str) -> str:
    """``target`` with a file path made absolute, so a child process finds it from any directory."""
    location, sep, attr = target.rpartition(":")
    if location.endswith((".py", ".json")):
        path = Path(location)
        if not path.is_absolute():
            path = (Path(config.invocation_params.dir) / path).resolve()
        return f"{path}{sep}{attr}"
    return target


class TargetLoadFailed(ChaosItem):
    """Stands for the trials of a target that could not be loaded: fails with the reason."""

    def __init__(self, *, message: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.message = message
        self.target = self.parent.target if isinstance(self.parent, ChaosTargetCollector) else ""

    def runtest(self) -> None:
        from chaos.errors import ChaosUsageError

        raise ChaosUsageError(self.message)

    def describe(self) -> str:
        return f"chaos {self.target} {self.name}"


#: Targets whose module or factory raised: target -> the message its ``load`` item fails with.
LOAD_ERRORS_KEY = pytest.StashKey[dict[str, str]]()


def describe_load_error(target: str, exc: BaseException) -> str:
    """What went wrong loading ``target``, with the user's frames of the traceback."""
    import traceback

    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "importlib" not in f.filename
              and "/chaos/" not in f.filename and "pytest_langgraph_chaos" not in f.filename]
    where = "".join(traceback.format_list(frames[-5:])).rstrip()
    return (
        f"--chaos-target={target}: loading the target raised {type(exc).__name__}: {exc}. The module "
        "(or the factory it names) must import and build the graph without errors; fix the error below, "
        "or run `python -c 'import MODULE'` to see it alone." + (f"\n{where}" if where else "")
    )


def _check_input_shape(value: Any, source: str) -> None:
    """A graph's input is a state: a JSON object. Anything else is refused before any trial."""
    from chaos.errors import ChaosUsageError

    if not isinstance(value, dict):
        shown = "null" if value is None else type(value).__name__
        raise ChaosUsageError(
            f"{source}: the input must be a JSON object of the graph's state fields, not {shown} "
            f"({value!r}); write it like --chaos-input='{{\"question\": \"hello\"}}'"
        )


def _instrumented_target(config: pytest.Config, target: str) -> InstrumentedGraph:
    return _target_state(config, target)[0]


def audit_setup(config: pytest.Config, target: str) -> tuple[TargetSetup, HttpChaos, Any]:
    """What the audit item of ``target`` runs with: the trials' setup, sealed network and context."""
    inst, setup, http = _target_state(config, target)
    return setup, http, setup.context_for(inst)


def _target_state(config: pytest.Config, target: str) -> tuple[InstrumentedGraph, TargetSetup, HttpChaos]:
    """The instrumented graph, its setup and its sealed network (built once per target)."""
    from chaos.inject import instrument
    from chaos.savers import default_cache, sqlite_saver_in
    from chaos.targets import applied_env, load

    cache = config.stash[TARGETS_KEY]
    setups = config.stash.setdefault(_SETUPS_KEY, {})
    if target not in setups:
        setup = _setup(config, target)
        with applied_env(setup.env):
            loaded = load(target, config=setup.config)
        setup.env = {**loaded.env, **setup.env}
        setup.graph = loaded.graph
        config.hook.pytest_chaos_setup(setup=setup)
        if target not in cache:
            cache[target] = instrument(
                loaded.graph, checkpointer_factory=sqlite_saver_in, cache_factory=default_cache
            )
            if loaded.project is not None:
                _serve_like_the_platform(cache[target])
        setups[target] = (setup, setup.http(cache[target]))
    setup, http = setups[target]
    return cache[target], setup, http


def _serve_like_the_platform(inst: InstrumentedGraph) -> None:
    """A ``langgraph.json`` graph compiled without a checkpointer gets one, as the LangGraph
    server gives every graph it serves (so its threads can be drained, killed and resumed)."""
    from chaos.savers import sqlite_saver_in

    graph = inst.graph
    if getattr(graph, "checkpointer", None) is None and hasattr(graph, "checkpointer"):
        saver = sqlite_saver_in()
        graph.checkpointer = saver
        inst.cleanups.append(saver.close)


def _setup(config: pytest.Config, target: str) -> TargetSetup:
    """The target's setup from the command line and ini (before the conftest hook)."""
    from chaos.errors import ChaosUsageError
    from chaos.http.routes_file import load_routes_file
    from chaos.targets import parse_input, parse_json
    from chaos.zerocode import TargetSetup

    def text(option: str) -> tuple[str | None, str]:
        value = config.getoption("langgraph_" + option)
        if value is not None:
            return value, "--" + option.replace("_", "-")
        return config.getini(option) or None, f"{option} (ini)"

    raw, where = text("chaos_input")
    graph_input = parse_input(raw, source=where)
    raw, where = text("chaos_config")
    run_config = parse_json(raw, source=where, example='{"configurable": {"user_id": "u1"}}')
    if run_config is not None and not isinstance(run_config, dict):
        raise ChaosUsageError(f"{where}: a RunnableConfig is a JSON object, got {run_config!r}")
    raw, where = text("chaos_context")
    context = parse_json(raw, source=where, example='{"model": "openai/gpt-4o-mini"}')
    raw, where = text("chaos_answers")
    answers = parse_json(raw, source=where, example='[{"type": "accept"}]', default=[])
    raw, where = text("chaos_routes")
    routes = None
    if raw:
        path = Path(raw)
        if not path.is_absolute() and config.getoption("langgraph_chaos_routes") is None:
            path = Path(config.rootpath) / path  # ini paths are relative to the ini file's dir
        routes = load_routes_file(path, source=where)
    return TargetSetup(
        target, input=graph_input, config=run_config, context=context, routes_file=routes,
        answers=answers if isinstance(answers, list) else [answers],
    )


#: Generated item ids given on the command line (``pytest 'chaos:app:graph::kill[fetch@a1]#0'``).
_SELECTED_KEY = pytest.StashKey[list[str]]()


def take_item_ids(config: pytest.Config) -> None:
    """Generated item ids are not paths: take such arguments out of pytest's file arguments
    (which would say "file or directory not found") and select the items they name."""
    ids = [a for a in config.args if a.startswith(("chaos:", "chaos-audit:"))]
    if ids:
        config.stash[_SELECTED_KEY] = ids
        config.args[:] = [a for a in config.args if a not in ids]


def _select_by_id(config: pytest.Config, items: list[pytest.Item]) -> None:
    given = config.stash.get(_SELECTED_KEY, [])
    if not given:
        return
    generated = [i.nodeid for i in items if i.nodeid.startswith(("chaos:", "chaos-audit:"))]
    ids = [_known_id(s, generated) for s in given]
    keep = [i for i in items if any(_selects(s, i.nodeid) for s in ids)]
    drop = [i for i in items if i not in keep]
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _selects(given: str, nodeid: str) -> bool:
    """Whether the id ``given`` on the command line selects the item ``nodeid`` (it or a parent)."""
    return nodeid == given or nodeid.startswith(given + "::")


def _known_id(given: str, generated: list[str]) -> str:
    """``given`` as it names generated items; a usage error naming it when it names none.

    pytest 9.2's short test summary prints ``FAILED chaos:app:graph::kill[fetch@a1]#0]``: its
    node-id parser takes a test's parameters to be one bracket at the end, so it adds a ``]``
    to our ids. Copied from there, the id still selects its item.
    """
    if any(_selects(given, n) for n in generated):
        return given
    unbalanced = given.endswith("]") and given.count("]") > given.count("[")
    if unbalanced and any(_selects(given[:-1], n) for n in generated):
        return given[:-1]
    import difflib

    prefix = given.partition("::")[0]
    targets = sorted({n.partition("::")[0] for n in generated})
    base, _, number = given.rpartition("#")
    if prefix not in targets:
        target = prefix.split(":", 1)[1] if ":" in prefix else prefix
        hint = (f"its target {target} is not one of this run's ({', '.join(t.split(':', 1)[1] for t in targets)})"
                if targets else "this run has no --chaos-target")
        fix = f"add --chaos-target={target} (the repro line printed with the failure has it)"
    elif base and number.isdigit() and any(n.rpartition("#")[0] == base for n in generated):
        hint = f"it is trial #{number} and this run makes fewer of its kind"
        fix = f"add --chaos-trials={int(number) + 1} (the repro line printed with the failure has it)"
    else:
        close = difflib.get_close_matches(given, generated, n=3, cutoff=0.6)
        hint = f"the closest: {', '.join(close)}" if close else "no item of that target is close to it"
        fix = "the ids of this run are listed by the same command with --collect-only -q"
    raise pytest.UsageError(f"{given!r} names no chaos item of this run: {hint}; {fix}")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    # tryfirst: our items must exist before -k/-m deselection and --lf filtering look at them.
    if config.getoption("langgraph_chaos"):
        try:
            _add_target_items(session, config, items)
            _select_by_id(config, items)
        except pytest.UsageError as exc:
            if not hasattr(config, "workerinput"):
                raise
            # An xdist worker's usage error never reaches the terminal: the run would only say
            # "no tests ran". Sent as a failed collection, the controller prints it (once).
            items.clear()
            report = pytest.CollectReport("chaos", "failed", f"ERROR: {exc}", [])
            session.ihook.pytest_collectreport(report=report)
    _shard(config, items)


def _add_target_items(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    from chaos.errors import ChaosUsageError
    from chaos.targets import parse_input

    errors = config.stash.setdefault(LOAD_ERRORS_KEY, {})
    for target in _targets(config):
        try:
            # Bad JSON is one usage error now, not the same failure in every generated item.
            source = "--chaos-input" if config.getoption("langgraph_chaos_input") is not None else "chaos_input (ini)"
            graph_input = parse_input(_setting(config, "langgraph_chaos_input", "chaos_input"), source=source)
            inst = _instrumented_target(config, target)
            if getattr(inst.graph, "builder", None) is not None:
                # A StateGraph's input is its state; an @entrypoint takes any JSON value.
                _check_input_shape(graph_input, source)
        except ChaosUsageError as exc:
            raise pytest.UsageError(str(exc)) from None
        except (Exception, SystemExit) as exc:  # the user's module or factory raised
            errors[target] = describe_load_error(target, exc)
        parent = ChaosTargetCollector.from_parent(
            session, name=f"chaos:{target}", nodeid=f"chaos:{target}", target=target
        )
        # Through the normal collection protocol, so the terminal counts the generated items
        # ("collected N items") and other plugins see their collect report.
        items.extend(session.genitems(parent))
        if config.getoption("langgraph_chaos_audit") and target not in errors:
            items.append(_audit_item(session, config, target))


def _audit_item(session: pytest.Session, config: pytest.Config, target: str) -> pytest.Item:
    """The ``chaos-audit:MODULE:ATTR`` item (see `pytest_langgraph_chaos._audit`)."""
    from chaos.audit.silence import parse_ignore
    from chaos.errors import ChaosUsageError

    ignore = config.getini("chaos_audit_ignore")
    try:
        parse_ignore(ignore, source="chaos_audit_ignore (ini)")
    except ChaosUsageError as exc:
        raise pytest.UsageError(str(exc)) from None
    source = "--chaos-input" if config.getoption("langgraph_chaos_input") is not None else "chaos_input (ini)"
    return ChaosAuditItem.from_parent(
        session,
        name=f"chaos-audit:{target}",
        nodeid=f"chaos-audit:{target}",
        target=target,
        input_text=_setting(config, "langgraph_chaos_input", "chaos_input"),
        input_source=source,
        ignore=ignore,
    )


# -- scenario files and shards -------------------------------------------------------------


def pytest_collect_file(file_path: Any, parent: pytest.Collector) -> pytest.Collector | None:
    if not parent.config.getoption("langgraph_chaos"):
        return None
    if is_scenario_file(file_path):
        from pytest_langgraph_chaos._scenarios import ScenarioFile

        return ScenarioFile.from_parent(parent, path=file_path)
    return None


def _shard(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Every item (generated or not) goes to one shard by a hash of its node id alone, so shards
    # never depend on order, worker, machine, or on what -k/--lf deselect later.
    shard = config.getoption("langgraph_chaos_shard")
    if shard is None:
        return
    from chaos.decide import unit_interval

    index, total = shard
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        (keep if int(unit_interval("shard", item.nodeid) * total) == index - 1 else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
