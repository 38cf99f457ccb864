"""Sync work as atomic steps of the simulation, and the sink for what cannot be made so.

Under simulated time every job LangGraph hands a thread (a sync node body under ``ainvoke``
through the loop's executor; every task of a superstep under ``invoke`` through LangGraph's
``BackgroundExecutor``) runs to completion before the code that submitted it takes its next
step. Which sibling finished before a failure cancelled the superstep, and in which order
their side effects and ``time.sleep`` advances happened, then follow the submission order on
every rerun instead of the OS scheduler.

A job that cannot finish on its own (it waits for another job or for the event loop) cannot be
atomic: after a grace period it is left to run concurrently and the trial is told, through
`report_nondeterminism`, so it can say ``inconclusive`` (reason ``nondeterministic: ...``)
instead of flipping its verdict between reruns.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, TypeVar

__all__ = [
    "BLOCKED_GRACE",
    "AtomicExecutor",
    "job_label",
    "nondeterminism_sink",
    "report_nondeterminism",
    "set_job_labeler",
]

T = TypeVar("T")

#: Real seconds a sync task of LangGraph's thread pool may run before it is deemed to wait for
#: a sibling (a barrier, a queue) and is left to run concurrently.
BLOCKED_GRACE: float = 10.0

_sink: Callable[[str], None] | None = None
#: Names the work running on the calling thread (``sync node 'fetch'``), for messages that must
#: read the same on every rerun (no addresses). Set by `chaos.inject`.
_labeler: Callable[[], str | None] | None = None


def set_job_labeler(labeler: Callable[[], str | None] | None) -> None:
    """Install the function that names the work on the calling thread (see `job_label`)."""
    global _labeler
    _labeler = labeler


def job_label() -> str | None:
    """What the calling thread is running, as the labeler names it (None when unknown)."""
    return _labeler() if _labeler is not None else None


def report_nondeterminism(source: str) -> None:
    """Tell the running trial about a source of nondeterminism it could not control."""
    if _sink is not None:
        _sink(source)


@contextmanager
def nondeterminism_sink(sink: Callable[[str], None] | None) -> Iterator[None]:
    """Send `report_nondeterminism` calls to ``sink`` for the duration of one trial."""
    global _sink
    saved, _sink = _sink, sink
    try:
        yield
    finally:
        _sink = saved


class AtomicExecutor(concurrent.futures.Executor):
    """An executor whose ``submit`` returns only once the job has finished (see module doc).

    Jobs still run on ``pool``'s threads (thread-locals, a nested ``asyncio.run`` and nested
    sync graph runs behave as in production), one at a time, in submission order.
    """

    def __init__(self, pool: concurrent.futures.Executor, *, what: str, grace: float = BLOCKED_GRACE) -> None:
        self._pool = pool
        self._what = what
        self._grace = grace

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[T]:
        fut = self._pool.submit(fn, *args, **kwargs)
        if _is_stream_waiter(fn, args):
            # Not work: LangGraph's sync stream (messages/custom modes, subgraphs) submits a
            # waiter that blocks until a task emits output, next to the tasks. Waiting for it
            # here would hold every step for the grace period; it changes no task's order.
            return fut
        done, _ = concurrent.futures.wait([fut], timeout=self._grace)
        if not done:
            report_nondeterminism(
                f"{self._what}: a task ran for more than {self._grace:g} real seconds (it waits for "
                "another task or the event loop?), so it runs concurrently with its siblings"
            )
        return fut

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)


def _is_stream_waiter(fn: Callable[..., Any], args: tuple[Any, ...]) -> bool:
    """Whether the job is ``SyncQueue.wait`` of LangGraph's sync stream (submitted as
    ``ctx.run(wait)`` or ``next_tick(ctx.run, wait)``)."""
    for f in (fn, *args[:2]):
        if getattr(f, "__name__", None) == "wait" and type(getattr(f, "__self__", None)).__name__ == "SyncQueue":
            return True
    return False


def atomic_executor_for_config(
    original: Callable[[Any], AbstractContextManager[concurrent.futures.Executor]],
) -> Callable[[Any], AbstractContextManager[concurrent.futures.Executor]]:
    """Wrap langchain's ``get_executor_for_config`` (LangGraph's sync task pool) atomically."""

    @contextmanager
    def executor_for_config(config: Any) -> Iterator[concurrent.futures.Executor]:
        with original(config) as pool:
            yield AtomicExecutor(pool, what="parallel sync tasks in LangGraph's thread pool (invoke)")

    return executor_for_config
