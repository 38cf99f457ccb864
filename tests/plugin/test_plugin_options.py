"""The command line: the header, the seed, bad option values and ``-p no:chaos``."""

from __future__ import annotations

import pytest

PASSING = "def test_it_passes():\n    assert True\n"


def test_it_reports_the_seed_clock_and_trials_in_the_header_with_chaos(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(PASSING)
    result = pytester.runpytest("--chaos", "--chaos-seed=1234", "--chaos-trials=3")
    result.stdout.fnmatch_lines(["chaos: seed=1234 clock=simulated trials=3"])
    result.assert_outcomes(passed=1)


def test_the_header_names_the_targets(pytester: pytest.Pytester, broken: str) -> None:
    result = pytester.runpytest("--chaos", "--chaos-seed=5", broken, "--collect-only")
    result.stdout.fnmatch_lines(["chaos: seed=5 clock=simulated trials=1 targets=broken:builder"])


def test_it_picks_a_seed_when_none_is_given(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(PASSING)
    result = pytester.runpytest("--chaos")
    result.stdout.re_match_lines([r"chaos: seed=\d+ clock=simulated trials=1$"])


def test_there_is_no_chaos_header_without_chaos(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(PASSING)
    result = pytester.runpytest("--chaos-seed=1234")
    result.stdout.no_fnmatch_line("chaos:*")
    result.assert_outcomes(passed=1)


def test_chaos_seed_last_reuses_the_previous_seed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(PASSING)
    pytester.runpytest("--chaos", "--chaos-seed=4242").assert_outcomes(passed=1)
    result = pytester.runpytest("--chaos", "--chaos-seed=last")
    result.stdout.fnmatch_lines(["chaos: seed=4242 *"])


def test_chaos_seed_last_reuses_a_seed_the_plugin_picked(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(PASSING)
    first = pytester.runpytest("--chaos")
    (header,) = [line for line in first.outlines if line.startswith("chaos: seed=")]
    result = pytester.runpytest("--chaos", "--chaos-seed=last")
    result.stdout.fnmatch_lines([header])


def test_chaos_seed_last_without_a_previous_run_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(PASSING)
    result = pytester.runpytest("--chaos", "--chaos-seed=last")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*--chaos-seed=last: no previous chaos run is cached; pass --chaos-seed=N*"]
    )


def test_chaos_seed_last_without_the_cache_provider_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(PASSING)
    result = pytester.runpytest("--chaos", "--chaos-seed=last", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--chaos-seed=last needs pytest's cache; do not pass -p no:cacheprovider*"])


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("--chaos-seed=xyz", "*--chaos-seed: 'xyz' is not an integer or the string 'last'*"),
        ("--chaos-trials=many", "*--chaos-trials: 'many' is not a whole number*"),
        ("--chaos-trials=0", "*--chaos-trials: 0 must be at least 1*"),
        ("--chaos-clock=wall", "*--chaos-clock: invalid choice: 'wall' (choose from *simulated*real*)*"),
    ],
)
def test_a_bad_option_value_is_a_usage_error_naming_it(pytester: pytest.Pytester, option: str, message: str) -> None:
    pytester.makepyfile(PASSING)
    result = pytester.runpytest("--chaos", option)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


@pytest.mark.parametrize(
    ("ini", "message"),
    [
        ("chaos_trials = many", "*chaos_trials (ini): 'many' is not a whole number*"),
        ("chaos_trials = 0", "*chaos_trials (ini): 0 must be at least 1*"),
        ("chaos_clock = wall", "*chaos_clock = 'wall' (ini): use one of simulated, real*"),
    ],
)
def test_a_bad_ini_value_is_a_usage_error_naming_it(pytester: pytest.Pytester, ini: str, message: str) -> None:
    pytester.makeini(f"[pytest]\n{ini}\n")
    pytester.makepyfile(PASSING)
    result = pytester.runpytest("--chaos")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_the_command_line_overrides_the_ini_file(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nchaos_trials = 4\nchaos_clock = real\n")
    pytester.makepyfile(PASSING)
    result = pytester.runpytest("--chaos", "--chaos-seed=1", "--chaos-trials=2", "--chaos-clock=simulated")
    result.stdout.fnmatch_lines(["chaos: seed=1 clock=simulated trials=2"])


def test_p_no_chaos_disables_the_plugin(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(PASSING)
    result = pytester.runpytest("-p", "no:chaos")
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("chaos:*")


def test_p_no_chaos_makes_the_chaos_options_unknown(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(PASSING)
    result = pytester.runpytest("-p", "no:chaos", "--chaos")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*error: unrecognized arguments: --chaos*"])


def test_p_no_chaos_removes_the_chaos_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_uses_chaos(chaos):\n    pass\n")
    result = pytester.runpytest("-p", "no:chaos")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'chaos' not found*"])
