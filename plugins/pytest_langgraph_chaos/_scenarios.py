"""pytest collection of scenario files: ``pytest --chaos scenarios/``.

Each ``*.chaos.toml`` file becomes a `ScenarioFile`; each (input, trial) pair becomes a
`ScenarioItem` named ``NAME[tK]`` (``NAME[inJ-tK]`` with several inputs). Validation errors,
including a fault aimed at a node the graph does not have, fail collection with the file, the
key, the line and the fix.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from pytest_langgraph_chaos._nodes import ChaosFile, ChaosItem
from pytest_langgraph_chaos._session import repro_command
from pytest_langgraph_chaos._settings import SEED_KEY

if TYPE_CHECKING:
    from chaos.scenarios.model import Scenario
    from chaos.trial import TrialResult

SUFFIX = ".chaos.toml"


def is_scenario_file(path: Any) -> bool:
    """True for ``*.chaos.toml`` files (cheap: imports nothing)."""
    return str(path).endswith(SUFFIX)


class ScenarioFile(ChaosFile):
    """A scenario file; its items are the scenario's trials."""

    def collect(self) -> Iterator[pytest.Item]:
        from chaos.errors import ChaosUsageError
        from chaos.scenarios.load import ScenarioError, load_scenario

        try:
            scenario = load_scenario(self.path)
        except UnicodeDecodeError as exc:
            raise ScenarioError(
                self.path, "file", f"is not UTF-8 text (byte {exc.start}); save it as UTF-8 TOML"
            ) from None
        inst = scenario_graph(self.config, scenario)
        for spec in scenario.faults:
            try:
                inst.check_injections([spec.injection])
            except ChaosUsageError as exc:
                index = scenario.faults.index(spec)
                raise ScenarioError(self.path, f"faults[{index}].node", str(exc), spec.node_line) from None
        many = len(scenario.inputs) > 1
        for i, _ in enumerate(scenario.inputs):
            for t in range(_trials(self.config, scenario)):
                name = f"{scenario.name}[in{i}-t{t}]" if many else f"{scenario.name}[t{t}]"
                yield ScenarioItem.from_parent(self, name=name, scenario=scenario, input_index=i, trial=t)


class ScenarioItem(ChaosItem):
    """One trial of a scenario."""

    def __init__(self, *, scenario: Scenario, input_index: int, trial: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self.input_index = input_index
        self.trial = trial

    def runtest(self) -> None:
        from chaos.trial import run_trial

        config = self.config
        sc = self.scenario
        if sc.shutdown_kind is not None or sc.kill_step is not None:
            self.record(self._shutdown_trial(config.stash[SEED_KEY], repro_command(config, self.nodeid)))
            return
        result = run_trial(
            scenario_graph(config, sc),
            sc.inputs[self.input_index],
            injections=sc.injections,
            seed=config.stash[SEED_KEY],
            test_id=self.nodeid,
            target=sc.target,
            clock=_clock(config, sc),  # type: ignore[arg-type]  # validated when loaded
            config=dict(sc.config),
            disable=[*config.getini("chaos_disable"), *sc.disable],
            nondeterministic=sc.nondeterministic,
            repro=repro_command(config, self.nodeid),
            steps=sc.steps,
            drive=sc.drive,
            around=[_http_for(sc)] if sc.uses_http else [],
        )
        self.record(result)

    def _shutdown_trial(self, seed: int, repro: str) -> TrialResult:
        """A drain (sigterm) or kill scenario: interrupt one run, resume it, check both."""
        from chaos.shutdown import run_drain_trial, run_kill_trial
        from chaos.targets import load_target

        sc = self.scenario
        disable = [*self.config.getini("chaos_disable"), *sc.disable]
        common: dict[str, Any] = dict(seed=seed, test_id=self.nodeid, nondeterministic=sc.nondeterministic,
                      disable=disable, repro=repro, raise_on_violation=False)
        if sc.kill_step is not None:  # [[steps]] with a kill: the history runs in child processes
            return run_kill_trial(sc.target, sc.inputs[self.input_index], steps=sc.steps, saver=sc.checkpointer,
                                  idempotent=sc.idempotent, around=[_http_for(sc)] if sc.uses_http else [], **common)
        inj = sc.injections[0]
        if sc.shutdown_kind == "sigterm":
            result = run_drain_trial(
                load_target(sc.target), sc.inputs[self.input_index], node=inj.node,
                attempts=sorted(inj.attempts) if inj.attempts else 1, saver=sc.checkpointer,
                config=dict(sc.config) or None, **common,
            )
            result.target = sc.target  # the builder has no name: report the scenario's target
            return result
        return run_kill_trial(
            sc.target, sc.inputs[self.input_index], node=inj.node, fault=inj.fault,  # type: ignore[arg-type]  # a kill scenario's fault is a Kill
            saver=sc.checkpointer, idempotent=sc.idempotent, **common,
        )

    def describe(self) -> str:
        return f"scenario {self.scenario.name} {self.name}"


_GRAPHS = pytest.StashKey[dict[tuple[Any, ...], Any]]()


def scenario_graph(config: pytest.Config, scenario: Scenario) -> Any:
    """The instrumented graph of a scenario (one per target/checkpointer/TTL per session)."""
    from langgraph.checkpoint.memory import InMemorySaver

    from chaos.errors import ChaosUsageError
    from chaos.inject import instrument
    from chaos.savers import default_cache, sqlite_saver_in
    from chaos.scenarios.load import ScenarioError
    from chaos.targets import load_target

    cache = config.stash.setdefault(_GRAPHS, {})
    key = (scenario.target, scenario.checkpointer, scenario.cache_ttl)
    if key not in cache:
        try:
            target = load_target(scenario.target)
        except ChaosUsageError as exc:
            raise ScenarioError(scenario.path, "scenario.target", str(exc).replace("--chaos-target=", "")) from None
        except (Exception, SystemExit) as exc:  # the user's module or factory raised: this file fails, not the session
            from pytest_langgraph_chaos._targets import describe_load_error

            raise ScenarioError(scenario.path, "scenario.target", describe_load_error(scenario.target, exc)) from None
        if scenario.checkpointer == "postgres":
            from chaos.savers import postgres_saver
            from chaos.shutdown.savers import postgres_url

            def saver() -> Any:
                return postgres_saver(postgres_url())
        else:
            saver = InMemorySaver if scenario.checkpointer == "memory" else sqlite_saver_in
        cache[key] = instrument(
            target, checkpointer_factory=saver, cache_factory=default_cache, cache_ttl=scenario.cache_ttl
        )
    return cache[key]


def _http_for(scenario: Scenario) -> Any:
    """A fresh `chaos.http.HttpChaos` answering the scenario's routes (strict: nothing else)."""
    from chaos.http import HttpChaos

    http = HttpChaos()
    for route in scenario.routes:
        route.add_to(http)
    return http


def _trials(config: pytest.Config, scenario: Scenario) -> int:
    override = config.getoption("langgraph_chaos_trials")
    return override if override is not None else scenario.trials


def _clock(config: pytest.Config, scenario: Scenario) -> str:
    override = config.getoption("langgraph_chaos_clock")
    return override if override is not None else scenario.clock
