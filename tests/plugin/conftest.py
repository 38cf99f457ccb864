"""Fixtures that write the test graphs of `tests.plugin.helpers` into pytester's directory."""

from __future__ import annotations

# In-process pytester runs forget the modules they import (pytester restores sys.modules), so
# what every run would import again is imported once here: langgraph and the library through
# chaos.*, and hypothesis, which its pytest plugin imports in every run's terminal summary.
import chaos.examples.support  # noqa: F401
import chaos.harness  # noqa: F401
import chaos.report  # noqa: F401
import chaos.suite  # noqa: F401
import hypothesis.internal.observability  # noqa: F401
import pytest

from tests.plugin.helpers import BROKEN, RETRYING


@pytest.fixture
def broken(pytester: pytest.Pytester) -> str:
    """``--chaos-target`` of a graph whose ``hang`` trial fails, importable from pytester's dir."""
    pytester.makepyfile(broken=BROKEN)
    pytester.syspathinsert()
    return "--chaos-target=broken:builder"


@pytest.fixture
def retrying(pytester: pytest.Pytester) -> None:
    """Write ``retrying.py`` (module ``retrying``, graph ``builder``) into pytester's dir."""
    pytester.makepyfile(retrying=RETRYING)
    pytester.syspathinsert()

