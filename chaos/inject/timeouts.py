"""Observing LangGraph's timeout watchdogs, so the journal knows which attempts timed out."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from chaos.context import RunContext


@contextmanager
def observe_timeouts(ctx: RunContext) -> Iterator[None]:
    """Record every NodeTimeoutError LangGraph's timeout watchdogs raise during a run.

    ``langgraph.pregel._retry`` raises ``NodeTimeoutError(...)`` by its module-level name and
    uses it nowhere else, so rebinding that name to a recording factory (which still returns
    the real exception class) tells the journal exactly which attempts timed out, and how,
    without guessing from the clock. Restored on exit, also when the run fails.
    """
    from langgraph.pregel import _retry

    original = _retry.NodeTimeoutError
    ctx.timeouts = []

    def recording(node: str, elapsed: float, **kwargs: Any) -> Any:
        exc = original(node, elapsed, **kwargs)
        ctx.timeouts.append(exc)  # type: ignore[union-attr]
        return exc

    _retry.NodeTimeoutError = recording  # type: ignore[assignment,misc]
    try:
        yield
    finally:
        _retry.NodeTimeoutError = original  # type: ignore[misc]

