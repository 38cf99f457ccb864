"""interrupts_answered with the fault position "after the k-th interrupt returned".

``inject(fault, node, after_interrupt=k)`` raises the fault as the attempt's k-th ``interrupt()``
returns its answer: the node fails after the user answered. A retry (langgraph < 1.2.20
re-asks), a saver that loses the answer (asks again) trip it; a correct saver and langgraph
>= 1.2.20 replay the answer.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import RetryPolicy, interrupt

from chaos import Chaos, faults
from chaos.engine import Invoke, Resume
from chaos.errors import ChaosUsageError
from chaos.faults import Injection
from chaos.invariants.delta_culprit import langgraph_version
from tests.invariants.test_inv_interrupts import DropsResumeWrites


class S(TypedDict, total=False):
    log: Annotated[list[str], operator.add]


def two_questions(answers: list[Any], *, retry: bool) -> StateGraph:
    """One node that asks twice (amount, then approval) and records what it was told."""

    async def ask(state: S) -> dict[str, Any]:
        amount = interrupt("how much?")
        answers.append(amount)
        ok = interrupt(f"refund {amount}?")
        answers.append(ok)
        return {"log": [f"refund {amount}: {ok}"]}

    g = StateGraph(S)
    policy = RetryPolicy(max_attempts=2, initial_interval=1, jitter=False, retry_on=ConnectionError) if retry else None
    g.add_node("ask", ask, retry_policy=policy)
    g.add_edge(START, "ask")
    g.add_edge("ask", END)
    return g


STEPS = [Invoke(), Resume("10"), Resume("yes"), Resume(), Resume("yes again")]


def _run(harness: Chaos, graph: Any, k: int) -> Any:
    harness.inject(faults.exception(ConnectionError("refund service dropped")), node="ask", after_interrupt=k, times=1)
    return harness.run(graph, {}, steps=STEPS, baseline=False, raise_on_violation=False)


def test_the_fault_fires_as_the_kth_interrupt_returns_and_the_answer_is_kept(harness: Chaos):
    answers: list[Any] = []
    result = _run(harness, two_questions(answers, retry=False).compile(checkpointer=InMemorySaver()), 2)
    failed = [a for a in result.attempts("ask") if a.outcome == "error"]
    [f] = failed
    assert f.fault == "exception ConnectionError(refund service dropped) after interrupt 2" and f.invocation == 2
    assert answers == ["10", "10", "10", "yes"]  # the resume after the failure got both answers back
    assert result.violated("interrupts_answered") == [] and result.violated("faults_fired") == []


def test_a_saver_that_loses_the_answer_after_the_failure_asks_again_and_it_fires(harness: Chaos):
    answers: list[Any] = []
    result = _run(harness, two_questions(answers, retry=False).compile(checkpointer=DropsResumeWrites()), 1)
    [v, *_] = result.violated("interrupts_answered")
    assert "('how much?') again, although step 1 answered it" in v.message


def test_a_retry_right_after_the_answer_re_asks_only_before_langgraph_1_2_20(harness: Chaos):
    answers: list[Any] = []
    harness.inject(faults.exception(ConnectionError("refund service dropped")), node="ask", after_interrupt=1, times=1)
    result = harness.run(two_questions(answers, retry=True), {}, steps=[Invoke(), Resume("10"), Resume("yes")],
                         baseline=False, raise_on_violation=False)
    found = result.violated("interrupts_answered")
    if langgraph_version() >= (1, 2, 20):
        assert found == [] and result.output["log"] == ["refund 10: yes"]
    else:
        [v] = found
        assert "('how much?') again, although step 1 answered it" in v.message and "langgraph < 1.2.20" in v.message


def test_after_interrupt_takes_a_positive_number_and_an_exception_fault():
    with pytest.raises(ChaosUsageError, match=r"after_interrupt=0: give the 1-based number"):
        Injection.of(faults.exception(), "ask", after_interrupt=0)
    with pytest.raises(ChaosUsageError, match="only a raised exception can follow an answer"):
        Injection.of(faults.hang(), "ask", after_interrupt=1)
    assert Injection.of(faults.exception(), "ask", after_interrupt=2).label.endswith("-> ask after interrupt 2")
