"""Every process of a kill trial is sealed from the network, whichever front end started it.

The fault-free baseline (in process) and each child (the steps before the kill, the killed run,
the resume and the runs after it) may open sockets only to the graph's checkpointer, cache and
store. A listener of the test counts connections: it must see none; every refused connect and
name lookup is journaled with the attempt that tried it, and HTTP is answered by the routes.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from chaos import Chaos
from chaos.engine import Invoke, Kill, Resume, again
from chaos.errors import ChaosUsageError
from chaos.shutdown import run_kill_trial
from tests.shutdown import net_graph

TARGET = "tests.shutdown.net_graph:builder"
#: The probe runs in the pre-kill child, the killed child and the post-kill child (again()).
STEPS = [Invoke(), Kill("slow"), Invoke(), Resume(), again()]
SEALED = ["connect:SealedNetworkError", "resolve:SealedNetworkError"]


@pytest.fixture
def listener() -> Iterator[tuple[int, list[object]]]:
    """A TCP listener on loopback; the list fills with every connection it accepts."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.1)
    accepted: list[object] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, addr = server.accept()
            except OSError:
                continue
            accepted.append(addr)
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1], accepted
    finally:
        stop.set()
        thread.join()
        server.close()


def _refused(result: object, method: str) -> list[tuple[str | None, int]]:
    http = result.journal.http  # type: ignore[attr-defined]  # a ShutdownResult
    return [(h.node, h.attempt) for h in http if h.method == method]


def test_the_hand_written_kill_path_seals_every_child(listener: tuple[int, list[object]]) -> None:
    port, accepted = listener
    chaos = Chaos(test_id="kill-sealed")
    chaos.http.get("https://api.example.com/v1/ping").respond(200, json={"ok": True})
    result = chaos.kill(TARGET, {"port": port}, steps=STEPS, idempotent=["slow"], raise_on_violation=False)
    assert accepted == [], "a process of the kill trial reached the test's listener"
    assert result.verdict == "pass", result.describe_failure()
    # Three children ran the probe; each refusal is journaled with its attempt.
    probes = [a for a in result.journal.attempts if a.node == "probe"]
    assert len(probes) == 3
    assert len(_refused(result, "CONNECT")) == 3 and len(_refused(result, "RESOLVE")) == 3
    assert {n for n, _ in _refused(result, "CONNECT")} == {"probe"}
    # The routes of chaos.http answered the children's requests (and the baseline's).
    assert result.journal.final_state["net"] == [*SEALED, "httpx:reached"] * 2
    assert result.baseline is not None and result.baseline.final_state["net"] == [*SEALED, "httpx:reached"] * 2
    assert [h.status for h in result.journal.http if h.method == "GET"] == [200, 200, 200]


def test_without_routes_a_childs_request_is_refused_not_sent(listener: tuple[int, list[object]]) -> None:
    port, accepted = listener
    result = run_kill_trial(TARGET, {"port": port}, steps=STEPS, idempotent=["slow"], raise_on_violation=False, test_id="kill-sealed-2")
    assert accepted == []
    assert result.journal.final_state["net"] == [*SEALED, "httpx:UnmatchedRequest"] * 2
    # The baseline was refused the same way; the verdict says to add a route.
    assert {v.invariant for v in result.violations} == {"http_unmatched"}, result.describe_failure()


def test_prepare_builds_the_routes_in_each_child_on_a_postgres_checkpointer(
        listener: tuple[int, list[object]], postgres_url: str) -> None:
    port, accepted = listener
    result = run_kill_trial(TARGET, {"port": port}, steps=STEPS, idempotent=["slow"], saver="postgres", around=[net_graph.routes()],
                            prepare=net_graph.prepare, raise_on_violation=False, test_id="kill-sealed-pg")
    assert accepted == []
    assert result.verdict == "pass", result.describe_failure()  # the checkpointer's socket is allowed
    assert result.journal.final_state["net"] == [*SEALED, "httpx:reached"] * 2


def test_a_hook_that_cannot_reach_the_children_is_a_usage_error_naming_the_fix() -> None:
    chaos = Chaos(test_id="kill-sealed-3")
    chaos.http.get("https://api.example.com/v1/ping").mock(side_effect=lambda request: None)
    with pytest.raises(ChaosUsageError, match="cannot be sent to a kill trial's child process.*prepare="):
        chaos.kill(TARGET, {"port": 1}, steps=STEPS)


def test_chaos_kill_takes_prepare_for_routes_that_cannot_be_pickled(listener: tuple[int, list[object]]) -> None:
    import httpx

    port, accepted = listener
    chaos = Chaos(test_id="kill-sealed-4")
    chaos.http.get("https://api.example.com/v1/ping").mock(side_effect=lambda request: httpx.Response(200))
    result = chaos.kill(TARGET, {"port": port}, steps=STEPS, idempotent=["slow"], prepare=net_graph.prepare,
                        raise_on_violation=False)
    assert accepted == []
    assert result.verdict == "pass", result.describe_failure()
    assert result.journal.final_state["net"] == [*SEALED, "httpx:reached"] * 2


def test_chaos_drain_answers_requests_from_chaos_http_too() -> None:
    # The drain front end enters the harness's run hooks as Chaos.run and Chaos.kill do: the
    # baseline, the drained run and the resume are answered by chaos.http's routes.
    chaos = Chaos(test_id="drain-routes")
    route = chaos.http.get("https://api.example.com/v1/ping").respond(200, json={"ok": True})
    result = chaos.drain(net_graph.fetching(), {}, node="slow", raise_on_violation=False)
    assert result.verdict == "pass", result.describe_failure()
    assert route.called
    assert [h.status for h in result.journal.http if h.method == "GET"] == [200]
    assert result.journal.final_state["net"] == ["httpx:reached"]
