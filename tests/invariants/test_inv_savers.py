"""The checkpoint-reading invariants on every real saver: in-memory, SQLite and PostgreSQL.

The same broken components make them fire and the same correct twins keep them silent,
whichever checkpointer the graph is compiled with (PostgreSQL: a real server, see
``.ci/services.sh``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from chaos import Chaos
from chaos.savers import postgres_saver, sqlite_saver_in
from tests.invariants.test_inv_delta_reconstruction import concat, counting, last_batch_only
from tests.invariants.test_inv_no_partial_writes import one_node

SAVERS = ["memory", "sqlite", "postgres"]


@pytest.fixture(params=SAVERS)
def saver(request: pytest.FixtureRequest) -> Iterator[Callable[[], Any]]:
    made: list[Any] = []

    def make() -> Any:
        if request.param == "memory":
            made.append(InMemorySaver())
        elif request.param == "sqlite":
            made.append(sqlite_saver_in())
        else:
            made.append(postgres_saver(request.getfixturevalue("postgres_url")))
        return made[-1]

    yield make
    for s in made:  # database connections are closed, not left to the garbage collector
        close = getattr(s, "close", None) or getattr(getattr(s, "conn", None), "close", None)
        if close is not None:
            close()


def run(builder: Any, saver: Callable[[], Any], name: str) -> Any:
    # A fresh test id per saver: thread ids derive from it, and PostgreSQL outlives the test.
    return Chaos(seed=7, test_id=f"savers::{name}").run(
        builder.compile(checkpointer=saver()), {}, baseline=False, raise_on_violation=False
    )


def test_no_partial_writes_fires_on_a_write_kept_after_a_failure(saver, request):
    result = run(one_node(True), saver, request.node.name)
    [v] = result.violated("no_partial_writes")
    assert v.node == "export" and "kept in the checkpointer next to the error" in v.message


def test_no_partial_writes_is_silent_when_writes_come_only_from_the_return(saver, request):
    result = run(one_node(False), saver, request.node.name)
    assert result.violated("no_partial_writes") == []
    assert result.journal.error == "ConnectionError"


def test_delta_reconstruction_fires_on_a_reducer_that_is_not_batching_invariant(saver, request):
    result = run(counting(last_batch_only), saver, request.node.name)
    found = result.violated("delta_reconstruction")
    assert found and "batching-invariant" in found[0].message


def test_delta_reconstruction_is_silent_on_a_batching_invariant_reducer(saver, request):
    result = run(counting(concat), saver, request.node.name)
    assert result.violated("delta_reconstruction") == []
    assert result.output["items"] == [0, 1, 2, 3, 4]
