"""Acceptance tests: real LangGraph graphs (retries, timeouts, cache TTL) under simulated time.

Every simulated scenario spans seconds to minutes of LangGraph time and runs in milliseconds.
Run as a script (``python test_simtime_langgraph.py SEED``) it prints the parallel-branch event
log as JSON; the cross-process determinism test uses that.
"""

from __future__ import annotations

import asyncio
import json
import operator
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any, TypedDict

import pytest
from langgraph.cache.memory import InMemoryCache
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.errors import NodeTimeoutError
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import CachePolicy, RetryPolicy, TimeoutPolicy

from chaos.simtime import SimulatedDeadlock, current_clock, run_async, run_sync


class S(TypedDict):
    x: int


class LogS(TypedDict):
    log: Annotated[list[str], operator.add]


def now() -> float:
    clock = current_clock()
    assert clock is not None, "not inside a trial"
    return clock.now()


def single_node_graph(fn: Any, **node_kwargs: Any) -> Any:
    g = StateGraph(S)
    g.add_node("n", fn, **node_kwargs)
    g.add_edge(START, "n")
    g.add_edge("n", END)
    return g.compile()


# --------------------------------------------------------------------------------------------
# retries and timeouts
# --------------------------------------------------------------------------------------------
def test_retry_backoff_attempt_start_times() -> None:
    starts: list[float] = []

    async def flaky(state: S) -> dict[str, int]:
        starts.append(now())
        if len(starts) <= 5:
            raise ConnectionError("transient")
        return {"x": len(starts)}

    policy = RetryPolicy(
        initial_interval=1, backoff_factor=2, max_interval=8, max_attempts=6, jitter=False
    )
    graph = single_node_graph(flaky, retry_policy=policy)

    assert run_async(lambda: graph.ainvoke({"x": 0})) == {"x": 6}
    assert starts == [0.0, 1.0, 3.0, 7.0, 15.0, 23.0]


def test_run_timeout_fires_at_exactly_30s() -> None:
    async def hang(state: S) -> dict[str, int]:
        await asyncio.Event().wait()
        return {"x": 1}

    graph = single_node_graph(hang, timeout=TimeoutPolicy(run_timeout=30))

    async def main() -> tuple[NodeTimeoutError, float]:
        with pytest.raises(NodeTimeoutError) as info:
            await graph.ainvoke({"x": 0})
        return info.value, now()

    err, at = run_async(main)
    assert err.kind == "run"
    assert at == 30.0
    assert err.elapsed == 30.0


def test_idle_timeout_with_heartbeats_fires_at_70s() -> None:
    beats: list[float] = []

    async def worker(state: S, runtime: Runtime) -> dict[str, int]:
        while now() < 60:
            runtime.heartbeat()
            beats.append(now())
            await asyncio.sleep(5)
        runtime.heartbeat()
        beats.append(now())
        await asyncio.Event().wait()  # stalls after the last heartbeat at t=60
        return {"x": 1}

    graph = single_node_graph(
        worker, timeout=TimeoutPolicy(idle_timeout=10, refresh_on="heartbeat")
    )

    async def main() -> tuple[NodeTimeoutError, float]:
        with pytest.raises(NodeTimeoutError) as info:
            await graph.ainvoke({"x": 0})
        return info.value, now()

    err, at = run_async(main)
    assert err.kind == "idle"
    assert at == 70.0
    assert beats == [float(t) for t in range(0, 61, 5)]


def test_short_sleep_under_run_timeout_does_not_time_out() -> None:
    async def quick(state: S) -> dict[str, int]:
        await asyncio.sleep(1)
        return {"x": 1}

    graph = single_node_graph(quick, timeout=TimeoutPolicy(run_timeout=30))

    async def main() -> tuple[Any, float]:
        return await graph.ainvoke({"x": 0}), now()

    assert run_async(main) == ({"x": 1}, 1.0)


def test_sync_node_with_retries_under_ainvoke() -> None:
    """Sync bodies run in the loop's executor; their time.sleep advances the clock."""
    starts: list[float] = []

    def slow_flaky(state: S) -> dict[str, int]:
        starts.append(now())
        import time

        time.sleep(2)  # "takes" 2 s
        if len(starts) < 3:
            raise ConnectionError("transient")
        return {"x": 1}

    policy = RetryPolicy(initial_interval=1, backoff_factor=2, max_attempts=3, jitter=False)
    graph = single_node_graph(slow_flaky, retry_policy=policy)

    async def main() -> tuple[Any, float]:
        return await graph.ainvoke({"x": 0}), now()

    assert run_async(main) == ({"x": 1}, 9.0)  # 3 bodies of 2 s + backoff 1 + 2
    assert starts == [0.0, 3.0, 7.0]


def test_sync_invoke_under_run_sync() -> None:
    starts: list[float] = []

    def flaky(state: S) -> dict[str, int]:
        starts.append(now())
        if len(starts) < 4:
            raise ConnectionError("transient")
        return {"x": 1}

    policy = RetryPolicy(initial_interval=1, backoff_factor=2, max_attempts=4, jitter=False)
    graph = single_node_graph(flaky, retry_policy=policy)
    assert run_sync(lambda: graph.invoke({"x": 0})) == {"x": 1}
    assert starts == [0.0, 1.0, 3.0, 7.0]


def test_hang_without_timeout_is_a_simulated_deadlock() -> None:
    async def hang(state: S) -> dict[str, int]:
        await asyncio.Event().wait()
        return {"x": 1}

    graph = single_node_graph(hang)
    with pytest.raises(SimulatedDeadlock) as info:
        run_async(
            lambda: graph.ainvoke({"x": 0}),
            describe_stuck=lambda: "stuck nodes: ['n'] (attempt 1)",
        )
    message = str(info.value)
    assert "stuck nodes: ['n'] (attempt 1)" in message
    assert "t=0.000s" in message


def test_deadlock_after_some_time_reports_when() -> None:
    async def main() -> None:
        await asyncio.sleep(42)
        await asyncio.Event().wait()

    with pytest.raises(SimulatedDeadlock, match=r"t=42\.000s") as info:
        run_async(main)
    # Without describe_stuck, the pending tasks are listed with their await chain.
    assert "task chaos-trial: " in str(info.value)
    assert "<locals>.main > Event.wait (" in str(info.value)


# --------------------------------------------------------------------------------------------
# cache TTL
# --------------------------------------------------------------------------------------------
def _cached_graph(body_runs: list[float]) -> Any:
    async def expensive(state: S) -> dict[str, int]:
        body_runs.append(now())
        return {"x": state["x"] + 1}

    g = StateGraph(S)
    g.add_node("n", expensive, cache_policy=CachePolicy(ttl=300))
    g.add_edge(START, "n")
    g.add_edge("n", END)
    return g.compile(cache=InMemoryCache())


def _cache_ttl_scenario(graph: Any, body_runs: list[float]) -> list[tuple[float, int]]:
    async def main() -> list[tuple[float, int]]:
        seen = []
        await graph.ainvoke({"x": 1})
        seen.append((now(), len(body_runs)))
        await asyncio.sleep(299)
        await graph.ainvoke({"x": 1})  # hit
        seen.append((now(), len(body_runs)))
        await asyncio.sleep(2)
        await graph.ainvoke({"x": 1})  # miss: the entry written at t=0 expired at 300
        seen.append((now(), len(body_runs)))
        return seen

    return run_async(main)


def test_cache_ttl_hit_at_299_miss_at_301() -> None:
    body_runs: list[float] = []
    graph = _cached_graph(body_runs)
    assert _cache_ttl_scenario(graph, body_runs) == [(0.0, 1), (299.0, 1), (301.0, 2)]
    assert body_runs == [0.0, 301.0]


# --------------------------------------------------------------------------------------------
# determinism
# --------------------------------------------------------------------------------------------
def parallel_log(seed: int) -> list[Any]:
    """Two branches, different timeouts, jittered retries, a checkpointer: the full event log."""
    events: list[Any] = []
    calls = {"a": 0, "b": 0}

    async def a(state: LogS) -> dict[str, list[str]]:
        calls["a"] += 1
        events.append(["a", calls["a"], now()])
        await asyncio.sleep(0.5)
        if calls["a"] < 4:
            raise ConnectionError("a flaked")
        return {"log": ["a"]}

    async def b(state: LogS) -> dict[str, list[str]]:
        calls["b"] += 1
        events.append(["b", calls["b"], now()])
        if calls["b"] < 3:
            await asyncio.Event().wait()  # hang: run_timeout=5 fires
        return {"log": ["b"]}

    jittered = RetryPolicy(initial_interval=1, backoff_factor=2, max_attempts=5, jitter=True)
    g = StateGraph(LogS)
    g.add_node("a", a, retry_policy=jittered, timeout=TimeoutPolicy(run_timeout=30))
    g.add_node("b", b, retry_policy=jittered, timeout=TimeoutPolicy(run_timeout=5))
    g.add_edge(START, "a")
    g.add_edge(START, "b")
    g.add_edge("a", END)
    g.add_edge("b", END)
    saver = InMemorySaver()
    graph = g.compile(checkpointer=saver)
    config = {"configurable": {"thread_id": "t1"}}

    async def main() -> Any:
        out = await graph.ainvoke({"log": []}, config)
        history = [
            [c.config["configurable"]["checkpoint_id"], c.checkpoint["ts"]]
            async for c in saver.alist(config)
        ]
        return out, history, now()

    out, history, end = run_async(main, seed=seed)
    return [events, sorted(out["log"]), history, end]


def test_parallel_jittered_branches_identical_over_20_runs() -> None:
    first = parallel_log(7)
    events = first[0]
    # Sanity: jitter really is on (fractional attempt times) and both branches retried.
    assert [e[0] for e in events].count("a") == 4
    assert [e[0] for e in events].count("b") == 3
    assert any(e[2] != int(e[2]) for e in events)
    assert first[1] == ["a", "b"]
    for _ in range(19):
        assert parallel_log(7) == first


def test_different_seed_gives_different_jitter() -> None:
    assert parallel_log(7)[0] != parallel_log(8)[0]


def test_same_log_across_processes_with_different_hash_seeds() -> None:
    expected = json.loads(json.dumps(parallel_log(7)))
    root = Path(__file__).resolve().parents[2]
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "7"],
            env=dict(os.environ, PYTHONHASHSEED=hash_seed, PYTHONPATH=str(root)),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for hash_seed in ("1", "4242")  # in parallel: each pays ~1.5 s of imports
    ]
    results = [(proc.communicate(timeout=120), proc.returncode) for proc in procs]
    for (stdout, stderr), returncode in results:
        assert returncode == 0, stderr
        assert json.loads(stdout) == expected


# --------------------------------------------------------------------------------------------
# real mode
# --------------------------------------------------------------------------------------------
def _attempt_order(mode: str) -> list[str]:
    events: list[str] = []
    calls = {"a": 0, "b": 0}

    async def a(state: LogS) -> dict[str, list[str]]:
        calls["a"] += 1
        events.append(f"a{calls['a']}")
        if calls["a"] < 3:
            raise ConnectionError("a flaked")
        return {"log": ["a"]}

    async def b(state: LogS) -> dict[str, list[str]]:
        calls["b"] += 1
        events.append(f"b{calls['b']}")
        if calls["b"] < 2:
            raise ConnectionError("b flaked")
        return {"log": ["b"]}

    # a starts attempts at 0, 0.02, 0.06; b at 0, 0.04: gaps of 20 ms in real time.
    g = StateGraph(LogS)
    g.add_node("a", a, retry_policy=RetryPolicy(initial_interval=0.02, jitter=False))
    g.add_node("b", b, retry_policy=RetryPolicy(initial_interval=0.04, jitter=False))
    g.add_edge(START, "a")
    g.add_edge(START, "b")
    graph = g.compile()
    run_async(lambda: graph.ainvoke({"log": []}), mode=mode)  # type: ignore[arg-type]
    return events


def test_real_mode_gives_same_attempt_order_as_simulated() -> None:
    simulated = _attempt_order("simulated")
    assert simulated == ["a1", "b1", "a2", "b2", "a3"]
    assert _attempt_order("real") == simulated


def test_real_mode_clock() -> None:
    async def main() -> tuple[str, float]:
        clock = current_clock()
        assert clock is not None
        with clock.hold():  # a no-op in real mode
            pass
        with pytest.raises(RuntimeError):
            clock.advance(1)
        return clock.mode, clock.now()

    mode, t = run_async(main, mode="real")
    assert mode == "real"
    assert 0 <= t < 5
    assert current_clock() is None


if __name__ == "__main__":
    print(json.dumps(parallel_log(int(sys.argv[1]))))
