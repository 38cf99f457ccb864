"""Bad targets, scenario files, inputs and report paths: a named error, never an INTERNALERROR.

An error in one scenario file or one target fails that file's or target's items; the rest of
the session runs. Report paths are checked before any trial runs; a report that cannot be
written at the end still leaves the summary and the repro lines on the terminal.
"""

from __future__ import annotations

import pytest

from tests.plugin.helpers import BROKEN

RAISES_AT_IMPORT = """
raise RuntimeError("the database is not configured")
"""

FACTORY_RAISES = """
def make():
    raise KeyError("OPENAI_API_KEY")
"""

EXITS_AT_IMPORT = """
import sys
sys.exit(3)
"""

PLAIN_TEST = """
def test_still_runs():
    assert True
"""


@pytest.fixture
def modules(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(
        broken=BROKEN, raising=RAISES_AT_IMPORT, factory=FACTORY_RAISES, exiting=EXITS_AT_IMPORT,
        test_plain=PLAIN_TEST,
    )
    pytester.syspathinsert()
    return pytester


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("raising:builder", "loading the target raised RuntimeError: the database is not configured"),
        ("factory:make", "loading the target raised KeyError: 'OPENAI_API_KEY'"),
        ("exiting:builder", "loading the target raised SystemExit: 3"),
    ],
)
def test_a_target_that_raises_fails_its_own_item_and_the_session_goes_on(
    modules: pytest.Pytester, target: str, message: str
) -> None:
    result = modules.runpytest("--chaos", f"--chaos-target={target}", "--chaos-target=broken:builder", "-p", "no:randomly")

    result.stdout.no_fnmatch_line("*INTERNALERROR*")
    result.stdout.fnmatch_lines([f"*chaos {target} load*", f"*{message}*", f"FAILED chaos:{target}::load*"])
    outcomes = result.parseoutcomes()
    assert outcomes["failed"] == 2  # the target's load item and broken's hang trial
    assert outcomes["passed"] >= 2  # the plain test and broken's other trials ran
    assert result.ret == pytest.ExitCode.TESTS_FAILED


@pytest.mark.parametrize("value", ["[1,2]", '"hi"', "null", "3"])
def test_an_input_that_is_not_an_object_is_a_usage_error(modules: pytest.Pytester, value: str) -> None:
    result = modules.runpytest("--chaos", "--chaos-target=broken:builder", f"--chaos-input={value}")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--chaos-input: the input must be a JSON object of the graph's state fields*"])


def test_a_scenario_file_that_is_not_utf8_fails_that_file_only(pytester: pytest.Pytester) -> None:
    (pytester.path / "bad.chaos.toml").write_bytes(b'[scenario]\nname = "\xff\xfe"\n')
    pytester.makepyfile(test_plain=PLAIN_TEST)

    result = pytester.runpytest("--chaos", "--continue-on-collection-errors")

    result.stdout.no_fnmatch_line("*INTERNALERROR*")
    result.stdout.fnmatch_lines(["*bad.chaos.toml: file: is not UTF-8 text (byte *); save it as UTF-8 TOML*"])
    result.assert_outcomes(passed=1, errors=1)


def test_a_scenario_whose_target_raises_fails_that_file_only(modules: pytest.Pytester) -> None:
    modules.path.joinpath("bad.chaos.toml").write_text(
        '[scenario]\nname = "bad"\ntarget = "raising:builder"\n\n[[faults]]\nkind = "exception"\nnode = "x"\n'
    )

    result = modules.runpytest("--chaos", "--continue-on-collection-errors", "test_plain.py", "bad.chaos.toml")

    result.stdout.no_fnmatch_line("*INTERNALERROR*")
    result.stdout.fnmatch_lines(["*bad.chaos.toml: scenario.target: *raised RuntimeError: the database is not configured*"])
    result.assert_outcomes(passed=1, errors=1)


@pytest.mark.parametrize("option", ["--chaos-report", "--chaos-html"])
@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("{dir}", "is a directory; give a file path"),
        ("test_plain.py/r.json", "cannot write there (*); choose a writable path"),
        # /sys refuses new files even to root, who may write anywhere else (CI runs as root).
        ("/sys/chaos-report", "cannot write there (*); choose a writable path"),
    ],
    ids=["a directory", "under a file", "read-only"],
)
def test_a_report_path_that_cannot_be_written_is_refused_before_any_trial(
    modules: pytest.Pytester, option: str, where: str, message: str
) -> None:
    where = where.format(dir=modules.path)
    result = modules.runpytest("--chaos", "--chaos-target=broken:builder", f"{option}={where}")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{option}={where}: {message}*"])
    result.stdout.no_fnmatch_line("*passed*")


def test_a_report_that_cannot_be_written_at_the_end_keeps_the_summary_and_repro_lines(
    modules: pytest.Pytester,
) -> None:
    # The folder is fine when pytest starts and becomes a file before the session ends.
    modules.makeconftest(
        """
import shutil, pathlib
import pytest
@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session):
    out = pathlib.Path("out")
    shutil.rmtree(out, ignore_errors=True)
    out.write_text("now a file")
"""
    )
    result = modules.runpytest("--chaos", "--chaos-target=broken:builder", "--chaos-seed=1", "--chaos-report=out/r.json")

    result.stdout.no_fnmatch_line("*INTERNALERROR*")
    result.stdout.fnmatch_lines([
        "*chaos summary*",
        "seed=1  trials=* failed=1*",
        "reproduce chaos:broken:builder::hang*pytest*",
        "ERROR: the report could not be written to out/r.json (*); the results are above",
    ])
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_too_many_trials_per_target_is_refused_with_the_reason(modules: pytest.Pytester) -> None:
    result = modules.runpytest("--chaos", "--chaos-target=broken:builder", "--chaos-trials=999999999999")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--chaos-trials=999999999999 gives * generated trials per target*over chaos_max_trials = 100,000*"])


def test_chaos_max_trials_raises_the_cap(modules: pytest.Pytester) -> None:
    modules.makeini("[pytest]\nchaos_max_trials = 5\n")

    result = modules.runpytest("--chaos", "--chaos-target=broken:builder", "--chaos-trials=1")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*over chaos_max_trials = 5*"])
