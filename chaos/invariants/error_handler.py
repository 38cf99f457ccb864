"""``error_handler``: a node whose retries are exhausted is handed to its handler, once.

For every task of a node that has an error handler and whose last attempt failed for good: the
handler runs exactly once (its own retries are attempts of one task), receives a ``NodeError``
naming the node and carrying the node's last exception, does not itself fail, and its routing
is followed: every ``Command(goto=...)`` target runs in the next superstep. (A handler returning
a plain dict ends the branch, semantics §3; it leaves the same writes as ``Command(goto=END)``,
so it cannot be reported without false alarms.)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from chaos.checks import Violation, register_checker
from chaos.invariants._common import node_info, node_tasks, thread_writes, violation, where
from chaos.journal import AttemptRecord

if TYPE_CHECKING:
    from chaos.trial import TrialResult

NAME = "error_handler"
_CANCEL_DEFECT = (
    " The node raised CancelledError itself and LangGraph handed the handler a new "
    "CancelledError instead: langgraph < 1.2.4 took a node's own CancelledError for a "
    "cancellation of its task (1.2.4 raises NodeCancelledError from the original). Upgrade langgraph."
)
_UNSEEN_CANCEL = (
    " The node raised CancelledError itself: langgraph < 1.2.4 took it for a cancellation of its "
    "task, not a failure, so no handler was scheduled (1.2.4 raises NodeCancelledError, which "
    "the handler gets). Upgrade langgraph."
)
_BRANCH = "branch:to:"
_RERUN_DEFECT = (
    " The handler had ended ok and its update was committed, and the resume ran it again: "
    "langchain-ai/langgraph#9002 (open; seen on langgraph 1.2.2, 1.2.12 and 1.2.24). Keep the "
    "handler's side effects idempotent until it is fixed."
)


def _before_node_cancelled_error() -> bool:
    from chaos.invariants.delta_culprit import langgraph_version

    return langgraph_version() < (1, 2, 4)


def check_error_handler(result: TrialResult) -> Iterable[Violation]:
    """Each exhausted failure of a node with a handler is handled exactly once, and routed."""
    tasks = dict(node_tasks(result))
    handler_tasks = [atts for atts in tasks.values() if _is_handler(atts[0].node)]
    writes = None
    for attempts in tasks.values():
        last = attempts[-1]
        info = node_info(result, last.node)
        if info is None or info.spec is None or _is_handler(last.node) or last.outcome not in ("error", "timeout"):
            continue
        handler = info.error_handler
        if handler is None:
            continue
        prefix = last.node.rsplit("/", 1)[0] + "/" if "/" in last.node else ""
        name = last.node.rsplit("/", 1)[-1]
        mine = [h for h in handler_tasks if h[0].node == prefix + handler and _received(h[0], name, last)]
        if not mine:
            if last.error == "CancelledError" and result.journal.error == "CancelledError":
                # A node's own CancelledError that reached the caller bare (langgraph < 1.2.4):
                # LangGraph never saw a failure to hand over; `cancellation` reports the defect.
                continue
            if result.journal.outcome in ("ok", "error") and result.journal.error in (None, last.error):
                yield violation(
                    NAME, result,
                    f"{where(last, last.end)}: retries were exhausted ({last.error}) and the node has "
                    f"error handler {handler!r}, but no handler ran for this failure: expected 1 "
                    f"handler run with NodeError(node={name!r}, error={last.error}), seen 0."
                    + _UNSEEN_CANCEL * (last.error == "CancelledError" and _before_node_cancelled_error()),
                    last, t=last.end,
                )
            continue
        runs = _continued(mine)
        if len(runs) > 1:
            yield violation(
                NAME, result,
                f"{where(last, last.end)}: the handler {handler!r} ran {len(runs)} times for one "
                f"failure (tasks {', '.join(h[0].task for h in runs)}); expected exactly once."
                + _RERUN_DEFECT * (runs[1][0].invocation > runs[0][-1].invocation and runs[0][-1].outcome == "ok"),
                runs[1][0],
            )
        run = runs[0]
        first, final = run[0], run[-1]
        err = first.node_error
        if err is not None and (getattr(err, "node", None) != name or not _same_error(err.error, last)):
            yield violation(
                NAME, result,
                f"{where(first)}: the handler received {err!r}; expected a NodeError naming node "
                f"{name!r} with its last exception ({last.error} from attempt {last.attempt})."
                + _CANCEL_DEFECT * (last.error == "CancelledError" and type(getattr(err, "error", None)).__name__ == "CancelledError"),
                first,
            )
        yield from _resumed_error(result, run, last)
        yield from _unbounded(result, final, info)
        if final.outcome == "interrupted" or (final.outcome == "cancelled" and result.journal.outcome == "deadlock"):
            continue  # waits for its answer; or a hang `_unbounded`/liveness report
        if final.outcome != "ok":
            yield violation(
                NAME, result,
                f"{where(final, final.end)}: the error handler itself failed with {final.error}: "
                f"{final.error_message}. The failure of {name!r} ({last.error}) was not handled and "
                "the run failed with the handler's exception (LangGraph never re-invokes a handler "
                "for its own failure). Make the handler total: catch inside it and route to a "
                "fallback with Command(goto=...).",
                final, t=final.end,
            )
            continue
        if "/" in final.node:
            continue  # subgraph routing is checked where the subgraph's checkpoints live
        if writes is None:
            writes = thread_writes(result)
        yield from _check_routing(result, final, last, writes)


def _continued(runs: list[list[AttemptRecord]]) -> list[list[AttemptRecord]]:
    """Handler tasks as handler runs: one that stopped at ``interrupt()`` and was resumed
    (the same task id in a later run step) is one run, continued."""
    out: list[list[AttemptRecord]] = []
    for atts in runs:
        prev = out[-1] if out else None
        if prev is not None and prev[-1].outcome == "interrupted" and prev[-1].task_id == atts[0].task_id:
            out[-1] = prev + atts
        else:
            out.append(list(atts))
    return out


def _resumed_error(result: TrialResult, run: list[AttemptRecord], failed: AttemptRecord) -> Iterable[Violation]:
    """Every attempt of the handler, also one resumed from a checkpoint in a later run step,
    receives the node's own exception: its type and its attributes."""
    original = failed.exc
    if original is None:
        return
    for rec in run[1:]:
        got = getattr(rec.node_error, "error", None)
        if got is None or got is original or rec.invocation == run[0].invocation:
            continue
        if type(got) is type(original) and _attrs(got) == _attrs(original):
            continue
        yield violation(
            NAME, result,
            f"{where(rec)}: the handler, rerun when the thread was resumed (run step {rec.invocation}), "
            f"received NodeError(node={getattr(rec.node_error, 'node', '?')!r}, error={got!r}) of type "
            f"{type(got).__name__}; the node raised {type(original).__name__} with attributes "
            f"{_attrs(original)}. A handler must get the original exception object also after a "
            "resume: LangGraph rebuilds the NodeError from the checkpoint's __error__ write, which "
            "keeps only the exception's repr (seen on langgraph 1.2.2, 1.2.12 and 1.2.24). Until it "
            "is fixed, do not branch on the exception's type or attributes in a handler that can "
            "be resumed (one that calls interrupt()), or keep what it needs in the state.",
            rec,
        )
        return


def _attrs(exc: Any) -> dict[str, str]:
    out = {"args": repr(getattr(exc, "args", ()))}
    out.update({k: repr(v)[:80] for k, v in vars(exc).items() if not k.startswith("_")} if hasattr(exc, "__dict__") else {})
    return out


def _unbounded(result: TrialResult, handler: AttemptRecord, info: Any) -> Iterable[Violation]:
    """A handler with a TimeoutPolicy (``set_node_defaults(timeout=...)`` applies to handlers)
    that ran past it: LangGraph did not cancel it."""
    hinfo = node_info(result, handler.node)
    policy = getattr(getattr(hinfo, "spec", None), "timeout", None)
    if policy is None or result.journal.outcome != "deadlock" or handler.outcome not in ("cancelled", "unknown"):
        return
    yield violation(
        NAME, result,
        f"{where(handler)}: the error handler has TimeoutPolicy(run_timeout={policy.run_timeout}, "
        f"idle_timeout={policy.idle_timeout}) (set_node_defaults applies it to handlers), yet it "
        f"hung ({handler.fault or 'no fault'}) past it and the run never ended: LangGraph did not "
        "bound the handler. This is langchain-ai/langgraph#8842 (prepare_node_error_handler_task "
        "builds the handler's task without its timeout; open, seen on langgraph 1.2.2, 1.2.12 and "
        "1.2.24). Until it is fixed, bound the handler's own waits (asyncio.timeout around them).",
        handler,
    )


def _is_handler(site: str) -> bool:
    return site.rsplit("/", 1)[-1].startswith(("__error_handler__", "__default_error_handler__"))


def _received(handler_first: AttemptRecord, name: str, failed: AttemptRecord) -> bool:
    """True when this handler run was for ``failed``: same step, same node, same exception."""
    err = handler_first.node_error
    if err is None:
        return handler_first.step == failed.step
    got = getattr(err, "error", None)
    if failed.exc is not None and (got is failed.exc or getattr(got, "__cause__", None) is failed.exc):
        return True
    if (failed.exc is not None and isinstance(got, BaseException)
            and handler_first.invocation == failed.invocation):
        # In the run that failed, LangGraph hands the handler the exception object itself: a
        # different one is another task's failure, e.g. another Send copy of the same node
        # that failed in the same superstep (each copy gets its own handler run).
        return False
    return handler_first.step == failed.step and getattr(err, "node", None) == name


def _same_error(error: Any, failed: AttemptRecord) -> bool:
    if failed.exc is not None:
        # A CancelledError the node raised itself reaches handlers as LangGraph's
        # NodeCancelledError raised from it (since 1.2.4): the documented conversion.
        return error is failed.exc or (
            failed.error == "CancelledError" and getattr(error, "__cause__", None) is failed.exc
        )
    return type(error).__name__ == failed.error


def _check_routing(result: TrialResult, handler: AttemptRecord, failed: AttemptRecord,
                   writes: list[tuple[dict[str, Any], list[tuple[str, str, Any]]]]) -> Iterable[Violation]:
    """The handler's ``Command(goto=...)`` targets run in the next superstep."""
    known_ids = {a.task_id for a in result.journal.attempts if a.task_id}
    targets: list[str] | None = None
    for _meta, pending in writes:
        if not any(tid == failed.task_id and ch == "__error__" for tid, ch, _v in pending):
            continue
        handler_ids = {tid for tid, _ch, _v in pending if tid not in known_ids}
        targets = sorted({ch[len(_BRANCH):] for tid, ch, _v in pending if tid in handler_ids and ch.startswith(_BRANCH)})
        break
    if targets is None:
        return  # no checkpointer, or durability="exit": nothing to read the routing from
    if not targets:
        # No goto write: Command(goto=END) and a plain dict both end the branch and leave the
        # same writes, so an intended stop cannot be told from a forgotten route; not reported.
        return
    ran_next = {a.node for a in result.journal.attempts if a.step is not None and handler.step is not None and a.step == handler.step + 1}
    for target in targets:
        if target not in ran_next and target != "__end__":
            yield violation(
                NAME, result,
                f"{where(handler)}: the handler routed to {target!r} with Command(goto=...), but "
                f"{target!r} did not run in superstep {(handler.step or 0) + 1}; seen there: "
                f"{sorted(ran_next) or 'nothing'}.",
                handler,
            )


register_checker(NAME, check_error_handler)
