"""Sigterm(step=k): a SIGTERM at the superstep boundary after superstep k, on a real graph with a
SQLite checkpointer: the run drains there, and the resume finishes it with every node run once."""

from __future__ import annotations

import pytest

from chaos import Chaos
from chaos.engine import Invoke, Resume, Sigterm
from chaos.errors import ChaosUsageError
from tests.shutdown import shutdown_graphs as sg

INPUT: dict[str, list[str]] = {"log": []}


@pytest.mark.parametrize("drive", ["astream", "ainvoke", "stream", "invoke"])
@pytest.mark.parametrize(("k", "next_nodes"), [(1, ["fast", "slow"]), (2, ["c"])])
def test_a_drain_after_superstep_k_then_the_resume_runs_every_node_exactly_once(
    harness: Chaos, k: int, next_nodes: list[str], drive: str
) -> None:
    sg.CALLS.clear()
    builder = sg.four_node(sync=drive in ("stream", "invoke"))
    result = harness.run(builder, INPUT, steps=[Sigterm(step=k), Invoke(), Resume()], drive=drive)
    drained, resumed = result.journal.steps
    assert (drained.outcome, resumed.outcome) == ("drained", "ok")
    # The checkpoint the drain left is the one after superstep k; the rest is still to run.
    assert drained.checkpoint is not None
    assert drained.checkpoint["step"] == k and sorted(drained.checkpoint["next"]) == next_nodes
    assert {a.step for a in result.journal.attempts[: resumed.first]} == set(range(1, k + 1))
    # Every node ran exactly once across the drain and the resume (baseline + trial = 2 each).
    assert sorted(sg.CALLS) == sorted(["a", "fast", "slow", "c"] * 2)
    assert result.baseline is not None
    assert result.output == result.baseline.final_state == {"log": ["a", "fast", "slow", "c"]}
    assert result.verdict == "pass", result.describe_failure()
    assert f"SIGTERM after superstep {k} -> *" in [i.label for i in result.injections]


def test_step_zero_drains_before_the_first_superstep(harness: Chaos) -> None:
    result = harness.run(sg.four_node(), INPUT, steps=[Sigterm(step=0), Invoke(), Resume()])
    drained, resumed = result.journal.steps
    assert drained.outcome == "drained" and drained.first == drained.last  # no node ran before it
    assert resumed.outcome == "ok" and result.verdict == "pass"


def test_a_boundary_the_run_never_reaches_is_a_fault_that_never_fired(harness: Chaos) -> None:
    result = harness.run(sg.four_node(), INPUT, steps=[Sigterm(step=9), Invoke(), Resume()],
                         raise_on_violation=False)
    assert [s.outcome for s in result.journal.steps] == ["ok", "skipped"]
    assert [v.invariant for v in result.violations] == ["faults_fired"]


@pytest.mark.parametrize(("step", "message"), [
    (lambda: Sigterm(step=-1), r"Sigterm\(step=-1\): give a superstep number >= 0"),
    (lambda: Sigterm("fast", step=2), r"aim at a node's start or at a superstep boundary, not both"),
])
def test_bad_boundaries_say_the_fix(step, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ChaosUsageError, match=message):
        step()
