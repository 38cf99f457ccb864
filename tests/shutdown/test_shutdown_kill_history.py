"""A Kill step anywhere in a thread's history: steps before it run in one child process, the
killed run in a second, the steps after it (the resume first) in a new one; one merged journal."""

from __future__ import annotations

import pytest

from chaos.engine import Invoke, Kill, Resume, Sigterm, Step, TrialSpec, UpdateState, Wait, again
from chaos.errors import ChaosUsageError
from chaos.inject import instrument
from chaos.shutdown import kill, run_kill_trial
from tests.shutdown import shutdown_graphs as sg

TARGET = "tests.shutdown.shutdown_graphs:four_node"
INPUT: dict[str, list[str]] = {"log": []}
ONCE = ["a", "fast", "slow", "c"]


def test_steps_before_and_after_the_kill_run_on_one_thread_and_the_resume_in_a_new_process() -> None:
    steps: list[Step] = [Invoke(), Wait(60), Kill("slow"), Invoke(), Resume(), again()]
    result = run_kill_trial(TARGET, INPUT, steps=steps, idempotent=["slow"], test_id="kill-history")
    assert result.verdict == "pass", result.describe_failure()
    recs = result.journal.steps
    assert [(s.index, s.kind, s.outcome) for s in recs] == [
        (0, "invoke", "ok"), (1, "wait", "done"), (3, "invoke", "killed"), (4, "resume", "ok"), (5, "invoke", "ok")]
    # One thread up to the resume; again() is a fresh thread, named as in process.
    assert len({s.thread for s in recs[:4]}) == 1 and recs[4].thread == f"{recs[0].thread}-r3"
    # The simulated 60 s wait happened between the first run and the killed one.
    assert recs[0].end is not None and recs[2].start >= recs[0].end + 60
    # Invocation numbers continue across the processes.
    assert sorted({a.invocation for a in result.journal.attempts}) == [0, 1, 2, 3]
    killed = [a for a in result.journal.attempts if a.error == "SIGKILL"]
    assert [(a.node, a.invocation) for a in killed] == [("slow", 1)]
    # The main thread holds both runs' work exactly once; the fresh thread one run's.
    assert result.journal.final_state == {"log": ONCE * 2}
    assert result.baseline is not None
    assert result.journal.repeat_states == [{"log": ONCE}] == result.baseline.repeat_states
    assert result.checkpoint is not None and result.checkpoint["next"] == ["slow"]


def test_the_kill_may_land_in_a_resume_and_update_state_may_precede_it() -> None:
    steps: list[Step] = [Invoke(), UpdateState({"log": ["edited"]}), Kill("slow"), Invoke(), Resume()]
    result = run_kill_trial(TARGET, INPUT, steps=steps, idempotent=["slow"], test_id="kill-history-2")
    assert result.verdict == "pass", result.describe_failure()
    assert [s.outcome for s in result.journal.steps] == ["ok", "done", "killed", "ok"]
    assert result.baseline is not None
    assert result.journal.final_state == {"log": [*ONCE, "edited", *ONCE]} == result.baseline.final_state


@pytest.mark.parametrize(("steps", "message"), [
    ([again(), Invoke(), again(), Kill("slow"), Invoke(), Resume()], r"steps\[2\].*before a Kill run on the thread"),
    ([Kill("slow"), Resume(), Resume()], r"nothing to resume yet"),
    ([Invoke(), Kill("slow"), again(), Resume()], r"the killed run continues the trial's thread"),
    ([Sigterm("fast"), Invoke(), Kill("slow"), Invoke(), Resume()], r"one signal step"),
    ([Invoke(), Kill("slow")], r"arms the run step that follows it"),
])
def test_a_history_that_cannot_run_is_a_usage_error_before_any_run(steps, message) -> None:  # type: ignore[no-untyped-def]
    inst = instrument(sg.four_node())
    try:
        with pytest.raises(ChaosUsageError, match=message):
            TrialSpec(graph=inst, input=INPUT, steps=tuple(steps))
    finally:
        inst.close()


def test_run_kill_trial_takes_node_or_steps_not_both_ways() -> None:
    with pytest.raises(ChaosUsageError, match="give node= .* or steps= with a Kill step"):
        run_kill_trial(TARGET, INPUT)
    with pytest.raises(ChaosUsageError, match="exactly one Kill step"):
        run_kill_trial(TARGET, INPUT, steps=[Invoke(), Resume()])
    with pytest.raises(ChaosUsageError, match="not fault="):
        run_kill_trial(TARGET, INPUT, steps=[Kill("slow"), Invoke(), Resume()], fault=kill())
    with pytest.raises(ChaosUsageError, match="but the Kill step kills 'slow'"):
        run_kill_trial(TARGET, INPUT, node="fast", steps=[Kill("slow"), Invoke(), Resume()])
