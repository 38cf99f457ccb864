"""``retry_after`` inside one node attempt, with real ChatOpenAI / ChatAnthropic clients.

The SDKs' own retry loops honour ``Retry-After`` (silent); a retry loop around the model call
that ignores it (``Runnable.with_retry`` with a 0.1 s wait) is reported, on by default.
"""

from __future__ import annotations

from typing import Any, TypedDict

import openai
import pytest
from langgraph.graph import END, START, StateGraph

from chaos import Chaos
from chaos.http import faults as http_faults
from chaos.journal import HttpRecord
from chaos.invariants.retry_after import asked
from tests.sdk.models import OPENAI, anthropic_model, openai_model, route_models


class S(TypedDict, total=False):
    answer: str


def graph(model: Any) -> StateGraph[Any, Any, Any, Any]:
    async def ask(state: S) -> dict[str, Any]:
        return {"answer": str((await model.ainvoke("q")).content)}

    g: StateGraph[Any, Any, Any, Any] = StateGraph(S)
    g.add_node("ask", ask)
    g.add_edge(START, "ask")
    g.add_edge("ask", END)
    return g


@pytest.fixture
def chaos(harness: Chaos) -> Chaos:
    route_models(harness.http)
    return harness


def test_chatopenai_retrying_after_a_tenth_of_a_second_when_told_two_is_reported(chaos: Chaos) -> None:
    chaos.inject(http_faults.status(429, retry_after=2, requests=[1]), node="ask", attempts=[1])
    result = chaos.run(graph(_with_wait(0.1)), {}, raise_on_violation=False)
    [v] = result.violated("retry_after")
    assert v.node == "ask"
    assert (f"POST {OPENAI}/chat/completions got HTTP 429 with Retry-After: 2 at t=0s, and the client sent it "
            "again inside the same node attempt after 0.1s, before the 2s the server asked for") in v.message
    assert "Runnable.with_retry" in v.message and "Reproduce:" in v.message
    assert result.output == {"answer": "Rotate keys in Settings."}  # it recovered: only the wait was wrong


def _with_wait(seconds: float) -> Any:
    """ChatOpenAI(max_retries=0) inside LangChain's with_retry, waiting ``seconds`` between tries."""
    from langchain_core.runnables.retry import RunnableRetry

    model = openai_model(max_retries=0)
    return RunnableRetry(
        bound=model, retry_exception_types=(openai.RateLimitError,), max_attempt_number=3,
        wait_exponential_jitter=True, exponential_jitter_params={"initial": seconds, "max": seconds, "jitter": 0},
    )


def test_chatopenai_honouring_retry_after_with_its_own_retries_is_silent(chaos: Chaos) -> None:
    chaos.inject(http_faults.status(429, retry_after=2, requests=[1]), node="ask", attempts=[1])
    result = chaos.run(graph(openai_model(max_retries=2)), {})
    assert result.verdict == "pass" and "retry_after" in result.checked
    sent = [h for h in result.journal.http if h.url.endswith("/chat/completions")]
    assert [(h.status, h.retry_after) for h in sent] == [(429, "2"), (200, None)]
    assert sent[1].time - sent[0].time >= 2.0  # the SDK slept the 2 s (simulated)


def test_chatanthropic_honouring_an_overloaded_retry_after_is_silent(chaos: Chaos) -> None:
    chaos.inject(http_faults.status(529, retry_after=3, requests=[1]), node="ask", attempts=[1])
    result = chaos.run(graph(anthropic_model(max_retries=2)), {})
    assert result.verdict == "pass"
    sent = [h for h in result.journal.http if h.url.endswith("/v1/messages")]
    assert [h.status for h in sent] == [529, 200] and sent[1].time - sent[0].time >= 3.0


def test_a_retry_loop_around_chatanthropic_that_ignores_retry_after_is_reported(chaos: Chaos) -> None:
    import anthropic
    from langchain_core.runnables.retry import RunnableRetry

    model = RunnableRetry(
        bound=anthropic_model(max_retries=0), retry_exception_types=(anthropic.RateLimitError,),
        max_attempt_number=3, wait_exponential_jitter=True,
        exponential_jitter_params={"initial": 0.5, "max": 0.5, "jitter": 0},
    )
    chaos.inject(http_faults.status(429, retry_after=5, requests=[1]), node="ask", attempts=[1])
    [v] = chaos.run(graph(model), {}, raise_on_violation=False).violated("retry_after")
    assert "Retry-After: 5" in v.message and "after 0.5s, before the 5s" in v.message


def test_retry_after_ms_and_dates_are_read_from_the_journal() -> None:
    rec = HttpRecord("n", "n#1", 1, "POST", "https://x/v1/messages", 10.0, status=429, retry_after="1500 ms")
    assert asked(rec, "simulated") == 1.5
    rec.retry_after = "Tue, 01 Jan 2030 00:00:15 GMT"  # the simulated wall clock starts at 2030-01-01
    assert asked(rec, "simulated") == 5.0
    rec.status = 500
    assert asked(rec, "simulated") is None
