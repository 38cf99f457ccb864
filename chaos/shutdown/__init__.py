"""Shutdown and crash chaos: SIGTERM drains in process, hard kills of a child process.

- `run_drain_trial`: a real SIGTERM while a node of a superstep runs; the run must drain
  (finish the superstep, raise GraphDrained, checkpoint) and resume on the same thread to the
  baseline's final state with every node body run exactly once. Harness wiring or the user's
  own service code (``serve=``/``resume=``).
- `run_kill_trial`: the graph runs in a child process on a file-backed or PostgreSQL
  checkpointer; while a node runs the child gets SIGTERM, then SIGKILL; a fresh process
  resumes. Completed siblings must not rerun; the killed node reruns (at-least-once).

Importing this package registers the invariants of `chaos.shutdown.result`.
"""

from __future__ import annotations

from chaos.shutdown.drain import run_drain_trial
from chaos.shutdown.faults import Kill, Sigterm, kill, sigterm
from chaos.shutdown.crash import run_kill_trial
from chaos.shutdown.result import SHUTDOWN_INVARIANTS, ShutdownResult
from chaos.shutdown.savers import make_saver

__all__ = [
    "SHUTDOWN_INVARIANTS",
    "Kill",
    "ShutdownResult",
    "Sigterm",
    "kill",
    "make_saver",
    "run_drain_trial",
    "run_kill_trial",
    "sigterm",
]
