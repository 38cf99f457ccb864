"""Run one `chaos.suite.SuiteCase` through the trial engine and judge it.

Ordinary cases are one `chaos.engine.TrialSpec`; ``drain`` cases are judged as drain trials
(`chaos.shutdown.drain.drain_result`) and ``kill`` cases run on the forkserver engine and are
judged as kill trials (`chaos.shutdown.crash.kill_result`), so the suite's trials get exactly
the invariants the hand-written front ends get.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from chaos.engine.executor import ClockName, RunHook
from chaos.engine.result import TrialResult
from chaos.engine.spec import Checks, TrialSpec
from chaos.inject import InstrumentedGraph
from chaos.suite import SuiteCase


@dataclass
class ChildPrepare:
    """What a kill trial's child process rebuilds its runs with (picklable): the run hooks,
    config and context of the zero-code target (`chaos.zerocode.TargetSetup`)."""

    setup: Any

    def __call__(self, inst: InstrumentedGraph) -> tuple[list[RunHook], dict[str, Any] | None, Any]:
        return self.setup.hooks(inst), self.setup.config, self.setup.context_for(inst)


def run_case(
    case: SuiteCase,
    inst: InstrumentedGraph,
    input: Any,
    *,
    seed: int,
    test_id: str,
    target: str,
    clock: ClockName = "simulated",
    config: dict[str, Any] | None = None,
    context: Any = None,
    around: Sequence[RunHook] = (),
    disable: Sequence[str] = (),
    repro: str | None = None,
    kill_options: dict[str, Any] | None = None,
) -> TrialResult:
    """The judged result of ``case`` (see the module doc); ``kill_options`` for kill cases."""
    spec = TrialSpec(
        graph=inst, input=input, steps=case.steps, injections=case.injections, seed=seed, test_id=test_id,
        clock=clock, config=config, context=context, checks=Checks(tuple(disable)), around=tuple(around),
        drive=case.drive,
        source=inst, target=target, repro=repro,
        roles={"drain": ("baseline", "drain"), "kill": ("baseline", "kill")}.get(case.mode, ("baseline", "chaos")),
        kill_options=kill_options if case.mode == "kill" else None,
    )
    if case.mode == "drain":
        from chaos.engine.judge import judge
        from chaos.engine.run import execute_spec
        from chaos.shutdown.drain import drain_result, shutdown_disabled

        result = drain_result(execute_spec(spec), "harness")
        return judge(result, spec.checks, extra_disable=tuple(shutdown_disabled(disable)))
    if case.mode == "kill":
        from chaos.engine.run import execute_spec
        from chaos.engine.steps import Kill
        from chaos.shutdown.crash import kill_result
        from chaos.shutdown.faults import Kill as KillFault

        step = spec.kill
        assert isinstance(step, Kill)
        return kill_result(execute_spec(spec), node=step.node, fault=KillFault(step.grace, step.at), disable=disable,
                           idempotent=case.idempotent)
    from chaos.engine.run import run_trial

    return run_trial(spec)


__all__ = ["ChildPrepare", "run_case"]
