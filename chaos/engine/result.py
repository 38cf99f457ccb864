"""The one result type of a trial, and the exceptions front ends raise from it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chaos.engine.verdict import Verdict
from chaos.errors import ChaosError
from chaos.faults import Injection
from chaos.journal import AttemptRecord, Journal

if TYPE_CHECKING:
    from chaos.checks import Violation
    from chaos.inject import InstrumentedGraph


@dataclass
class TrialResult:
    """Everything one trial produced: the history (journal), the baseline, the verdict.

    ``verdict`` is ``"fail"`` when an invariant was violated, ``"inconclusive"`` when the trial
    could not judge (``inconclusive`` says why: the fault-free baseline failed), ``"error"``
    when the harness crashed (``harness_error``), ``"skipped"`` (``skip_reason``), else
    ``"pass"``.
    """

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
    #: id the fault decisions hashed, the input, the drive token and the graph context.
    test_id: str | None = None
    input: Any = None
    invoke: str = "async"
    context: Any = None
    repeats: Sequence[float] = ()
    #: The invariants that were checked (set by `chaos.checks.run_checkers`).
    checked: list[str] = field(default_factory=list)
    #: The invariants the trial named in ``enable=[...]`` (set by `chaos.checks.run_checkers`):
    #: a default-on checker may check more when asked by name (``retry_after``).
    enabled: frozenset[str] = frozenset()
    #: The trial's steps (`chaos.engine.steps`) and drive token.
    steps: Sequence[Any] = ()
    drive: str = "astream:updates,values"
    #: Why the trial could not judge (the baseline failed, ...); None when it could.
    inconclusive: str | None = None
    #: The harness or worker failure that ended the trial (verdict ``error``).
    harness_error: str | None = None
    skip_reason: str | None = None
    #: Runs the trial's fault-free spec a second time (memoised; None when the trial had no
    #: baseline): ``steady_state`` finds volatile values by comparing the two fault-free runs.
    fault_free_again: Callable[[], Journal] | None = field(default=None, repr=False, compare=False)

    @property
    def verdict(self) -> Verdict:
        if self.skip_reason is not None:
            return "skipped"
        if self.harness_error is not None:
            return "error"
        if self.violations:
            return "fail"
        if self.inconclusive is not None:
            return "inconclusive"
        return "pass"

    @property
    def ok(self) -> bool:
        """The verdict is ``pass`` (``skipped`` is not a failure either)."""
        return self.verdict in ("pass", "skipped")

    @property
    def output(self) -> Any:
        """The chaos run's final state (None when the run raised)."""
        return self.journal.final_state

    def attempts(self, node: str) -> list[AttemptRecord]:
        """The chaos run's attempts of ``node``, in order."""
        return self.journal.by_node(node)

    def violated(self, invariant: str) -> list[Violation]:
        from chaos.checks import current_name

        invariant = current_name(invariant, stacklevel=2)  # an old name still finds its successor's
        return [v for v in self.violations if v.invariant == invariant]

    def describe_failure(self) -> str:
        verdict = self.verdict
        word = {"fail": "failed", "inconclusive": "was inconclusive", "error": "crashed"}.get(verdict, verdict)
        lines = [f"chaos trial {self.id} {word} (seed={self.seed}, clock={self.clock}):"]
        for v in self.violations:
            lines.append(f"  [{v.invariant}] {v.message}")
        if self.harness_error:
            lines.append(f"  [error] {self.harness_error}")
        if self.inconclusive and verdict != "pass":
            lines.append(f"  [inconclusive] {self.inconclusive}")
        if self.repro:
            lines.append(f"reproduce with: {self.repro}")
        return "\n".join(lines)

    def raise_for_verdict(self) -> None:
        """Raise `ChaosViolation` (fail), `TrialInconclusive` or `TrialError`; else return."""
        __tracebackhide__ = True
        verdict = self.verdict
        if verdict == "fail":
            raise ChaosViolation(self)
        if verdict == "inconclusive":
            raise TrialInconclusive(self)
        if verdict == "error":
            raise TrialError(self)

    def to_json(self) -> dict[str, Any]:
        journal = self.journal.to_json()
        out = {
            "id": self.id,
            "target": self.target,
            "seed": self.seed,
            "clock": self.clock,
            "faults": [i.to_json() for i in self.injections],
            "fired": [i.label for i in self.injections if i not in self.never_fired],
            "verdict": self.verdict,
            "checked": list(self.checked),
            "violations": [v.to_json() for v in self.violations],
            "journal": journal["attempts"],
            "events": journal["events"],
            "http": journal["http"],
            "outcome": self.journal.outcome,
            "error": self.journal.error,
            "final_state": journal["final_state"],
            "baseline": self.baseline.to_json() if self.baseline is not None else None,
            "repro": self.repro,
        }
        if self.inconclusive is not None:
            out["inconclusive"] = self.inconclusive
        if self.harness_error is not None:
            out["harness_error"] = self.harness_error
        if self.skip_reason is not None:
            out["skip_reason"] = self.skip_reason
        return out


class ChaosViolation(AssertionError):
    """Raised when a trial's verdict is ``fail``; carries the `TrialResult`."""

    def __init__(self, result: TrialResult) -> None:
        super().__init__(result.describe_failure())
        self.result = result


class TrialInconclusive(ChaosError):
    """Raised when a trial could not judge (verdict ``inconclusive``): never a silent pass.

    The message gives the fault-free baseline's exception, node and attempt and the likely fix.
    """

    def __init__(self, result: TrialResult) -> None:
        super().__init__(result.describe_failure())
        self.result = result


class TrialError(ChaosError):
    """Raised when the harness or a worker crashed during a trial (verdict ``error``)."""

    def __init__(self, result: TrialResult) -> None:
        super().__init__(result.describe_failure())
        self.result = result
