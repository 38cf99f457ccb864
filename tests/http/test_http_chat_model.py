"""A real LangChain chat model (langchain-openai's ChatOpenAI, openai>=3 on httpx2) in a node.

Only the OpenAI endpoint is mocked (respx routes on ``chaos.http``). The SDK's own retry loop
(``max_retries=2``: 3 tries) runs inside every graph attempt (``max_attempts=3``), so one
logical call can send 3 x 3 = 9 requests. The SDK honours ``Retry-After`` (1 s here) and its
sleeps (``time.sleep`` sync, ``anyio.sleep`` async) run on the simulated clock.
"""

from __future__ import annotations

import json
from typing import Any, TypedDict

import openai
import pytest
from langchain_openai import ChatOpenAI
from langgraph.graph import END, START, StateGraph
from langgraph.types import RetryPolicy, TimeoutPolicy

from chaos import Chaos
from chaos.http import faults as http_faults
from chaos.http import format_summary, requests_per_attempt, summarize

BASE = "https://llm.example.com/v1"
SDK_TRIES = 3  # max_retries=2
GRAPH_ATTEMPTS = 3
LLM = ChatOpenAI(model="test-model", base_url=BASE, api_key="test", max_retries=SDK_TRIES - 1, timeout=30)
COMPLETION = {
    "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": "test-model",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Rotate keys in Settings."}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 5, "completion_tokens": 5, "total_tokens": 10},
}
TOKENS = ["Rotate ", "keys ", "in ", "Settings."]


def sse() -> bytes:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        body = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0, "model": "test-model",
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        return f"data: {json.dumps(body)}\n\n".encode()

    parts = [chunk({"role": "assistant", "content": ""})]
    parts += [chunk({"content": t}) for t in TOKENS]
    parts += [chunk({}, "stop"), b"data: [DONE]\n\n"]
    return b"".join(parts)


class S(TypedDict, total=False):
    question: str
    answer: str


async def ask(state: S) -> dict[str, Any]:
    return {"answer": (await LLM.ainvoke(state["question"])).content}


def ask_sync(state: S) -> dict[str, Any]:
    return {"answer": LLM.invoke(state["question"]).content}


async def ask_streaming(state: S) -> dict[str, Any]:
    text = ""
    async for chunk in LLM.astream(state["question"]):
        text += chunk.content
    return {"answer": text}


def ask_streaming_sync(state: S) -> dict[str, Any]:
    return {"answer": "".join(chunk.content for chunk in LLM.stream(state["question"]))}


NODES = {"async": ask, "sync": ask_sync, "async-stream": ask_streaming, "sync-stream": ask_streaming_sync}


def builder(node: Any, retry: RetryPolicy | None = None, timeout: TimeoutPolicy | None = None) -> StateGraph:
    retry = retry or RetryPolicy(initial_interval=1.0, backoff_factor=2.0, jitter=False,
                                 max_attempts=GRAPH_ATTEMPTS, retry_on=openai.APIError)
    g = StateGraph(S)
    g.add_node("ask", node, retry_policy=retry, timeout=timeout)
    g.add_edge(START, "ask")
    g.add_edge("ask", END)
    return g


@pytest.fixture
def chaos(harness: Chaos) -> Chaos:
    def complete(request: Any) -> Any:
        import httpx

        if json.loads(request.content).get("stream"):
            return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=sse())
        return httpx.Response(200, json=COMPLETION)

    harness.http.post(f"{BASE}/chat/completions").mock(side_effect=complete)
    return harness


@pytest.mark.parametrize("node", NODES.values(), ids=NODES.keys())
def test_sdk_retries_and_graph_retries_multiply_into_a_retry_storm(chaos: Chaos, node: Any) -> None:
    chaos.inject(http_faults.status(503, retry_after=1), node="ask")

    result = chaos.run(builder(node), {"question": "How do I rotate API keys?"}, raise_on_violation=False)

    # Both policies predict 3 SDK tries x 3 graph attempts = 9 requests for one logical call.
    assert requests_per_attempt(result.journal) == {("ask", "ask#1", a): SDK_TRIES for a in (1, 2, 3)}
    assert len(result.journal.http) == SDK_TRIES * GRAPH_ATTEMPTS
    # SDK sleeps honour Retry-After (1 s); graph backoff is 1 s, then 2 s: all simulated.
    assert [h.time for h in result.journal.http] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 7.0, 8.0, 9.0]
    assert {h.status for h in result.journal.http} == {503}
    assert [(a.attempt, a.outcome, a.start) for a in result.attempts("ask")] == [(1, "error", 0.0), (2, "error", 3.0), (3, "error", 7.0)]
    assert isinstance(result.attempts("ask")[-1].exc, openai.InternalServerError)
    [call] = summarize(result.journal)
    assert (call.attempts, call.total, call.multiplied) == (3, 9, True)
    assert str(call).startswith("ask#1: 9 request(s) in 3 graph attempt(s) (3 + 3 + 3): SDK and graph retries multiply")
    [storm] = [e for e in result.journal.events if e.kind == "http_retry_storm"]
    assert storm.node == "ask" and storm.detail == str(call)


@pytest.mark.parametrize("node", NODES.values(), ids=NODES.keys())
def test_the_sdk_retries_inside_the_first_attempt_and_the_graph_recovers_on_the_second(chaos: Chaos, node: Any) -> None:
    chaos.inject(http_faults.status(503, retry_after=1), node="ask", attempts=[1])

    result = chaos.run(builder(node), {"question": "How do I rotate API keys?"})

    assert [(h.attempt, h.time, h.status) for h in result.journal.http] == [
        (1, 0.0, 503), (1, 1.0, 503), (1, 2.0, 503), (2, 3.0, 200),
    ]
    assert result.output["answer"] == "Rotate keys in Settings."
    assert format_summary(result.journal) == "ask#1: 4 request(s) in 2 graph attempt(s) (3 + 1): SDK and graph retries multiply (up to 3 per attempt) [503, 503, 503 | 200]"


def test_one_503_is_absorbed_by_the_sdk_and_the_graph_never_sees_it(chaos: Chaos) -> None:
    chaos.inject(http_faults.status(503, retry_after=1, requests=[1]), node="ask")
    result = chaos.run(builder(ask), {"question": "q"})
    assert [(h.attempt, h.time, h.status) for h in result.journal.http] == [(1, 0.0, 503), (1, 1.0, 200)]
    assert [a.outcome for a in result.attempts("ask")] == ["ok"]


def test_the_sdk_waits_out_a_stateful_rate_limit(chaos: Chaos) -> None:
    chaos.inject(http_faults.rate_limited(retry_after=2), node="ask", attempts=[1])
    result = chaos.run(builder(ask), {"question": "q"})
    assert [(h.time, h.status) for h in result.journal.http] == [(0.0, 429), (2.0, 200)]


def test_an_sdk_rate_limit_error_is_retried_by_langgraphs_default_policy(chaos: Chaos) -> None:
    # openai raises RateLimitError, not httpx.HTTPStatusError: LangGraph's default_retry_on
    # retries it (only httpx's 429 escapes it). The same 429 a raw httpx node dies of.
    chaos.inject(http_faults.status(429, retry_after=1), node="ask", attempts=[1])
    result = chaos.run(builder(ask, retry=RetryPolicy(initial_interval=1.0, jitter=False)), {"question": "q"})
    assert [(h.attempt, h.status) for h in result.journal.http] == [(1, 429), (1, 429), (1, 429), (2, 200)]
    assert isinstance(result.attempts("ask")[0].exc, openai.RateLimitError)


def test_a_stalled_token_stream_times_out_idle_and_the_graph_retries(chaos: Chaos) -> None:
    # refresh_on="auto": every streamed token (a LangChain callback) is progress.
    chaos.inject(http_faults.stalled_stream(after_chunks=3), node="ask", attempts=[1])
    idle = TimeoutPolicy(idle_timeout=10)
    retry = RetryPolicy(initial_interval=1.0, jitter=False)  # NodeTimeoutError is retried by default
    result = chaos.run(builder(ask_streaming, retry=retry, timeout=idle), {"question": "q"})
    first, second = result.attempts("ask")
    assert (first.outcome, first.timeout_kind, first.end) == ("timeout", "idle", 10.0)
    assert (second.outcome, second.start) == ("ok", 11.0)
    assert [(h.attempt, h.status, h.error) for h in result.journal.http] == [(1, 200, "Cancelled"), (2, 200, None)]
    assert result.output["answer"] == "Rotate keys in Settings."


def test_a_cut_token_stream_is_not_retried_by_the_sdk_but_by_the_graph(chaos: Chaos) -> None:
    chaos.inject(http_faults.cut_stream(after_chunks=2), node="ask", attempts=[1])
    result = chaos.run(builder(ask_streaming_sync, retry=RetryPolicy(initial_interval=1.0, jitter=False)), {"question": "q"})
    assert [(h.attempt, h.error) for h in result.journal.http] == [(1, "RemoteProtocolError"), (2, None)]
    # The SDK cannot replay a half-read stream: the error reaches the graph, wrapped.
    first = result.attempts("ask")[0]
    assert first.error == "OpenAIConnectionError"
    assert [f"{type(e).__module__}.{type(e).__name__}" for e in causes(first.exc)] == [
        "langchain_openai.chat_models.base.OpenAIConnectionError",
        "openai.APIConnectionError",
        "httpx2.RemoteProtocolError",
        "httpcore2.RemoteProtocolError",
    ]
    assert result.output["answer"] == "Rotate keys in Settings."


def causes(exc: BaseException | None) -> list[BaseException]:
    out = []
    while exc is not None:
        out.append(exc)
        exc = exc.__cause__ or exc.__context__
    return out
