"""Stalled, cut and trickling response streams (SSE), against LangGraph's timeouts.

The node reads an SSE stream with a real httpx client, spends 1 simulated second on each event
and heartbeats. A stall is an await on the trial's loop, so ``idle_timeout``, ``run_timeout``
or the client's own read timeout ends it, whichever comes first.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, TypedDict

import httpx
import pytest
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import RetryPolicy, TimeoutPolicy

from chaos import Chaos
from chaos.http import faults as http_faults
from chaos.http.exchange import split_chunks

SSE_URL = "https://events.example.com/stream"
SSE_BODY = b"".join(f"id: {i}\ndata: event {i}\n\n".encode() for i in range(1, 5))
# No read timeout: only LangGraph's timeouts can end a stall (the client's own is tested below).
PATIENT = httpx.AsyncClient(timeout=httpx.Timeout(5.0, read=None))
IMPATIENT = httpx.AsyncClient(timeout=httpx.Timeout(5.0, read=3.0))
SYNC_CLIENT = httpx.Client(timeout=httpx.Timeout(5.0, read=3.0))
SYNC_PATIENT = httpx.Client(timeout=httpx.Timeout(5.0, read=None))


class S(TypedDict, total=False):
    events: list[str]


async def read_events(client: httpx.AsyncClient, runtime: Runtime) -> list[str]:
    events = []
    async with client.stream("GET", SSE_URL) as response:
        async for line in response.aiter_lines():
            if line.startswith("data: "):
                events.append(line.removeprefix("data: "))
                await asyncio.sleep(1)  # work on the event
                runtime.heartbeat()
    return events


async def listen(state: S, runtime: Runtime) -> dict[str, Any]:
    return {"events": await read_events(PATIENT, runtime)}


async def listen_impatiently(state: S, runtime: Runtime) -> dict[str, Any]:
    return {"events": await read_events(IMPATIENT, runtime)}


def builder(node: Any = listen, timeout: TimeoutPolicy | None = None, retry: RetryPolicy | None = None) -> StateGraph:
    g = StateGraph(S)
    g.add_node("listen", node, timeout=timeout, retry_policy=retry)
    g.add_edge(START, "listen")
    g.add_edge("listen", END)
    return g


@pytest.fixture
def chaos(harness: Chaos) -> Chaos:
    harness.http.get(SSE_URL).respond(200, headers={"content-type": "text/event-stream"}, content=SSE_BODY)
    return harness


def test_chunks_are_sse_events_or_lines() -> None:
    assert split_chunks(SSE_BODY, "text/event-stream; charset=utf-8")[:2] == [b"id: 1\ndata: event 1\n\n", b"id: 2\ndata: event 2\n\n"]
    assert split_chunks(b"a\nb\nc", "application/x-ndjson") == [b"a\n", b"b\n", b"c"]
    assert split_chunks(b"", "text/plain") == []


def test_the_happy_stream_is_read_whole(chaos: Chaos) -> None:
    result = chaos.run(builder(), {})
    assert result.output == {"events": ["event 1", "event 2", "event 3", "event 4"]}
    assert result.attempts("listen")[0].end == 4.0


def test_a_stalled_stream_ends_at_the_idle_timeout(chaos: Chaos) -> None:
    chaos.inject(http_faults.stalled_stream(after_chunks=2), node="listen")
    idle = TimeoutPolicy(run_timeout=30, idle_timeout=5, refresh_on="heartbeat")

    result = chaos.run(builder(timeout=idle), {}, raise_on_violation=False)
    # No RetryPolicy: the stall kills the run, which transient_fatal reports (a true violation).
    assert [v.invariant for v in result.violations] == ["transient_fatal"]

    # Events 1 and 2 arrive at t=0 and t=1 and are done (heartbeat) at t=2; then silence, and
    # the idle watchdog fires 5 s after the last heartbeat.
    [attempt] = result.attempts("listen")
    assert (attempt.outcome, attempt.timeout_kind, attempt.end) == ("timeout", "idle", 7.0)
    assert (result.journal.outcome, result.journal.error) == ("error", "NodeTimeoutError")
    assert "idle" in (result.journal.error_message or "")
    [request] = result.journal.http
    assert (request.status, request.error, request.delivered) == (200, "Cancelled", True)
    assert request.fault == "http stream stalls after 2 chunk(s)"


def test_a_stalled_stream_under_run_timeout_only_ends_at_the_run_timeout(chaos: Chaos) -> None:
    chaos.inject(http_faults.stalled_stream(after_chunks=2), node="listen")
    result = chaos.run(builder(timeout=TimeoutPolicy(run_timeout=30)), {}, raise_on_violation=False)
    assert [v.invariant for v in result.violations] == ["transient_fatal"]
    [attempt] = result.attempts("listen")
    assert (attempt.outcome, attempt.timeout_kind, attempt.end) == ("timeout", "run", 30.0)


def test_the_clients_read_timeout_fires_first_when_it_is_shorter(chaos: Chaos) -> None:
    chaos.inject(http_faults.stalled_stream(after_chunks=2), node="listen")
    idle = TimeoutPolicy(run_timeout=30, idle_timeout=5, refresh_on="heartbeat")
    result = chaos.run(builder(listen_impatiently, timeout=idle), {}, raise_on_violation=False)
    assert [v.invariant for v in result.violations] == ["transient_fatal"]
    [attempt] = result.attempts("listen")
    # The stall starts when the client asks for event 3 (t=2); its 3 s read timeout wins.
    assert (attempt.outcome, attempt.error, attempt.end) == ("error", "ReadTimeout", 5.0)
    assert result.journal.http[0].error == "ReadTimeout"


def test_a_stall_retried_by_the_graph_recovers(chaos: Chaos) -> None:
    chaos.inject(http_faults.stalled_stream(after_chunks=1), node="listen", attempts=[1])
    idle = TimeoutPolicy(idle_timeout=5, refresh_on="heartbeat")
    retry = RetryPolicy(initial_interval=1.0, jitter=False)  # the default retry_on retries NodeTimeoutError
    result = chaos.run(builder(timeout=idle, retry=retry), {})
    assert [(a.outcome, a.start, a.end) for a in result.attempts("listen")] == [("timeout", 0.0, 6.0), ("ok", 7.0, 11.0)]
    assert [(h.attempt, h.error) for h in result.journal.http] == [(1, "Cancelled"), (2, None)]


def test_a_cut_stream_breaks_mid_event(chaos: Chaos) -> None:
    chaos.inject(http_faults.cut_stream(after_chunks=1), node="listen", attempts=[1])
    retry = RetryPolicy(initial_interval=1.0, jitter=False, retry_on=httpx.TransportError)
    result = chaos.run(builder(retry=retry), {})
    first, second = result.attempts("listen")
    assert (first.outcome, first.error, first.end) == ("error", "RemoteProtocolError", 1.0)
    assert (second.outcome, second.start) == ("ok", 2.0)
    assert result.output == {"events": ["event 1", "event 2", "event 3", "event 4"]}


def test_a_clean_cut_silently_truncates_and_steady_state_catches_it(chaos: Chaos) -> None:
    chaos.inject(http_faults.cut_stream(after_chunks=2, clean=True), node="listen")
    result = chaos.run(builder(), {}, raise_on_violation=False)
    assert result.journal.outcome == "ok"
    assert result.output == {"events": ["event 1", "event 2"]}
    [violation] = result.violated("steady_state")
    assert "events" in violation.message


def test_a_trickling_stream_delays_every_chunk(chaos: Chaos) -> None:
    chaos.inject(http_faults.slow(0.5, per_chunk=2), node="listen")
    result = chaos.run(builder(), {})
    # Headers at 0.5; events at 0.5, 2.5, 4.5, 6.5 (each 1 s of work overlaps the next 2 s wait).
    assert result.attempts("listen")[0].end == pytest.approx(7.5)
    assert result.output == {"events": ["event 1", "event 2", "event 3", "event 4"]}


class TestSyncClients:
    def test_a_sync_stream_stall_ends_at_the_read_timeout_on_the_virtual_clock(self, chaos: Chaos) -> None:
        def sync_listen(state: S) -> dict[str, Any]:
            events = []
            with SYNC_CLIENT.stream("GET", SSE_URL) as response:
                for line in response.iter_lines():
                    if line.startswith("data: "):
                        events.append(line)
                        time.sleep(1)
            return {"events": events}

        chaos.inject(http_faults.stalled_stream(after_chunks=1), node="listen")
        result = chaos.run(builder(sync_listen), {}, raise_on_violation=False)
        [attempt] = result.attempts("listen")
        assert (attempt.outcome, attempt.error, attempt.end) == ("error", "ReadTimeout", 4.0)

    def test_a_sync_stall_without_a_read_timeout_is_a_liveness_failure_not_a_hang(self, chaos: Chaos) -> None:
        def sync_listen(state: S) -> dict[str, Any]:
            with SYNC_PATIENT.stream("GET", SSE_URL) as response:
                return {"events": list(response.iter_lines())}

        chaos.inject(http_faults.stalled_stream(after_chunks=1), node="listen")
        result = chaos.run(builder(sync_listen), {}, raise_on_violation=False)
        assert result.journal.outcome == "aborted"
        [violation] = result.violated("liveness")
        assert "waits forever for GET https://events.example.com/stream" in violation.message
        assert "httpx.Client(timeout=httpx.Timeout(30.0))" in violation.message
