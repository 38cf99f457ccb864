"""Kill steps: each run step of a kill trial runs in a child process, the resume in a new one.

The child is forked from the pre-imported forkserver (`chaos.engine.forkserver`) and runs the
step through the engine's one `Executor` on the real clock, with a file-backed SQLite (or
PostgreSQL, or the user's) checkpointer both children open. In the killed step the kill node
is held where the kill lands (``at="end"``: after its body did its work, before LangGraph sees
the result; ``at="start"``: before the body), so the kill can never arrive late. Once the
node's superstep siblings (known from the fault-free baseline) have finished and their writes
are saved, the child says so on the ready pipe; the parent sends SIGTERM, then SIGKILL after
the grace period. A fresh child resumes the thread.

The journal is durable: a child rewrites its journal file atomically every time an attempt
starts, a task's writes reach the checkpointer, and at the end, so a kill can never lose the
record of a sibling that had finished (it used to be written once, just before the ready
signal, and a sibling that finished during the grace period was lost: ``exactly_once`` then
said "ran 0 times").
"""

from __future__ import annotations

import asyncio
import copy
import functools
import importlib
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from chaos.context import SignalContext
from chaos.engine.executor import Executor
from chaos.engine.steps import SAME, Invoke, Kill, Resume, Step
from chaos.errors import ChaosError
from chaos.journal import AttemptRecord, EventRecord, Journal, StepRecord, _jsonable

#: Real seconds the child waits for the kill node's siblings to finish and be saved.
SETTLE_LIMIT = 20.0


class ChildFailed(ChaosError):
    """A child process of a kill trial failed in a way that is not a finding (a harness error)."""


# -- in the child ------------------------------------------------------------------------------


class _DurableContext(SignalContext):
    """A run context whose journal is on disk after every attempt start (see the module doc)."""

    dump: Callable[[], None] | None = None

    def begin(self, site: str, task_id: str | None, attempt: int, step: int | None) -> AttemptRecord:
        rec = super().begin(site, task_id, attempt, step)
        if self.dump is not None:
            self.dump()
        return rec


def open_saver(spec: str, directory: str) -> Any:
    """``sqlite``, ``postgres:URL`` or ``MODULE:ATTR`` (a factory called with ``directory``)."""
    if spec == "sqlite":
        import sqlite3

        from chaos.savers import EmbeddedSqliteSaver

        conn = sqlite3.connect(Path(directory) / "checkpoints.sqlite", check_same_thread=False)
        # No fsync: a killed process loses nothing the OS already has (only a power cut or an OS
        # crash would), and the fsyncs of every commit were most of a kill trial's wall time.
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA journal_mode=WAL")  # safe across processes and a kill, no journal file per commit
        saver = EmbeddedSqliteSaver(conn)
        saver.setup()
        return saver
    if spec.startswith("postgres:"):
        from chaos.savers import postgres_saver

        return postgres_saver(spec.removeprefix("postgres:"))
    module, _, attr = spec.partition(":")
    return getattr(importlib.import_module(module), attr)(directory)


def _tracking(inner: Any, on_saved: Callable[[str], None]) -> Any:
    """``inner`` wrapped so every put_writes is noted (and the journal flushed) once saved."""
    from chaos.savers import ClockHeldSaver

    class TrackingSaver(ClockHeldSaver):
        def put_writes(self, config: Any, writes: Sequence[tuple[str, Any]], task_id: str, task_path: str = "") -> None:
            super().put_writes(config, writes, task_id, task_path)
            on_saved(task_id)

        async def aput_writes(self, config: Any, writes: Sequence[tuple[str, Any]], task_id: str,
                              task_path: str = "") -> None:
            await super().aput_writes(config, writes, task_id, task_path)
            on_saved(task_id)

    return TrackingSaver(inner)


def _hold_node(builder: Any, node: str, at: str, on_hold: Callable[[], None]) -> None:
    """Make ``node`` stop (forever) at ``at`` of its attempt, calling ``on_hold()`` there."""
    from langchain_core.runnables.config import run_in_executor
    from langgraph._internal._runnable import RunnableCallable

    spec = builder.nodes[node]
    runnable = copy.copy(spec.runnable)
    if not isinstance(runnable, RunnableCallable):
        raise SystemExit(f"node {node!r} is not a plain function node; kill trials need one")
    sync, afunc = runnable.func, runnable.afunc

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


def _build(target: Any, saver: Any, kill: dict[str, Any] | None, on_hold: Callable[[], None]) -> Any:
    """The target compiled on ``saver`` (the kill node held), instrumented."""
    from langgraph.graph import StateGraph
    from langgraph.pregel import Pregel

    from chaos.inject import copy_builder, instrument

    builder = copy_builder(target if isinstance(target, StateGraph) else target.builder)
    if kill is not None:
        _hold_node(builder, kill["node"], kill["at"], on_hold)
    if isinstance(target, StateGraph):
        # Compiled once, by `instrument` (a builder copy, then a compiled one, cost two).
        inst = instrument(builder, checkpointer_factory=lambda: saver)
        inst.cleanups.clear()  # the child's saver is closed with the process, not by the copy
        return inst
    if isinstance(target, Pregel):
        compiled = builder.compile(checkpointer=saver, cache=target.cache, store=target.store, name=target.name)
        for attr in ("config", "retry_policy", "cache_policy", "step_timeout"):
            setattr(compiled, attr, getattr(target, attr))
    else:
        compiled = builder.compile(checkpointer=saver)
    return instrument(compiled)


def child_main(spec: dict[str, Any], ready: Any) -> None:
    """The body of one child: one run step of a kill trial, journaled durably to ``spec["journal"]``."""
    import gc

    # The fork shares the server's pages; a collection would touch every inherited object's
    # header and copy its page (most of a child's CPU time went to such page faults).
    gc.freeze()
    from chaos.inject import current_attempt
    from chaos.shutdown.savers import checkpoint_summary
    from chaos.targets import load_target

    err = os.open(spec["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(err, 2)
    sys.stderr = os.fdopen(2, "w", buffering=1, closefd=False)
    ctx = _DurableContext(0, spec["test_id"])
    out: dict[str, Any] = {"outcome": "unknown", "error": None, "error_message": None,
                           "final_state": None, "checkpoint": None, "calls": []}
    journal_path = Path(spec["journal"])
    lock = threading.Lock()

    def dump() -> None:
        # One line per snapshot, appended: a kill mid-write leaves a torn last line, which the
        # parent skips (`_read`); no temporary file and rename per snapshot (20% of a child).
        # Opened per write: a descriptor held open in a forked child can be closed under it.
        with lock:
            data = {**out, "cpu": time.process_time(), "attempts": [a.to_json() for a in list(ctx.journal.attempts)],
                    "events": [e.to_json() for e in list(ctx.journal.events)],
                    "steps": [s.to_json() for s in list(ctx.journal.steps)]}
            with open(journal_path, "ab") as f:
                f.write((json.dumps(_jsonable(data)) + "\n").encode())

    ctx.dump = dump
    saved: set[str] = set()

    def on_saved(task_id: str) -> None:
        saved.add(task_id)
        dump()

    saver = _tracking(open_saver(spec["saver"], spec["dir"]), on_saved)
    kill = spec.get("kill")
    durability = spec.get("durability")
    controls: list[Any] = []
    on_sigterm = spec.get("on_sigterm", "drain")
    if on_sigterm == "drain":
        signal.signal(signal.SIGTERM, lambda *_: [c.request_drain("SIGTERM") for c in controls])
    elif on_sigterm == "ignore":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    else:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)

    def settle_then_ready(rec: AttemptRecord) -> None:
        expected = set(spec.get("siblings", ()))
        deadline = time.monotonic() + SETTLE_LIMIT
        while time.monotonic() < deadline:
            siblings = [a for a in list(ctx.journal.attempts) if a.step == rec.step and a is not rec]
            started = {a.node for a in siblings}
            done = expected <= started and all(a.outcome != "unknown" for a in siblings)
            ok = durability == "exit" or all(a.task_id in saved for a in siblings if a.outcome == "ok")
            if done and ok:
                break
            time.sleep(0.002)
        ctx.event("ready", rec.node, f"{rec.task} held at the {kill['at'] if kill else '?'} of attempt {rec.attempt}")
        dump()
        ready.send(rec.task)

    def on_hold() -> None:
        rec = current_attempt()
        threading.Thread(target=settle_then_ready, args=(rec,), daemon=True).start()

    inst = _build(load_target(spec["target"]), saver, kill, on_hold)
    # ``prepare`` (picklable, optional): the run hooks, config and context the parent's runs had
    # (the zero-code suite's sealed network, environment and store), rebuilt here.
    around: Sequence[Any] = ()
    run_cfg: dict[str, Any] | None = None
    run_ctx: Any = None
    if spec.get("prepare") is not None:
        around, run_cfg, run_ctx = spec["prepare"](inst)
    from chaos.engine.executor import run_config

    cfg = run_config(run_cfg, spec["thread_id"])
    extra: dict[str, Any] = {"durability": durability} if durability else {}
    resume_fn = None
    if spec["phase"] == "resume":
        out["checkpoint"] = checkpoint_summary(inst.graph.get_state(cfg))
        if spec.get("resume"):
            module, _, attr = spec["resume"].partition(":")
            resume_fn = getattr(importlib.import_module(module), attr)
    step: Step = Invoke(spec["input"]) if spec["phase"] == "run" else Resume()
    executor = Executor(
        inst, ctx, input=spec["input"], thread_id=spec["thread_id"], clock="real",
        config=run_cfg, context=run_ctx, around=tuple(around),
        forget=spec["phase"] == "run", clear_cache=False, resume=resume_fn, run_kwargs=extra,
        on_control=controls.append, thread_outcome="killed",
    )
    journal = executor.execute([step])
    out.update(outcome=journal.outcome, error=journal.error,
               error_message=(journal.error_message or "")[:500] or None)
    if executor.proxy is not None:
        out["calls"] = [c.__dict__ for c in executor.proxy.calls]
    try:
        out["final_state"] = inst.graph.get_state(cfg).values
    except Exception as exc:  # the outcome already says how the run ended
        out["final_state"] = None
        out["error_message"] = out["error_message"] or str(exc)[:500]
    dump()


# -- in the parent -----------------------------------------------------------------------------


def _spawn(spec: dict[str, Any], workdir: Path, name: str, target_module: str) -> tuple[Any, Any]:
    from chaos.engine import forkserver

    mp = forkserver.context((target_module,))
    recv, send = mp.Pipe(duplex=False)
    spec = {**spec, "stderr": str(workdir / f"{name}.err"), "journal": str(workdir / f"{name}.json")}
    proc = mp.Process(target=child_main, args=(spec, send), name=f"chaos-kill-{name}", daemon=True)
    # The child needs nothing from the caller's __main__ (its body is in this module); hide the
    # main script so multiprocessing does not re-run it in the child, as it would for a script
    # without an ``if __name__ == "__main__"`` guard.
    main = sys.modules.get("__main__")
    hidden = {k: main.__dict__.pop(k) for k in ("__file__",) if main is not None and k in main.__dict__}
    spec_attr = getattr(main, "__spec__", None)
    try:
        if main is not None:
            main.__spec__ = None
        proc.start()
    finally:
        if main is not None:
            main.__dict__.update(hidden)
            main.__spec__ = spec_attr
    send.close()  # the child holds the write end now: EOF on recv means it exited
    return proc, recv


#: CPU seconds the children of kill trials reported (their own, from the fork on), summed over
#: this process: what a kill trial costs besides the parent's own CPU time (`chaos.bench`).
children_cpu = 0.0


def _read(path: Path) -> dict[str, Any] | None:
    """The child's latest complete journal snapshot (the last line that parses)."""
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        try:
            data = json.loads(line)
        except ValueError:  # torn by the kill
            continue
        return data if isinstance(data, dict) else None
    return None


def _account(data: dict[str, Any]) -> dict[str, Any]:
    """Add a finished child's reported CPU time to `children_cpu`."""
    global children_cpu
    cpu = data.get("cpu")
    if isinstance(cpu, (int, float)):
        children_cpu += float(cpu)
    return data


def _failure(name: str, proc: Any, workdir: Path, what: str) -> str:
    try:
        err = (workdir / f"{name}.err").read_text(errors="replace")[-3000:]
    except OSError:
        err = ""
    return f"the {name} child process {what} (exit status {proc.exitcode}); its stderr:\n{err}"


def _reap(proc: Any, timeout: float) -> None:
    proc.join(timeout)
    if proc.is_alive():
        proc.kill()
        proc.join()


def _killed_run(spec: dict[str, Any], kill: Kill, timeout: float, workdir: Path, module: str) -> tuple[dict[str, Any], str, str]:
    """Start the run, wait for the kill point, SIGTERM, SIGKILL after the grace period."""
    from chaos.savers import held

    proc, recv = _spawn(spec, workdir, "run", module)
    try:
        with held():
            line = None
            if recv.poll(timeout):
                try:
                    line = recv.recv()
                except EOFError:
                    line = None
            if line is None:
                _reap(proc, timeout)
                data = _read(workdir / "run.json")
                if data is not None and proc.exitcode == 0:
                    # The run ended without reaching the kill point: the fault never fired.
                    return data, "no kill: the run never reached the kill point", "none"
                raise ChildFailed(_failure("run", proc, workdir, "never reached the kill point"))
            assert proc.pid is not None
            os.kill(proc.pid, signal.SIGTERM)
            proc.join(kill.grace)
            if proc.is_alive():
                proc.kill()
                proc.join(timeout)
                how, detail = f"SIGTERM, then SIGKILL after the {kill.grace:g}s grace period", "SIGKILL"
            else:
                how = f"SIGTERM; the process exited (status {proc.exitcode}) within the {kill.grace:g}s grace period"
                detail = "SIGTERM"
    finally:
        recv.close()
    data = _read(workdir / "run.json")
    if data is None:
        raise ChildFailed(_failure("run", proc, workdir, "wrote no journal before the kill"))
    return data, how, detail


def _resumed_run(spec: dict[str, Any], timeout: float, workdir: Path, module: str) -> dict[str, Any]:
    from chaos.savers import held

    proc, recv = _spawn(spec, workdir, "resume", module)
    recv.close()
    with held():
        proc.join(timeout)
        if proc.is_alive():
            _reap(proc, 0)
            raise ChildFailed(_failure("resume", proc, workdir, f"did not finish within {timeout:g}s"))
    data = _read(workdir / "resume.json")
    if data is None:
        raise ChildFailed(_failure("resume", proc, workdir, "wrote no journal"))
    return data


def _journal(data: dict[str, Any]) -> Journal:
    j = Journal()
    j.attempts = [AttemptRecord(**a) for a in data.get("attempts", [])]
    j.events = [EventRecord(**e) for e in data.get("events", [])]
    j.steps = [StepRecord(**s) for s in data.get("steps", [])]
    j.outcome = data.get("outcome", "unknown")
    j.error, j.error_message = data.get("error"), data.get("error_message")
    j.final_state = data.get("final_state")
    j.duration = max([a.end or a.start for a in j.attempts] + [e.time for e in j.events] + [0.0])
    return j


def _siblings(baseline: Journal | None, node: str) -> list[str]:
    """The nodes that run in the kill node's first superstep, in the fault-free baseline."""
    if baseline is None:
        return []
    step = next((a.step for a in baseline.attempts if a.node == node), None)
    return sorted({a.node for a in baseline.attempts if a.step == step and a.node != node and step is not None})


def execute_killed(spec: Any, thread_id: str, baseline: Journal | None = None) -> tuple[SignalContext, Journal, dict[str, Any]]:
    """Run a kill trial's steps in child processes; one merged journal and what the kill did."""
    kill = spec.kill
    assert kill is not None
    opts = dict(spec.kill_options or {})
    target = opts.get("target")
    if not target:
        from chaos.errors import ChaosUsageError

        raise ChaosUsageError("a Kill step needs the graph as MODULE:ATTR (kill_options={'target': ...}) "
                              "so a child process can import it")
    runs = [s for s in spec.steps if isinstance(s, (Invoke, Resume))]
    if len(runs) != 2 or not isinstance(runs[0], Invoke) or not isinstance(runs[1], Resume):
        from chaos.errors import ChaosUsageError

        raise ChaosUsageError("a kill trial's steps are [Kill(node), Invoke(), Resume()]")
    module = target.partition(":")[0]
    workdir = Path(tempfile.mkdtemp(prefix="langgraph-chaos-kill-"))
    timeout = float(opts.get("timeout", 60.0))
    graph_input = spec.input if runs[0].input is SAME else runs[0].input
    common = {"target": target, "saver": opts.get("saver", "sqlite"), "dir": str(workdir), "test_id": spec.test_id,
              "thread_id": thread_id, "input": graph_input, "durability": opts.get("durability"),
              "on_sigterm": opts.get("on_sigterm", "drain"), "prepare": opts.get("prepare")}
    try:
        first, kill_event, exit_detail = _killed_run(
            {**common, "phase": "run", "kill": {"node": kill.node, "at": kill.at},
             "siblings": _siblings(baseline, kill.node)}, kill, timeout, workdir, module)
        second = _resumed_run({**common, "phase": "resume", "resume": opts.get("resume")}, timeout, workdir, module)
    finally:
        if not os.environ.get("CHAOS_KEEP_KILL_DIR"):
            shutil.rmtree(workdir, ignore_errors=True)
    run_journal, resume_journal = _journal(_account(first)), _journal(_account(second))
    killed = next((a for a in run_journal.attempts if a.node == kill.node and a.outcome == "unknown"), None)
    if killed is not None:
        killed.error, killed.error_message = exit_detail, f"the process died mid-attempt ({kill_event})"
        from chaos.shutdown.faults import Kill as KillFault

        fault = KillFault(kill.grace, kill.at)
        killed.fault, killed.fault_kind = fault.describe(), fault.kind
    for rec in run_journal.steps:
        if rec.outcome == "unknown":
            rec.outcome = "killed"
    offset = run_journal.duration
    run_journal.events.append(EventRecord("kill", offset, kill.node, kill_event))
    resume_journal.events.insert(0, EventRecord(
        "resume", offset, None, f"fresh process; checkpoint before resume: {second.get('checkpoint')}"))
    for a in resume_journal.attempts:
        a.start += offset
        a.end = None if a.end is None else a.end + offset
        a.invocation = 1
    for ev in resume_journal.events[1:]:
        ev.time += offset
    for s in resume_journal.steps:
        s.index, s.start = 2, s.start + offset
        s.end = None if s.end is None else s.end + offset
        s.first, s.last = s.first + len(run_journal.attempts), s.last + len(run_journal.attempts)
    resume_journal.duration += offset
    journal = Journal(
        attempts=[*run_journal.attempts, *resume_journal.attempts],
        events=[*run_journal.events, *resume_journal.events],
        outcome=resume_journal.outcome, error=resume_journal.error, error_message=resume_journal.error_message,
        final_state=resume_journal.final_state, duration=resume_journal.duration,
        steps=[*run_journal.steps, *resume_journal.steps],
    )
    ctx = SignalContext(spec.seed, spec.test_id, spec.injections)
    if killed is not None:
        ctx.fired[spec.signal_injections()[0]] += 1
        ctx.landed = killed
    extra = {"kill_event": kill_event, "exit_detail": exit_detail, "killed": killed,
             "split": len(run_journal.attempts), "checkpoint": second.get("checkpoint"),
             "calls": second.get("calls", []), "resume_outcome": second.get("outcome", "unknown")}
    return ctx, journal, extra
