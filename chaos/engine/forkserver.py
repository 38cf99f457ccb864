"""Child processes for kill steps, forked from one pre-imported server per process.

A kill trial used to start two fresh interpreters, each importing langgraph and the package
(about 93% of a kill trial's time). Here the children come from a `multiprocessing`
forkserver started once per process (each xdist worker has its own) with the modules a child
needs already imported (`PRELOAD`, plus the first kill trial's target module); every child is
a fork of it and starts at once. The server exits with its parent (its lifeline pipe closes),
and `stop` ends it earlier (registered with `atexit`).
"""

from __future__ import annotations

import atexit
import multiprocessing
import threading
from multiprocessing.context import ForkServerContext
from typing import Any

#: What a child needs: the engine's executor and child runner (which import langgraph, the
#: node wrappers, the savers and the simulated clock), the SQLite saver it opens and the
#: modules its body imports. Not the checkers, hypothesis or the plugin: the parent judges.
PRELOAD: tuple[str, ...] = (
    "chaos.engine.child", "langgraph.checkpoint.sqlite", "sqlite3",
    # What `chaos.engine.child.child_main` imports when it starts (14 ms of CPU per child).
    "chaos.shutdown.savers", "chaos.targets", "chaos.savers",
    # Last: runs a tiny graph once, so children do not pay LangGraph's first-run costs.
    "chaos.engine.warm",
)

_LOCK = threading.Lock()
_CONTEXT: ForkServerContext | None = None


def context(extra_preload: tuple[str, ...] = ()) -> ForkServerContext:
    """The forkserver context, configured on first use (``extra_preload``: e.g. the target)."""
    global _CONTEXT
    with _LOCK:
        if _CONTEXT is None:
            ctx = multiprocessing.get_context("forkserver")
            assert isinstance(ctx, ForkServerContext)
            ctx.set_forkserver_preload([*PRELOAD, *extra_preload])
            _CONTEXT = ctx
            atexit.register(stop)
        return _CONTEXT


def stop() -> None:
    """Stop the forkserver (it also exits by itself when this process does)."""
    from multiprocessing import forkserver

    server: Any = getattr(forkserver, "_forkserver", None)
    stop_fn = getattr(server, "_stop", None)
    if callable(stop_fn):
        try:
            stop_fn()
        except Exception:  # never fail interpreter exit over a helper process
            pass
