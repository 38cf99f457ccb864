"""Issue 14, output and coexistence: another plugin's ``--chaos`` and ``chaos`` fixture, the long
option names, targets imported from the rootdir and the current directory, repro commands that
work from where pytest ran, and failures that lead with the violation."""

from __future__ import annotations

import re

import pytest

from tests.plugin.helpers import BROKEN, RETRYING

#: A stand-in for the other chaos plugins on the package index: its own ``--chaos`` flag and
#: ``chaos`` fixture, loaded with ``-p other_chaos``.
OTHER_PLUGIN = """
import pytest


def pytest_addoption(parser):
    parser.getgroup("chaos").addoption("--chaos", action="store_true", help="the other plugin's chaos")


@pytest.fixture
def chaos(request):
    return "the other plugin's chaos fixture"
"""


@pytest.fixture
def other_plugin(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(other_chaos=OTHER_PLUGIN)
    pytester.syspathinsert()


@pytest.mark.parametrize(
    "order",
    [
        ("-p", "other_chaos"),  # the other plugin registers first
        ("-p", "no:chaos", "-p", "pytest_langgraph_chaos", "-p", "other_chaos"),  # ours first
    ],
    ids=["other-first", "ours-first"],
)
def test_another_plugins_chaos_option_is_a_warning_naming_it_and_the_fix(
    pytester: pytest.Pytester, other_plugin: None, order: tuple[str, ...]
) -> None:
    pytester.makepyfile(broken=BROKEN)
    pytester.syspathinsert()
    pytester.makepyfile(
        test_other="""
        def test_other_flag(pytestconfig):
            assert pytestconfig.getoption("chaos") is True  # --chaos is the other plugin's
            assert pytestconfig.getoption("langgraph_chaos") is False
        """
    )
    result = pytester.runpytest(*order, "--chaos", "test_other.py")
    result.assert_outcomes(passed=1)
    out = result.stdout.str()
    assert "already used" not in out + result.stderr.str()
    assert "--chaos by plugin 'other_chaos'" in out
    assert "-p no:other_chaos" in out and "-p no:chaos" in out
    assert "--langgraph-chaos" in out

    # Ours, under the long names, still runs the suite; its repro commands use the long name
    # where the short one is taken (only --chaos here: --chaos-seed is still free, so ours).
    ours = pytester.runpytest(*order, "--langgraph-chaos", "--langgraph-chaos-target=broken:builder", "-k", "hang")
    ours.assert_outcomes(failed=1, deselected=ours.parseoutcomes()["deselected"])
    ours.stdout.fnmatch_lines(["reproduce with: pytest --langgraph-chaos --chaos-seed=* "
                               "--chaos-target=broken:builder 'chaos:broken:builder::hang[[]work@a1[]]#0'"])


def test_every_option_has_a_long_name_and_the_old_dest_names_still_read(
    pytester: pytest.Pytester, retrying: None
) -> None:
    pytester.makeconftest(
        """
        def pytest_report_header(config):
            return f"seed read as chaos_seed: {config.getoption('chaos_seed')}"
        """
    )
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest("--langgraph-chaos", "--langgraph-chaos-seed=7", "--langgraph-chaos-trials=2")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["chaos: seed=7 clock=simulated trials=2", "seed read as chaos_seed: 7"])
    # --help lists the short names once; the group title announces the long ones.
    help_text = pytester.runpytest("--help").stdout.str()
    assert "every --chaos-* option is also --langgraph-chaos-*" in help_text
    assert not re.search(r"^\s+--langgraph-chaos", help_text, re.M)


def test_the_fixture_is_also_langgraph_chaos(pytester: pytest.Pytester, retrying: None) -> None:
    pytester.makepyfile(
        """
        import pytest
        from chaos import faults
        from retrying import builder


        @pytest.mark.chaos(faults.raise_status(429, retry_after=1), node="fetch", attempts=[1])
        def test_long_name(langgraph_chaos):
            assert langgraph_chaos.run(builder, {"query": "q"}).ok


        def test_same_object(chaos, langgraph_chaos):
            assert chaos is langgraph_chaos
        """
    )
    pytester.runpytest("--chaos").assert_outcomes(passed=2)


def test_another_plugins_chaos_fixture_is_detected_and_langgraph_chaos_still_works(
    pytester: pytest.Pytester, other_plugin: None, retrying: None
) -> None:
    pytester.makepyfile(
        """
        import pytest
        from chaos import faults
        from retrying import builder


        def test_theirs(chaos):
            assert chaos == "the other plugin's chaos fixture"


        @pytest.mark.chaos(faults.raise_status(429, retry_after=1), node="fetch", attempts=[1])
        def test_marked_but_gets_theirs(chaos):
            pass


        @pytest.mark.chaos(faults.raise_status(429, retry_after=1), node="fetch", attempts=[1])
        def test_ours(langgraph_chaos):
            assert langgraph_chaos.run(builder, {"query": "q"}).ok
        """
    )
    # The other plugin registered after ours: its `chaos` fixture would win silently.
    result = pytester.runpytest("-p", "no:chaos", "-p", "pytest_langgraph_chaos", "-p", "other_chaos",
                                "--langgraph-chaos", "-rE")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines([
        "*the 'chaos' fixture comes from plugin 'other_chaos'*Request langgraph-chaos's fixture as "
        "'langgraph_chaos' instead, or disable the other plugin with -p no:other_chaos*",
    ])
    result.stdout.fnmatch_lines(["*::test_marked_but_gets_theirs: @pytest.mark.chaos test requests 'chaos', but the 'chaos' fixture "
                               "comes from plugin 'other_chaos'*"])


# -- where targets import from, and where repro commands work from ----------------------------


def test_a_target_imports_from_the_current_directory_without_a_conftest(pytester: pytest.Pytester) -> None:
    # No syspathinsert: the `pytest` command does not put the current directory on sys.path.
    pytester.makepyfile(app=RETRYING)
    result = pytester.runpytest_subprocess("--chaos", "--chaos-target=app:builder", "-p", "no:cacheprovider")
    assert "cannot import" not in result.stdout.str()
    assert result.parseoutcomes().get("passed", 0) >= 5


def test_a_target_imports_from_the_rootdir_when_run_from_a_subdirectory(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\n")
    pytester.makepyfile(app=RETRYING)
    sub = pytester.mkdir("sub")
    result = pytester.runpytest_subprocess(
        "--chaos", "--chaos-target=app:builder", "-p", "no:cacheprovider", "--rootdir", str(pytester.path),
        str(sub),
    )
    assert "cannot import" not in result.stdout.str()
    assert result.parseoutcomes().get("passed", 0) >= 5


def test_repro_commands_work_from_where_pytest_ran(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\n")
    tests = pytester.mkpydir("checks")
    (tests / "graph_under_test.py").write_text(BROKEN)
    (tests / "test_hang.py").write_text(
        "import pytest\nfrom chaos import faults\nfrom checks.graph_under_test import builder\n\n\n"
        "@pytest.mark.chaos(faults.hang(), node='work')\ndef test_hang(chaos):\n    chaos.run(builder, {})\n"
    )
    pytester.syspathinsert()
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tests)
        result = pytester.runpytest("--chaos", "--chaos-seed=3", "test_hang.py")
    result.assert_outcomes(failed=1)
    # From checks/, the node id is test_hang.py::..., not checks/test_hang.py::...
    result.stdout.fnmatch_lines(["*reproduce with: pytest test_hang.py::test_hang --chaos --chaos-seed=3"])


def test_a_failing_hand_written_test_leads_with_the_violation(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(broken=BROKEN)
    pytester.syspathinsert()
    pytester.makepyfile(
        test_hang="""
        import pytest
        from chaos import faults
        from broken import builder


        @pytest.mark.chaos(faults.hang(), node="work")
        def test_hang(chaos):
            chaos.run(builder, {})
        """
    )
    result = pytester.runpytest("--chaos", "--chaos-seed=1")
    result.assert_outcomes(failed=1)
    lines = result.stdout.lines
    start = next(i for i, line in enumerate(lines) if "_ test_hang _" in line)
    violation = next(i for i, line in enumerate(lines) if "[liveness]" in line)
    # The test's own lines, then the violation: none of the harness's source in between.
    assert violation - start < 12, "\n".join(lines[start:violation])
    assert not any("def run(" in line for line in lines[start:violation])


def test_the_short_names_exist_when_a_conftest_loads_the_plugin(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('pytest_plugins = ["pytest_langgraph_chaos"]')
    pytester.makepyfile("def test_x(pytestconfig):\n    assert pytestconfig.getoption('langgraph_chaos_seed') == 4\n")
    result = pytester.runpytest("-p", "no:chaos", "--chaos", "--chaos-seed=4")
    result.assert_outcomes(passed=1)
