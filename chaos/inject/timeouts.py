"""Observing LangGraph's timeout watchdogs, so the journal knows which attempts timed out."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from chaos.context import RunContext

if TYPE_CHECKING:
    from langgraph.errors import NodeTimeoutError


@contextmanager
def observe_timeouts(ctx: RunContext) -> Iterator[None]:
    """Record every NodeTimeoutError LangGraph's timeout watchdogs raise during a run.

    ``langgraph.pregel._retry`` raises ``NodeTimeoutError(...)`` by its module-level name and
    uses it nowhere else, so rebinding that name to a recording factory (which still returns
    the real exception class) tells the journal exactly which attempts timed out, and how,
    without guessing from the clock. Restored on exit, also when the run fails.
    """
    from langgraph.pregel import _retry

    # _retry's own (imported, not re-exported) name for the class, rebound by name.
    original: type[NodeTimeoutError] = getattr(_retry, "NodeTimeoutError")
    timeouts: list[Any] = []
    ctx.timeouts = timeouts

    def recording(node: str, elapsed: float, **kwargs: Any) -> NodeTimeoutError:
        exc = original(node, elapsed, **kwargs)
        timeouts.append(exc)
        return exc

    setattr(_retry, "NodeTimeoutError", recording)
    try:
        yield
    finally:
        setattr(_retry, "NodeTimeoutError", original)

