"""A hypothesis state machine that interleaves runs, faults, drains, kills and time on one graph.

    from chaos.stateful import ChaosMachine

    class SupportMachine(ChaosMachine):
        graph = builder
        input = {"question": "hi"}

    TestSupport = SupportMachine.TestCase

Hypothesis draws sequences of rules and shrinks a failing one to the shortest sequence, printed
as the calls that replay it. The rules:

- ``invoke``: a run on a fresh thread, with the faults injected so far;
- ``inject(fault, node, attempts)``: aim a fault at the next run (up to ``max_pending``);
- ``advance_clock(seconds)``: the next run starts that much later on the machine's timeline,
  so cache entries (whose TTL is measured on the wall clock) really expire;
- ``drain(at)``: a run on a fresh thread that gets a real SIGTERM (the engine's ``Sigterm``
  step: the harness's handler requests a drain of the run's `RunControl`) when node ``at``
  starts (``None``: before the first superstep); LangGraph finishes that superstep, checkpoints
  and raises ``GraphDrained``;
- ``resume``: continue the last thread (drained, killed or failed) from its checkpoint with
  ``invoke(None, {"configurable": {"thread_id": ...}}, control=RunControl())``;
- ``answer(value)``: a thread stopped at ``interrupt()`` (or a breakpoint) is resumed with
  ``Command(resume=value)``, ``value`` drawn from ``answers``;
- ``fail_after_answer(node, k)``: the next run's ``node`` raises a ``ConnectionError`` as its
  k-th ``interrupt()`` returns its answer (``Injection(after_interrupt=k)``);
- ``kill_and_resume(node)``: an in-process stand-in for a crash: when ``node`` starts, a
  `ProcessKilled` (a BaseException: never retried, never handled) ends the run; the thread is
  then resumed from its checkpoint (the real out-of-process kill is `chaos.shutdown`);
- ``clear_cache``: ``graph.clear_cache()``.

After every rule the invariants hold: the bundled chaos checkers pass on the last run
(``steady_state`` compares a completed thread with a fault-free baseline), and the state the
checkpointer holds for the thread is the state the run last streamed. Add your own with
``@invariant()`` methods; ``self.last`` is the last run's `TrialResult`, ``self.results`` all of them.

Every rule is a list of the engine's steps (`chaos.engine.steps`: ``Invoke``, ``Resume``,
``Sigterm``), run by the engine's one executor; each run is its own simulated-time execution; the machine's timeline
(``self.elapsed``) carries across runs: a run starts by advancing its clock to it. Threads live
in the checkpointer between rules; the node cache is shared by all runs of an example (and
cleared when an example starts), as it is in production.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
from collections.abc import Sequence
from typing import Any, ClassVar

from hypothesis import note
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from chaos.context import SignalContext
from chaos.engine.baseline import run_baseline
from chaos.engine.drive import Drive, parse_drive
from chaos.engine.executor import Executor, run_config
from chaos.engine.judge import judge
from chaos.engine.result import TrialResult
from chaos.engine.spec import Checks, TrialSpec
from chaos.engine.steps import Invoke, Resume, Sigterm, Step
from chaos.errors import ChaosUsageError
from chaos.faults import Fault, Injection, RaiseError, exception
from chaos.inject import InstrumentedGraph
from chaos.journal import Journal
from chaos.strategies import FaultPlan, instrumented, node_faults, replay_text

__all__ = ["ChaosMachine", "MachineViolation", "ProcessKilled", "chaos_machine"]

#: Fault kinds the machine injects by default: the ones a graph with retries can survive or
#: report cleanly. ``hang``/``stall`` need a TimeoutPolicy on every node they can reach; add
#: them with ``faults = node_faults()`` when yours has one.
DEFAULT_KINDS = (
    "exception", "raise_status", "raise_connect_error", "raise_read_timeout", "raise_remote_protocol_error",
    "lost_result", "delay",
)

_THREADS = itertools.count()
#: Invariants judged over the thread's whole history (a resume continues an earlier run).
_HISTORY = ("resume_exactly_once", "breakpoints", "interrupts_answered")


def _history_checker(name: str) -> Any:
    from chaos.checks import _ordered

    return _ordered()[name]
#: Simulated seconds between the end of one run and the start of the next.
RUN_GAP = 0.001


class ProcessKilled(BaseException):
    """The in-process stand-in for the process dying while a node runs.

    A BaseException, so LangGraph neither retries it nor routes it to an error handler: the
    run ends where it is, with what the checkpointer already holds.
    """


class MachineViolation(AssertionError):
    """An invariant of the chaos machine failed; the message names it and the run."""


def _sites(machine: ChaosMachine) -> st.SearchStrategy[str]:
    return st.sampled_from(machine.sites)


def _faults(machine: ChaosMachine) -> st.SearchStrategy[Fault]:
    return machine.faults if machine.faults is not None else node_faults(DEFAULT_KINDS)


def _answers(machine: ChaosMachine) -> st.SearchStrategy[Any]:
    return machine.answers


_NODE = st.runner().flatmap(_sites)
_FAULT = st.runner().flatmap(_faults)
_ANSWER = st.runner().flatmap(_answers)
_ATTEMPTS = st.sampled_from([[1], [2], [1, 2], [3], None])


class ChaosMachine(RuleBasedStateMachine):
    """Interleave runs, faults, drains, kills, cache clears and time on one graph.

    Configure by subclassing (class attributes) or with `chaos_machine`:

    - ``graph``: a `StateGraph` builder (compiled with an in-memory SQLite checkpointer and an
      in-memory cache) or a compiled graph with a checkpointer (resume needs one);
    - ``input``, ``config``, ``context``: what each fresh run gets;
    - ``faults``: the fault strategy of ``inject`` (default: `node_faults` of `DEFAULT_KINDS`);
    - ``seed``: jitter and fault decisions; ``disable``: invariant names to turn off
      (``faults_fired`` by default: a fault aimed at a cached node or an attempt that never
      happens is not a bug); ``nondeterministic``: state fields ``steady_state`` ignores;
    - ``max_pending``: faults armed for one run; ``max_advance``: the longest clock jump (s);
    - ``drive``: how each run calls the graph (``"ainvoke"``, ``"stream:updates"``, ...).
    - ``answers``: what ``answer`` resumes an ``interrupt()`` with (default: "yes" or "no").

    Hypothesis runs it with ``TestCase = MyMachine.TestCase`` (settings via
    ``MyMachine.TestCase.settings = settings(...)``).
    """

    graph: ClassVar[Any] = None
    input: ClassVar[Any] = None
    config: ClassVar[dict[str, Any] | None] = None
    context: ClassVar[Any] = None
    faults: ClassVar[st.SearchStrategy[Fault] | None] = None
    seed: ClassVar[int] = 0
    disable: ClassVar[Sequence[str]] = ("faults_fired",)
    nondeterministic: ClassVar[Sequence[str]] = ()
    max_pending: ClassVar[int] = 2
    max_advance: ClassVar[int] = 3600
    #: How every run calls the graph (`chaos.engine.drive` token or `Drive`; None: astream).
    drive: ClassVar[str | Drive | None] = None
    answers: ClassVar[st.SearchStrategy[Any]] = st.sampled_from(["yes", "no"])

    def __init__(self) -> None:
        super().__init__()
        if self.graph is None:
            raise ChaosUsageError(
                f"{type(self).__name__}: set the graph to test, e.g. `graph = builder` and "
                "`input = {...}` on the subclass, or use chaos_machine(builder, input)"
            )
        self.inst: InstrumentedGraph = instrumented(self.graph)
        if not self.inst.graph.checkpointer:
            raise ChaosUsageError(
                f"{type(self).__name__}: the graph has no checkpointer, so threads cannot be resumed; "
                "pass the builder (the machine compiles it with SQLite) or compile with a checkpointer"
            )
        self.sites: list[str] = self.inst.sites()
        self.how: Drive = parse_drive(self.drive, where=f"{type(self).__name__}.drive")
        self.test_id = f"{type(self).__module__}.{type(self).__qualname__}"
        self.elapsed = 0.0
        self.pending: list[Injection] = []
        self.thread: str | None = None
        self.status = "none"
        self.results: list[TrialResult] = []
        self.last: TrialResult | None = None
        self.checkpoint: Any = None
        #: Every attempt since the cache was last cleared, on the machine's timeline: the
        #: ``cache_ttl`` checker reads it, because the cache outlives runs and threads.
        self.timeline = Journal()
        #: The current thread's history: every run on it (invoke, drain, resume), in order;
        #: the history invariants (`_HISTORY`) judge it after every rule.
        self.history = Journal()
        if self.inst.graph.cache is not None:
            self.inst.graph.clear_cache()  # every example starts cold: examples must not leak
        self.baseline = self._baseline()

    # -- rules ------------------------------------------------------------------------------

    @rule()
    def invoke(self) -> None:
        """Run the graph on a fresh thread with the faults injected so far."""
        self._new_thread()
        self._run(self.input)

    @precondition(lambda self: len(self.pending) < self.max_pending)
    @rule(fault=_FAULT, node=_NODE, attempts=_ATTEMPTS)
    def inject(self, fault: Fault, node: str, attempts: list[int] | None) -> None:
        """Aim ``fault`` at ``node`` (those attempts; None: every attempt) for the next run."""
        self.pending.append(Injection.of(fault, node, attempts))

    @rule(seconds=st.sampled_from([1, 10, 60, 300, 3600]))
    def advance_clock(self, seconds: int) -> None:
        """The next run starts ``seconds`` later (cache TTLs run on this timeline)."""
        self.elapsed += min(seconds, self.max_advance)

    @rule(at=st.none() | _NODE)
    def drain(self, at: str | None) -> None:
        """A fresh run that drains when node ``at`` starts (None: before the first superstep)."""
        self._new_thread()
        self._run(self.input, drain_at=at or "")

    @precondition(lambda self: self.thread is not None and self.status in ("drained", "killed", "error"))
    @rule()
    def resume(self) -> None:
        """Continue the last thread from its checkpoint with a fresh RunControl."""
        self._run(None)

    @precondition(lambda self: self.thread is not None and self.status == "interrupted")
    @rule(value=_ANSWER)
    def answer(self, value: Any) -> None:
        """Answer the interrupt the last thread stopped at: resume it with ``Command(resume=value)``."""
        self._run(None, answer=value)

    @precondition(lambda self: len(self.pending) < self.max_pending)
    @rule(node=_NODE, k=st.sampled_from([1, 2]))
    def fail_after_answer(self, node: str, k: int) -> None:
        """The next run's ``node`` fails as its k-th ``interrupt()`` returns its answer."""
        fault = exception(ConnectionError("chaos: the connection dropped after the answer"))
        self.pending.append(Injection.of(fault, node, times=1, after_interrupt=k))

    @rule(node=_NODE)
    def kill_and_resume(self, node: str) -> None:
        """Crash the process (in-process stand-in) when ``node`` starts, then resume the thread."""
        self._new_thread()
        self._run(self.input, kill_at=node)
        if self.status == "killed":
            self._check()  # the invariants hold at the crash too, not only after the resume
            self._run(None)

    @rule()
    def clear_cache(self) -> None:
        """Empty the node cache (``graph.clear_cache()``)."""
        if self.inst.graph.cache is not None:
            self.inst.graph.clear_cache()
            self.timeline = Journal()

    # -- invariants -------------------------------------------------------------------------

    @invariant()
    def chaos_invariants_hold(self) -> None:
        """The bundled checkers (and registered ones) pass on the last run."""
        self._check()

    @invariant()
    def checkpoint_is_what_the_run_saw(self) -> None:
        """The thread's checkpointed state is the state the last run streamed last.

        When a superstep failed, the siblings that finished in it streamed their updates and
        LangGraph keeps their writes as pending writes, which ``get_state().values`` shows
        applied: they are applied to the streamed state before comparing. A run stopped at
        ``interrupt()`` streams ``__interrupt__`` in its state, which the checkpoint never
        holds: the engine's journal strips it.
        """
        last = self.last
        if last is None or last.journal.final_state is None or self.checkpoint is None:
            return
        seen = last.journal.final_state
        if last.journal.outcome != "ok" and last.journal.pending_updates:
            seen = apply_updates(self.inst, seen, last.journal.pending_updates)
        if seen != self.checkpoint:
            self._fail(
                "checkpoint_is_what_the_run_saw",
                f"thread {self.thread}: the run last streamed {seen!r} (with the pending writes of "
                f"the tasks that finished in its last superstep) but the checkpointer holds {self.checkpoint!r}",
            )

    # -- machinery --------------------------------------------------------------------------

    def _check(self) -> None:
        last = self.last
        if last is not None and last.inconclusive is not None and not last.violations:
            self._fail("inconclusive", f"  [inconclusive] {last.inconclusive}")
        if last is not None and last.violations:
            lines = [f"  [{v.invariant}] {v.message}" for v in last.violations]
            self._fail(", ".join(sorted({v.invariant for v in last.violations})), "\n".join(lines))

    def _fail(self, name: str, detail: str) -> None:
        last = self.last
        plan = FaultPlan(last.injections if last is not None else ())
        text = replay_text(plan, self.seed)
        note(text)
        raise MachineViolation(
            f"{type(self).__name__}: invariant {name} violated after the last rule "
            f"(run {len(self.results)}, thread {self.thread}, ended {self.status}):\n{detail}\n"
            f"Faults of that run:\n{text}"
        )

    def _new_thread(self) -> None:
        self.thread = f"machine-{os.getpid()}-{next(_THREADS)}"
        self.history = Journal()

    def _baseline(self) -> Journal:
        """The fault-free baseline (the engine's, memoised per graph, input, config and seed)."""
        spec = TrialSpec(graph=self.inst, input=self.input, seed=self.seed, test_id=self.test_id,
                         config=self.config, context=self.context, source=self.graph, drive=self.how)
        journal = run_baseline(spec, f"machine-baseline-{os.getpid()}-{next(_THREADS)}")
        if self.inst.graph.cache is not None:
            self.inst.graph.clear_cache()
        return journal

    def _run(self, input: Any, *, drain_at: str | None = None, kill_at: str | None = None,
             answer: Any = None) -> None:
        faults, self.pending = self.pending, []
        result = self._execute(input, faults, drain_at=drain_at, kill_at=kill_at, answer=answer)
        result.baseline = self.baseline
        # cache_ttl runs on the timeline of every run since the cache was cleared (the cache
        # is shared by threads): a hit served from an earlier run's entry is correct.
        # no_partial_writes reads the whole thread and assumes one run wrote it: after a resume
        # the failed attempt's error and the rerun's writes share a task id, which is LangGraph
        # working as designed, so it is checked on the first run of each thread only.
        off = [*self.disable, "cache_ttl", *_HISTORY] + (["no_partial_writes"] if input is None else [])
        judge(result, Checks(tuple(off)))
        self._extend_timeline(result.journal, len(self.results))
        # The history invariants read the thread's whole history (a resume continues it).
        self._extend_history(result.journal)
        history = dataclasses.replace(result, journal=self.history)
        for name in _HISTORY:
            if name not in self.disable:
                result.violations += list(_history_checker(name)(history))
        if "cache_ttl" not in self.disable:
            from chaos.invariants.cache_ttl import check_cache_ttl

            result.violations += list(check_cache_ttl(dataclasses.replace(result, journal=self.timeline)))
        self.results.append(result)
        self.last = result
        runs = [s for s in result.journal.steps if s.kind in ("invoke", "resume") and s.outcome != "skipped"]
        # A run that stopped at interrupt() or a breakpoint ended normally, but the thread is
        # paused, not finished: `answer` (or a Resume) goes on from there.
        paused = result.journal.outcome == "ok" and bool(runs) and runs[-1].outcome == "interrupted"
        self.status = "interrupted" if paused else result.journal.outcome
        assert self.thread is not None
        self.checkpoint = self.inst.graph.get_state({"configurable": {"thread_id": self.thread}}).values

    def _extend_history(self, journal: Journal) -> None:
        """Append one run's steps and attempts to the thread's history (`history`)."""
        hist, base, n = self.history, len(self.history.attempts), len(self.history.steps)
        runs = sum(1 for st_ in hist.steps if st_.kind in ("invoke", "resume"))
        hist.attempts += [dataclasses.replace(a, invocation=runs) for a in journal.attempts]
        for rec in journal.steps:
            hist.steps.append(dataclasses.replace(rec, index=n + rec.index, first=base + rec.first, last=base + rec.last))
        hist.outcome, hist.error, hist.error_message = journal.outcome, journal.error, journal.error_message

    def _extend_timeline(self, journal: Journal, k: int) -> None:
        start = self.elapsed - RUN_GAP - journal.duration
        for rec in journal.attempts:
            self.timeline.attempts.append(dataclasses.replace(
                rec, task=f"run{k}:{rec.task}", start=rec.start + start,
                end=None if rec.end is None else rec.end + start,
                # Supersteps of later runs come later: a body run there with a key an earlier
                # run cached should have been a hit (the cache is not scoped by thread).
                step=None if rec.step is None else rec.step + 10_000 * k,
            ))

    def _execute(
        self, input: Any, faults: list[Injection], *, drain_at: str | None, kill_at: str | None, answer: Any = None
    ) -> TrialResult:
        """One rule's steps through the engine's executor, on the machine's timeline."""
        assert self.thread is not None
        if kill_at is not None:
            faults = [Injection.of(RaiseError(ProcessKilled), kill_at, times=1), *faults]
        steps: list[Step] = []
        if drain_at is not None:
            steps.append(Sigterm(drain_at or None, attempts=None))
        steps.append(Resume(answer) if input is None else Invoke(input))
        ctx = SignalContext(self.seed, self.test_id, tuple(faults))
        offset = self.elapsed
        journal = Executor(
            self.inst, ctx, input=input, thread_id=self.thread, config=self.config, context=self.context,
            seed=self.seed, drive=self.how, start_at=offset, forget=False, clear_cache=False,
            extra_outcomes=((ProcessKilled, "killed"),), thread_outcome=self.status if input is None else None,
        ).execute(steps)
        # The next run starts a millisecond later: runs are never simultaneous, and on the
        # timeline an entry cached by one run must precede a hit in the next.
        self.elapsed = offset + journal.duration + RUN_GAP
        return TrialResult(
            id=f"{self.test_id}#{len(self.results)}", target=type(self).__name__, seed=self.seed,
            injections=faults, journal=journal, baseline=None, never_fired=ctx.never_fired(),
            nondeterministic=self.nondeterministic, clock="simulated", instrumented=self.inst,
            chaos_config=run_config(self.config, self.thread), steps=tuple(steps), drive=self.how.token,
            invoke=self.how.token,
        )


def apply_updates(inst: InstrumentedGraph, state: Any, updates: Sequence[tuple[str, Any]]) -> Any:
    """``state`` with the streamed node ``updates`` applied through the graph's reducers."""
    if not isinstance(state, dict):
        return state
    channels = getattr(getattr(inst.graph, "builder", None), "channels", {}) or {}
    out = dict(state)
    for _node, update in updates:
        for values in (update if isinstance(update, list) else [update]):
            if not isinstance(values, dict):
                continue
            for key, value in values.items():
                ch = channels.get(key)
                op = getattr(ch, "operator", None)
                reducer = getattr(ch, "reducer", None)
                if op is not None and key in out:
                    out[key] = op(out[key], value)
                elif reducer is not None and key in out:
                    out[key] = reducer(out[key], [value])
                else:
                    out[key] = value
    return out


def chaos_machine(graph: Any, input: Any, *, name: str = "GraphMachine", **options: Any) -> type[ChaosMachine]:
    """A `ChaosMachine` subclass for ``graph`` and ``input``; ``options`` set the other class
    attributes (``faults=``, ``seed=``, ``disable=``, ...). ``chaos_machine(g, x).TestCase``
    is a ready test case."""
    unknown = set(options) - {"config", "context", "faults", "seed", "disable", "nondeterministic",
                              "max_pending", "max_advance", "drive", "answers"}
    if unknown:
        raise ChaosUsageError(f"chaos_machine(): unknown option(s) {sorted(unknown)}")
    return type(name, (ChaosMachine,), {"graph": graph, "input": input, **options})
