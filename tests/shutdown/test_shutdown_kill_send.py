"""A kill during a Send fan-out catches every copy of the node, and counts each one.

The fan-out's four ``work`` copies run in one superstep; each does its work and is held (a sync
body under an async drive too: it is held on the loop, not on the executor's one thread, so
the other copies still start), and the kill lands once all four are. Each copy is a killed
attempt that reruns on resume: ``exactly_once`` expects four reruns, ``duplicate_effects``
names all four copies.
"""

from __future__ import annotations

import pytest

from chaos.engine import Invoke, Kill, Resume, again
from chaos.shutdown import run_kill_trial

TARGETS = ["tests.determinism.graphs:send_fanout_sync_builder", "tests.determinism.graphs:send_fanout_async_builder"]
COPIES = ["work#1", "work#2", "work#3", "work#4"]


# A sync fan-out under the async drive (bodies in the loop's executor) and LangGraph's sync loop
# (its thread pool); an async fan-out under the async drive.
@pytest.mark.parametrize(("target", "drive"), [(TARGETS[0], "astream"), (TARGETS[0], "stream"), (TARGETS[1], "astream")])
def test_every_send_copy_is_killed_and_reruns_once(target: str, drive: str) -> None:
    result = run_kill_trial(target, {}, node="work", drive=drive, idempotent=["work"], test_id=f"send-{drive}")
    assert result.verdict == "pass", result.describe_failure()
    killed = [a.task for a in result.interrupted if a.error == "SIGKILL"]
    assert sorted(killed) == COPIES
    assert sorted(a.task for a in result.resumed_attempts if a.node == "work") == COPIES
    ready = next(e for e in result.journal.events if e.kind == "ready")
    assert ready.detail is not None and ready.detail.startswith(", ".join(COPIES) + " held at the end")
    assert result.output is not None and sorted(result.output["log"]) == ["split", "work 1", "work 2", "work 3", "work 4"]


def test_duplicate_effects_names_every_killed_copy() -> None:
    result = run_kill_trial(TARGETS[0], {}, node="work", test_id="send-dup", raise_on_violation=False)
    [violation] = result.violations
    assert violation.invariant == "duplicate_effects"
    assert "4 Send copies: work#1, work#2, work#3, work#4" in violation.message


def test_the_resumed_attempts_are_the_resumes_only() -> None:
    # Steps after the resume (again(): a fresh thread) are part of the history, not the resume.
    result = run_kill_trial("tests.shutdown.shutdown_graphs:four_node", {"log": []}, idempotent=["slow"],
                            steps=[Invoke(), Kill("slow"), Invoke(), Resume(), again()], test_id="kill-resume-only")
    assert result.verdict == "pass", result.describe_failure()
    assert [a.node for a in result.resumed_attempts] == ["slow", "c"]
    assert [a.invocation for a in result.resumed_attempts] == [2, 2]
    assert [a.node for a in result.journal.attempts[result.split:]] == ["slow", "c", "a", "fast", "slow", "c"]
