"""The chaos state machine on real graphs: one with every lever (passes), one that drains,
kills and resumes, and a user's own invariant that catches a duplicated order."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import invariant

from chaos import faults
from chaos.strategies import node_faults
from chaos.stateful import ChaosMachine, chaos_machine
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


class OrdersMachine(chaos_machine(pg.orders_builder(), {"item": "book"}, name="OrdersBase",  # type: ignore[misc]
                                   faults=node_faults(["exception", "lost_result"]))):
    """A user's machine: their own invariant next to the bundled ones."""

    @invariant()
    def each_order_placed_once(self) -> None:
        if self.last is not None:
            problems = list(pg.each_order_placed_once(self.last))
            assert not problems, problems[0].message


def test_a_users_invariant_catches_the_duplicate_order_after_a_lost_response():
    pg.ORDERS.clear()
    m = OrdersMachine()
    m.inject(fault=faults.lost_result(), node="place_order", attempts=[1])
    m.invoke()
    m.chaos_invariants_hold()  # the bundled invariants cannot know the POST is not idempotent
    with pytest.raises(AssertionError, match="'book' was placed 2 times"):
        m.each_order_placed_once()
    pg.ORDERS.clear()


def test_the_orders_machine_passes_without_lost_responses():
    pg.ORDERS.clear()
    m = OrdersMachine()
    m.inject(fault=faults.exception(ValueError), node="place_order", attempts=[1])
    m.invoke()
    m.resume()
    m.kill_and_resume(node="notify")
    m.chaos_invariants_hold()
    m.each_order_placed_once()
    pg.ORDERS.clear()
