"""The history invariants (items 1-6 of issue 17) judged from the chaos state machine's rules.

Each test drives `ChaosMachine` rules by hand on a broken twin and expects the machine's
invariant to fail with that invariant's name (the same graphs' correct twins are in the
invariant's own test module).
"""

from __future__ import annotations

from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import TimeoutPolicy

from chaos import faults
from chaos.invariants.breakpoints import DRAIN_FIXED_IN
from chaos.invariants.delta_culprit import langgraph_version
from chaos.stateful import ChaosMachine, MachineViolation
from tests.invariants import test_inv_breakpoints as bp
from tests.invariants import test_inv_cache_hits as ch
from tests.invariants import test_inv_cancellation as cn
from tests.invariants import test_inv_exactly_once as eo
from tests.invariants import test_inv_handler_contract as hc
from tests.invariants import test_inv_partial_streamed as ps


@pytest.fixture(autouse=True)
def _notes_outside_hypothesis(monkeypatch: pytest.MonkeyPatch) -> None:
    # Rules are called by hand here, outside a hypothesis run, where note() is refused.
    monkeypatch.setattr("chaos.stateful.note", lambda text: None)


def machine(graph: Any, input: Any = None, disable: tuple[str, ...] = ("faults_fired",)) -> ChaosMachine:
    cls = type("HistoryMachine", (ChaosMachine,), {"graph": graph, "input": input or {}, "disable": disable})
    m: ChaosMachine = cls()
    return m


def test_the_machine_flags_a_handler_that_outlives_its_default_timeout():
    m = machine(hc.timed(True))
    m.inject(faults.exception(ConnectionError("down")), "fetch", None)
    m.inject(faults.hang(), "__error_handler__fetch", None)
    m.invoke()
    with pytest.raises(MachineViolation, match=r"error_handler.*langchain-ai/langgraph#8842"):
        m.chaos_invariants_hold()


def test_the_machine_flags_a_finished_sibling_that_reruns_on_resume():
    m = machine(eo.fan_out(eo.DropsSiblingsOnError()))
    m.inject(faults.exception(ConnectionError("smtp down")), "notify", [1])
    m.invoke()
    assert m.status == "error"
    m.resume()
    with pytest.raises(MachineViolation, match="resume_exactly_once"):
        m.chaos_invariants_hold()


def test_the_machine_judges_a_breakpoint_across_its_drain_and_resume_rules():
    # The machine's baseline is one invoke, which stops at the breakpoint: no steady state to compare.
    m = machine(bp.refund(InMemorySaver(), interrupt_before=["approve"]), disable=("faults_fired", "steady_state"))
    m.drain(at="fetch")
    m.resume()
    if langgraph_version() >= DRAIN_FIXED_IN:
        m.chaos_invariants_hold()  # paused at the breakpoint, resumed past it: silent
    else:
        with pytest.raises(MachineViolation, match=r"breakpoints.*fixed in langgraph 1\.2\.15"):
            m.chaos_invariants_hold()


def test_the_machine_flags_a_node_that_swallows_its_cancellation():
    m = machine(cn.chain(cn.swallows, timeout=TimeoutPolicy(run_timeout=5)))
    m.invoke()
    with pytest.raises(MachineViolation, match="cancellation"):
        m.chaos_invariants_hold()


def test_the_machine_flags_a_cache_that_serves_a_failure_to_a_later_run():
    m = machine(ch.quotes(ch.NegativeCache(), sync=False), {"symbol": "ACME"})
    m.inject(faults.exception(ConnectionError("pricing down")), "quote", [1])
    m.invoke()
    m.chaos_invariants_hold()  # the failure was handled: nothing wrong yet
    m.invoke()
    with pytest.raises(MachineViolation, match="cache_hits"):
        m.chaos_invariants_hold()


def test_the_machine_flags_writes_a_failed_attempt_left_behind():
    m = machine(ps.exporter(command_write=True))
    m.invoke()
    with pytest.raises(MachineViolation, match="no_partial_writes"):
        m.chaos_invariants_hold()


@pytest.mark.parametrize("saver", ["drops_answers", "in_memory"])
def test_the_machine_answers_an_interrupt_fails_after_the_answer_and_judges_the_resume(saver: str):
    from tests.invariants import test_inv_interrupts as ia

    answers: list[Any] = []
    checkpointer = ia.DropsResumeWrites() if saver == "drops_answers" else InMemorySaver()
    graph = ia.approval(answers, fail_once_after_answer=False, retry=False).compile(checkpointer=checkpointer)
    # The baseline is one invoke, which stops at the interrupt: no steady state to compare.
    m = machine(graph, disable=("faults_fired", "steady_state"))
    m.invoke()
    assert m.status == "interrupted"
    m.chaos_invariants_hold()
    m.fail_after_answer("ask", 1)
    m.answer("yes")
    assert m.status == "error" and answers == []  # interrupt() recorded the answer, then the node failed
    m.chaos_invariants_hold()
    m.resume()
    if saver == "drops_answers":  # the answer is gone: the resume asks the same question again
        assert m.status == "interrupted"
        with pytest.raises(MachineViolation, match=r"interrupts_answered.*'approve the refund\?'\) again"):
            m.chaos_invariants_hold()
    else:  # the resume replays the answer: nobody is asked twice
        assert m.status == "ok" and answers == ["yes"]
        m.chaos_invariants_hold()
