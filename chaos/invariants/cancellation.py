"""``cancellation``: a cancellation is a failure, never a disappearance.

Three ways an ``asyncio.CancelledError`` goes wrong in a LangGraph node:

- **a node raises it itself** (a library it awaits cancelled something internally, or the node
  turned its own timeout into a cancellation; fault kind ``raises_cancelled``). The run must end
  with a node failure, an ``Exception`` (LangGraph's ``NodeCancelledError``), never with a bare
  ``CancelledError``: the caller reads that as "I was cancelled" (a server logs a client that
  went away, a task group swallows it, ``asyncio.gather`` cancels its siblings) and the failure
  disappears. No node downstream of it may run (unless its error handler routed there);
- **a node swallows the cancellation of its attempt** (its ``run_timeout`` fired, or a sibling
  failed and LangGraph cancelled the superstep) and returns anyway: it carries on with work
  nobody waits for and returns stale data. The wrapper sees the body return while a
  cancellation of its task is still requested (journal event ``swallowed_cancel``).

The journal tells the two origins apart: a cancellation by the framework (a watchdog, a failed
sibling) is ``outcome="cancelled"`` (or ``"timeout"``); a ``CancelledError`` the body raised
itself is ``outcome="error"``, ``error="CancelledError"``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from chaos.checks import Violation, register_checker
from chaos.invariants._common import violation, where
from chaos.journal import AttemptRecord

if TYPE_CHECKING:
    from chaos.trial import TrialResult

NAME = "cancellation"
#: Where LangGraph started converting a node's own CancelledError into NodeCancelledError.
FIXED_IN = "langgraph 1.2.4"


def node_raised_cancel(rec: AttemptRecord) -> bool:
    """True for an attempt whose body raised ``CancelledError`` itself (not cancelled from outside)."""
    return rec.outcome == "error" and rec.error == "CancelledError"


def check_cancellation(result: TrialResult) -> Iterable[Violation]:
    """A node's own CancelledError fails the run as an Exception; no node swallows its cancellation."""
    journal = result.journal
    raised = [a for a in journal.attempts if node_raised_cancel(a)]
    if raised and journal.outcome == "error" and journal.error == "CancelledError":
        first = raised[0]
        yield violation(
            NAME, result,
            f"{where(first, first.end)}: the node raised asyncio.CancelledError itself, and the run "
            "ended with a bare CancelledError: the caller cannot tell it from its own cancellation "
            "(a server logs a client that went away, a task group or gather() swallows it), so the "
            "failure disappears. Expected a node failure that is an Exception (LangGraph's "
            f"NodeCancelledError, raised since {FIXED_IN}). Upgrade langgraph, or catch "
            "CancelledError in the node and raise a real exception from it.",
            first, t=first.end,
        )
    for rec in raised:
        yield from _downstream(result, rec)
    yield from _swallowed(result)


def _downstream(result: TrialResult, rec: AttemptRecord) -> Iterable[Violation]:
    """No node runs in a later superstep of the invocation whose node raised CancelledError."""
    if rec.step is None:
        return
    if any(_handled(a, rec) for a in result.journal.attempts):
        return  # its error handler ran: the handler's routing decides what runs next
    later = [
        a for a in result.journal.attempts
        if a.invocation == rec.invocation and a.step is not None and a.step > rec.step
        and "/" not in a.node and a.outcome != "cached"
    ]
    if "/" in rec.node or not later:
        return
    names = sorted({a.node for a in later})
    yield violation(
        NAME, result,
        f"{where(rec, rec.end)}: the node raised asyncio.CancelledError (a failure), yet "
        f"{names} ran afterwards (from superstep {later[0].step}): the run carried on as if the "
        "node had succeeded. Expected the run to stop with the node's failure.",
        later[0],
    )


def _handled(handler: AttemptRecord, failed: AttemptRecord) -> bool:
    name = handler.node.rsplit("/", 1)[-1]
    if not name.startswith(("__error_handler__", "__default_error_handler__")):
        return False
    err = handler.node_error
    return handler.step == failed.step or (err is not None and getattr(err, "error", None) is failed.exc)


def _swallowed(result: TrialResult) -> Iterable[Violation]:
    journal = result.journal
    for event in journal.events:
        if event.kind != "swallowed_cancel" or event.node is None:
            continue
        task, _, attempt = (event.detail or "").partition(" attempt ")
        rec = next(
            (a for a in journal.attempts if a.task == task and str(a.attempt) == attempt), None
        )
        why = "its attempt was cancelled"
        if rec is not None and rec.outcome == "ok" and rec.end is not None:
            info = result.instrumented.nodes.get(rec.node) if result.instrumented else None
            run_timeout = getattr(getattr(info, "timeout", None), "run_timeout", None) if info else None
            if run_timeout is not None and rec.end - rec.start >= run_timeout - 1e-6:
                why = f"its run_timeout={run_timeout:g}s fired at t={rec.start + run_timeout:g}s"
        at = where(rec, rec.end) if rec is not None else f"node {event.node!r} at t={event.time:g}s"
        yield violation(
            NAME, result,
            f"{at}: {why} and LangGraph cancelled it, but the node caught the CancelledError "
            "(or the TimeoutError it caused) and returned anyway: it kept working after the run "
            "gave up on it and returned stale data. Re-raise it: `except asyncio.CancelledError: "
            "<clean up>; raise`.",
            rec, node=event.node, t=event.time,
        )


register_checker(NAME, check_cancellation)
