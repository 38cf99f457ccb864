"""One chaos trial from keyword arguments: a thin layer over `chaos.engine`.

`run_trial` builds a `chaos.engine.TrialSpec` (one ``Invoke`` step, or the ``steps`` given)
and runs it through the engine: the fault-free baseline (memoised), the history on the
trial's clock, the checkers. `TrialResult`, `ChaosViolation` and `TrialInconclusive` live in
`chaos.engine.result` and are re-exported here.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Literal

from chaos.context import RunContext
from chaos.engine.drive import Drive, parse_drive
from chaos.engine.executor import ClockName, Executor, RunHook, fresh_thread, run_config
from chaos.engine.result import ChaosViolation, TrialError, TrialInconclusive, TrialResult
from chaos.engine.run import thread_id_for
from chaos.engine.spec import BaselinePolicy, Checks, TrialSpec
from chaos.engine.steps import Invoke, Step, repeat_steps
from chaos.faults import Injection
from chaos.inject import InstrumentedGraph
from chaos.journal import Journal

#: The old ``invoke=`` values; ``drive=`` tokens replace them (`chaos.engine.drive`).
InvokeMode = Literal["async", "sync"]

__all__ = [
    "ChaosViolation",
    "ClockName",
    "InvokeMode",
    "RunHook",
    "TrialError",
    "TrialInconclusive",
    "TrialResult",
    "baseline_policy",
    "drive_of",
    "repeat_config",
    "run_config",
    "run_once",
    "run_trial",
    "thread_id_for",
]


def drive_of(drive: str | Drive | None, invoke: str | None, *, where: str = "run") -> Drive:
    """The drive of ``drive=`` or the deprecated ``invoke="async"|"sync"``."""
    if invoke is not None:
        if invoke not in ("async", "sync"):  # checked first: the warning would name a wrong drive
            from chaos.errors import ChaosUsageError

            raise ChaosUsageError(
                f"{where}(invoke={invoke!r}): invoke= (deprecated) takes 'async' or 'sync'; "
                "use drive= instead, e.g. drive='astream' (async) or drive='stream' (sync)"
            )
        warnings.warn(
            f"{where}(invoke={invoke!r}) is deprecated; use drive={'astream' if invoke == 'async' else 'stream'!r}",
            DeprecationWarning, stacklevel=3,
        )
        if drive is not None:
            from chaos.errors import ChaosUsageError

            raise ChaosUsageError(f"{where}(): give drive= or the deprecated invoke=, not both")
        return _silent(invoke)
    return parse_drive(drive)


def _silent(token: str) -> Drive:
    """A drive token, the old ``async``/``sync`` names accepted without a warning (internal)."""
    return parse_drive({"async": "astream", "sync": "stream"}.get(token, token))


def baseline_policy(baseline: bool | str) -> BaselinePolicy:
    """``True``/``False`` (old) or ``"memo"``/``"fresh"``/``"off"``."""
    if baseline is True:
        return "memo"
    if baseline is False:
        return "off"
    return baseline  # type: ignore[return-value]  # validated by TrialSpec


def steps_of(steps: Sequence[Step] | None, repeat: Sequence[float], *, where: str = "run") -> tuple[Step, ...]:
    """``steps=`` or the ``repeat=`` shorthand (not both)."""
    if steps is not None and repeat:
        from chaos.errors import ChaosUsageError

        raise ChaosUsageError(
            f"{where}(): give steps= or repeat=, not both; repeat=[w, ...] is the same as "
            "steps=[Invoke(), Wait(w), again(), ...]"
        )
    if steps is not None:
        return tuple(steps)
    return repeat_steps(repeat) if repeat else (Invoke(),)


def run_trial(
    inst: InstrumentedGraph,
    input: Any,
    *,
    injections: Sequence[Injection],
    seed: int,
    test_id: str,
    target: str = "",
    trial_id: str | None = None,
    clock: ClockName = "simulated",
    invoke: str | None = None,
    drive: str | Drive | None = None,
    config: dict[str, Any] | None = None,
    context: Any = None,
    baseline: bool | str = True,
    disable: Sequence[str] = (),
    enable: Sequence[str] = (),
    nondeterministic: Sequence[str] = (),
    run_number: int = 0,
    repro: str | None = None,
    around: Sequence[RunHook] = (),
    repeat: Sequence[float] = (),
    steps: Sequence[Step] | None = None,
    source: Any = None,
    **deprecated: Any,
) -> TrialResult:
    """Run the baseline and the history of one trial and check the invariants.

    ``disabled_checks``/``enabled_checks`` and ``repeats`` are deprecated aliases of
    ``disable``/``enable`` and ``repeat``; ``invoke="async"|"sync"`` of ``drive=``.
    """
    disable, enable, repeat = _aliases("run_trial", deprecated, disable, enable, repeat)
    from chaos.arguments import name_list, seed_value

    seed_value(seed)
    disable, enable = name_list(disable, "disable"), name_list(enable, "enable")
    nondeterministic = name_list(nondeterministic, "nondeterministic", "['timestamp']")
    spec = TrialSpec(
        graph=inst, input=input, steps=steps_of(steps, repeat, where="run_trial"), injections=tuple(injections),
        seed=seed, test_id=test_id, clock=clock, drive=drive_of(drive, invoke, where="run_trial"),
        config=config, context=context,
        checks=Checks(tuple(disable), tuple(enable), tuple(nondeterministic)),
        baseline=baseline_policy(baseline), around=tuple(around), source=source if source is not None else inst,
        target=target, trial_id=trial_id, repro=repro, run_number=run_number,
    )
    from chaos.engine.run import run_trial as engine_run

    return engine_run(spec)


def _aliases(
    where: str, deprecated: dict[str, Any], disable: Sequence[str], enable: Sequence[str], repeat: Sequence[float]
) -> tuple[Sequence[str], Sequence[str], Sequence[float]]:
    """Map the deprecated keyword names to the unified ones (with a DeprecationWarning)."""
    from chaos.errors import ChaosUsageError

    names = {"disabled_checks": "disable", "enabled_checks": "enable", "repeats": "repeat"}
    for old, value in deprecated.items():
        if old not in names:
            raise TypeError(f"{where}() got an unexpected keyword argument {old!r}")
        new = names[old]
        warnings.warn(f"{where}({old}=...) is deprecated; use {new}=", DeprecationWarning, stacklevel=3)
        current = {"disable": disable, "enable": enable, "repeat": repeat}[new]
        if current:
            raise ChaosUsageError(f"{where}(): give {new}= or the deprecated {old}=, not both")
        if new == "disable":
            disable = value
        elif new == "enable":
            enable = value
        else:
            repeat = value
    return disable, enable, repeat


def repeat_config(cfg: dict[str, Any], n: int) -> dict[str, Any]:
    """The config of the n-th repeated invocation: the same, on its own thread."""
    conf = dict(cfg["configurable"])
    conf["thread_id"] = fresh_thread(conf["thread_id"], n)
    return {**cfg, "configurable": conf}


def run_once(
    inst: InstrumentedGraph,
    input: Any,
    ctx: RunContext,
    *,
    clock: ClockName,
    invoke: str,
    config: dict[str, Any] | None,
    context: Any,
    thread_id: str,
    seed: int,
    around: Sequence[RunHook] = (),
    repeats: Sequence[float] = (),
) -> Journal:
    """One execution of the instrumented graph into ``ctx.journal``: the engine's executor
    with one ``Invoke`` step (plus ``repeats``). Kept for checkers that replay a run (the
    delta shadow); ``invoke`` is a drive token (``async``/``sync`` accepted)."""
    return Executor(
        inst, ctx, input=input, thread_id=thread_id, drive=_silent(invoke), clock=clock, seed=seed,
        config=config, context=context, around=around,
    ).execute(repeat_steps(repeats))
