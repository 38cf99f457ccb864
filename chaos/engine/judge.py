"""The one judge: runs the checkers over the whole history and settles the verdict."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chaos.journal import Journal

if TYPE_CHECKING:
    from chaos.engine.result import TrialResult
    from chaos.engine.spec import Checks


def judge(result: TrialResult, checks: Checks, *, extra_disable: tuple[str, ...] = ()) -> TrialResult:
    """Check ``result`` (its violations, checked invariants and inconclusive reason); return it."""
    from chaos.checks import checker_names, run_checkers

    off = [*checks.disable, *extra_disable]
    if result.drive.startswith(("abatch", "batch")):
        # The copies of a batch run on N threads and their attempts interleave in one journal,
        # which does not say which thread an attempt wrote to: the checkers that match attempts
        # with one thread's checkpoints cannot judge a batch.
        off += [n for n in ONE_THREAD_CHECKERS if n in checker_names() and n not in off]
    result.violations = run_checkers(result, off, checks.enable)
    problem = baseline_problem(result.baseline)
    if problem is not None:
        # The graph fails without any fault, so a fault that "never fired" met a graph that died
        # before reaching it: that says nothing about the fault plan, and would stand in front
        # of the graph's own error. What the other checkers found is still true of the graph
        # (a hang with no timeout, writes its own failure left behind) and still fails it.
        result.violations = [v for v in result.violations if v.invariant != "faults_fired"]
        result.checked = [name for name in result.checked if name != "faults_fired"]
    result.inconclusive = (problem or nondeterminism(result.journal, result.baseline)
                           or unprovoked_failure(result))
    return result


def unprovoked_failure(result: TrialResult) -> str | None:
    """Why a trial without a baseline cannot pass: its history failed and no fault fired.

    With ``baseline=False`` nothing shows whether the graph runs at all; an error with no fault
    behind it can only be the graph's own, and a run that died of it is not a pass. (The
    checkers still judge: a violation found is still a failure.)
    """
    if result.baseline is not None or result.journal.outcome != "error":
        return None
    if any(inj not in result.never_fired for inj in result.injections) or any(result.journal.faulted()):
        return None
    error, message, where, fix = how_it_failed(result.journal)
    return (
        f"the run failed and no fault fired: {error}: {message}{where}. The graph fails by itself "
        f"(baseline=False ran no fault-free run to show it). {fix}"
    )


def nondeterminism(*journals: Journal | None) -> str | None:
    """``nondeterministic: <source>`` when a run met a source the clock could not control.

    The verdict of such a trial could flip between reruns of one seed; the source (see
    `chaos.simtime.serial`) is the same on every rerun, so the trial says so every time.
    """
    for journal in journals:
        for event in journal.events if journal is not None else ():
            if event.kind == "nondeterministic":
                return f"nondeterministic: {event.detail}"
    return None


#: Checkers that match journal attempts with the checkpoints of the trial's one thread.
#: ``cancellation`` too: a copy whose node raised CancelledError stops, the other copies' later
#: nodes still run, which on one thread would be "the run carried on".
ONE_THREAD_CHECKERS = ("no_partial_writes", "delta_reconstruction", "error_handler", "cancellation")


def baseline_problem(baseline: Journal | None) -> str | None:
    """Why a trial with this fault-free baseline cannot be judged (None when it can).

    A baseline that failed or did not finish leaves nothing to compare with: every trial of it
    is ``inconclusive``, never ``pass``. The message names the exception, the node and the
    attempt, and the likely fix.
    """
    if baseline is None or baseline.outcome == "ok":
        return None
    error, message, where, fix = how_it_failed(baseline)
    return (
        f"the fault-free baseline ended {baseline.outcome}: {error}: {message}{where}. Without a "
        f"baseline that finishes there is nothing to compare the chaos run with. {fix}"
    )


def how_it_failed(journal: Journal) -> tuple[str, str, str, str]:
    """(error, message, where, likely fix) of a run that did not finish, for the messages above."""
    failed = next((a for a in reversed(journal.attempts) if a.outcome in ("error", "timeout", "aborted")), None)
    where = (f" in node {failed.node!r} ({failed.task}, attempt {failed.attempt})" if failed is not None
             else " outside any node (before or between supersteps)")
    error = journal.error or (failed.error if failed else None) or journal.outcome
    message = journal.error_message or (failed.error_message if failed else "") or ""
    return error, message, where, likely_fix(error, message, failed is not None, saver_origin(journal))


def saver_origin(journal: Journal) -> str | None:
    """The ``saver_error`` event's detail: the checkpointer method a run's error came from."""
    return next((e.detail for e in journal.events if e.kind == "saver_error"), None)


def likely_fix(error: str, message: str, in_node: bool, saver: str | None = None) -> str:
    """A fix for the usual reasons a graph cannot run fault-free (``saver``: `saver_origin`)."""
    if saver is not None:
        return (f"Likely fix: the checkpointer failed ({saver}): a saver must store every "
                "checkpoint and write it is given; run the graph with InMemorySaver() to confirm, "
                "then fix or replace the saver.")
    text = f"{error} {message}".lower()
    if "nodetimeouterror" in text or "exceeded its run timeout" in text or "exceeded its idle timeout" in text:
        return ("Likely fix: a node ran past its TimeoutPolicy with no fault injected: it hangs or is slower "
                "than its timeout allows; fix the node, or give it a longer run_timeout/idle_timeout.")
    if any(w in text for w in ("unmatched", "not mocked", "connecterror", "connection refused", "network",
                               "nodename nor servname", "name or service not known", "connecterror")):
        return ("Likely fix: a refused network call: give the request a happy-path route "
                "(chaos.http.get(url).respond(200, json=...)) or build the client against a fake.")
    if not in_node or any(w in text for w in ("invalidupdate", "emptyinput", "expected dict", "input")):
        if any(w in text for w in ("branch", "path", "goto", "destination", "not a node", "unknown node")):
            return ("Likely fix: a missing route: a conditional edge or Command(goto=...) returned a "
                    "destination the graph does not have; list it in add_conditional_edges(..., path_map).")
        return ("Likely fix: an input the graph rejects: pass an input whose keys match the state "
                "schema (--chaos-input / the input= argument), and check it with graph.invoke(input) first.")
    if any(w in text for w in ("branch", "path", "goto", "destination", "keyerror")):
        return ("Likely fix: a missing route or key: a conditional edge returned a destination the graph "
                "does not have, or a node read a key the input does not set; run graph.invoke(input) "
                "without chaos and fix the error first.")
    return "Likely fix: run graph.invoke(input, config) without chaos and fix that error first."
