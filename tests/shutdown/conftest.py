"""Fixtures for the real services: PostgreSQL and Redis URLs from the environment.

``bash .ci/services.sh`` installs and starts both and prints the ``export`` lines. Without
them a developer gets a skip saying so; under CI (``CI=true``) a missing service is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.shutdown import shutdown_graphs

HOW = 'start them with: eval "$(bash .ci/services.sh)"'


def _service_url(var: str, what: str) -> str:
    url = os.environ.get(var)
    if url:
        return url
    message = f"${var} is not set: the {what} tests need a real {what} server; {HOW}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"under CI a missing service is a failure: {message}")
    pytest.skip(message)


@pytest.fixture
def postgres_url() -> str:
    return _service_url("CHAOS_POSTGRES_URL", "PostgreSQL")


@pytest.fixture
def redis_url() -> str:
    return _service_url("CHAOS_REDIS_URL", "Redis")


@pytest.fixture
def calls() -> Iterator[list[str]]:
    shutdown_graphs.CALLS.clear()
    yield shutdown_graphs.CALLS
    shutdown_graphs.CALLS.clear()
