"""Hostile graphs: a crashed xdist worker and a graph that fails by itself are counted, never passed.

A worker that dies (``os.abort``) is a trial with verdict ``error`` in the chaos summary and the
JSON report; a graph whose fault-free baseline fails is ``inconclusive``, counted apart, and
the session's exit status is non-zero.
"""

from __future__ import annotations

import json

import pytest

ABORTS = """
import faulthandler
import os

def test_survives(chaos):
    pass

def test_dies():
    {crash}
"""

SELF_FAILING = """
from typing import TypedDict

from langgraph.graph import END, START, StateGraph


class S(TypedDict, total=False):
    query: str


def work(state: S) -> dict:
    return {"query": state["missing"]}  # a plain bug: KeyError without any fault


builder = StateGraph(S)
builder.add_node("work", work)
builder.add_edge(START, "work")
builder.add_edge("work", END)
"""


@pytest.mark.parametrize("crash", ["os.abort()", "faulthandler._sigsegv()"], ids=["abort", "segfault"])
def test_a_crashed_worker_is_an_error_trial_in_the_summary_and_the_report(pytester: pytest.Pytester, crash: str) -> None:
    pytester.makepyfile(test_aborts=ABORTS.format(crash=crash))
    report = pytester.path / "r.json"

    result = pytester.runpytest_subprocess("--chaos", "-n", "2", f"--chaos-report={report}", "-p", "no:randomly")

    result.stdout.fnmatch_lines(["*chaos summary*", "seed=*  trials=1  passed=0  failed=0  errors=1*"])
    doc = json.loads(report.read_text())
    assert doc["summary"]["errors"] == 1
    [trial] = [t for t in doc["trials"] if t["verdict"] == "error"]
    assert trial["id"] == "test_aborts.py::test_dies"
    assert "crashed" in trial["error_message"]
    assert result.ret != 0


def test_a_graph_that_fails_by_itself_is_inconclusive_and_fails_the_session(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(selffail=SELF_FAILING)
    pytester.syspathinsert()
    report = pytester.path / "r.json"

    result = pytester.runpytest("--chaos", "--chaos-target=selffail:builder", f"--chaos-report={report}")

    summary = json.loads(report.read_text())["summary"]
    # The graph's own KeyError, never "faults_fired: never fired" because its node died first.
    # What stays true of the graph stays a failure: a hang injected at `work` hangs the run,
    # which has no timeout (liveness); every other trial is inconclusive, none passes.
    assert summary["passed"] == 0 and summary["inconclusive"] == summary["trials"] - summary["failed"] >= 9
    assert summary["violations"] == {"liveness": summary["failed"]}
    result.stdout.fnmatch_lines(["*the fault-free baseline ended error: KeyError: 'missing' in node 'work'*"])
    result.stdout.fnmatch_lines(["seed=*  inconclusive=*", "reproduce (inconclusive) chaos:selffail:builder::*"])
    assert result.ret != 0
