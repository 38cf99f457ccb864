"""error_handler on a Send fan-out: each failed copy gets its own handler run, and that is
not "ran N times for one failure".

Every copy of a node fanned out with ``Send`` fails for good in one superstep; LangGraph runs
the handler once per copy, each with that copy's own exception. The check used to match
handler runs to failures by superstep and node name, so each failure claimed all three
handler runs (a false alarm on the bundled support example: "ran 3 times for one failure",
"received NodeError(...) expected ... its last exception").
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from langgraph.errors import NodeError
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, Send

from chaos import Chaos, faults
from chaos.examples import support
from chaos.invariants.delta_culprit import langgraph_version
from chaos.invariants.handled import FIXED_IN

#: Before 1.2.18 LangGraph re-raises a handled failure of a node that ran next to others (each
#: Send copy runs next to its siblings): `handled_failures` flags it, naming the issues.
REHANDLED = langgraph_version() < FIXED_IN


class S(TypedDict, total=False):
    items: list[str]
    done: Annotated[list[str], operator.add]
    notes: Annotated[list[str], operator.add]


def plan(state: S) -> dict[str, Any]:
    return {"items": ["a", "b", "c"]}


def fan_out(state: S) -> list[Send]:
    return [Send("work", {"item": i}) for i in state["items"]]


async def work(task: dict[str, str]) -> dict[str, Any]:
    return {"done": [task["item"]]}


async def fallback(state: S, error: NodeError) -> Command[str]:
    return Command(goto=END, update={"notes": [f"{error.node} failed: {error.error}"]})


def fanned() -> Any:
    g = StateGraph(S)
    g.add_node("plan", plan)
    g.add_node("work", work, error_handler=fallback)  # type: ignore[arg-type]  # a Send target and a NodeError handler
    g.add_edge(START, "plan")
    g.add_conditional_edges("plan", fan_out, ["work"])
    g.add_edge("work", END)
    return g


def test_every_send_copy_failing_gets_its_own_handler_run_and_no_violation() -> None:
    harness = Chaos(5, "send-handlers")
    harness.inject(faults.exception(), node="work")
    result = harness.run(fanned(), {}, raise_on_violation=False)
    failed = [a for a in result.attempts("work") if a.outcome == "error"]
    handlers = result.attempts("__error_handler__work")
    assert len(failed) == len(handlers) == 3
    # Each handler run got one copy's own exception object.
    assert {id(h.node_error.error) for h in handlers} == {id(a.exc) for a in failed}
    assert result.violated("error_handler") == []
    if REHANDLED:
        assert result.journal.outcome == "error"
        assert all("langchain-ai/langgraph#8277/#8608" in v.message for v in result.violated("handled_failures"))
    else:
        assert result.journal.outcome == "ok"
    harness.close()


def test_the_support_example_degrades_when_every_search_copy_fails() -> None:
    harness = Chaos(1, "support-send-handlers")
    harness.inject(faults.exception(), node="search", attempts=[1])
    result = harness.run(support.builder, support.example_input, raise_on_violation=False)
    if REHANDLED:
        assert result.violated("handled_failures") and all(
            v.invariant == "handled_failures" and "langchain-ai/langgraph#8277/#8608" in v.message
            for v in result.violations)
        harness.close()
        return
    assert result.violations == []
    assert result.journal.outcome == "ok"  # the answer channel takes the three handlers' answers
    harness.close()
