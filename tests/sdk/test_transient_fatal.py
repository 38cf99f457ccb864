"""``transient_fatal``: a run that dies of one injected transient fault is a violation.

Broken twins (no policy, a retry_on that does not match the raised type, attempts that run
out) trip it with the reason and a fix for the library that raised; correct twins (a matching
policy, an error handler) stay silent. Real httpx clients, real ChatOpenAI and ChatAnthropic.
"""

from __future__ import annotations

from typing import Any, TypedDict

import httpx
import pytest
import requests
from langgraph.errors import NodeError
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, RetryPolicy, TimeoutPolicy

from chaos import Chaos, faults
from chaos.http import faults as http_faults
from tests.sdk.models import anthropic_model, openai_model, route_models

API = "https://api.example.com/items"
CLIENT = httpx.AsyncClient(timeout=10)


class S(TypedDict, total=False):
    items: Any
    answer: str
    degraded: bool


async def fetch(state: S) -> dict[str, Any]:
    response = await CLIENT.get(API)
    response.raise_for_status()
    return {"items": response.json()}


def graph(node: Any = fetch, **kw: Any) -> StateGraph:
    g = StateGraph(S)
    g.add_node("fetch", node, **kw)
    g.add_edge(START, "fetch")
    g.add_edge("fetch", END)
    return g


def transient(exc: BaseException) -> bool:
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code == 429 or exc.response.status_code >= 500
    return isinstance(exc, (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError))


GOOD = RetryPolicy(initial_interval=1.0, jitter=False, max_attempts=4, retry_on=transient)


@pytest.fixture
def chaos(harness: Chaos) -> Chaos:
    harness.http.get(API).respond(200, json=[1, 2])
    route_models(harness.http)
    return harness


def test_a_graph_without_a_retry_policy_that_dies_on_one_503_is_a_violation(chaos: Chaos) -> None:
    chaos.inject(http_faults.status(503), node="fetch", attempts=[1])
    result = chaos.run(graph(), {}, raise_on_violation=False)
    [v] = result.violated("transient_fatal")
    assert v.node == "fetch" and v.attempt == 1
    assert "gave up on a transient httpx.HTTPStatusError (HTTP 503) from GET https://api.example.com/items" in v.message
    assert "The node has no RetryPolicy" in v.message
    assert "retry_policy=RetryPolicy(retry_on=lambda e: isinstance(e, (httpx.TimeoutException" in v.message
    assert "Reproduce:" in v.message


def test_the_correct_twin_retries_the_503_and_stays_silent(chaos: Chaos) -> None:
    chaos.inject(http_faults.status(503), node="fetch", attempts=[1])
    result = chaos.run(graph(retry_policy=GOOD), {})
    assert result.verdict == "pass" and result.output == {"items": [1, 2]}


def test_the_default_policy_does_not_match_an_httpx_429_and_the_message_names_the_raised_type(chaos: Chaos) -> None:
    chaos.inject(http_faults.status(429, retry_after=2), node="fetch", attempts=[1])
    result = chaos.run(graph(retry_policy=RetryPolicy()), {}, raise_on_violation=False)
    [v] = result.violated("transient_fatal")
    assert "httpx.HTTPStatusError (HTTP 429, Retry-After: 2)" in v.message
    assert "retry_on did not match the httpx.HTTPStatusError it raised: LangGraph's default retry_on retries 5xx but not 429" in v.message
    assert "initial_interval=2" in v.message


def test_attempts_that_run_out_show_the_schedule(chaos: Chaos) -> None:
    chaos.inject(http_faults.connect_error(), node="fetch")
    result = chaos.run(graph(retry_policy=RetryPolicy(initial_interval=1.0, jitter=False, max_attempts=3, retry_on=transient)),
                       {}, raise_on_violation=False)
    [v] = result.violated("transient_fatal")
    assert "httpx.ConnectError" in v.message
    assert "the attempts ran out: max_attempts=3: 3 attempt(s), sleeping 1s, 2s" in v.message
    assert "it ran attempt 1 at t=0s, attempt 2 at t=1s, attempt 3 at t=3s" in v.message


def test_an_error_handler_that_takes_the_failure_is_silent(chaos: Chaos) -> None:
    def degrade(state: S, error: NodeError) -> Command[Any]:
        return Command(update={"degraded": True}, goto=END)

    chaos.inject(http_faults.status(503), node="fetch")
    result = chaos.run(graph(error_handler=degrade), {}, raise_on_violation=False)
    assert result.journal.outcome == "ok"
    assert not result.violated("transient_fatal")


def test_a_permanent_fault_is_not_transient(chaos: Chaos) -> None:
    chaos.inject(http_faults.status(404), node="fetch", attempts=[1])
    result = chaos.run(graph(), {}, raise_on_violation=False)
    assert result.journal.outcome == "error" and not result.violated("transient_fatal")
    chaos.inject(faults.exception(ValueError), node="fetch")


def test_a_hang_ended_by_run_timeout_with_no_retry_is_a_violation(chaos: Chaos) -> None:
    chaos.inject(faults.hang(), node="fetch", attempts=[1])
    result = chaos.run(graph(timeout=TimeoutPolicy(run_timeout=5)), {}, raise_on_violation=False)
    [v] = result.violated("transient_fatal")
    assert "NodeTimeoutError" in v.message and "The node has no RetryPolicy" in v.message
    assert "retry_on=NodeTimeoutError" in v.message
    ok = chaos.run(graph(timeout=TimeoutPolicy(run_timeout=5), retry_policy=RetryPolicy(jitter=False)), {})
    assert ok.verdict == "pass"


def test_a_requests_connection_error_under_the_default_policy_gets_a_requests_fix(chaos: Chaos) -> None:
    chaos.inject(faults.exception(requests.ConnectionError("refused")), node="fetch", attempts=[1])
    result = chaos.run(graph(retry_policy=RetryPolicy()), {}, raise_on_violation=False)
    [v] = result.violated("transient_fatal")
    assert "requests.ConnectionError" in v.message and "it is an OSError" in v.message
    assert "isinstance(e, (requests.ConnectionError, requests.Timeout" in v.message


async def ask_openai(state: S) -> dict[str, Any]:
    return {"answer": str((await openai_model().ainvoke("q")).content)}


async def ask_anthropic(state: S) -> dict[str, Any]:
    return {"answer": str((await anthropic_model().ainvoke("q")).content)}


def test_chatopenai_without_a_policy_gets_an_openai_fix(chaos: Chaos) -> None:
    chaos.inject(http_faults.status(503), node="fetch", attempts=[1])
    result = chaos.run(graph(ask_openai), {}, raise_on_violation=False)
    [v] = result.violated("transient_fatal")
    assert "OpenAIAPIError" in v.message and "(HTTP 503)" in v.message
    assert "retry_on=(openai.RateLimitError, openai.InternalServerError, openai.APIConnectionError)" in v.message
    ok = chaos.run(graph(ask_openai, retry_policy=RetryPolicy(jitter=False)), {})
    assert ok.output["answer"] == "Rotate keys in Settings."


def test_chatanthropic_overloaded_under_an_httpx_only_retry_on_names_the_anthropic_error(chaos: Chaos) -> None:
    chaos.inject(http_faults.status(529), node="fetch", attempts=[1])
    result = chaos.run(graph(ask_anthropic, retry_policy=GOOD), {}, raise_on_violation=False)
    [v] = result.violated("transient_fatal")
    assert "AnthropicOverloadedError (HTTP 529)" in v.message
    assert "retry_on did not match" in v.message
    fix = "(anthropic.RateLimitError, anthropic.InternalServerError, anthropic.APIConnectionError)"
    assert fix in v.message
    import anthropic

    policy = RetryPolicy(jitter=False, retry_on=(anthropic.RateLimitError, anthropic.InternalServerError, anthropic.APIConnectionError))
    for fault in (http_faults.status(529), http_faults.status(429, retry_after=1), http_faults.connect_error()):
        h = Chaos(seed=1, test_id=f"anthropic-fix-{fault.describe()}")
        try:
            route_models(h.http)
            h.inject(fault, node="fetch", attempts=[1])
            assert h.run(graph(ask_anthropic, retry_policy=policy), {}).verdict == "pass"
        finally:
            h.close()


def test_the_deprecated_name_still_turns_it_off(chaos: Chaos) -> None:
    chaos.inject(http_faults.status(503), node="fetch", attempts=[1])
    with pytest.warns(DeprecationWarning, match="http_429_fatal"):
        result = chaos.run(graph(), {}, raise_on_violation=False, disable=["http_429_fatal"])
    assert not result.violated("transient_fatal")
