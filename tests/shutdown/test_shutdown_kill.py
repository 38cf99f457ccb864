"""Hard kills out of process: the child running ``slow`` gets SIGTERM, then SIGKILL; a fresh
process resumes the thread from the real checkpointer.

The child drains on SIGTERM, as a well-behaved service does, but ``slow`` cannot finish within
the grace period (the harness holds it after its body ran), so SIGKILL follows. Child processes
run in real time; each trial starts two (about a second each on an idle machine).
"""

from __future__ import annotations

import pytest

from chaos.shutdown import kill, run_kill_trial

TARGET = "tests.shutdown.shutdown_graphs:four_node"
INPUT = {"log": []}


def runs(result) -> list[tuple[str, int | None, str, str | None, int]]:
    """(node, superstep, outcome, error, phase) of every attempt: phase 0 killed run, 1 resume."""
    return [(a.node, a.step, a.outcome, a.error, int(i >= result.split))
            for i, a in enumerate(result.journal.attempts)]


@pytest.mark.parametrize("saver", ["sqlite", "postgres"])
def test_a_node_killed_mid_superstep_reruns_and_its_finished_sibling_does_not(saver: str, request):
    if saver == "postgres":
        request.getfixturevalue("postgres_url")
    result = run_kill_trial(TARGET, INPUT, node="slow", saver=saver, idempotent=["slow"], test_id=f"kill-{saver}")
    assert result.verdict == "pass", result.describe_failure()
    assert runs(result) == [
        ("a", 1, "ok", None, 0),
        ("fast", 2, "ok", None, 0),
        ("slow", 2, "unknown", "SIGKILL", 0),  # the harness never learned its outcome
        ("slow", 2, "ok", None, 1),             # at-least-once: the killed node reruns
        ("c", 3, "ok", None, 1),                # fast did not rerun: its pending write was saved
    ]
    kill_event = next(e for e in result.journal.events if e.kind == "kill")
    assert kill_event.detail == "SIGTERM, then SIGKILL after the 0.05s grace period"
    assert result.checkpoint == {"step": 1, "next": ["slow"], "tasks_with_writes": ["fast"]}
    assert result.journal.final_state == result.baseline.final_state == {"log": ["a", "fast", "slow", "c"]}


def test_a_killed_node_that_is_not_idempotent_duplicates_its_side_effects():
    result = run_kill_trial(TARGET, INPUT, node="slow", test_id="kill-dup", raise_on_violation=False)
    assert [v.invariant for v in result.violations] == ["duplicate_effects"]
    assert "happened twice" in result.violations[0].message


def test_a_kill_before_the_body_started_is_no_duplicate():
    result = run_kill_trial(TARGET, INPUT, node="slow", fault=kill(grace=5.0, at="start"), on_sigterm="default",
                            test_id="kill-start")
    assert result.verdict == "pass", result.describe_failure()
    assert [e.detail for e in result.journal.events if e.kind == "kill"][0].startswith("SIGTERM; the process exited")


def test_a_saver_that_loses_pending_writes_reruns_the_finished_sibling():
    result = run_kill_trial(TARGET, INPUT, node="slow", idempotent=["slow"],
                            saver="tests.shutdown.shutdown_graphs:lossy_sqlite_saver",
                            test_id="kill-lossy", raise_on_violation=False)
    assert [(v.invariant, v.node) for v in result.violations] == [("exactly_once", "fast")]
    assert "completed before the kill and ran again on resume" in result.violations[0].message


def test_durability_exit_loses_everything_on_a_kill_and_says_so():
    result = run_kill_trial(TARGET, INPUT, node="slow", idempotent=["slow"], durability="exit",
                            test_id="kill-exit", raise_on_violation=False)
    assert [v.invariant for v in result.violations] == ["durability"]
    assert "durability='exit'" in result.violations[0].message
    assert result.resume_outcome == "error" and result.checkpoint is None


def test_a_resume_with_a_checkpoint_id_replays_and_is_reported():
    result = run_kill_trial(TARGET, INPUT, node="slow", idempotent=["slow"],
                            resume="tests.shutdown.shutdown_graphs:resume_with_checkpoint_id",
                            test_id="kill-replay", raise_on_violation=False)
    assert "resume_by_thread" in [v.invariant for v in result.violations]


@pytest.mark.parametrize("n", range(3))
def test_a_sibling_that_finishes_after_the_kill_node_is_held_is_never_lost(n):
    # Regression (#14): the child wrote its journal once, just before the ready signal, so a
    # sibling still running then (here `slow`, 30 ms, while `fast` is held at its start) lost
    # its record and exactly_once said it "ran 0 times ... lost work". The child now waits for
    # the baseline's siblings and journals durably at every attempt start and every save.
    result = run_kill_trial(TARGET, INPUT, node="fast", fault=kill(at="start"), test_id=f"kill-late-sibling-{n}",
                            raise_on_violation=False)
    assert ("slow", 2, "ok", None, 0) in runs(result)
    assert not result.violated("exactly_once"), result.describe_failure()
    assert result.verdict == "pass", result.describe_failure()


def test_kill_children_come_from_the_pre_imported_forkserver():
    from chaos.engine import forkserver

    run_kill_trial(TARGET, INPUT, node="slow", idempotent=["slow"], test_id="kill-forkserver")
    ctx = forkserver.context()
    assert ctx.get_start_method() == "forkserver"
    from multiprocessing import forkserver as mp_forkserver

    assert "chaos.engine.child" in mp_forkserver._forkserver._preload_modules
