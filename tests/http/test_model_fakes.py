"""The built-in model fakes answer real SDK clients: ChatOpenAI (chat completions and responses)
and ChatAnthropic, streaming on and off, in a prebuilt ReAct agent (create_react_agent).

Only the server side is faked (`chaos.http.fakes.ModelFakes`, a respx router on ``chaos.http``);
the SDKs, their httpx2 transport and LangChain's parsers run for real.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from typing import Any, TypedDict

import httpx
import pytest
from langchain_anthropic import ChatAnthropic
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI, OpenAIEmbeddings
from langgraph.graph import START, StateGraph

from chaos import Chaos
from chaos.errors import ChaosUsageError
from chaos.http.fakes import DEFAULT_ANSWER, ModelFakes, ToolCall
from chaos.http.fakes.schema import example

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # create_react_agent is deprecated in favour of langchain.agents
    from langgraph.prebuilt import create_react_agent


@tool
def get_weather(city: str, days: int = 1) -> str:
    """The weather in a city."""
    return f"sunny in {city} for {days} day(s)"


@tool
def lookup(query: str) -> str:
    """Look something up."""
    return f"found {query}"


MODELS: dict[str, Callable[[], BaseChatModel]] = {
    "openai-chat": lambda: ChatOpenAI(model="gpt-4o-mini", api_key="sk-test"),  # type: ignore[arg-type]
    "openai-chat-stream": lambda: ChatOpenAI(model="gpt-4o-mini", api_key="sk-test", streaming=True),  # type: ignore[arg-type]
    "openai-responses": lambda: ChatOpenAI(model="gpt-4o-mini", api_key="sk-test", use_responses_api=True),  # type: ignore[arg-type]
    "openai-responses-stream": lambda: ChatOpenAI(
        model="gpt-4o-mini", api_key="sk-test", use_responses_api=True, streaming=True  # type: ignore[arg-type]
    ),
    "anthropic": lambda: ChatAnthropic(model="claude-chaos-test", api_key="sk-ant-test"),  # type: ignore[call-arg,arg-type]
    "anthropic-stream": lambda: ChatAnthropic(model="claude-chaos-test", api_key="sk-ant-test", streaming=True),  # type: ignore[call-arg,arg-type]
}


def _agent(model: BaseChatModel) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return create_react_agent(model, [get_weather, lookup])


def _text(message: Any) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)


@pytest.mark.parametrize("name", list(MODELS))
def test_a_react_agent_calls_each_tool_once_then_answers(harness: Chaos, name: str) -> None:
    harness.http.use(ModelFakes())
    result = harness.run(_agent(MODELS[name]()), {"messages": [("user", "hi")]})
    assert result.verdict == "pass"
    assert [a.node for a in result.journal.attempts] == ["agent", "tools", "tools", "agent"]
    messages = result.output["messages"]
    calls = messages[1].tool_calls
    # Arguments generated from each tool's schema: every property, defaults kept.
    assert [(c["name"], c["args"]) for c in calls] == [
        ("get_weather", {"city": "chaos city", "days": 1}),
        ("lookup", {"query": "chaos query"}),
    ]
    assert [m.content for m in messages if isinstance(m, ToolMessage)] == [
        "sunny in chaos city for 1 day(s)", "found chaos query",
    ]
    assert isinstance(messages[-1], AIMessage) and not messages[-1].tool_calls
    assert _text(messages[-1]) == DEFAULT_ANSWER
    # Two model requests per run, answered in process; the baseline saw the same.
    assert [h.status for h in result.journal.http] == [200, 200]
    assert result.baseline is not None and len(result.baseline.http) == 2


@pytest.mark.parametrize("name", ["openai-chat", "openai-responses-stream", "anthropic-stream"])
def test_replies_are_scripted_per_node_turn_by_turn(harness: Chaos, name: str) -> None:
    fakes = ModelFakes().script("agent", ToolCall("lookup", {"query": "q1"}), "All done.")
    harness.http.use(fakes)
    result = harness.run(_agent(MODELS[name]()), {"messages": [("user", "hi")]})
    messages = result.output["messages"]
    assert [(c["name"], c["args"]) for c in messages[1].tool_calls] == [("lookup", {"query": "q1"})]
    assert _text(messages[-1]) == "All done."
    assert [a.node for a in result.journal.attempts] == ["agent", "tools", "agent"]


class Verdict(TypedDict):
    reason: str
    ok: bool


class Out(TypedDict, total=False):
    verdict: Any
    vectors: list[list[float]]


@pytest.mark.parametrize("name", ["openai-chat", "openai-responses", "anthropic"])
def test_structured_output_gets_a_value_valid_for_its_schema(harness: Chaos, name: str) -> None:
    model = MODELS[name]().with_structured_output(Verdict)

    async def judge(state: Out) -> Out:
        return {"verdict": await model.ainvoke("judge this")}

    builder = StateGraph(Out)
    builder.add_node("judge", judge)
    builder.add_edge(START, "judge")
    harness.http.use(ModelFakes())
    result = harness.run(builder, {})
    assert result.output["verdict"] == {"reason": "chaos reason", "ok": True}


def test_embeddings_are_deterministic_vectors(harness: Chaos) -> None:
    embeddings = OpenAIEmbeddings(model="text-embedding-3-small", api_key="sk-test", check_embedding_ctx_length=False)  # type: ignore[arg-type]

    async def embed(state: Out) -> Out:
        return {"vectors": await embeddings.aembed_documents(["a", "b", "a"])}

    builder = StateGraph(Out)
    builder.add_node("embed", embed)
    builder.add_edge(START, "embed")
    harness.http.use(ModelFakes())
    vectors = harness.run(builder, {}).output["vectors"]
    assert vectors[0] == vectors[2] != vectors[1]
    assert abs(sum(v * v for v in vectors[0]) - 1) < 1e-3


def test_a_forced_tool_choice_is_obeyed_and_parallel_calls_can_be_turned_off() -> None:
    fakes = ModelFakes()
    tools = [
        {"type": "function", "function": {"name": n, "parameters": {"type": "object", "properties": {}}}}
        for n in ("a", "b")
    ]

    def ask(**extra: Any) -> Any:
        body = {"model": "m", "messages": [{"role": "user", "content": "x"}], "tools": tools, **extra}
        response = fakes.handler(httpx.Request("POST", "https://api.openai.com/v1/chat/completions", json=body))
        return [c["function"]["name"] for c in response.json()["choices"][0]["message"].get("tool_calls", [])]

    assert ask() == ["a", "b"]
    assert ask(parallel_tool_calls=False) == ["a"]
    assert ask(tool_choice={"type": "function", "function": {"name": "b"}}) == ["b"]


def test_schema_examples_follow_refs_enums_and_nullable_unions() -> None:
    schema = {
        "type": "object",
        "properties": {
            "kind": {"enum": ["x", "y"]},
            "maybe": {"anyOf": [{"type": "null"}, {"type": "integer"}]},
            "item": {"$ref": "#/$defs/Item"},
            "tags": {"type": "array", "items": {"type": "string"}},
        },
        "$defs": {"Item": {"type": "object", "properties": {"when": {"type": "string", "format": "date"}}}},
    }
    assert example(schema) == {"kind": "x", "maybe": 1, "item": {"when": "2024-01-01"}, "tags": ["chaos tags"]}
    assert json.loads(json.dumps(example(schema))) == example(schema)  # plain JSON, deterministic


def test_a_bad_script_names_the_node_and_how_to_write_a_reply() -> None:
    with pytest.raises(ChaosUsageError, match=r"script for node 'agent': 42 is not a fake model reply; write a string"):
        ModelFakes().script("agent", 42)
