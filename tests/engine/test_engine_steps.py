"""A trial is a scripted history of one thread: invoke, resume, wait, update_state, again."""

from __future__ import annotations

import pytest

from chaos import Chaos, faults
from chaos.engine import Invoke, Resume, Sigterm, UpdateState, Wait, again
from chaos.errors import ChaosUsageError
from tests import graphs
from tests.engine import engine_graphs as eg


def test_an_interrupt_answered_with_resume_finishes_the_thread(harness: Chaos):
    result = harness.run(eg.HITL, {"log": []}, steps=[Invoke(), Resume("yes")])
    assert result.verdict == "pass"
    assert result.output == {"log": ["start", "asked", "finished with yes"], "answer": "yes"}
    assert [s.kind for s in result.journal.steps] == ["invoke", "resume"]
    assert [s.outcome for s in result.journal.steps] == ["interrupted", "ok"]
    assert [e.detail for e in result.journal.events if e.kind == "interrupt"] == ["stopped at interrupt(): 'approve?'"]
    # the baseline ran the same invoke and resume
    assert result.baseline is not None and result.baseline.final_state == result.output


def test_a_run_stopped_at_interrupt_keeps_no_interrupt_key_in_its_final_state(harness: Chaos):
    result = harness.run(eg.HITL, {"log": []})
    assert result.output == {"log": ["start"]}
    assert result.verdict == "pass"


def test_a_failed_run_resumed_on_the_same_thread_recovers(harness: Chaos):
    harness.inject(faults.exception(RuntimeError("boom")), node="slow", attempts=[1], times=1)
    result = harness.run(eg.PARALLEL, {"log": []}, steps=[Invoke(), Resume()])
    assert [s.outcome for s in result.journal.steps] == ["error", "ok"]
    assert result.journal.outcome == "ok"
    assert sorted(result.output["log"]) == ["fast", "join", "slow", "start"]
    assert [a.outcome for a in result.attempts("slow")] == ["error", "ok"]
    assert [a.outcome for a in result.attempts("fast")] == ["ok"]  # its pending writes were kept


def test_wait_and_again_are_the_repeat_shorthand(harness: Chaos, calls):
    by_steps = harness.run(graphs.cache_builder(), {"query": "q"}, baseline=False,
                           steps=[Invoke(), Wait(299), again(), Wait(2), again()])
    seen = [(a.outcome, a.start, a.invocation) for a in by_steps.attempts("expensive")]
    assert seen == [("ok", 0.0, 0), ("cached", 299.0, 1), ("ok", 301.0, 2)]


def test_update_state_then_resume_continues_from_the_updated_state(harness: Chaos):
    result = harness.run(eg.HITL, {"log": []}, steps=[
        Invoke(), UpdateState({"log": ["edited"]}, as_node="start"), Resume("ok")])
    assert [s.kind for s in result.journal.steps] == ["invoke", "updatestate", "resume"]
    assert result.output["log"][-1] == "finished with ok"
    assert "edited" in result.output["log"]


def test_a_sigterm_step_drains_and_a_resume_finishes(harness: Chaos):
    result = harness.run(eg.PARALLEL, {"log": []}, steps=[Sigterm("fast"), Invoke(), Resume()])
    assert [s.outcome for s in result.journal.steps] == ["drained", "ok"]
    assert [e.kind for e in result.journal.events if e.kind in ("sigterm", "drain", "resume")] == [
        "sigterm", "drain", "resume"]
    assert result.verdict == "pass"
    assert result.output == result.baseline.final_state


def test_steps_and_repeat_together_are_a_usage_error(harness: Chaos):
    with pytest.raises(ChaosUsageError, match="give steps= or repeat=, not both"):
        harness.run(eg.HITL, {"log": []}, steps=[Invoke()], repeat=[1])


@pytest.mark.parametrize("steps, message", [
    ([], "at least one step"),
    ([Resume()], "start it with Invoke"),
    ([Invoke(), Sigterm("fast")], "arms the run step that follows it"),
    ([Invoke(), "again"], "is not a step"),
])
def test_bad_steps_name_the_step_and_the_fix(harness: Chaos, steps, message):
    with pytest.raises(ChaosUsageError, match=message):
        harness.run(eg.HITL, {"log": []}, steps=steps)
