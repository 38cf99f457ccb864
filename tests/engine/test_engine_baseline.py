"""The fault-free baseline is memoised per graph object, steps, input, config, drive and seed."""

from __future__ import annotations

from chaos import Chaos, faults
from chaos.engine import baseline as memo
from tests import graphs
from tests.engine import engine_graphs as eg


def test_the_baseline_runs_once_for_repeated_trials_of_one_graph(calls):
    memo.clear()
    builder = graphs.retry_builder()
    for n in range(3):
        h = Chaos(seed=7, test_id=f"memo-{n}")
        h.inject(faults.raise_status(503), node="fetch", attempts=[1])
        assert h.run(builder, {"query": "q"}).verdict == "pass"
    # 1 baseline body + 3 chaos runs (each: a failed attempt replaces the body, then the retry)
    assert calls.count("fetch") == 1 + 3


def test_baseline_fresh_runs_it_again(calls):
    memo.clear()
    builder = graphs.retry_builder()
    for n in range(2):
        Chaos(seed=7, test_id=f"fresh-{n}").run(builder, {"query": "q"}, baseline="fresh")
    assert calls.count("fetch") == 2 + 2


def test_another_input_seed_or_drive_gets_its_own_baseline(calls):
    memo.clear()
    builder = graphs.retry_builder()
    Chaos(seed=7).run(builder, {"query": "a"})
    Chaos(seed=7).run(builder, {"query": "b"})
    Chaos(seed=8).run(builder, {"query": "b"})
    Chaos(seed=8).run(builder, {"query": "b"}, drive="ainvoke")
    assert calls.count("fetch") == 4 + 4


def test_a_changed_graph_invalidates_its_baseline():
    memo.clear()
    builder = eg.parallel_builder()
    first = Chaos(seed=1).run(builder, {"log": []})
    assert first.baseline.final_state["log"][-1] == "join"

    def after(state):
        return {"log": ["after"]}

    builder.add_node("after", after)
    builder.edges.discard(("join", "__end__"))
    builder.add_edge("join", "after")
    builder.add_edge("after", "__end__")
    second = Chaos(seed=1).run(builder, {"log": []})
    assert second.baseline.final_state["log"][-1] == "after"


def test_the_baseline_steps_drop_every_signal_and_the_resume_it_needed():
    from chaos.engine import Invoke, Kill, Resume, Sigterm, Wait, again
    from chaos.engine.steps import baseline_steps

    assert baseline_steps([Sigterm("x"), Invoke(), Resume()]) == (Invoke(),)
    assert baseline_steps([Kill("x"), Invoke(), Resume()]) == (Invoke(),)
    assert baseline_steps([Invoke(), Resume("yes"), Wait(3), again()]) == (Invoke(), Resume("yes"), Wait(3), again())
