"""A real SIGTERM in the middle of a parallel superstep drains the run; the resume finishes it.

The graph is a -> (fast, slow) -> c; the SIGTERM lands as ``slow`` starts (superstep 2), so
``fast`` and ``slow`` must both finish, ``c`` must wait for the resume, and every node body
must run exactly once across both runs.
"""

from __future__ import annotations

import signal
from typing import Any

import pytest
from langgraph.runtime import RunControl

from chaos.errors import ChaosUsageError
from chaos.shutdown import run_drain_trial
from tests.shutdown.shutdown_graphs import four_node

INPUT = {"log": []}


def runs(result) -> list[tuple[str, int | None, str, int]]:
    """(node, superstep, outcome, phase) of every attempt: phase 0 drained run, 1 resume."""
    return [(a.node, a.step, a.outcome, int(i >= result.split)) for i, a in enumerate(result.journal.attempts)]


def assert_drained_and_resumed(result) -> None:
    assert result.verdict == "pass", result.describe_failure()
    assert runs(result) == [
        ("a", 1, "ok", 0), ("fast", 2, "ok", 0), ("slow", 2, "ok", 0), ("c", 3, "ok", 1),
    ]
    assert [e.kind for e in result.journal.events] == ["sigterm", "drain", "resume"]
    assert result.interrupted_outcome == "drained"
    assert result.checkpoint == {"step": 2, "next": ["c"], "tasks_with_writes": []}
    assert result.journal.final_state == result.baseline.final_state == {"log": ["a", "fast", "slow", "c"]}
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


@pytest.mark.parametrize("saver", ["memory", "sqlite"])
def test_a_sigterm_mid_superstep_drains_and_resumes_exactly_once(saver: str, calls):
    result = run_drain_trial(four_node(), INPUT, node="slow", saver=saver, test_id=f"drain-{saver}")
    assert_drained_and_resumed(result)
    # Baseline, then the drained run and its resume: each body ran once per run of the thread.
    assert calls == ["a", "fast", "slow", "c"] * 2


@pytest.mark.parametrize("saver", ["postgres", "async-postgres"])
def test_the_same_drain_on_a_real_postgresql_server(saver: str, postgres_url: str, calls):
    result = run_drain_trial(four_node(), INPUT, node="slow", saver=saver, test_id=f"drain-{saver}")
    assert_drained_and_resumed(result)
    # Simulated time held still while PostgreSQL answered: slow's 30 ms are 30 simulated ms.
    slow = result.attempts("slow")[0]
    assert (slow.start, slow.end) == (0.0, 0.03)


def test_a_sync_invoke_drains_the_same_way(calls):
    assert_drained_and_resumed(run_drain_trial(four_node(sync=True), INPUT, node="slow", drive="stream", test_id="drain-sync"))


# -- the user's own service wiring ---------------------------------------------------------


async def good_serve(graph: Any, input: Any, config: dict[str, Any]) -> None:
    control = RunControl()
    signal.signal(signal.SIGTERM, lambda *_: control.request_drain("SIGTERM"))
    await graph.ainvoke(input, config, control=control)


async def good_resume(graph: Any, config: dict[str, Any]) -> None:
    await graph.ainvoke(None, {"configurable": {"thread_id": config["configurable"]["thread_id"]}}, control=RunControl())


def test_a_service_that_wires_sigterm_to_control_passes(calls):
    result = run_drain_trial(four_node(), INPUT, node="slow", serve=good_serve, resume=good_resume, test_id="svc-good")
    assert_drained_and_resumed(result)
    assert [(c.phase, c.method, c.control) for c in result.calls] == [("serve", "ainvoke", True), ("resume", "ainvoke", True)]


def test_a_service_that_never_passes_control_is_not_drained(calls):
    async def serve(graph: Any, input: Any, config: dict[str, Any]) -> None:
        control = RunControl()
        signal.signal(signal.SIGTERM, lambda *_: control.request_drain("SIGTERM"))
        await graph.ainvoke(input, config)  # the bug: no control=

    result = run_drain_trial(four_node(), INPUT, node="slow", serve=serve, resume=good_resume,
                             test_id="svc-nocontrol", raise_on_violation=False)
    assert [v.invariant for v in result.violations] == ["drained"]
    assert "without control=" in result.violations[0].message
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_a_service_without_a_sigterm_handler_is_reported_and_pytest_survives(calls):
    async def serve(graph: Any, input: Any, config: dict[str, Any]) -> None:
        await graph.ainvoke(input, config, control=RunControl())

    result = run_drain_trial(four_node(), INPUT, node="slow", serve=serve, resume=good_resume,
                             test_id="svc-nohandler", raise_on_violation=False)
    assert [v.invariant for v in result.violations] == ["drained"]
    assert "no SIGTERM handler" in result.violations[0].message


def test_a_resume_with_get_state_config_is_a_replay(calls):
    async def resume(graph: Any, config: dict[str, Any]) -> None:
        state = await graph.aget_state(config)
        await graph.ainvoke(None, state.config, control=RunControl())

    result = run_drain_trial(four_node(), INPUT, node="slow", serve=good_serve, resume=resume,
                             test_id="svc-replay", raise_on_violation=False)
    assert [v.invariant for v in result.violations] == ["resume_by_thread"]
    assert "checkpoint_id=" in result.violations[0].message and "replay" in result.violations[0].message


def test_the_handler_is_restored_when_the_service_fails(calls):
    async def serve(graph: Any, input: Any, config: dict[str, Any]) -> None:
        signal.signal(signal.SIGTERM, lambda *_: None)
        raise RuntimeError("service crashed")

    result = run_drain_trial(four_node(), INPUT, node="slow", serve=serve, resume=good_resume,
                             test_id="svc-crash", raise_on_violation=False)
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    assert {v.invariant for v in result.violations} >= {"faults_fired"}


def test_a_sync_serve_with_async_invoke_is_a_usage_error():
    with pytest.raises(ChaosUsageError, match="must be an async function"):
        run_drain_trial(four_node(), INPUT, node="slow", serve=lambda g, i, c: None, resume=good_resume)
