"""``faults_fired``: every declared fault fired at least once (strictness, as respx's routes)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from chaos.checks import Violation, register_checker

if TYPE_CHECKING:
    from chaos.trial import TrialResult


def check_faults_fired(result: TrialResult) -> Iterable[Violation]:
    """Strictness: every declared fault fired at least once.

    A fault with probability 1 must fire in its trial. A fault with a probability below 1 may
    rightly miss one trial; it must fire at least once across the trials of its test or
    scenario, which `chaos.strictness.never_fired_across` checks over the whole report.
    """
    journal = result.journal
    for inj in result.never_fired:
        if inj.probability < 1.0:
            continue
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


register_checker("faults_fired", check_faults_fired)
