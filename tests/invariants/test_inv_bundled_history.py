"""The bundled history scenarios (scenarios/fail_then_resume, cache_after_failure): each one's
correct twin is the bundled example, which stays silent with the counts the file promises, and
the same file run on a broken saver or cache trips its invariant.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver

from chaos import Chaos
from chaos.scenarios import load_scenario
from tests.invariants.test_inv_cache_hits import NegativeCache
from tests.invariants.test_inv_exactly_once import DropsSiblingsOnError

PACK = Path(__file__).parents[2] / "scenarios"


def run(name: str, compile_with: dict[str, Any] | None = None) -> Any:
    sc = load_scenario(PACK / f"{name}.chaos.toml")
    module, _attr = sc.target.split(":")
    builder = importlib.import_module(module).build()  # a fresh builder: the bundled one is shared
    graph = builder.compile(**compile_with) if compile_with else builder
    harness = Chaos(seed=3, test_id=f"bundled::{name}")
    for inj in sc.injections:
        harness.injections.append(inj)
    return harness.run(graph, sc.inputs[0], steps=sc.steps, raise_on_violation=False)


def test_fail_then_resume_reruns_only_the_failed_task_of_the_bundled_example():
    result = run("fail_then_resume")
    assert result.violations == [] and result.inconclusive is None
    assert [a.outcome for a in result.attempts("index")] == ["ok"]  # finished before embed failed: kept
    assert [a.outcome for a in result.attempts("embed")] == ["error", "ok"]
    assert result.output["log"][-1] == "published"


def test_fail_then_resume_on_a_saver_that_drops_finished_writes_reruns_the_sibling():
    result = run("fail_then_resume", {"checkpointer": DropsSiblingsOnError()})
    [v] = result.violated("resume_exactly_once")
    assert v.node == "index" and "rerun only the failed and the un-started tasks" in v.message


def test_cache_after_failure_runs_the_body_again_for_the_next_caller():
    result = run("cache_after_failure")
    assert result.violations == [] and result.inconclusive is None
    assert [a.outcome for a in result.attempts("generate")] == ["error", "ok"]  # no cached failure


def test_cache_after_failure_on_a_cache_that_remembers_failures_is_flagged():
    result = run("cache_after_failure", {"checkpointer": InMemorySaver(), "cache": NegativeCache()})
    [v] = result.violated("cache_hits")
    assert v.node == "generate"
    assert "finished the thread without running it again or serving it from the cache" in v.message
