"""hypothesis, imported once for the strategy modules, with the install hint when it is missing."""

from __future__ import annotations

try:
    from hypothesis import event, note
    from hypothesis import strategies as st
    from hypothesis.control import current_build_context, currently_in_test_context
    from hypothesis.errors import NoSuchExample
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "chaos.strategies needs hypothesis: pip install 'langgraph-chaos[hypothesis]'"
    ) from exc

__all__ = ["NoSuchExample", "current_build_context", "currently_in_test_context", "event", "note", "st"]
