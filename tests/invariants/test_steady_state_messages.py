"""``steady_state`` on message state and volatile values, on real LangGraph with real ChatOpenAI.

Correct twins (a recovered ``add_messages`` graph whose ids are minted per run; a state with a
uuid) stay silent; broken twins (a message duplicated, a message lost) trip it and say which.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, TypedDict

import pytest
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.types import RetryPolicy

from chaos import Chaos, faults
from chaos.http import faults as http_faults
from chaos.engine import baseline as memo
from chaos.invariants.steady_state import canonical, describe_diff
from tests.sdk.models import openai_model, route_models

RETRY = RetryPolicy(initial_interval=1.0, jitter=False, max_attempts=3)


class Chat(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    request_id: str


LLM = openai_model()


async def answer(state: Chat) -> dict[str, Any]:
    return {"messages": [await LLM.ainvoke(state["messages"])]}


def chat_graph(node: Any = answer) -> StateGraph[Any, Any, Any, Any]:
    g: StateGraph[Any, Any, Any, Any] = StateGraph(Chat)
    g.add_node("answer", node, retry_policy=RETRY)
    g.add_edge(START, "answer")
    g.add_edge("answer", END)
    return g


@pytest.fixture
def chaos(harness: Chaos) -> Chaos:
    route_models(harness.http)
    return harness


def test_a_recovered_chat_graph_is_in_steady_state_though_every_run_mints_new_message_ids(chaos: Chaos) -> None:
    chaos.inject(http_faults.status(503), node="answer", attempts=[1])
    result = chaos.run(chat_graph(), {"messages": [HumanMessage("How do I rotate keys?")]})
    assert result.verdict == "pass"
    base_ids = [m.id for m in result.baseline.final_state["messages"]]  # type: ignore[union-attr]
    assert base_ids != [m.id for m in result.output["messages"]]  # minted per run: renamed, not different


BUFFERS: dict[str, list[AIMessage]] = {}


def outbox(config: RunnableConfig) -> list[AIMessage]:
    return BUFFERS.setdefault(config["configurable"]["thread_id"], [])


async def buffered_answer(state: Chat, config: RunnableConfig) -> dict[str, Any]:
    # Broken: an outbox that survives the failed attempt, so the retry sends it all again.
    box = outbox(config)
    box.append(AIMessage("Rotate keys in Settings.", id=str(uuid.uuid4())))
    return {"messages": list(box)}


def test_a_message_duplicated_by_a_retry_is_a_difference(chaos: Chaos) -> None:
    chaos.inject(faults.lost_result(), node="answer", attempts=[1])
    result = chaos.run(chat_graph(buffered_answer), {"messages": [HumanMessage("q")]}, raise_on_violation=False)
    [v] = result.violated("steady_state")
    assert "messages: 2 messages expected, 3 got: duplicated ai message 'Rotate keys in Settings.'" in v.message


DONE: set[str] = set()


async def skip_if_seen(state: Chat, config: RunnableConfig) -> dict[str, Any]:
    # Broken: marks the work done before it is delivered, so the retry returns nothing.
    key = config["configurable"]["thread_id"]
    if key in DONE:
        return {}
    DONE.add(key)
    return {"messages": [AIMessage("Rotate keys in Settings.")]}


def test_a_message_lost_by_a_retry_is_a_difference(chaos: Chaos) -> None:
    chaos.inject(faults.lost_result(), node="answer", attempts=[1])
    result = chaos.run(chat_graph(skip_if_seen), {"messages": [HumanMessage("q")]}, raise_on_violation=False)
    [v] = result.violated("steady_state")
    assert "2 messages expected, 1 got: lost ai message 'Rotate keys in Settings.'" in v.message


async def tagged(state: Chat) -> dict[str, Any]:
    return {"messages": [AIMessage("ok")], "request_id": str(uuid.uuid4())}


def test_a_value_two_fault_free_runs_disagree_on_is_found_by_experiment_and_compared_by_type(chaos: Chaos) -> None:
    chaos.inject(faults.exception(Blip), node="answer", attempts=[1])
    result = chaos.run(chat_graph(tagged), {"messages": [HumanMessage("q")]})
    assert result.verdict == "pass"
    [note] = [e for e in result.journal.events if e.kind == "steady_state_volatile"]
    assert note.detail is not None and "Two fault-free runs differ at request_id" in note.detail


async def tagged_and_lossy(state: Chat, config: RunnableConfig) -> dict[str, Any]:
    out = await skip_if_seen(state, config)
    return {**out, "request_id": str(uuid.uuid4())}


def test_volatile_values_do_not_hide_a_lost_message(chaos: Chaos) -> None:
    chaos.inject(faults.lost_result(), node="answer", attempts=[1])
    result = chaos.run(chat_graph(tagged_and_lossy), {"messages": [HumanMessage("q")]}, raise_on_violation=False)
    [v] = result.violated("steady_state")
    assert "lost ai message" in v.message and "request_id" in v.message and "compared by type only" in v.message


def test_tool_call_ids_are_a_consistent_renaming_and_a_crossed_answer_is_not() -> None:
    from langchain_core.messages import ToolMessage

    def run(a: str, b: str, answer_first: str) -> list[Any]:
        call = AIMessage("", id=f"m-{a}", tool_calls=[{"name": "search", "args": {"q": "x"}, "id": a},
                                                      {"name": "search", "args": {"q": "y"}, "id": b}])
        return [call, ToolMessage("r1", tool_call_id=answer_first), ToolMessage("r2", tool_call_id=b if answer_first == a else a)]

    assert canonical(run("call_1", "call_2", "call_1")) == canonical(run("call_9", "call_8", "call_9"))
    crossed = canonical(run("call_9", "call_8", "call_8"))
    assert canonical(run("call_1", "call_2", "call_1")) != crossed
    assert "answers another tool call" in describe_diff(canonical(run("call_1", "call_2", "call_1")), crossed)


class Blip(Exception):
    """A transient failure LangGraph's default retry_on retries."""


class Stamped(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    at: str
    run: str


CALLS: list[str] = []


def stamped(state: Stamped) -> dict[str, Any]:
    # Correct: a timestamp and a uuid minted per run, an id-less message add_messages gives a uuid.
    import datetime

    CALLS.append(datetime.datetime.now().isoformat())
    return {"messages": [AIMessage("done")], "at": datetime.datetime.now().isoformat(), "run": uuid.uuid4().hex}


def stamped_graph() -> StateGraph[Any, Any, Any, Any]:
    g: StateGraph[Any, Any, Any, Any] = StateGraph(Stamped)
    g.add_node("stamp", stamped, retry_policy=RETRY)
    g.add_edge(START, "stamp")
    g.add_edge("stamp", END)
    return g


def test_a_timestamp_and_a_uuid_are_volatile_by_experiment_and_the_second_fault_free_run_is_memoised(harness: Chaos) -> None:
    memo.clear()
    CALLS.clear()
    builder = stamped_graph()
    harness.inject(faults.exception(Blip), node="stamp", attempts=[1])
    first = harness.run(builder, {"messages": [HumanMessage("q")]})
    second = harness.run(builder, {"messages": [HumanMessage("q")]})
    assert first.verdict == second.verdict == "pass"
    # the retry ran the chaos run a second later: the timestamp moved, and so did the uuid
    assert first.output["at"] != first.baseline.final_state["at"]  # type: ignore[union-attr]
    [note] = [e for e in second.journal.events if e.kind == "steady_state_volatile"]
    assert note.detail == ("Two fault-free runs differ at at, run: those values are nondeterministic "
                           "and were compared by type only.")
    # baseline once, second fault-free run once (a day later), the body once per chaos run
    # (the fault fails attempt 1 before the body)
    assert CALLS == ["2030-01-01T00:00:00", "2030-01-01T00:00:01", "2030-01-02T00:00:00.125000", "2030-01-01T00:00:01"]


def test_a_volatile_field_that_changes_type_is_still_a_difference(harness: Chaos) -> None:
    seen: list[int] = []

    def flaky_type(state: Stamped) -> dict[str, Any]:
        seen.append(1)
        # baseline, chaos run, second fault-free run: the chaos run's value is not even a string
        return {"at": None if len(seen) == 2 else uuid.uuid4().hex}

    g: StateGraph[Any, Any, Any, Any] = StateGraph(Stamped)
    g.add_node("stamp", flaky_type, retry_policy=RETRY)
    g.add_edge(START, "stamp")
    g.add_edge("stamp", END)
    harness.inject(faults.exception(Blip), node="stamp", attempts=[1])
    [v] = harness.run(g, {}, raise_on_violation=False).violated("steady_state")
    assert "at: expected <any str>, got <any NoneType>" in v.message and "compared by type only" in v.message
