"""One verdict vocabulary; a baseline that cannot run makes every trial inconclusive."""

from __future__ import annotations

import json

import pytest

from chaos import Chaos, faults
from chaos.engine import TrialInconclusive
from chaos.engine.verdict import VERDICTS, exit_codes
from tests.engine import engine_graphs as eg


def test_the_verdicts_and_their_exit_codes_are_defined_once_in_the_schema():
    from chaos.engine.verdict import SCHEMA

    schema = json.loads(SCHEMA.read_text())
    assert tuple(schema["$defs"]["verdict"]["enum"]) == VERDICTS
    assert exit_codes() == {"pass": 0, "skipped": 0, "fail": 1, "inconclusive": 2, "error": 3}


def test_a_failing_baseline_makes_the_trial_inconclusive_never_a_pass(harness: Chaos):
    harness.inject(faults.raise_status(503), node="needs_key", attempts=[1])
    result = harness.run(eg.BROKEN, {"log": []}, raise_on_violation=False)
    assert result.verdict == "inconclusive"
    assert not result.ok
    assert result.to_json()["verdict"] == "inconclusive"
    assert "KeyError" in result.inconclusive and "'needs_key'" in result.inconclusive
    assert "attempt 1" in result.inconclusive and "Likely fix" in result.inconclusive


def test_chaos_run_raises_a_distinct_exception_for_inconclusive(harness: Chaos):
    with pytest.raises(TrialInconclusive, match="baseline ended error: KeyError"):
        harness.run(eg.BROKEN, {"log": []})


def test_a_graph_that_runs_fault_free_is_judged(harness: Chaos):
    assert harness.run(eg.PARALLEL, {"log": []}).verdict == "pass"
