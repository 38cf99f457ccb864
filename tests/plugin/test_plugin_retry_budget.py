"""chaos_retry_budget (ini) sets the retry_budget invariant's limit; a bad value names itself."""

from __future__ import annotations

import pytest

PROBE = """
def test_budget():
    from chaos.invariants.retry_budget import retry_budget
    assert retry_budget() == {expected}
"""


def test_the_ini_setting_sets_the_budget(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nchaos_retry_budget = 4\n")
    pytester.makepyfile(PROBE.format(expected=4))
    pytester.runpytest_inprocess("--chaos", "-p", "no:randomly").assert_outcomes(passed=1)
    from chaos.invariants.retry_budget import DEFAULT_BUDGET, set_retry_budget

    set_retry_budget(DEFAULT_BUDGET)  # in process: do not leak into other tests


def test_a_bad_budget_is_a_usage_error_naming_the_ini_setting(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nchaos_retry_budget = lots\n")
    pytester.makepyfile(PROBE.format(expected=10))
    result = pytester.runpytest("--chaos")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*chaos_retry_budget (ini): 'lots' is not a whole number*"])
