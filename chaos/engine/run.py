"""One trial from a spec: the baseline, the history, the judge.

    from chaos.engine import TrialSpec, Invoke, Resume, run_trial

    result = run_trial(TrialSpec(graph=inst, input=x, steps=(Invoke(), Resume("yes"))))

Front ends (`chaos.Chaos`, `chaos.trial.run_trial`, ``run_plan``, the state machine, the
drain and kill helpers, scenario files and the built-in suite) build a spec and
call `execute_spec` + `assemble` + `judge` (or `run_trial`, all three).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chaos.context import SignalContext
from chaos.decide import unit_interval
from chaos.engine.baseline import run_baseline, run_fault_free_again
from chaos.engine.executor import Executor, run_config
from chaos.engine.judge import judge
from chaos.engine.result import TrialResult
from chaos.engine.spec import TrialSpec
from chaos.engine.steps import Invoke, Resume, Wait
from chaos.journal import Journal


def thread_id_for(test_id: str, role: str, n: int) -> str:
    """A deterministic thread id (no wall clock, no randomness) for one run of a trial."""
    return f"chaos-{int(unit_interval(test_id) * 2**48):012x}-{role}-{n}"


@dataclass
class Execution:
    """What executing a spec produced, before the judge."""

    spec: TrialSpec
    journal: Journal
    baseline: Journal | None
    ctx: SignalContext
    thread_id: str
    baseline_thread: str | None
    extra: dict[str, Any]


def execute_spec(spec: TrialSpec) -> Execution:
    """Run the baseline (memoised) and the trial's history."""
    inst = spec.graph
    signals = spec.signal_injections()
    inst.check_injections([*spec.injections, *signals])
    base_role, role = spec.roles
    base_tid = thread_id_for(spec.test_id, base_role, spec.run_number)
    tid = thread_id_for(spec.test_id, role, spec.run_number)
    baseline = run_baseline(spec, base_tid) if spec.baseline != "off" else None
    extra: dict[str, Any] = {}
    if spec.kill is not None:
        from chaos.engine.child import execute_killed

        ctx, journal, extra = execute_killed(spec, tid, baseline)
    else:
        ctx = SignalContext(spec.seed, spec.test_id, spec.injections)
        executor = Executor(
            inst, ctx, input=spec.input, thread_id=tid, drive=spec.drive, clock=spec.clock, seed=spec.seed,
            config=spec.config, context=spec.context, around=spec.around, serve=spec.serve, resume=spec.resume,
        )
        journal = executor.execute(spec.steps)
        extra["calls"] = list(executor.proxy.calls) if executor.proxy is not None else []
        extra["sigterm_unhandled"] = executor.sigterm.unhandled if executor.sigterm is not None else 0
    return Execution(spec, journal, baseline, ctx, tid, base_tid if baseline is not None else None, extra)


def assemble(ex: Execution, cls: type[TrialResult] = TrialResult, **fields: Any) -> TrialResult:
    """The one result type (or a subclass: ``ShutdownResult``) from an execution."""
    spec = ex.spec
    injections = [*spec.injections, *spec.signal_injections()]
    fired_signals = {inj for inj in spec.signal_injections() if ex.ctx.fired[inj] or fields.get("_signal_fired")}
    fields.pop("_signal_fired", None)
    never = [i for i in ex.ctx.never_fired() if i in spec.injections]
    never += [i for i in spec.signal_injections() if i not in fired_signals]
    return cls(
        id=spec.trial_id or spec.test_id,
        target=spec.target,
        seed=spec.seed,
        injections=injections,
        journal=ex.journal,
        baseline=ex.baseline,
        never_fired=never,
        nondeterministic=spec.checks.nondeterministic,
        clock=spec.clock if spec.kill is None else "real",
        repro=spec.repro,
        instrumented=spec.graph,
        chaos_config=run_config(spec.config, ex.thread_id),
        baseline_config=run_config(spec.config, ex.baseline_thread) if ex.baseline_thread else None,
        test_id=spec.test_id,
        input=spec.input,
        invoke=spec.drive.token,
        context=spec.context,
        repeats=_waits(spec),
        steps=spec.steps,
        drive=spec.drive.token,
        fault_free_again=_again(spec) if ex.baseline is not None else None,
        **fields,
    )


def _again(spec: TrialSpec) -> Any:
    """The second fault-free run of ``spec``, run only when a checker asks for it."""
    def again() -> Journal:
        return run_fault_free_again(spec, thread_id_for(spec.test_id, "baseline-again", spec.run_number))

    return again


def _waits(spec: TrialSpec) -> tuple[float, ...]:
    """The waits between the runs of a multi-run history (``(0.0,)`` with none): checkers that
    replay one run (the delta shadow) skip trials whose ``repeats`` is not empty."""
    runs = sum(isinstance(s, (Invoke, Resume)) for s in spec.steps)
    if runs <= 1:
        return ()
    return tuple(s.seconds for s in spec.steps if isinstance(s, Wait)) or (0.0,)


def run_trial(spec: TrialSpec) -> TrialResult:
    """Execute ``spec`` and judge it: the one path every front end takes."""
    return judge(assemble(execute_spec(spec)), spec.checks)
