"""Imported by the kill trials' forkserver (`chaos.engine.forkserver.PRELOAD`): warm it up.

LangGraph imports modules and fills caches the first time a graph compiles and runs; a child
forked from a server that never ran one pays for that in every kill trial (two children each).
Importing this module compiles and runs a two-node graph once, on the real clock, with the
instrumented wrappers and the file-backed SQLite saver the children use, in a temporary
directory that is removed again. It leaves no thread, loop or file behind (the server must
fork cleanly).
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from typing import Any, TypedDict


class _State(TypedDict, total=False):
    n: int


async def _step(state: _State) -> dict[str, Any]:
    return {"n": state.get("n", 0) + 1}


def warm_up() -> None:
    """Compile, instrument and run a tiny graph once (errors are ignored: only a warm-up)."""
    from langchain_core.runnables import RunnableConfig
    from langgraph.graph import END, START, StateGraph

    from chaos.engine import drive
    from chaos.engine.child import open_saver
    from chaos.inject import instrument

    directory = tempfile.mkdtemp(prefix="langgraph-chaos-warm-")
    try:
        saver = open_saver("sqlite", directory)
        g: Any = StateGraph(_State)
        g.add_node("a", _step)
        g.add_node("b", _step)
        g.add_edge(START, "a")
        g.add_edge("a", "b")
        g.add_edge("b", END)
        inst = instrument(g, checkpointer_factory=lambda: saver)
        graph: Any = inst.graph
        cfg: RunnableConfig = {"configurable": {"thread_id": "warm"}}
        loop = asyncio.new_event_loop()
        try:
            # Through the engine's one drive (what the children run), on the default one.
            loop.run_until_complete(drive.arun(graph, {"n": 0}, dict(cfg), drive.DEFAULT, lambda _m, _c: None))
            graph.get_state(cfg)
        finally:
            loop.close()
        saver.conn.close()
    except Exception:  # pragma: no cover - a warm-up must never break the server
        pass
    finally:
        shutil.rmtree(directory, ignore_errors=True)


warm_up()
