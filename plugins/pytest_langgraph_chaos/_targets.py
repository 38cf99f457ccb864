"""Generated trials for ``--chaos-target``, scenario files, and shards."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from chaos.inject import InstrumentedGraph

from pytest_langgraph_chaos._nodes import ChaosCollector, ChaosItem
from pytest_langgraph_chaos._session import repro_command
from pytest_langgraph_chaos._audit import ChaosAuditItem
from pytest_langgraph_chaos._scenarios import is_scenario_file
from pytest_langgraph_chaos._settings import SEED_KEY, TARGETS_KEY, _clock, _setting, _targets, _trials


# -- generated trials for --chaos-target ------------------------------------------------------


class ChaosTargetCollector(ChaosCollector):
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


class ChaosTrialItem(ChaosItem):
    """One trial of the built-in fault suite: a fault kind aimed at one node of a target."""

    def __init__(self, *, target: str, kind: str, trial: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target = target
        self.kind = kind
        self.trial = trial

    def runtest(self) -> None:
        from chaos.suite import plan_case, reachable_sites
        from chaos.targets import parse_input
        from chaos.trial import run_trial

        config = self.config
        seed = config.stash[SEED_KEY]
        inst = _instrumented_target(config, self.target)
        raw_input = _setting(config, "langgraph_chaos_input", "chaos_input")
        source = "--chaos-input" if config.getoption("langgraph_chaos_input") is not None else "chaos_input (ini)"
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
            disable=config.getini("chaos_disable"),
            repro=repro_command(config, None, select=self.name, target=self.target),
        )
        self.record(result)

    def describe(self) -> str:
        return f"chaos {self.target} {self.name}"


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
    if config.getoption("langgraph_chaos"):
        _add_target_items(session, config, items)
    _shard(config, items)


def _add_target_items(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    from chaos.errors import ChaosUsageError
    from chaos.targets import parse_input

    for target in _targets(config):
        try:
            _instrumented_target(config, target)
            # Bad JSON is one usage error now, not the same failure in every generated item.
            source = "--chaos-input" if config.getoption("langgraph_chaos_input") is not None else "chaos_input (ini)"
            parse_input(_setting(config, "langgraph_chaos_input", "chaos_input"), source=source)
        except ChaosUsageError as exc:
            raise pytest.UsageError(str(exc)) from None
        parent = ChaosTargetCollector.from_parent(
            session, name=f"chaos:{target}", nodeid=f"chaos:{target}", target=target
        )
        # Through the normal collection protocol, so the terminal counts the generated items
        # ("collected N items") and other plugins see their collect report.
        items.extend(session.genitems(parent))
        if config.getoption("langgraph_chaos_audit"):
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
