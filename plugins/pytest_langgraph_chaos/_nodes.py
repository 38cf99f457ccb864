"""The one base class of every pytest node (item or collector) the plugin adds.

Generated trials (``--chaos-target``), scenario files and their trials, and audit items all
derive from `ChaosNode`, so they report failures the same way: a chaos verdict, a usage error
or an audit failure is shown as its own message (which names the problem and the fix), not as
a traceback through the harness.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

# pytest exports Item and Collector but not their common base; plugins subclass it from here.
from _pytest.nodes import Node

if TYPE_CHECKING:
    from _pytest._code.code import TerminalRepr

    from chaos.trial import TrialResult


def _plain_errors() -> tuple[type[BaseException], ...]:
    """Exception types whose message is the whole failure report (imported only on failure)."""
    from chaos.errors import ChaosUsageError
    from chaos.trial import ChaosViolation
    from pytest_langgraph_chaos._audit import AuditFailed

    return (ChaosViolation, ChaosUsageError, AuditFailed)


class ChaosNode(Node):
    """Base of the plugin's items and collectors: chaos failures are shown as their message."""

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None
    ) -> str | TerminalRepr:
        if isinstance(excinfo.value, _plain_errors()):
            return str(excinfo.value)
        if style is None:  # a collector's repr_failure takes no style
            return super().repr_failure(excinfo)
        return super().repr_failure(excinfo, style=style)


class ChaosItem(ChaosNode, pytest.Item):
    """Base of the plugin's test items: one trial (or audit) each."""

    #: What the item is, for ``reportinfo`` (the line pytest prints above a failure).
    kind_label = "chaos"

    def record(self, result: TrialResult) -> None:
        """Keep ``result`` for the reports; fail the item when its verdict is ``fail``."""
        from chaos.trial import ChaosViolation
        from pytest_langgraph_chaos._settings import RESULT_KEY

        self.stash[RESULT_KEY] = result
        if not result.ok:
            raise ChaosViolation(result)

    def describe(self) -> str:
        return f"{self.kind_label} {self.name}"

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None, self.describe()


class ChaosCollector(ChaosNode, pytest.Collector):
    """Base of the plugin's collectors that are not files (one per ``--chaos-target``)."""


class ChaosFile(ChaosNode, pytest.File):
    """Base of the plugin's file collectors (scenario files)."""
