"""``pytest --chaos`` on a Functional-API entrypoint: the suite's faults land in its tasks."""

from __future__ import annotations

import pytest

PIPELINE = '''
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.func import entrypoint, task
from langgraph.types import RetryPolicy, TimeoutPolicy


@task(retry_policy=RetryPolicy(max_attempts=3, jitter=False), timeout=TimeoutPolicy(run_timeout=30))
async def fetch(query: str) -> str:
    return "data for " + query


@entrypoint(checkpointer=InMemorySaver())
async def pipeline(query: str) -> dict:
    return {"data": await fetch(query)}
'''


def test_the_suite_aims_at_an_entrypoints_tasks(pytester: pytest.Pytester) -> None:
    from chaos.inject import instrument
    from chaos.suite import eligible_nodes, reachable_sites

    module = pytester.makepyfile(pipeline=PIPELINE)
    pytester.syspathinsert()
    import importlib

    pipeline = importlib.import_module(module.stem).pipeline
    inst = instrument(pipeline)
    assert [n.site for n in eligible_nodes(inst, "exception")] == ["pipeline", "fetch"]
    assert reachable_sites(inst, "q") == {"pipeline", "fetch"}


def test_pytest_chaos_runs_the_suite_on_an_entrypoint(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(pipeline=PIPELINE)
    result = pytester.runpytest("--chaos", "--chaos-target=pipeline:pipeline", "--chaos-input=\"q\"",
                                "--chaos-seed=3", "-k", "raise_status_503 or exception or delay")
    outcomes = {k: v for k, v in result.parseoutcomes().items() if k not in ("deselected", "warnings")}
    assert outcomes == {"passed": 3}, result.stdout.str()


def test_the_fixture_runs_an_entrypoint(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(pipeline=PIPELINE)
    pytester.makepyfile(test_pipeline='''
from chaos import faults
from pipeline import pipeline


def test_a_5xx_in_a_task_is_retried(chaos):
    chaos.inject(faults.raise_status(503), node="fetch", attempts=[1])
    result = chaos.run(pipeline, "q")
    assert [a.outcome for a in result.attempts("fetch")] == ["error", "ok"]
''')
    result = pytester.runpytest("--chaos", "test_pipeline.py")
    result.assert_outcomes(passed=1)
