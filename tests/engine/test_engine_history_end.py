"""A failed run ends a scripted history unless the next run step resumes it, and says so.

The steps after it used to vanish from the journal: a script with ``again`` after a failure
passed without running the repeat, and nothing said why. They are journaled as skipped, with
an event naming the failed run and the fix.
"""

from __future__ import annotations

from chaos import Chaos, faults
from chaos.engine import Invoke, Wait, again
from tests.engine import engine_graphs as eg


def test_steps_after_an_unresumed_failure_are_journaled_as_skipped(harness: Chaos) -> None:
    harness.inject(faults.exception(RuntimeError("boom")), node="slow", attempts=[1], times=1)
    result = harness.run(eg.PARALLEL, {"log": []}, steps=[Invoke(), Wait(30), again()], raise_on_violation=False)
    assert [(s.kind, s.outcome) for s in result.journal.steps] == [
        ("invoke", "error"), ("wait", "skipped"), ("invoke", "skipped")]
    [ended] = [e for e in result.journal.events if e.kind == "history_ended"]
    assert "run step 0 ended error (RuntimeError)" in str(ended.detail)
    assert "put a Resume() after it" in str(ended.detail)


def test_a_history_that_runs_to_its_end_has_no_such_event(harness: Chaos) -> None:
    result = harness.run(eg.PARALLEL, {"log": []}, steps=[Invoke(), again()])
    assert [s.outcome for s in result.journal.steps] == ["ok", "ok"]
    assert not [e for e in result.journal.events if e.kind == "history_ended"]
