"""Checkers: what "the graph survived" means, evaluated after every trial.

A checker reads the trial (its journal, the baseline's journal, the run's injections) and
returns violations under a stable name. Names are part of the report schema. The registry is
open: `register_checker` adds a user's own checker (see the README).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chaos.trial import TrialResult


@dataclass(frozen=True)
class Violation:
    """One broken invariant, with enough context to find it in the journal."""

    invariant: str
    message: str
    node: str | None = None
    time: float | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


Checker = Callable[["TrialResult"], Iterable[Violation]]

_CHECKERS: dict[str, Checker] = {}


def register_checker(name: str, checker: Checker | None = None) -> Any:
    """Register ``checker`` under ``name`` (usable as a decorator).

    The checker receives the `TrialResult` (with ``journal``, ``baseline`` and ``injections``)
    and yields `Violation`s. It runs after every trial unless turned off by name.
    """

    def add(fn: Checker) -> Checker:
        _CHECKERS[name] = fn
        return fn

    return add(checker) if checker is not None else add


def checker_names() -> list[str]:
    return list(_CHECKERS)


def run_checkers(result: TrialResult, disabled: Iterable[str] = ()) -> list[Violation]:
    off = set(disabled)
    unknown = off - set(_CHECKERS)
    if unknown:
        from chaos.errors import ChaosUsageError

        raise ChaosUsageError(
            f"unknown invariant(s) {sorted(unknown)} to turn off; known: {', '.join(_CHECKERS)}"
        )
    out: list[Violation] = []
    for name, checker in _CHECKERS.items():
        if name not in off:
            out.extend(checker(result))
    return out


@register_checker("faults_fired")
def check_faults_fired(result: TrialResult) -> Iterable[Violation]:
    """Strictness: every declared fault fired at least once."""
    journal = result.journal
    for inj in result.never_fired:
        seen = sorted({(a.node, a.attempt) for a in journal.attempts if inj.matches_site(a.node)})
        ran = (
            "it ran " + ", ".join(f"{n} attempt {k}" for n, k in seen)
            if seen
            else "no matching node ran at all"
        )
        hint = ""
        if inj.fault.kind == "stall":
            hint = (
                " A stall fires at the node's heartbeat number after_heartbeats+1; does the node "
                "call runtime.heartbeat() (and accept a `runtime` parameter)?"
            )
        yield Violation(
            "faults_fired",
            f"declared fault {inj.label!r} never fired: {ran}.{hint} Aim it at a node and "
            "attempt that run, or remove it.",
            node=inj.node,
        )


@register_checker("liveness")
def check_liveness(result: TrialResult) -> Iterable[Violation]:
    """The run ended: no hang that nothing can time out, no deadlock."""
    journal = result.journal
    if journal.outcome in ("aborted", "deadlock"):
        node = next((a.node for a in journal.attempts if a.outcome == "aborted"), None)
        yield Violation(
            "liveness", journal.error_message or "the run never ended", node=node, time=journal.duration
        )


@register_checker("steady_state")
def check_steady_state(result: TrialResult) -> Iterable[Violation]:
    """A run that succeeded despite its faults ends in the baseline's final state."""
    journal, baseline = result.journal, result.baseline
    if journal.outcome != "ok" or baseline is None or baseline.outcome != "ok":
        return
    if _handlers_ran(journal) - _handlers_ran(baseline):
        return  # an error handler compensated: a handled failure, not a recovery
    ignore = set(result.nondeterministic)
    got = _drop(journal.final_state, ignore)
    want = _drop(baseline.final_state, ignore)
    if got != want:
        diff = _diff(want, got)
        yield Violation(
            "steady_state",
            f"the run recovered from its faults but its final state differs from the fault-free "
            f"baseline: {diff}. If a field is legitimately nondeterministic, declare it with "
            "nondeterministic=[...].",
            time=journal.duration,
        )


def _handlers_ran(journal: Any) -> set[str]:
    return {a.node for a in journal.attempts if "error_handler__" in a.node.rsplit("/", 1)[-1]}


def _drop(state: Any, fields: set[str]) -> Any:
    if isinstance(state, dict) and fields:
        return {k: v for k, v in state.items() if k not in fields}
    return state


def _diff(want: Any, got: Any) -> str:
    if isinstance(want, dict) and isinstance(got, dict):
        parts = []
        for key in sorted(set(want) | set(got), key=str):
            if want.get(key) != got.get(key):
                parts.append(f"{key}: expected {want.get(key)!r}, got {got.get(key)!r}")
        return "; ".join(parts)
    return f"expected {want!r}, got {got!r}"
