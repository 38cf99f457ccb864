"""interrupts_answered: an interrupt answered with Command(resume=...) is never asked again."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Annotated, Any, TypedDict

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import RetryPolicy, interrupt

from chaos import Chaos
from chaos.engine import Invoke, Resume
from chaos.invariants.delta_culprit import langgraph_version


class S(TypedDict, total=False):
    log: Annotated[list[str], operator.add]


def approval(answers: list[Any], *, fail_once_after_answer: bool, retry: bool) -> StateGraph:
    async def ask(state: S) -> dict[str, Any]:
        answer = interrupt("approve the refund?")
        answers.append(answer)
        if fail_once_after_answer and len(answers) == 1:
            raise ConnectionError("the refund service dropped the connection")
        return {"log": [f"answer={answer}"]}

    g = StateGraph(S)
    policy = RetryPolicy(max_attempts=3, initial_interval=1, jitter=False, retry_on=ConnectionError) if retry else None
    g.add_node("ask", ask, retry_policy=policy)
    g.add_edge(START, "ask")
    g.add_edge("ask", END)
    return g


class DropsResumeWrites(InMemorySaver):
    """Broken: does not store the answer (LangGraph's __resume__ write) of an interrupt."""

    def put_writes(self, config: Any, writes: Sequence[tuple[str, Any]], task_id: str, task_path: str = "") -> None:
        kept = [(c, v) for c, v in writes if c != "__resume__"]
        if kept:
            super().put_writes(config, kept, task_id, task_path)


ANSWER_FAIL_RESUME = [Invoke(), Resume("yes"), Resume(), Resume("yes again")]


def test_an_answer_the_saver_lost_makes_the_interrupt_ask_again_and_it_fires(harness: Chaos):
    answers: list[Any] = []
    g = approval(answers, fail_once_after_answer=True, retry=False).compile(checkpointer=DropsResumeWrites())
    result = harness.run(g, {}, steps=ANSWER_FAIL_RESUME, baseline=False, raise_on_violation=False)
    [v] = result.violated("interrupts_answered")
    assert "step 2 (resume) stopped at interrupt " in v.message
    assert "('approve the refund?') again, although step 1 answered it (resume with Command(resume='yes'))" in v.message


def test_a_node_that_fails_after_the_answer_and_is_resumed_gets_the_answer_back(harness: Chaos):
    answers: list[Any] = []
    g = approval(answers, fail_once_after_answer=True, retry=False).compile(checkpointer=InMemorySaver())
    result = harness.run(g, {}, steps=ANSWER_FAIL_RESUME, baseline=False, raise_on_violation=False)
    assert answers == ["yes", "yes"]  # the rerun saw the same answer, nobody was asked twice
    assert "interrupts_answered" in result.checked and result.violated("interrupts_answered") == []


def test_a_node_retried_after_the_answer_is_asked_again_only_before_langgraph_1_2_20(harness: Chaos):
    answers: list[Any] = []
    g = approval(answers, fail_once_after_answer=True, retry=True)
    result = harness.run(g, {}, steps=[Invoke(), Resume("yes")], baseline=False, raise_on_violation=False)
    found = result.violated("interrupts_answered")
    if langgraph_version() >= (1, 2, 20):  # the retry resets the interrupt counter: answer replayed
        assert answers == ["yes", "yes"]
        assert found == []
    else:  # the retried node's interrupt() ran past the answers it had and asked again
        assert answers == ["yes"]
        [v] = found
        assert "step 1 (resume) stopped at interrupt " in v.message and "although step 1 answered it" in v.message
        assert "langgraph < 1.2.20" in v.message


def test_resuming_without_an_answer_may_ask_again(harness: Chaos):
    answers: list[Any] = []
    g = approval(answers, fail_once_after_answer=False, retry=False)
    result = harness.run(g, {}, steps=[Invoke(), Resume(), Resume("yes")], baseline=False, raise_on_violation=False)
    assert [s.outcome for s in result.journal.steps] == ["interrupted", "interrupted", "ok"]
    assert result.violated("interrupts_answered") == []
