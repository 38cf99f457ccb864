"""Graphs for the shutdown tests; also the targets child processes import (``MODULE:ATTR``).

``four_node``: a -> (fast, slow) -> c, the parallel superstep a SIGTERM or a kill lands in.
Every node appends its name to ``log`` (operator.add), so a write applied twice or lost shows
in the final state, and to ``CALLS`` (in-process side effects). Nodes sleep a little: in
process that is simulated time; in a child process it is real (tens of milliseconds).
"""

from __future__ import annotations

import asyncio
import operator
import time
from typing import Annotated, Any, TypedDict

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph

CALLS: list[str] = []


class S(TypedDict, total=False):
    log: Annotated[list[str], operator.add]


def _node(name: str, seconds: float, sync: bool = False) -> Any:
    async def body(state: S) -> dict[str, Any]:
        CALLS.append(name)
        await asyncio.sleep(seconds)
        return {"log": [name]}

    def sync_body(state: S) -> dict[str, Any]:
        CALLS.append(name)
        time.sleep(seconds)
        return {"log": [name]}

    fn = sync_body if sync else body
    fn.__name__ = name
    return fn


def four_node(sync: bool = False) -> StateGraph:
    """a -> (fast, slow) -> c; slow takes 30 ms, the others 0 to 10 ms."""
    g = StateGraph(S)
    g.add_node("a", _node("a", 0.0, sync))
    g.add_node("fast", _node("fast", 0.01, sync))
    g.add_node("slow", _node("slow", 0.03, sync))
    g.add_node("c", _node("c", 0.0, sync))
    g.add_edge(START, "a")
    g.add_edge("a", "fast")
    g.add_edge("a", "slow")
    g.add_edge(["fast", "slow"], "c")
    g.add_edge("c", END)
    return g


def four_node_compiled_in_memory() -> Any:
    return four_node().compile(checkpointer=InMemorySaver())


def lossy_sqlite_saver(directory: str) -> Any:
    """A broken custom checkpointer: SQLite that silently drops pending writes (put_writes).

    Checkpoints are saved, the writes of tasks that finished in a superstep are not, so after a
    crash their work is gone and they rerun on resume.
    """
    import sqlite3
    from pathlib import Path

    from chaos.savers import EmbeddedSqliteSaver

    class LossySaver(EmbeddedSqliteSaver):
        def put_writes(self, config: Any, writes: Any, task_id: str, task_path: str = "") -> None:
            return None

        async def aput_writes(self, config: Any, writes: Any, task_id: str, task_path: str = "") -> None:
            return None

    saver = LossySaver(sqlite3.connect(Path(directory) / "lossy.sqlite", check_same_thread=False))
    saver.setup()
    return saver


async def resume_with_checkpoint_id(graph: Any, config: dict[str, Any]) -> None:
    """A broken resume: the config of get_state() carries a checkpoint_id (a replay)."""
    from langgraph.runtime import RunControl

    state = await graph.aget_state(config)
    await graph.ainvoke(None, state.config, control=RunControl())
