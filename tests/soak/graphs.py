"""Correct message-state and agent graphs with real LangChain chat models, for the soak.

"Correct" means the graph's policies match the faults the soak injects: every node retries
what is transient for the clients it calls (httpx at the node boundary, the openai and
anthropic SDK errors behind ``chaos.http``, requests and aiohttp errors, LangGraph's own
``NodeTimeoutError``), with an ``initial_interval`` that covers the ``Retry-After`` of the
injected 429s, and a ``run_timeout`` that ends a hang. The models are real ``ChatOpenAI`` /
``ChatAnthropic`` clients; only their endpoints are answered, by `chaos.http` routes or by the
built-in model fakes (`chaos.http.fakes.ModelFakes`).
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, TypedDict

import aiohttp
import anthropic
import httpx
import openai
import requests
from langchain_core.messages import AnyMessage, SystemMessage
from langchain_core.tools import tool
from langgraph.errors import NodeTimeoutError
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.prebuilt import ToolNode, tools_condition
from langgraph.types import RetryPolicy, TimeoutPolicy

from tests.sdk.models import anthropic_model, openai_model

SDK_TRANSIENT = (
    openai.RateLimitError, openai.InternalServerError, openai.APIConnectionError,
    anthropic.RateLimitError, anthropic.InternalServerError, anthropic.APIConnectionError,
)


def is_transient(exc: BaseException) -> bool:
    """Retry what a retry can fix, whichever client raised it; nothing permanent."""
    if isinstance(exc, SDK_TRANSIENT):
        return True
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code in (408, 429) or exc.response.status_code >= 500
    if isinstance(exc, requests.HTTPError):
        return exc.response is not None and (exc.response.status_code == 429 or exc.response.status_code >= 500)
    if isinstance(exc, aiohttp.ClientResponseError):
        return exc.status == 429 or exc.status >= 500
    return isinstance(exc, (
        httpx.TransportError, requests.ConnectionError, requests.Timeout, aiohttp.ClientConnectionError,
        aiohttp.ClientPayloadError, NodeTimeoutError, TimeoutError, ConnectionError,
    ))


#: Covers the injected 429s' Retry-After (1 s) from the first retry on.
RETRY = RetryPolicy(initial_interval=1.0, backoff_factor=2.0, max_interval=8.0, max_attempts=4, retry_on=is_transient)
TIMEOUT = TimeoutPolicy(run_timeout=60)


class Chat(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    turns: int


def _chat(model: Any) -> StateGraph[Any, Any, Any, Any]:
    async def answer(state: Chat) -> dict[str, Any]:
        reply = await model.ainvoke([SystemMessage("You are terse."), *state["messages"]])
        return {"messages": [reply], "turns": state.get("turns", 0) + 1}

    async def review(state: Chat) -> dict[str, Any]:
        await asyncio.sleep(0.5)  # a second model-free step: the superstep after the call
        return {"turns": state.get("turns", 0) + 1}

    g: StateGraph[Any, Any, Any, Any] = StateGraph(Chat)
    g.add_node("answer", answer, retry_policy=RETRY, timeout=TIMEOUT)
    g.add_node("review", review, retry_policy=RETRY, timeout=TIMEOUT)
    g.add_edge(START, "answer")
    g.add_edge("answer", "review")
    g.add_edge("review", END)
    return g


def openai_chat() -> StateGraph[Any, Any, Any, Any]:
    """ChatOpenAI with the SDK's retries off: LangGraph's RetryPolicy is the one retry layer."""
    return _chat(openai_model(max_retries=0))


def anthropic_chat() -> StateGraph[Any, Any, Any, Any]:
    """ChatAnthropic with its own retries (they honour Retry-After) under a RetryPolicy."""
    return _chat(anthropic_model(max_retries=2))


@tool
def lookup(query: str) -> str:
    """Look a question up in the handbook."""
    return f"handbook: {query} -> Settings > API keys > Rotate"


def _agent(model: Any) -> StateGraph[Any, Any, Any, Any]:
    bound = model.bind_tools([lookup])

    async def agent(state: Chat) -> dict[str, Any]:
        return {"messages": [await bound.ainvoke(state["messages"])]}

    g: StateGraph[Any, Any, Any, Any] = StateGraph(Chat)
    g.add_node("agent", agent, retry_policy=RETRY, timeout=TIMEOUT)
    g.add_node("tools", ToolNode([lookup]), retry_policy=RETRY, timeout=TIMEOUT)
    g.add_edge(START, "agent")
    g.add_conditional_edges("agent", tools_condition, ["tools", END])
    g.add_edge("tools", "agent")
    return g


def openai_agent() -> StateGraph[Any, Any, Any, Any]:
    """A ReAct loop: ChatOpenAI with a tool, answered by the built-in model fakes."""
    return _agent(openai_model(max_retries=0))


def anthropic_agent() -> StateGraph[Any, Any, Any, Any]:
    """The same loop on ChatAnthropic (its SDK retries on)."""
    return _agent(anthropic_model(max_retries=2))
