"""Hard kills, out of process: kill the child running a node, resume in a fresh process.

A thin layer over `chaos.engine`: the trial is the steps ``[Kill(node), Invoke(), Resume()]``
by default, or any history with one Kill step (``steps=``: runs, resumes, waits and
``update_state`` before it on the trial's thread, resumes and ``again()`` after it);
`chaos.engine.child` runs the steps before the kill in one child, the killed run in another
and the steps after it in a new one, each forked from a pre-imported forkserver.

The target graph (``MODULE:ATTR``) runs in a child process on a
file-backed SQLite checkpointer, a PostgreSQL server, or a checkpointer factory of the user's.
When the kill node reaches the kill point and its superstep siblings are done and saved, the
parent sends SIGTERM, then SIGKILL after the fault's grace period (a service that drains on
SIGTERM but cannot finish the superstep in time is killed, as an orchestrator would). A fresh
child resumes the thread. The baseline runs in process on the simulated clock.

The killed run is in real time (its nodes should take tens of milliseconds); the steps before
and after it run on simulated time. The parent's trial clock, if any, is held while it waits on
the children. Times in the journal of a kill trial are seconds from the start of the history,
each child's shifted to start where the previous one ended (``clock="real"``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal

from langgraph.checkpoint.memory import InMemorySaver

from chaos.engine.child import ChildFailed
from chaos.engine.judge import judge
from chaos.engine.run import Execution, assemble, execute_spec
from chaos.engine.spec import Checks, TrialSpec
from chaos.engine.drive import Drive
from chaos.engine.executor import RunHook
from chaos.engine.steps import Invoke, Resume, Step
from chaos.engine.steps import Kill as KillStep
from chaos.errors import ChaosUsageError
from chaos.faults import Injection
from chaos.inject import instrument
from chaos.journal import Journal, _jsonable
from chaos.savers import default_cache
from chaos.shutdown.drain import shutdown_disabled
from chaos.shutdown.faults import Kill
from chaos.shutdown.proxy import RunCall
from chaos.shutdown.result import ShutdownResult
from chaos.shutdown.savers import postgres_url
from chaos.targets import load_target

__all__ = ["ChildFailed", "kill_result", "run_kill_trial"]

OnSigterm = Literal["drain", "default", "ignore"]


def run_kill_trial(
    target: str,
    input: Any,
    *,
    node: str | None = None,
    fault: Kill | None = None,
    steps: Sequence[Step] | None = None,
    drive: str | Drive | None = None,
    saver: str = "sqlite",
    durability: str | None = None,
    on_sigterm: OnSigterm = "drain",
    resume: str | None = None,
    idempotent: Iterable[str] = (),
    seed: int = 0,
    test_id: str = "kill",
    nondeterministic: Sequence[str] = (),
    disable: Sequence[str] = (),
    repro: str | None = None,
    raise_on_violation: bool = True,
    timeout: float = 60.0,
    around: Sequence[RunHook] = (),
    prepare: Callable[[Any], tuple[Sequence[RunHook], dict[str, Any] | None, Any]] | None = None,
) -> ShutdownResult:
    """Kill the process running ``node`` of ``target``, resume in a new one, and check it.

    Args:
        target: ``MODULE:ATTR`` of a builder or compiled graph, importable by a child process
            (the parent's ``sys.path`` is passed on).
        node: the top-level node (a plain function) whose first attempt the kill lands in.
        fault: `chaos.shutdown.kill()` (grace period, ``at="end"`` or ``"start"``).
        steps: the thread's history instead of ``[Kill(node), Invoke(), Resume()]``: one
            `chaos.engine.Kill` step (it names the node, grace and ``at``) before the run step
            it kills; `Invoke`/`Resume`/`Wait`/`UpdateState` on the trial's thread before it,
            `Resume`/`again()`/`Wait`/`UpdateState` after it (in a new process).
        drive: how every run step calls the graph (`chaos.engine.drive`; default ``astream``).
        saver: ``"sqlite"`` (a file in a fresh directory), ``"postgres"``
            (``$CHAOS_POSTGRES_URL``) or ``"MODULE:ATTR"``, a factory called with that
            directory that returns a checkpointer.
        durability: passed to the run (``"sync"``, ``"async"``, ``"exit"``).
        on_sigterm: what the child does with SIGTERM: ``"drain"`` (request a drain of the run's
            RunControl, as a well-behaved service does), ``"default"`` (die), ``"ignore"``.
        resume: ``MODULE:ATTR`` of an async ``resume(graph, config)`` to resume with instead of
            ``ainvoke(None, {"configurable": {"thread_id": ...}}, control=RunControl())``.
        idempotent: nodes whose rerun after a kill is harmless (no ``duplicate_effects``).
        timeout: real seconds a child may take before the trial fails as a harness error.
        around: run hooks of every run, in process and in the children (``chaos.http``: its
            routes answer the children's requests too; they are pickled to reach them).
        prepare: instead, a picklable ``(inst) -> (hooks, config, context)`` each child calls
            to build its hooks (routes with lambdas, model fakes).

    Every run of the trial, the fault-free baseline in process and each child process, is
    sealed from the network (`chaos.engine.seal`): requests are answered by the routes of
    ``around`` (or ``prepare``), and no socket opens but to the checkpointer, cache and store.
    """
    from chaos.engine.seal import child_hooks, sealed_hooks, services_of
    from chaos.trial import drive_of

    history = _kill_steps(node, fault, steps)
    kill_step = next(s for s in history if isinstance(s, KillStep))
    node = kill_step.node
    fault = Kill(kill_step.grace, kill_step.at)
    graph = load_target(target)
    inst = instrument(graph, checkpointer_factory=InMemorySaver, cache_factory=default_cache)
    try:
        if node not in inst.nodes or "/" in node:
            inst.check_injections([Injection.of(fault, node, 1, times=1)])
            raise ChaosUsageError(f"kill trials aim at one top-level node by name; {node!r} is not one")
        saver_spec = f"postgres:{postgres_url()}" if saver == "postgres" else saver
        hooks = list(around)
        spec = TrialSpec(
            graph=inst, input=input, steps=history, drive=drive_of(drive, None, where="run_kill_trial"),
            seed=seed, test_id=test_id, checks=Checks(tuple(disable), (), tuple(nondeterministic)),
            source=graph, target=target, repro=repro, roles=("baseline", "kill"),
            around=tuple(sealed_hooks(hooks, services_of(inst.graph))),
            kill_options={"target": target, "saver": saver_spec, "durability": durability,
                          "on_sigterm": on_sigterm, "resume": resume, "timeout": timeout,
                          "prepare": prepare, "hooks": child_hooks(hooks, prepare)},
        )
        ex = execute_spec(spec)
    finally:
        inst.close()
    result = kill_result(ex, node=node, fault=fault, durability=durability, idempotent=idempotent, disable=disable)
    if raise_on_violation:
        result.raise_for_verdict()
    return result


def kill_result(
    ex: Execution, *, node: str, fault: Kill, durability: str | None = None,
    idempotent: Iterable[str] = (), disable: Sequence[str] = (),
) -> ShutdownResult:
    """The judged `ShutdownResult` of an executed kill spec (also the zero-code suite's)."""
    if ex.baseline is not None:
        _jsonify(ex.baseline)  # the children report their final state as JSON: compare like with like
        ex.baseline.final_state = _revive_messages(ex.baseline.final_state)
    ex.journal.final_state = _revive_messages(ex.journal.final_state)
    extra = ex.extra
    killed = extra["killed"]
    # The resume is the first run step after the killed one; later steps (again(), ...) are not.
    steps = ex.journal.steps
    at = next((i for i, s in enumerate(steps) if s.outcome == "killed"), None)
    resume = next((s for s in steps[at + 1:] if s.kind in ("invoke", "resume") and s.outcome != "skipped"), None) \
        if at is not None else None
    result = assemble(
        ex, ShutdownResult, kind="kill", mode="child process", node=node,
        step=killed.step if killed else None, task=killed.task if killed else None, split=extra["split"],
        resume_end=resume.last if resume is not None and resume is not steps[-1] else None,
        interrupted_outcome="killed", interrupted_error=extra["exit_detail"], signal_handled=None,
        checkpoint=extra["checkpoint"], calls=[RunCall(**c) for c in extra["calls"]],
        resume_outcome=extra["resume_outcome"], idempotent=tuple(idempotent), kill_at=fault.at,
        durability=durability,
    )
    assert isinstance(result, ShutdownResult)
    judge(result, ex.spec.checks, extra_disable=tuple(shutdown_disabled(disable)))
    return result


_MESSAGE_TYPES = frozenset({"human", "ai", "tool", "system", "function", "chat"})


def _revive_messages(value: Any) -> Any:
    """Lists of JSON LangChain messages (a child's final state) as messages again, so
    ``steady_state`` compares them as messages (ids minted per run are a renaming)."""
    if isinstance(value, dict):
        return {k: _revive_messages(v) for k, v in value.items()}
    if isinstance(value, list) and value and all(
        isinstance(m, dict) and m.get("type") in _MESSAGE_TYPES and "content" in m for m in value
    ):
        from langchain_core.messages import convert_to_messages

        try:
            return convert_to_messages(value)
        except Exception:  # not messages after all: compare the JSON as it is
            return value
    return value


def _kill_steps(node: str | None, fault: Kill | None, steps: Sequence[Step] | None) -> tuple[Step, ...]:
    """The history of a kill trial: ``steps``, or the default kill-and-resume of ``node``."""
    if steps is None:
        if node is None:
            raise ChaosUsageError("run_kill_trial(): give node= (the node to kill) or steps= with a Kill step")
        fault = fault or Kill()
        return (KillStep(node, fault.at, fault.grace), Invoke(), Resume())
    kills = [s for s in steps if isinstance(s, KillStep)]
    if len(kills) != 1:
        raise ChaosUsageError(f"run_kill_trial(steps=...): a kill trial has exactly one Kill step (got {len(kills)}), "
                              "e.g. steps=[Invoke(), Kill('slow'), Resume(), Resume()]")
    if fault is not None:
        raise ChaosUsageError("run_kill_trial(): with steps=, give the grace period and at= on the Kill step, not fault=")
    if node is not None and node != kills[0].node:
        raise ChaosUsageError(f"run_kill_trial(node={node!r}) but the Kill step kills {kills[0].node!r}; give one of them")
    return tuple(steps)


def _jsonify(journal: Journal) -> None:
    """Compare like with like: the children report their final state as JSON."""
    journal.final_state = json.loads(json.dumps(_jsonable(journal.final_state)))
