"""`chaos.sdk.decide` against real LangGraph, and every fix text against the errors it must retry.

The graph is one node that raises the given exception on every attempt; LangGraph's own retry
loop runs (zero backoff, no jitter), and the number of attempts it made is compared with the
decision: a retried first failure means more than one attempt, exhaustion at the matching
policy's ``max_attempts``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from langgraph.graph import END, START, StateGraph
from langgraph.types import RetryPolicy
from typing_extensions import TypedDict

from chaos.sdk import classify, decide, retry_on_code
from tests.sdk.real_errors import CASES


class S(TypedDict, total=False):
    n: int


def attempts_made(policies: Sequence[RetryPolicy], exc: BaseException) -> int:
    count = 0

    def node(state: S) -> S:
        nonlocal count
        count += 1
        raise exc

    g = StateGraph(S)
    g.add_node("n", node, retry_policy=list(policies) or None)
    g.add_edge(START, "n")
    g.add_edge("n", END)
    with pytest.raises(BaseException):
        g.compile().invoke({})
    return count


def fast(**kw: Any) -> RetryPolicy:
    return RetryPolicy(initial_interval=0.0, max_interval=0.0, jitter=False, **kw)


POLICIES: dict[str, list[RetryPolicy]] = {
    "none": [],
    "default": [fast(max_attempts=3)],
    "class Exception": [fast(retry_on=Exception, max_attempts=2)],
    "sequence": [fast(retry_on=(ConnectionError, TimeoutError), max_attempts=4)],
    "callable 429": [fast(retry_on=lambda e: getattr(e, "status_code", None) == 429, max_attempts=2)],
    "first match wins": [fast(retry_on=ValueError, max_attempts=2), fast(max_attempts=4)],
    "raising predicate": [fast(retry_on=lambda e: e.response.status_code >= 500, max_attempts=3)],
}


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("error", CASES)
def test_the_decision_is_what_langgraph_does(policy: str, error: str) -> None:
    policies = POLICIES[policy]
    exc = CASES[error][0]()
    made = attempts_made(policies, exc)
    first = decide(policies, exc, 1)
    assert first.retried == (made > 1), first.why
    if first.retried:
        assert first.policy is not None and made == first.policy.max_attempts
        assert not decide(policies, exc, made).retried and decide(policies, exc, made).reason == "exhausted"


@pytest.mark.parametrize("error", [n for n, c in CASES.items() if c[4]])
def test_the_suggested_retry_on_retries_every_transient_error_of_its_library(error: str) -> None:
    exc = CASES[error][0]()
    imports, expr = retry_on_code(classify(exc))
    scope: dict[str, Any] = {}
    exec(imports, scope)
    retry_on = eval(expr, scope)
    policy = fast(retry_on=retry_on, max_attempts=2)
    assert attempts_made([policy], exc) == 2, f"{expr} does not retry {error}"


@pytest.mark.parametrize("error", [n for n, c in CASES.items() if not c[4] and c[1] != "python"])
def test_the_suggested_retry_on_still_fails_fast_on_permanent_errors(error: str) -> None:
    exc = CASES[error][0]()
    imports, expr = retry_on_code(classify(exc))
    scope: dict[str, Any] = {}
    exec(imports, scope)
    assert attempts_made([fast(retry_on=eval(expr, scope), max_attempts=2)], exc) == 1


def test_langgraphs_default_policy_retries_sdk_rate_limits_but_not_an_httpx_429() -> None:
    default = [RetryPolicy()]
    assert decide(default, CASES["openai RateLimitError"][0]()).retried
    assert decide(default, CASES["anthropic RateLimitError"][0]()).retried
    no = decide(default, CASES["httpx 429"][0]())
    assert (no.retried, no.reason) == (False, "no_match")
    assert "httpx.HTTPStatusError" in no.why
    # requests' ConnectionError is an OSError: the default policy gives up on it at once.
    assert not decide(default, CASES["requests ConnectionError"][0]()).retried
