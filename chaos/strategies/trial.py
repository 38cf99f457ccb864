"""One chaos trial per hypothesis example: `run_plan`, the shared instrumented copy, replay text."""

from __future__ import annotations

import itertools
import os
import weakref
from collections.abc import Iterable, Sequence
from typing import Any

from chaos.engine.drive import Drive, parse_drive
from chaos.engine.spec import UserGraph
from chaos.faults import Injection
from chaos.inject import InstrumentedGraph, graph_label, instrument
from chaos.strategies.plan import FaultPlan
from chaos.strategies._hyp import current_build_context, currently_in_test_context, event, note
from chaos.trial import ChaosViolation, RunHook, TrialResult


# Instrumented copies, one per graph object, shared by fault_plans, run_plan and the machine.
_INSTRUMENTED: weakref.WeakKeyDictionary[Any, InstrumentedGraph] = weakref.WeakKeyDictionary()
_BY_ID: dict[int, tuple[Any, InstrumentedGraph]] = {}


def _memory_saver() -> Any:
    """LangGraph's `InMemorySaver`: a property test runs hundreds of examples, and on SQLite
    (even an in-memory database) the saver's SQL was 30% of an example on a 4-node graph
    (issue #18). A compiled graph keeps its own checkpointer: pass one to test on SQLite."""
    from langgraph.checkpoint.memory import InMemorySaver

    return InMemorySaver()


def instrumented(graph: UserGraph | InstrumentedGraph) -> InstrumentedGraph:
    """The instrumented copy of ``graph``, built once per graph object and then reused.

    A builder is compiled with LangGraph's `InMemorySaver` (and an in-memory cache when a node
    declares a `CachePolicy`); a compiled graph keeps its own.
    Instrumenting costs milliseconds; reusing it is what makes 100 examples take well under a
    second.
    """
    if isinstance(graph, InstrumentedGraph):
        return graph
    try:
        inst = _INSTRUMENTED.get(graph)
    except TypeError:  # not weak-referenceable: keep it alive by id
        inst = _BY_ID.get(id(graph), (None, None))[1]
    if inst is None:
        from chaos.savers import default_cache

        inst = instrument(graph, checkpointer_factory=_memory_saver, cache_factory=default_cache)
        try:
            _INSTRUMENTED[graph] = inst
        except TypeError:
            _BY_ID[id(graph)] = (graph, inst)
    return inst


class PlanViolation(ChaosViolation):
    """A `ChaosViolation` whose message ends with the plan as ``chaos.inject`` lines and seeds."""

    def __init__(self, result: TrialResult, plan: FaultPlan, replay: str) -> None:
        super().__init__(result)
        self.plan = plan
        AssertionError.__init__(self, f"{result.describe_failure()}\n{replay}")


_RUNS = itertools.count()


def _hypothesis_seed() -> str | None:
    """``@seed(N)`` of the running hypothesis test, when it has one (not derandomized)."""
    if not currently_in_test_context():
        return None
    test = getattr(current_build_context(), "wrapped_test", None)
    for attr in ("_hypothesis_internal_use_seed", "_hypothesis_internal_use_generated_seed"):
        value = getattr(test, attr, None)
        if value is not None:
            return str(value)
    from hypothesis import core

    forced = getattr(core, "global_force_seed", None)
    return None if forced is None else str(forced)


def replay_text(plan: FaultPlan, seed: int) -> str:
    """The block shown when a plan fails: the ``chaos.inject`` lines and how to replay them."""
    hyp = _hypothesis_seed()
    lines = [
        "Fault plan (paste into a test that uses the chaos fixture):",
        plan.snippet(indent="    "),
        f"Chaos seed: {seed} (run_plan(..., seed={seed}); in a chaos test: pytest --chaos-seed={seed})",
    ]
    if hyp is not None:
        lines.append(f"Hypothesis: add @seed({hyp}) to the test, or run pytest with --hypothesis-seed={hyp}")
    elif currently_in_test_context():
        lines.append("Hypothesis: this example replays from the example database, or with derandomize=True")
    return "\n".join(lines)


def run_plan(
    graph: UserGraph | InstrumentedGraph,
    input: Any,
    plan: Iterable[Injection],
    *,
    seed: int = 0,
    config: dict[str, Any] | None = None,
    context: Any = None,
    baseline: bool | str = True,
    disable: Sequence[str] = ("faults_fired",),
    enable: Sequence[str] = (),
    nondeterministic: Sequence[str] = (),
    around: Sequence[RunHook] = (),
    test_id: str | None = None,
    drive: str | Drive | None = None,
    raise_on_violation: bool = True,
) -> TrialResult:
    """Run one chaos trial of ``plan`` on ``graph`` (simulated time) and check the invariants.

    Meant for the body of a ``@given`` test. The graph is instrumented once per graph object
    (`instrumented`) and each run gets a fresh thread. The fault-free baseline is run once per
    (graph, input, config, context, seed) and reused, so an example costs one run.

    ``faults_fired`` is off by default: generated plans aim at attempts that may never happen.
    ``seed`` drives jitter and probabilistic faults; ``test_id`` (default: the running pytest
    test) is hashed into fault decisions. ``around`` are run hooks (an ``HttpChaos`` for
    transport faults: one is created when the plan has any and none is given). ``drive`` is how
    the graph is called (`chaos.engine.drive`: ``"ainvoke"``, ``"stream:messages"``, ...).

    On a violated invariant, raises `PlanViolation` (an AssertionError) whose message ends with
    the plan as ``chaos.inject(...)`` lines and the seeds that replay it; inside a hypothesis
    test the same block is recorded with `note`, so the shrunk example prints it.
    """
    from chaos.engine.run import run_trial as engine_run
    from chaos.engine.spec import Checks, TrialSpec
    from chaos.trial import baseline_policy

    inst = instrumented(graph)
    plan = plan if isinstance(plan, FaultPlan) else FaultPlan(plan)
    tid = test_id or _pytest_test_id()
    hooks = list(around)
    if any(inj.fault.level == "http" for inj in plan) and not any(_is_http(h) for h in hooks):
        from chaos.http import HttpChaos

        hooks.append(HttpChaos())
    spec = TrialSpec(
        graph=inst, input=input, injections=tuple(plan), seed=seed, test_id=tid, config=config,
        context=context, checks=Checks(tuple(disable), tuple(enable), tuple(nondeterministic)),
        baseline=baseline_policy(baseline), around=tuple(hooks),
        source=graph if not isinstance(graph, InstrumentedGraph) else inst,
        target=graph_label(graph), roles=(f"plan-baseline{os.getpid()}", f"plan{os.getpid()}"),
        run_number=next(_RUNS), drive=parse_drive(drive, where="run_plan"),
    )
    result = engine_run(spec)
    in_hypothesis = currently_in_test_context()
    if in_hypothesis:
        event(f"chaos verdict: {result.verdict}")
    if not result.ok:
        text = replay_text(plan, seed)
        if in_hypothesis:
            note(text)
        if raise_on_violation:
            if result.verdict != "fail":
                result.raise_for_verdict()
            raise PlanViolation(result, plan, text)
    return result


def _is_http(hook: Any) -> bool:
    from chaos.http import HttpChaos

    return isinstance(hook, HttpChaos)


def _pytest_test_id() -> str:
    current = os.environ.get("PYTEST_CURRENT_TEST")
    return current.rsplit(" (", 1)[0] if current else "run_plan"
