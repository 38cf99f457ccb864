"""Durability and resume findings: run configuration that loses work or replays it.

LangGraph 1.2.22 facts (langgraph-semantics §4, and tests/audit/test_audit_durability.py):

- ``durability="exit"`` persists nothing until the run ends: a process killed mid-run leaves no
  checkpoint at all, and ``invoke(None)`` raises ``EmptyInputError``; the run restarts from zero.
- A *drain* with ``durability="exit"`` does checkpoint at the boundary and resumes correctly
  (measured), but a drain exists to survive a shutdown, and a shutdown whose running superstep
  outlives the grace period ends in a kill: with "exit", that kill loses the whole run.
- Resuming with a config that carries ``checkpoint_id`` (e.g. ``get_state().config``) is time
  travel: completed sibling tasks run again.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from langgraph._internal._constants import CONF, CONFIG_KEY_DURABILITY

from chaos.audit.context import AuditContext
from chaos.audit.findings import Finding


def configured_durability(ctx: AuditContext) -> str:
    """The durability runs get: the audit's argument, else the compiled graph's config, else async."""
    if ctx.durability is not None:
        return ctx.durability
    config: Any = ctx.graph.config or {}
    return config.get(CONF, {}).get(CONFIG_KEY_DURABILITY) or "async"


def exit_durability_crash(ctx: AuditContext) -> Iterator[Finding]:
    """LGC501: durability="exit" where the process can crash."""
    if "crash" in ctx.scenarios and configured_durability(ctx) == "exit":
        yield Finding.of(
            "LGC501",
            "graph",
            'durability="exit" checkpoints only when the run ends: a crash mid-run leaves no '
            "checkpoint, resuming raises EmptyInputError, and every node runs again from the start.",
            'use durability="async" (the default) or "sync" for runs that must survive a crash',
            kind="graph",
        )


def exit_durability_drain(ctx: AuditContext) -> Iterator[Finding]:
    """LGC502: durability="exit" with drains."""
    if "drain" in ctx.scenarios and "crash" not in ctx.scenarios and configured_durability(ctx) == "exit":
        yield Finding.of(
            "LGC502",
            "graph",
            'durability="exit" with drains: a drain itself checkpoints and resumes, but a shutdown '
            "whose running superstep outlives the grace period is a kill, and with \"exit\" that "
            "kill loses every step of the run.",
            'use durability="async" so completed steps survive a drain that turns into a kill',
            kind="graph",
        )


def resume_with_checkpoint_id(ctx: AuditContext) -> Iterator[Finding]:
    """LGC503: the resume config names a checkpoint."""
    conf = (ctx.resume_config or {}).get(CONF, {}) or {}
    checkpoint_id = conf.get("checkpoint_id")
    if checkpoint_id:
        yield Finding.of(
            "LGC503",
            "graph",
            f"the resume config names checkpoint_id={checkpoint_id!r}: LangGraph treats that as "
            "time travel (replay from that checkpoint), so completed sibling tasks run again.",
            "resume with {'configurable': {'thread_id': ...}} only (not get_state().config)",
            kind="graph",
        )
