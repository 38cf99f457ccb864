"""The child process of a kill trial: ``python -m chaos.shutdown.child '<json spec>'``.

Phase ``run``: runs the target graph on a fresh thread with a file-backed (SQLite) or server
(PostgreSQL) checkpointer. The kill node is held where the kill lands (``at="end"``: after its
body did its work, before LangGraph sees the result; ``at="start"``: before the body), so the
kill can never arrive late. Once its superstep siblings have finished and their writes are
saved, the child writes its journal and then one line to the ready pipe; the parent kills it.

Phase ``resume``: a fresh process opens the same checkpointer, records the thread's latest
checkpoint, resumes with ``{"configurable": {"thread_id": ...}}`` and a fresh `RunControl`
(or the user's ``resume`` callable), and writes its journal and the final state.

Everything here runs in real time: it is a separate process, and the parent holds its own
trial clock while it waits.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import importlib
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from langchain_core.runnables.config import run_in_executor
from langgraph._internal._runnable import RunnableCallable
from langgraph.errors import GraphDrained
from langgraph.graph import StateGraph
from langgraph.pregel import Pregel
from langgraph.runtime import RunControl

from chaos.context import RunContext
from chaos.inject import current_attempt, instrument
from chaos.journal import _jsonable
from chaos.savers import ClockHeldSaver, EmbeddedSqliteSaver, postgres_saver
from chaos.shutdown.savers import checkpoint_summary
from chaos.targets import load_target

#: Real seconds the child waits for the kill node's siblings to finish and be saved.
SETTLE_LIMIT = 20.0


class TrackingSaver(ClockHeldSaver):
    """Notes the tasks whose writes reached the checkpointer (to know when to signal ready)."""

    def __init__(self, inner: Any) -> None:
        super().__init__(inner)
        self.saved: set[str] = set()

    def put_writes(self, config: Any, writes: Sequence[tuple[str, Any]], task_id: str, task_path: str = "") -> None:
        super().put_writes(config, writes, task_id, task_path)
        self.saved.add(task_id)

    async def aput_writes(self, config: Any, writes: Sequence[tuple[str, Any]], task_id: str, task_path: str = "") -> None:
        await super().aput_writes(config, writes, task_id, task_path)
        self.saved.add(task_id)


def open_saver(spec: str, directory: str) -> Any:
    """``sqlite``, ``postgres:URL`` or ``MODULE:ATTR`` (a factory called with ``directory``)."""
    if spec == "sqlite":
        import sqlite3

        conn = sqlite3.connect(Path(directory) / "checkpoints.sqlite", check_same_thread=False)
        saver = EmbeddedSqliteSaver(conn)
        saver.setup()
        return saver
    if spec.startswith("postgres:"):
        return postgres_saver(spec.removeprefix("postgres:"))
    module, _, attr = spec.partition(":")
    return getattr(importlib.import_module(module), attr)(directory)


def _hold_node(builder: StateGraph, node: str, at: str, on_hold: Any) -> None:
    """Make ``node`` stop (forever) at ``at`` of its attempt, calling ``on_hold()`` there."""
    spec = builder.nodes[node]
    runnable = copy.copy(spec.runnable)
    sync, afunc = runnable.func, runnable.afunc
    if not isinstance(runnable, RunnableCallable):
        raise SystemExit(f"node {node!r} is not a plain function node; kill trials need one")

    if sync is not None:
        @functools.wraps(sync)
        def held_sync(*args: Any, **kwargs: Any) -> Any:
            if at == "end":
                sync(*args, **kwargs)
            on_hold()
            threading.Event().wait()  # the kill ends this process

        runnable.func = held_sync
    if afunc is not None:
        if isinstance(afunc, functools.partial) and afunc.func is run_in_executor and sync is not None:
            runnable.afunc = functools.wraps(held_sync)(functools.partial(run_in_executor, None, held_sync))
        else:
            @functools.wraps(afunc)
            async def held_async(*args: Any, **kwargs: Any) -> Any:
                if at == "end":
                    await afunc(*args, **kwargs)
                on_hold()
                await asyncio.get_running_loop().create_future()

            runnable.afunc = held_async
    spec.runnable = runnable


def build(target: Any, saver: Any, kill: dict[str, Any] | None, on_hold: Any) -> Any:
    """The target compiled on ``saver`` (the kill node held), instrumented."""
    from chaos.inject import _copy_builder

    builder = target if isinstance(target, StateGraph) else target.builder
    builder = _copy_builder(builder)
    if kill is not None:
        _hold_node(builder, kill["node"], kill["at"], on_hold)
    if isinstance(target, Pregel):
        compiled = builder.compile(checkpointer=saver, cache=target.cache, store=target.store, name=target.name)
        for attr in ("config", "retry_policy", "cache_policy", "step_timeout"):
            setattr(compiled, attr, getattr(target, attr))
    else:
        compiled = builder.compile(checkpointer=saver)
    return instrument(compiled)



def main(raw: str) -> int:
    spec = json.loads(raw)
    ctx = RunContext(0, spec["test_id"])
    out: dict[str, Any] = {"outcome": "unknown", "error": None, "error_message": None,
                           "final_state": None, "checkpoint": None}
    journal_path = Path(spec["journal"])

    def dump() -> None:
        data = {**out, "attempts": [a.to_json() for a in ctx.journal.attempts],
                "events": [e.to_json() for e in ctx.journal.events]}
        tmp = journal_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(_jsonable(data)))
        os.replace(tmp, journal_path)

    saver = TrackingSaver(open_saver(spec["saver"], spec["dir"]))
    kill = spec.get("kill")
    durability = spec.get("durability")
    control = RunControl()
    if spec.get("on_sigterm") == "drain":
        signal.signal(signal.SIGTERM, lambda *_: control.request_drain("SIGTERM"))
    elif spec.get("on_sigterm") == "ignore":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)

    def on_hold() -> None:
        rec = current_attempt()
        threading.Thread(target=settle_then_ready, args=(rec,), daemon=True).start()

    def settle_then_ready(rec: Any) -> None:
        deadline = time.monotonic() + SETTLE_LIMIT
        while time.monotonic() < deadline:
            siblings = [a for a in ctx.journal.attempts if a.step == rec.step and a is not rec]
            done = all(a.outcome != "unknown" for a in siblings)
            saved = durability == "exit" or all(
                a.task_id in saver.saved for a in siblings if a.outcome == "ok"
            )
            if done and saved:
                break
            time.sleep(0.002)
        ctx.event("ready", rec.node, f"{rec.task} held at the {kill['at']} of attempt {rec.attempt}")
        dump()
        os.write(spec["ready_fd"], f"{rec.task}\n".encode())

    inst = build(load_target(spec["target"]), saver, kill, on_hold)
    graph = inst.graph
    cfg = {"configurable": {"thread_id": spec["thread_id"]}}
    kwargs: dict[str, Any] = {"control": control}
    if durability:
        kwargs["durability"] = durability

    async def run() -> None:
        inst.active.context = ctx
        if spec["phase"] == "run":
            await saver.adelete_thread(spec["thread_id"])  # a server keeps earlier runs' threads
            await graph.ainvoke(spec["input"], cfg, **kwargs)
        else:
            out["checkpoint"] = checkpoint_summary(await graph.aget_state(cfg))
            resume = spec.get("resume")
            if resume:
                module, _, attr = resume.partition(":")
                from chaos.shutdown.proxy import RecordingGraph

                proxy = RecordingGraph(graph, "resume")
                try:
                    await getattr(importlib.import_module(module), attr)(proxy, cfg)
                finally:
                    out["calls"] = [c.__dict__ for c in proxy.calls]
            else:
                await graph.ainvoke(None, cfg, **kwargs)
        out["final_state"] = (await graph.aget_state(cfg)).values

    try:
        asyncio.run(run())
        out["outcome"] = "ok"
    except GraphDrained as exc:
        out.update(outcome="drained", error="GraphDrained", error_message=str(exc))
    except Exception as exc:  # reported to the parent, which turns it into a verdict
        out.update(outcome="error", error=type(exc).__name__, error_message=str(exc)[:500])
    dump()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
