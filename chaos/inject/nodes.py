"""What the harness knows about one node of an instrumented graph."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from langgraph.types import TimeoutPolicy


def seconds(bound: float | timedelta) -> float:
    """A TimeoutPolicy bound in seconds (compile() already coerces them to floats)."""
    return bound.total_seconds() if isinstance(bound, timedelta) else float(bound)


@dataclass
class NodeInfo:
    """What the harness knows about one node of the instrumented graph (after compile)."""

    site: str
    spec: Any  # langgraph.graph._node.StateNodeSpec (private type; read-only use)
    is_async: bool
    enclosing_timeouts: tuple[TimeoutPolicy, ...] = ()

    @property
    def timeout(self) -> TimeoutPolicy | None:
        policy: TimeoutPolicy | None = self.spec.timeout
        return policy

    @property
    def retry_policy(self) -> Any:
        return self.spec.retry_policy

    @property
    def cache_policy(self) -> Any:
        return self.spec.cache_policy

    @property
    def is_error_handler(self) -> bool:
        return bool(self.spec.is_error_handler)

    @property
    def error_handler(self) -> str | None:
        handler: str | None = self.spec.error_handler_node
        return handler

    @property
    def can_time_out(self) -> bool:
        """True when some TimeoutPolicy (its own or an enclosing subgraph node's) bounds it."""
        return self.timeout is not None or bool(self.enclosing_timeouts)

