"""retry_schedule fires on a retry_on that lies and stays silent on a pure one."""

from __future__ import annotations

from langgraph.types import RetryPolicy

from chaos import Chaos, faults
from tests import graphs
from tests.invariants.inv_graphs import budget_retry_on, scripted_builder


def test_a_retry_on_that_spends_a_budget_makes_retry_schedule_fire(harness: Chaos):
    policy = RetryPolicy(initial_interval=1, jitter=False, max_attempts=5, retry_on=budget_retry_on(1))
    builder = scripted_builder([ConnectionError("a"), ConnectionError("b")], policy)

    result = harness.run(builder, {}, baseline=False, raise_on_violation=False)

    [v] = result.violated("retry_schedule")
    assert (v.node, v.task, v.attempt, v.step, v.time) == ("flaky", "flaky#1", 2, 1, 1.0)
    assert v.message.startswith("node 'flaky' task flaky#1 attempt 2 superstep 1 at t=1s: a retry ran")
    assert "no policy's retry_on matches ConnectionError" in v.message
    assert "Expected 1 attempt(s), seen 2" in v.message and "not a pure function" in v.message


def test_the_same_graph_with_a_pure_retry_on_is_silent(harness: Chaos):
    policy = RetryPolicy(initial_interval=1, jitter=False, max_attempts=5, retry_on=ConnectionError)
    builder = scripted_builder([ConnectionError("a"), ConnectionError("b")], policy)
    result = harness.run(builder, {}, baseline=False)
    assert [a.start for a in result.attempts("flaky")] == [0.0, 1.0, 3.0]
    assert result.violations == []


def test_injected_faults_with_jittered_policies_and_timeouts_are_silent(harness: Chaos):
    harness.inject(faults.hang(), node="search", attempts=1)
    builder = graphs.timeout_builder(retry=True)
    builder.nodes["search"].retry_policy = RetryPolicy(initial_interval=1, jitter=True, retry_on=lambda e: True)
    result = harness.run(builder, {})
    assert [a.outcome for a in result.attempts("search")] == ["timeout", "ok"]
    assert result.violations == []


def test_violations_end_with_the_repro_command():
    h = Chaos(seed=9, test_id="t", repro="pytest --chaos --chaos-seed=9 tests/x.py::t")
    policy = RetryPolicy(initial_interval=1, jitter=False, max_attempts=5, retry_on=budget_retry_on(1))
    result = h.run(scripted_builder([ConnectionError(), ConnectionError()], policy), {}, baseline=False, raise_on_violation=False)
    assert result.violated("retry_schedule")[0].message.endswith("Reproduce: pytest --chaos --chaos-seed=9 tests/x.py::t")
    h.close()
