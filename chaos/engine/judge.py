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
    result.inconclusive = baseline_problem(result.baseline) or nondeterminism(result.journal, result.baseline)
    return result


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
    failed = next((a for a in reversed(baseline.attempts) if a.outcome in ("error", "timeout", "aborted")), None)
    where = (f" in node {failed.node!r} ({failed.task}, attempt {failed.attempt})" if failed is not None
             else " outside any node (before or between supersteps)")
    error = baseline.error or (failed.error if failed else None) or baseline.outcome
    message = baseline.error_message or (failed.error_message if failed else "") or ""
    return (
        f"the fault-free baseline ended {baseline.outcome}: {error}: {message}{where}. Without a "
        f"baseline that finishes there is nothing to compare the chaos run with. {likely_fix(error, message, failed is not None)}"
    )


def likely_fix(error: str, message: str, in_node: bool) -> str:
    """A fix for the usual reasons a graph cannot run fault-free."""
    text = f"{error} {message}".lower()
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
