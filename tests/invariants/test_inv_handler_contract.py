"""The error handler's contract across drives, resumes and timeouts (error_handler, handled_failures).

- handled in every drive, also next to a parallel sibling (langgraph < 1.2.18 re-raised it);
- the handler receives the original exception (type and attributes), also when it is resumed
  from a checkpoint after an ``interrupt()`` (every release tested hands it the repr instead);
- the handler is bounded by the TimeoutPolicy ``set_node_defaults`` gives it (every release
  tested ignores it: langchain-ai/langgraph#8842), checked with a hang injected into it.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.errors import NodeError
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, TimeoutPolicy, interrupt

from chaos import Chaos, faults
from chaos.engine import Invoke, Resume
from chaos.invariants.delta_culprit import langgraph_version
from chaos.invariants.handled import FIXED_IN
from tests.invariants.test_inv_handled import ASYNC_DRIVES, SYNC_DRIVES, _run


class S(TypedDict, total=False):
    log: Annotated[list[str], operator.add]


class QuotaError(Exception):
    """An exception with an attribute a handler branches on."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


@pytest.mark.parametrize("drive", ASYNC_DRIVES + SYNC_DRIVES)
def test_a_handled_failure_next_to_a_parallel_sibling_in_every_drive(harness: Chaos, drive: str):
    result = _run(harness, drive, parallel=True)
    found = result.violated("handled_failures")
    if langgraph_version() >= FIXED_IN:
        assert found == [] and result.journal.error is None
        [handler] = [a for a in result.journal.attempts if a.node == "__error_handler__fetch"]  # once
        assert handler.node_error.error is result.attempts("fetch")[-1].exc
    else:
        [v] = found
        assert "langchain-ai/langgraph#8277/#8608" in v.message


def asking_handler(seen: list[Any], *, sync: bool = False) -> StateGraph:
    """fetch fails; its handler asks a human (interrupt) whether to fall back, then routes.

    ``sync=True``: a sync handler (run on a thread even when the graph is driven async)."""

    async def fetch(state: S) -> dict[str, Any]:
        return {"log": ["fetch"]}

    async def fallback(state: S) -> dict[str, Any]:
        return {"log": ["fallback"]}

    def recover_sync(state: S, error: NodeError) -> Command:
        seen.append(error.error)
        choice = interrupt(f"{error.node} failed: retry or fall back?")
        return Command(goto="fallback", update={"log": [f"handled: {choice}"]})

    async def recover(state: S, error: NodeError) -> Command:
        return recover_sync(state, error)

    g = StateGraph(S)
    g.add_node("fetch", fetch, error_handler=recover_sync if sync else recover)
    g.add_node("fallback", fallback)
    g.add_edge(START, "fetch")
    g.add_edge("fetch", END)
    g.add_edge("fallback", END)
    return g


@pytest.mark.parametrize("sync", [False, True], ids=["async_handler", "sync_handler"])
def test_a_handler_resumed_from_a_checkpoint_gets_the_repr_not_the_exception_and_it_fires(harness: Chaos, sync: bool):
    seen: list[Any] = []
    harness.inject(faults.exception(QuotaError("quota exceeded", 429)), node="fetch")
    result = harness.run(asking_handler(seen, sync=sync).compile(checkpointer=InMemorySaver()), {},
                         steps=[Invoke(), Resume("fall back")], raise_on_violation=False)
    assert isinstance(seen[0], QuotaError) and seen[0].code == 429
    [v] = result.violated("error_handler")  # one handler run, continued: not "ran 2 times"
    assert v.task == "__error_handler__fetch#2"
    assert "rerun when the thread was resumed (run step 1), received NodeError(node='fetch', " \
           "error=\"QuotaError('quota exceeded')\") of type str" in v.message
    assert "the node raised QuotaError with attributes {'args': \"('quota exceeded',)\", 'code': '429'}" in v.message


def test_a_handler_that_is_not_resumed_gets_the_original_exception_and_is_silent(harness: Chaos):
    seen: list[Any] = []
    harness.inject(faults.exception(QuotaError("quota exceeded", 429)), node="fetch")
    result = harness.run(asking_handler(seen).compile(checkpointer=InMemorySaver()), {},
                         steps=[Invoke()], raise_on_violation=False)
    assert seen[0] is result.attempts("fetch")[-1].exc
    assert result.violated("error_handler") == [] and result.journal.steps[0].outcome == "interrupted"


def timed(defaults: bool) -> StateGraph:
    async def fetch(state: S) -> dict[str, Any]:
        return {"log": ["fetch"]}

    async def fallback(state: S) -> dict[str, Any]:
        return {"log": ["fallback"]}

    async def recover(state: S, error: NodeError) -> Command:
        return Command(goto="fallback", update={"log": ["handled"]})

    g = StateGraph(S)
    policy = TimeoutPolicy(run_timeout=5)
    if defaults:
        g.set_node_defaults(timeout=policy)
        g.add_node("fetch", fetch, error_handler=recover)
    else:
        g.add_node("fetch", fetch, error_handler=recover, timeout=policy)
    g.add_node("fallback", fallback)
    g.add_edge(START, "fetch")
    g.add_edge("fetch", END)
    g.add_edge("fallback", END)
    return g


def _hang_in_handler(harness: Chaos, defaults: bool, fault: Any) -> Any:
    harness.inject(faults.exception(ConnectionError("down")), node="fetch")
    harness.inject(fault, node="__error_handler__fetch")
    return harness.run(timed(defaults), {}, raise_on_violation=False)


def test_a_hang_in_a_handler_past_its_default_timeout_makes_it_fire_naming_the_langgraph_issue(harness: Chaos):
    result = _hang_in_handler(harness, True, faults.hang())
    [v] = result.violated("error_handler")
    assert v.node == "__error_handler__fetch"
    assert "has TimeoutPolicy(run_timeout=5.0, idle_timeout=None) (set_node_defaults applies it to handlers)" in v.message
    assert "langchain-ai/langgraph#8842" in v.message
    assert result.violated("liveness")  # the run never ended


def test_a_handler_slower_than_nothing_but_within_its_timeout_is_silent(harness: Chaos):
    result = _hang_in_handler(harness, True, faults.delay(3))
    assert result.journal.error is None and result.output["log"] == ["handled", "fallback"]
    assert result.violated("error_handler") == [] and result.violated("liveness") == []


def test_a_hang_in_a_handler_whose_node_has_its_own_timeout_says_the_handler_needs_its_own(harness: Chaos):
    result = _hang_in_handler(harness, False, faults.hang())
    [v] = result.violated("liveness")
    assert "An error handler does not inherit its node's timeout=; set_node_defaults(timeout=" in v.message
    assert "add_node('__error_handler__fetch'" not in v.message
