"""What a user's graph leaves behind in the process: signal handlers, threads, a process that cannot exit.

A node may install a signal handler (``signal.signal(SIGINT, ...)``) or start a thread and
return. Both outlive the trial: a SIGINT handler left behind makes Ctrl-C stop working in every
later test; a non-daemon thread that never ends keeps the interpreter from exiting after pytest
printed its result.

`leak_guard` wraps one execution (the engine's executor enters it around every run):

- **Signal handlers** that differ after the run are **restored** to what they were before, and
  reported as a `ChaosLeakWarning` plus a ``leak`` event in the trial's journal, naming the node
  that called ``signal.signal`` (when it was called from a node).
- **Threads** a node started that are still running (and are not daemon threads) are
  **reported** the same way, with their name, target function and node. Python cannot stop a
  thread, so nothing is done to it. Daemon threads are not reported: they cannot keep the
  process alive.

A leak is a warning, not a trial error: the verdict is about the graph's behaviour under faults,
and the harness has undone what it can (turn it into an error with
``-W error::chaos.leaks.ChaosLeakWarning``).

`install_exit_watchdog` covers what cannot be undone: when the interpreter starts to shut down
and a non-daemon thread (a user's, or the harness's executor thread stuck in a sync node that
blocks forever) is still alive, a daemon watchdog waits ``grace`` real seconds, then prints
which threads are left (name, target, the node that started them or the node they are blocked
in, and where) and ends the process with pytest's exit status.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import warnings
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Any, Protocol


class ChaosLeakWarning(UserWarning):
    """A signal handler (restored) or a thread that a graph left behind after a trial."""


class _Events(Protocol):
    def event(self, kind: str, node: str | None = None, detail: str | None = None) -> None: ...


@dataclass(frozen=True)
class Leak:
    """One thing a run left behind: ``kind`` is ``"signal"`` or ``"thread"``."""

    kind: str
    what: str
    node: str | None

    def describe(self) -> str:
        by = f"node {self.node!r}" if self.node else "the graph (outside any node)"
        if self.kind == "signal":
            return f"{by} installed a handler for {self.what} and did not restore it; the harness restored it"
        return f"{by} started thread {self.what} that is still running after the trial"


# -- who started what ------------------------------------------------------------------------

#: The node that started each thread a guarded run started (for reports and the exit watchdog).
_THREAD_NODES: weakref.WeakKeyDictionary[threading.Thread, str | None] = weakref.WeakKeyDictionary()
_SIGNAL_NODES: dict[int, str | None] = {}
_lock = threading.Lock()
_depth = 0
_real_start: Callable[[threading.Thread], None] = threading.Thread.start
_real_signal = signal.signal


def _current_node() -> str | None:
    from chaos.inject.attempt import current_attempt

    rec = current_attempt()
    return rec.node if rec is not None else None


def _start(self: threading.Thread) -> None:
    with _lock:
        # The harness's own simulated-time executor worker is started on a node's first sync
        # job, while that attempt is current at the task boundary: it is the harness's thread.
        _THREAD_NODES[self] = None if self.name.startswith("chaos-sim") else _current_node()
    _real_start(self)


def _signal(signalnum: Any, handler: Any) -> Any:
    previous = _real_signal(signalnum, handler)
    _SIGNAL_NODES[int(signalnum)] = _current_node()
    return previous


def _patch() -> None:
    global _depth
    with _lock:
        _depth += 1
        if _depth == 1:
            threading.Thread.start = _start  # type: ignore[method-assign]  # patched while a trial runs, restored after
            signal.signal = _signal


def _unpatch() -> None:
    global _depth
    with _lock:
        _depth -= 1
        if _depth == 0:
            threading.Thread.start = _real_start  # type: ignore[method-assign, assignment]  # the original, restored
            signal.signal = _real_signal


def _handlers() -> dict[int, Any]:
    out: dict[int, Any] = {}
    for sig in signal.valid_signals():
        try:
            out[int(sig)] = signal.getsignal(sig)
        except (OSError, ValueError):  # not queryable here (SIGKILL, SIGSTOP on some systems)
            continue
    return out


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def thread_label(thread: threading.Thread) -> str:
    """``'poller' (target app.poll)``: the thread's name and the function it runs."""
    target = getattr(thread, "_target", None)
    name = getattr(target, "__qualname__", None) or getattr(target, "__name__", None)
    module = getattr(target, "__module__", None)
    where = f" (target {module}.{name})" if name and module else f" (target {name})" if name else ""
    return f"{thread.name!r}{where}"


# -- one guarded run -------------------------------------------------------------------------


@contextmanager
def leak_guard(events: _Events | None = None, *, trial: str = "") -> Iterator[list[Leak]]:
    """Restore signal handlers and report threads that a run leaves behind (see the module doc).

    Yields the list the leaks are appended to on exit; each also becomes a ``leak`` event on
    ``events`` (the run's context) and a `ChaosLeakWarning`.
    """
    before_handlers = _handlers()
    before_threads = set(threading.enumerate())
    leaks: list[Leak] = []
    _SIGNAL_NODES.clear()
    _patch()
    try:
        yield leaks
    finally:
        _unpatch()
        leaks.extend(_restore_handlers(before_handlers))
        leaks.extend(_leaked_threads(before_threads))
        for leak in leaks:
            if events is not None:
                events.event("leak", leak.node, f"{leak.kind}: {leak.what}")
            prefix = f"trial {trial}: " if trial else ""
            warnings.warn(ChaosLeakWarning(prefix + leak.describe() + _FIX[leak.kind]), stacklevel=3)


_FIX = {
    "signal": " (restore the previous handler before the node returns, e.g. in a finally block)",
    "thread": " (join it before the node returns, or make it a daemon thread)",
}


def _restore_handlers(before: dict[int, Any]) -> list[Leak]:
    leaks = []
    for signum, handler in _handlers().items():
        old = before.get(signum, handler)
        if handler is old:
            continue
        try:
            _real_signal(signum, old)
        except (ValueError, OSError, TypeError):  # not the main thread; or set from C (None)
            pass
        leaks.append(Leak("signal", _signal_name(signum), _SIGNAL_NODES.get(signum)))
    return leaks


def _leaked_threads(before: set[threading.Thread]) -> list[Leak]:
    leaks = []
    for thread in threading.enumerate():
        if thread in before or thread.daemon or thread not in _THREAD_NODES:
            continue  # only threads this run's graph started; daemon threads cannot block exit
        if _THREAD_NODES[thread] is None:
            continue  # started by the harness or a library outside any node attempt
        thread.join(0.05)  # one that is finishing right now is not a leak
        if thread.is_alive():
            leaks.append(Leak("thread", thread_label(thread), _THREAD_NODES[thread]))
    return leaks


# -- a process that cannot exit --------------------------------------------------------------

_watchdog: dict[str, Any] = {"installed": False, "grace": 10.0, "status": 0}


def set_exit_status(status: int) -> None:
    """The status the watchdog exits with (pytest's: the tests' result stays the result)."""
    _watchdog["status"] = int(status)


def install_exit_watchdog(grace: float) -> None:
    """At interpreter shutdown, end the process ``grace`` real seconds after it would have exited.

    Runs from ``threading``'s shutdown hooks, before Python joins the non-daemon threads (the
    join that hangs); pytester's in-process runs never reach it. Installed once per process.
    """
    _watchdog["grace"] = float(grace)
    if _watchdog["installed"]:
        return
    register = getattr(threading, "_register_atexit", None)
    if register is None:  # not CPython's threading: nothing to hook
        return
    register(_at_shutdown)
    _watchdog["installed"] = True


def _at_shutdown() -> None:
    stuck = _stuck_threads()
    if stuck:
        threading.Thread(target=_expire, args=(stuck,), name="chaos-exit-watchdog", daemon=True).start()


def _stuck_threads() -> list[threading.Thread]:
    me = threading.current_thread()
    return [t for t in threading.enumerate() if t is not me and t is not threading.main_thread()
            and not t.daemon and t.is_alive()]


def _expire(stuck: list[threading.Thread]) -> None:
    threading.Event().wait(_watchdog["grace"])  # real seconds: the clocks are long restored
    still = [t for t in stuck if t.is_alive()]
    if not still:
        return
    lines = [
        f"langgraph-chaos: the process could not exit {_watchdog['grace']:g} s after pytest finished: "
        f"{len(still)} non-daemon thread(s) never ended; exiting with status {_watchdog['status']}"
    ]
    frames = sys._current_frames()
    for thread in still:
        lines.append("  " + describe_thread(thread, frames.get(thread.ident or -1)))
    lines.append(
        "  fix: join the thread before the node returns (or make it a daemon thread); a sync node "
        "that blocks forever needs a timeout of its own (Python cannot stop a thread)"
    )
    try:
        sys.stderr.write("\n".join(lines) + "\n")
        sys.stderr.flush()
    finally:
        os._exit(_watchdog["status"])


def describe_thread(thread: threading.Thread, frame: FrameType | None) -> str:
    """The thread, the node that started it or that it is blocked in, and where it is."""
    text = f"thread {thread_label(thread)}"
    started = _THREAD_NODES.get(thread)
    if started:
        text += f", started by node {started!r}"
    blocked, where = _where(frame)
    if blocked and blocked != started:
        text += f", blocked in node {blocked!r}"
    if where:
        text += f", at {where}"
    return text


def _where(frame: FrameType | None) -> tuple[str | None, str | None]:
    """(the node whose wrapper is on the stack, the innermost frame outside the stdlib)."""
    node = where = None
    stdlib = os.path.dirname(threading.__file__)
    wrappers = os.path.join("chaos", "inject", "boundary.py")
    while frame is not None:
        code = frame.f_code
        if where is None and not code.co_filename.startswith(stdlib):
            where = f"{code.co_filename}:{frame.f_lineno} in {code.co_name}()"
        if node is None and code.co_filename.endswith(wrappers):
            info = frame.f_locals.get("info")
            node = getattr(info, "site", None)
        if node is None:
            node = _node_of_context_run(frame)
        frame = frame.f_back
    return node, where


def _node_of_context_run(frame: FrameType) -> str | None:
    """The node attempt current in the context an executor job runs in (a sync node body runs
    as ``partial(context.run, body)``, the context copied from its attempt at the task boundary)."""
    import contextvars
    import functools

    from chaos.inject.attempt import _CURRENT_ATTEMPT

    for value in list(frame.f_locals.values()):
        ctx = getattr(getattr(value, "func", None), "__self__", None) if isinstance(value, functools.partial) else None
        if isinstance(ctx, contextvars.Context):
            att = ctx.get(_CURRENT_ATTEMPT)
            if att is not None:
                return att.info.site
    return None
