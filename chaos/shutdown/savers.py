"""Checkpointers by name for shutdown trials: in memory, SQLite, and PostgreSQL servers.

PostgreSQL is reached through ``$CHAOS_POSTGRES_URL`` (``bash .ci/services.sh`` starts a local
server and prints it). Every PostgreSQL call runs with the trial clock held (`chaos.savers`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, Union

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver

from chaos.errors import ChaosUsageError
from chaos.savers import async_postgres_saver, postgres_saver, sqlite_saver_in

SaverSpec = Union[str, BaseCheckpointSaver[Any], Callable[[], BaseCheckpointSaver[Any]], None]

SAVER_NAMES = ("memory", "sqlite", "postgres", "async-postgres")

SERVICES_HINT = "start one with `eval \"$(bash .ci/services.sh)\"` (installs and starts PostgreSQL and Redis)"


def postgres_url() -> str:
    """``$CHAOS_POSTGRES_URL``, or a usage error saying how to get a server."""
    url = os.environ.get("CHAOS_POSTGRES_URL")
    if not url:
        raise ChaosUsageError(f"saver='postgres' needs a PostgreSQL server in $CHAOS_POSTGRES_URL; {SERVICES_HINT}")
    return url


def make_saver(spec: SaverSpec) -> BaseCheckpointSaver[Any]:
    """The checkpointer a spec names: a name in `SAVER_NAMES`, a saver, or a zero-arg factory."""
    if isinstance(spec, BaseCheckpointSaver):
        return spec
    if spec == "memory":
        return InMemorySaver()
    if spec == "sqlite":
        return sqlite_saver_in()
    if spec == "postgres":
        return postgres_saver(postgres_url())
    if spec == "async-postgres":
        return async_postgres_saver(postgres_url())
    if callable(spec):
        made = spec()
        if not isinstance(made, BaseCheckpointSaver):
            raise ChaosUsageError(f"the saver factory returned {type(made).__name__}, not a checkpointer")
        return made
    raise ChaosUsageError(f"saver={spec!r}: use one of {', '.join(SAVER_NAMES)}, a checkpointer, or a factory")


def checkpoint_summary(state: Any) -> dict[str, Any] | None:
    """A thread's latest checkpoint, summarised for the journal (None when the thread has none)."""
    if state is None or not (state.config or {}).get("configurable", {}).get("checkpoint_id"):
        return None
    return {
        "step": (state.metadata or {}).get("step"),
        "next": list(state.next),
        "tasks_with_writes": sorted(t.name for t in state.tasks if t.result is not None),
    }
