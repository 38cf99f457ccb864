"""One chaos trial: a fault-free baseline run, a run with faults, and the checkers' verdict.

Both runs execute the same instrumented copy of the user's graph on the trial's clock
(simulated by default), each on its own fresh thread id, with the node cache cleared before
each run so the chaos run cannot be served the baseline's results.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.errors import GraphDrained, GraphInterrupt

from chaos.checks import Violation, run_checkers
from chaos.context import RunContext, trial_clock
from chaos.decide import unit_interval
from chaos.errors import ChaosAbort
from chaos.faults import Injection
from chaos.inject import InstrumentedGraph, observe_timeouts
from chaos.journal import AttemptRecord, Journal

InvokeMode = Literal["async", "sync"]
#: Something to enter around each run, inside the trial's clock (an HTTP router, a signal
#: handler, ...). Called with the run's context; exited also when the run fails.
RunHook = Callable[[RunContext], AbstractContextManager[Any]]
ClockName = Literal["simulated", "real"]


@dataclass
class TrialResult:
    """Everything one trial produced. ``verdict`` is ``"pass"`` when no invariant was violated."""

    id: str
    target: str
    seed: int
    injections: list[Injection]
    journal: Journal
    baseline: Journal | None
    never_fired: list[Injection] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    nondeterministic: Sequence[str] = ()
    clock: str = "simulated"
    repro: str | None = None
    error: BaseException | None = None
    #: The instrumented graph and the configs (thread ids) of the two runs, so checkers can
    #: read the checkpointer's history (`graph.get_state_history(chaos_config)`).
    instrumented: InstrumentedGraph | None = None
    chaos_config: dict[str, Any] | None = None
    baseline_config: dict[str, Any] | None = None
    #: How the chaos run was made, so a checker can replay it (e.g. a shadow run): the test
    #: id the fault decisions hashed, the input, the invoke mode and the graph context.
    test_id: str | None = None
    input: Any = None
    invoke: str = "async"
    context: Any = None
    repeats: Sequence[float] = ()
    #: The invariants that were checked (set by `chaos.checks.run_checkers`).
    checked: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> Literal["pass", "fail"]:
        return "fail" if self.violations else "pass"

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def output(self) -> Any:
        """The chaos run's final state (None when the run raised)."""
        return self.journal.final_state

    def attempts(self, node: str) -> list[AttemptRecord]:
        """The chaos run's attempts of ``node``, in order."""
        return self.journal.by_node(node)

    def violated(self, invariant: str) -> list[Violation]:
        return [v for v in self.violations if v.invariant == invariant]

    def describe_failure(self) -> str:
        lines = [f"chaos trial {self.id} failed (seed={self.seed}, clock={self.clock}):"]
        for v in self.violations:
            lines.append(f"  [{v.invariant}] {v.message}")
        if self.repro:
            lines.append(f"reproduce with: {self.repro}")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "target": self.target,
            "seed": self.seed,
            "clock": self.clock,
            "faults": [i.to_json() for i in self.injections],
            "fired": [i.label for i in self.injections if i not in self.never_fired],
            "verdict": self.verdict,
            "checked": list(self.checked),
            "violations": [v.to_json() for v in self.violations],
            "journal": self.journal.to_json()["attempts"],
            "events": self.journal.to_json()["events"],
            "http": self.journal.to_json()["http"],
            "outcome": self.journal.outcome,
            "error": self.journal.error,
            "final_state": self.journal.to_json()["final_state"],
            "baseline": self.baseline.to_json() if self.baseline is not None else None,
            "repro": self.repro,
        }


class ChaosViolation(AssertionError):
    """Raised by `Chaos.run` when a trial's verdict is ``fail``; carries the `TrialResult`."""

    def __init__(self, result: TrialResult) -> None:
        super().__init__(result.describe_failure())
        self.result = result


def thread_id_for(test_id: str, role: str, n: int) -> str:
    """A deterministic thread id (no wall clock, no randomness) for one run of a trial."""
    return f"chaos-{int(unit_interval(test_id) * 2**48):012x}-{role}-{n}"


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
    invoke: InvokeMode = "async",
    config: dict[str, Any] | None = None,
    context: Any = None,
    baseline: bool = True,
    disabled_checks: Sequence[str] = (),
    enabled_checks: Sequence[str] = (),
    nondeterministic: Sequence[str] = (),
    run_number: int = 0,
    repro: str | None = None,
    around: Sequence[RunHook] = (),
    repeats: Sequence[float] = (),
) -> TrialResult:
    """Run the baseline and the chaos run of one trial and check the invariants."""
    inst.check_injections(list(injections))
    base_journal = None
    base_tid = thread_id_for(test_id, "baseline", run_number)
    chaos_tid = thread_id_for(test_id, "chaos", run_number)
    if baseline:
        base_ctx = RunContext(seed, test_id, ())
        base_journal = run_once(
            inst, input, base_ctx, clock=clock, invoke=invoke, config=config, context=context,
            thread_id=base_tid, seed=seed, around=around, repeats=repeats,
        )
    ctx = RunContext(seed, test_id, tuple(injections))
    journal = run_once(
        inst, input, ctx, clock=clock, invoke=invoke, config=config, context=context,
        thread_id=chaos_tid, seed=seed, around=around, repeats=repeats,
    )
    result = TrialResult(
        id=trial_id or test_id,
        target=target,
        seed=seed,
        injections=list(injections),
        journal=journal,
        baseline=base_journal,
        never_fired=ctx.never_fired(),
        nondeterministic=nondeterministic,
        clock=clock,
        repro=repro,
        instrumented=inst,
        chaos_config=run_config(config, chaos_tid),
        baseline_config=run_config(config, base_tid) if baseline else None,
        test_id=test_id,
        input=input,
        invoke=invoke,
        context=context,
        repeats=tuple(repeats),
    )
    result.violations = run_checkers(result, disabled_checks, enabled_checks)
    return result


def run_config(config: dict[str, Any] | None, thread_id: str) -> dict[str, Any]:
    """The user's config with the run's own thread id."""
    cfg: dict[str, Any] = dict(config or {})
    # The harness's thread id wins: baseline and chaos runs must never share a thread.
    cfg["configurable"] = {**cfg.get("configurable", {}), "thread_id": thread_id}
    return cfg


def repeat_config(cfg: dict[str, Any], n: int) -> dict[str, Any]:
    """The config of the n-th repeated invocation: the same, on its own thread."""
    conf = dict(cfg["configurable"])
    conf["thread_id"] = f"{conf['thread_id']}-r{n}"
    return {**cfg, "configurable": conf}


def run_once(
    inst: InstrumentedGraph,
    input: Any,
    ctx: RunContext,
    *,
    clock: ClockName,
    invoke: InvokeMode,
    config: dict[str, Any] | None,
    context: Any,
    thread_id: str,
    seed: int,
    around: Sequence[RunHook] = (),
    repeats: Sequence[float] = (),
) -> Journal:
    """Execute the instrumented graph once, recording into ``ctx.journal``."""
    from chaos.simtime import SimulatedDeadlock, run_async, run_sync

    graph = inst.graph
    cfg = run_config(config, thread_id)
    journal = ctx.journal
    kwargs: dict[str, Any] = {"stream_mode": ["updates", "values"]}
    if context is not None:
        kwargs["context"] = context

    def record(mode: str, chunk: Any) -> None:
        if mode == "values":
            if ctx.invocation == 0:
                journal.final_state = chunk
            else:
                del journal.repeat_states[ctx.invocation - 1 :]
                journal.repeat_states.append(chunk)
        elif mode == "updates" and isinstance(chunk, dict):
            meta = chunk.get("__metadata__") or {}
            if meta.get("cached"):
                for node in chunk:
                    if node != "__metadata__":
                        rec = AttemptRecord(node=node, task=f"{node}#cached", attempt=0,
                                            step=None, start=ctx.now(), end=ctx.now(), outcome="cached",
                                            invocation=ctx.invocation)
                        journal.attempts.append(rec)

    def stuck() -> str:
        running = [a for a in journal.attempts if a.outcome == "unknown"]
        names = ", ".join(f"{a.node} (attempt {a.attempt}, fault {a.fault})" for a in running)
        return (
            f"the run can never finish: nothing can wake it. Still running: {names or 'no node'}. "
            "In production this run would hang; give the node a TimeoutPolicy."
        )

    @contextmanager
    def active_run() -> Iterator[None]:
        """The run's context for the wrappers, LangGraph's timeouts observed, the hooks entered."""
        ctx.now = trial_clock()  # started here, inside the trial's clock
        inst.active.context = ctx
        try:
            with ExitStack() as stack:
                stack.enter_context(observe_timeouts(ctx))
                for hook in around:
                    stack.enter_context(hook(ctx))
                yield
        finally:
            inst.active.context = None

    def next_invocation(n: int, wait: float) -> dict[str, Any]:
        # The same input again after `wait` simulated seconds, on a fresh thread (the node
        # cache is not scoped by thread: this is how hits and TTL expiry happen in one trial).
        ctx.invocation = n
        ctx.event("repeat", None, f"invocation {n + 1} after {wait:g}s")
        return repeat_config(cfg, n)

    saver = graph.checkpointer if isinstance(graph.checkpointer, BaseCheckpointSaver) else None
    thread_ids = [cfg["configurable"]["thread_id"]] + [
        repeat_config(cfg, n)["configurable"]["thread_id"] for n in range(1, len(repeats) + 1)
    ]

    async def amain() -> None:
        with active_run():
            if saver is not None:
                # Thread ids are deterministic; a persistent saver (PostgreSQL, a file) may still
                # hold a thread from an earlier session, which would resume instead of starting.
                for tid in thread_ids:
                    await saver.adelete_thread(tid)
            if graph.cache is not None:
                await graph.aclear_cache()
            async for mode, chunk in graph.astream(input, cfg, **kwargs):
                record(mode, chunk)
            for n, wait in enumerate(repeats, 1):
                await asyncio.sleep(wait)
                async for mode, chunk in graph.astream(input, next_invocation(n, wait), **kwargs):
                    record(mode, chunk)

    def smain() -> None:
        with active_run():
            if saver is not None:
                for tid in thread_ids:
                    saver.delete_thread(tid)
            if graph.cache is not None:
                graph.clear_cache()
            for mode, chunk in graph.stream(input, cfg, **kwargs):
                record(mode, chunk)
            for n, wait in enumerate(repeats, 1):
                time.sleep(wait)  # simulated: advances the trial clock
                for mode, chunk in graph.stream(input, next_invocation(n, wait), **kwargs):
                    record(mode, chunk)

    try:
        if invoke == "async":
            run_async(amain, mode=clock, seed=seed, describe_stuck=stuck)
        else:
            run_sync(smain, mode=clock, seed=seed)
        journal.outcome = "ok"
    except ChaosAbort as exc:
        _fail(journal, "aborted", exc)
    except SimulatedDeadlock as exc:
        _fail(journal, "deadlock", exc)
    except GraphInterrupt as exc:
        _fail(journal, "interrupted", exc)
    except GraphDrained as exc:
        _fail(journal, "drained", exc)
    except (Exception, asyncio.CancelledError) as exc:
        _fail(journal, "error", exc)
    finally:
        journal.duration = ctx.now()
        for rec in journal.attempts:
            if rec.outcome == "unknown" and journal.outcome in ("aborted", "deadlock"):
                rec.outcome = "aborted" if rec.fault else "cancelled"
    return journal


def _fail(journal: Journal, outcome: str, exc: BaseException) -> None:
    journal.outcome = outcome
    journal.error = type(exc).__name__
    journal.error_message = str(exc)
