"""Fixtures of the shutdown tests (the PostgreSQL/Redis URL fixtures are in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.shutdown import shutdown_graphs


@pytest.fixture
def calls() -> Iterator[list[str]]:
    shutdown_graphs.CALLS.clear()
    yield shutdown_graphs.CALLS
    shutdown_graphs.CALLS.clear()
