"""The harness's reference model of RetryPolicy (chaos.invariants.retry_model) against LangGraph.

Generated policies (one, or an ordered list) and generated exception sequences; the exceptions
are injected as faults on attempts 1..k of one tiny graph instrumented once, whose graph-level
retry policy is swapped per example (LangGraph reads ``task.retry_policy or graph.retry_policy``
at run time). Each example is one run on simulated time: a few ms.
"""

from __future__ import annotations

import time

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st
from langgraph.graph import END, START, StateGraph
from langgraph.types import RetryPolicy
from typing_extensions import TypedDict

from chaos import faults
from chaos.faults import Injection
from chaos.invariants.retry_model import expected_schedule, normalize
from chaos.strategies import FaultPlan, instrumented, retry_policies, run_plan


class Flaky(Exception):
    """A user's own exception type."""


def _http(status: int) -> httpx.HTTPStatusError:
    return faults.raise_status(status).make()


#: Exceptions a node may raise, by a short readable name (shrinks toward the first).
ERRORS = {
    "ValueError": lambda: ValueError("bad"),
    "ConnectionError": lambda: ConnectionError("reset"),
    "http503": lambda: _http(503),
    "http429": lambda: _http(429),
    "ConnectError": lambda: faults.raise_connect_error().make(),
    "KeyError": lambda: KeyError("k"),
    "Flaky": lambda: Flaky("flaky"),
    "TimeoutError": lambda: TimeoutError("os-level timeout"),
}
RETRY_ON = [
    RetryPolicy().retry_on,
    Exception,
    ConnectionError,
    (ValueError, KeyError),
    Flaky,
    lambda e: isinstance(e, httpx.HTTPStatusError) and e.response.status_code == 429,
    lambda e: isinstance(e, httpx.HTTPError),
]
POLICY = retry_policies(max_attempts=(1, 4), initial_interval=(0.0, 4.0), backoff_factor=(1.0, 3.0),
                        max_interval=(0.0, 10.0), retry_on=RETRY_ON)


class S(TypedDict, total=False):
    n: int


async def flaky(state: S) -> dict[str, int]:
    return {"n": 1}


def _graph() -> StateGraph:
    g = StateGraph(S)
    g.add_node("flaky", flaky)
    g.add_edge(START, "flaky")
    g.add_edge("flaky", END)
    return g


# Compiled without a checkpointer: the retry loop is all this test is about, and it is faster.
GRAPH = _graph().compile()


def check_against_langgraph(pols: RetryPolicy | list[RetryPolicy] | None, script: list[str]) -> None:
    excs = [ERRORS[name]() for name in script]
    expected = expected_schedule(pols, [*excs, None])
    inst = instrumented(GRAPH)
    inst.graph.retry_policy = normalize(pols)
    plan = FaultPlan(Injection.of(faults.exception(e), "flaky", [k]) for k, e in enumerate(excs, 1))
    result = run_plan(inst, {}, plan, baseline=False, raise_on_violation=False)
    attempts = result.attempts("flaky")
    assert len(attempts) == expected.attempts, (expected, [(a.attempt, a.outcome, a.error) for a in attempts])
    if expected.outcome == "ok":
        assert result.journal.outcome == "ok" and attempts[-1].outcome == "ok"
    else:
        assert result.journal.error == type(excs[expected.attempts - 1]).__name__
    for step, rec, nxt in zip(expected.steps, attempts, attempts[1:]):
        gap = nxt.start - rec.end
        # Jitter is uniform(0, 1) from the trial's seeded generator: [min, min + 1).
        assert step.min_sleep - 1e-6 <= gap < max(step.max_sleep, step.min_sleep + 1e-6) + 1e-6, (step, gap)
    # The harness's own checker, which uses the same model, agrees with LangGraph too.
    assert result.violated("retry_schedule") == []


policies = st.one_of(st.none(), POLICY, st.lists(POLICY, min_size=1, max_size=3))
scripts = st.lists(st.sampled_from(sorted(ERRORS)), max_size=5)


@settings(max_examples=500, deadline=None, derandomize=True, database=None)
@given(pols=policies, script=scripts)
def test_the_reference_model_predicts_langgraph_over_500_examples(pols, script):
    check_against_langgraph(pols, script)


def test_the_shared_counter_case_from_the_design_notes():
    # 429 then 503 then 503 with [P429(max 2), P5xx(max 3)]: three calls, raises the 503.
    p429 = RetryPolicy(initial_interval=1, max_attempts=2, jitter=False, retry_on=RETRY_ON[5])
    p5xx = RetryPolicy(initial_interval=10, max_attempts=3, jitter=False, retry_on=lambda e: isinstance(e, httpx.HTTPStatusError))
    check_against_langgraph([p429, p5xx], ["http429", "http503", "http503"])


def test_examples_per_second_of_the_model_property_is_printed(capsys):
    n = 50
    ex = [(RetryPolicy(initial_interval=1, max_attempts=3, jitter=True, retry_on=Exception), ["ValueError", "Flaky"])] * n
    wall, cpu = time.perf_counter(), time.process_time()
    for pols, script in ex:
        check_against_langgraph(pols, script)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    with capsys.disabled():
        print(f"\n[retry model] {n} examples: {wall * 1000 / n:.1f} ms wall, {cpu * 1000 / n:.1f} ms CPU "
              f"per example ({n / wall:.0f} examples/s wall)")
