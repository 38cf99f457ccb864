"""What a shutdown trial produced, and the invariants that judge it.

A shutdown trial has two runs on one thread: the *interrupted* run (drained by a SIGTERM, or
killed) and the *resume*. Its journal is both, in order (``split`` attempts belong to the
interrupted run), with ``drain``/``kill`` and ``resume`` events between them; its outcome and
final state are the resume's, so ``steady_state`` compares the resumed thread with the baseline.

Invariants (registered on import of `chaos.shutdown`; they ignore other trials):

- ``drained``: SIGTERM in superstep k: a handler received it, the run raised GraphDrained
  after superstep k completed (no task of it cancelled, none of k+1 started), and the
  checkpoint of step k is saved with the un-started tasks as ``next``.
- ``resumed``: the resume on the same thread finished.
- ``durability``: a killed run left a checkpoint to resume from (``durability="exit"`` does not).
- ``resume_by_thread``: the resume passed only a thread id, not a ``checkpoint_id`` (replay).
- ``exactly_once``: across both runs every node body ran as often as in the baseline (the
  killed node once more: that is ``duplicate_effects``).
- ``duplicate_effects``: a node killed after its body did its work ran again on resume; unless
  it is declared idempotent, its side effects happened twice (at-least-once).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from chaos.checks import Violation, register_checker
from chaos.journal import AttemptRecord, Journal
from chaos.shutdown.proxy import RunCall
from chaos.trial import TrialResult

ShutdownKind = Literal["drain", "kill"]

#: Bundled checkers written for single-run trials: they read ``chaos_config``'s history or a
#: run's retry timing, which a two-run, two-process shutdown trial does not have.
NOT_FOR_SHUTDOWN = (
    "retry_schedule",
    "retry_after",
    "retry_model",
    "error_handler",
    "no_partial_writes",
    "cache_ttl",
    "delta_reconstruction",
)

SHUTDOWN_INVARIANTS = (
    "drained",
    "resumed",
    "durability",
    "resume_by_thread",
    "exactly_once",
    "duplicate_effects",
)


@dataclass
class ShutdownResult(TrialResult):
    """A `TrialResult` of a drain or kill trial, with what the checkers need about both runs."""

    kind: ShutdownKind = "drain"
    #: "harness": the harness wired SIGTERM to a RunControl; "service": the user's code did.
    mode: str = "harness"
    node: str | None = None
    #: Superstep (``langgraph_step``) and task label of the attempt the signal landed in.
    step: int | None = None
    task: str | None = None
    #: Attempts ``journal.attempts[:split]`` belong to the interrupted run (and the steps before
    #: it), ``[split:resume_end]`` to the resume (None: to the end; a kill history's steps after
    #: its resume, such as ``again()``, are not the resume's).
    split: int = 0
    resume_end: int | None = None
    #: How the interrupted run ended: drained, ok (ran to completion), error, killed, exited.
    interrupted_outcome: str = "unknown"
    interrupted_error: str | None = None
    #: Service mode: False when SIGTERM reached the harness's sentinel (no handler installed).
    signal_handled: bool | None = None
    #: The thread's latest checkpoint after the interruption: step, next, tasks with writes.
    checkpoint: dict[str, Any] | None = None
    calls: list[RunCall] = field(default_factory=list)
    resume_outcome: str = "not run"
    idempotent: Sequence[str] = ()
    kill_at: str | None = None
    durability: str | None = None

    @property
    def interrupted(self) -> list[AttemptRecord]:
        return self.journal.attempts[: self.split]

    @property
    def resumed_attempts(self) -> list[AttemptRecord]:
        """The attempts of the resume run only."""
        return self.journal.attempts[self.split : self.resume_end]

    def to_json(self) -> dict[str, Any]:
        out = super().to_json()
        out["shutdown"] = {
            "kind": self.kind,
            "mode": self.mode,
            "node": self.node,
            "step": self.step,
            "task": self.task,
            "interrupted_attempts": self.split,
            "interrupted_outcome": self.interrupted_outcome,
            "signal_handled": self.signal_handled,
            "checkpoint": self.checkpoint,
            "resume_outcome": self.resume_outcome,
            "calls": [asdict(c) for c in self.calls],
        }
        return out


def _mine(result: TrialResult, kind: ShutdownKind | None = None) -> ShutdownResult | None:
    if not isinstance(result, ShutdownResult):
        return None
    if kind is not None and result.kind != kind:
        return None
    if result.node is None or any(inj.fault.kind in ("sigterm", "kill") for inj in result.never_fired):
        return None  # the signal never landed: faults_fired says so
    return result


def _v(name: str, r: ShutdownResult, message: str, node: str | None = None) -> Violation:
    repro = f" Reproduce: {r.repro}" if r.repro else f" Reproduce: rerun trial {r.id!r} with seed={r.seed}."
    return Violation(name, message + repro, node=node if node is not None else r.node)


def _run_calls(r: ShutdownResult, phase: str) -> list[RunCall]:
    return [c for c in r.calls if c.phase == phase]


def _baseline_steps(r: ShutdownResult) -> set[int]:
    return {a.step for a in (r.baseline.attempts if r.baseline else []) if a.step is not None}


def check_drained(result: TrialResult) -> Iterable[Violation]:
    """SIGTERM mid-superstep: the superstep completes, GraphDrained, the checkpoint is saved."""
    r = _mine(result, "drain")
    if r is None:
        return
    k = r.step
    where = f"SIGTERM arrived while {r.task} (node {r.node!r}, superstep {k}) ran"
    if r.signal_handled is False:
        yield _v("drained", r,
                 f"{where}, but the service had no SIGTERM handler installed: in production the "
                 "process would have been terminated mid-superstep (the harness caught the signal "
                 "so the test process survived). Install a handler that calls "
                 "control.request_drain() and pass that RunControl as control= to invoke/ainvoke.")
        return
    if r.interrupted_outcome == "ok":
        if k is not None and any(s > k for s in _baseline_steps(r)):
            serve = _run_calls(r, "serve")
            if serve and not any(c.control for c in serve):
                how = (f"the service called {', '.join(sorted({c.method for c in serve}))} without "
                       "control=: LangGraph reads a RunControl only from the control= keyword "
                       "(never from config), so request_drain() on the handler's control changed "
                       "nothing. Pass control=the_control to the run.")
            else:
                how = ("the SIGTERM handler did not request a drain on the RunControl passed as "
                       "control= to this run.")
            yield _v("drained", r, f"{where}, but the run was not drained: it ran to completion past "
                     f"superstep {k}; {how}")
        return
    if r.interrupted_outcome != "drained":
        yield _v("drained", r, f"{where}, and the run ended with {r.interrupted_outcome} "
                 f"({r.interrupted_error}) instead of GraphDrained after the superstep.")
        return
    unfinished = [a for a in r.interrupted if a.step == k and a.outcome != "ok"]
    for a in unfinished:
        yield _v("drained", r, f"{where}: the drain did not let superstep {k} complete: {a.task} "
                 f"ended {a.outcome} ({a.error}). A drain must never pre-empt running siblings.", a.node)
    later = [a for a in r.interrupted if a.step is not None and k is not None and a.step > k]
    for a in later:
        yield _v("drained", r, f"{where}: {a.task} of superstep {a.step} started after the drain "
                 "was requested; the run should have stopped before superstep "
                 f"{(k or 0) + 1}.", a.node)
    cp = r.checkpoint
    if cp is None:
        yield _v("drained", r, f"{where}: GraphDrained was raised but the thread has no checkpoint "
                 "to resume from (is a checkpointer configured?).")
    elif cp.get("step") != k or not cp.get("next"):
        yield _v("drained", r, f"{where}: after the drain the latest checkpoint is step "
                 f"{cp.get('step')} with next={cp.get('next')}; expected the checkpoint of "
                 f"superstep {k} with the un-started tasks as next.")


def check_resumed(result: TrialResult) -> Iterable[Violation]:
    """The resume on the same thread finished."""
    r = _mine(result)
    if r is None or r.resume_outcome in ("ok", "not run"):
        return
    if r.kind == "kill" and r.checkpoint is None:
        return  # durability reports it
    yield _v("resumed", r, f"the resume of the thread after the {r.kind} ended {r.resume_outcome} "
             f"({r.journal.error}: {r.journal.error_message}).")


def check_durability(result: TrialResult) -> Iterable[Violation]:
    """A killed run left a checkpoint to resume from."""
    r = _mine(result, "kill")
    if r is None or r.checkpoint is not None:
        return
    mode = f"durability={r.durability!r}" if r.durability else "its durability mode"
    yield _v("durability", r,
             f"the kill during {r.task} (superstep {r.step}) lost every checkpoint of the thread: "
             f"the graph runs with {mode}, which saves only when the run exits, so a hard kill "
             "loses all progress and the run must restart from scratch (invoke(None) on resume "
             f"ended {r.resume_outcome}: {r.journal.error}). Use durability='async' or 'sync' "
             "where a process can die mid-run.")


def check_resume_by_thread(result: TrialResult) -> Iterable[Violation]:
    """The resume passed a thread id only; a checkpoint_id makes LangGraph replay."""
    r = _mine(result)
    if r is None:
        return
    for c in _run_calls(r, "resume"):
        if c.checkpoint_id:
            yield _v("resume_by_thread", r,
                     f"the resume called {c.method} with checkpoint_id={c.checkpoint_id!r} "
                     "(e.g. get_state(config).config): LangGraph treats that as a replay (time "
                     "travel) from that checkpoint, not a resume of the thread, and completed "
                     "tasks with pending writes rerun. Resume with "
                     f"{{'configurable': {{'thread_id': {c.thread_id!r}}}}} only.")


def _body_runs(attempts: Iterable[AttemptRecord], skip: Sequence[AttemptRecord] = ()) -> Counter[str]:
    skipped = {id(a) for a in skip}
    return Counter(a.node for a in attempts if a.outcome != "cached" and id(a) not in skipped)


def _killed(r: ShutdownResult) -> list[AttemptRecord]:
    """Every attempt the kill caught: the node's, and each of its Send copies in that superstep."""
    if r.kind != "kill":
        return []
    return [a for a in r.interrupted if a.node == r.node and a.outcome == "unknown" and a.fault_kind == "kill"]


def check_exactly_once(result: TrialResult) -> Iterable[Violation]:
    """Across the interrupted run and its resume, every node body ran as in the baseline."""
    r = _mine(result)
    if r is None or r.baseline is None or r.resume_outcome != "ok":
        return
    killed = _killed(r)
    # A node killed before its body ran did not run; one killed after did (duplicate_effects):
    # each killed copy of a Send fan-out once more.
    got = _body_runs(r.journal.attempts, killed if r.kill_at == "start" else ())
    want = _body_runs(r.baseline.attempts)
    if r.kill_at != "start":
        for a in killed:
            want[a.node] += 1
    before = {a.node for a in r.interrupted if a.outcome == "ok"}
    for node in sorted(set(got) | set(want)):
        if got[node] == want[node]:
            continue
        if got[node] > want[node] and node in before:
            why = ("it had completed before the " + r.kind + " and ran again on resume: its writes "
                   "were not in the checkpointer when the thread resumed (a saver that loses "
                   "pending writes, or a resume that replays from a checkpoint_id)")
        elif got[node] > want[node]:
            why = "it ran more often than in the baseline"
        else:
            why = "it ran fewer times than in the baseline (lost work)"
        yield _v("exactly_once", r,
                 f"node {node!r} ran {got[node]} time(s) across the interrupted run and its "
                 f"resume; expected {want[node]}: {why}.", node)


def check_duplicate_effects(result: TrialResult) -> Iterable[Violation]:
    """A node killed after doing its work reran: its side effects happened twice."""
    r = _mine(result, "kill")
    if r is None or r.kill_at == "start" or r.node in r.idempotent:
        return
    killed = _killed(r)
    if not killed or not any(a.node == killed[0].node for a in r.resumed_attempts):
        return
    first = killed[0]
    tasks = first.task if len(killed) == 1 else f"{len(killed)} Send copies: {', '.join(a.task for a in killed)}"
    yield _v("duplicate_effects", r,
             f"node {first.node!r} was killed after its body ran ({tasks}, superstep "
             f"{first.step}) and ran again on resume: LangGraph is at-least-once for a node that "
             "dies mid-attempt, so its side effects (HTTP calls, e-mails, payments) happened "
             f"twice. Make it idempotent and declare it with idempotent=[{first.node!r}], or "
             "turn this off with disable=['duplicate_effects'].")


def merge_journals(first: Journal, second: Journal) -> Journal:
    """One journal of the interrupted run followed by its resume (outcome: the resume's)."""
    out = Journal()
    out.attempts = [*first.attempts, *second.attempts]
    out.events = [*first.events, *second.events]
    out.http = [*first.http, *second.http]
    out.outcome, out.error, out.error_message = second.outcome, second.error, second.error_message
    out.final_state = second.final_state
    out.duration = second.duration
    return out


def _is_shutdown(result: TrialResult) -> bool:
    return isinstance(result, ShutdownResult)


# Registered here, not by decorator: the registry's decorator is untyped.
register_checker("drained", check_drained, applies_to=_is_shutdown)
register_checker("resumed", check_resumed, applies_to=_is_shutdown)
register_checker("durability", check_durability, applies_to=_is_shutdown)
register_checker("resume_by_thread", check_resume_by_thread, applies_to=_is_shutdown)
register_checker("exactly_once", check_exactly_once, applies_to=_is_shutdown)
register_checker("duplicate_effects", check_duplicate_effects, applies_to=_is_shutdown)
