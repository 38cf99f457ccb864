"""Regression tests for false alarms on correct LangGraph graphs (issue #14)."""

from __future__ import annotations

import hypothesis.stateful
import pytest

from chaos import faults
from chaos.faults import Injection
from chaos.shutdown import run_drain_trial
from chaos.stateful import MachineViolation, chaos_machine
from tests.engine import engine_graphs as eg


@pytest.fixture(autouse=True)
def _notes_outside_hypothesis(monkeypatch):
    # The machine's rules are called directly here; hypothesis.note needs a running test.
    import chaos.stateful

    monkeypatch.setattr(chaos.stateful, "note", lambda text: None)
    assert hypothesis.stateful


def test_the_machine_applies_a_finished_siblings_pending_writes_when_a_branch_fails():
    machine = chaos_machine(eg.PARALLEL, {"log": []})()
    machine.pending.append(Injection.of(faults.exception(RuntimeError("boom")), "slow", [1]))
    machine.invoke()
    assert machine.status == "error"
    assert machine.checkpoint == {"log": ["start", "fast"]}  # get_state applies fast's pending writes
    machine.checkpoint_is_what_the_run_saw()  # silent
    machine.resume()
    assert machine.status == "ok"
    machine.checkpoint_is_what_the_run_saw()
    machine.chaos_invariants_hold()


def test_the_machine_handles_a_run_stopped_at_interrupt():
    machine = chaos_machine(eg.HITL, {"log": []})()
    machine.invoke()
    assert machine.last.journal.final_state == machine.checkpoint == {"log": ["start"]}
    machine.checkpoint_is_what_the_run_saw()
    machine.chaos_invariants_hold()


def test_the_machine_check_still_trips_when_the_checkpoint_differs():
    machine = chaos_machine(eg.PARALLEL, {"log": []})()
    machine.invoke()
    machine.checkpoint = {"log": ["tampered"]}
    with pytest.raises(MachineViolation, match="checkpoint_is_what_the_run_saw"):
        machine.checkpoint_is_what_the_run_saw()


def test_a_drain_of_a_graph_that_stops_at_interrupt_keeps_a_steady_state():
    # The baseline stops at interrupt(); its state must not carry the streamed __interrupt__.
    result = run_drain_trial(eg.hitl_builder(), {"log": []}, node="start", saver="memory", test_id="drain-hitl")
    assert result.verdict == "pass", result.describe_failure()
    assert result.baseline.final_state == result.output == {"log": ["start"]}
