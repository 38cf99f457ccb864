from __future__ import annotations

from collections.abc import Iterator

import pytest

from chaos import Chaos
from tests import graphs


@pytest.fixture
def calls() -> Iterator[list[str]]:
    """The side-effect log of tests/graphs.py, empty at the start of each test."""
    graphs.CALLS.clear()
    yield graphs.CALLS
    graphs.CALLS.clear()


@pytest.fixture
def harness(request: pytest.FixtureRequest) -> Iterator[Chaos]:
    """A `Chaos` independent of --chaos (the plugin's own fixture is tested with pytester)."""
    h = Chaos(seed=1234, test_id=request.node.nodeid)
    yield h
    h.close()
