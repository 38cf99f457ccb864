"""no_partial_writes, streamed: a failed attempt's custom stream output, Command-shaped writes
and mid-node writes are not applied, and the task is not marked finished (a resume reruns it)."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from langgraph._internal._constants import CONF, CONFIG_KEY_SEND
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.config import get_config, get_stream_writer
from langgraph.graph import END, START, StateGraph

from chaos import Chaos
from chaos.engine import Invoke, Resume


class S(TypedDict, total=False):
    log: Annotated[list[str], operator.add]


def exporter(*, command_write: bool) -> Any:
    calls: list[int] = []

    async def export(state: S) -> dict[str, Any]:
        calls.append(1)
        get_stream_writer()({"progress": "rows 1-100"})  # streamed to the caller, not state
        if command_write:
            # What a Command(update=..., goto=...) returned by a helper turns into, sent
            # mid-node (as ChannelWrite does) before the node fails for good.
            get_config()[CONF][CONFIG_KEY_SEND]([("log", ["exported 100"]), ("branch:to:after", None)])
        if len(calls) == 1:
            raise ConnectionError("lost the database")
        return {"log": ["exported"]}

    async def after(state: S) -> dict[str, Any]:
        return {"log": ["after"]}

    g = StateGraph(S)
    g.add_node("export", export)
    g.add_node("after", after)
    g.add_edge(START, "export")
    g.add_edge("export", "after")
    g.add_edge("after", END)
    return g.compile(checkpointer=InMemorySaver())


def test_streamed_custom_output_of_a_failed_attempt_leaves_no_write_and_the_resume_reruns_it(harness: Chaos):
    graph = exporter(command_write=False)
    result = harness.run(graph, {}, steps=[Invoke(), Resume()], drive="astream:custom,updates,values",
                         baseline=False, raise_on_violation=False)
    assert [a.outcome for a in result.attempts("export")] == ["error", "ok"]  # not marked finished
    assert result.output["log"] == ["exported", "after"]
    assert result.violated("no_partial_writes") == []


def test_command_writes_sent_before_a_failure_are_kept_and_make_it_fire(harness: Chaos):
    graph = exporter(command_write=True)
    result = harness.run(graph, {}, steps=[Invoke(), Resume()], drive="astream:custom,updates,values",
                         baseline=False, raise_on_violation=False)
    [v] = result.violated("no_partial_writes")
    assert v.node == "export"
    assert "its writes to ['branch:to:after', 'log'] are kept in the checkpointer next to the error" in v.message
    assert [a.outcome for a in result.attempts("export")] == ["error"]  # the resume took it as finished
