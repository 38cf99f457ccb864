"""Shutdown faults: a SIGTERM or a hard kill aimed at a node, in the `chaos.faults` vocabulary.

``sigterm()`` aimed at node X means "when X starts its attempt, deliver a real SIGTERM to the
process running the graph". ``kill()`` aimed at X means "while X runs (in a child process),
send SIGTERM, then SIGKILL after a grace period".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from chaos.errors import ChaosUsageError
from chaos.faults import Fault

KillAt = Literal["start", "end"]


@dataclass(frozen=True)
class Sigterm(Fault):
    """A real SIGTERM delivered to the process when the node starts its attempt.

    ``after_step=k``: aimed at a superstep boundary instead: delivered as the first task of
    superstep k starts, so the run drains right after superstep k (the engine's
    ``Sigterm(step=k)``).
    """

    kind: ClassVar[str] = "sigterm"
    after_step: int | None = None

    def describe(self) -> str:
        return "SIGTERM" if self.after_step is None else f"SIGTERM after superstep {self.after_step}"


@dataclass(frozen=True)
class Kill(Fault):
    """SIGTERM, then SIGKILL after ``grace`` real seconds, to the child process running the node.

    ``at="end"`` (default): the node's body has done its work (its side effects happened) and
    LangGraph has not yet seen its result, the worst case for at-least-once. ``at="start"``:
    the body has not started.
    """

    kind: ClassVar[str] = "kill"
    grace: float = 0.05
    at: KillAt = "end"

    def __post_init__(self) -> None:
        if self.grace < 0:
            raise ChaosUsageError(f"kill(grace={self.grace}): the grace period must be >= 0 seconds")
        if self.at not in ("start", "end"):
            raise ChaosUsageError(f"kill(at={self.at!r}): use at='start' or at='end'")

    def describe(self) -> str:
        return f"kill (SIGTERM, SIGKILL after {self.grace:g}s) at {self.at} of the attempt"


def sigterm() -> Sigterm:
    """Deliver a real SIGTERM to the process when the node starts its attempt."""
    return Sigterm()


def kill(grace: float = 0.05, *, at: KillAt = "end") -> Kill:
    """Kill the child process running the node: SIGTERM, then SIGKILL after ``grace`` seconds."""
    return Kill(grace, at)
