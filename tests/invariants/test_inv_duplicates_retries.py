"""duplicate_deliveries, retry_sanity and retry_budget: broken twins fire, correct twins stay silent.

Nodes call a real ``httpx.AsyncClient``; only the upstream is mocked (``chaos.http`` routes).
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

import httpx
import pytest
from langgraph.graph import END, START, StateGraph
from langgraph.types import RetryPolicy

from chaos import Chaos, ChaosUsageError
from chaos.http import faults as http_faults
from chaos.invariants.duplicates import is_model_inference
from chaos.invariants.retry_budget import retry_budget, set_retry_budget

PAY = "https://payments.example.com/v1/charges"
CHAT = "https://api.openai.com/v1/chat/completions"
STATUS = "https://status.example.com/health"
CLIENT = httpx.AsyncClient(timeout=10)


class S(TypedDict, total=False):
    log: Annotated[list[str], operator.add]
    order: str


def retry_read_timeouts(exc: BaseException) -> bool:
    return isinstance(exc, (httpx.TransportError, httpx.HTTPStatusError))


RETRY = RetryPolicy(max_attempts=3, initial_interval=1.0, jitter=False, retry_on=retry_read_timeouts)


def one_node(fn: Any, policy: RetryPolicy | None = RETRY) -> StateGraph:
    g = StateGraph(S)
    g.add_node("charge", fn, retry_policy=policy)
    g.add_edge(START, "charge")
    g.add_edge("charge", END)
    return g


async def charge(state: S) -> dict[str, Any]:
    r = await CLIENT.post(PAY, json={"amount": 10})
    r.raise_for_status()
    return {"log": ["charged"]}


async def charge_with_key(state: S) -> dict[str, Any]:
    r = await CLIENT.post(PAY, json={"amount": 10}, headers={"Idempotency-Key": "order-1-charge"})
    r.raise_for_status()
    return {"log": ["charged"]}


async def ask_model(state: S) -> dict[str, Any]:
    r = await CLIENT.post(CHAT, json={"messages": []})
    r.raise_for_status()
    return {"log": ["answered"]}


# -- duplicate_deliveries --------------------------------------------------------------------


def test_a_lost_response_then_a_retry_delivers_the_post_twice_and_makes_it_fire(harness: Chaos):
    harness.http.post(PAY).respond(201, json={"id": "ch_1"})
    harness.inject(http_faults.lost_response(url=PAY, requests=[1]), node="charge", attempts=[1])
    result = harness.run(one_node(charge), {}, raise_on_violation=False)
    [v] = result.violated("duplicate_deliveries")
    assert v.node == "charge"
    assert f"task charge#1 of node 'charge' delivered POST {PAY} 2 times (the fault-free run: 1)" in v.message
    assert "attempt 1 at t=0s" in v.message and "Idempotency-Key" in v.message


def test_the_same_retry_with_an_idempotency_key_is_silent(harness: Chaos):
    harness.http.post(PAY).respond(201, json={"id": "ch_1"})
    harness.inject(http_faults.lost_response(url=PAY, requests=[1]), node="charge", attempts=[1])
    result = harness.run(one_node(charge_with_key), {})
    assert len(result.journal.http) == 2 and all(h.delivered for h in result.journal.http)
    assert result.violated("duplicate_deliveries") == []


def test_a_repeated_model_inference_call_is_not_a_duplicate(harness: Chaos):
    harness.http.post(CHAT).respond(200, json={"choices": []})
    harness.inject(http_faults.lost_response(url=CHAT, requests=[1]), node="charge", attempts=[1])
    result = harness.run(one_node(ask_model), {})
    assert result.violated("duplicate_deliveries") == []


def test_a_request_the_upstream_never_saw_is_not_a_duplicate(harness: Chaos):
    harness.http.post(PAY).respond(201, json={"id": "ch_1"})
    harness.inject(http_faults.connect_error(url=PAY, requests=[1]), node="charge", attempts=[1])
    result = harness.run(one_node(charge), {})
    assert [h.delivered for h in result.journal.http] == [False, True]
    assert result.violated("duplicate_deliveries") == []


@pytest.mark.parametrize(
    ("url", "inference"),
    [
        ("https://api.openai.com/v1/chat/completions", True),
        ("https://api.anthropic.com/v1/messages", True),
        ("https://api.openai.com/v1/responses", True),
        ("https://api.openai.com/v1/embeddings/", True),
        ("https://payments.example.com/v1/charges", False),
        ("https://api.example.com/v1/messages/42/read", False),
    ],
)
def test_model_inference_endpoints_are_recognised_by_path(url: str, inference: bool):
    assert is_model_inference(url) is inference


# -- retry_sanity ----------------------------------------------------------------------------


async def parse(state: S) -> dict[str, Any]:
    raise ValueError(f"order {state.get('order')!r} is not a valid order id")


def test_retrying_a_deterministic_failure_three_times_makes_it_fire(harness: Chaos):
    retry_everything = RetryPolicy(max_attempts=3, initial_interval=1.0, jitter=False, retry_on=lambda e: True)
    result = harness.run(one_node(parse, retry_everything), {"order": "x"}, baseline=False, raise_on_violation=False)
    [v] = result.violated("retry_sanity")
    assert (v.node, v.attempt) == ("charge", 3)
    assert "attempts 1, 2, 3 all failed with ValueError: \"order 'x' is not a valid order id\"" in v.message
    assert "Make retry_on reject it" in v.message


def test_the_default_retry_policy_does_not_retry_a_value_error_and_is_silent(harness: Chaos):
    result = harness.run(one_node(parse, RetryPolicy()), {"order": "x"}, baseline=False, raise_on_violation=False)
    assert len(result.attempts("charge")) == 1
    assert result.violated("retry_sanity") == []


def test_injected_failures_never_count_as_deterministic(harness: Chaos):
    from chaos import faults

    harness.inject(faults.exception(ValueError("boom")), node="charge", attempts=[1, 2, 3])
    harness.http.post(PAY).respond(201)
    policy = RetryPolicy(max_attempts=4, initial_interval=1.0, jitter=False, retry_on=lambda e: True)
    result = harness.run(one_node(charge, policy), {})
    assert result.violated("retry_sanity") == []


# -- retry_budget ----------------------------------------------------------------------------


def sdk_with_retries(max_retries: int) -> Any:
    """A node whose client retries on its own, as openai/anthropic SDKs do (max_retries)."""

    async def node(state: S) -> dict[str, Any]:
        for _ in range(max_retries):
            r = await CLIENT.get(STATUS)
            if r.status_code < 500:
                break
        else:
            r = await CLIENT.get(STATUS)
        r.raise_for_status()
        return {"log": ["up"]}

    return node


def test_sdk_retries_times_graph_retries_beyond_the_budget_make_it_fire(harness: Chaos):
    harness.http.get(STATUS).respond(200)
    harness.inject(http_faults.status(503, url=STATUS), node="charge")
    result = harness.run(one_node(sdk_with_retries(3)), {}, raise_on_violation=False)
    [v] = result.violated("retry_budget")
    assert v.node == "charge"
    assert (
        f"sent 12 requests for one logical call (GET {STATUS}): 3 node attempt(s) x up to 4 requests "
        "per attempt (the client/SDK retrying) = 12, over the retry budget of 10 (chaos_retry_budget)"
    ) in v.message
    assert "max_retries=0" in v.message


def test_the_common_max_retries_2_under_three_attempts_fits_the_default_budget(harness: Chaos):
    harness.http.get(STATUS).respond(200)
    harness.inject(http_faults.status(503, url=STATUS), node="charge")
    result = harness.run(one_node(sdk_with_retries(2)), {}, raise_on_violation=False)
    assert len(result.journal.http) == 9
    assert result.violated("retry_budget") == []


def test_the_budget_can_be_lowered_and_rejects_nonsense():
    before = retry_budget()
    try:
        set_retry_budget(5)
        assert retry_budget() == 5
        with pytest.raises(ChaosUsageError, match="at least 1"):
            set_retry_budget(0)
    finally:
        set_retry_budget(before)
