"""The langgraph release under test, for checks whose verdict depends on a fixed defect."""

from __future__ import annotations

from importlib.metadata import version


def langgraph_version() -> tuple[int, ...]:
    """``(1, 2, 24)`` for langgraph 1.2.24 (pre-release suffixes dropped)."""
    parts = []
    for piece in version("langgraph").split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


#: LangGraph converts a node's own asyncio.CancelledError into NodeCancelledError since 1.2.4.
NODE_CANCELLED_ERROR = langgraph_version() >= (1, 2, 4)
