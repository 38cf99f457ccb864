"""The audit's probes run on the sealed network with the model fakes: an SDK on httpx2 is seen."""

from __future__ import annotations

from typing import Any, TypedDict

from langchain_anthropic import ChatAnthropic
from langgraph.graph import START, StateGraph

from chaos.audit import audit


class S(TypedDict, total=False):
    answer: str


def _graph() -> StateGraph:
    model = ChatAnthropic(model="claude-chaos-test", api_key="sk-ant-test")  # type: ignore[call-arg,arg-type]

    async def ask(state: S) -> dict[str, Any]:
        return {"answer": str((await model.ainvoke("hi")).content)}

    builder = StateGraph(S)
    builder.add_node("ask", ask)
    builder.add_edge(START, "ask")
    return builder


def test_an_anthropic_call_without_a_timeout_is_found_with_no_routes_given() -> None:
    found = audit(_graph(), {})
    assert ("LGC102", "ask") in [(f.code, f.location) for f in found], [f.format() for f in found]
    assert not [f for f in found if "probe" in f.message and "raised" in f.message]
