"""Every front end takes drive= (the way production calls the graph) and passes it to the engine."""

from __future__ import annotations

import pytest

from chaos import Chaos, faults
from chaos.faults import Injection
from chaos.shutdown import run_drain_trial
from tests.shutdown import shutdown_graphs as sg

INPUT: dict[str, list[str]] = {"log": []}


@pytest.mark.parametrize("drive", ["ainvoke", "stream:updates", "invoke"])
def test_run_drain_trial_drives_the_graph_as_told(drive: str) -> None:
    result = run_drain_trial(sg.four_node(sync=not drive.startswith("a")), INPUT, node="slow", drive=drive,
                             test_id=f"drain-drive-{drive}")
    assert result.drive == drive and result.verdict == "pass"
    assert [s.outcome for s in result.journal.steps] == ["drained", "ok"]


def test_run_drain_trial_at_a_superstep_boundary() -> None:
    result = run_drain_trial(sg.four_node(), INPUT, step=1, test_id="drain-step")
    assert result.checkpoint is not None and result.checkpoint["step"] == 1
    assert result.verdict == "pass", result.describe_failure()


def test_run_drain_trial_invoke_is_a_deprecated_alias_of_drive() -> None:
    with pytest.warns(DeprecationWarning, match=r"run_drain_trial\(invoke='sync'\) is deprecated; use drive='stream'"):
        result = run_drain_trial(sg.four_node(sync=True), INPUT, node="slow", invoke="sync", test_id="drain-old")
    assert result.drive.startswith("stream")


def test_run_drain_trial_needs_a_node_or_a_step() -> None:
    from chaos.errors import ChaosUsageError

    with pytest.raises(ChaosUsageError, match="give node= .* or step="):
        run_drain_trial(sg.four_node(), INPUT)


def test_the_harness_drain_takes_drive_and_step(harness: Chaos) -> None:
    result = harness.drain(sg.four_node(sync=True), INPUT, step=2, drive="invoke")
    assert result.drive == "invoke" and result.verdict == "pass"


def test_run_plan_takes_drive() -> None:
    pytest.importorskip("hypothesis")
    from chaos.strategies import FaultPlan, run_plan

    plan = FaultPlan.of(Injection.of(faults.exception(RuntimeError("x")), "fast", [1]))
    result = run_plan(sg.four_node(sync=True), INPUT, plan, drive="stream:values", raise_on_violation=False)
    assert result.drive == "stream:values"
    assert all(a.invocation == 0 for a in result.journal.attempts)


def test_the_chaos_machine_takes_drive() -> None:
    pytest.importorskip("hypothesis")
    from chaos.stateful import chaos_machine

    machine = chaos_machine(sg.four_node(sync=True), INPUT, drive="invoke")()
    machine.invoke()
    assert machine.last is not None and machine.last.drive == "invoke"
    assert machine.last.journal.outcome == "ok"
