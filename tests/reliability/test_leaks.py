"""Signal handlers and threads a graph leaves behind: restored (handlers) or reported (threads).

A leak is a `ChaosLeakWarning` naming the trial and the node, plus a ``leak`` event in the
journal; the verdict is unchanged. A process that cannot exit because of a thread exits after
``chaos_exit_grace`` with a message naming the thread (tested in a subprocess: the hostile case).
"""

from __future__ import annotations

import signal
import threading
import warnings
from collections.abc import Iterator
from typing import Any, TypedDict

import pytest
from langgraph.graph import END, START, StateGraph

from chaos import Chaos
from chaos.leaks import ChaosLeakWarning


class S(TypedDict, total=False):
    n: int


def one_node(name: str, body: Any) -> StateGraph[Any, Any, Any, Any]:
    builder: StateGraph[Any, Any, Any, Any] = StateGraph(S)
    builder.add_node(name, body)
    builder.add_edge(START, name)
    builder.add_edge(name, END)
    return builder


def mine(signum: int, frame: Any) -> None:
    """The graph's own handler."""


async def installs_a_handler(state: S) -> dict[str, int]:
    signal.signal(signal.SIGUSR1, mine)  # and never puts the old one back
    return {"n": 1}


async def installs_and_restores_a_handler(state: S) -> dict[str, int]:
    old = signal.signal(signal.SIGUSR1, mine)
    try:
        return {"n": 1}
    finally:
        signal.signal(signal.SIGUSR1, old)


@pytest.fixture
def harness() -> Iterator[Chaos]:
    h = Chaos(5, "leaks")
    yield h
    h.close()


def test_a_handler_a_node_leaves_installed_is_restored_and_names_the_node(harness: Chaos) -> None:
    before = signal.getsignal(signal.SIGUSR1)

    with pytest.warns(ChaosLeakWarning, match="trial leaks: node 'install' installed a handler for SIGUSR1 and did not restore it; the harness restored it"):
        result = harness.run(one_node("install", installs_a_handler), {})

    assert signal.getsignal(signal.SIGUSR1) is before
    assert [(e.node, e.detail) for e in result.journal.events if e.kind == "leak"] == [("install", "signal: SIGUSR1")]
    assert result.verdict == "pass"  # a leak is a warning, not a verdict


def test_a_node_that_restores_its_handler_leaves_no_warning(harness: Chaos) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", ChaosLeakWarning)
        result = harness.run(one_node("install", installs_and_restores_a_handler), {})

    assert not [e for e in result.journal.events if e.kind == "leak"]


STOP = threading.Event()


def wait_for_stop() -> None:
    STOP.wait(30)


def starts_a_thread(state: S) -> dict[str, int]:
    threading.Thread(target=wait_for_stop, name="poller").start()
    return {"n": 1}


def starts_and_joins_a_thread(state: S) -> dict[str, int]:
    t = threading.Thread(target=lambda: None, name="short")
    t.start()
    t.join()
    return {"n": 1}


def starts_a_daemon_thread(state: S) -> dict[str, int]:
    threading.Thread(target=wait_for_stop, name="daemon-poller", daemon=True).start()
    return {"n": 1}


@pytest.fixture
def stop_threads() -> Iterator[None]:
    STOP.clear()
    yield
    STOP.set()
    for t in threading.enumerate():
        if t.name in ("poller", "daemon-poller"):
            t.join(5)


@pytest.mark.usefixtures("stop_threads")
def test_a_thread_a_node_leaves_running_is_reported_with_its_target_and_node(harness: Chaos) -> None:
    with pytest.warns(ChaosLeakWarning) as caught:
        result = harness.run(one_node("starter", starts_a_thread), {}, baseline=False)

    [message] = [str(w.message) for w in caught if issubclass(w.category, ChaosLeakWarning)]
    assert message.startswith(
        "trial leaks: node 'starter' started thread 'poller' "
        "(target tests.reliability.test_leaks.wait_for_stop) that is still running after the trial"
    )
    assert "join it before the node returns, or make it a daemon thread" in message
    assert [e.node for e in result.journal.events if e.kind == "leak"] == ["starter"]


@pytest.mark.usefixtures("stop_threads")
@pytest.mark.parametrize("body", [starts_and_joins_a_thread, starts_a_daemon_thread])
def test_a_joined_or_daemon_thread_is_not_a_leak(harness: Chaos, body: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", ChaosLeakWarning)
        result = harness.run(one_node("starter", body), {})

    assert not [e for e in result.journal.events if e.kind == "leak"]


def test_the_guard_puts_threading_and_signal_back() -> None:
    start, install = threading.Thread.start, signal.signal
    from chaos.leaks import leak_guard

    with leak_guard() as leaks:
        assert threading.Thread.start is not start
    assert (threading.Thread.start, signal.signal) == (start, install)
    assert leaks == []


# -- a process that cannot exit (subprocesses: the hostile case) ------------------------------

USER_THREAD = """
import threading
from typing import TypedDict
from langgraph.graph import END, START, StateGraph

class S(TypedDict, total=False):
    n: int

FOREVER = threading.Event()

def poll_forever():
    FOREVER.wait()

def starter(state):
    t = threading.Thread(target=poll_forever, name="poller")
    t.start()
    if {join}:
        FOREVER.set()
        t.join()
    return {{"n": 1}}

builder = StateGraph(S)
builder.add_node("starter", starter)
builder.add_edge(START, "starter")
builder.add_edge("starter", END)

def test_starts_a_thread(chaos):
    chaos.run(builder, {{}}, baseline=False)
"""

BLOCKING_NODE = """
import threading
from typing import TypedDict
from langgraph.graph import END, START, StateGraph

class S(TypedDict, total=False):
    n: int

def block(state):
    threading.Event().wait()  # a sync node that never returns
    return {"n": 1}

builder = StateGraph(S)
builder.add_node("block", block)
builder.add_edge(START, "block")
builder.add_edge("block", END)

def test_blocks(chaos):
    chaos.run(builder, {}, baseline=False)
"""


def run_hostile(pytester: pytest.Pytester, **env: str) -> pytest.RunResult:
    for key, value in {"CHAOS_EXIT_GRACE": "0.5", **env}.items():
        pytester._monkeypatch.setenv(key, value)
    return pytester.runpytest_subprocess("--chaos", "-p", "no:randomly", "-W", "ignore::chaos.leaks.ChaosLeakWarning", timeout=120)


def test_a_user_thread_that_never_ends_does_not_keep_pytest_from_exiting(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_thread=USER_THREAD.format(join=False))

    result = run_hostile(pytester)

    result.stdout.fnmatch_lines(["*1 passed*"])  # the result is printed first
    result.stderr.fnmatch_lines([
        "langgraph-chaos: the process could not exit 0.5 s after pytest finished: 1 non-daemon thread(s) never ended; exiting with status 0",
        "  thread 'poller' (target test_thread.poll_forever), started by node 'starter', at *test_thread.py:* in poll_forever()",
        "  fix: join the thread before the node returns*",
    ])
    assert result.ret == 0  # pytest's own status: the tests passed


def test_a_thread_that_is_joined_exits_without_a_message(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_thread=USER_THREAD.format(join=True))

    result = run_hostile(pytester)

    result.stdout.fnmatch_lines(["*1 passed*"])
    assert "could not exit" not in result.stderr.str()
    assert result.ret == 0


def test_a_sync_node_that_blocks_forever_fails_its_trial_and_the_process_still_exits(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_block=BLOCKING_NODE)

    result = run_hostile(pytester, CHAOS_REAL_WAIT_CAP="1")

    result.stdout.fnmatch_lines(["*1 failed*"])
    result.stderr.fnmatch_lines([
        "langgraph-chaos: the process could not exit 0.5 s after pytest finished: * exiting with status 1",
        "  thread 'chaos-sim*' (target concurrent.futures.thread._worker), blocked in node 'block', at *test_block.py:* in block()",
    ])
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_a_bad_exit_grace_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nchaos_exit_grace = soon\n")

    result = pytester.runpytest("--chaos")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*chaos_exit_grace (ini): 'soon' is not a number of seconds, e.g. 10*"])
