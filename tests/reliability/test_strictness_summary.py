"""Test-scope strictness reads one merged summary, however many runs a test makes.

A probabilistic fault that fired in none of a test's runs fails the test; one that fired in
any run does not (the harness keeps no per-run record for this: memory stays flat).
"""

from __future__ import annotations

import pytest

TEST = """
from chaos import faults
from chaos.examples import support

def test_runs(chaos):
    chaos.inject(faults.exception(), node="search", attempts=[1], probability={p})
    for _ in range(5):
        chaos.run(support.builder, {{"question": "q"}}, raise_on_violation=False)
    assert len(chaos.fired_summaries) == 1
"""


def test_a_probabilistic_fault_that_never_fired_fails_the_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_p=TEST.format(p=1e-9))

    result = pytester.runpytest("--chaos", "--chaos-seed=3", "-p", "no:randomly")

    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*probabilistic fault(s) 'exception * -> search@1~1e-09' fired in none of the test's 5 run(s)*"])


def test_a_probabilistic_fault_that_fired_in_some_run_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_p=TEST.format(p=0.9999))

    result = pytester.runpytest("--chaos", "--chaos-seed=3", "-p", "no:randomly")

    result.assert_outcomes(passed=1)
