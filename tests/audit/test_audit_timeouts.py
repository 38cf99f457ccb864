"""LGC101-LGC103: nodes nothing can time out, idle timeouts nothing refreshes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import TimeoutPolicy

from chaos import Chaos, faults
from chaos.audit import audit
from tests.audit.helpers import URL, S, codes, one_node, upstream


def sync_work(state: S) -> dict[str, Any]:
    return {"result": "done"}


async def async_work(state: S) -> dict[str, Any]:
    return {"result": "done"}


async def calls_out(state: S) -> dict[str, Any]:
    async with upstream() as client:
        response = await client.get(URL)
    return {"result": str(response.status_code)}


# -- LGC101 ----------------------------------------------------------------------------------


def test_a_sync_node_is_reported_because_nothing_can_time_it_out() -> None:
    assert codes(audit(one_node(sync_work))) == [("LGC101", "work")]


def test_an_async_node_with_a_timeout_is_not_reported() -> None:
    assert audit(one_node(async_work, timeout=TimeoutPolicy(run_timeout=30))) == []


def test_a_sync_node_inside_a_timed_subgraph_node_is_not_reported() -> None:
    inner = one_node(sync_work).compile()
    outer = StateGraph(S)
    outer.add_node("inner", inner, timeout=TimeoutPolicy(run_timeout=30))
    outer.add_edge(START, "inner")
    outer.add_edge("inner", END)
    assert audit(outer) == []


def test_langgraph_rejects_a_timeout_on_a_sync_node_and_a_hang_there_never_ends(harness: Chaos) -> None:
    # What LGC101 rests on: compile() refuses the fix, and the harness sees a hang nothing ends.
    with pytest.raises(ValueError, match="only supported for async nodes"):
        one_node(sync_work, timeout=1).compile()
    harness.inject(faults.hang(), node="work")
    result = harness.run(one_node(sync_work), {}, baseline=False, raise_on_violation=False)
    assert [v.invariant for v in result.violations] == ["liveness"]


# -- LGC102 ----------------------------------------------------------------------------------


def test_an_async_node_seen_calling_http_without_a_timeout_is_an_error() -> None:
    [finding] = audit(one_node(calls_out))
    assert (finding.code, finding.severity, finding.location) == ("LGC102", "error", "work")
    assert f"GET {URL}" in finding.message


async def calls_out_with_a_client_timeout(state: S) -> dict[str, Any]:
    async with upstream(timeout=10) as client:
        response = await client.get(URL)
    return {"result": str(response.status_code)}


def test_a_request_with_the_clients_own_timeout_is_not_reported() -> None:
    assert audit(one_node(calls_out_with_a_client_timeout)) == []


def test_the_same_node_with_a_run_timeout_is_not_reported() -> None:
    assert audit(one_node(calls_out, timeout=TimeoutPolicy(run_timeout=10))) == []


# -- LGC105 ----------------------------------------------------------------------------------


def test_an_async_node_without_http_and_without_timeout_is_a_warning() -> None:
    [finding] = audit(one_node(async_work))
    assert (finding.code, finding.severity, finding.location) == ("LGC105", "warning", "work")
    assert "sent no HTTP request" in finding.message


def test_the_same_node_with_a_timeout_is_not_warned_about() -> None:
    assert audit(one_node(async_work, timeout=TimeoutPolicy(run_timeout=30))) == []


def test_a_node_seen_sending_http_is_lgc102s_not_lgc105s() -> None:
    assert codes(audit(one_node(calls_out))) == [("LGC102", "work")]


def test_a_node_that_never_ran_in_the_probe_is_not_warned_about() -> None:
    assert audit(one_node(async_work), probes=False) == []


def test_http_seen_in_a_callers_journal_is_enough_without_probes(harness: Chaos) -> None:
    from chaos.audit.probe import record_http

    harness.around.append(record_http())
    journal = harness.run(one_node(calls_out), {}, baseline=False).journal
    assert [(h.node, h.method) for h in journal.http] == [("work", "GET")]
    assert codes(audit(one_node(calls_out), probes=False, journal=journal)) == [("LGC102", "work")]
    assert audit(one_node(calls_out), probes=False) == []


# -- LGC103 ----------------------------------------------------------------------------------

IDLE = TimeoutPolicy(run_timeout=60, idle_timeout=10, refresh_on="heartbeat")


async def no_runtime(state: S) -> dict[str, Any]:
    await asyncio.sleep(20)
    return {"result": "paged"}


async def silent(state: S, runtime: Runtime) -> dict[str, Any]:
    await asyncio.sleep(5)
    return {"result": "paged"}


async def beating(state: S, runtime: Runtime) -> dict[str, Any]:
    for _ in range(4):
        await asyncio.sleep(5)
        runtime.heartbeat()
    return {"result": "paged"}


def test_heartbeat_refresh_on_a_node_without_runtime_is_reported_statically() -> None:
    [finding] = audit(one_node(no_runtime, timeout=IDLE), probes=False)
    assert finding.code == "LGC103" and "no `runtime` parameter" in finding.message


def test_a_node_that_takes_runtime_but_never_heartbeats_is_caught_by_the_probe() -> None:
    [finding] = audit(one_node(silent, timeout=IDLE))
    assert finding.code == "LGC103" and "without calling runtime.heartbeat()" in finding.message
    assert audit(one_node(silent, timeout=IDLE), probes=False) == []


def test_a_node_that_heartbeats_is_not_reported() -> None:
    assert audit(one_node(beating, timeout=IDLE)) == []


def test_auto_refresh_is_not_reported_since_streams_and_callbacks_count() -> None:
    auto = TimeoutPolicy(run_timeout=60, idle_timeout=10, refresh_on="auto")
    assert audit(one_node(silent, timeout=auto)) == []


def test_without_heartbeats_the_idle_timeout_fires_as_soon_as_the_node_runs_longer(harness: Chaos) -> None:
    result = harness.run(one_node(no_runtime, timeout=IDLE), {}, baseline=False, raise_on_violation=False)
    first = result.attempts("work")[0]
    assert (first.outcome, first.timeout_kind, first.end) == ("timeout", "idle", 10.0)
    ok = harness.run(one_node(beating, timeout=IDLE), {}, baseline=False)
    assert [a.outcome for a in ok.attempts("work")] == ["ok"]
