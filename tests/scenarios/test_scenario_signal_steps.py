"""``[[steps]]`` with sigterm and kill steps: a scenario file scripts a drain or a kill anywhere
in the thread's history, as the Python API does (`chaos.engine.Sigterm`, `chaos.engine.Kill`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chaos.engine import Invoke, Kill, Resume, Sigterm, Wait, again
from chaos.scenarios import ScenarioError, parse_scenario

pytest_plugins = ["pytester"]

HEAD = """
[scenario]
target = "tests.shutdown.shutdown_graphs:four_node"
input = { log = [] }
idempotent = ["slow"]
"""

KILL = HEAD + """
[[steps]]
kind = "invoke"
[[steps]]
kind = "wait"
seconds = 60
[[steps]]
kind = "kill"
node = "slow"
grace = 0.05
[[steps]]
kind = "invoke"
[[steps]]
kind = "resume"
[[steps]]
kind = "again"
"""

SIGTERM = HEAD + """
[[faults]]
kind = "delay"
node = "a"
seconds = 1

[[steps]]
kind = "sigterm"
node = "slow"
[[steps]]
kind = "invoke"
[[steps]]
kind = "resume"
[[steps]]
kind = "sigterm"
step = 1
[[steps]]
kind = "again"
[[steps]]
kind = "resume"
"""


def test_kill_and_sigterm_tables_become_engine_steps(tmp_path: Path) -> None:
    kill = parse_scenario(KILL, tmp_path / "kill.chaos.toml")
    assert kill.steps == (Invoke(), Wait(60), Kill("slow", "end", 0.05), Invoke(), Resume(), again())
    assert kill.faults == [] and kill.kill_step == Kill("slow")
    drain = parse_scenario(SIGTERM, tmp_path / "drain.chaos.toml")
    assert drain.steps == (Sigterm("slow"), Invoke(), Resume(), Sigterm(step=1), again(), Resume())
    assert drain.kill_step is None


@pytest.mark.parametrize("text, expected", [
    (KILL.replace('node = "slow"', 'node = "slow"\nat = "middle"'), r"steps\[2\]: Kill\(at='middle'\)"),
    (KILL.replace('grace = 0.05', 'grace = "soon"'), r"steps\[2\]\.grace: 'soon': give the grace period in seconds"),
    (KILL.replace('node = "slow"\n', ''), r"steps\[2\]\.node: a kill step needs node"),
    (KILL.replace('kind = "again"', 'kind = "kill"\nnode = "a"\n[[steps]]\nkind = "resume"'),
     r"steps: steps: at most one Kill step"),
    (KILL.replace('idempotent = ["slow"]', 'idempotent = ["slow"]\ncheckpointer = "memory"'),
     r"scenario\.checkpointer: a kill step needs a checkpointer that outlives the process"),
    (KILL + '\n[[faults]]\nkind = "delay"\nnode = "a"\nseconds = 1\n', r"faults: a scenario with a kill step has no \[\[faults\]\]"),
    (SIGTERM.replace('step = 1', 'step = 1\nattempts = 2'), r"steps\[3\]\.attempts: attempts aims a node's SIGTERM"),
    (SIGTERM.replace('step = 1', 'step = 1\nnode = "a"'), r"aim at a node's start or at a superstep boundary, not both"),
    (SIGTERM.replace('kind = "sigterm"\nstep = 1', 'kind = "sigterm"'), r"steps\[3\]: a sigterm step needs node"),
    (SIGTERM.replace('kind = "sigterm"\nnode = "slow"', 'kind = "sigterm"\nnode = "slow"\nstep = 1\nat = "end"'),
     r"steps\[0\]\.at: a 'sigterm' step takes no 'at'"),
])
def test_bad_signal_steps_name_the_table_the_key_and_the_fix(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ScenarioError, match=expected):
        parse_scenario(text, tmp_path / "bad.chaos.toml")


def test_the_editor_schema_knows_every_step_kind_and_key() -> None:
    from chaos.scenarios.load import STEP_KEYS

    root = Path(__file__).parents[2]
    schema = json.loads((root / "chaos/scenarios/scenario.schema.json").read_text())
    items = schema["properties"]["steps"]["items"]
    assert set(items["properties"]["kind"]["enum"]) == set(STEP_KEYS)
    assert set(items["properties"]) == {"kind"} | {k for keys in STEP_KEYS.values() for k in keys}
    import jsonschema
    import tomllib

    for text in (KILL, SIGTERM):
        jsonschema.validate(tomllib.loads(text), schema)


def test_a_scenario_with_a_kill_step_runs_its_history_in_child_processes(pytester: pytest.Pytester) -> None:
    pytester.syspathinsert(Path(__file__).parents[2])
    pytester.makefile(".chaos.toml", kill=KILL)
    result = pytester.runpytest("--chaos", "-p", "no:cacheprovider", "--chaos-report=r.json")
    result.assert_outcomes(passed=1)
    trial = json.loads((pytester.path / "r.json").read_text())["trials"][0]
    assert trial["verdict"] == "pass"
    once = ["a", "fast", "slow", "c"]
    assert sorted(trial["final_state"]["log"]) == sorted(once * 2)


def test_a_scenario_with_sigterm_steps_drains_and_resumes_in_process(pytester: pytest.Pytester) -> None:
    pytester.syspathinsert(Path(__file__).parents[2])
    pytester.makefile(".chaos.toml", drain=SIGTERM)
    result = pytester.runpytest("--chaos", "-p", "no:cacheprovider", "--chaos-report=r.json")
    result.assert_outcomes(passed=1)
    trial = json.loads((pytester.path / "r.json").read_text())["trials"][0]
    assert trial["verdict"] == "pass"
    assert {"SIGTERM -> slow@1", "SIGTERM after superstep 1 -> *"} <= set(trial["fired"])
    assert [e["kind"] for e in trial["events"] if e["kind"] in ("drain", "resume")] == ["drain", "resume"] * 2
