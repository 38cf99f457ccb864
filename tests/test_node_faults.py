"""Every fault kind, aimed at nodes of real LangGraph graphs, lands where it was aimed.

Times are simulated seconds from the start of the run. Backoff of tests.graphs.RETRY is 1 s,
then 2 s (no jitter).
"""

from __future__ import annotations

import httpx
import pytest
from langgraph.types import RetryPolicy

from chaos import Chaos, ChaosUsageError, ChaosViolation, faults
from tests import graphs


def outcomes(result, node):
    return [(a.attempt, a.outcome, a.error, a.start) for a in result.attempts(node)]


def test_a_429_with_retry_after_is_a_real_httpx_error_and_is_retried(harness: Chaos, calls):
    harness.inject(faults.raise_status(429, retry_after=7), node="fetch", attempts=1)
    seen = []
    builder = graphs.retry_builder()

    result = harness.run(builder, {"query": "q"})

    assert outcomes(result, "fetch") == [(1, "error", "HTTPStatusError", 0.0), (2, "ok", None, 1.0)]
    assert result.attempts("fetch")[0].fault == "http 429 Retry-After=7"
    assert result.output["log"] == ["fetched", "summarized"]
    assert result.verdict == "pass"
    # The exception is a real httpx error with a real response carrying the header.
    err = faults.raise_status(429, retry_after=7).make()
    seen.append(err)
    assert isinstance(err, httpx.HTTPStatusError)
    assert err.response.status_code == 429 and err.response.headers["Retry-After"] == "7"
    assert err.request.method == "POST"


def test_5xx_on_two_attempts_backs_off_1_then_2_seconds(harness: Chaos, calls):
    harness.inject(faults.raise_status(503), node="fetch", attempts=[1, 2])
    result = harness.run(graphs.retry_builder(), {})
    assert [(a.outcome, a.start) for a in result.attempts("fetch")] == [("error", 0.0), ("error", 1.0), ("ok", 3.0)]


@pytest.mark.parametrize(
    ("fault", "error"),
    [(faults.raise_connect_error(), "ConnectError"), (faults.raise_read_timeout(), "ReadTimeout"), (faults.raise_remote_protocol_error(), "RemoteProtocolError")],
)
def test_transport_errors_are_retried_by_a_transient_policy(harness: Chaos, calls, fault, error):
    harness.inject(fault, node="fetch", attempts=1)
    result = harness.run(graphs.retry_builder(), {})
    assert outcomes(result, "fetch") == [(1, "error", error, 0.0), (2, "ok", None, 1.0)]


def test_langgraphs_default_retry_policy_does_not_retry_a_429(harness: Chaos, calls):
    builder = graphs.retry_builder()
    builder.nodes["fetch"].retry_policy = RetryPolicy()  # the default retry_on
    harness.inject(faults.raise_status(429, retry_after=1), node="fetch", attempts=1)
    result = harness.run(builder, {})
    assert outcomes(result, "fetch") == [(1, "error", "HTTPStatusError", 0.0)]
    assert result.journal.outcome == "error" and result.journal.error == "HTTPStatusError"
    assert result.verdict == "pass"  # the error propagated as the policy says


def test_an_exception_of_the_users_choice(harness: Chaos, calls):
    harness.inject(faults.exception(KeyError("missing")), node="summarize")
    result = harness.run(graphs.retry_builder(), {})
    assert outcomes(result, "summarize") == [(1, "error", "KeyError", 0.0)]
    assert result.journal.error == "KeyError"


def test_a_hang_times_out_at_the_idle_timeout_and_the_retry_recovers(harness: Chaos, calls):
    # A hang makes no progress: idle_timeout=10 fires before run_timeout=30.
    harness.inject(faults.hang(), node="search", attempts=1)
    result = harness.run(graphs.timeout_builder(retry=True), {})
    first, second = result.attempts("search")
    assert (first.outcome, first.timeout_kind, first.start, first.end) == ("timeout", "idle", 0.0, 10.0)
    assert (second.outcome, second.start, second.end) == ("ok", 11.0, 31.0)
    assert result.verdict == "pass"


def test_a_hang_under_run_timeout_only_fails_the_run_at_the_run_timeout(harness: Chaos, calls):
    builder = graphs.timeout_builder()
    builder.nodes["search"].timeout = graphs.TimeoutPolicy(run_timeout=30)
    harness.inject(faults.hang(), node="search")
    result = harness.run(builder, {})
    assert result.journal.outcome == "error" and result.journal.error == "NodeTimeoutError"
    att = result.attempts("search")[0]
    assert (att.outcome, att.timeout_kind, att.end) == ("timeout", "run", 30.0)


def test_a_stall_after_one_heartbeat_fires_the_idle_timeout(harness: Chaos, calls):
    # Heartbeat at 5 s passes, the one at 10 s is swallowed: idle_timeout=10 fires at 15 s.
    harness.inject(faults.stall(after_heartbeats=1), node="search")
    result = harness.run(graphs.timeout_builder(), {})
    att = result.attempts("search")[0]
    assert (att.outcome, att.timeout_kind, att.end) == ("timeout", "idle", 15.0)
    assert result.journal.error == "NodeTimeoutError"


def test_a_stall_that_never_reaches_its_heartbeat_is_reported_as_never_fired(harness: Chaos, calls):
    harness.inject(faults.stall(after_heartbeats=9), node="search")
    with pytest.raises(ChaosViolation, match=r"never fired.*runtime.heartbeat"):
        harness.run(graphs.timeout_builder(), {})


def test_a_slow_call_adds_simulated_latency(harness: Chaos, calls):
    harness.inject(faults.delay(3.5), node="fetch")
    result = harness.run(graphs.retry_builder(), {})
    assert result.attempts("fetch")[0].end == 3.5
    assert result.attempts("summarize")[0].start == 3.5


def test_a_lost_result_runs_the_body_and_then_fails(harness: Chaos, calls):
    harness.inject(faults.lost_result(), node="fetch", attempts=1)
    result = harness.run(graphs.retry_builder(), {}, baseline=False)
    assert calls == ["fetch", "fetch", "summarize"]  # the side effect happened twice
    assert outcomes(result, "fetch") == [(1, "error", "ReadTimeout", 0.0), (2, "ok", None, 1.0)]


def test_the_error_handler_runs_once_after_retries_are_exhausted(harness: Chaos, calls):
    harness.inject(faults.raise_status(502), node="fetch")
    result = harness.run(graphs.handler_builder(), {}, baseline=False)
    assert [a.outcome for a in result.attempts("fetch")] == ["error", "error", "error"]
    handler = result.attempts("__error_handler__fetch")
    assert len(handler) == 1 and handler[0].outcome == "ok"
    assert "fallback:fetch:HTTPStatusError" in calls
    assert result.output["log"] == ["fallback after fetch", "summarized"]


def test_a_fault_lands_on_one_send_task_only(harness: Chaos, calls):
    harness.inject(faults.raise_status(503), node="work", attempts=1, times=1)
    result = harness.run(graphs.fanout_builder(), {})
    per_task = {task: [a.outcome for a in atts] for task, atts in result.journal.tasks("work").items()}
    assert sorted(per_task.values()) == [["error", "ok"], ["ok"], ["ok"]]
    assert sorted(result.output["log"]) == sorted(["split", "done part0", "done part1", "done part2", "summarized"])
    assert result.verdict == "pass"


def test_subgraph_nodes_are_addressed_as_parent_slash_child(harness: Chaos, calls):
    harness.inject(faults.raise_status(503), node="inner/fetch", attempts=1)
    result = harness.run(graphs.subgraph_builder(), {})
    assert [a.outcome for a in result.attempts("inner/fetch")] == ["error", "ok"]
    assert result.attempts("fetch") == []
    assert result.verdict == "pass"


def test_a_hang_in_a_sync_node_fails_fast_with_a_liveness_violation(harness: Chaos, calls):
    harness.inject(faults.hang(), node="fetch")
    result = harness.run(graphs.sync_builder(), {}, raise_on_violation=False)
    [violation] = result.violated("liveness")
    assert "'fetch'" in violation.message and "sync node" in violation.message
    assert "never finish" in violation.message


def test_a_hang_in_an_async_node_without_timeout_fails_fast(harness: Chaos, calls):
    harness.inject(faults.hang(), node="fetch")
    result = harness.run(graphs.retry_builder(), {}, raise_on_violation=False)
    [violation] = result.violated("liveness")
    assert "no TimeoutPolicy reaches it" in violation.message


def test_a_sync_node_with_a_timeout_is_still_rejected_at_compile(harness: Chaos):
    builder = graphs.sync_builder()
    builder.nodes["fetch"].timeout = graphs.TimeoutPolicy(run_timeout=5)
    with pytest.raises(ValueError, match="only supported for async nodes"):
        harness.instrument(builder)


def test_sync_invoke_retries_on_the_simulated_clock(harness: Chaos, calls):
    harness.inject(faults.raise_status(503), node="fetch", attempts=1)
    result = harness.run(graphs.sync_builder(), {}, drive="stream")
    assert [(a.outcome, a.start) for a in result.attempts("fetch")] == [("error", 0.0), ("ok", 1.0)]


def test_cache_policy_nodes_get_an_embedded_cache_and_faults_still_land(harness: Chaos, calls):
    harness.inject(faults.raise_status(503), node="expensive")
    inst = harness.instrument(graphs.cache_builder())
    assert inst.graph.cache is not None
    result = harness.run(graphs.cache_builder(), {"query": "q"})
    assert result.journal.error == "HTTPStatusError"


def test_an_unknown_node_is_a_usage_error_listing_the_nodes(harness: Chaos):
    harness.inject(faults.hang(), node="fecth")
    with pytest.raises(ChaosUsageError, match=r"no node matches 'fecth'.*fetch, summarize"):
        harness.run(graphs.retry_builder(), {})


def test_a_fault_that_never_fired_fails_the_trial_and_names_it(harness: Chaos, calls):
    harness.inject(faults.raise_status(503), node="fetch", attempts=5)
    with pytest.raises(ChaosViolation, match=r"\[faults_fired\] declared fault 'http 503 -> fetch@5' never fired: it ran fetch attempt 1"):
        harness.run(graphs.retry_builder(), {})


def test_the_users_builder_and_compiled_graph_are_not_mutated(harness: Chaos, calls):
    builder = graphs.handler_builder()
    before = {name: (spec.runnable, spec.retry_policy, spec.timeout) for name, spec in builder.nodes.items()}
    compiled = builder.compile()
    compiled_nodes = dict(compiled.nodes)
    harness.inject(faults.raise_status(503), node="fetch")
    harness.run(builder, {}, baseline=False)
    harness.run(compiled, {}, baseline=False)
    assert {name: (spec.runnable, spec.retry_policy, spec.timeout) for name, spec in builder.nodes.items()} == before
    assert dict(compiled.nodes) == compiled_nodes
    calls.clear()
    import asyncio

    assert asyncio.run(compiled.ainvoke({})) == {"log": ["fetched", "summarized"], "result": "data for "}
    assert calls == ["fetch", "summarize"]


def test_a_compiled_graph_keeps_its_own_checkpointer_cache_and_store(harness: Chaos):
    from langgraph.cache.memory import InMemoryCache
    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.store.memory import InMemoryStore

    saver, cache, store = InMemorySaver(), InMemoryCache(), InMemoryStore()
    compiled = graphs.cache_builder().compile(checkpointer=saver, cache=cache, store=store, name="mine")
    inst = harness.instrument(compiled)
    assert (inst.graph.checkpointer, inst.graph.cache, inst.graph.store, inst.graph.name) == (saver, cache, store, "mine")
    assert inst.graph is not compiled


def test_the_same_seed_gives_the_same_journal(calls):
    def journal(seed: int) -> list:
        h = Chaos(seed=seed, test_id="t")
        h.inject(faults.raise_status(503), node="work", probability=0.5)
        h.inject(faults.delay(1), node="split", probability=0.5)
        r = h.run(graphs.fanout_builder(), {}, raise_on_violation=False)
        return r.to_json()["journal"]

    assert journal(7) == journal(7)
    assert any(journal(s) != journal(7) for s in (8, 9, 10))


def test_adding_a_fault_elsewhere_does_not_shift_the_others(calls):
    def work_faults(extra: bool) -> list:
        h = Chaos(seed=3, test_id="t")
        h.inject(faults.raise_status(503), node="work", probability=0.5)
        if extra:
            h.inject(faults.delay(1), node="summarize")
        r = h.run(graphs.fanout_builder(), {}, raise_on_violation=False)
        return [(a.task, a.attempt, a.fault) for a in r.attempts("work")]

    assert work_faults(False) == work_faults(True)
