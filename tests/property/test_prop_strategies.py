"""The public strategies: valid by construction, shrink where their docstrings say, plans
print as pasteable code, and one trial per example is cheap (measured and printed)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from hypothesis import find as _find
from hypothesis import given, settings

import chaos
import chaos.strategies as cst
from chaos import ChaosUsageError, faults
from chaos.faults import Injection
from chaos.http import faults as http_faults
from tests.property import prop_graphs as pg


def find(strategy, condition):
    """hypothesis.find, derandomized and without the example database: the minimal example
    must not depend on the global random state other tests leave behind or on earlier runs."""
    return _find(strategy, condition, settings=settings(database=None, derandomize=True))

QUICK = settings(max_examples=60, deadline=None, derandomize=True, database=None)


def test_all_is_the_curated_public_front():
    public = {n for n in vars(cst) if not n.startswith("_") and getattr(getattr(cst, n), "__module__", None) == cst.__name__}
    assert set(cst.__all__) >= public - {"Bounds", "Reducer", "T"}
    assert all(hasattr(cst, n) for n in cst.__all__)
    assert sorted(cst.__all__) == list(cst.__all__)


def test_nothing_else_in_chaos_imports_the_strategies():
    # hypothesis is an optional extra: only chaos.stateful (itself hypothesis-only) imports it,
    # and the benchmark's rows that measure them (lazily, inside those rows).
    root = Path(chaos.__file__).parent
    importers = sorted(
        str(p.relative_to(root)) for p in root.rglob("*.py")
        if p.parts[len(root.parts)] not in ("strategies", "bench") and p.name != "stateful.py"
        and ("chaos.strategies" in p.read_text() or "chaos.stateful" in p.read_text())
    )
    assert importers == []


@QUICK
@given(p=cst.retry_policies(max_attempts=(2, 4), initial_interval=(1, 3), max_interval=(2, 5)))
def test_retry_policies_stay_in_bounds(p):
    assert 2 <= p.max_attempts <= 4 and 1 <= p.initial_interval <= 3
    assert 2 <= p.max_interval <= 5 and p.max_interval >= min(p.initial_interval, 5)
    assert p.backoff_factor >= 1


@QUICK
@given(t=cst.timeout_policies(), c=cst.cache_policies(ttl=(5, 10)))
def test_timeout_and_cache_policies_are_accepted_by_langgraph(t, c):
    from langgraph.graph import StateGraph

    g = StateGraph(pg.S)
    g.add_node("n", pg.fetch, timeout=t, cache_policy=c)  # add_node validates timeouts
    assert t.run_timeout or t.idle_timeout
    assert c.ttl is None or 5 <= c.ttl <= 10


def test_strategies_shrink_to_the_simplest_values():
    assert find(cst.retry_policies(), lambda p: True) == find(cst.retry_policies(), lambda p: True)
    p = find(cst.retry_policies(), lambda p: True)
    assert (p.max_attempts, p.initial_interval, p.backoff_factor, p.jitter) == (1, 0.0, 1.0, False)
    assert find(cst.timeout_policies(), lambda t: True).run_timeout == 1.0
    assert find(cst.cache_policies(), lambda c: True).ttl == 1
    assert find(cst.node_faults(["exception", "raise_status"]), lambda f: True) == faults.exception(RuntimeError)
    assert find(cst.node_faults(), lambda f: f.kind == "raise_status" and f.status >= 500) == faults.raise_status(500)
    assert find(cst.node_faults(), lambda f: f.kind == "raise_status" and f.status == 429) == faults.raise_status(429, retry_after=None)


def test_a_fault_plan_shrinks_to_one_fault_on_attempt_1_of_the_first_matching_node():
    plan = find(cst.fault_plans(pg.orders_builder()), lambda p: any(i.fault.kind == "lost_result" for i in p))
    assert plan == cst.FaultPlan.of(Injection.of(faults.lost_result(), "validate", [1]))
    assert repr(plan) == 'FaultPlan.of(\n    Injection.of(faults.lost_result(), node="validate", attempts=[1]),\n)'


def test_fault_plans_reject_unknown_nodes_with_the_graphs_nodes():
    with pytest.raises(ChaosUsageError, match="validate, place_order, notify"):
        cst.fault_plans(pg.orders_builder(), nodes=["nope"])
    with pytest.raises(ChaosUsageError, match="use some of"):
        cst.node_faults(["meteor"])


@QUICK
@given(f=cst.node_faults() | cst.http_faults())
def test_every_fault_prints_as_source_that_rebuilds_it(f):
    namespace = {"faults": faults, "http_faults": http_faults, "httpx": httpx}
    built = eval(cst.fault_source(f), namespace)  # exception classes resolve as builtins
    assert built == f


def test_a_plan_snippet_is_chaos_inject_lines():
    plan = cst.FaultPlan.of(
        Injection.of(faults.raise_status(429, retry_after=2), "fetch", [1]),
        Injection.of(http_faults.status(503, requests=[1]), "fetch", probability=0.5, times=1),
    )
    assert plan.snippet() == (
        'chaos.inject(faults.raise_status(429, retry_after=2), node="fetch", attempts=[1])\n'
        'chaos.inject(http_faults.status(503, requests=[1]), node="fetch", probability=0.5, times=1)'
    )


def test_run_plan_reuses_one_instrumented_graph_and_returns_the_verdict_and_journal():
    builder = pg.levers_builder()
    plan = cst.FaultPlan.of(Injection.of(faults.raise_status(503), "fetch", [1]))
    first = cst.run_plan(builder, {"query": "q"}, plan)
    second = cst.run_plan(builder, {"query": "q"}, plan)
    assert first.instrumented is second.instrumented
    assert first.chaos_config != second.chaos_config  # a fresh thread per example
    assert (first.verdict, [a.start for a in first.attempts("fetch")]) == ("pass", [0.0, 1.0])


def test_run_plan_raises_with_the_plan_and_seed():
    pg.ORDERS.clear()
    chaos.register_checker("each_order_placed_once", pg.each_order_placed_once)
    try:
        plan = cst.FaultPlan.of(Injection.of(faults.lost_result(), "place_order", [1]))
        with pytest.raises(cst.PlanViolation) as info:
            cst.run_plan(pg.orders_builder(), {"item": "book"}, plan, seed=7)
    finally:
        from chaos import checks

        checks._CHECKERS.pop("each_order_placed_once", None)
        pg.ORDERS.clear()
    text = str(info.value)
    assert 'chaos.inject(faults.lost_result(), node="place_order", attempts=[1])' in text
    assert "pytest --chaos-seed=7" in text and info.value.plan == plan


GRAPH = pg.levers_builder()


@settings(max_examples=100, deadline=None, derandomize=True, database=None)
@given(plan=cst.fault_plans(GRAPH, faults=cst.node_faults(["exception", "raise_status", "raise_connect_error", "raise_read_timeout", "delay"])))
def _one_trial_per_example(plan):
    cst.run_plan(GRAPH, {"query": "q"}, plan, raise_on_violation=False)


def test_one_hundred_examples_of_a_one_trial_given_test_are_measured(capsys):
    cst.run_plan(GRAPH, {"query": "q"}, cst.FaultPlan())  # instrument and baseline once
    wall, cpu = time.perf_counter(), time.process_time()
    _one_trial_per_example()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    with capsys.disabled():
        print(f"\n[run_plan] 100 examples of a one-trial @given test: {wall:.2f} s wall, {cpu:.2f} s CPU "
              f"({100 / wall:.0f} examples/s wall, {100 / cpu:.0f}/s CPU)")
