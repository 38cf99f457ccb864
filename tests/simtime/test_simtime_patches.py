"""Trial patches: what they change inside a trial, and that everything is restored afterwards."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import threading
import time
from typing import Any, TypedDict

import aiosqlite.core
import freezegun
import langgraph.checkpoint.base.id as lg_id
import langgraph.pregel._retry as lg_retry
import pytest
import time_machine
from langgraph.cache.memory import InMemoryCache
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import CachePolicy, RetryPolicy, TimeoutPolicy

from chaos.simtime import SIM_EPOCH, VirtualClock, current_clock, real_time, run_async, run_sync

TIME_NAMES = (
    "monotonic",
    "monotonic_ns",
    "perf_counter",
    "perf_counter_ns",
    "sleep",
    "time",
    "time_ns",
)


def snapshot() -> dict[str, Any]:
    policy = asyncio.get_event_loop_policy()
    return {
        "time": {name: getattr(time, name) for name in TIME_NAMES},
        "datetime": (dt.datetime, dt.date),
        "random": random.getstate(),
        "retry_random": lg_retry.random,
        "last_v6": lg_id._last_v6_timestamp,
        "policy": policy,
        "current_loop": getattr(policy._local, "_loop", None),  # type: ignore[attr-defined]
        "clock": current_clock(),
        "tz": os.environ.get("TZ"),
        "travelling": time_machine.escape_hatch.is_travelling(),
        "freezegun": list(freezegun.api.freeze_factories),
        "aiosqlite": {
            name: aiosqlite.core.Connection.__dict__[name] for name in ("_connect", "_execute", "close")
        },
    }


def real_wall() -> float:
    if time_machine.escape_hatch.is_travelling():
        return time_machine.escape_hatch.time.time()
    return time.time()


def assert_real_wall_clock() -> None:
    real = real_wall()
    assert abs(time.time() - real) < 5
    assert abs(dt.datetime.now(dt.timezone.utc).timestamp() - real) < 5


@pytest.fixture
def before() -> dict[str, Any]:
    lg_id.uuid6()  # make the uuid6 "last timestamp" non-trivial
    return snapshot()


def now() -> float:
    clock = current_clock()
    assert clock is not None
    return clock.now()


# --------------------------------------------------------------------------------------------
# inside a trial
# --------------------------------------------------------------------------------------------
def test_inside_a_trial_everything_reads_the_virtual_clock() -> None:
    def check() -> dict[str, Any]:
        clock = current_clock()
        assert isinstance(clock, VirtualClock)
        assert lg_id._last_v6_timestamp is None  # cleared: ids do not depend on earlier trials
        assert time.monotonic() == time.perf_counter() == clock.monotonic()
        time.sleep(1234.5)
        return {
            "now": clock.now(),
            "mono_ns": time.monotonic_ns() - round(clock.monotonic() * 1e9),
            "time": time.time(),
            "time_ns": time.time_ns(),
            "utc": dt.datetime.now(dt.timezone.utc),
            "naive": dt.datetime.now(),
            "utcnow": dt.datetime.utcnow(),
            "today": dt.date.today(),
        }

    got = run_sync(check)
    expected_utc = SIM_EPOCH + dt.timedelta(seconds=1234.5)
    assert got["now"] == 1234.5
    assert got["mono_ns"] == 0
    assert got["time"] == expected_utc.timestamp()
    assert got["time_ns"] == int(SIM_EPOCH.timestamp()) * 10**9 + 1_234_500_000_000
    assert got["utc"] == expected_utc
    assert got["naive"] == got["utcnow"] == expected_utc.replace(tzinfo=None)
    assert got["today"] == dt.date(2030, 1, 1)


def test_wall_clock_follows_jumps_of_the_event_loop() -> None:
    async def main() -> tuple[dt.datetime, dt.date]:
        await asyncio.sleep(86400 + 0.25)
        return dt.datetime.now(dt.timezone.utc), dt.date.today()

    utc, today = run_async(main)
    assert utc == SIM_EPOCH + dt.timedelta(days=1, microseconds=250_000)
    assert today == dt.date(2030, 1, 2)


def test_time_sleep_on_a_thread_advances_the_shared_clock() -> None:
    def main() -> float:
        threads = [threading.Thread(target=time.sleep, args=(2,)) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with pytest.raises(ValueError):
            time.sleep(-1)
        return now()

    assert run_sync(main) == 6.0  # parallel sleeps add up on one clock


def test_jitter_and_global_random_are_seeded() -> None:
    def draws() -> tuple[float, float]:
        return lg_retry.random.uniform(0, 1), random.random()

    a = run_sync(draws, seed=5)
    assert a == (random.Random(5).uniform(0, 1), random.Random(5).random())
    assert run_sync(draws, seed=5) == a
    assert run_sync(draws, seed=6) != a


def test_checkpoint_ids_are_reproducible_across_trials() -> None:
    def ids() -> list[str]:
        out = []
        for _ in range(3):
            out.append(str(lg_id.uuid6(clock_seq=None)))
            time.sleep(0.5)
        return out

    first = run_sync(ids, seed=3)
    lg_id.uuid6()  # a real-time id in between must not influence the next trial
    assert run_sync(ids, seed=3) == first


def test_async_sqlite_saver_runs_under_simulated_time(tmp_path: Any) -> None:
    """aiosqlite completes futures from its own thread; the trial holds the clock meanwhile."""
    attempts: list[float] = []

    async def flaky(state: S) -> dict[str, int]:
        attempts.append(now())
        await asyncio.sleep(1)
        if len(attempts) < 3:
            raise ConnectionError("transient")
        return {"x": state["x"] + 1}

    g = StateGraph(S)
    g.add_node(
        "n",
        flaky,
        retry_policy=RetryPolicy(initial_interval=2, jitter=False),
        timeout=TimeoutPolicy(run_timeout=5),
    )
    g.add_edge(START, "n")
    g.add_edge("n", END)

    async def main(path: str) -> tuple[Any, int, float]:
        async with AsyncSqliteSaver.from_conn_string(path) as saver:
            graph = g.compile(checkpointer=saver)
            config = {"configurable": {"thread_id": "t"}}
            out = await graph.ainvoke({"x": 0}, config)
            checkpoints = [c async for c in saver.alist(config)]
            return out, len(checkpoints), now()

    for i in range(3):
        attempts.clear()
        out, n_checkpoints, end = run_async(lambda: main(str(tmp_path / f"{i}.db")))
        assert out == {"x": 1}
        assert n_checkpoints >= 2
        assert attempts == [0.0, 3.0, 8.0]  # 1 s bodies, backoff 2 then 4
        assert end == 9.0


# --------------------------------------------------------------------------------------------
# restoration
# --------------------------------------------------------------------------------------------
def test_restored_after_success(before: dict[str, Any]) -> None:
    async def main() -> str:
        random.random()
        await asyncio.sleep(10)
        lg_id.uuid6()
        return "ok"

    assert run_async(main) == "ok"
    assert run_sync(lambda: (time.sleep(3), lg_id.uuid6())) is not None
    assert snapshot() == before
    assert_real_wall_clock()


def test_restored_after_an_exception(before: dict[str, Any]) -> None:
    async def main() -> None:
        random.random()
        await asyncio.sleep(10)
        raise ValueError("boom")

    def sync_main() -> None:
        time.sleep(3)
        raise ValueError("boom")

    with pytest.raises(ValueError):
        run_async(main)
    with pytest.raises(ValueError):
        run_sync(sync_main)
    assert snapshot() == before
    assert_real_wall_clock()


def test_restored_after_keyboard_interrupt(before: dict[str, Any]) -> None:
    async def main() -> None:
        random.random()
        asyncio.get_running_loop().create_task(asyncio.sleep(100))  # left over
        await asyncio.to_thread(time.sleep, 1)
        await asyncio.sleep(10)
        raise KeyboardInterrupt

    def sync_main() -> None:
        time.sleep(3)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_async(main)
    with pytest.raises(KeyboardInterrupt):
        run_sync(sync_main)
    assert snapshot() == before
    assert_real_wall_clock()
    # And the next trial starts clean.
    assert run_async(lambda: asyncio.sleep(5, result="again")) == "again"
    assert snapshot() == before


def test_restored_in_real_mode(before: dict[str, Any]) -> None:
    async def main() -> str:
        await asyncio.sleep(0)
        return "ok"

    assert run_async(main, mode="real") == "ok"
    assert run_sync(lambda: "ok", mode="real") == "ok"
    assert snapshot() == before


def test_nested_inside_a_user_time_machine_travel(before: dict[str, Any]) -> None:
    with time_machine.travel(dt.datetime(2021, 6, 1, tzinfo=dt.timezone.utc), tick=False):
        got = run_sync(lambda: (time.sleep(60), dt.datetime.now(dt.timezone.utc))[1])
        assert got == SIM_EPOCH + dt.timedelta(minutes=1)
        assert dt.datetime.now(dt.timezone.utc) == dt.datetime(2021, 6, 1, tzinfo=dt.timezone.utc)
    assert snapshot() == before


# --------------------------------------------------------------------------------------------
# freezegun
# --------------------------------------------------------------------------------------------
class S(TypedDict):
    x: int


def test_inside_an_active_freezegun_freeze(before: dict[str, Any]) -> None:
    body_runs: list[float] = []

    async def expensive(state: S) -> dict[str, int]:
        body_runs.append(now())
        return {"x": state["x"] + 1}

    # Built before freezing: pydantic schema generation fails on FakeDatetime fields.
    g = StateGraph(S)
    g.add_node("n", expensive, cache_policy=CachePolicy(ttl=300))
    g.add_edge(START, "n")
    g.add_edge("n", END)
    graph = g.compile(cache=InMemoryCache())

    async def main() -> list[Any]:
        seen: list[Any] = [dt.datetime.now(dt.timezone.utc)]
        for pause in (0, 299, 2):
            await asyncio.sleep(pause)
            await graph.ainvoke({"x": 1})
            seen.append((now(), len(body_runs)))
        seen.append(dt.datetime.now(dt.timezone.utc))
        return seen

    with freezegun.freeze_time("2020-01-01"):
        frozen = snapshot()
        result = run_async(main)
        assert snapshot() == frozen
        assert dt.datetime.now() == dt.datetime(2020, 1, 1)
        assert time.time() == dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc).timestamp()

    assert result == [
        SIM_EPOCH,
        (0.0, 1),
        (299.0, 1),  # hit
        (301.0, 2),  # miss: expired at 300
        SIM_EPOCH + dt.timedelta(seconds=301),
    ]
    assert snapshot() == before


# --------------------------------------------------------------------------------------------
# real_time()
# --------------------------------------------------------------------------------------------
def test_real_time_escape_hatch_inside_a_trial() -> None:
    real_before = real_wall()

    async def main() -> dict[str, Any]:
        await asyncio.sleep(1000)
        out: dict[str, Any] = {"sim_before": time.time()}
        with real_time():
            out["real_time"] = time.time()
            out["real_dt"] = dt.datetime.now(dt.timezone.utc).timestamp()
            out["mono_is_real"] = time.monotonic() < 1_000_000.0 or time.monotonic() != (
                current_clock().monotonic()  # type: ignore[union-attr]
            )
            with real_time():  # reentrant
                out["nested"] = time.time()
            out["still_real"] = time.time()
        out["sim_after"] = time.time()
        out["now"] = now()
        return out

    got = run_async(main)
    sim = SIM_EPOCH.timestamp() + 1000
    assert got["sim_before"] == got["sim_after"] == sim
    for key in ("real_time", "real_dt", "nested", "still_real"):
        assert abs(got[key] - real_before) < 5
    assert got["mono_is_real"]
    assert got["now"] == 1000.0


def test_real_time_outside_a_trial_is_a_no_op() -> None:
    mono = time.monotonic
    with real_time():
        assert time.monotonic is mono
        assert_real_wall_clock()
