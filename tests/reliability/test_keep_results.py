"""`chaos_keep_results`: the fixture keeps a window of its latest results; reports keep all."""

from __future__ import annotations

import json

import pytest

TEST_FILE = """
from typing import TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.types import RetryPolicy

from chaos import faults


class S(TypedDict):
    n: int


def bump(state: S) -> dict:
    return {"n": state["n"] + 1}


builder = StateGraph(S)
builder.add_node("bump", bump, retry_policy=RetryPolicy(max_attempts=3, jitter=False))
builder.add_edge(START, "bump")
builder.add_edge("bump", END)


def test_many_runs(chaos):
    chaos.inject(faults.exception(ConnectionError("blip")), node="bump", attempts=[1])
    for i in range(5):
        result = chaos.run(builder, {"n": i})
        assert result.output == {"n": i + 1}
    assert len(chaos.results) == 2
    assert chaos.trials_done == 5
    assert [r.output["n"] for r in chaos.results] == [4, 5]
"""


def test_the_fixture_keeps_a_window_and_the_report_keeps_every_trial(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nchaos_keep_results = 2\n")
    pytester.makepyfile(test_window=TEST_FILE)
    result = pytester.runpytest("--chaos", "--chaos-report=report.json", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    report = json.loads((pytester.path / "report.json").read_text())
    trials = report["trials"]
    assert len(trials) == 5
    assert len({t["id"] for t in trials}) == 5
