"""Errors the harness raises at its users.

Every message names the bad value and says how to fix it. `ChaosUsageError` subclasses both
`ValueError` and pytest's `UsageError` contract (it is raised as a plain exception from the
library and turned into `pytest.UsageError` by the plugin), so callers can catch it either way.
"""

from __future__ import annotations


class ChaosError(Exception):
    """Base class of every error raised by langgraph-chaos itself."""


class ChaosUsageError(ChaosError, ValueError):
    """A wrong option, target, node name, fault or policy: the message says how to fix it."""


class ChaosAbort(BaseException):
    """Raised inside a node to end a trial at once, past LangGraph's retries.

    It derives from `BaseException` on purpose: LangGraph never retries or routes a
    BaseException to an error handler, so a trial that must stop (a hang that nothing can
    time out, for instance) stops where it is and the harness reports why.
    """

    def __init__(self, node: str, message: str) -> None:
        super().__init__(message)
        self.node = node
        self.message = message
