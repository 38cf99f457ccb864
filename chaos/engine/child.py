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
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from chaos.context import SignalContext
from chaos.engine.drive import parse_drive
from chaos.engine.executor import Executor
from chaos.engine.steps import RUN_STEPS, Invoke, Kill, Resume, Step, UpdateState, Wait
from chaos.errors import ChaosError, ChaosUsageError
from chaos.journal import AttemptRecord, EventRecord, HttpRecord, Journal, StepRecord, _jsonable

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
            # A sync body under an async drive: it runs in the loop's executor, but the hold is on
            # the loop. Held on the executor's (one) thread, it would keep the node's other Send
            # copies from ever starting; here every copy does its work and is held, and the kill
            # lands on all of them.
            body = sync

            @functools.wraps(sync)
            async def held_in_executor(*args: Any, **kwargs: Any) -> Any:
                if at == "end":
                    await run_in_executor(None, body, *args, **kwargs)
                on_hold()
                await asyncio.get_running_loop().create_future()

            runnable.afunc = held_in_executor
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
                    "steps": [s.to_json() for s in list(ctx.journal.steps)],
                    "http": [h.to_json() for h in list(ctx.journal.http)],
                    "repeat_states": list(ctx.journal.repeat_states)}
            with open(journal_path, "ab") as f:
                f.write((json.dumps(_jsonable(data)) + "\n").encode())

    ctx.dump = dump
    saved: set[str] = set()

    def on_saved(task_id: str) -> None:
        saved.add(task_id)
        dump()

    raw_saver = open_saver(spec["saver"], spec["dir"])
    saver = _tracking(raw_saver, on_saved)
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

    # The tasks of the killed superstep in the baseline, one entry per task: the node's own Send
    # copies and each sibling copy count, so the kill waits for every one of them.
    expected = Counter(spec.get("siblings", ()))
    copies = max(expected.pop(kill["node"], 1), 1) if kill else 1
    held: list[AttemptRecord] = []

    def settle_then_ready(rec: AttemptRecord) -> None:
        deadline = time.monotonic() + SETTLE_LIMIT
        while time.monotonic() < deadline:
            siblings = [a for a in list(ctx.journal.attempts) if a.step == rec.step and a.node != rec.node]
            started = Counter(node for node, _ in {(a.node, a.task) for a in siblings})
            done = all(started[n] >= c for n, c in expected.items()) and all(a.outcome != "unknown" for a in siblings)
            ok = durability == "exit" or all(a.task_id in saved for a in siblings if a.outcome == "ok")
            if done and ok and len(held) >= copies:
                break
            time.sleep(0.002)
        tasks = ", ".join(sorted(a.task for a in list(held))) if len(held) > 1 else rec.task
        ctx.event("ready", rec.node, f"{tasks} held at the {kill['at'] if kill else '?'} of attempt {rec.attempt}")
        dump()
        ready.send(rec.task)

    def on_hold() -> None:
        rec = current_attempt()
        assert rec is not None
        with lock:
            held.append(rec)
            first = len(held) == 1
        if first:  # one waiter: the kill lands once every copy of the node is held
            threading.Thread(target=settle_then_ready, args=(rec,), daemon=True).start()

    inst = _build(load_target(spec["target"]), saver, kill, on_hold)
    # ``prepare`` (picklable, optional): the run hooks, config and context the parent's runs had
    # (the zero-code suite's sealed network, environment and store), rebuilt here; without it,
    # the parent's own hooks (its routes), pickled. Either way completed into the sealed network
    # (`chaos.engine.seal`): no request leaves this process but to the checkpointer, cache, store.
    from chaos.engine.seal import revive_routes, sealed_hooks, services_of

    around: Sequence[Any] = tuple(spec.get("around") or ())
    for hook in around:
        revive_routes(hook)
    run_cfg: dict[str, Any] | None = spec.get("config")
    run_ctx: Any = spec.get("context")
    if spec.get("prepare") is not None:
        around, prepared_cfg, run_ctx = spec["prepare"](inst)
        run_cfg = prepared_cfg if prepared_cfg is not None else run_cfg
    around = sealed_hooks(around, services_of(inst.graph, raw_saver))
    from chaos.engine.executor import run_config

    cfg = run_config(run_cfg, spec["thread_id"])
    extra: dict[str, Any] = {"durability": durability} if durability else {}
    resume_fn = None
    if spec["phase"] == "post":
        out["checkpoint"] = checkpoint_summary(inst.graph.get_state(cfg))
        if spec.get("resume"):
            module, _, attr = spec["resume"].partition(":")
            resume_fn = getattr(importlib.import_module(module), attr)
    steps: list[Step] = list(spec["steps"])
    executor = Executor(
        inst, ctx, input=spec["input"], thread_id=spec["thread_id"], drive=parse_drive(spec.get("drive")),
        # Only the killed step runs on the real clock (its kill is real); the steps before and
        # after it are ordinary runs, on simulated time like in-process trials (waits included).
        clock="real" if spec["phase"] == "run" else "simulated", seed=spec.get("seed", 0),
        forget=spec["phase"] == spec.get("first_phase", "run"), clear_cache=False, resume=resume_fn,
        run_kwargs=extra, on_control=controls.append, thread_outcome=spec.get("thread_outcome"),
        runs_before=spec.get("runs_before", 0), config=run_cfg, context=run_ctx,
        around=tuple(around),
        start_at=float(spec.get("offset", 0.0)) if spec["phase"] != "run" else 0.0,
    )
    offset = float(spec.get("offset", 0.0))
    if spec["phase"] == "run":
        # One timeline for the whole history: the children before and after this one run on the
        # simulated clock from SIM_EPOCH, so this real-time run's wall clock is moved there too
        # (ticking). Checkpoint ids are time-ordered: a run stamped with today's date would sort
        # before the earlier steps' checkpoints and the resume would miss its work.
        import datetime as _dt

        import time_machine

        from chaos.simtime import SIM_EPOCH

        with time_machine.travel(SIM_EPOCH + _dt.timedelta(seconds=offset), tick=True):
            journal = executor.execute(steps)
    else:
        journal = executor.execute(steps)
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
    except OSError as exc:
        if "AF_UNIX path too long" not in str(exc):
            raise
        # The forkserver listens on a socket under TMPDIR; Linux caps its path at 107 bytes.
        raise ChaosUsageError(
            f"kill trials cannot start their child processes: multiprocessing's forkserver socket "
            f"under TMPDIR={tempfile.gettempdir()!r} would be over the 107-byte limit of a Unix "
            "socket path; run with a shorter TMPDIR (TMPDIR=/tmp pytest ...)"
        ) from exc
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


def _plain_run(spec: dict[str, Any], name: str, timeout: float, workdir: Path, module: str) -> dict[str, Any]:
    """A child that runs its steps to the end (the steps before or after the killed one)."""
    from chaos.savers import held

    proc, recv = _spawn(spec, workdir, name, module)
    recv.close()
    with held():
        proc.join(timeout)
        if proc.is_alive():
            _reap(proc, 0)
            raise ChildFailed(_failure(name, proc, workdir, f"did not finish within {timeout:g}s"))
    data = _read(workdir / f"{name}.json")
    if data is None:
        raise ChildFailed(_failure(name, proc, workdir, "wrote no journal"))
    return data


def _canonical_http(attempts: list[AttemptRecord], http: list[HttpRecord]) -> list[HttpRecord]:
    """A child's HTTP records grouped by the attempt that sent them, in attempt order.

    A child runs on real time, so the requests of parallel siblings interleave as the threads
    happen to be scheduled: the same seed gave two journals. Each attempt's own requests keep
    their order (what the checkers read); records sent outside any attempt come last, in
    their own order.
    """
    order: dict[tuple[str | None, int | None], int] = {(a.task, a.attempt): i for i, a in enumerate(attempts)}
    keyed = [(order.get((rec.task, rec.attempt), len(order)), pos, rec) for pos, rec in enumerate(http)]
    return [rec for _k, _p, rec in sorted(keyed, key=lambda t: (t[0], t[1]))]


def _journal(data: dict[str, Any]) -> Journal:
    j = Journal()
    j.attempts = [AttemptRecord(**a) for a in data.get("attempts", [])]
    j.events = [EventRecord(**e) for e in data.get("events", [])]
    j.steps = [StepRecord(**s) for s in data.get("steps", [])]
    j.http = _canonical_http(j.attempts, [HttpRecord(**h) for h in data.get("http", [])])
    j.outcome = data.get("outcome", "unknown")
    j.error, j.error_message = data.get("error"), data.get("error_message")
    j.final_state = data.get("final_state")
    j.repeat_states = list(data.get("repeat_states", []))
    j.duration = max([a.end or a.start for a in j.attempts] + [e.time for e in j.events] + [h.time for h in j.http]
                     + [s.end or s.start for s in j.steps] + [0.0])
    return j


def _siblings(baseline: Journal | None, node: str, invocation: int = 0) -> list[str]:
    """The tasks of the kill node's first superstep of the killed run, in the baseline, by node
    (one entry per task: a Send fan-out's copies each count, the kill node's own included)."""
    if baseline is None:
        return []
    attempts = [a for a in baseline.attempts if a.invocation == invocation] or baseline.attempts
    step = next((a.step for a in attempts if a.node == node), None)
    if step is None:
        return []
    return sorted(n for n, _ in {(a.node, a.task) for a in attempts if a.step == step and a.outcome != "cached"})


#: Steps a kill trial's history may have before its Kill (on the trial's thread) and after it.
_BEFORE_KILL = (Invoke, Resume, UpdateState, Wait)
_AFTER_KILL = (Invoke, Resume, UpdateState, Wait)


def split_kill_steps(steps: Sequence[Step]) -> tuple[list[Step], Step, list[Step]]:
    """``steps`` as (before the kill, the killed run step, after it); a usage error when a
    history cannot run with a kill in it."""
    from chaos.errors import ChaosUsageError

    at = next(i for i, s in enumerate(steps) if isinstance(s, Kill))
    before, killed, after = list(steps[:at]), steps[at + 1], list(steps[at + 2:])
    hint = ("a kill trial's history is [steps on the trial's thread...] + [Kill(node), Invoke() or Resume()] "
            "+ [Resume(), again(), Wait(), UpdateState()...]")
    for i, s in enumerate(before):
        if not isinstance(s, _BEFORE_KILL):
            raise ChaosUsageError(f"steps[{i}]={s!r} cannot come before the Kill step (a kill trial has one "
                                  f"signal step); {hint}")
        if isinstance(s, Invoke) and s.thread == "fresh" and any(isinstance(p, RUN_STEPS) for p in before[:i]):
            raise ChaosUsageError(f"steps[{i}]={s!r}: the steps before a Kill run on the thread the kill "
                                  "lands on; move again() after the Kill step")
    if isinstance(killed, Invoke) and killed.thread == "fresh" and any(isinstance(p, RUN_STEPS) for p in before):
        raise ChaosUsageError(f"steps[{at + 1}]={killed!r}: the killed run continues the trial's thread; use "
                              "Invoke(thread='same') or Resume()")
    if isinstance(killed, Resume) and not any(isinstance(p, RUN_STEPS) for p in before):
        raise ChaosUsageError(f"steps[{at + 1}]={killed!r}: nothing to resume yet; the first run is an Invoke()")
    for i, s in enumerate(after, start=at + 2):
        if not isinstance(s, _AFTER_KILL):
            raise ChaosUsageError(f"steps[{i}]={s!r} cannot come after the Kill step (one signal step per "
                                  f"kill trial); {hint}")
    return before, killed, after


def _runs(steps: Sequence[StepRecord]) -> tuple[int, str | None]:
    """How many run steps ran, and how the last one ended (``interrupted`` included)."""
    ran = [s for s in steps if s.kind in ("invoke", "resume") and s.outcome != "skipped"]
    return len(ran), (ran[-1].outcome if ran else None)


def execute_killed(spec: Any, thread_id: str, baseline: Journal | None = None) -> tuple[SignalContext, Journal, dict[str, Any]]:
    """Run a kill trial's history in child processes; one merged journal and what the kill did.

    The steps before the Kill run in one child (simulated time), the killed run step in a
    second (real time: the kill is real), the steps after it in a third, new process
    (simulated time), all on one file-backed checkpointer. Their journals are merged in order
    into one history, each child's times shifted to start where the previous one ended.
    """
    kill = spec.kill
    assert kill is not None
    opts = dict(spec.kill_options or {})
    target = opts.get("target")
    if not target:
        from chaos.errors import ChaosUsageError

        raise ChaosUsageError("a Kill step needs the graph as MODULE:ATTR (kill_options={'target': ...}) "
                              "so a child process can import it")
    from chaos.engine.seal import child_hooks, picklable_or_error

    before, killed_step, after = split_kill_steps(spec.steps)
    at = len(before)
    module = target.partition(":")[0]
    workdir = Path(tempfile.mkdtemp(prefix="langgraph-chaos-kill-"))
    timeout = float(opts.get("timeout", 60.0))
    common = {"target": target, "saver": opts.get("saver", "sqlite"), "dir": str(workdir), "test_id": spec.test_id,
              "thread_id": thread_id, "input": spec.input, "durability": opts.get("durability"),
              "on_sigterm": opts.get("on_sigterm", "drain"), "drive": spec.drive.token, "seed": spec.seed,
              "config": spec.config, "prepare": opts.get("prepare"),
              "around": opts["hooks"] if "hooks" in opts else child_hooks(spec.around, opts.get("prepare")),
              "context": picklable_or_error(spec.context, "the run context (context=)"),
              "first_phase": "pre" if before else "run"}
    segments: list[tuple[int, dict[str, Any]]] = []  # (index of the segment's first step, child data)
    try:
        runs, outcome, offset = 0, None, 0.0
        if before:
            pre = _plain_run({**common, "phase": "pre", "steps": before}, "pre", timeout, workdir, module)
            segments.append((0, pre))
            runs, outcome = _runs(_journal(pre).steps)
            offset = _journal(pre).duration
        first, kill_event, exit_detail = _killed_run(
            {**common, "phase": "run", "steps": [killed_step], "runs_before": runs, "thread_outcome": outcome,
             "kill": {"node": kill.node, "at": kill.at}, "siblings": _siblings(baseline, kill.node, runs),
             "offset": offset}, kill, timeout, workdir, module)
        segments.append((at + 1, first))
        runs += 1
        # The next child's clock starts after everything the killed one could have stamped: it
        # lived at most ``timeout`` real seconds. Not its measured wall time: the next child's
        # checkpoint ids (and the task and interrupt ids derived from them) would vary run to run.
        offset += timeout + 1.0
        second: dict[str, Any] = {}
        if after:
            second = _plain_run({**common, "phase": "post", "steps": after, "runs_before": runs, "offset": offset,
                                 "thread_outcome": "killed" if exit_detail != "none" else _runs(_journal(first).steps)[1],
                                 "resume": opts.get("resume")}, "resume", timeout, workdir, module)
            segments.append((at + 2, second))
    finally:
        if not os.environ.get("CHAOS_KEEP_KILL_DIR"):
            shutil.rmtree(workdir, ignore_errors=True)
    journals = [(base, _journal(_account(data))) for base, data in segments]
    killed_journal = journals[-2][1] if after else journals[-1][1]
    # Every copy of the node the kill caught (a Send fan-out's copies run in one superstep).
    killed_all = [a for a in killed_journal.attempts if a.node == kill.node and a.outcome == "unknown"]
    killed = killed_all[0] if killed_all else None
    from chaos.shutdown.faults import Kill as KillFault

    fault = KillFault(kill.grace, kill.at)
    for att in killed_all:
        att.error, att.error_message = exit_detail, f"the process died mid-attempt ({kill_event})"
        att.fault, att.fault_kind = fault.describe(), fault.kind
    for rec in killed_journal.steps:
        if rec.outcome == "unknown":
            rec.outcome = "killed"
    killed_journal.events.append(EventRecord("kill", killed_journal.duration, kill.node, kill_event))
    if after:
        journals[-1][1].events.insert(0, EventRecord(
            "resume", 0.0, None, f"fresh process; checkpoint before resume: {second.get('checkpoint')}"))
    journal = Journal()
    offset, split = 0.0, 0
    for base, j in journals:
        first_attempt = len(journal.attempts)
        for a in j.attempts:
            a.start += offset
            a.end = None if a.end is None else a.end + offset
        for ev in j.events:
            ev.time += offset
        for h in j.http:
            h.time += offset
        for s in j.steps:
            s.index += base
            s.start += offset
            s.end = None if s.end is None else s.end + offset
            s.first, s.last = s.first + first_attempt, s.last + first_attempt
        journal.attempts += j.attempts
        journal.events += j.events
        journal.http += j.http
        journal.steps += j.steps
        journal.repeat_states += j.repeat_states
        offset += j.duration
        if j is killed_journal:
            split = len(journal.attempts)
    last = journals[-1][1]
    journal.outcome, journal.error, journal.error_message = last.outcome, last.error, last.error_message
    if not after:
        journal.outcome = "killed" if killed is not None else last.outcome
    journal.final_state, journal.duration = last.final_state, offset
    ctx = SignalContext(spec.seed, spec.test_id, spec.injections)
    if killed is not None:
        ctx.fired[spec.signal_injections()[0]] += 1
        ctx.landed = killed
    extra = {"kill_event": kill_event, "exit_detail": exit_detail, "killed": killed, "killed_all": killed_all,
             "split": split, "checkpoint": second.get("checkpoint"),
             "calls": second.get("calls", []), "resume_outcome": second.get("outcome", "not run")}
    return ctx, journal, extra
