"""The one executor: runs a trial's steps on one thread of an instrumented graph, in process.

Every attempt (node wrappers), HTTP request (the ``around`` hooks), signal and step boundary
goes into ONE journal, the trial's history. The steps are interpreted by one script
(`Executor._script`), a generator that yields the operations to perform; one driver
(`Executor._main`) performs them, awaited on an event loop for async drives and run to its end
on the calling thread for sync drives (it never suspends there: every operation calls
LangGraph's sync API), both on the trial's clock. So the ladder from an exception to an outcome exists
once (`outcome_of`).

Kill steps do not run here: `chaos.engine.child` runs each of their run steps in a child
process and merges the children's journals.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Generator, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from chaos.context import RunContext, SignalContext, trial_clock
from chaos.engine import drive as drv
from chaos.engine.steps import SAME, Invoke, Kill, Resume, Sigterm, Step, UpdateState, Wait, describe
from chaos.errors import ChaosAbort, ChaosUsageError
from chaos.faults import Injection
from chaos.inject import InstrumentedGraph, observe_timeouts, task_boundary
from chaos.journal import AttemptRecord, Journal, StepRecord

#: Something to enter around each execution, inside the trial's clock (an HTTP router, a
#: signal handler, ...). Called with the run's context; exited also when the run fails.
RunHook = Callable[[RunContext], AbstractContextManager[Any]]
ClockName = Literal["simulated", "real"]
#: The user's own service code (drain trials): ``serve(graph, input, config)`` and
#: ``resume(graph, config)``, sync or async to match the drive.
Serve = Callable[[Any, Any, dict[str, Any]], Any]
ResumeFn = Callable[[Any, dict[str, Any]], Any]


def run_config(config: dict[str, Any] | None, thread_id: str) -> dict[str, Any]:
    """The user's config with the run's own thread id."""
    cfg: dict[str, Any] = dict(config or {})
    # The harness's thread id wins: baseline and chaos runs must never share a thread.
    cfg["configurable"] = {**cfg.get("configurable", {}), "thread_id": thread_id}
    return cfg


def fresh_thread(thread_id: str, n: int) -> str:
    """The thread of the n-th run step when it asks for a fresh thread."""
    return f"{thread_id}-r{n}"


def sigterm_injection(step: Sigterm) -> Injection:
    """A `Sigterm` step aimed at a node or a superstep boundary, as the injection that fires it."""
    from chaos.shutdown.faults import Sigterm as SigtermFault

    if step.step is not None:
        # Every task of superstep k matches; the first one to start delivers the signal.
        return Injection.of(SigtermFault(after_step=step.step), "*", None, times=1)
    assert step.node is not None
    return Injection.of(SigtermFault(), step.node, step.attempts, times=1)


def outcome_of(exc: BaseException, extra: Sequence[tuple[type[BaseException], str]] = ()) -> str:
    """The one ladder from what a run raised to its outcome."""
    from langgraph.errors import GraphDrained, GraphInterrupt

    from chaos.simtime import SimulatedDeadlock

    for cls, name in extra:
        if isinstance(exc, cls):
            return name
    if isinstance(exc, ChaosAbort):
        return "aborted"
    if isinstance(exc, SimulatedDeadlock):
        return "deadlock"
    if isinstance(exc, GraphInterrupt):
        return "interrupted"
    if isinstance(exc, GraphDrained):
        return "drained"
    return "error"


def raised_by_saver(exc: BaseException) -> str | None:
    """``Class.method`` of the checkpointer that raised ``exc``, when one did (else None).

    A run that fails outside any node usually failed on its input; one whose error came from
    the checkpointer's ``put``/``put_writes`` needs another fix, so the innermost saver frame of
    the traceback is named in the journal (``saver_error`` event).
    """
    from langgraph.checkpoint.base import BaseCheckpointSaver

    tb, found = exc.__traceback__, None
    while tb is not None:
        owner = tb.tb_frame.f_locals.get("self")
        if isinstance(owner, BaseCheckpointSaver):
            found = f"{type(owner).__name__}.{tb.tb_frame.f_code.co_name}"
        tb = tb.tb_next
    return found


@dataclass
class _Op:
    """One operation the script asks a driver to perform."""

    kind: Literal["run", "serve", "resume_fn", "wait", "update", "state", "forget", "clear_cache", "signal"]
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)


class Executor:
    """Runs ``steps`` on ``thread_id`` of ``inst`` with ``ctx`` recording.

    Args:
        drive: how each run step calls the graph (`chaos.engine.drive`).
        serve, resume: service mode of SIGTERM trials (the user's own code runs the graph).
        start_at: advance the trial clock by this much first (a state machine's timeline).
        forget: delete the trial's threads from the checkpointer first (deterministic thread
            ids are reused across sessions by a persistent saver).
        runs_before: run steps of the history done before these (in another process).
        clear_cache: clear the node cache first, so a run is never served an earlier one's.
        extra_outcomes: exception classes with their own outcome (``ProcessKilled``: killed).
        thread_outcome: how the thread's last run ended before these steps (a `Resume` of a
            thread that finished is skipped).
    """

    def __init__(
        self,
        inst: InstrumentedGraph,
        ctx: RunContext,
        *,
        input: Any,
        thread_id: str,
        drive: drv.Drive = drv.DEFAULT,
        clock: ClockName = "simulated",
        seed: int = 0,
        config: dict[str, Any] | None = None,
        context: Any = None,
        around: Sequence[RunHook] = (),
        serve: Serve | None = None,
        resume: ResumeFn | None = None,
        start_at: float = 0.0,
        forget: bool = True,
        clear_cache: bool = True,
        extra_outcomes: Sequence[tuple[type[BaseException], str]] = (),
        thread_outcome: str | None = None,
        run_kwargs: dict[str, Any] | None = None,
        on_control: Callable[[Any], None] | None = None,
        runs_before: int = 0,
    ) -> None:
        self.inst = inst
        self.ctx = ctx
        self.input = input
        self.thread_id = thread_id
        self.drive = drive
        self.clock: ClockName = clock
        self.seed = seed
        self.config = config
        self.context = context
        self.around = list(around)
        self.serve = serve
        self.resume_fn = resume
        self.start_at = start_at
        self.forget = forget
        self.clear_cache = clear_cache
        self.extra_outcomes = tuple(extra_outcomes)
        #: How the thread's last run ended before these steps (None: unknown or new).
        self.thread_outcome = thread_outcome
        #: Extra keywords of every run (``durability=``), and a callback given each run's
        #: `RunControl` (a kill trial's child wires its SIGTERM handler to it).
        self.run_kwargs = dict(run_kwargs or {})
        self.on_control = on_control
        #: Run steps of this history already done elsewhere (a kill trial's earlier child
        #: processes): fresh-thread names and invocation numbers continue from there.
        self.runs_before = runs_before
        self.proxy: drv.RecordingGraph | None = None
        self._resuming = False
        self.sigterm: Any = None  # the SigtermScope of a trial with Sigterm steps
        self._early_signal = False  # a Sigterm step to deliver before the next run starts

    # -- the script: one interpretation of the steps --------------------------------------

    def _threads(self, steps: Sequence[Step]) -> list[str]:
        out, n = [self.thread_id], self.runs_before
        for step in steps:
            if isinstance(step, (Invoke, Resume)):
                if isinstance(step, Invoke) and step.thread == "fresh" and n > 0:
                    out.append(fresh_thread(self.thread_id, n))
                n += 1
        if self.drive.method in ("abatch", "batch"):
            out += [f"{t}-b{i}" for t in list(out) for i in range(1, self.drive.n)]
        return out

    def _script(self, steps: Sequence[Step]) -> Generator[_Op, Any, None]:
        ctx, journal = self.ctx, self.ctx.journal
        if self.forget:
            yield _Op("forget", (self._threads(steps),))
        if self.clear_cache:
            yield _Op("clear_cache")
        thread, runs, fresh_runs, waited = self.thread_id, self.runs_before, 0, 0.0
        last_outcome: dict[str, str] = {}
        armed: Sigterm | None = None
        stopped = False
        for i, step in enumerate(steps):
            if stopped:
                # Said, not silently dropped: the rest of the script is journaled as skipped.
                journal.steps.append(StepRecord(i, type(step).__name__.lower(), describe(step), thread, ctx.now(),
                                                first=len(journal.attempts), outcome="skipped",
                                                end=ctx.now(), last=len(journal.attempts)))
                continue
            if isinstance(step, Sigterm):
                armed = step
                continue
            if isinstance(step, Kill):
                raise ChaosUsageError("Kill steps run in child processes: use chaos.engine.run_trial (it routes them)")
            rec = StepRecord(i, type(step).__name__.lower(), describe(step), thread, ctx.now(),
                             first=len(journal.attempts))
            journal.steps.append(rec)
            if isinstance(step, Wait):
                yield _Op("wait", (step.seconds,))
                waited += step.seconds
                rec.outcome = "done"
            elif isinstance(step, UpdateState):
                res = yield _Op("update", (run_config(self.config, thread), step.values), {"as_node": step.as_node})
                rec.outcome = "error" if isinstance(res, BaseException) else "done"
                if isinstance(res, BaseException):
                    rec.error, rec.error_message = type(res).__name__, str(res)[:500]
                ctx.event("update_state", step.as_node, rec.detail)
            else:
                assert isinstance(step, (Invoke, Resume))
                before = last_outcome.get(thread, self.thread_outcome)
                if isinstance(step, Resume) and (before == "ok" or (step.only_after and before not in step.only_after)):
                    rec.outcome = "skipped"  # nothing to resume: the thread finished (or never ran)
                    rec.end, rec.last = ctx.now(), len(journal.attempts)
                    continue
                if isinstance(step, Invoke) and step.thread == "fresh" and runs > 0:
                    thread = fresh_thread(self.thread_id, runs)
                    rec.thread = thread
                ctx.invocation = runs
                if runs > 0 and isinstance(step, Invoke):
                    ctx.event("repeat", None, f"invocation {runs + 1} after {waited:g}s")
                elif isinstance(step, Resume):
                    ctx.event("resume", None, "resumed the thread with a fresh RunControl" if step.value is None
                              else f"resumed the thread with Command(resume={step.value!r})")
                on_main = thread == self.thread_id
                graph_input = (self.input if step.input is SAME else step.input) if isinstance(step, Invoke) \
                    else step.graph_input()
                cfg = run_config(self.config, thread)
                if isinstance(step, Resume) and step.config is not None:
                    from chaos.engine.steps import config_summary

                    cfg = step.resume_config(self.inst.graph, cfg, thread)
                    if callable(step.config):  # say what the function returned
                        rec.detail = f"{rec.detail[:-1]}: {config_summary(cfg)})"
                signal_step = armed
                armed = None
                if signal_step is not None:
                    yield _Op("signal", (signal_step,))
                if self.proxy is not None:
                    self.proxy.phase = "resume" if isinstance(step, Resume) else "serve"
                self._resuming = isinstance(step, Resume)
                if isinstance(step, Invoke) and self.serve is not None:
                    res = yield _Op("serve", (graph_input, cfg))
                elif isinstance(step, Resume) and self.resume_fn is not None:
                    res = yield _Op("resume_fn", (cfg,))
                else:
                    res = yield _Op("run", (graph_input, cfg, on_main, fresh_runs if not on_main else -1))
                if not on_main:
                    fresh_runs += 1
                if isinstance(res, BaseException):
                    rec.outcome = outcome_of(res, self.extra_outcomes)
                    rec.error, rec.error_message = type(res).__name__, str(res)
                    journal.error, journal.error_message = rec.error, rec.error_message
                    if (saver := raised_by_saver(res)) is not None:
                        ctx.event("saver_error", None, f"{type(res).__name__} raised in the checkpointer's {saver}")
                else:
                    rec.outcome = "interrupted" if res is not None and res.interrupts else "ok"
                    if res is not None and res.interrupts:
                        journal.interrupts.extend(res.interrupts)
                        rec.interrupts_asked = [[str(getattr(x, "id", None)), repr(getattr(x, "value", x))[:200]]
                                                for x in res.interrupts]
                        ctx.event("interrupt", None, "stopped at interrupt(): " + ", ".join(
                            repr(getattr(x, "value", x)) for x in res.interrupts))
                if rec.outcome == "ok" and self._has_breakpoints():
                    # A stop at an interrupt_before/after breakpoint returns normally (no
                    # interrupt() value): the thread is paused, not finished, when nodes are next.
                    paused = yield _Op("state", (cfg,))
                    if isinstance(paused, dict) and paused.get("next"):
                        rec.outcome = "interrupted"
                        rec.breakpoint = list(paused["next"])
                        ctx.event("breakpoint", None, f"paused at a breakpoint; next={paused['next']}")
                last_outcome[thread] = rec.outcome
                if signal_step is not None and isinstance(ctx, SignalContext):
                    ctx.armed = None  # a SIGTERM that never landed must not hit a later run
                runs += 1
                waited = 0.0
                if signal_step is not None:
                    rec.checkpoint = yield _Op("state", (cfg,))
                    self._after_signal(rec)
                if rec.outcome in ("aborted", "deadlock"):
                    raise _Stop(res)
                nxt = next((s for s in steps[i + 1:] if isinstance(s, (Invoke, Resume))), None)
                if rec.outcome not in ("ok", "interrupted") and not isinstance(nxt, Resume):
                    stopped = True  # a failed run ends the history unless the script resumes it
                    if i + 1 < len(steps):
                        ctx.event("history_ended", None, f"run step {i} ended {rec.outcome} ({rec.error}) and the "
                                  "next run step is not a Resume: the remaining steps are skipped (put a "
                                  "Resume() after it to retry the thread)")
            rec.end, rec.last = ctx.now(), len(journal.attempts)

    def _has_breakpoints(self) -> bool:
        graph = self.inst.graph
        return bool(getattr(graph, "interrupt_before_nodes", None) or getattr(graph, "interrupt_after_nodes", None))

    def _after_signal(self, rec: StepRecord) -> None:
        ctx = self.ctx
        landed = ctx.landed if isinstance(ctx, SignalContext) else None
        cp = rec.checkpoint or {}
        if rec.outcome == "drained":
            ctx.event("drain", landed.node if landed else None,
                      f"GraphDrained ({rec.error_message}) after superstep {landed.step if landed else None}; "
                      f"checkpoint step {cp.get('step')} saved, next={cp.get('next')}")
        elif landed is not None:
            ctx.event("drain", landed.node, f"not drained: the run ended {rec.outcome}")

    # -- drivers ------------------------------------------------------------------------------

    def execute(self, steps: Sequence[Step]) -> Journal:
        """Run the steps; return the journal (also ``ctx.journal``). Never raises a run's error."""
        from chaos.simtime import SimulatedDeadlock, run_async, run_sync

        journal = self.ctx.journal
        has_signal = any(isinstance(s, Sigterm) for s in steps)
        if has_signal or self.serve is not None or self.resume_fn is not None:
            self.proxy = drv.RecordingGraph(self.inst.graph)
        try:
            with ExitStack() as stack:
                # First in, last out: signal handlers and threads the graph leaves behind are
                # restored or reported after the harness's own scopes have been undone.
                from chaos.leaks import leak_guard

                stack.enter_context(leak_guard(self.ctx, trial=getattr(self.ctx, "test_id", "")))
                if has_signal:
                    from chaos.shutdown.signals import sigterm_scope

                    self.sigterm = stack.enter_context(sigterm_scope())
                # What the clock could not make deterministic is journaled; the judge makes
                # the trial inconclusive ("nondeterministic: <source>").
                def nondeterministic(source: str) -> None:
                    self.ctx.event("nondeterministic", None, source)

                if self.drive.is_async:
                    run_async(lambda: self._main(steps), mode=self.clock, seed=self.seed, describe_stuck=self._stuck,
                              on_nondeterminism=nondeterministic)
                else:
                    run_sync(lambda: _run_sync_coroutine(self._main(steps)), mode=self.clock, seed=self.seed,
                             on_nondeterminism=nondeterministic)
            runs = [s for s in journal.steps if s.kind in ("invoke", "resume") and s.outcome != "skipped"]
            end = runs[-1].outcome if runs else "ok"
            # A run stopped at interrupt() ended as designed: the thread waits for its answer.
            journal.outcome = "ok" if end in ("ok", "interrupted") else end
            if journal.outcome == "ok":
                journal.error = journal.error_message = None
        except (_Stop, ChaosAbort, SimulatedDeadlock) as stop:
            exc = stop.exc if isinstance(stop, _Stop) else stop
            journal.outcome = outcome_of(exc, self.extra_outcomes)
            journal.error, journal.error_message = type(exc).__name__, str(exc)
        finally:
            journal.duration = self.ctx.now()
        if journal.outcome in ("aborted", "deadlock") or any(s.outcome == "killed" for s in journal.steps):
            for rec in journal.attempts:
                if rec.outcome == "unknown":
                    rec.outcome = "aborted" if rec.fault else "cancelled"
        if self.sigterm is not None and self.serve is not None and self.sigterm.unhandled:
            self.ctx.event("sigterm", None, "SIGTERM reached the harness's sentinel: the service installed no handler")
        return journal

    def _stuck(self) -> str:
        running = [a for a in self.ctx.journal.attempts if a.outcome == "unknown"]
        names = ", ".join(f"{a.node} (attempt {a.attempt}, fault {a.fault})" for a in running)
        return (
            f"the run can never finish: nothing can wake it. Still running: {names or 'no node'}. "
            "In production this run would hang; give the node a TimeoutPolicy."
        )

    @contextmanager
    def _active(self) -> Iterator[None]:
        """The run's context for the wrappers, LangGraph's timeouts observed, the hooks entered."""
        if self.start_at:
            from chaos.simtime import current_clock

            clock = current_clock()
            if clock is not None:
                clock.advance(self.start_at)  # this run starts where the caller's timeline is
        self.ctx.now = trial_clock()  # started here, inside the trial's clock
        self.inst.active.context = self.ctx
        try:
            with ExitStack() as stack:
                stack.enter_context(observe_timeouts(self.ctx))
                stack.enter_context(task_boundary(self.inst.graph))
                for hook in self.around:
                    stack.enter_context(hook(self.ctx))
                yield
        finally:
            self.inst.active.context = None

    def _on_chunk(self, on_main: bool, fresh_index: int) -> drv.OnChunk:
        ctx, journal = self.ctx, self.ctx.journal
        # The state streamed last: the input of the next superstep's tasks (a cache hit's input).
        seen: list[Any] = [None]

        def record(mode: str, chunk: Any) -> None:
            if mode == "values":
                seen[0] = chunk
                if on_main:
                    journal.final_state = chunk
                    journal.pending_updates = []
                else:
                    del journal.repeat_states[fresh_index:]
                    journal.repeat_states.append(chunk)
            elif mode == "updates" and isinstance(chunk, dict):
                meta = chunk.get("__metadata__") or {}
                if on_main and not meta.get("cached"):
                    journal.pending_updates += [(k, v) for k, v in chunk.items() if not k.startswith("__")]
                if meta.get("cached") and self._resuming:
                    # A resume streams the writes its finished tasks saved before the interruption
                    # as cached updates: reused pending writes, not a cache hit (no body ran).
                    for node in chunk:
                        if node != "__metadata__":
                            ctx.event("pending_writes", node, f"{node}: its writes saved before the "
                                      "interruption were reused; its body did not run again")
                elif meta.get("cached"):
                    for node in chunk:
                        if node != "__metadata__":
                            now = ctx.now()
                            journal.attempts.append(AttemptRecord(
                                node=node, task=f"{node}#cached", attempt=0, step=None, start=now,
                                end=now, outcome="cached", invocation=ctx.invocation,
                                input=seen[0], output=chunk[node]))

        return record

    def _settle(self, out: drv.RunOutput, on_main: bool, fresh_index: int) -> None:
        """A non-streaming drive's output is the final state."""
        if not out.has_final:
            return
        self._on_chunk(on_main, fresh_index)("values", out.final)
        if out.batch:
            self.ctx.journal.batch_states = list(out.batch[1:])

    def _run_kwargs(self) -> dict[str, Any]:
        from langgraph.runtime import RunControl

        kwargs: dict[str, Any] = dict(self.run_kwargs)
        if self.context is not None:
            kwargs["context"] = self.context
        control = RunControl()
        kwargs["control"] = control
        if self.on_control is not None:
            self.on_control(control)
        if self.sigterm is not None:
            if self.serve is None:
                self.sigterm.install_drain(control)
            else:
                self.sigterm.install_sentinel()
        return kwargs

    def _arm(self, step: Sigterm) -> bool:
        """Aim the SIGTERM; True when it must be delivered before the run starts."""
        if step.before_first_superstep:
            return True
        ctx = self.ctx
        if not isinstance(ctx, SignalContext):
            raise ChaosUsageError("a Sigterm step needs a SignalContext (use chaos.engine.run_trial)")
        ctx.arm(sigterm_injection(step))
        return False

    async def _main(self, steps: Sequence[Step]) -> None:
        """Perform the script's operations: the one driver, for both kinds of drive.

        An async drive awaits it on the trial's event loop. A sync drive runs it on the calling
        thread with `_run_sync_coroutine`: every operation then calls LangGraph's sync API
        (`_call` picks it), so the coroutine never suspends and no event loop exists.
        """
        with self._active():
            gen = self._script(steps)
            res: Any = None
            self._early_signal = False
            while True:
                try:
                    op = gen.send(res)
                except StopIteration:
                    return
                res = None
                try:
                    res = await self._perform(op)
                except (ChaosAbort, KeyboardInterrupt, SystemExit):
                    raise
                except asyncio.CancelledError as exc:
                    task = None if self._sync else asyncio.current_task()
                    if task is not None and task.cancelling():
                        raise  # the trial itself is being cancelled (a simulated deadlock)
                    res = exc
                except BaseException as exc:  # a run's own failure is an outcome, not a crash
                    if _is_stop(exc):
                        raise
                    res = exc

    @property
    def _sync(self) -> bool:
        return not self.drive.is_async

    async def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """``graph.<name>(...)`` on a sync drive, ``await graph.a<name>(...)`` on an async one."""
        graph = self.inst.graph
        if self._sync:
            return getattr(graph, name)(*args, **kwargs)
        return await getattr(graph, "a" + name)(*args, **kwargs)

    async def _user(self, fn: Callable[..., Any], *args: Any) -> Any:
        """The user's serve/resume function (sync or async to match the drive)."""
        return fn(*args) if self._sync else await fn(*args)

    def _signal_now(self) -> None:
        if self._early_signal:
            self._early_signal = False
            self._deliver_now()

    async def _perform(self, op: _Op) -> Any:
        """One operation of the script; its result goes back into the script."""
        if op.kind == "run":
            graph_input, cfg, on_main, fresh_index = op.args
            target = self.proxy if self.proxy is not None else self.inst.graph
            kwargs = self._run_kwargs()
            self._signal_now()
            on_chunk = self._on_chunk(on_main, fresh_index)
            if self._sync:
                out = drv.run(target, graph_input, cfg, self.drive, on_chunk, **kwargs)
            else:
                out = await drv.arun(target, graph_input, cfg, self.drive, on_chunk, **kwargs)
            self._settle(out, on_main, fresh_index)
            return out
        if op.kind in ("serve", "resume_fn"):
            self._run_kwargs()
            fn = self.serve if op.kind == "serve" else self.resume_fn
            assert fn is not None and self.proxy is not None
            cfg = op.args[1] if op.kind == "serve" else op.args[0]
            if op.kind == "serve":
                self._signal_now()
            try:
                await self._user(fn, self.proxy, *op.args)
            finally:
                self._on_chunk(True, -1)("values", (await self._call("get_state", cfg)).values)
            return None
        if op.kind == "signal":
            self._early_signal = self._arm(op.args[0])
        elif op.kind == "wait":
            if self._sync:
                time.sleep(op.args[0])  # simulated: advances the trial clock
            else:
                await asyncio.sleep(op.args[0])
        elif op.kind == "update":
            cfg, values = op.args
            await self._call("update_state", cfg, values, **op.kwargs)
        elif op.kind == "state":
            from chaos.shutdown.savers import checkpoint_summary

            return checkpoint_summary(await self._call("get_state", op.args[0]))
        elif op.kind == "forget":
            saver = _saver(self.inst.graph)
            for tid in op.args[0] if saver is not None else ():
                if not _may_hold(saver, tid):
                    continue
                if self._sync:
                    saver.delete_thread(tid)
                else:
                    await saver.adelete_thread(tid)
        elif op.kind == "clear_cache":
            if self.inst.graph.cache is not None:
                await self._call("clear_cache")
        return None

    def _deliver_now(self) -> None:
        import os
        import signal

        self.ctx.event("sigterm", None, "SIGTERM delivered to the process before the first superstep")
        os.kill(os.getpid(), signal.SIGTERM)


def _run_sync_coroutine(coro: Coroutine[Any, Any, None]) -> None:
    """Run a coroutine that never suspends (a sync drive's `Executor._main`) to its end."""
    try:
        coro.send(None)
    except StopIteration:
        return
    coro.close()
    raise RuntimeError("a sync drive's executor awaited something that suspended; use an async drive")


class _Stop(Exception):
    """Ends the script: a run was aborted (a hang nothing can end) or deadlocked."""

    def __init__(self, exc: BaseException) -> None:
        super().__init__(str(exc))
        self.exc = exc


def _is_stop(exc: BaseException) -> bool:
    from chaos.simtime import SimulatedDeadlock

    return isinstance(exc, (SimulatedDeadlock, _Stop))


def _saver(graph: Any) -> Any:
    from langgraph.checkpoint.base import BaseCheckpointSaver

    return graph.checkpointer if isinstance(graph.checkpointer, BaseCheckpointSaver) else None


def _may_hold(saver: Any, thread_id: str) -> bool:
    """False when ``saver`` surely holds nothing of the thread (skip deleting it).

    ``InMemorySaver.delete_thread`` scans every write and blob of every thread (O(saver size)):
    on a module-level graph whose saver keeps every earlier run, deleting a thread that was
    never written cost more than the run (issue #18). Its checkpoints come first (writes and
    blobs are stored with or after one), so a thread without any has nothing to delete.
    """
    from langgraph.checkpoint.memory import InMemorySaver

    if isinstance(saver, InMemorySaver):
        storage = getattr(saver, "storage", None)
        if isinstance(storage, dict):
            return thread_id in storage
    return True
