"""The ``chaos`` fixture and ``@pytest.mark.chaos``: skips, misuse errors, failures, JUnit XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

CHAOS_TESTS = """
import pytest
from chaos import faults
from retrying import builder


@pytest.mark.chaos(faults.raise_status(429, retry_after=1), node="fetch", attempts=[1])
def test_marked(request):
    request.getfixturevalue("chaos").run(builder, {"query": "q"})


def test_with_the_fixture(chaos):
    chaos.run(builder, {"query": "q"})


def test_plain():
    pass
"""


def test_without_chaos_marked_tests_and_fixture_users_are_skipped_saying_to_pass_chaos(
    pytester: pytest.Pytester, retrying: None
) -> None:
    pytester.makepyfile(test_chaos=CHAOS_TESTS)
    result = pytester.runpytest("-rs")
    result.assert_outcomes(passed=1, skipped=2)
    # The reason points at each test, not at the plugin.
    result.stdout.fnmatch_lines(
        [
            "SKIPPED [[]1[]] test_chaos.py:6: chaos tests run only with --chaos (pass --chaos to run them)",
            "SKIPPED [[]1[]] test_chaos.py:11: chaos tests run only with --chaos (pass --chaos to run them)",
        ],
        consecutive=True,
    )


def test_with_chaos_marked_tests_and_fixture_users_run(pytester: pytest.Pytester, retrying: None) -> None:
    pytester.makepyfile(test_chaos=CHAOS_TESTS)
    result = pytester.runpytest("--chaos", "--chaos-seed=3")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["seed=3  trials=2  passed=2  failed=0"])


def test_the_marker_declares_faults_for_the_fixture(pytester: pytest.Pytester, retrying: None) -> None:
    pytester.makepyfile(
        """
        import pytest
        from chaos import faults
        from retrying import builder


        @pytest.mark.chaos(faults.raise_status(429, retry_after=2), node="fetch", attempts=[1])
        def test_fetch_recovers(chaos):
            result = chaos.run(builder, {"query": "q"})
            assert [(a.outcome, a.start) for a in result.attempts("fetch")] == [("error", 0.0), ("ok", 1.0)]
            assert result.output["result"] == "fetched q, summarized"
        """
    )
    pytester.runpytest("--chaos").assert_outcomes(passed=1)


def test_a_marker_aimed_at_an_unknown_node_lists_the_graphs_nodes(pytester: pytest.Pytester, retrying: None) -> None:
    pytester.makepyfile(
        """
        import pytest
        from chaos import faults
        from retrying import builder


        @pytest.mark.chaos(faults.raise_status(429, retry_after=1), node="fecth")
        def test_typo(chaos):
            chaos.run(builder, {"query": "q"})
        """
    )
    result = pytester.runpytest("--chaos")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["E * no node matches 'fecth' (fault http 429*). The graph's nodes are: fetch, summarize.*"]
    )


def test_a_marker_with_an_unknown_keyword_names_it_and_the_valid_ones(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        from chaos import faults


        @pytest.mark.chaos(faults.hang(), node="search", attempt=1)
        def test_typo(chaos):
            pass
        """
    )
    result = pytester.runpytest("--chaos")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*test_a_marker_with_an_unknown_keyword_names_it_and_the_valid_ones.py::test_typo: "
            "@pytest.mark.chaos got unknown argument(s) [[]'attempt'[]]; "
            "valid: attempts, clock, disable, drive, node, probability, seed, times"
        ]
    )


def test_a_marker_with_a_positional_that_is_not_a_fault_shows_how_to_write_one(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest


        @pytest.mark.chaos("hang", node="search")
        def test_typo(chaos):
            pass
        """
    )
    result = pytester.runpytest("--chaos")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*@pytest.mark.chaos('hang'): positional arguments must be faults from chaos.faults, "
            "e.g. @pytest.mark.chaos(faults.raise_status(429, retry_after=1), node='fetch')"
        ]
    )


def test_a_marker_with_a_bad_clock_names_it_and_where_it_came_from(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest


        @pytest.mark.chaos(clock="wall")
        def test_typo(chaos):
            pass
        """
    )
    result = pytester.runpytest("--chaos")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*invalid clock 'wall' from marker; use one of simulated, real"])


NEVER_FIRES = """
import pytest
from chaos import faults
from retrying import builder


@pytest.mark.chaos(faults.raise_status(429, retry_after=1), node="fetch", attempts=[5])
def test_fifth_attempt(chaos):
    chaos.run(builder, {"query": "q"})
"""


def test_a_fault_that_never_fired_fails_the_test_naming_it_and_how_to_reproduce(
    pytester: pytest.Pytester, retrying: None
) -> None:
    pytester.makepyfile(test_never=NEVER_FIRES)
    result = pytester.runpytest("--chaos", "--chaos-seed=77")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E * chaos trial test_never.py::test_fifth_attempt failed (seed=77, clock=simulated):",
            "E *[[]faults_fired[]] declared fault 'http 429 Retry-After=1 -> fetch@5' never fired*",
            "E *reproduce with: pytest test_never.py::test_fifth_attempt --chaos --chaos-seed=77",
        ]
    )


def test_the_reproduce_command_reproduces_the_failure(pytester: pytest.Pytester, retrying: None) -> None:
    pytester.makepyfile(test_never=NEVER_FIRES)
    pytester.runpytest("--chaos", "--chaos-seed=77").assert_outcomes(failed=1)
    again = pytester.runpytest("test_never.py::test_fifth_attempt", "--chaos", "--chaos-seed=77")
    again.assert_outcomes(failed=1)
    again.stdout.fnmatch_lines(["E *reproduce with: pytest test_never.py::test_fifth_attempt --chaos --chaos-seed=77"])


def test_junit_xml_carries_the_faults_that_fired(pytester: pytest.Pytester, retrying: None) -> None:
    pytester.makepyfile(
        """
        import pytest
        from chaos import faults
        from retrying import builder


        @pytest.mark.chaos(faults.raise_status(429, retry_after=2), node="fetch", attempts=[1])
        def test_fetch_recovers(chaos):
            chaos.run(builder, {"query": "q"})


        def test_plain():
            pass
        """
    )
    xml = pytester.path / "junit.xml"
    pytester.runpytest("--chaos", f"--junitxml={xml}").assert_outcomes(passed=2)
    cases = {case.get("name"): case for case in ET.parse(xml).getroot().iter("testcase")}
    props = {p.get("name"): p.get("value") for p in cases["test_fetch_recovers"].iter("property")}
    assert props == {"chaos_faults_fired": "http 429 Retry-After=2 -> fetch@1", "chaos_verdict": "pass"}
    assert list(cases["test_plain"].iter("property")) == []


def test_the_terminal_summary_shows_the_seed_and_the_faults_injected_by_kind(
    pytester: pytest.Pytester, retrying: None
) -> None:
    pytester.makepyfile(
        """
        import pytest
        from chaos import faults
        from retrying import builder


        @pytest.mark.chaos(faults.raise_status(429, retry_after=1), node="fetch", attempts=[1, 2])
        def test_two_429s(chaos):
            chaos.run(builder, {"query": "q"})


        @pytest.mark.chaos(faults.delay(3), node="summarize")
        def test_slow(chaos):
            chaos.run(builder, {"query": "q"})
        """
    )
    result = pytester.runpytest("--chaos", "--chaos-seed=31")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "*- chaos summary -*",
            "seed=31  trials=2  passed=2  failed=0",
            "faults injected: delay=1, raise_status=2",
            "invariants checked: *faults_fired, *liveness, *steady_state*",
            "invariants violated: none",
            "slowest trials: *",
        ],
        consecutive=True,
    )


def test_there_is_no_chaos_summary_without_chaos_trials(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_plain():\n    pass\n")
    result = pytester.runpytest("--chaos")
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*chaos summary*")


def test_a_marked_test_that_never_runs_a_graph_fails_naming_its_faults(pytester):
    pytester.makepyfile(
        """
        import pytest
        from chaos import faults

        @pytest.mark.chaos(faults.hang(), node="fetch")
        def test_forgot_to_run(chaos):
            assert True
        """
    )
    result = pytester.runpytest("--chaos", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*declared fault(s) 'hang -> fetch' never fired: the test never ran a graph*"])
    result.assert_outcomes(passed=1, errors=1)
