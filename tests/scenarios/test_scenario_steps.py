"""``[[steps]]`` in scenario files: the thread's history; ``repeat`` is shorthand for it."""

from __future__ import annotations

from pathlib import Path

import pytest

from chaos.engine import Invoke, Resume, UpdateState, Wait, again
from chaos.scenarios import ScenarioError, parse_scenario

pytest_plugins = ["pytester"]

HEAD = """
[scenario]
target = "tests.engine.engine_graphs:HITL"
input = { log = [] }

[[faults]]
kind = "delay"
node = "start"
seconds = 1
"""

STEPS = HEAD + """
[[steps]]
kind = "invoke"

[[steps]]
kind = "wait"
seconds = 30

[[steps]]
kind = "resume"
value = "yes"
"""


def test_steps_tables_become_engine_steps(tmp_path: Path):
    sc = parse_scenario(STEPS, tmp_path / "hitl.chaos.toml")
    assert sc.steps == (Invoke(), Wait(30), Resume("yes"))


def test_repeat_is_shorthand_for_steps(tmp_path: Path):
    sc = parse_scenario(HEAD.replace('input = { log = [] }', 'input = { log = [] }\nrepeat = [299, 2]'), tmp_path / "r.chaos.toml")
    assert sc.steps == (Invoke(), Wait(299), again(), Wait(2), again())


def test_every_step_kind_parses(tmp_path: Path):
    text = HEAD + """
[[steps]]
kind = "invoke"
[[steps]]
kind = "update_state"
values = { log = ["x"] }
as_node = "start"
[[steps]]
kind = "again"
input = { log = ["other"] }
thread = "same"
"""
    sc = parse_scenario(text, tmp_path / "k.chaos.toml")
    assert sc.steps == (Invoke(), UpdateState({"log": ["x"]}, "start"), Invoke({"log": ["other"]}, "same"))


def test_repeat_and_steps_together_name_the_file_and_the_fix(tmp_path: Path):
    text = STEPS.replace('input = { log = [] }', 'input = { log = [] }\nrepeat = [1]')
    with pytest.raises(ScenarioError, match=r"both\.chaos\.toml:5: scenario\.repeat: give either repeat or \[\[steps\]\], not both.*remove repeat"):
        parse_scenario(text, tmp_path / "both.chaos.toml")


@pytest.mark.parametrize("edit, expected", [
    (('kind = "resume"', 'kind = "resum"'), r"steps\[2\]\.kind: unknown step kind 'resum' \(did you mean 'resume'\?\)"),
    (('seconds = 30', 'secs = 30'), r"steps\[1\]\.secs: a 'wait' step takes no 'secs'"),
    (('kind = "invoke"', 'kind = "resume"\nvalue = 1'), r"steps: steps\[0\]=Resume.*start it with Invoke"),
])
def test_bad_steps_name_the_table_the_key_and_the_fix(tmp_path: Path, edit, expected):
    with pytest.raises(ScenarioError, match=expected):
        parse_scenario(STEPS.replace(*edit, 1), tmp_path / "bad.chaos.toml")


def test_a_scenario_with_steps_runs_them(pytester: pytest.Pytester):
    pytester.syspathinsert(Path(__file__).parents[2])
    pytester.makefile(".chaos.toml", hitl=STEPS)
    result = pytester.runpytest("--chaos", "-p", "no:cacheprovider", "--chaos-report=r.json")
    result.assert_outcomes(passed=1)
    import json

    trial = json.loads((pytester.path / "r.json").read_text())["trials"][0]
    assert trial["final_state"] == {"log": ["start", "asked", "finished with yes"], "answer": "yes"}
