"""The retry reference model agrees with real LangGraph, case by case and on generated cases."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langgraph.errors import GraphInterrupt
from langgraph.types import RetryPolicy

from chaos import Chaos
from chaos.invariants.retry_model import after_failure, backoff, expected_schedule
from tests.invariants.inv_graphs import http_error, scripted_builder

P429 = RetryPolicy(initial_interval=1, backoff_factor=2, max_attempts=2, jitter=False,
                   retry_on=lambda e: isinstance(e, httpx.HTTPStatusError) and e.response.status_code == 429)
P5XX = RetryPolicy(initial_interval=10, backoff_factor=2, max_attempts=3, jitter=False,
                   retry_on=lambda e: isinstance(e, httpx.HTTPStatusError) and e.response.status_code >= 500)


def test_backoff_is_capped_at_max_interval():
    p = RetryPolicy(initial_interval=1, backoff_factor=2, max_interval=3)
    assert [backoff(p, k) for k in range(1, 6)] == [1, 2, 3, 3, 3]


def test_the_attempt_counter_and_backoff_exponent_are_shared_across_policies():
    # Semantics §1: 429 then 503 then 503 -> 3 calls, the 503 retry sleeps 10 * 2**1.
    e = expected_schedule([P429, P5XX], [http_error(429), http_error(503), http_error(503)])
    assert (e.attempts, e.outcome) == (3, "raise")
    assert [(s.action, s.min_sleep) for s in e.steps] == [("retry", 1), ("retry", 20), ("raise", 0)]
    # 503 then 429: the 429 policy's max_attempts=2 is already used up.
    e = expected_schedule([P429, P5XX], [http_error(503), http_error(429)])
    assert (e.attempts, e.outcome) == (2, "raise")


def test_unmatched_and_control_flow_exceptions_are_not_retried():
    assert after_failure([P5XX], http_error(404), 1).action == "raise"
    assert "GraphBubbleUp" in after_failure([RetryPolicy(retry_on=lambda e: True)], GraphInterrupt(), 1).why
    assert after_failure([], ValueError(), 1).why == "the node has no retry policy"


def test_jitter_widens_the_window_by_one_second():
    step = after_failure([RetryPolicy(initial_interval=2, jitter=True)], ConnectionError(), 1)
    assert (step.min_sleep, step.max_sleep) == (2, 3)


def test_running_out_of_outcomes_is_a_clear_error():
    with pytest.raises(ValueError, match="give one more outcome"):
        expected_schedule(RetryPolicy(retry_on=ValueError), [ValueError()])


# -- against real LangGraph -------------------------------------------------------------------

ERRORS = {
    "value": lambda: ValueError("bad"),
    "conn": lambda: ConnectionError("reset"),
    "503": lambda: http_error(503),
    "429": lambda: http_error(429),
    "key": lambda: KeyError("k"),
}
RETRY_ON = {
    "conn": ConnectionError,
    "value_or_key": (ValueError, KeyError),
    "http": lambda e: isinstance(e, httpx.HTTPStatusError),
    "default": RetryPolicy().retry_on,
    "any": Exception,
}

policies = st.builds(
    lambda on, n, i, f, m, j: RetryPolicy(initial_interval=i, backoff_factor=f, max_interval=m, max_attempts=n, jitter=j, retry_on=RETRY_ON[on]),
    st.sampled_from(sorted(RETRY_ON)), st.integers(1, 4), st.sampled_from([0.5, 1.0, 3.0]),
    st.sampled_from([1.0, 2.0, 3.0]), st.sampled_from([2.0, 5.0, 100.0]), st.booleans(),
)


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    pols=st.lists(policies, min_size=0, max_size=3).map(lambda ps: ps[0] if len(ps) == 1 else ps),
    script=st.lists(st.sampled_from(sorted(ERRORS)), min_size=0, max_size=6),
)
def test_the_model_predicts_real_langgraph(pols, script):
    excs = [ERRORS[name]() for name in script] + [None]
    expected = expected_schedule(pols, excs)
    harness = Chaos(seed=5, test_id="model")
    try:
        result = harness.run(scripted_builder(excs, pols or None), {}, baseline=False, raise_on_violation=False)
    finally:
        harness.close()
    attempts = result.attempts("flaky")
    assert len(attempts) == expected.attempts
    if expected.outcome == "ok":
        assert result.journal.outcome == "ok" and attempts[-1].outcome == "ok"
    else:
        assert result.journal.error == type(excs[expected.attempts - 1]).__name__
    for step, rec, nxt in zip(expected.steps, attempts, attempts[1:]):
        gap = nxt.start - rec.end
        assert step.min_sleep - 1e-6 <= gap <= step.max_sleep + 1e-6
    assert result.violated("retry_schedule") == []
