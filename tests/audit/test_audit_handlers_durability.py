"""LGC401-LGC402 (error handlers) and LGC501-LGC503 (durability and resume)."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.errors import NodeError
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import Command, TimeoutPolicy

from chaos import Chaos, faults
from chaos.audit import audit
from tests.audit.helpers import S, codes

T = TimeoutPolicy(run_timeout=30)


async def fetch(state: S) -> dict[str, Any]:
    return {"log": ["fetched"]}


async def summarize(state: S) -> dict[str, Any]:
    return {"log": ["summarized"]}


async def total_handler(state: S, error: NodeError) -> Command:
    return Command(goto="summarize", update={"log": [f"fallback after {error.node}"]})


async def fragile_handler(state: S, error: NodeError) -> Command:
    return Command(goto="summarize", update={"log": [state["result"]]})  # KeyError: never written


async def propagating_handler(state: S, error: NodeError) -> Command:
    raise error.error  # deliberate: "not mine to handle"


def handled(handler: Any, *, defaults: bool = True) -> StateGraph:
    g = StateGraph(S)
    if defaults:
        g.set_node_defaults(timeout=T)
    g.add_node("fetch", fetch, error_handler=handler, timeout=T)
    g.add_node("summarize", summarize, timeout=T)
    g.add_edge(START, "fetch")
    g.add_edge("fetch", "summarize")
    g.add_edge("summarize", END)
    return g


# -- LGC401 ----------------------------------------------------------------------------------


def test_a_handler_no_timeout_reaches_is_reported() -> None:
    assert codes(audit(handled(total_handler, defaults=False))) == [("LGC401", "__error_handler__fetch")]


def test_node_defaults_give_the_handler_a_timeout() -> None:
    assert audit(handled(total_handler)) == []


def test_a_hanging_handler_without_timeout_hangs_the_run(harness: Chaos) -> None:
    harness.inject(faults.exception(RuntimeError), node="fetch")
    harness.inject(faults.hang(), node="__error_handler__fetch")
    result = harness.run(handled(total_handler, defaults=False), {}, baseline=False, raise_on_violation=False)
    assert "liveness" in [v.invariant for v in result.violations]


# -- LGC402 ----------------------------------------------------------------------------------


def test_a_handler_that_raises_on_a_real_node_error_is_an_error() -> None:
    [finding] = audit(handled(fragile_handler))
    assert (finding.code, finding.location) == ("LGC402", "__error_handler__fetch")
    assert "KeyError" in finding.message


def test_a_total_handler_and_a_deliberately_propagating_one_are_not_reported() -> None:
    assert audit(handled(total_handler)) == []
    assert audit(handled(propagating_handler)) == []


# -- LGC501 / LGC502 -------------------------------------------------------------------------


class L(TypedDict, total=False):
    log: Annotated[list[str], operator.add]
    saw: list[bool]


def crash_point_graph(saver: InMemorySaver) -> Any:
    """a -> b; b records whether a crash right now would leave a checkpoint to resume from."""

    def a(state: L) -> dict[str, Any]:
        return {"log": ["a"]}

    def b(state: L, runtime: Runtime) -> dict[str, Any]:
        return {"saw": [saver.get_tuple({"configurable": {"thread_id": "t"}}) is not None]}

    g = StateGraph(L)
    g.add_node("a", a)
    g.add_node("b", b)
    g.add_edge(START, "a")
    g.add_edge("a", "b")
    g.add_edge("b", END)
    return g.compile(checkpointer=saver)


def test_exit_durability_with_crashes_is_an_error_and_sync_durability_is_not() -> None:
    graph = handled(total_handler)
    assert codes(audit(graph, durability="exit", scenarios={"crash"}, probes=False)) == [("LGC501", "graph")]
    assert audit(graph, durability="sync", scenarios={"crash"}, probes=False) == []
    assert audit(graph, durability="exit", probes=False) == []  # no crash in this deployment


def test_exit_durability_is_read_from_the_compiled_graphs_config() -> None:
    compiled = handled(total_handler).compile().with_config(configurable={"__pregel_durability": "exit"})
    assert codes(audit(compiled, scenarios={"crash"}, probes=False)) == [("LGC501", "graph")]


def test_mid_run_there_is_no_checkpoint_under_exit_durability() -> None:
    cfg = {"configurable": {"thread_id": "t"}}
    for durability, expected in (("exit", [False]), ("sync", [True])):
        graph = crash_point_graph(InMemorySaver())
        assert graph.invoke({"log": []}, cfg, durability=durability)["saw"] == expected


def test_exit_durability_with_drains_is_a_warning() -> None:
    [finding] = audit(handled(total_handler), durability="exit", scenarios={"drain"}, probes=False)
    assert (finding.code, finding.severity) == ("LGC502", "warning")
    assert audit(handled(total_handler), durability="async", scenarios={"drain"}, probes=False) == []


# -- LGC503 ----------------------------------------------------------------------------------


def test_resuming_with_a_checkpoint_id_is_an_error() -> None:
    resume = {"configurable": {"thread_id": "t", "checkpoint_id": "1f0-abc"}}
    assert codes(audit(handled(total_handler), resume_config=resume, probes=False)) == [("LGC503", "graph")]
    fixed = {"configurable": {"thread_id": "t"}}
    assert audit(handled(total_handler), resume_config=fixed, probes=False) == []
