"""What the harness knows about one node of an instrumented graph."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from langgraph.types import CachePolicy, RetryPolicy, TimeoutPolicy


def seconds(bound: float | timedelta) -> float:
    """A TimeoutPolicy bound in seconds (compile() already coerces them to floats)."""
    return bound.total_seconds() if isinstance(bound, timedelta) else float(bound)


@dataclass
class TaskSpec:
    """The policies of a site that is no ``StateGraph`` node: a ``@task`` function, or a node
    of a graph built without ``StateGraph`` (an ``@entrypoint``, a low-level ``Pregel``).

    It carries the attributes of LangGraph's ``StateNodeSpec`` the harness reads.
    """

    runnable: Any
    retry_policy: RetryPolicy | Sequence[RetryPolicy] | None = None
    cache_policy: CachePolicy[Any] | None = None
    timeout: TimeoutPolicy | None = None
    is_error_handler: bool = False
    error_handler_node: str | None = None
    metadata: Any = None

    def __post_init__(self) -> None:
        # LangGraph keeps a @task's policy as a sequence; one policy reads as a node's does.
        if isinstance(self.retry_policy, Sequence) and not isinstance(self.retry_policy, RetryPolicy):
            policies = tuple(self.retry_policy)
            self.retry_policy = policies[0] if len(policies) == 1 else (policies or None)

    @classmethod
    def of_pregel_node(cls, node: Any) -> TaskSpec:
        """The spec of a ``PregelNode`` (the node an ``@entrypoint`` compiles to)."""
        return cls(
            runnable=node.bound, retry_policy=node.retry_policy or None, cache_policy=node.cache_policy,
            timeout=getattr(node, "timeout", None), is_error_handler=bool(getattr(node, "is_error_handler", False)),
            error_handler_node=getattr(node, "error_handler_node", None), metadata=node.metadata,
        )

    @classmethod
    def of_task(cls, fn: Any) -> TaskSpec:
        """The spec of a ``@task`` function (langgraph.func's ``_TaskFunction``)."""
        from langgraph.pregel._call import get_runnable_for_task

        return cls(runnable=get_runnable_for_task(fn.func), retry_policy=fn.retry_policy or None,
                   cache_policy=fn.cache_policy, timeout=getattr(fn, "timeout", None))


@dataclass
class NodeInfo:
    """What the harness knows about one node of the instrumented graph (after compile)."""

    site: str
    spec: Any  # langgraph.graph._node.StateNodeSpec (private type; read-only use) or a TaskSpec
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
        name: str | None = self.spec.error_handler_node
        return name

    @property
    def can_time_out(self) -> bool:
        """True when some TimeoutPolicy (its own or an enclosing subgraph node's) bounds it."""
        return self.timeout is not None or bool(self.enclosing_timeouts)

