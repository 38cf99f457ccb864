from __future__ import annotations

import os
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


# -- real services (PostgreSQL, Redis): `bash .ci/services.sh` starts them ----------------

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
