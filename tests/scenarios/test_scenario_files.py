"""Scenario files: validation errors name the file, the key, the line and the fix; good files run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chaos.scenarios import ScenarioError, load_scenario, parse_scenario

pytest_plugins = ["pytester"]

GOOD = """\
[scenario]
target = "chaos.examples.llm:builder"
input = { prompt = "p" }
trials = 2

[[faults]]
kind = "raise_status"
node = "generate"
attempts = 1
retry_after = 2
status = 429
"""


def test_a_valid_file_parses_into_a_scenario(tmp_path: Path):
    sc = parse_scenario(GOOD, tmp_path / "storm.chaos.toml")
    assert (sc.name, sc.target, sc.trials, sc.inputs) == ("storm", "chaos.examples.llm:builder", 2, [{"prompt": "p"}])
    [inj] = sc.injections
    assert (inj.node, inj.attempts, inj.fault.describe()) == ("generate", frozenset({1}), "http 429 Retry-After=2")


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (("kind = \"raise_status\"", "kind = \"raise_statu\""), r"x.chaos.toml:7: faults\[0\].kind: unknown fault kind 'raise_statu' \(did you mean 'raise_status'\?\); valid kinds: exception, raise_status"),
        (("trials = 2", "trials = 0"), r"x.chaos.toml:4: scenario.trials: 0 must be a whole number >= 1"),
        (("trials = 2", "trials = 2\ncache_ttl = -5"), r"x.chaos.toml:5: scenario.cache_ttl: -5: a TTL must be a positive number of seconds"),
        (("trials = 2", "trials = 2\nclock = \"fast\""), r"scenario.clock: 'fast' is not a clock; use one of: simulated, real"),
        (("retry_after = 2", "retry_afer = 2"), r"x.chaos.toml:10: faults\[0\].retry_afer: 'raise_status' takes no 'retry_afer' \(did you mean 'retry_after'\?\)"),
        (("attempts = 1", "attempts = 0"), r"faults\[0\].attempts: attempts=\[0\]: attempts are numbered from 1"),
        (("target = \"chaos.examples.llm:builder\"", "target = \"nonsense\""), r"x.chaos.toml:2: scenario.target: 'nonsense' is not MODULE:ATTR"),
        (("trials = 2", "trails = 2"), r"x.chaos.toml:4: scenario.trails: unknown key \(did you mean 'trials'\?\)"),
        (("input = { prompt = \"p\" }", "input = [1, 2]"), r"x.chaos.toml:3: scenario.input: \[1, 2\] is a list, not a table of the graph's state fields; write it like input = \{ question"),
        (("input = { prompt = \"p\" }", "inputs = [{ prompt = \"p\" }, \"hi\"]"), r"x.chaos.toml:3: scenario.inputs\[1\]: 'hi' is a str, not a table"),
    ],
)
def test_bad_values_name_file_key_line_and_fix(tmp_path: Path, edit, expected):
    text = GOOD.replace(*edit)
    with pytest.raises(ScenarioError, match=expected):
        parse_scenario(text, tmp_path / "x.chaos.toml")


def test_an_old_kind_name_still_parses_and_warns_naming_the_new_one(tmp_path: Path):
    old = GOOD.replace('kind = "raise_status"', 'kind = "http_429"').replace("status = 429\n", "")
    with pytest.warns(DeprecationWarning, match=r"fault kind 'http_429' is deprecated: use 'raise_status'"):
        sc = parse_scenario(old, tmp_path / "old.chaos.toml")
    assert sc.injections[0].fault.describe() == "http 429 Retry-After=2"


def test_invalid_toml_names_the_line(tmp_path: Path):
    path = tmp_path / "bad.chaos.toml"
    path.write_text(GOOD.replace("trials = 2", "trials = = 2"))
    with pytest.raises(ScenarioError, match=r"bad.chaos.toml:4: syntax: not valid TOML"):
        load_scenario(path)


def test_the_bundled_pack_is_valid():
    files = sorted(Path(__file__).parents[2].joinpath("scenarios").glob("*.chaos.toml"))
    assert len(files) >= 6
    for f in files:
        assert load_scenario(f).faults


def test_an_unknown_node_fails_collection_naming_file_key_and_nodes(pytester: pytest.Pytester):
    pytester.makefile(".chaos.toml", typo=GOOD.replace('node = "generate"', 'node = "generat"'))
    result = pytester.runpytest("--chaos", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*typo.chaos.toml:8: faults[[]0[]].node: no node matches 'generat'*The graph's nodes are: generate, review*"])
    assert result.ret == pytest.ExitCode.INTERRUPTED


def test_a_bad_target_fails_collection_naming_the_file(pytester: pytest.Pytester):
    pytester.makefile(".chaos.toml", nowhere=GOOD.replace("chaos.examples.llm:builder", "chaos.examples.llm:nothing"))
    result = pytester.runpytest("--chaos", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*nowhere.chaos.toml: scenario.target: *has no attribute 'nothing'*"])
    assert result.ret == pytest.ExitCode.INTERRUPTED


def test_scenario_trials_are_items_and_run(pytester: pytest.Pytester):
    pytester.makefile(".chaos.toml", storm=GOOD)
    result = pytester.runpytest("--chaos", "-p", "no:cacheprovider", "--chaos-seed=5", "-v")
    result.stdout.fnmatch_lines(["*storm.chaos.toml::storm[[]t0[]] PASSED*", "*storm.chaos.toml::storm[[]t1[]] PASSED*"])
    result.assert_outcomes(passed=2)


def test_without_chaos_scenario_files_are_not_collected(pytester: pytest.Pytester):
    pytester.makefile(".chaos.toml", storm=GOOD)
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def _verdicts(path: Path) -> dict:
    report = json.loads(path.read_text())
    return {t["id"]: (t["verdict"], t["fired"], t["journal"]) for t in report["trials"]}


def test_xdist_and_serial_runs_give_identical_verdicts(pytester: pytest.Pytester):
    pytester.makefile(".chaos.toml", storm=GOOD.replace("trials = 2", "trials = 4").replace("attempts = 1", "probability = 0.5"))
    serial = pytester.runpytest_subprocess("--chaos", "--chaos-seed=11", "-p", "no:cacheprovider", "--chaos-report=serial.json")
    parallel = pytester.runpytest_subprocess("--chaos", "--chaos-seed=11", "-p", "no:cacheprovider", "-n", "2", "--chaos-report=parallel.json")
    assert serial.ret == parallel.ret
    assert _verdicts(pytester.path / "serial.json") == _verdicts(pytester.path / "parallel.json")


def test_two_shards_merged_equal_one_unsharded_run(pytester: pytest.Pytester):
    pytester.makefile(".chaos.toml", storm=GOOD.replace("trials = 2", "trials = 6"))
    args = ["--chaos", "--chaos-seed=3", "-p", "no:cacheprovider"]
    pytester.runpytest(*args, "--chaos-report=all.json")
    pytester.runpytest(*args, "--chaos-shard=1/2", "--chaos-report=s1.json")
    pytester.runpytest(*args, "--chaos-shard=2/2", "--chaos-report=s2.json")
    from chaos.cli import main

    assert main(["merge", str(pytester.path / "s1.json"), str(pytester.path / "s2.json"), "-o", str(pytester.path / "merged.json")]) == 0
    shard_ids = [set(_verdicts(pytester.path / f"s{i}.json")) for i in (1, 2)]
    assert shard_ids[0] and shard_ids[1] and not shard_ids[0] & shard_ids[1]
    assert json.loads((pytester.path / "merged.json").read_text()) == json.loads((pytester.path / "all.json").read_text())


def test_a_bad_shard_value_is_a_usage_error(pytester: pytest.Pytester):
    result = pytester.runpytest("--chaos", "--chaos-shard=3/2")
    result.stderr.fnmatch_lines(["*--chaos-shard: '3/2' is not I/N with 1 <= I <= N*"])


def test_the_bundled_pack_validates_against_the_editor_schema():
    import tomllib

    import jsonschema

    root = Path(__file__).parents[2]
    schema = json.loads((root / "chaos/scenarios/scenario.schema.json").read_text())
    for f in sorted((root / "scenarios").glob("*.chaos.toml")):
        jsonschema.validate(tomllib.loads(f.read_text()), schema)


def test_the_editor_schema_knows_every_fault_kind_and_key():
    from chaos.scenarios.load import FAULT_KINDS, ROUTE_KEYS, SCENARIO_KEYS

    root = Path(__file__).parents[2]
    schema = json.loads((root / "chaos/scenarios/scenario.schema.json").read_text())
    props = schema["properties"]
    assert set(props["faults"]["items"]["properties"]["kind"]["enum"]) == set(FAULT_KINDS)
    assert set(props["scenario"]["properties"]) == SCENARIO_KEYS
    assert set(props["routes"]["items"]["properties"]) == ROUTE_KEYS
    params = {p for kind in FAULT_KINDS.values() for p in kind.params}
    assert params <= set(props["faults"]["items"]["properties"])
