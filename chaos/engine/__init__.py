"""The trial engine: a trial is a scripted history of one thread.

Public API::

    from chaos.engine import (TrialSpec, Checks, Invoke, Resume, Wait, UpdateState, Sigterm,
                              Kill, again, Drive, parse_drive, run_trial, TrialResult)

- `TrialSpec`: the graph (instrumented), input, steps, injections, seed, clock, drive,
  config, context, checks, baseline policy (``"memo"`` | ``"fresh"`` | ``"off"``).
- Steps (`chaos.engine.steps`): `Invoke`, `Resume`, `Wait`, `UpdateState`, `Sigterm`, `Kill`,
  `again`.
- `Drive` / `parse_drive` (`chaos.engine.drive`): ``astream`` (default), ``stream:messages``,
  ``ainvoke``, ``invoke``, ``astream_events:v2``, ``abatch:3``, ``batch:3``.
- `run_trial(spec) -> TrialResult`: the baseline (memoised), the history, the judge.
- `Executor` (`chaos.engine.executor`), `judge` (`chaos.engine.judge`), `run_baseline`
  (`chaos.engine.baseline`): the three parts, for front ends with their own result type.

The `chaos` fixture exposes it as ``chaos.run(graph, input, steps=[...], drive=...)``.
"""

from __future__ import annotations

from chaos.engine.drive import Drive, parse_drive
from chaos.engine.result import ChaosViolation, TrialError, TrialInconclusive, TrialResult
from chaos.engine.spec import Checks, TrialSpec
from chaos.engine.steps import SAME, Invoke, Kill, Resume, Sigterm, Step, UpdateState, Wait, again
from chaos.engine.verdict import VERDICTS, Verdict

__all__ = [
    "SAME",
    "VERDICTS",
    "ChaosViolation",
    "Checks",
    "Drive",
    "Invoke",
    "Kill",
    "Resume",
    "Sigterm",
    "Step",
    "TrialError",
    "TrialInconclusive",
    "TrialResult",
    "TrialSpec",
    "UpdateState",
    "Verdict",
    "Wait",
    "again",
    "parse_drive",
    "run_trial",
]


def __getattr__(name: str) -> object:
    # run_trial imports the executor and the checkers: loaded when first used.
    if name == "run_trial":
        from chaos.engine.run import run_trial

        return run_trial
    raise AttributeError(f"module 'chaos.engine' has no attribute {name!r}")
