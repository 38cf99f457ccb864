"""Under pytest-xdist every worker makes the controller's decisions: ``-n 2`` replays ``-n 0``."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest

from tests.plugin.helpers import SUPPORT_ARGS, load_report
from tests.plugin.test_plugin_targets import BROKEN_KINDS, SUPPORT_KINDS

FIXTURE_TESTS = """
import pytest
from chaos import faults
from retrying import builder


@pytest.mark.chaos(faults.raise_status(429, retry_after=1), node="*", probability=0.5)
def test_some_429s(chaos):
    chaos.run(builder, {"query": "q"}, raise_on_violation=False)


@pytest.mark.chaos(faults.delay(2), node="summarize")
def test_slow_summary(chaos):
    chaos.run(builder, {"query": "q"})
"""


def decisions(report: dict[str, Any]) -> dict[str, Any]:
    """What must not depend on the worker: per trial, faults, what fired, journal, verdict."""
    return {
        t["id"]: (t["faults"], t["fired"], t["journal"], t["verdict"], t["violations"]) for t in report["trials"]
    }


def test_two_workers_make_the_same_faults_and_journals_as_one_process(
    pytester: pytest.Pytester, broken: str, retrying: None
) -> None:
    pytester.makepyfile(test_fixture=FIXTURE_TESTS)
    # Kill trials run in real time (journals with real timestamps) and the example's
    # handler_fault fails (see test_plugin_targets): the journals compared here leave them out.
    args = (*SUPPORT_ARGS, broken, "--chaos-seed=2024", "-k", "not handler_fault and not kill")
    serial, parallel = pytester.path / "serial.json", pytester.path / "parallel.json"
    outcomes = {"passed": len(SUPPORT_KINDS) - 2 + len(BROKEN_KINDS) - 2 + 2, "failed": 1}

    pytester.runpytest(*args, "-n", "0", f"--chaos-report={serial}").assert_outcomes(**outcomes)
    xml = pytester.path / "junit.xml"
    result = pytester.runpytest_subprocess(*args, "-n", "2", f"--chaos-report={parallel}", f"--junitxml={xml}")
    result.assert_outcomes(**outcomes)
    result.stdout.fnmatch_lines(["chaos: seed=2024 *", "created: 2/2 workers"])

    first, second = load_report(serial), load_report(parallel)
    assert second["summary"] == first["summary"]
    assert decisions(second) == decisions(first)
    # Faults really were spread over the trials (the comparison is not of empty journals).
    assert sum(len(t["fired"]) for t in first["trials"]) >= len(BROKEN_KINDS)

    # The JUnit properties travel from the workers too.
    (case,) = [c for c in ET.parse(xml).getroot().iter("testcase") if c.get("name") == "test_slow_summary"]
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    (slow,) = [t for t in second["trials"] if t["id"] == "test_fixture.py::test_slow_summary"]
    assert slow["fired"][0].startswith("delay")
    assert props == {"chaos_faults_fired": slow["fired"][0], "chaos_verdict": "pass"}


def test_workers_get_the_seed_the_controller_picked(pytester: pytest.Pytester, broken: str) -> None:
    # No --chaos-seed: each worker would otherwise pick its own.
    path = pytester.path / "chaos.json"
    result = pytester.runpytest_subprocess("--chaos", broken, "-n", "2", f"--chaos-report={path}", "-k", "not hang")
    (header,) = [line for line in result.outlines if line.startswith("chaos: seed=")]
    seed = int(header.split()[1].removeprefix("seed="))
    report = load_report(path)
    assert {t["seed"] for t in report["trials"]} == {report["seed"]} == {seed}
    assert len(report["trials"]) == len(BROKEN_KINDS) - 1  # hang deselected



@pytest.mark.parametrize(
    ("args", "message"),
    [
        (['--chaos-input={"x": q}'], "ERROR: --chaos-input='{\"x\": q}' is not valid JSON*"),
        (["chaos:broken:builder::hang[work@a1]#4"], "ERROR: 'chaos:broken:builder::hang[[]work@a1[]]#4' names no chaos item*"),
    ],
)
def test_a_usage_error_found_while_workers_collect_is_printed_once(
    pytester: pytest.Pytester, broken: str, args: list[str], message: str
) -> None:
    # A worker's usage error never reaches the terminal; the run said only "no tests ran".
    result = pytester.runpytest_subprocess("--chaos", broken, "-n", "2", "-p", "no:randomly", *args)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*ERROR collecting chaos*", message])
    assert result.stdout.str().count("ERROR collecting chaos") == 1
