"""A trial as a value: `TrialSpec`, everything the executor and the judge need."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from chaos.engine.drive import DEFAULT, Drive
from chaos.engine.executor import ClockName, ResumeFn, RunHook, Serve
from chaos.engine.steps import Invoke, Kill, Sigterm, Step, validate_steps
from chaos.errors import ChaosUsageError
from chaos.faults import Injection
from chaos.inject import InstrumentedGraph

if TYPE_CHECKING:
    from langgraph.graph import StateGraph
    from langgraph.pregel import Pregel

#: What users hand the harness: a builder or a compiled graph.
UserGraph: TypeAlias = "StateGraph[Any, Any, Any, Any] | Pregel[Any, Any, Any, Any]"

#: ``"memo"``: reuse the fault-free baseline of an identical spec (default); ``"fresh"``: run
#: it again (the graph's outside state changes between runs); ``"off"``: no baseline.
BaselinePolicy = Literal["memo", "fresh", "off"]


@dataclass(frozen=True)
class Checks:
    """Which invariants judge the trial: ``disable`` turns names off, ``enable`` opt-in ones on."""

    disable: tuple[str, ...] = ()
    enable: tuple[str, ...] = ()
    #: State fields ``steady_state`` ignores.
    nondeterministic: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class TrialSpec:
    """One trial: the graph, the thread's steps, the faults, the seed, the clock, the drive, the checks.

    ``graph`` is the instrumented copy (`chaos.instrument`); ``source`` the user's object it
    was made from (the baseline memo is keyed by it). ``test_id`` is hashed into every fault
    decision; ``run_number`` tells apart the thread ids of several trials of one test.
    """

    graph: InstrumentedGraph
    input: Any
    steps: tuple[Step, ...] = (Invoke(),)
    injections: tuple[Injection, ...] = ()
    seed: int = 0
    test_id: str = "chaos"
    clock: ClockName = "simulated"
    drive: Drive = DEFAULT
    config: dict[str, Any] | None = None
    context: Any = None
    checks: Checks = field(default_factory=Checks)
    baseline: BaselinePolicy = "memo"
    around: tuple[RunHook, ...] = ()
    source: Any = None
    target: str = ""
    trial_id: str | None = None
    repro: str | None = None
    run_number: int = 0
    #: Thread-id roles of the baseline and the chaos run (distinct per front end).
    roles: tuple[str, str] = ("baseline", "chaos")
    #: Service mode of SIGTERM steps: the user's own serve/resume code runs the graph.
    serve: Serve | None = None
    resume: ResumeFn | None = None
    #: Kill trials: ``MODULE:ATTR`` a child process imports, the checkpointer it opens
    #: (``sqlite``, ``postgres:URL``, ``MODULE:ATTR``), durability and options.
    kill_options: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", validate_steps(self.steps))
        if self.baseline not in ("memo", "fresh", "off"):
            raise ChaosUsageError(f"baseline={self.baseline!r}: use 'memo' (default), 'fresh' or 'off'")
        if self.clock not in ("simulated", "real"):
            raise ChaosUsageError(f"clock={self.clock!r}: use 'simulated' or 'real'")
        # Before any run: an unknown name would otherwise surface only once the trial ran.
        from chaos.checks import check_names

        check_names(self.checks.disable, self.checks.enable)
        if self.kill is not None:
            from chaos.engine.child import split_kill_steps

            split_kill_steps(self.steps)  # a history that cannot run with a kill fails here, before any run

    @property
    def kill(self) -> Kill | None:
        return next((s for s in self.steps if isinstance(s, Kill)), None)

    @property
    def sigterms(self) -> list[Sigterm]:
        return [s for s in self.steps if isinstance(s, Sigterm)]

    def signal_injections(self) -> list[Injection]:
        """The Sigterm/Kill steps as injections (reported as faults, checked by faults_fired)."""
        from chaos.engine.executor import sigterm_injection
        from chaos.shutdown.faults import Kill as KillFault

        out = []
        for s in self.steps:
            if isinstance(s, Sigterm) and not s.before_first_superstep:
                out.append(sigterm_injection(s))
            elif isinstance(s, Kill):
                out.append(Injection.of(KillFault(s.grace, s.at), s.node, 1, times=1))
        return out


def as_injections(values: Sequence[Injection]) -> tuple[Injection, ...]:
    out = tuple(values)
    for i, inj in enumerate(out):
        if not isinstance(inj, Injection):
            raise ChaosUsageError(f"injections[{i}]={inj!r} is not an Injection; build one with Injection.of(fault, node)")
    return out
