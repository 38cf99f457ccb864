"""Hard kills, out of process: kill the child running a node, resume in a fresh process.

The target graph (``MODULE:ATTR``) runs in a child process (`chaos.shutdown.child`) on a
file-backed SQLite checkpointer, a PostgreSQL server, or a checkpointer factory of the user's.
When the kill node reaches the kill point and its superstep siblings are done and saved, the
parent sends SIGTERM, then SIGKILL after the fault's grace period (a service that drains on
SIGTERM but cannot finish the superstep in time is killed, as an orchestrator would). A fresh
child resumes the thread. The baseline runs in process on the simulated clock.

Children run in real time (their nodes should take tens of milliseconds); the parent's trial
clock, if any, is held while it waits on them. Times in the journal of a kill trial are real
seconds from the start of each child's run (``clock="real"``).
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from langgraph.checkpoint.memory import InMemorySaver

from chaos.checks import run_checkers
from chaos.context import RunContext
from chaos.errors import ChaosError, ChaosUsageError
from chaos.faults import Injection
from chaos.inject import instrument
from chaos.journal import AttemptRecord, EventRecord, Journal
from chaos.savers import default_cache, held
from chaos.shutdown.drain import shutdown_disabled
from chaos.shutdown.faults import Kill
from chaos.shutdown.proxy import RunCall
from chaos.shutdown.result import ShutdownResult, merge_journals
from chaos.shutdown.savers import postgres_url
from chaos.targets import load_target
from chaos.trial import ChaosViolation, run_once, thread_id_for

OnSigterm = Literal["drain", "default", "ignore"]


class ChildFailed(ChaosError):
    """A child process of a kill trial failed in a way that is not a finding (a harness error)."""


def run_kill_trial(
    target: str,
    input: Any,
    *,
    node: str,
    fault: Kill | None = None,
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
) -> ShutdownResult:
    """Kill the process running ``node`` of ``target``, resume in a new one, and check it.

    Args:
        target: ``MODULE:ATTR`` of a builder or compiled graph, importable by a child process
            (the parent's ``sys.path`` is passed on).
        node: the top-level node (a plain function) whose first attempt the kill lands in.
        fault: `chaos.shutdown.kill()` (grace period, ``at="end"`` or ``"start"``).
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
    """
    fault = fault or Kill()
    injection = Injection.of(fault, node, 1, times=1)
    graph = load_target(target)
    inst = instrument(graph, checkpointer_factory=InMemorySaver, cache_factory=default_cache)
    try:
        inst.check_injections([injection])
        if node not in inst.nodes or "/" in node:
            raise ChaosUsageError(f"kill trials aim at one top-level node by name; {node!r} is not one")
        baseline = run_once(inst, input, RunContext(seed, test_id, ()), clock="simulated",
                            invoke="async", config=None, context=None,
                            thread_id=thread_id_for(test_id, "baseline", 0), seed=seed)
    finally:
        inst.close()
    _jsonify(baseline)

    workdir = Path(tempfile.mkdtemp(prefix="langgraph-chaos-kill-"))
    saver_spec = f"postgres:{postgres_url()}" if saver == "postgres" else saver
    common = {"target": target, "saver": saver_spec, "dir": str(workdir), "test_id": test_id,
              "thread_id": thread_id_for(test_id, "kill", 0), "input": input,
              "durability": durability, "on_sigterm": on_sigterm}
    first, kill_event, exit_detail = _killed_run(
        {**common, "phase": "run", "kill": {"node": node, "at": fault.at},
         "journal": str(workdir / "run.json")}, fault, timeout, workdir)
    second = _child_json(_spawn({**common, "phase": "resume", "resume": resume,
                                 "journal": str(workdir / "resume.json")}, workdir, "resume"),
                         workdir / "resume.json", timeout, "resume")
    run_journal = _journal(first)
    resume_journal = _journal(second)
    killed = next((a for a in run_journal.attempts if a.node == node and a.outcome == "unknown"), None)
    if killed is not None:
        killed.error, killed.error_message = exit_detail, f"the process died mid-attempt ({kill_event})"
        killed.fault, killed.fault_kind = fault.describe(), fault.kind
    offset = run_journal.duration
    run_journal.events.append(EventRecord("kill", offset, node, kill_event))
    resume_journal.events.insert(0, EventRecord("resume", offset, None,
                                                f"fresh process; checkpoint before resume: {second.get('checkpoint')}"))
    for rec in resume_journal.attempts:
        rec.start += offset
        rec.end = None if rec.end is None else rec.end + offset
    for ev in resume_journal.events[1:]:
        ev.time += offset
    resume_journal.duration += offset
    journal = merge_journals(run_journal, resume_journal)
    calls = [RunCall(**c) for c in second.get("calls", [])]
    result = ShutdownResult(
        id=test_id, target=target, seed=seed, injections=[injection], journal=journal,
        baseline=baseline, never_fired=[] if killed else [injection],
        nondeterministic=nondeterministic, clock="real", repro=repro,
        kind="kill", mode="child process", node=node, step=killed.step if killed else None,
        task=killed.task if killed else None, split=len(run_journal.attempts),
        interrupted_outcome="killed", interrupted_error=exit_detail, signal_handled=None,
        checkpoint=second.get("checkpoint"), calls=calls, resume_outcome=second["outcome"],
        idempotent=tuple(idempotent), kill_at=fault.at, durability=durability,
    )
    result.violations = run_checkers(result, shutdown_disabled(disable))
    if raise_on_violation and not result.ok:
        raise ChaosViolation(result)
    return result


def _spawn(spec: dict[str, Any], workdir: Path, name: str, ready_fd: int | None = None) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p and Path(p).exists())
    if ready_fd is not None:
        spec = {**spec, "ready_fd": ready_fd}
    # The child gets its own copies of the log files; the parent's are closed at once.
    with open(workdir / f"{name}.out", "wb") as out, open(workdir / f"{name}.err", "wb") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "chaos.shutdown.child", json.dumps(spec)],
            env=env, stdin=subprocess.DEVNULL, pass_fds=(ready_fd,) if ready_fd is not None else (),
            stdout=out, stderr=err,
        )


def _killed_run(spec: dict[str, Any], fault: Kill, timeout: float, workdir: Path) -> tuple[dict[str, Any], str, str]:
    """Start the run, wait for the kill point, SIGTERM, SIGKILL after the grace period."""
    r, w = os.pipe()
    try:
        proc = _spawn(spec, workdir, "run", ready_fd=w)
        os.close(w)
        w = -1
        with held():
            ready, _, _ = select.select([r], [], [], timeout)
            line = os.read(r, 256) if ready else b""
            if not line:
                _reap(proc)
                data = _read(workdir / "run.json")
                if data is not None and proc.returncode == 0:
                    # The run ended without reaching the kill point: the fault never fired.
                    return data, "no kill: the run never reached the kill point", "none"
                raise ChildFailed(_failure("run", proc, workdir, "never reached the kill point"))
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(fault.grace)
                how = f"SIGTERM; the process exited (status {proc.returncode}) within the {fault.grace:g}s grace period"
                detail = "SIGTERM"
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout)
                how = f"SIGTERM, then SIGKILL after the {fault.grace:g}s grace period"
                detail = "SIGKILL"
    finally:
        os.close(r)
        if w != -1:
            os.close(w)
    data = _read(workdir / "run.json")
    if data is None:
        raise ChildFailed(_failure("run", proc, workdir, "wrote no journal before the kill"))
    return data, how, detail


def _child_json(proc: subprocess.Popen[bytes], path: Path, timeout: float, name: str) -> dict[str, Any]:
    with held():
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            _reap(proc)
            raise ChildFailed(_failure(name, proc, path.parent, f"did not finish within {timeout:g}s")) from None
    data = _read(path)
    if data is None:
        raise ChildFailed(_failure(name, proc, path.parent, "wrote no journal"))
    return data


def _reap(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def _read(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _failure(name: str, proc: subprocess.Popen[bytes], workdir: Path, what: str) -> str:
    err = (workdir / f"{name}.err").read_text(errors="replace")[-3000:]
    return f"the {name} child process {what} (exit status {proc.returncode}); its stderr:\n{err}"


def _journal(data: dict[str, Any]) -> Journal:
    j = Journal()
    j.attempts = [AttemptRecord(**a) for a in data.get("attempts", [])]
    j.events = [EventRecord(**e) for e in data.get("events", [])]
    j.outcome = data.get("outcome", "unknown")
    j.error, j.error_message = data.get("error"), data.get("error_message")
    j.final_state = data.get("final_state")
    j.duration = max([a.end or a.start for a in j.attempts] + [e.time for e in j.events] + [0.0])
    return j


def _jsonify(journal: Journal) -> None:
    """Compare like with like: the children report their final state as JSON."""
    from chaos.journal import _jsonable

    journal.final_state = json.loads(json.dumps(_jsonable(journal.final_state)))
