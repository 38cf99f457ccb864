"""Mid-superstep SIGTERM, in process: drain, checkpoint, resume on the same thread.

While node X of superstep k starts its attempt, the harness delivers a real SIGTERM to its own
process (``os.kill(os.getpid(), SIGTERM)``). Who handles it depends on the mode:

- **harness** (no ``serve``): the harness's handler requests a drain of the `RunControl` it
  passes to the run as ``control=``; this tests the graph.
- **service** (``serve`` given): the user's ``serve(graph, input, config)`` runs the graph as
  their service does (installs its own handler, passes ``control=``), and ``resume(graph,
  config)`` resumes it; this tests their wiring. The harness only keeps a sentinel handler
  underneath, so a service without a handler is reported instead of killing pytest.

Either way the harness restores the SIGTERM handler that was in place before the trial. The
interrupted run and the resume run on the trial's simulated clock, the baseline before them.
"""

from __future__ import annotations

import inspect
import os
import signal
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from langgraph.errors import GraphDrained
from langgraph.graph import StateGraph
from langgraph.pregel import Pregel
from langgraph.runtime import RunControl

from chaos.checks import checker_names, run_checkers
from chaos.context import RunContext, trial_clock
from chaos.errors import ChaosAbort, ChaosUsageError
from chaos.faults import Injection
from chaos.inject import InstrumentedGraph, graph_label, instrument
from chaos.shutdown.savers import checkpoint_summary
from chaos.journal import AttemptRecord
from chaos.savers import default_cache
from chaos.shutdown.faults import Sigterm
from chaos.shutdown.proxy import RecordingGraph
from chaos.shutdown.result import NOT_FOR_SHUTDOWN, ShutdownResult
from chaos.shutdown.savers import SaverSpec, make_saver
from chaos.shutdown.signals import sigterm_scope
from chaos.trial import ChaosViolation, InvokeMode, run_config, run_once, thread_id_for

Serve = Callable[[Any, Any, dict[str, Any]], Any]
Resume = Callable[[Any, dict[str, Any]], Any]


class ShutdownContext(RunContext):
    """A run context that turns a ``sigterm`` decision into a real signal to this process."""

    landed: AttemptRecord | None = None

    def choose(self, rec: AttemptRecord) -> Injection | None:
        inj = super().choose(rec)
        if inj is not None and isinstance(inj.fault, Sigterm):
            self.mark_fired(inj)
            self.landed = rec
            self.event("sigterm", rec.node,
                       f"SIGTERM delivered to the process as {rec.task} started attempt "
                       f"{rec.attempt} (superstep {rec.step})")
            os.kill(os.getpid(), signal.SIGTERM)
        return inj


def run_drain_trial(
    graph: StateGraph | Pregel,
    input: Any,
    *,
    node: str,
    attempts: int | Iterable[int] | None = 1,
    saver: SaverSpec = None,
    serve: Serve | None = None,
    resume: Resume | None = None,
    invoke: InvokeMode = "async",
    seed: int = 0,
    test_id: str = "drain",
    config: dict[str, Any] | None = None,
    context: Any = None,
    nondeterministic: Sequence[str] = (),
    disable: Sequence[str] = (),
    repro: str | None = None,
    raise_on_violation: bool = True,
) -> ShutdownResult:
    """Drain ``graph`` with a real SIGTERM while ``node`` runs, resume it, and check it.

    Args:
        graph: a `StateGraph` builder (compiled with ``saver``) or a compiled graph (keeps its
            own checkpointer unless ``saver`` is given).
        node: where the SIGTERM lands: when this node (name or glob) starts an attempt listed
            in ``attempts`` (default: its first), once per trial.
        saver: ``"memory"``, ``"sqlite"`` (default for builders), ``"postgres"``,
            ``"async-postgres"`` (``$CHAOS_POSTGRES_URL``), a checkpointer or a factory.
        serve: service mode: ``serve(graph, input, config)`` runs the graph (sync or async to
            match ``invoke``); the harness then calls ``resume(graph, config)`` with the same
            thread (default: ``invoke(None, config, control=RunControl())``).
        invoke: ``"async"`` (``astream``/``ainvoke``) or ``"sync"``.
        disable: invariant names to turn off.

    Returns a `ShutdownResult`; raises `ChaosViolation` on a violated invariant unless
    ``raise_on_violation=False``.
    """
    if resume is not None and serve is None:
        raise ChaosUsageError("resume= is for service mode: pass serve= too (or neither)")
    mode = "service" if serve is not None else "harness"
    is_async = invoke == "async"
    for fn, name in ((serve, "serve"), (resume, "resume")):
        if fn is not None and inspect.iscoroutinefunction(fn) != is_async:
            want = "an async function" if is_async else "a plain (sync) function"
            raise ChaosUsageError(f"{name}= must be {want} with invoke={invoke!r}")
    inst = _instrument(graph, saver)
    try:
        return _run(inst, input, node=node, attempts=attempts, mode=mode, serve=serve,
                    resume=resume, invoke=invoke, seed=seed, test_id=test_id, config=config,
                    context=context, nondeterministic=nondeterministic, disable=disable,
                    repro=repro, raise_on_violation=raise_on_violation,
                    target=graph_label(graph))
    finally:
        inst.close()


def _instrument(graph: StateGraph | Pregel, saver: SaverSpec) -> InstrumentedGraph:
    if isinstance(graph, StateGraph):
        made = make_saver(saver if saver is not None else "sqlite")
        inst = instrument(graph, checkpointer_factory=lambda: made, cache_factory=default_cache)
    elif isinstance(graph, Pregel):
        if saver is not None:
            made = make_saver(saver)
            graph = graph.copy(update={"checkpointer": made})
        else:
            made = graph.checkpointer
        inst = instrument(graph)
    else:
        raise ChaosUsageError(f"cannot drain a {type(graph).__name__}: pass a StateGraph or a compiled graph")
    if not inst.graph.checkpointer:
        raise ChaosUsageError(
            "the graph has no checkpointer, so a drained run cannot be resumed: compile it with "
            "one or pass saver='sqlite' (or 'memory', 'postgres')"
        )
    close = getattr(made, "close", None)
    if saver is not None and callable(close):
        inst.cleanups.append(close)
    return inst


async def _harness_aserve(graph: Any, input: Any, config: dict[str, Any], *, control: RunControl, **kw: Any) -> None:
    async for _ in graph.astream(input, config, control=control, **kw):
        pass


async def _harness_aresume(graph: Any, config: dict[str, Any], **kw: Any) -> None:
    async for _ in graph.astream(None, config, control=RunControl(), **kw):
        pass


def _run(
    inst: InstrumentedGraph, input: Any, *, node: str, attempts: Any, mode: str,
    serve: Serve | None, resume: Resume | None, invoke: InvokeMode, seed: int, test_id: str,
    config: dict[str, Any] | None, context: Any, nondeterministic: Sequence[str],
    disable: Sequence[str], repro: str | None, raise_on_violation: bool, target: str,
) -> ShutdownResult:
    from chaos.simtime import run_async, run_sync

    injection = Injection.of(Sigterm(), node, attempts, times=1)
    inst.check_injections([injection])
    base_tid = thread_id_for(test_id, "baseline", 0)
    tid = thread_id_for(test_id, "drain", 0)
    saver = inst.graph.checkpointer
    run_async(lambda: _forget_threads(saver, (base_tid, tid)))  # a persistent server keeps old runs
    baseline = run_once(inst, input, RunContext(seed, test_id, ()), clock="simulated", invoke=invoke,
                        config=config, context=context, thread_id=base_tid, seed=seed)
    ctx = ShutdownContext(seed, test_id, (injection,))
    graph = inst.graph
    proxy = RecordingGraph(graph)
    cfg = run_config(config, tid)
    kw: dict[str, Any] = {"context": context} if context is not None else {}
    out: dict[str, Any] = {"interrupted": "unknown", "error": None, "resume": "not run"}

    with sigterm_scope() as sig:
        control = RunControl()
        if mode == "harness":
            sig.install_drain(control)
        else:
            sig.install_sentinel()

        def after_serve(state: Any) -> None:
            out["split"] = len(ctx.journal.attempts)
            out["checkpoint"] = checkpoint_summary(state)
            landed = ctx.landed
            k = landed.step if landed else None
            if out["interrupted"] == "drained":
                ctx.event("drain", landed.node if landed else None,
                          f"GraphDrained ({out['error']}) after superstep {k}; checkpoint step "
                          f"{(out['checkpoint'] or {}).get('step')} saved, next="
                          f"{(out['checkpoint'] or {}).get('next')}")
            elif landed is not None:
                ctx.event("drain", landed.node, f"not drained: the run ended {out['interrupted']}")
            proxy.phase = "resume"

        def ended(exc: BaseException | None) -> None:
            if exc is None:
                out["interrupted"] = "ok"
            elif isinstance(exc, GraphDrained):
                out["interrupted"], out["error"] = "drained", str(exc)
            else:
                out["interrupted"], out["error"] = "error", f"{type(exc).__name__}: {exc}"

        def resumed(exc: BaseException | None) -> None:
            if exc is None:
                out["resume"] = "ok"
            else:
                out["resume"] = "drained" if isinstance(exc, GraphDrained) else "error"
                ctx.journal.error, ctx.journal.error_message = type(exc).__name__, str(exc)

        thread_cfg = run_config(config, tid)

        async def amain() -> None:
            ctx.now = trial_clock()
            inst.active.context = ctx
            try:
                if graph.cache is not None:
                    await graph.aclear_cache()
                try:
                    if serve is None:
                        await _harness_aserve(proxy, input, cfg, control=control, **kw)
                    else:
                        await serve(proxy, input, cfg)  # type: ignore[misc]
                    ended(None)
                except (Exception, GraphDrained) as exc:
                    ended(exc)
                after_serve(await graph.aget_state(thread_cfg))
                if out["interrupted"] == "drained":
                    ctx.event("resume", None, "resumed the thread with a fresh RunControl")
                    try:
                        if resume is None:
                            await _harness_aresume(proxy, thread_cfg, **kw)
                        else:
                            await resume(proxy, thread_cfg)  # type: ignore[misc]
                        resumed(None)
                    except (Exception, GraphDrained) as exc:
                        resumed(exc)
                out["final"] = (await graph.aget_state(thread_cfg)).values
            finally:
                inst.active.context = None

        def smain() -> None:
            ctx.now = trial_clock()
            inst.active.context = ctx
            try:
                if graph.cache is not None:
                    graph.clear_cache()
                try:
                    if serve is None:
                        for _ in proxy.stream(input, cfg, control=control, **kw):
                            pass
                    else:
                        serve(proxy, input, cfg)
                    ended(None)
                except (Exception, GraphDrained) as exc:
                    ended(exc)
                after_serve(graph.get_state(thread_cfg))
                if out["interrupted"] == "drained":
                    ctx.event("resume", None, "resumed the thread with a fresh RunControl")
                    try:
                        if resume is None:
                            for _ in proxy.stream(None, thread_cfg, control=RunControl(), **kw):
                                pass
                        else:
                            resume(proxy, thread_cfg)
                        resumed(None)
                    except (Exception, GraphDrained) as exc:
                        resumed(exc)
                out["final"] = graph.get_state(thread_cfg).values
            finally:
                inst.active.context = None

        try:
            if invoke == "async":
                run_async(amain, mode="simulated", seed=seed)
            else:
                run_sync(smain, mode="simulated", seed=seed)
        except ChaosAbort as exc:
            out["interrupted"], out["error"] = "aborted", str(exc)
        journal = ctx.journal
        journal.duration = ctx.now()
        signal_handled = None if mode == "harness" else sig.unhandled == 0
        if mode == "service" and sig.unhandled:
            ctx.event("sigterm", None, "SIGTERM reached the harness's sentinel: the service installed no handler")

    if out["interrupted"] == "drained":
        journal.outcome = out["resume"]
    else:
        journal.outcome = out["interrupted"] if out["interrupted"] != "drained" else "error"
        if out["error"]:
            journal.error, journal.error_message = out["error"].split(":", 1)[0], out["error"]
    journal.final_state = out.get("final")
    landed = ctx.landed
    result = ShutdownResult(
        id=test_id, target=target, seed=seed, injections=[injection], journal=journal,
        baseline=baseline, never_fired=ctx.never_fired(), nondeterministic=nondeterministic,
        clock="simulated", repro=repro, instrumented=inst, chaos_config=thread_cfg,
        baseline_config=run_config(config, base_tid),
        kind="drain", mode=mode, node=landed.node if landed else None,
        step=landed.step if landed else None, task=landed.task if landed else None,
        split=out.get("split", len(journal.attempts)), interrupted_outcome=out["interrupted"],
        interrupted_error=out["error"], signal_handled=signal_handled,
        checkpoint=out.get("checkpoint"), calls=list(proxy.calls), resume_outcome=out["resume"],
    )
    result.violations = run_checkers(result, shutdown_disabled(disable))
    if raise_on_violation and not result.ok:
        raise ChaosViolation(result)
    return result


def shutdown_disabled(disable: Sequence[str]) -> list[str]:
    """The user's disabled invariants plus bundled ones that do not apply to two-run trials."""
    names = set(checker_names())
    return [*disable, *(n for n in NOT_FOR_SHUTDOWN if n in names and n not in disable)]



async def _forget_threads(saver: Any, thread_ids: Sequence[str]) -> None:
    """Delete the trial's threads from the checkpointer (deterministic ids are reused)."""
    for tid in thread_ids:
        await saver.adelete_thread(tid)

