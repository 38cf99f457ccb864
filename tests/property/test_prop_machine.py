"""The chaos state machine on real graphs: one with every lever (passes), one that drains,
kills and resumes, and a user's own invariant that catches a duplicated order."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import invariant, run_state_machine_as_test

from chaos.strategies import node_faults
from chaos.stateful import ChaosMachine, MachineViolation, chaos_machine
from tests.property import prop_graphs as pg

FAST = settings(max_examples=25, stateful_step_count=8, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])


class LeversMachine(ChaosMachine):
    """Retries + a run timeout + a cache + an error handler, under every rule."""

    graph = pg.levers_builder()
    input = {"query": "q"}


LeversMachine.TestCase.settings = FAST
TestLeversMachine = LeversMachine.TestCase


def test_rules_drain_kill_resume_and_the_cache_really_happen():
    m = LeversMachine()
    m.drain(at="enrich")
    assert m.status == "drained" and m.checkpoint["log"] == ["fetched", "enriched"]
    m.resume()
    assert m.status == "ok" and m.last.output["log"] == ["fetched", "enriched", "answered"]
    m.kill_and_resume(node="answer")
    assert m.results[-2].journal.outcome == "killed" and m.status == "ok"
    assert m.last.violations == []
    # The cache outlives threads: a fresh run within the TTL is served enrich from the cache...
    m.invoke()
    assert [a.outcome for a in m.last.attempts("enrich")] == ["cached"]
    # ...and 300 s later on the machine's timeline the entry has expired.
    m.advance_clock(seconds=300)
    m.invoke()
    assert [a.outcome for a in m.last.attempts("enrich")] == ["ok"]
    m.chaos_invariants_hold()
    m.checkpoint_is_what_the_run_saw()


def test_a_missing_graph_is_a_clear_error():
    with pytest.raises(Exception, match="set the graph to test"):
        ChaosMachine()


def test_a_users_invariant_catches_the_duplicate_order_and_shrinks_the_steps():
    OrdersBase = chaos_machine(pg.orders_builder(), {"item": "book"}, name="OrdersMachine",
                               faults=node_faults(["exception", "lost_result"]))

    class OrdersMachine(OrdersBase):  # type: ignore[misc, valid-type]
        @invariant()
        def each_order_placed_once(self) -> None:
            if self.last is not None:
                problems = list(pg.each_order_placed_once(self.last))
                assert not problems, problems[0].message

    pg.ORDERS.clear()
    with pytest.raises(AssertionError, match="placed 2 times") as info:
        run_state_machine_as_test(OrdersMachine, settings=settings(
            FAST, max_examples=100, stateful_step_count=4, report_multiple_bugs=False))
    pg.ORDERS.clear()
    assert not isinstance(info.value, MachineViolation)
    text = str(info.value)
    print(text)
    # Shrunk to: aim a lost result at place_order, run.
    assert "state.inject(" in text and "lost_result(" in text and "node='place_order'" in text
    assert text.count("state.invoke()") + text.count("state.kill_and_resume(") + text.count("state.drain(") == 1
