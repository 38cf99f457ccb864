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

A thin layer over `chaos.engine`: the trial is the steps ``[Sigterm(node), Invoke(),
Resume(only_after=("drained",))]``; the `ShutdownResult` is read from their step records.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from langgraph.graph import StateGraph
from langgraph.pregel import Pregel

from chaos.checks import checker_names
from chaos.engine.judge import judge
from chaos.engine.run import Execution, assemble, execute_spec
from chaos.engine.spec import Checks, TrialSpec
from chaos.engine.steps import Invoke
from chaos.engine.steps import Resume as ResumeStep
from chaos.engine.steps import Sigterm as StepSigterm
from chaos.engine.spec import UserGraph
from chaos.errors import ChaosUsageError
from chaos.inject import InstrumentedGraph, graph_label, instrument
from chaos.savers import default_cache
from chaos.shutdown.result import NOT_FOR_SHUTDOWN, ShutdownResult
from chaos.shutdown.savers import SaverSpec, make_saver
from chaos.engine.drive import Drive
from chaos.engine.executor import RunHook
from chaos.trial import drive_of

Serve = Callable[[Any, Any, dict[str, Any]], Any]
Resume = Callable[[Any, dict[str, Any]], Any]


def run_drain_trial(
    graph: UserGraph,
    input: Any,
    *,
    node: str | None = None,
    attempts: int | Iterable[int] | None = 1,
    step: int | None = None,
    saver: SaverSpec = None,
    serve: Serve | None = None,
    resume: Resume | None = None,
    drive: str | Drive | None = None,
    invoke: str | None = None,
    seed: int = 0,
    test_id: str = "drain",
    config: dict[str, Any] | None = None,
    context: Any = None,
    nondeterministic: Sequence[str] = (),
    disable: Sequence[str] = (),
    repro: str | None = None,
    raise_on_violation: bool = True,
    around: Sequence[RunHook] = (),
) -> ShutdownResult:
    """Drain ``graph`` with a real SIGTERM while ``node`` runs, resume it, and check it.

    Args:
        graph: a `StateGraph` builder (compiled with ``saver``) or a compiled graph (keeps its
            own checkpointer unless ``saver`` is given).
        node: where the SIGTERM lands: when this node (name or glob) starts an attempt listed
            in ``attempts`` (default: its first), once per trial.
        step: instead of ``node``, the superstep boundary: drain right after superstep ``step``
            (``0``: before the first superstep); see `chaos.engine.Sigterm`.
        saver: ``"memory"``, ``"sqlite"`` (default for builders), ``"postgres"``,
            ``"async-postgres"`` (``$CHAOS_POSTGRES_URL``), a checkpointer or a factory.
        serve: service mode: ``serve(graph, input, config)`` runs the graph (sync or async to
            match ``drive``); the harness then calls ``resume(graph, config)`` with the same
            thread (default: the drive's call with ``None`` and ``control=RunControl()``).
        drive: how the runs call the graph (`chaos.engine.drive`: ``"astream"``, the default,
            ``"ainvoke"``, ``"stream"``, ``"invoke"``, ``"astream_events:v2"``, ...).
        invoke: deprecated: ``"async"`` is ``drive="astream"``, ``"sync"`` ``drive="stream"``.
        disable: invariant names to turn off.
        around: run hooks entered around every run (``chaos.http``: its routes answer the
            baseline, the drained run and the resume).

    Returns a `ShutdownResult`; raises `ChaosViolation` on a violated invariant unless
    ``raise_on_violation=False``.
    """
    if resume is not None and serve is None:
        raise ChaosUsageError("resume= is for service mode: pass serve= too (or neither)")
    mode = "service" if serve is not None else "harness"
    how = drive_of(drive, invoke, where="run_drain_trial")
    if (node is None) == (step is None):
        raise ChaosUsageError("run_drain_trial(): give node= (SIGTERM when that node starts) or step= (at the "
                              "superstep boundary after that superstep), one of them")
    signal = StepSigterm(node, _attempts(attempts)) if node is not None else StepSigterm(step=step)
    for fn, name in ((serve, "serve"), (resume, "resume")):
        if fn is not None and inspect.iscoroutinefunction(fn) != how.is_async:
            want = "an async function" if how.is_async else "a plain (sync) function"
            raise ChaosUsageError(f"{name}= must be {want} with drive={how.token!r}")
    inst = _instrument(graph, saver)
    try:
        spec = TrialSpec(
            graph=inst, input=input,
            steps=(signal, Invoke(), ResumeStep(only_after=("drained",))),
            seed=seed, test_id=test_id, drive=how, config=config, context=context,
            checks=Checks(tuple(disable), (), tuple(nondeterministic)), source=graph,
            target=graph_label(graph), repro=repro, roles=("baseline", "drain"), serve=serve, resume=resume,
            around=tuple(around),
        )
        result = drain_result(execute_spec(spec), mode)
        judge(result, spec.checks, extra_disable=tuple(shutdown_disabled(disable)))
        if raise_on_violation:
            result.raise_for_verdict()
        return result
    finally:
        inst.close()


def _attempts(attempts: int | Iterable[int] | None) -> int | tuple[int, ...] | None:
    if attempts is None or isinstance(attempts, int):
        return attempts
    return tuple(attempts)


def drain_result(ex: Execution, mode: str) -> ShutdownResult:
    """A drain trial's `ShutdownResult`, read from the history's step records."""
    journal = ex.journal
    runs = [s for s in journal.steps if s.kind in ("invoke", "resume")]
    serve_rec = runs[0] if runs else None
    resume_rec = runs[1] if len(runs) > 1 else None
    landed = ex.ctx.landed
    if journal.outcome == "aborted" and (serve_rec is None or serve_rec.outcome == "unknown"):
        interrupted, error = "aborted", journal.error_message
    elif serve_rec is None:
        interrupted, error = "unknown", None
    elif serve_rec.outcome == "drained":
        interrupted, error = "drained", serve_rec.error_message
    elif serve_rec.outcome in ("ok", "interrupted"):
        interrupted, error = "ok", None
    else:
        interrupted, error = serve_rec.outcome, f"{serve_rec.error}: {serve_rec.error_message}"
    if resume_rec is None or resume_rec.outcome in ("skipped", "unknown"):
        resumed = "not run"
    else:
        resumed = "ok" if resume_rec.outcome in ("ok", "interrupted") else resume_rec.outcome
    unhandled = ex.extra.get("sigterm_unhandled", 0)
    result = assemble(
        ex, ShutdownResult, kind="drain", mode=mode, node=landed.node if landed else None,
        step=landed.step if landed else None, task=landed.task if landed else None,
        split=serve_rec.last if serve_rec is not None else len(journal.attempts),
        interrupted_outcome=interrupted, interrupted_error=error,
        signal_handled=None if mode == "harness" else unhandled == 0,
        checkpoint=serve_rec.checkpoint if serve_rec is not None else None,
        calls=list(ex.extra.get("calls", [])), resume_outcome=resumed,
    )
    assert isinstance(result, ShutdownResult)
    return result


def _instrument(graph: UserGraph, saver: SaverSpec) -> InstrumentedGraph:
    if isinstance(graph, StateGraph):
        made = make_saver(saver if saver is not None else "sqlite")
        inst = instrument(graph, checkpointer_factory=lambda: made, cache_factory=default_cache)
    elif isinstance(graph, Pregel):
        if saver is not None:
            made = make_saver(saver)
            graph = graph.copy(update={"checkpointer": made})
        else:
            made = graph.checkpointer  # type: ignore[assignment]  # checked below: None or False is refused
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


def shutdown_disabled(disable: Sequence[str]) -> list[str]:
    """The user's disabled invariants plus bundled ones that do not apply to two-run trials."""
    names = set(checker_names())
    return [*disable, *(n for n in NOT_FOR_SHUTDOWN if n in names and n not in disable)]
